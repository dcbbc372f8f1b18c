"""Routing quality and speed: Cunzhan's planner against plain OR-Tools GLS and PyVRP.

Run ``python -m benchmarks.routing`` (``make bench-routing``); ``--quick`` for a smoke run.
Every instance of ``$CUNZHAN_SHARED/benchmarks/instances/BKS.csv`` (default: ../shared next to
the repository) is solved by each solver in turn at the same wall-clock budget, every plan is
checked by ``routing.validate``, and the gaps to the best known solutions are printed, then the
synthetic township-sized instances and the 40-village township day. The full run writes
``benchmarks/results/routing.md``.

Solvers: ``cunzhan`` = ``routing.solve`` with the ``auto`` engine on two worker processes;
``ortools`` = the OR-Tools engine alone (parallel cheapest insertion + guided local search, one
core); ``pyvrp`` = PyVRP alone (one core, seed 0).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from routing import Problem, SolveOptions, solve, solve_many, validate
from routing.readers import Instance, read
from routing.synthetic import township, village

ROOT = Path(__file__).resolve().parents[1]
SOLVERS = {
    "cunzhan": SolveOptions(engine="auto", workers=2),
    "ortools": SolveOptions(engine="ortools", workers=1),
    "pyvrp": SolveOptions(engine="pyvrp", workers=1),
}
FOLDERS = {
    "VRPTW-DIMACS": "solomon_dimacs",
    "VRPTW-hierarchical": "solomon_exact",
    "CVRP": "cvrp_x",
}
QUICK_INSTANCES = {("C101", "VRPTW-DIMACS"), ("X-n101-k25", "CVRP")}


@dataclass(frozen=True, slots=True)
class Run:
    cost: float | None  # None: no feasible plan
    routes: int
    seconds: float


def shared_dir() -> Path:
    return Path(os.environ.get("CUNZHAN_SHARED", ROOT.parent / "shared"))


def run(problem: Problem, options: SolveOptions, instance: Instance | None = None) -> Run:
    began = time.monotonic()
    solution = solve(problem, options)
    elapsed = time.monotonic() - began
    report = validate(problem, solution)
    if not report.ok or solution.required_dropped:
        return Run(None, len(solution.routes), elapsed)
    cost = instance.file_cost(solution) if instance else float(solution.cost())
    return Run(cost, len(solution.routes), elapsed)


def gap(cost: float | None, best: float) -> float | None:
    return None if cost is None else 100.0 * (cost - best) / best


def fmt(value: float | None, digits: int = 2) -> str:
    return "FAIL" if value is None else f"{round(value, digits) + 0.0:.{digits}f}"  # no "-0.00"


def instance_path(folder: Path, name: str, kind: str) -> Path:
    pattern = f"{name}.vrp" if kind == "CVRP" else f"{name}.100.*.vrptw"
    (path,) = sorted((folder / FOLDERS[kind]).glob(pattern))
    return path


def bks_rows(quick: bool) -> list[dict[str, str]]:
    with (shared_dir() / "benchmarks/instances/BKS.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return [r for r in rows if not quick or (r["instance"], r["kind"]) in QUICK_INSTANCES]


def bench_bks(seconds: float, quick: bool, lines: list[str]) -> dict[str, list[float | None]]:
    folder = shared_dir() / "benchmarks/instances"
    gaps: dict[str, list[float | None]] = {}
    lines += [
        f"### Best-known-solution instances, {seconds:g} s per instance and solver",
        "",
        "| instance | kind | BKS (routes) | Cunzhan gap % | OR-Tools GLS gap % | PyVRP gap % |"
        " Cunzhan / PyVRP cost | routes C/O/P |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in bks_rows(quick):
        instance = read(instance_path(folder, row["instance"], row["kind"]))
        best = float(row["cost_bks"])
        runs = {
            name: run(instance.problem, _limit(options, seconds), instance)
            for name, options in SOLVERS.items()
        }
        family = _family(row["kind"])
        for name, result in runs.items():
            gaps.setdefault(f"{family}/{name}", []).append(gap(result.cost, best))
        ratio = _ratio(runs["cunzhan"].cost, runs["pyvrp"].cost)
        line = (
            f"| {row['instance']} | {row['kind']} | {best:g} ({row['vehicles_bks']}) | "
            + " | ".join(fmt(gap(runs[n].cost, best)) for n in SOLVERS)
            + f" | {fmt(ratio, 4)} | {'/'.join(str(runs[n].routes) for n in SOLVERS)} |"
        )
        print(line, flush=True)
        lines.append(line)
    return gaps


def _family(kind: str) -> str:
    return {"VRPTW-DIMACS": "Solomon DIMACS", "VRPTW-hierarchical": "Solomon hierarchical"}.get(
        kind, "CVRPLIB X"
    )


def _limit(options: SolveOptions, seconds: float) -> SolveOptions:
    return SolveOptions(seconds, options.engine, options.seed, options.workers)


def _ratio(cost: float | None, other: float | None) -> float | None:
    if cost is None or other is None:
        return None
    return 1.0 if cost == other else (cost / other if other else None)


def summarise(gaps: dict[str, list[float | None]], lines: list[str]) -> None:
    lines += [
        "",
        "Mean gap to BKS (%; FAIL counted separately):",
        "",
        "| family | Cunzhan | OR-Tools GLS | PyVRP | mean gap ratio Cunzhan / PyVRP"
        " (instances both solved) |",
        "|---|---|---|---|---|",
    ]
    for family in sorted({key.split("/")[0] for key in gaps}):
        means = {n: _mean(gaps[f"{family}/{n}"]) for n in SOLVERS}
        pairs = [
            (c, p)
            for c, p in zip(gaps[f"{family}/cunzhan"], gaps[f"{family}/pyvrp"], strict=True)
            if c is not None and p is not None
        ]
        ratio = _ratio(
            statistics.fmean(c for c, _ in pairs) if pairs else None,
            statistics.fmean(p for _, p in pairs) if pairs else None,
        )
        cells = " | ".join(
            fmt(m) + (f" ({f} FAIL)" if f else "") for m, f in (means[n] for n in SOLVERS)
        )
        line = f"| {family} | {cells} | {fmt(ratio, 3)} |"
        print(line, flush=True)
        lines.append(line)


def _mean(values: Sequence[float | None]) -> tuple[float | None, int]:
    found = [v for v in values if v is not None]
    return (statistics.fmean(found) if found else None), len(values) - len(found)


def bench_scale(sizes: Sequence[int], seconds: float, lines: list[str]) -> None:
    lines += [
        "",
        f"### Synthetic township-sized single problems, {seconds:g} s per solver",
        "",
        "| stops | vehicles | Cunzhan cost (m) | OR-Tools / Cunzhan | PyVRP / Cunzhan | "
        "seconds C/O/P |",
        "|---|---|---|---|---|---|",
    ]
    for size in sizes:
        problem = village(seed=size, stops=size, radius_m=3_000.0 * (size / 100) ** 0.5)
        runs = {n: run(problem, _limit(o, seconds)) for n, o in SOLVERS.items()}
        mine = runs["cunzhan"].cost
        line = (
            f"| {size} | {len(problem.vehicles)} | {fmt(mine, 0)} | "
            f"{fmt(_ratio(runs['ortools'].cost, mine), 3)} | "
            f"{fmt(_ratio(runs['pyvrp'].cost, mine), 3)} | "
            + "/".join(f"{runs[n].seconds:.1f}" for n in SOLVERS)
            + " |"
        )
        print(line, flush=True)
        lines.append(line)


def bench_township(villages: int, stops: int, seconds: float, lines: list[str]) -> None:
    problems = township(seed=2026, villages=villages, stops=stops)
    totals = {}
    for name, engine in (("cunzhan", "auto"), ("pyvrp", "pyvrp")):
        began = time.monotonic()
        solutions = solve_many(problems, SolveOptions(seconds, engine), workers=2)
        wall = time.monotonic() - began
        feasible = sum(
            validate(p, s).ok and s.is_feasible() for p, s in zip(problems, solutions, strict=True)
        )
        totals[name] = (sum(s.cost() for s in solutions), wall, feasible)
    cost, wall, feasible = totals["cunzhan"]
    line = (
        f"Township day: {villages} villages x {stops} stops on 2 worker processes, {seconds:g} s "
        f"per village: Cunzhan {wall:.1f} s wall, {feasible}/{villages} plans validated "
        f"feasible, total {cost} m; PyVRP alone at the same budget: {totals['pyvrp'][1]:.1f} s, "
        f"{totals['pyvrp'][2]}/{villages} feasible, total {totals['pyvrp'][0]} m "
        f"(PyVRP / Cunzhan = {totals['pyvrp'][0] / cost:.4f})."
    )
    print(line, flush=True)
    lines += ["", line]


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in cpuinfo.read_text().splitlines()
                if ln.startswith("model name")
            ),
            model,
        )
    versions = ", ".join(f"{p} {version(p)}" for p in ("ortools", "pyvrp", "vrplib"))
    return (
        f"Machine: {model}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, {versions}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.routing")
    parser.add_argument("--quick", action="store_true", help="two instances at 2 s, small scale")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--out", type=Path, default=None, help="write the markdown table here")
    args = parser.parse_args(argv)
    seconds = args.seconds or (2.0 if args.quick else 10.0)
    out = args.out or (None if args.quick else ROOT / "benchmarks/results/routing.md")
    began = time.monotonic()
    lines = [
        "# Routing benchmark",
        "",
        f"{time.strftime('%Y-%m-%d')}. {machine()}.",
        "Cunzhan = `routing.solve` (auto: PyVRP and OR-Tools-start-then-PyVRP side by side on two"
        " worker processes, best validated plan kept; above 900 stops, geographic sectors"
        " solved side by side and stitched, then the whole polished by PyVRP from that plan;"
        " with one core per village in the township day,"
        " PyVRP alone); OR-Tools GLS = our OR-Tools engine alone"
        " (parallel cheapest insertion + guided local search, one core); PyVRP = PyVRP 0.14"
        " alone (one core, seed 0). Same wall-clock budget each, one solver at a time, every plan"
        " checked by `routing.validate`. Costs follow ../shared/benchmarks/instances/README.md.",
        "",
    ]
    summarise(bench_bks(seconds, args.quick, lines), lines)
    sizes, scale_seconds = ((200,), 2.0) if args.quick else ((1000, 4000), 60.0)
    bench_scale(sizes, scale_seconds, lines)
    if args.quick:
        bench_township(4, 50, 1.0, lines)
    else:
        bench_township(40, 100, 2.0, lines)
    lines += ["", f"Whole run: {(time.monotonic() - began) / 60:.1f} min."]
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("\n".join(lines) + "\n")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
