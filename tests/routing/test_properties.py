"""Property tests: every plan of a random small problem passes the independent validator."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import (
    Depot,
    Place,
    Problem,
    Stop,
    TimeWindow,
    Vehicle,
    solve,
    validate,
)
from routing.synthetic import village
from tests.routing.conftest import assert_valid, feasible, line_matrix


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    n = draw(st.integers(0, 6))
    xs = [draw(st.integers(-20, 20)) for _ in range(n + 1)]
    stops = []
    for i in range(n):
        start = draw(st.integers(0, 60))
        first = TimeWindow(start, start + draw(st.integers(5, 60)))
        windows: tuple[TimeWindow, ...] = (first,)
        if draw(st.booleans()):
            later = first.end + draw(st.integers(2, 40))
            windows = (first, TimeWindow(later, later + draw(st.integers(0, 30))))
        stops.append(
            Stop(
                f"s{i}",
                Place(0.0, float(xs[i + 1])),
                delivery=(draw(st.integers(0, 4)), draw(st.integers(0, 2))),
                pickup=(draw(st.integers(0, 4)), 0),
                service=draw(st.integers(0, 5)),
                windows=windows,
                penalty=draw(st.one_of(st.none(), st.integers(0, 50))),
            )
        )
    vehicles = [
        Vehicle(
            f"v{k}",
            capacity=(draw(st.integers(4, 8)), 3),
            shift=TimeWindow(0, draw(st.integers(80, 200))),
            max_trips=draw(st.integers(1, 2)),
            reload=draw(st.integers(0, 5)),
        )
        for k in range(draw(st.integers(1, 2)))
    ]
    return Problem(
        (Depot("d", Place(0.0, float(xs[0]))),), tuple(stops), tuple(vehicles), line_matrix(xs)
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from(["ortools", "auto"]))
def test_every_plan_of_a_random_problem_validates(problem: Problem, engine: str) -> None:
    try:
        solution = solve(problem, feasible(engine))
    except ValueError as error:  # a required stop no vehicle could ever serve
        if "can never be served" not in str(error):
            raise
        return
    report = validate(problem, solution)
    # The only thing allowed to go wrong: more required work than the fleet can do, and then
    # the plan names what it left out.
    assert all(v.startswith("required stops left out") for v in report.violations)
    assert report.ok == (solution.required_dropped == 0)
    assert report.cost == solution.cost()
    served = {v.stop_id for r in solution.routes for v in r.visits}
    assert served | {d.stop_id for d in solution.dropped} == {s.id for s in problem.stops}


def test_a_synthetic_village_validates_on_two_workers() -> None:
    problem = village(seed=7, stops=60)
    solution = solve(problem, feasible(workers=2))
    assert_valid(problem, solution)
    assert solution.is_feasible()
