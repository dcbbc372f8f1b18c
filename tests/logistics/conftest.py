"""A small village to deliver in: households, a cadre with an e-bike, parcels on the shelf."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy.orm import Session

import routing
from core.geo import offset
from core.models import Household, Role, User, Village
from core.services import grant_role
from core.timeutil import local_today
from logistics import planning
from logistics.depot import put_on_shelf
from logistics.models import (
    Courier,
    Parcel,
    ParcelStatus,
    PlanStatus,
    Round,
    Stop,
    Uplink,
    Vehicle,
)
from logistics.timing import instant


@dataclass
class World:
    db: Session
    village: Village
    cadre: User
    vehicle: Vehicle
    villager: User
    agent: User
    dispatcher: User
    households: list[Household] = field(default_factory=list)
    numbers: list[int] = field(default_factory=lambda: [0])

    def fresh(self) -> None:
        """Forget loaded rows: the app's requests changed them through another session."""
        self.db.expire_all()

    @property
    def today(self) -> dt.date:
        return local_today()

    def household(self, number: int) -> Household:
        """A household ``number`` lanes-worth of 60 m east of the station."""
        home = offset(self.village.point, north_m=35.0 * (number % 7), east_m=60.0 * number)
        household = Household(
            village=self.village,
            head_name=f"住户{number}",
            phone=f"1360000{number:04d}",
            address=f"测试村{number}号",
            directions="村口往东",
            lat=home.lat,
            lon=home.lon,
        )
        self.db.add(household)
        self.db.flush()
        self.households.append(household)
        return household

    def parcel(
        self, household: Household, status: ParcelStatus = ParcelStatus.AT_VILLAGE_DEPOT
    ) -> Parcel:
        self.numbers[0] += 1
        parcel = Parcel(
            courier=Courier.SF,
            tracking_no=f"SF{self.numbers[0]:010d}",
            recipient_name=household.head_name,
            recipient_phone=household.phone,
            weight_g=1_500,
            household_id=household.id,
            village_id=household.village_id,
            township_id=self.village.township_id,
            status=status,
        )
        self.db.add(parcel)
        self.db.flush()
        if status is ParcelStatus.AT_VILLAGE_DEPOT:
            put_on_shelf(self.db, parcels=[parcel])
        return parcel

    def uplink(self, household: Household, grams: int = 10_000) -> Uplink:
        uplink = Uplink(
            household_id=household.id,
            village_id=household.village_id,
            description="脐橙 2 筐",
            estimated_weight_g=grams,
        )
        self.db.add(uplink)
        self.db.flush()
        return uplink

    def round(self, stops: int, cadre: User | None = None, uplinks: bool = False) -> Round:
        """A planned round (built by hand, without routing) with one parcel per stop."""
        owner = cadre or self.cadre
        round_ = Round(
            day=self.today,
            village_id=self.village.id,
            vehicle_id=self.vehicle.id,
            cadre_id=owner.id,
            departure=instant(self.today, 8 * 3600),
            return_at=instant(self.today, 12 * 3600),
        )
        self.db.add(round_)
        for sequence in range(1, stops + 1):
            home = self.household(len(self.households) + 1)
            parcels = [self.parcel(home)]
            extra = [self.uplink(home)] if uplinks else []
            eta = instant(self.today, 9 * 3600)
            round_.stops.append(
                Stop(
                    household_id=home.id, sequence=sequence, eta=eta, parcels=parcels, uplinks=extra
                )
            )
        self.db.flush()
        return round_


# Searches stop on iterations (the same work on any machine); the seconds are only a backstop.
FAST = routing.SolveOptions(seconds=30.0, workers=1, iterations=200)


def plan(world: World, now: dt.datetime | None = None) -> list[Round]:
    """Plan the world's village (as the board's job does, with a short search)."""
    [run] = planning.start_runs(world.db, village_ids=[world.village.id], day=world.today)
    made = planning.plan_run(world.db, run=run, options=FAST, now=now)
    assert run.status is PlanStatus.DONE, run.message
    return made


@pytest.fixture
def world(
    db: Session, make_user: Callable[..., User], make_village: Callable[..., Village]
) -> World:
    village = make_village()
    cadre = make_user(Role.CADRE, village=village, name="干部")
    vehicle = Vehicle(name="电动车", cadre_id=cadre.id, capacity_g=150_000, capacity_parcels=40)
    db.add(vehicle)
    dispatcher = make_user(Role.VILLAGER, village=village, name="调度")
    grant_role(db, user=dispatcher, role=Role.DISPATCHER, township_id=village.township_id)
    db.flush()
    return World(
        db=db,
        village=village,
        cadre=cadre,
        vehicle=vehicle,
        villager=make_user(Role.VILLAGER, village=village, name="村民"),
        agent=make_user(Role.AGENT, village=village, name="代办员"),
        dispatcher=dispatcher,
    )
