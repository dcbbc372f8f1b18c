"""The clock of open requests: remind the member at 80 % of the limit, escalate to the
township past it. Each happens once per request, however many workers run the check at the
same moment: a conditional ``UPDATE … WHERE reminded_at IS NULL`` (or ``escalated_at``)
lets one of them win, and only the winner writes the step and the notices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.models import Role, RoleGrant
from core.notices.models import NoticeKind
from core.notices.services import notify
from core.timeutil import utcnow
from errands.models import OPEN_STATUSES, ErrandRequest, StepKind
from errands.services import add_step

BATCH = 500
Mark = InstrumentedAttribute[dt.datetime | None]  # reminded_at or escalated_at


@dataclass(frozen=True)
class DeadlineCheck:
    reminded: int
    escalated: int


def _claim(session: Session, request_id: int, mark: Mark, now: dt.datetime) -> bool:
    """Set the request's mark column to ``now`` if nobody has (one worker wins)."""
    claimed = session.execute(
        update(ErrandRequest)
        .where(
            ErrandRequest.id == request_id,
            mark.is_(None),
            ErrandRequest.status.in_(OPEN_STATUSES),
        )
        .values({mark.key: now})
        .execution_options(synchronize_session=False)
    )
    return int(claimed.rowcount) == 1  # type: ignore[attr-defined]


def _station_agents(session: Session, village_id: int) -> list[int]:
    return list(
        session.scalars(
            select(RoleGrant.user_id).where(
                RoleGrant.role == Role.AGENT, RoleGrant.village_id == village_id
            )
        )
    )


def _remind(session: Session, request: ErrandRequest, now: dt.datetime) -> None:
    """Remind the member; a request nobody was given reminds the station's agents."""
    add_step(request, StepKind.REMINDED, None, now)
    if request.assignee_id is not None:
        to_remind = [request.assignee_id]
    else:
        to_remind = _station_agents(session, request.village_id)
    for user_id in to_remind:
        notify(
            session,
            user_id=user_id,
            kind=NoticeKind.ERRAND_DUE_SOON,
            event_key=f"errand:{request.id}:due_soon",
            link=("errands.detail", {"request_id": request.id}),
            id=request.id,
            category=request.category.label,
            household=request.household.head_name,
            due=f"{request.due_day:%m-%d}",
        )


def _escalate(session: Session, request: ErrandRequest, now: dt.datetime) -> None:
    add_step(request, StepKind.ESCALATED, None, now)
    dispatchers = session.scalars(
        select(RoleGrant.user_id).where(
            RoleGrant.role == Role.DISPATCHER,
            RoleGrant.township_id == request.village.township_id,
        )
    )
    for user_id in dispatchers:
        notify(
            session,
            user_id=user_id,
            kind=NoticeKind.ERRAND_OVERDUE,
            event_key=f"errand:{request.id}:overdue",
            link=("errands.detail", {"request_id": request.id}),
            id=request.id,
            village=request.village.name,
            category=request.category.label,
            assignee=request.assignee.name if request.assignee else "-",
        )


def _due(session: Session, when: ColumnElement[bool], mark: Mark) -> list[int]:
    return list(
        session.scalars(
            select(ErrandRequest.id)
            .where(ErrandRequest.status.in_(OPEN_STATUSES), mark.is_(None), when)
            .order_by(ErrandRequest.id)
            .limit(BATCH)
        )
    )


def _fresh(session: Session, request_id: int) -> ErrandRequest:
    """The request as the UPDATE left it (not as this session had loaded it)."""
    return session.get_one(ErrandRequest, request_id, populate_existing=True)


def check_deadlines(session: Session, *, now: dt.datetime | None = None) -> DeadlineCheck:
    """Remind and escalate what is due at ``now``; answers how many of each this call did."""
    now = now or utcnow()
    reminded = escalated = 0
    soon = (ErrandRequest.remind_at <= now) & (ErrandRequest.due_at > now)
    for request_id in _due(session, soon, ErrandRequest.reminded_at):
        if _claim(session, request_id, ErrandRequest.reminded_at, now):
            _remind(session, _fresh(session, request_id), now)
            reminded += 1
    for request_id in _due(session, ErrandRequest.due_at <= now, ErrandRequest.escalated_at):
        if _claim(session, request_id, ErrandRequest.escalated_at, now):
            _escalate(session, _fresh(session, request_id), now)
            escalated += 1
    session.flush()
    return DeadlineCheck(reminded=reminded, escalated=escalated)
