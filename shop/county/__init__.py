"""The county's page (县级管理员): figures per township and village, charts, CSV export."""
