"""Who sees which requests: a villager their household's, a member their grids', an agent
their station's, a dispatcher their township's."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from core.models import Role, User, Village
from errands.errors import ErrandError
from errands.models import ErrandRequest, Grid


def agent_station(user: User) -> int:
    """The station (village) of an agent."""
    villages = sorted(user.villages_for(Role.AGENT))
    if not villages:
        raise ErrandError("no_station")
    return villages[0]


def dispatcher_township(user: User) -> int:
    for grant in user.grants:
        if grant.role == Role.DISPATCHER and grant.township_id is not None:
            return grant.township_id
    raise ErrandError("no_township")


def member_grid_ids(session: Session, user: User) -> list[int]:
    return list(session.scalars(select(Grid.id).where(Grid.member_id == user.id)))


def overseen_villages(session: Session, user: User) -> list[int]:
    """The villages whose ledger and report the user keeps: an agent's station, or every
    village of a dispatcher's township."""
    if user.has_role(Role.DISPATCHER):
        township_id = dispatcher_township(user)
        return list(session.scalars(select(Village.id).where(Village.township_id == township_id)))
    return [agent_station(user)]


def visible_to(session: Session, user: User) -> ColumnElement[bool]:
    """The requests ``user`` may see, as a WHERE clause."""
    seen: list[ColumnElement[bool]] = []
    if user.household_id is not None:
        seen.append(ErrandRequest.household_id == user.household_id)
    grids = member_grid_ids(session, user)
    if grids:
        seen.append(ErrandRequest.grid_id.in_(grids))
    seen.append(ErrandRequest.assignee_id == user.id)
    stations = user.villages_for(Role.AGENT)
    if stations:
        seen.append(ErrandRequest.village_id.in_(stations))
    if user.has_role(Role.DISPATCHER):
        seen.append(ErrandRequest.village_id.in_(overseen_villages(session, user)))
    return or_(false(), *seen)


def visible_request(session: Session, user: User, request_id: int) -> ErrandRequest:
    """The request if ``user`` may see it: 404 when there is none, 403 when it is another's."""
    request = session.get(ErrandRequest, request_id)
    if request is None:
        raise ErrandError("request_not_found")
    allowed = session.scalar(
        select(ErrandRequest.id).where(ErrandRequest.id == request_id, visible_to(session, user))
    )
    if allowed is None:
        raise ErrandError("not_yours")
    return request
