"""routing package of Cunzhan (see ../shared/DESIGN.md)."""
