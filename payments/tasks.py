"""Background jobs of payments (Celery)."""

from __future__ import annotations

from core.db import transaction
from core.flask_db import database
from core.jobs import celery_app
from payments.statements import reconcile

RECONCILE_EVERY_SECONDS = 15 * 60


@celery_app.task(name="payments.reconcile")
def reconcile_payments() -> dict[str, int]:
    with transaction(database().write_sessions) as session:
        report = reconcile(session)
    return {"checked": report.checked, "moved": report.moved, "unreachable": report.unreachable}


celery_app.conf.beat_schedule = {
    **(celery_app.conf.beat_schedule or {}),
    "reconcile-payments": {"task": "payments.reconcile", "schedule": RECONCILE_EVERY_SECONDS},
}
