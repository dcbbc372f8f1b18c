"""Entry point of Celery workers: ``celery -A shop.worker worker --loglevel=info``."""

from __future__ import annotations

from core import tasks  # noqa: F401 - registers the core tasks with the Celery app
from core.jobs import celery_app
from shop.app import create_app

flask_app = create_app()
app = celery_app
