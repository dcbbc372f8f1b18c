"""Bad problems are refused with clear ValueErrors, before any solver runs."""

from __future__ import annotations

import numpy as np
import pytest

from routing import (
    Depot,
    GreatCircle,
    Matrix,
    Place,
    Problem,
    SolveOptions,
    Stop,
    TimeWindow,
    Vehicle,
    solve,
)
from tests.routing.conftest import LineProblem, feasible

HERE = Place(30.0, 110.0)


def test_negative_demand_is_refused() -> None:
    with pytest.raises(ValueError, match="negative demand"):
        Stop("a", HERE, delivery=(-1,))


def test_window_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        TimeWindow(100, 50)


def test_overlapping_windows_are_refused() -> None:
    with pytest.raises(ValueError, match="sorted and disjoint"):
        Stop("a", HERE, windows=(TimeWindow(0, 100), TimeWindow(50, 200)))


def test_zero_capacity_is_refused() -> None:
    with pytest.raises(ValueError, match="capacity must be positive"):
        Vehicle("bike", capacity=(0,))


def test_dimension_mismatch_is_refused() -> None:
    with pytest.raises(ValueError, match="dimensions"):
        Problem(
            (Depot("d", HERE),),
            (Stop("a", HERE, delivery=(1, 2)),),
            (Vehicle("bike", capacity=(5,)),),
        )


def test_duplicate_ids_and_unknown_references_are_refused() -> None:
    depot = (Depot("d", HERE),)
    bike = Vehicle("bike", capacity=(5,))
    with pytest.raises(ValueError, match="duplicate stop id"):
        Problem(depot, (Stop("a", HERE), Stop("a", HERE)), (bike,))
    with pytest.raises(ValueError, match="no depot number 3"):
        Problem(depot, (), (Vehicle("van", capacity=(5,), end_depot=3),))
    with pytest.raises(ValueError, match="unknown vehicles"):
        Problem(depot, (Stop("a", HERE, vehicles=frozenset({"van"})),), (bike,))


def test_matrix_of_the_wrong_size_is_refused() -> None:
    table = np.zeros((3, 3), dtype=np.int64)
    problem = Problem(
        (Depot("d", HERE),), (Stop("a", HERE),), (Vehicle("b", capacity=(1,)),), Matrix(table)
    )
    with pytest.raises(ValueError, match="3 rows for 2"):
        solve(problem, feasible())


def test_required_stop_that_no_vehicle_can_reach_is_refused(line_problem: LineProblem) -> None:
    problem = line_problem([(5, {"windows": (TimeWindow(0, 2),)})])
    with pytest.raises(ValueError, match=r"can never be served: \['s0'\]"):
        solve(problem, feasible())


def test_required_stop_heavier_than_every_vehicle_is_refused(line_problem: LineProblem) -> None:
    with pytest.raises(ValueError, match="heavier than any vehicle"):
        solve(line_problem([(1, {"delivery": (11,)})]), feasible())


def test_bad_options_and_providers_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        SolveOptions(engine="magic")
    with pytest.raises(ValueError, match="positive"):
        SolveOptions(seconds=0)
    with pytest.raises(ValueError, match="detour"):
        GreatCircle(0.5)
    problem = Problem((Depot("d", Place(300.0, 0.0)),), (), (Vehicle("b", capacity=(1,)),))
    with pytest.raises(ValueError, match="degrees"):
        solve(problem, feasible())


def test_great_circle_distance_and_speed() -> None:
    provider = GreatCircle(detour=1.0)
    metres = provider.distances([Place(30.0, 110.0), Place(30.01, 110.0)])
    assert 1105 < metres[0, 1] < 1120  # 0.01 degree of latitude is about 1.11 km
    seconds = provider.durations(metres, 15_000)
    assert seconds[0, 1] == -(-int(metres[0, 1]) * 3600 // 15_000)
