"""Searches that start from a plan by ids: yesterday's rounds, or the plan being re-planned."""

from __future__ import annotations

import pytest

from routing import Place, Progress, SolveOptions, Vehicle, replan, replan_problem, solve
from routing.compiled import Matrices, compile_problem
from routing.replan import remaining
from routing.synthetic import village
from tests.routing.conftest import LineProblem, assert_valid


def test_a_start_is_read_by_id_passing_over_what_the_problem_does_not_have(
    line_problem: LineProblem,
) -> None:
    bikes = [Vehicle("a", capacity=(10,), max_trips=2), Vehicle("b", capacity=(10,))]
    problem = line_problem([(1, {}), (2, {}), (3, {}), (4, {})], bikes)
    compiled = compile_problem(problem, Matrices.of(problem), [0, 1, 3])  # s2 set aside
    start = {
        "a": [["s3", "gone", "s0"], ["s1", "s0"]],  # s0 twice: its first place counts
        "b": [["s2"], ["s1"]],  # s2 not planned, b has one trip only
        "truck": [["s1"]],
    }
    # Local numbers: s0 -> 0, s1 -> 1, s3 -> 2; slots: a#0, a#1, b#0.
    assert compiled.plan_of(start) == ((2, 0), (1,), ())
    assert compiled.plan_of({"truck": [["s0"]]}) is None


def test_a_solution_gives_its_routes_back_as_a_start() -> None:
    problem = village(seed=3, stops=30)
    solution = solve(problem, SolveOptions(seconds=0.5, workers=1))
    start = solution.by_vehicle()
    assert sorted(start) == sorted({r.vehicle_id for r in solution.routes})
    assert sorted(i for trips in start.values() for t in trips for i in t) == sorted(
        s.id for s in problem.stops
    )


@pytest.mark.parametrize("engine", ["pyvrp", "ortools"])
def test_the_search_never_ends_worse_than_a_complete_start(engine: str) -> None:
    problem = village(seed=8, stops=60)
    good = solve(problem, SolveOptions(seconds=2.0))
    again = solve(problem, SolveOptions(seconds=0.3, engine=engine), start=good.by_vehicle())
    assert_valid(problem, again)
    assert again.is_feasible()
    assert again.cost() <= good.cost()


@pytest.mark.parametrize("engine", ["pyvrp", "ortools"])
def test_stops_the_start_does_not_name_are_planned_too(engine: str) -> None:
    """Today has households yesterday did not: the search inserts them."""
    problem = village(seed=8, stops=60)
    yesterday = solve(problem, SolveOptions(seconds=0.5, workers=1)).by_vehicle()
    new = {s.id for s in problem.stops[::6]}
    start = {
        v: [[i for i in trip if i not in new] for trip in trips] for v, trips in yesterday.items()
    }
    today = solve(problem, SolveOptions(seconds=0.5, engine=engine, workers=1), start=start)
    assert_valid(problem, today)
    assert today.is_feasible()
    assert today.served() == 60


def test_replan_starts_from_what_is_left_of_the_current_plan() -> None:
    problem = village(seed=5, stops=24)
    current = solve(problem, SolveOptions(seconds=0.5, workers=1))
    route = current.routes[0]
    here = problem.stops[route.visits[1].stop].place
    progress = Progress(
        now=route.visits[1].start + 120,
        done=frozenset(route.stop_ids[:2]),
        positions={route.vehicle_id: Place(here.lat, here.lon)},
    )
    left = remaining(current, progress)
    assert left[route.vehicle_id][0] == route.stop_ids[2:]
    assert not set(route.stop_ids[:2]) & {i for trips in left.values() for t in trips for i in t}
    solution = replan(problem, progress, SolveOptions(seconds=0.5, workers=1), current=current)
    assert_valid(replan_problem(problem, progress), solution)
    assert solution.served() + len(solution.dropped) == 22
