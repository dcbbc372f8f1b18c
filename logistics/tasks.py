"""Background planning: one Celery task per village, so a county's planning fans out."""

from __future__ import annotations

import datetime as dt

import routing
from core.errors import CunzhanError
from core.flask_db import unit_of_work
from core.jobs import celery_app
from logistics import planning
from logistics.models import PlanRun

TASK_SECONDS = 5.0


@celery_app.task(name="logistics.plan_village")
def plan_village_task(run_id: int, now_iso: str | None = None) -> int:
    """Plan the village of a queued run; returns the number of rounds made."""
    now = dt.datetime.fromisoformat(now_iso) if now_iso else None
    try:
        with unit_of_work() as session:
            run = session.get_one(PlanRun, run_id)
            options = routing.SolveOptions(seconds=TASK_SECONDS, workers=1)
            return len(planning.plan_run(session, run=run, options=options, now=now))
    except (CunzhanError, ValueError) as error:
        with unit_of_work() as session:
            planning.fail_runs(session, run_ids=[run_id], message=str(error))
        return 0
