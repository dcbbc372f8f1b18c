"""Entry point of Celery: ``celery -A shop.worker worker`` and ``celery -A shop.worker beat``.

Importing the task modules registers every task (and the beat schedule) with the app.
"""

from __future__ import annotations

import core.notices.tasks
import core.tasks
import errands.tasks
import ledger.tasks
import logistics.tasks
import payments.tasks
import shop.groupbuys.tasks
import shop.shipping.tasks
from core.jobs import celery_app
from shop.app import create_app

TASK_MODULES = (
    core.tasks,
    core.notices.tasks,
    logistics.tasks,
    payments.tasks,
    ledger.tasks,
    errands.tasks,
    shop.groupbuys.tasks,
    shop.shipping.tasks,
)
flask_app = create_app()
app = celery_app
