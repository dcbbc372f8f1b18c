"""A village with two grids: each grid's member, a villager in grid A, an agent, a dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from core.models import Household, Role, User, Village
from core.services import grant_role
from errands.grids import create_grid, put_households
from errands.models import Grid


@dataclass
class Errands:
    db: Session
    village: Village
    member_a: User
    member_b: User
    villager: User
    neighbour: User  # a villager of grid B
    agent: User
    dispatcher: User
    grid_a: Grid
    grid_b: Grid


@pytest.fixture
def errands(
    db: Session, make_village: Callable[..., Village], make_user: Callable[..., User]
) -> Errands:
    village = make_village("网格村")
    member_a = make_user(Role.CADRE, village=village, name="甲网格员")
    member_b = make_user(Role.CADRE, village=village, name="乙网格员")
    villager = make_user(Role.VILLAGER, village=village, name="张大爷")
    neighbour = make_user(Role.VILLAGER, village=village, name="李奶奶")
    agent = make_user(Role.AGENT, village=village, name="王代办")
    dispatcher = make_user(Role.VILLAGER, village=make_village(), name="镇调度")
    grant_role(db, user=dispatcher, role=Role.DISPATCHER, township_id=village.township_id)
    households: list[Household] = [villager.household, neighbour.household]  # type: ignore[list-item]
    grid_a = create_grid(db, village_id=village.id, name="一组", member_id=member_a.id)
    grid_b = create_grid(db, village_id=village.id, name="二组", member_id=member_b.id)
    put_households(db, grid=grid_a, household_ids=[households[0].id])
    put_households(db, grid=grid_b, household_ids=[households[1].id])
    db.expire_all()
    return Errands(
        db, village, member_a, member_b, villager, neighbour, agent, dispatcher, grid_a, grid_b
    )


# The logistics village (a cadre with an e-bike, households, parcels) for errands on the round.
from tests.logistics.conftest import world  # noqa: E402, F401
