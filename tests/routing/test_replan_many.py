"""Re-planning mid-day and many villages at once."""

from __future__ import annotations

from routing import (
    Place,
    Progress,
    Vehicle,
    replan,
    replan_problem,
    solve,
    solve_many,
)
from routing.synthetic import township, village
from tests.routing.conftest import LineProblem, assert_valid, feasible


def test_replan_keeps_done_stops_done_and_starts_from_where_the_bike_is(
    line_problem: LineProblem,
) -> None:
    bike = Vehicle("bike", capacity=(10,), max_duration=100)
    problem = line_problem(
        [(2, {"delivery": (1,)}), (4, {"delivery": (1,)}), (-3, {"delivery": (1,)})], [bike]
    )
    progress = Progress(
        now=30,
        done=frozenset({"s0"}),
        positions={"bike": "s0"},
        on_board={"bike": (2,)},
        loaded={"s1": "bike"},
    )
    remaining = replan_problem(problem, progress)
    assert [s.id for s in remaining.stops] == ["s1", "s2"]
    solution = replan(problem, progress, feasible())
    assert_valid(remaining, solution)
    (route,) = solution.routes
    assert route.departure >= 30
    assert route.start_load == (4,)  # two picked up before + two parcels still to deliver
    assert solution.distance == 2 + 7 + 3  # from x=2: to 4, to -3, home to 0


def test_replan_from_a_place_with_great_circle_distances() -> None:
    problem = village(seed=5, stops=20)
    first = solve(problem, feasible())
    route = first.routes[0]
    here = problem.stops[route.visits[1].stop].place
    progress = Progress(
        now=route.visits[1].start + 120,
        done=frozenset(route.stop_ids[:2]),
        positions={route.vehicle_id: Place(here.lat, here.lon)},
    )
    solution = replan(problem, progress, feasible())
    assert_valid(replan_problem(problem, progress), solution)
    assert solution.served() + len(solution.dropped) == 18


def test_solve_many_returns_validated_plans_in_order() -> None:
    problems = township(seed=1, villages=3, stops=15)
    solutions = solve_many(problems, feasible(), workers=2, progress=False)
    assert len(solutions) == 3
    for problem, solution in zip(problems, solutions, strict=True):
        assert_valid(problem, solution)
        served = {v.stop_id for r in solution.routes for v in r.visits}
        assert served == {s.id for s in problem.stops}
