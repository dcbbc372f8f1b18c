"""Errands and care visits on the cadre's round (docs/errands.md, "On the round").

``logistics`` plans the rounds and must not import ``errands``: at start-up ``connect``
registers ``planned_work`` with ``logistics.extra_stops`` (what to visit in a village on a
day) and connects ``logistics.signals.stop_visited`` (the cadre did it) back to the services
here, so the request's timeline and the care record stay the one truth.

- An accepted (or started) request whose category needs a visit is offered every time its
  village is planned until the cadre completes it; its window is the one given when filing.
- A household marked for care visits is offered when a visit is due: never visited yet, or
  ``every_days`` after the last visit (local days), and not before.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Household, User
from core.timeutil import utcnow
from errands.access import agent_station
from errands.errors import ErrandError
from errands.models import (
    CARE_REASON_NAMES,
    CATEGORY_NAMES,
    CareHousehold,
    CareReason,
    CareVisit,
    Category,
    Channel,
    ErrandRequest,
    RequestStatus,
)
from errands.services import (
    done_on_round,
    file_request,
    parse_category,
    station_household,
)
from logistics import extra_stops, signals
from logistics.extra_stops import ExtraStop
from logistics.models import StopTask

#: Minutes at the door of a care visit.
CARE_VISIT_MINUTES = 15
CARE_EVERY_DAYS_MAX = 365
#: What the cadre brings to the household and takes back, by category (shown on the round).
VISIT_TASKS: dict[Category, tuple[str, str]] = {
    Category.INSURANCE: ("办好的参保凭证或缴费回执", "身份证、社保卡或医保卡复印件"),
    Category.CERTIFICATE: ("空白申请表", "开证明要用的身份证、户口本复印件"),
    Category.REPAIR: ("常用维修工具", ""),
    Category.FARMING_ADVICE: ("采土袋和标签", "土样"),
    Category.SHOPPING: ("代购的生活用品和小票", "代购的货款"),
}


def _seconds(moment: dt.time | None) -> int | None:
    return None if moment is None else moment.hour * 3600 + moment.minute * 60


def errand_stop(request: ErrandRequest) -> ExtraStop:
    bring, collect = VISIT_TASKS.get(request.category, ("", ""))
    start, end = _seconds(request.window_start), _seconds(request.window_end)
    return ExtraStop(
        household_id=request.household_id,
        reference=request.reference,
        title=f"{CATEGORY_NAMES[request.category]}：{request.details}"[:100],
        service_s=request.service_minutes * 60,
        bring=bring,
        collect=collect,
        window=(start, end) if start is not None and end is not None else None,
    )


def care_stop(care: CareHousehold) -> ExtraStop:
    return ExtraStop(
        household_id=care.household_id,
        reference=care.reference,
        title=f"关爱走访：{CARE_REASON_NAMES[care.reason]}",
        service_s=CARE_VISIT_MINUTES * 60,
    )


def is_due(care: CareHousehold, day: dt.date) -> bool:
    due = care.due_on()
    return due is None or due <= day


def planned_work(session: Session, village_id: int, day: dt.date) -> list[ExtraStop]:
    """The village's errands to do at the door and its care visits due on ``day``."""
    errands = session.scalars(
        select(ErrandRequest)
        .where(ErrandRequest.village_id == village_id, ErrandRequest.needs_visit.is_(True))
        .where(ErrandRequest.status.in_([RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS]))
        .order_by(ErrandRequest.id)
    )
    cares = session.scalars(
        select(CareHousehold)
        .where(CareHousehold.village_id == village_id)
        .order_by(CareHousehold.household_id)
    )
    return [errand_stop(r) for r in errands] + [care_stop(c) for c in cares if is_due(c, day)]


def on_stop_visited(
    task: StopTask,
    *,
    session: Session,
    cadre_id: int,
    at: dt.datetime,
    raised: tuple[str, str] | None,
) -> None:
    """The cadre did ``task`` on the round: the errand is done, or the visit recorded; a
    request the household raised (sent with the stop's first task) is filed either way."""
    kind, _, ident = task.reference.partition(":")
    cadre = session.get_one(User, cadre_id)
    if kind == "errand":
        done_on_round(session, cadre=cadre, request_id=int(ident), note=task.note, at=at)
        file_raised(session, cadre=cadre, household_id=task.stop.household_id, raised=raised, at=at)
    elif kind == "care":
        record_visit(
            session, cadre=cadre, household_id=int(ident), note=task.note, at=at, raised=raised
        )


def record_visit(
    session: Session,
    *,
    cadre: User,
    household_id: int,
    note: str,
    at: dt.datetime,
    raised: tuple[str, str] | None = None,
) -> CareVisit:
    """A care visit made: the next is due ``every_days`` from now; a request the household
    raised is filed for it (channel ``visit``) and goes to its grid's member as usual."""
    visit = CareVisit(household_id=household_id, cadre_id=cadre.id, at=at, note=note)
    care = session.get(CareHousehold, household_id)
    if care is not None:
        care.last_visited_at = at
    visit.request = file_raised(
        session, cadre=cadre, household_id=household_id, raised=raised, at=at
    )
    session.add(visit)
    session.flush()
    return visit


def file_raised(
    session: Session,
    *,
    cadre: User,
    household_id: int,
    raised: tuple[str, str] | None,
    at: dt.datetime,
) -> ErrandRequest | None:
    """File the request ``(category, details)`` the household raised at the cadre's visit
    (channel ``visit``); it goes to the household's grid member as usual."""
    if raised is None:
        return None
    category, details = raised
    return file_request(
        session,
        filed_by=cadre,
        household=session.get_one(Household, household_id),
        category=parse_category(category),
        details=details,
        channel=Channel.VISIT,
        now=at,
    )


def mark_for_care(
    session: Session,
    *,
    agent: User,
    phone: str,
    reason: CareReason,
    every_days: int,
    now: dt.datetime | None = None,
) -> CareHousehold:
    """The agent marks a household of the station's village for visits every ``every_days``
    (marking it again changes the reason and the frequency, and keeps the last visit)."""
    if not 1 <= every_days <= CARE_EVERY_DAYS_MAX:
        raise ErrandError("bad_care_frequency", n=CARE_EVERY_DAYS_MAX)
    household = station_household(session, agent=agent, who=phone)
    care = session.get(CareHousehold, household.id)
    if care is None:
        care = CareHousehold(
            household_id=household.id, village_id=household.village_id, marked_by_id=agent.id
        )
        session.add(care)
    care.reason = reason
    care.every_days = every_days
    care.marked_at = now or utcnow()
    session.flush()
    return care


def unmark_care(session: Session, *, agent: User, household_id: int) -> None:
    """No more regular visits for this household of the agent's village."""
    care = session.get(CareHousehold, household_id)
    if care is None or care.village_id != agent_station(agent):
        raise ErrandError("household_not_found")
    session.delete(care)
    session.flush()


def care_households(session: Session, *, village_id: int) -> list[CareHousehold]:
    return list(
        session.scalars(
            select(CareHousehold)
            .where(CareHousehold.village_id == village_id)
            .order_by(CareHousehold.marked_at, CareHousehold.household_id)
        )
    )


def recent_visits(session: Session, *, village_id: int, limit: int = 20) -> list[CareVisit]:
    """The village's latest care visits, newest first (the agent's page)."""
    return list(
        session.scalars(
            select(CareVisit)
            .join(Household, Household.id == CareVisit.household_id)
            .where(Household.village_id == village_id)
            .order_by(CareVisit.at.desc(), CareVisit.id.desc())
            .limit(limit)
        )
    )


def connect() -> None:
    """Offer errands and care visits to planning, and hear back when the cadre did them."""
    extra_stops.register(planned_work)
    extra_stops.offer_request_kinds({c.value: CATEGORY_NAMES[c] for c in Category})
    signals.stop_visited.connect(on_stop_visited, weak=False)
