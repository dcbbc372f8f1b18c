"""Grids (网格): the households of a village in groups, each with the member who answers for
it ("组组有人管，户户有人联")."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.models import Household, User
from errands.errors import ErrandError
from errands.models import Grid, GridHousehold


def create_grid(session: Session, *, village_id: int, name: str, member_id: int) -> Grid:
    if session.get(User, member_id) is None:
        raise ErrandError("member_not_found")
    grid = Grid(village_id=village_id, name=name.strip()[:60], member_id=member_id)
    session.add(grid)
    session.flush()
    return grid


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
