"""Big problems solved in sectors around the depot, then put together and validated."""

from __future__ import annotations

import pytest

from routing import SolveOptions, sectors, solve
from routing.compiled import Matrices, compile_problem
from routing.synthetic import village
from tests.routing.conftest import assert_valid


@pytest.fixture
def small_sectors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sectors, "DECOMPOSE_ABOVE", 100)
    monkeypatch.setattr(sectors, "SECTOR_STOPS", 60)


def test_sectors_cover_every_stop_and_share_out_the_fleet(small_sectors: None) -> None:
    problem = village(seed=11, stops=240, radius_m=5_000.0)
    compiled = compile_problem(problem, Matrices.of(problem), range(240))
    assert sectors.applies(compiled)
    parts = sectors.split(compiled)
    assert len(parts) == 4
    assert sorted(s for p in parts for s in p.stops) == list(range(240))
    vehicles = [compiled.slots[k].vehicle for p in parts for k in p.slots]
    assert sorted(vehicles) == list(range(len(problem.vehicles)))
    assert all(p.slots for p in parts)


def test_a_big_problem_is_planned_in_sectors_and_validated(small_sectors: None) -> None:
    problem = village(seed=11, stops=240, radius_m=5_000.0)
    solution = solve(problem, SolveOptions(seconds=3.0))
    assert_valid(problem, solution)
    assert solution.engine == "sectors"
    assert solution.is_feasible()
