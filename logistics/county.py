"""A county's day planned at once: one plan run per village of all its townships, each
solved by whichever Celery worker takes it (``logistics.tasks.plan_in_background``).

Planning the county's day again queues only the villages that have no run of that day yet
(or whose run failed): a county plan is idempotent per village and day, so pressing the
button twice, or two county managers pressing it, makes one set of rounds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Township, Village
from logistics.models import PlanRun, PlanStatus
from logistics.planning import start_runs


def county_villages(session: Session, county_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Village.id)
            .join(Township, Township.id == Village.township_id)
            .where(Township.county_id == county_id)
            .order_by(Village.id)
        )
    )


def queue_county(session: Session, *, county_id: int, day: dt.date) -> list[PlanRun]:
    """Queue a plan run for each village of the county not yet planned (nor being planned)
    for ``day``; returns the new runs, to hand to the workers once committed."""
    villages = county_villages(session, county_id)
    planned = set(
        session.scalars(
            select(PlanRun.village_id).where(
                PlanRun.day == day,
                PlanRun.village_id.in_(villages),
                PlanRun.status != PlanStatus.FAILED,
            )
        )
    )
    return start_runs(session, village_ids=[v for v in villages if v not in planned], day=day)


@dataclass(frozen=True)
class TownshipProgress:
    """How far the county's day is planned in one township: villages per state of their
    latest run (a village without a run that day counts as not started)."""

    township_id: int
    township: str
    villages: int
    queued: int
    running: int
    done: int
    failed: int


def county_progress(session: Session, *, county_id: int, day: dt.date) -> list[TownshipProgress]:
    """Per township, in two grouped queries (not a query per village)."""
    latest = (
        select(PlanRun.village_id, func.max(PlanRun.id).label("run_id"))
        .where(PlanRun.day == day)
        .group_by(PlanRun.village_id)
        .subquery()
    )
    counts = session.execute(
        select(Township.id, PlanRun.status, func.count())
        .join(Village, Village.township_id == Township.id)
        .join(latest, latest.c.village_id == Village.id)
        .join(PlanRun, PlanRun.id == latest.c.run_id)
        .where(Township.county_id == county_id)
        .group_by(Township.id, PlanRun.status)
    ).all()
    by_state: dict[tuple[int, PlanStatus], int] = {(t, s): n for t, s, n in counts}
    townships = session.execute(
        select(Township.id, Township.name, func.count(Village.id))
        .join(Village, Village.township_id == Township.id)
        .where(Township.county_id == county_id)
        .group_by(Township.id, Township.name)
        .order_by(Township.id)
    ).all()
    return [
        TownshipProgress(
            township_id=tid,
            township=name,
            villages=villages,
            queued=by_state.get((tid, PlanStatus.QUEUED), 0),
            running=by_state.get((tid, PlanStatus.RUNNING), 0),
            done=by_state.get((tid, PlanStatus.DONE), 0),
            failed=by_state.get((tid, PlanStatus.FAILED), 0),
        )
        for tid, name, villages in townships
    ]
