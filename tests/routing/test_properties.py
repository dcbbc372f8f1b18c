"""Property tests: every plan of a random small problem passes the independent validator."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import Problem, SolveOptions, Stop, TimeWindow, Vehicle, solve
from routing.synthetic import village
from tests.routing.conftest import assert_valid, line_matrix

random_village = village


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    from routing import Depot, Place

    n = draw(st.integers(0, 6))
    xs = [draw(st.integers(-20, 20)) for _ in range(n + 1)]
    stops = []
    for i in range(n):
        start = draw(st.integers(0, 60))
        windows = (TimeWindow(start, start + draw(st.integers(5, 60))),)
        if draw(st.booleans()):
            windows = (TimeWindow(0, 100), *windows) if start > 101 else windows
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
    # Make every stop optional that some vehicle might not manage: the point here is
    # that whatever comes out validates, not that it is feasible.
    stops = [
        s if s.penalty is not None else Stop(**{**_fields(s), "penalty": 10**6}) for s in stops
    ]
    return Problem(
        (Depot("d", Place(0.0, float(xs[0]))),), tuple(stops), tuple(vehicles), line_matrix(xs)
    )


def _fields(stop: Stop) -> dict[str, object]:
    return {name: getattr(stop, name) for name in stop.__slots__}  # type: ignore[attr-defined]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from(["ortools", "auto"]))
def test_every_plan_of_a_random_problem_validates(problem: Problem, engine: str) -> None:
    solution = solve(problem, SolveOptions(seconds=0.2, engine=engine, workers=1))
    assert_valid(problem, solution)
    served = {v.stop_id for r in solution.routes for v in r.visits}
    assert served | {d.stop_id for d in solution.dropped} == {s.id for s in problem.stops}


def test_a_synthetic_village_validates_on_two_workers() -> None:
    problem = village(seed=7, stops=60)
    solution = solve(problem, SolveOptions(seconds=1.0, workers=2))
    assert_valid(problem, solution)
    assert solution.is_feasible()
