"""Requests from filing to the return call; every step goes through here with who and when.

Plain functions: ``session`` first, keyword-only after; they flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.errors import CoreError
from core.models import Household, Role, RoleGrant, User
from core.notices.models import NoticeKind
from core.notices.services import notify_household
from core.photos import store_photo
from core.services import normalise_phone
from core.timeutil import utcnow
from errands.access import agent_station, visible_request
from errands.errors import ErrandError
from errands.models import (
    CATEGORY_RULES,
    DETAILS_MAX,
    NOTE_MAX,
    PHOTOS_MAX,
    Category,
    Channel,
    ErrandRequest,
    Grid,
    GridHousehold,
    RequestPhoto,
    RequestStatus,
    RequestStep,
    Satisfaction,
    StepKind,
    WithdrawnCategory,
)
from errands.workdays import due_moment, remind_moment


@dataclass(frozen=True)
class Hotline:
    """A request taken on the phone: who called, when, and the callback promised."""

    caller_name: str
    caller_phone: str
    called_at: dt.datetime
    callback_by: dt.datetime | None = None


@dataclass(frozen=True)
class VisitWindow:
    """When the household can be visited (local clock times), for the round's planner."""

    start: dt.time
    end: dt.time

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise ErrandError("bad_window")


def parse_window(start: str, end: str) -> VisitWindow | None:
    """``08:00`` and ``11:30`` as a window; None when both are left empty."""
    if not start.strip() and not end.strip():
        return None
    try:
        return VisitWindow(dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip()))
    except ValueError as error:
        raise ErrandError("bad_window") from error


def parse_category(value: str) -> Category:
    try:
        return Category(value)
    except ValueError as error:
        raise ErrandError("unknown_category") from error


def offered_categories(session: Session, village_id: int) -> list[Category]:
    """The station's service list (服务清单): every category its agent has not withdrawn."""
    withdrawn = set(
        session.scalars(
            select(WithdrawnCategory.category).where(WithdrawnCategory.village_id == village_id)
        )
    )
    return [category for category in Category if category not in withdrawn]


def set_offered_categories(
    session: Session, *, agent: User, categories: Sequence[Category]
) -> list[Category]:
    """The agent chooses what their station offers; at least one category stays offered.
    Requests already filed in a withdrawn category go on as they were."""
    village_id = agent_station(agent)
    offered = set(categories)
    if not offered:
        raise ErrandError("no_category_offered")
    session.execute(delete(WithdrawnCategory).where(WithdrawnCategory.village_id == village_id))
    session.add_all(
        WithdrawnCategory(village_id=village_id, category=category)
        for category in Category
        if category not in offered
    )
    session.flush()
    return offered_categories(session, village_id)


def parse_satisfaction(value: str) -> Satisfaction:
    try:
        return Satisfaction(value)
    except ValueError as error:
        raise ErrandError("satisfaction_required") from error


def add_step(
    request: ErrandRequest, kind: StepKind, actor: User | None, at: dt.datetime, note: str = ""
) -> None:
    request.steps.append(
        RequestStep(kind=kind, actor_id=actor.id if actor else None, at=at, note=note[:NOTE_MAX])
    )


def grid_of(session: Session, household_id: int) -> Grid | None:
    return session.scalar(
        select(Grid).join(GridHousehold).where(GridHousehold.household_id == household_id)
    )


def file_request(
    session: Session,
    *,
    filed_by: User,
    household: Household,
    category: Category,
    details: str,
    channel: Channel,
    hotline: Hotline | None = None,
    window: VisitWindow | None = None,
    photos: Sequence[bytes] = (),
    photo_dir: Path | None = None,
    now: dt.datetime | None = None,
) -> ErrandRequest:
    """File a request for ``household``; it goes to the member of the household's grid."""
    details = details.strip()
    if not details or len(details) > DETAILS_MAX:
        raise ErrandError("details_required", n=DETAILS_MAX)
    if len(photos) > PHOTOS_MAX:
        raise ErrandError("too_many_photos", n=PHOTOS_MAX)
    if channel == Channel.HOTLINE and (hotline is None or not hotline.caller_name.strip()):
        raise ErrandError("caller_required")
    # What a household raised at the door on the cadre's round is recorded whatever the
    # list says: the visit has happened, and refusing it would lose what was asked.
    if channel != Channel.VISIT and category not in offered_categories(
        session, household.village_id
    ):
        raise ErrandError("category_not_offered", category=category.label)
    now = now or utcnow()
    rule = CATEGORY_RULES[category]
    due_at = due_moment(now, rule.limit_days)
    grid = grid_of(session, household.id)
    request = ErrandRequest(
        village_id=household.village_id,
        household_id=household.id,
        grid_id=grid.id if grid else None,
        assignee_id=grid.member_id if grid else None,
        filed_by_id=filed_by.id,
        channel=channel,
        category=category,
        details=details,
        status=RequestStatus.FILED,
        filed_at=now,
        due_at=due_at,
        remind_at=remind_moment(now, due_at),
        needs_visit=rule.needs_visit,
        window_start=window.start if window else None,
        window_end=window.end if window else None,
        service_minutes=rule.service_minutes,
    )
    if hotline is not None:
        request.caller_name = hotline.caller_name.strip()[:60]
        request.caller_phone = hotline.caller_phone.strip()[:20]
        request.called_at = hotline.called_at
        request.callback_by = hotline.callback_by
    if photos:
        assert photo_dir is not None, "photos need the directory they are stored in"
        request.photos = [RequestPhoto(name=store_photo(photo_dir, data).name) for data in photos]
    add_step(request, StepKind.FILED, filed_by, now)
    session.add(request)
    session.flush()
    return request


def file_for_self(
    session: Session,
    *,
    villager: User,
    category: Category,
    details: str,
    window: VisitWindow | None = None,
    photos: Sequence[bytes] = (),
    photo_dir: Path | None = None,
    now: dt.datetime | None = None,
) -> ErrandRequest:
    """A villager files on their phone, for their own household."""
    if villager.household is None:
        raise ErrandError("no_household")
    return file_request(
        session,
        filed_by=villager,
        household=villager.household,
        category=category,
        details=details,
        channel=Channel.PHONE_APP,
        window=window,
        photos=photos,
        photo_dir=photo_dir,
        now=now,
    )


def station_household(session: Session, *, agent: User, who: str) -> Household:
    """The household of the agent's village named by ``who``: its phone number, or the head's
    name (an old villager living alone may have no phone; a name two heads share is refused)."""
    village_id = agent_station(agent)
    of_village = select(Household).where(Household.village_id == village_id)
    try:
        phone = normalise_phone(who)
    except CoreError:
        name = who.strip()
        found = session.scalars(of_village.where(Household.head_name == name).limit(2)).all()
        if len(found) > 1:
            raise ErrandError("household_name_shared", name=name) from None
        if not found:
            raise ErrandError("household_not_found") from None
        return found[0]
    household = session.scalar(
        of_village.where(Household.phone == phone).order_by(Household.id).limit(1)
    )
    if household is None:
        raise ErrandError("household_not_found")
    return household


def _assigned(session: Session, member: User, request_id: int) -> ErrandRequest:
    request = visible_request(session, member, request_id)
    if request.assignee_id != member.id:
        raise ErrandError("not_yours")
    return request


def accept(
    session: Session, *, member: User, request_id: int, now: dt.datetime | None = None
) -> ErrandRequest:
    request = _assigned(session, member, request_id)
    request.move_to(RequestStatus.ACCEPTED)
    add_step(request, StepKind.ACCEPTED, member, now or utcnow())
    session.flush()
    return request


def start(
    session: Session, *, member: User, request_id: int, now: dt.datetime | None = None
) -> ErrandRequest:
    request = _assigned(session, member, request_id)
    request.move_to(RequestStatus.IN_PROGRESS)
    add_step(request, StepKind.STARTED, member, now or utcnow())
    session.flush()
    return request


def mark_done(
    session: Session,
    *,
    member: User,
    request_id: int,
    note: str = "",
    now: dt.datetime | None = None,
) -> ErrandRequest:
    """The member has done it; the household is asked whether they are satisfied."""
    request = _assigned(session, member, request_id)
    _finish(session, request, member, note, now or utcnow())
    return request


#: The note of a step taken on the cadre's round.
ON_THE_ROUND = "上门办理（配送路线）"


def done_on_round(
    session: Session, *, cadre: User, request_id: int, note: str, at: dt.datetime
) -> ErrandRequest | None:
    """The cadre did the errand at the household on the round (who may not be the grid's
    member: the round's cadre carries it out). An accepted request is started first, so the
    timeline shows both steps; a request no longer accepted or under way (reassigned,
    done meanwhile) is left as it is (None)."""
    request = session.get_one(ErrandRequest, request_id)
    if request.status is RequestStatus.ACCEPTED:
        request.move_to(RequestStatus.IN_PROGRESS)
        add_step(request, StepKind.STARTED, cadre, at, ON_THE_ROUND)
    if request.status is not RequestStatus.IN_PROGRESS:
        return None
    _finish(session, request, cadre, note or ON_THE_ROUND, at)
    return request


def _finish(
    session: Session, request: ErrandRequest, actor: User, note: str, now: dt.datetime
) -> None:
    """Done: the clock stops, and the household is asked whether they are satisfied."""
    request.move_to(RequestStatus.DONE)
    request.done_at = now
    add_step(request, StepKind.DONE, actor, now, note.strip())
    session.flush()
    notify_household(
        session,
        household_id=request.household_id,
        kind=NoticeKind.ERRAND_DONE,
        event_key=f"errand:{request.id}:done",
        link=("errands.detail", {"request_id": request.id}),
        id=request.id,
        category=request.category.label,
    )


def station_members(session: Session, village_id: int) -> list[User]:
    """Who may be given a request of the village: its grid members and its cadres."""
    grid_members = select(Grid.member_id).where(Grid.village_id == village_id)
    cadres = select(RoleGrant.user_id).where(
        RoleGrant.role == Role.CADRE, RoleGrant.village_id == village_id
    )
    return list(
        session.scalars(
            select(User)
            .where(User.is_active.is_(True), User.id.in_(grid_members.union(cadres)))
            .order_by(User.name, User.id)
        )
    )


def reassign(
    session: Session,
    *,
    agent: User,
    request_id: int,
    member_id: int,
    now: dt.datetime | None = None,
) -> ErrandRequest:
    """The agent gives an open request to another member, who accepts it anew."""
    request = visible_request(session, agent, request_id)
    if request.village_id not in agent.villages_for(Role.AGENT):
        raise ErrandError("not_yours")
    members = station_members(session, request.village_id)
    member = next((m for m in members if m.id == member_id), None)
    if member is None:
        raise ErrandError("member_not_found")
    request.move_to(RequestStatus.FILED)
    request.assignee_id = member.id
    add_step(request, StepKind.REASSIGNED, agent, now or utcnow(), member.name)
    session.flush()
    return request


def close(
    session: Session,
    *,
    actor: User,
    request_id: int,
    satisfaction: Satisfaction,
    note: str = "",
    now: dt.datetime | None = None,
) -> ErrandRequest:
    """Close a done request with the household's satisfaction: the villager answers on their
    phone, or the station's agent records it on the return call (回访)."""
    request = visible_request(session, actor, request_id)
    by_villager = actor.household_id == request.household_id
    if not by_villager and request.village_id not in actor.villages_for(Role.AGENT):
        raise ErrandError("not_yours")
    request.move_to(RequestStatus.CLOSED)
    now = now or utcnow()
    request.closed_at = now
    request.satisfaction = satisfaction
    request.satisfaction_by_villager = by_villager
    add_step(request, StepKind.CLOSED, actor, now, note.strip())
    session.flush()
    return request
