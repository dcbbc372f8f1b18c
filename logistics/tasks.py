"""Background planning: one job per village, on Celery workers when a broker is configured,
else in a background thread of the server process. Either way each village's progress
(queued, solving, done, failed with the reason) is recorded on its ``PlanRun``."""

from __future__ import annotations

import datetime as dt
import logging

from flask_babel import gettext as _

from core.errors import CunzhanError
from core.flask_db import unit_of_work
from core.jobs import app_celery, celery_app, enqueue, has_workers, in_background
from logistics import planning

log = logging.getLogger(__name__)


def plan_village(run_id: int, now_iso: str | None = None) -> int:
    """Plan the village of a queued run in its own transactions; returns the rounds made.

    First the run is marked as solving (and committed, so the board shows it), then the
    village is planned in one transaction that holds the run's row; if that fails, the run
    records why. A run planned already (its task delivered again) is left as it is.
    """
    now = dt.datetime.fromisoformat(now_iso) if now_iso else None
    try:
        with unit_of_work() as session:
            if planning.begin_run(session, run_id=run_id) is None:
                return 0
        with unit_of_work() as session:
            run = planning.begin_run(session, run_id=run_id)
            return 0 if run is None else len(planning.plan_run(session, run=run, now=now))
    except (CunzhanError, ValueError) as error:
        message = error.message if isinstance(error, CunzhanError) else str(error)
    except Exception:
        log.exception("planning run %s failed", run_id)
        message = _("规划出错，请重新规划")
    with unit_of_work() as session:
        planning.fail_runs(session, run_ids=[run_id], message=str(message))
    return 0


@celery_app.task(name="logistics.plan_village")
def plan_village_task(run_id: int, now_iso: str | None = None) -> int:
    """Plan the village of a queued run; returns the number of rounds made."""
    return plan_village(run_id, now_iso)


def plan_in_background(run_ids: list[int], now: dt.datetime | None = None) -> None:
    """Hand queued runs (already committed) to Celery workers, or to this server's
    background thread; returns at once either way. A run the broker does not take (it is
    unreachable) goes to the background thread too: never left queued for ever."""
    now_iso = now.isoformat() if now else None
    celery = app_celery()
    for run_id in run_ids:
        if not (has_workers(celery) and enqueue(plan_village_task, run_id, now_iso, celery=celery)):
            in_background(plan_village, run_id, now_iso)
