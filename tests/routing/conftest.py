"""Tiny problems on a line, where distance = travel time = |x_i - x_j|."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest

from routing import Depot, Matrix, Place, Problem, Solution, SolveOptions, Stop, Vehicle, validate

LineProblem = Callable[..., Problem]

#: Searches stop after this many iterations (PyVRP) or solutions (OR-Tools): enough for the
#: tiny problems here, whose plans are worked out by hand.
FEASIBLE_ITERATIONS = 200
#: Only a backstop against a runaway search: a test that reaches it has failed to stop on
#: iterations.
BACKSTOP_SECONDS = 30.0


def feasible(engine: str = "auto", workers: int = 1) -> SolveOptions:
    """Options for a test that needs a valid plan, not the best one a time limit buys: the
    searches stop on iterations, so the test does the same work on any machine, fast or busy."""
    return SolveOptions(
        seconds=BACKSTOP_SECONDS, engine=engine, workers=workers, iterations=FEASIBLE_ITERATIONS
    )


def line_matrix(xs: Sequence[int]) -> Matrix:
    x = np.array(xs, dtype=np.int64)
    table = np.abs(x[:, None] - x[None, :])
    return Matrix(table, table)


@pytest.fixture
def line_problem() -> LineProblem:
    """``line_problem([(x, stop_kwargs), ...], vehicles=[...], depot_x=0)``."""

    def make(
        stops: Sequence[tuple[int, dict[str, object]]],
        vehicles: Sequence[Vehicle] = (Vehicle("bike", capacity=(10,)),),
        depots: Sequence[int] = (0,),
    ) -> Problem:
        built = tuple(
            Stop(id=f"s{i}", place=Place(0.0, float(x)), **kwargs)  # type: ignore[arg-type]
            for i, (x, kwargs) in enumerate(stops)
        )
        xs = list(depots) + [x for x, _ in stops]
        depot_list = tuple(Depot(f"d{i}", Place(0.0, float(x))) for i, x in enumerate(depots))
        return Problem(depot_list, built, tuple(vehicles), line_matrix(xs))

    return make


def assert_valid(problem: Problem, solution: Solution) -> None:
    report = validate(problem, solution)
    assert report.ok, report.violations
    assert solution.violations == ()
    assert report.cost == solution.cost()
