"""The dispatcher's board as data: today's depot batches, each village's planning and
progress, today's rounds, and the outcome of the planning the dispatcher asked for.

Read-only queries for ``dispatch_views`` (the views stay thin) and for the board's refreshes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.models import Village
from logistics import planning, tracking
from logistics.models import DepotBatch, PlanRun, PlanStatus, Round, RoundStatus


def township_batches(session: Session, *, township_id: int, day: dt.date) -> list[DepotBatch]:
    """The day's depot batches of the township, in the trunk van's order."""
    return list(
        session.scalars(
            select(DepotBatch)
            .join(Village, Village.id == DepotBatch.village_id)
            .where(Village.township_id == township_id, DepotBatch.day == day)
            .order_by(DepotBatch.trunk_sequence)
        )
    )


def township_rounds(session: Session, *, township_id: int, day: dt.date) -> list[Round]:
    """The day's rounds of the township (cancelled ones left out), by village and departure,
    with their stops and cadre loaded."""
    return list(
        session.scalars(
            select(Round)
            .join(Village, Village.id == Round.village_id)
            .where(Village.township_id == township_id, Round.day == day)
            .where(Round.status != RoundStatus.CANCELLED)
            .order_by(Round.village_id, Round.departure)
            .options(selectinload(Round.stops), selectinload(Round.cadre))
        )
    )


@dataclass(frozen=True)
class PlanBoard:
    """The board's planning section."""

    progress: list[tracking.Progress]
    runs: dict[int, PlanRun]  # the newest run of the day per village id
    left_out: dict[int, list[planning.LeftOut]]
    far_from_road: dict[int, list[planning.FarFromRoad]]  # households the road does not reach
    busy: bool  # some village is still queued or being solved
    rounds: list[Round]
    outcome: str | None  # what became of the planning asked for, once every village is done


def plan_board(
    session: Session, *, township_id: int, day: dt.date, now: dt.datetime, since: int | None
) -> PlanBoard:
    """Each village's progress and newest plan run, the households left out, today's rounds;
    ``since`` (the first run id of the planning the dispatcher just asked for) adds its
    outcome once none of those runs is queued or solving any more."""
    progress = tracking.village_progress(session, township_id=township_id, day=day)
    runs = tracking.latest_runs(session, village_ids=[p.village.id for p in progress], day=day)
    asked = [run for run in runs.values() if since is not None and run.id >= since]
    busy = any(planning.is_busy(run, now) for run in runs.values())
    finished = asked and not any(planning.is_busy(run, now) for run in asked)
    return PlanBoard(
        progress=progress,
        runs=runs,
        left_out={vid: planning.left_out(run) for vid, run in runs.items()},
        far_from_road={vid: planning.far_from_road(run) for vid, run in runs.items()},
        busy=busy,
        rounds=township_rounds(session, township_id=township_id, day=day),
        outcome=outcome(asked) if finished else None,
    )


def outcome(runs: list[PlanRun]) -> str:
    """ "12 个村已规划完" and, if some failed, which and why."""
    failed = [run for run in runs if run.status is not PlanStatus.DONE]
    if not failed:
        return str(_("%(n)d 个村已规划完", n=len(runs)))
    reasons = "、".join(
        f"{run.village.name}（{run.message}）" if run.message else run.village.name
        for run in failed
    )
    return str(
        _(
            "%(n)d 个村已规划完，%(f)d 个失败：%(reasons)s",
            n=len(runs),
            f=len(failed),
            reasons=reasons,
        )
    )
