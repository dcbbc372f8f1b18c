"""Tiny named instances whose optimum can be worked out by hand, on every engine."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from routing import DropReason, SolveOptions, TimeWindow, Vehicle, solve
from routing.synthetic import village
from tests.routing.conftest import LineProblem, assert_valid, feasible

ENGINES = ["ortools", "pyvrp", "auto"]


@pytest.mark.parametrize("engine", ENGINES)
def test_three_stops_on_a_line_are_one_out_and_back(line_problem: LineProblem, engine: str) -> None:
    problem = line_problem([(2, {"delivery": (1,)}), (3, {"delivery": (1,)}), (1, {})])
    solution = solve(problem, feasible(engine))
    assert_valid(problem, solution)
    assert solution.cost() == 6
    assert solution.is_feasible()
    assert "cost 6" in solution.summary()


@pytest.mark.parametrize("engine", ENGINES)
def test_capacity_splits_stops_over_two_vehicles(line_problem: LineProblem, engine: str) -> None:
    bikes = [Vehicle("a", capacity=(1,)), Vehicle("b", capacity=(1,))]
    problem = line_problem([(2, {"delivery": (1,)}), (-3, {"delivery": (1,)})], bikes)
    solution = solve(problem, feasible(engine))
    assert_valid(problem, solution)
    assert solution.cost() == 10
    assert len(solution.routes) == 2


def test_time_windows_set_the_order_and_arrival_times(line_problem: LineProblem) -> None:
    # The near stop only opens at 50: go to the far one first, then come back.
    problem = line_problem(
        [(1, {"windows": (TimeWindow(50, 60),)}), (5, {"windows": (TimeWindow(0, 10),)})]
    )
    solution = solve(problem, feasible())
    assert_valid(problem, solution)
    (route,) = solution.routes
    assert route.stop_ids == ["s1", "s0"]
    assert route.visits[0].start <= 10
    assert route.visits[1].start == 50


def test_simultaneous_delivery_and_pickup_keep_the_load_within_capacity(
    line_problem: LineProblem,
) -> None:
    # Picking up first (nearer) would overload the bike: deliver, then pick up.
    problem = line_problem([(1, {"pickup": (10,)}), (2, {"delivery": (10,)})])
    solution = solve(problem, feasible("ortools"))
    assert_valid(problem, solution)
    (route,) = solution.routes
    assert route.stop_ids == ["s1", "s0"]
    assert route.start_load == (10,)
    assert [v.load for v in route.visits] == [(0,), (10,)]


@pytest.mark.parametrize(("engine", "workers"), [("ortools", 1), ("auto", 1), ("auto", 2)])
def test_a_second_trip_after_reloading(
    line_problem: LineProblem, engine: str, workers: int
) -> None:
    # s0 must be reached by 2, so the day's first trip cannot wait for a reload: only the
    # second trip starts after the 7 s of reloading. (PyVRP alone finds no reload on a problem
    # this small, so "auto" starts it from OR-Tools' plan.)
    bike = Vehicle("bike", capacity=(1,), max_trips=2, reload=7)
    near = {"delivery": (1,), "windows": (TimeWindow(0, 2),)}
    problem = line_problem([(2, near), (-3, {"delivery": (1,)})], [bike])
    solution = solve(problem, feasible(engine, workers))
    assert_valid(problem, solution)
    assert solution.is_feasible() and solution.engine in {"ortools", "hybrid", "pyvrp"}
    first, second = solution.routes
    assert (first.trip, second.trip) == (0, 1)
    assert first.stop_ids == ["s0"] and first.visits[0].start <= 2
    assert second.departure >= first.return_time + 7
    assert solution.cost() == 10


def test_pyvrp_plans_a_village_day_with_reloads() -> None:
    """A third of the fleet, three trips each: PyVRP models the reloads itself."""
    problem = village(seed=4, stops=60)
    few = problem.vehicles[: len(problem.vehicles) // 3]
    problem = replace(problem, vehicles=tuple(replace(v, max_trips=3, reload=300) for v in few))
    solution = solve(problem, feasible("pyvrp"))
    assert_valid(problem, solution)
    assert solution.is_feasible() and solution.engine == "pyvrp"
    assert any(r.trip > 0 for r in solution.routes)
    for earlier, later in zip(solution.routes, solution.routes[1:], strict=False):
        if earlier.vehicle == later.vehicle:
            assert later.departure >= earlier.return_time + 300


def test_a_stop_with_two_windows_is_served_in_the_later_one(line_problem: LineProblem) -> None:
    bike = Vehicle("bike", capacity=(10,), shift=TimeWindow(20, 1000))
    windows = (TimeWindow(0, 10), TimeWindow(100, 200))
    problem = line_problem([(5, {"windows": windows})], [bike])
    solution = solve(problem, feasible())
    assert_valid(problem, solution)
    assert solution.routes[0].visits[0].start == 100
    assert solution.routes[0].departure == 95  # leaves as late as it can


def test_max_duration_and_allowed_vehicles(line_problem: LineProblem) -> None:
    short = Vehicle("short", capacity=(10,), max_duration=5)
    long = Vehicle("long", capacity=(10,))
    problem = line_problem(
        [(2, {}), (10, {}), (1, {"vehicles": frozenset({"long"})})], [short, long]
    )
    solution = solve(problem, feasible())
    assert_valid(problem, solution)
    by_vehicle = {r.vehicle_id: r.stop_ids for r in solution.routes}
    assert "s1" in by_vehicle["long"] and "s2" in by_vehicle["long"]


def test_left_out_stops_are_named_with_reasons(line_problem: LineProblem) -> None:
    bike = Vehicle("bike", capacity=(10,), shift=TimeWindow(0, 100))
    problem = line_problem(
        [
            (1, {}),
            (40, {"penalty": 5}),  # 80 m of travel is not worth a penalty of 5
            (2, {"penalty": 1000, "delivery": (11,)}),
            (3, {"penalty": 1000, "windows": (TimeWindow(200, 300),)}),
            (60, {"penalty": 1000}),  # 120 s there and back: not within the 100 s shift
        ],
        [bike],
    )
    solution = solve(problem, feasible())
    assert_valid(problem, solution)
    reasons = {d.stop_id: d.reason for d in solution.dropped}
    assert reasons == {
        "s1": DropReason.LEFT_OUT,
        "s2": DropReason.TOO_HEAVY,
        "s3": DropReason.OUTSIDE_SHIFTS,
        "s4": DropReason.WINDOW_UNREACHABLE,
    }
    assert solution.penalty == 5 + 3 * 1000
    assert solution.is_feasible()


def test_more_required_work_than_fits_names_what_was_left_out(line_problem: LineProblem) -> None:
    problem = line_problem([(1, {"delivery": (6,)}), (2, {"delivery": (6,)})])
    solution = solve(problem, feasible())
    assert len(solution.dropped) == 1
    assert not solution.is_feasible()
    assert solution.violations  # the validator says which required stop is missing


def test_an_empty_day_is_a_valid_plan(line_problem: LineProblem) -> None:
    problem = line_problem([])
    solution = solve(problem, feasible())
    assert_valid(problem, solution)
    assert solution.routes == () and solution.cost() == 0


@pytest.mark.parametrize("workers", [1, 2])
def test_the_time_limit_is_honoured(workers: int) -> None:
    problem = village(seed=3, stops=150)
    began = time.monotonic()
    solution = solve(problem, SolveOptions(seconds=1.0, workers=workers))
    elapsed = time.monotonic() - began
    assert_valid(problem, solution)
    assert elapsed < 6.0  # generous slack: this checks for a runaway search, not speed


@pytest.mark.parametrize("stops", [600, 1500])
def test_the_time_limit_holds_when_nothing_feasible_is_found(stops: int) -> None:
    # Far too few vehicles for the day's required stops: every search fails, and the last
    # resort must neither overrun the limit nor lose track of the stops it could not fit.
    full = village(seed=7, stops=stops, radius_m=3_000.0 * (stops / 100) ** 0.5)
    problem = replace(full, vehicles=full.vehicles[:3])
    began = time.monotonic()
    solution = solve(problem, SolveOptions(seconds=2.0))
    elapsed = time.monotonic() - began
    assert elapsed < 2.0 + 3.0  # generous slack: a runaway last resort took minutes
    assert not solution.is_feasible()
    served = {v.stop_id for r in solution.routes for v in r.visits}
    named = {d.stop_id for d in solution.dropped}
    assert served | named == {s.id for s in problem.stops} and not served & named
    assert all(v.startswith("required stops left out") for v in solution.violations)
