"""``python -m routing solve FILE --seconds S [--engine NAME] [--seed N] [--json]`` and
``python -m routing matrix --osm FILE --profile ebike|van POINTS.csv [--json]``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from routing.model import Place
from routing.planner import ENGINES, SolveOptions, solve
from routing.readers import read
from routing.roads import DEFAULT_MAX_SNAP_M, PROFILES, RoadNetwork
from routing.validate import validate


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m routing")
    commands = parser.add_subparsers(dest="command", required=True)
    solve_cmd = commands.add_parser("solve", help="solve a VRPLIB CVRP/VRPTW or Solomon file")
    solve_cmd.add_argument("file")
    solve_cmd.add_argument("--seconds", type=float, default=10.0)
    solve_cmd.add_argument("--engine", choices=ENGINES, default="auto")
    solve_cmd.add_argument("--seed", type=int, default=0)
    solve_cmd.add_argument("--workers", type=int, default=2)
    solve_cmd.add_argument("--json", action="store_true", help="print one JSON object")
    matrix_cmd = commands.add_parser("matrix", help="road distances between lat,lon points")
    matrix_cmd.add_argument("points", help="a CSV file, one lat,lon per line")
    matrix_cmd.add_argument(
        "--osm", required=True, help="an OpenStreetMap extract (.osm.pbf, .osm)"
    )
    matrix_cmd.add_argument("--profile", choices=sorted(PROFILES), default="ebike")
    matrix_cmd.add_argument("--max-snap", type=float, default=DEFAULT_MAX_SNAP_M)
    matrix_cmd.add_argument("--cache", type=Path, help="a folder to keep tables in")
    matrix_cmd.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        return _matrix(args) if args.command == "matrix" else _solve(args)
    except (OSError, ValueError, RuntimeError) as error:  # osmium reports bad files as such
        print(f"error: {error}", file=sys.stderr)
        return 2


def _solve(args: argparse.Namespace) -> int:
    instance = read(args.file)
    options = SolveOptions(args.seconds, args.engine, args.seed, args.workers)
    solution = solve(instance.problem, options)
    report = validate(instance.problem, solution)
    result = {
        "cost": instance.file_cost(solution),
        "routes": instance.routes(solution),
        "dropped": [instance.customers[d.stop] for d in solution.dropped],
        "feasible": report.ok and solution.required_dropped == 0,
        "seconds": round(solution.seconds, 3),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{instance.name}: cost {result['cost']}, feasible {result['feasible']}")
        print(solution.summary())
    return 0


def read_points(path: Path) -> list[Place]:
    """``lat,lon`` per line; blank lines, ``#`` comments and a ``lat,lon`` header are skipped."""
    places = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#") or text.replace(" ", "").lower() == "lat,lon":
            continue
        fields = text.split(",")
        try:
            lat, lon = (float(f) for f in fields)
        except ValueError:
            raise ValueError(f"{path}:{number}: expected lat,lon, got {text!r}") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"{path}:{number}: not a latitude and longitude: {text!r}")
        places.append(Place(lat, lon))
    if not places:
        raise ValueError(f"{path}: no points")
    return places


def _matrix(args: argparse.Namespace) -> int:
    places = read_points(Path(args.points))
    network = RoadNetwork.from_file(
        args.osm, PROFILES[args.profile], max_snap_m=args.max_snap, cache_dir=args.cache
    )
    table = network.table(places)
    assert table.durations_s is not None  # a road network always times its tables
    result = {
        "distances_m": table.distances_m.tolist(),
        "durations_s": table.durations_s.tolist(),
        "snapped_m": list(table.snapped_m),
        "far_from_road": list(table.far_from_road),
        "source": table.source.value,
    }
    if args.json:
        print(json.dumps(result))
    else:
        for row in result["distances_m"]:
            print(" ".join(f"{m:>8}" for m in row))
        if table.far_from_road:
            print(f"far from any road (more than {args.max_snap:g} m): {table.far_from_road}")
    return 0
