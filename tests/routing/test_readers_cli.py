"""Readers and the command line, on tiny files written here and one shared instance."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from routing import solve, validate
from routing.cli import main
from routing.readers import read
from tests.routing.conftest import feasible

CVRP = """NAME : tiny-cvrp
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 3 4
3 -3 4
4 0 -2
DEMAND_SECTION
1 0
2 5
3 5
4 6
DEPOT_SECTION
1
-1
EOF
"""

VRPTW = """NAME : tiny-vrptw
TYPE : CVRPTW
DIMENSION : 3
VEHICLES : 1
CAPACITY : 10
SERVICE_TIME : 1
SCALE : 10
EDGE_WEIGHT_TYPE : FLOOR_2D
NODE_COORD_SECTION
1 0 0
2 1 1
3 2 0
DEMAND_SECTION
1 0
2 1
3 1
TIME_WINDOW_SECTION
1 0 100
2 0 100
3 0 3
DEPOT_SECTION
1
-1
EOF
"""

SHARED = Path(os.environ.get("CUNZHAN_SHARED", Path(__file__).parents[3] / "shared"))
C101 = SHARED / "benchmarks/instances/solomon_dimacs/C101.100.10.vrptw"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_cvrp_file_uses_rounded_distances_and_an_unlimited_fleet(tmp_path: Path) -> None:
    instance = read(_write(tmp_path, "tiny.vrp", CVRP))
    assert instance.customers == (1, 2, 3)
    assert len(instance.problem.vehicles) >= 3
    assert int(instance.problem.distances.distances(instance.problem.places())[0, 1]) == 5


def test_cli_prints_one_json_object_for_a_cvrp_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "tiny.vrp", CVRP)
    assert main(["solve", str(path), "--seconds", "0.5", "--workers", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["feasible"] is True
    assert result["dropped"] == []
    assert sorted(c for r in result["routes"] for c in r) == [1, 2, 3]
    # 1 and 2 share a trip (0-(3,4)-(-3,4)-0 = 5+6+5 = 16), 3 goes alone (2+2).
    assert result["cost"] == 20


def test_cli_solomon_convention_scales_by_ten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "tiny.vrptw", VRPTW)
    assert main(["solve", str(path), "--seconds", "0.5", "--workers", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    # Customer 2 closes at 3 (30 in tenths): serve it first, straight out (2.0), then 1.
    assert result["routes"] == [[2, 1]]
    assert result["cost"] == pytest.approx((20 + 14 + 14) / 10)


def test_cli_reports_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", "/nonexistent.vrp", "--seconds", "1"]) == 2
    assert "error" in capsys.readouterr().err


@pytest.mark.skipif(not C101.exists(), reason="shared benchmark instances not present")
def test_a_shared_solomon_instance_in_one_second(capsys: pytest.CaptureFixture[str]) -> None:
    instance = read(C101)
    assert len(instance.problem.stops) == 100 and len(instance.problem.vehicles) == 10
    assert main(["solve", str(C101), "--seconds", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["feasible"] is True
    assert result["cost"] >= 827.3  # the proven optimum
    assert len(result["routes"]) <= 10


def test_reader_costs_agree_with_the_validator(tmp_path: Path) -> None:
    instance = read(_write(tmp_path, "tiny.vrp", CVRP))
    solution = solve(instance.problem, feasible())
    assert validate(instance.problem, solution).distance == instance.file_cost(solution)
