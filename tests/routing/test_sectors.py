"""Big problems solved in sectors around the depot, then put together and validated."""

from __future__ import annotations

import time

import pytest

from routing import SolveOptions, planner, sectors, solve
from routing.compiled import Compiled, Matrices, Plan, compile_problem
from routing.schedule import assemble
from routing.synthetic import village
from tests.routing.conftest import BACKSTOP_SECONDS, assert_valid


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
    assert solution.engine in {"sectors", "sectors+pyvrp"}
    assert solution.is_feasible()


def sector_plans(
    seconds: float, iterations: int | None = None
) -> tuple[Compiled, list[tuple[str, Plan]]]:
    problem = village(seed=11, stops=240, radius_m=5_000.0)
    compiled = compile_problem(problem, Matrices.of(problem), range(240))
    until = time.monotonic() + seconds
    options = SolveOptions(seconds=seconds, workers=2, iterations=iterations)
    return compiled, planner.run_sectors(compiled, options, until=until, latest=until)


@pytest.mark.slow
def test_two_sectors_on_two_workers_are_polished_as_a_whole_and_the_cheapest_plan_kept(
    small_sectors: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sectors, "SECTOR_STOPS", 120)
    # Every search stops on iterations (the time is a backstop): both polishes come back
    # however busy the machine is.
    compiled, plans = sector_plans(BACKSTOP_SECONDS, iterations=200)
    assert [kind for kind, _ in plans] == ["sectors", "sectors+pyvrp", "sectors+pyvrp"]
    stitched, *polished = (assemble(compiled, plan, {}).cost() for _, plan in plans)
    assert min(polished) < stitched  # the seam between the two sectors leaves room to mend
    kept = planner.best_plan(compiled, plans, {}, until=time.monotonic() + 1.0)
    assert kept.is_feasible()
    assert kept.cost() == min(polished)


def test_more_sectors_than_workers_get_all_the_time_and_no_polish(small_sectors: None) -> None:
    _, plans = sector_plans(3.0)
    assert [kind for kind, _ in plans] == ["sectors"]
