"""Grids (网格): the households of a village in groups, each with the member who answers for
it ("组组有人管，户户有人联")."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.errors import CoreError
from core.models import Household, Role, RoleGrant, User
from core.services import normalise_phone
from errands.errors import ErrandError
from errands.models import Grid, GridHousehold

NAME_MAX = 60


def create_grid(
    session: Session, *, village_id: int, name: str, member_id: int, party_member: bool = False
) -> Grid:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ErrandError("grid_name_required", n=NAME_MAX)
    if session.get(User, member_id) is None:
        raise ErrandError("member_not_found")
    if session.scalar(select(Grid.id).where(Grid.village_id == village_id, Grid.name == name)):
        raise ErrandError("grid_name_taken")
    grid = Grid(village_id=village_id, name=name, member_id=member_id, party_member=party_member)
    session.add(grid)
    session.flush()
    return grid


def mark_party_member(session: Session, *, grid: Grid, party_member: bool) -> None:
    """Whether the grid's member is a party member (党员), as the agent knows them."""
    grid.party_member = party_member
    session.flush()


def put_households(session: Session, *, grid: Grid, household_ids: Sequence[int]) -> None:
    """Move households of the grid's village into the grid (out of any other grid)."""
    found = set(
        session.scalars(
            select(Household.id).where(
                Household.id.in_(household_ids), Household.village_id == grid.village_id
            )
        )
    )
    if found != set(household_ids):
        raise ErrandError("household_not_found")
    session.execute(delete(GridHousehold).where(GridHousehold.household_id.in_(found)))
    session.add_all(GridHousehold(household_id=h, grid_id=grid.id) for h in sorted(found))
    session.flush()


def grids_of_village(session: Session, village_id: int) -> list[tuple[Grid, int]]:
    """The village's grids with how many households each has."""
    counts = (
        select(GridHousehold.grid_id, func.count().label("n"))
        .group_by(GridHousehold.grid_id)
        .subquery()
    )
    rows = session.execute(
        select(Grid, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.grid_id == Grid.id)
        .where(Grid.village_id == village_id)
        .order_by(Grid.name)
    )
    return [(grid, int(n)) for grid, n in rows]


def _phone(raw: str) -> str:
    try:
        return normalise_phone(raw)
    except CoreError as error:
        raise ErrandError("member_not_found") from error


def village_member(session: Session, *, village_id: int, phone: str) -> User:
    """The account that may answer for a grid of the village: one of its cadres, or a
    villager (a party member) of one of its households."""
    user = session.scalar(select(User).where(User.phone == _phone(phone), User.is_active))
    if user is None:
        raise ErrandError("member_not_found")
    lives_here = user.household is not None and user.household.village_id == village_id
    is_cadre = session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.user_id == user.id,
            RoleGrant.role == Role.CADRE,
            RoleGrant.village_id == village_id,
        )
    )
    if not (lives_here or is_cadre):
        raise ErrandError("member_not_found")
    return user


def households_by_phone(session: Session, *, village_id: int, phones: Sequence[str]) -> list[int]:
    """The village's households with these phone numbers (each must be found)."""
    wanted = {_household_phone(p) for p in phones if p.strip()}
    found = dict(
        session.execute(
            select(Household.phone, Household.id).where(
                Household.village_id == village_id, Household.phone.in_(wanted)
            )
        ).all()
    )
    if not wanted or set(found) != wanted:
        raise ErrandError("household_not_found")
    return sorted(found.values())


def _household_phone(raw: str) -> str:
    try:
        return normalise_phone(raw)
    except CoreError as error:
        raise ErrandError("household_not_found") from error
