"""Planning with routing: from the database to a problem and back into rounds; re-planning
keeps what is done; the demo township's plan validates (RELIABILITY.md 26)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import routing
from core.models import Household, Role, Village
from core.services import grant_role
from core.timeutil import utcnow
from logistics import planning, rounds
from logistics.models import (
    DeliveryWindow,
    ParcelStatus,
    PlanRun,
    PlanStatus,
    Round,
    RoundStatus,
    Stop,
    StopStatus,
)
from logistics.rounds import EventInput
from logistics.timing import instant
from tests.logistics.conftest import FAST, World, plan


def test_several_parcels_for_one_household_become_one_stop(world: World) -> None:
    homes = [world.household(n) for n in range(1, 6)]
    for home in homes:
        world.parcel(home)
    world.parcel(homes[0])
    world.uplink(homes[4])
    [round_] = plan(world)
    assert len(round_.stops) == 5
    by_home = {s.household_id: s for s in round_.stops}
    assert len(by_home[homes[0].id].parcels) == 2
    assert len(by_home[homes[4].id].uplinks) == 1
    assert [s.sequence for s in round_.stops] == [1, 2, 3, 4, 5]
    etas = [s.eta for s in round_.stops]
    assert etas == sorted(etas) and round_.departure <= etas[0] <= round_.return_at
    assert round_.cadre_id == world.cadre.id and round_.status is RoundStatus.PLANNED


def test_a_household_whose_window_misses_every_shift_is_left_out_with_the_reason(
    world: World,
) -> None:
    homes = [world.household(n) for n in range(1, 3)]
    for home in homes:
        world.parcel(home)
    world.db.add(DeliveryWindow(household_id=homes[1].id, start_minute=20 * 60, end_minute=21 * 60))
    world.db.flush()
    [round_] = plan(world)
    assert [s.household_id for s in round_.stops] == [homes[0].id]
    run = world.db.scalars(select(PlanRun)).one()
    [left] = planning.left_out(run)
    assert left.household_id == homes[1].id and left.name == homes[1].head_name
    assert left.village == world.village.name
    assert left.reason == "希望送达时间不在干部出车时段"
    assert homes[1].id not in {s.household_id for s in round_.stops}


def _set_off(world: World, round_: Round) -> Stop:
    """The cadre delivers the round's first stop: the round has started."""
    done = round_.stops[0]
    rounds.record_event(
        world.db,
        cadre=world.cadre,
        stop_id=done.id,
        key=f"k-done-{done.id:04d}",
        event=EventInput(type="delivered", at=utcnow(), pickup_code=done.parcels[0].pickup_code),
    )
    assert round_.status is RoundStatus.STARTED
    return done


def test_replanning_mid_day_leaves_the_round_under_way_as_it_is(world: World) -> None:
    """Re-planning one village mid-morning: the round out keeps its stops, their order and
    the parcels on the bike; new work goes on a later round of the same cadre that sets off
    after that round is back, numbered after it; the board says why."""
    homes = [world.household(n) for n in range(1, 7)]
    for home in homes:
        world.parcel(home)
    [first] = plan(world)
    done = _set_off(world, first)
    stops_before = [(s.id, s.sequence, s.eta) for s in first.stops]
    late = world.household(7)
    world.parcel(late)
    new_rounds = plan(world, now=instant(world.today, 9 * 3600 + 600))  # mid-morning
    assert first.status is RoundStatus.STARTED and done.status is StopStatus.DELIVERED
    assert [(s.id, s.sequence, s.eta) for s in first.stops] == stops_before
    assert {s.status for s in first.stops[1:]} == {StopStatus.PENDING}
    assert all(
        p.status is ParcelStatus.OUT_FOR_DELIVERY for s in first.stops[1:] for p in s.parcels
    )
    [later] = new_rounds
    assert [s.household_id for s in later.stops] == [late.id]
    assert later.departure >= first.return_at and later.vehicle_id == first.vehicle_id
    assert all(p.status is ParcelStatus.AT_VILLAGE_DEPOT for p in later.stops[0].parcels)
    assert [first.trip, later.trip] == [0, 1]
    run = world.db.scalars(select(PlanRun).order_by(PlanRun.id.desc())).first()
    assert run is not None and run.message == "干部第 1 趟已出发，未重新规划"


def test_planning_every_village_again_never_ends_a_round_under_way(world: World) -> None:
    """一键规划 (no ``now``: the whole day) while a round is out used to end it and add a
    second, overlapping round of the same cadre from 08:00 (issue 11)."""
    homes = [world.household(n) for n in range(1, 5)]
    for home in homes:
        world.parcel(home)
    [first] = plan(world)
    _set_off(world, first)
    world.parcel(world.household(5))
    plan(world)
    live = world.db.scalars(
        select(Round)
        .where(Round.cadre_id == world.cadre.id, Round.status != RoundStatus.CANCELLED)
        .order_by(Round.departure)
    ).all()
    assert live[0] is first and first.status is RoundStatus.STARTED
    assert all(r.departure >= first.return_at for r in live[1:])  # no overlap
    assert [r.trip for r in live] == list(range(len(live)))
    served = [s.household_id for r in live for s in r.stops]
    assert len(served) == len(set(served))  # nobody on two rounds


def test_the_time_budget_grows_with_the_village() -> None:
    assert planning.plan_options(1).seconds == planning.PLAN_SECONDS_MIN
    assert planning.plan_options(50).seconds == pytest.approx(1.5)
    assert planning.plan_options(10_000).seconds == planning.PLAN_SECONDS


@pytest.mark.slow
def test_the_demo_townships_plan_validates(db: Session) -> None:
    from shop.demo import load_demo

    demo = load_demo(db, seed=3)
    runs = db.scalars(select(PlanRun)).all()
    # one run per village, and one more for the village errands' demo planned again
    assert {r.village_id for r in runs} == {v.id for v in demo.villages}
    assert all(r.status is PlanStatus.DONE for r in runs)
    assert db.scalars(select(Round)).first() is not None
    # Plan every village again from the database and check each plan independently.
    for village in db.scalars(select(Village).order_by(Village.id)):
        work = planning.prepare(db, village_id=village.id, day=runs[0].day)
        assert work is not None
        solution = routing.solve(work.problem, FAST)
        report = routing.validate(work.problem, solution)
        assert report.violations == (), report.violations
        assert solution.is_feasible()
        served = {v.stop_id for r in solution.routes for v in r.visits}
        left = {d.stop_id for d in solution.dropped}
        assert served | left == {s.id for s in work.problem.stops} and not served & left


def test_trips_are_numbered_per_cadre_per_day_in_order_of_departure(
    world: World, make_village: Callable[..., Village]
) -> None:
    """Planning twice (the second plan replaces the first) and a cadre's second village in the
    afternoon: the morning's one trip stays 第 1 趟 and the afternoon's follow it."""
    afternoon = make_village()
    grant_role(world.db, user=world.cadre, role=Role.CADRE, village=afternoon)
    for number in range(1, 4):
        world.parcel(world.household(number))
    plan(world)
    [morning] = plan(world)  # again: the first plan's round is cancelled
    far = Household(
        village=afternoon,
        head_name="下午户",
        phone="13600009999",
        address="下午村 1 号",
        directions="村口",
        lat=afternoon.lat + 0.001,
        lon=afternoon.lon,
    )
    world.db.add(far)
    world.db.flush()
    world.parcel(far)
    [run] = planning.start_runs(world.db, village_ids=[afternoon.id], day=world.today)
    [later] = planning.plan_run(world.db, run=run, options=FAST)
    live = world.db.scalars(
        select(Round)
        .where(Round.cadre_id == world.cadre.id, Round.status != RoundStatus.CANCELLED)
        .order_by(Round.departure)
    ).all()
    assert live == [morning, later]
    assert [r.trip for r in live] == [0, 1]


def test_a_parcel_said_to_be_out_on_a_round_that_never_set_off_is_back_at_the_station(
    world: World,
) -> None:
    """A plan made before started rounds were left alone could put parcels marked as out for
    delivery on a round not yet started; planning again puts the record right."""
    stale = world.round(2)
    parcel = stale.stops[0].parcels[0]
    parcel.move_to(ParcelStatus.OUT_FOR_DELIVERY)
    world.db.flush()
    [fresh] = plan(world)
    assert stale.status is RoundStatus.CANCELLED
    assert parcel.status is ParcelStatus.AT_VILLAGE_DEPOT and parcel.stop in fresh.stops


def test_work_that_fits_on_the_bike_is_planned_as_one_trip(world: World) -> None:
    """Issue 11 (一键规划, 桃源村): parcels that came after a plan went on new trips of one
    parcel each beside the round not yet started, since a trip cost the solver nothing. The
    village's work, the unstarted round's and the new, is one trip while the bike can carry
    it all; more trips only when it cannot."""
    homes = [world.household(n) for n in range(1, 4)]
    world.parcel(homes[0])
    [first] = plan(world)
    for home in homes[1:]:
        world.parcel(home)
    work = planning.prepare(world.db, village_id=world.village.id, day=world.today)
    assert work is not None and first.status is RoundStatus.CANCELLED
    assert [v.max_trips for v in work.problem.vehicles] == [1]
    world.vehicle.capacity_parcels = 2  # three parcels do not fit at once any more
    work = planning.prepare(world.db, village_id=world.village.id, day=world.today)
    assert work is not None
    assert [v.max_trips for v in work.problem.vehicles] == [planning.MAX_TRIPS]
    made = plan(world)
    assert len(made) == 2 and sum(len(r.stops) for r in made) == 3
