"""``solve``: diagnose, compile, run the engines (in parallel when allowed), keep the best plan
that the independent validator accepts.

The ``auto`` engine on problems PyVRP can model runs two searches side by side, one per core:
PyVRP from scratch (seed ``seed``), and OR-Tools' construction polished by PyVRP (seed
``seed + 1``) — one engine's plan as the other's start. Problems only OR-Tools can model get two
OR-Tools searches with different first-solution strategies. With ``workers=1`` only the second,
hybrid search runs. Whatever happens, ``solve`` returns a validated plan close to its time limit:
engines run in child processes that are stopped at the deadline.
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from typing import Any

from routing.compiled import Compiled, Matrices, Plan, compile_problem
from routing.diagnose import unservable
from routing.engines import ortools_engine, pyvrp_engine
from routing.model import Problem
from routing.schedule import assemble
from routing.solution import DropReason, Solution
from routing.validate import validate

ENGINES = ("auto", "ortools", "pyvrp")
#: Time kept back from the limit for process start-up, timing and validation.
OVERHEAD = 0.25
#: Above this many stops, building the OR-Tools model alone takes seconds, so the hybrid job
#: lets PyVRP start from scratch.
HYBRID_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class SolveOptions:
    seconds: float = 10.0
    engine: str = "auto"
    seed: int = 0
    workers: int = 2

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValueError(f"the time limit must be positive, got {self.seconds}")
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine {self.engine!r}; choose one of {ENGINES}")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")


@dataclass(frozen=True, slots=True)
class Job:
    """One search: ``kind`` is "ortools", "pyvrp" or "hybrid" (OR-Tools start, PyVRP search)."""

    kind: str
    seconds: float
    seed: int = 0
    first_solution: str = ortools_engine.FIRST_SOLUTIONS[0]


def solve(problem: Problem, options: SolveOptions | None = None) -> Solution:
    options = options or SolveOptions()
    began = time.monotonic()
    matrices = Matrices.of(problem)
    reasons = unservable(problem, matrices)
    impossible = [problem.stops[i].id for i in reasons if problem.stops[i].required]
    if impossible:
        first = next(i for i in reasons if problem.stops[i].required)
        raise ValueError(
            f"required stops can never be served: {impossible[:10]} ({reasons[first]})"
        )
    planned = [i for i in range(len(problem.stops)) if i not in reasons]
    compiled = compile_problem(problem, matrices, planned)
    budget = options.seconds - (time.monotonic() - began) - OVERHEAD
    plans = run_jobs(compiled, jobs_for(compiled, options, max(budget, 0.05)), options.workers)
    best = best_plan(compiled, plans, reasons)
    return replace(best, seconds=time.monotonic() - began)


def jobs_for(compiled: Compiled, options: SolveOptions, seconds: float) -> list[Job]:
    seed = options.seed
    if not compiled.stops:
        return []
    if options.engine == "ortools":
        return [Job("ortools", seconds)]
    fits_pyvrp = pyvrp_engine.supports(compiled)
    if options.engine == "pyvrp":
        return [Job("pyvrp", seconds, seed)] if fits_pyvrp else []
    if not fits_pyvrp:
        alternatives = [Job("ortools", seconds, seed, s) for s in ortools_engine.FIRST_SOLUTIONS]
        return alternatives[: options.workers]
    hybrid = Job("hybrid", seconds, seed + 1)
    return [hybrid] if options.workers == 1 else [Job("pyvrp", seconds, seed), hybrid]


def run_job(compiled: Compiled, job: Job) -> Plan | None:
    if job.kind == "ortools":
        return ortools_engine.solve(compiled, job.seconds, first_solution=job.first_solution)
    if job.kind == "pyvrp":
        return pyvrp_engine.solve(compiled, job.seconds, seed=job.seed)
    began = time.monotonic()
    start = None
    if len(compiled.stops) <= HYBRID_LIMIT:
        start = ortools_engine.solve(compiled, min(job.seconds * 0.1, 1.0))
    rest = job.seconds - (time.monotonic() - began)
    polished = pyvrp_engine.solve(compiled, rest, seed=job.seed, initial=start)
    return polished if polished is not None else start


def run_jobs(compiled: Compiled, jobs: list[Job], workers: int) -> list[tuple[str, Plan]]:
    """Run the jobs, in child processes when there are workers to spare, stopping them at
    the deadline. Returns (job kind, plan) for every job that found one."""
    if not jobs:
        return []
    if workers == 1 or len(jobs) == 1:
        return [(j.kind, p) for j in jobs if (p := run_job(compiled, j)) is not None]
    return _in_processes(compiled, jobs)


def _in_processes(compiled: Compiled, jobs: list[Job]) -> list[tuple[str, Plan]]:
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context: Any = multiprocessing.get_context(method)
    running = []
    for job in jobs:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(compiled, job, sender), daemon=True)
        process.start()
        sender.close()
        running.append((job, process, receiver))
    deadline = time.monotonic() + max(j.seconds for j in jobs) * 1.05 + 1.0
    plans = []
    for job, process, receiver in running:
        if receiver.poll(max(0.0, deadline - time.monotonic())):
            try:
                plan = receiver.recv()
            except EOFError:
                plan = None
            if plan is not None:
                plans.append((job.kind, plan))
        process.terminate()
        process.join()
    return plans


def _child(compiled: Compiled, job: Job, sender: Connection) -> None:
    try:
        sender.send(run_job(compiled, job))
    finally:
        sender.close()


def best_plan(
    compiled: Compiled, plans: list[tuple[str, Plan]], reasons: dict[int, DropReason]
) -> Solution:
    """The cheapest validated plan; failing that, OR-Tools allowed to drop required stops
    (the plan then says which could not be fitted), and failing that, an empty plan."""
    candidates = [_checked(compiled, plan, reasons, kind) for kind, plan in plans]
    feasible = [s for s in candidates if s.is_feasible()]
    if feasible:
        return min(feasible, key=lambda s: s.cost())
    if compiled.stops:
        rescue = ortools_engine.solve(compiled, 1.0, soft_required=True)
        if rescue is not None:
            return _checked(compiled, rescue, reasons, "ortools-soft")
    empty: Plan = tuple(() for _ in compiled.slots)
    return _checked(compiled, empty, reasons, "none")


def _checked(
    compiled: Compiled, plan: Plan, reasons: dict[int, DropReason], engine: str
) -> Solution:
    solution = assemble(compiled, plan, reasons, engine=engine)
    return replace(solution, violations=validate(compiled.problem, solution).violations)
