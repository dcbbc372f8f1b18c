"""``python -m routing solve FILE --seconds S [--engine NAME] [--seed N] [--json]``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from routing.planner import ENGINES, SolveOptions, solve
from routing.readers import read
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
    args = parser.parse_args(argv)
    try:
        instance = read(args.file)
        options = SolveOptions(args.seconds, args.engine, args.seed, args.workers)
        solution = solve(instance.problem, options)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
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
