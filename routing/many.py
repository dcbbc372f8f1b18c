"""Many independent problems (a township's villages) over a process pool."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace

from tqdm import tqdm

from routing.model import Problem
from routing.planner import SolveOptions, solve
from routing.solution import Solution


def solve_many(
    problems: Sequence[Problem],
    options: SolveOptions | None = None,
    *,
    workers: int = 2,
    progress: bool = True,
) -> list[Solution]:
    """Solve each problem with one core (``options.workers`` is set to 1), ``workers`` problems
    at a time; a progress bar on stderr when ``progress``. Results come back in input order."""
    single = replace(options or SolveOptions(), workers=1)
    results: list[Solution | None] = [None] * len(problems)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(solve, p, single): i for i, p in enumerate(problems)}
        for future in tqdm(
            as_completed(futures),
            total=len(futures),
            disable=not progress,
            desc="planning",
            unit="problem",
        ):
            results[futures[future]] = future.result()
    return [r for r in results if r is not None]
