"""``solve``: diagnose, compile, run the engines (in parallel when allowed), keep the best plan
that the independent validator accepts.

The ``auto`` engine on problems PyVRP can model runs two searches side by side, one per core:
PyVRP from scratch (seed ``seed``), and OR-Tools' construction polished by PyVRP (seed
``seed + 1``) — one engine's plan as the other's start. Problems only OR-Tools can model get two
OR-Tools searches with different first-solution strategies. With ``workers=1`` (``solve_many``
gives each problem one core) only PyVRP runs (the hybrid on multi-trip problems), or OR-Tools
where PyVRP does not fit. Whatever happens, ``solve`` returns within its time limit with a
validated plan that names the stops it left out: searches end at an absolute instant, child
processes are stopped then, and the last resort has its own share of the limit.

``SolveOptions.iterations`` also stops each search after that many iterations (PyVRP) or
solutions (OR-Tools), whichever comes first with the time limit: with a generous time limit the
searches then do the same work on any machine (the tests use it; users get the time limit alone).
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from typing import Any, cast

from routing import sectors
from routing.compiled import Compiled, Matrices, Plan, compile_problem
from routing.diagnose import unservable
from routing.engines import ortools_engine, pyvrp_engine
from routing.model import Problem
from routing.schedule import assemble
from routing.solution import DropReason, Solution
from routing.validate import REQUIRED_LEFT_OUT, validate

ENGINES = ("auto", "ortools", "pyvrp")
#: Time kept back from the limit for timing and validating the plan: ``OVERHEAD`` plus
#: ``VALIDATION_SLACK`` times what computing the matrices took (the validator computes them
#: again).
OVERHEAD = 0.2
VALIDATION_SLACK = 1.5
#: Above this many stops, building the OR-Tools model alone takes seconds, so the hybrid job
#: lets PyVRP start from scratch and there is no last-resort OR-Tools run.
HYBRID_LIMIT = 1000
#: The last resort (OR-Tools allowed to leave required stops out) gets this share of the limit,
#: at most ``RESCUE_SECONDS``, set aside before the search starts.
RESCUE_SHARE = 0.03
RESCUE_SECONDS = 1.0
#: Sector searches stop this share of their time (at least this many seconds) before their
#: processes are stopped.
SECTOR_MARGIN = 0.1
SECTOR_MARGIN_SECONDS = 3.0
#: Share of the time a sectored problem spends on polishing the stitched plan as a whole.
POLISH_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class SolveOptions:
    seconds: float = 10.0
    engine: str = "auto"
    seed: int = 0
    workers: int = 2
    #: Stop each search after this many PyVRP iterations or OR-Tools solutions as well; None:
    #: the time limit alone.
    iterations: int | None = None

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValueError(f"the time limit must be positive, got {self.seconds}")
        if self.iterations is not None and self.iterations < 1:
            raise ValueError(f"the iteration limit must be positive, got {self.iterations}")
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine {self.engine!r}; choose one of {ENGINES}")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")


@dataclass(frozen=True, slots=True)
class Job:
    """One search: ``kind`` is "ortools", "pyvrp" or "hybrid" (OR-Tools start, PyVRP search);
    ``soft`` lets OR-Tools leave required stops out (the last resort)."""

    kind: str
    until: float  # the time.monotonic() instant by which the search ends
    seed: int = 0
    first_solution: str = ortools_engine.FIRST_SOLUTIONS[0]
    soft: bool = False
    initial: Plan | None = None  # a plan for the search to start from
    iterations: int | None = None  # SolveOptions.iterations


def solve(problem: Problem, options: SolveOptions | None = None) -> Solution:
    options = options or SolveOptions()
    began = time.monotonic()
    deadline = began + options.seconds
    matrices = Matrices.of(problem)
    # The validator computes the matrices again, and may get less of the machine than we just
    # did: keep that time back, with half again as slack.
    reserve = OVERHEAD + VALIDATION_SLACK * (time.monotonic() - began)
    reasons = unservable(problem, matrices)
    impossible = [problem.stops[i].id for i in reasons if problem.stops[i].required]
    if impossible:
        first = next(i for i in reasons if problem.stops[i].required)
        raise ValueError(
            f"required stops can never be served: {impossible[:10]} ({reasons[first]})"
        )
    planned = [i for i in range(len(problem.stops)) if i not in reasons]
    compiled = compile_problem(problem, matrices, planned)
    searched = deadline - reserve - rescue_seconds(compiled, options.seconds)
    plans = search(compiled, options, until=searched, latest=deadline - reserve)
    best = best_plan(
        compiled, plans, reasons, until=deadline - reserve, iterations=options.iterations
    )
    return replace(best, seconds=time.monotonic() - began)


def rescue_seconds(compiled: Compiled, seconds: float) -> float:
    """The time set aside for the last resort; none where its model would take too long to
    build."""
    if not compiled.stops or len(compiled.stops) > HYBRID_LIMIT:
        return 0.0
    return min(RESCUE_SECONDS, RESCUE_SHARE * seconds)


def grace(seconds: float) -> float:
    """How long a child process gets after its search's own limit to send its plan back."""
    return min(0.3, 0.1 * seconds)


def search(
    compiled: Compiled, options: SolveOptions, *, until: float, latest: float
) -> list[tuple[str, Plan]]:
    """(engine, plan) for every search that found a plan, the searches stopped at ``until``
    (or ``latest`` while none has found one): in sectors for a big problem (``auto`` only: the
    single engines stay themselves, the benchmark's baselines), else whole."""
    left = until - time.monotonic()
    if options.engine == "auto" and sectors.applies(compiled):
        return run_sectors(compiled, options, until=until, latest=latest)
    jobs = jobs_for(compiled, options, until - grace(left))
    return run_jobs(compiled, jobs, options.workers, until=until, latest=latest)


def run_sectors(
    compiled: Compiled, options: SolveOptions, *, until: float, latest: float
) -> list[tuple[str, Plan]]:
    """Every sector solved as a problem of its own, all side by side, one search each; their
    plans put together; then, when there are no more sectors than workers, PyVRP on the whole
    problem from that plan for the last ``POLISH_SHARE`` of the time (one search per worker,
    other seeds), which mends the seams between sectors. With more sectors the whole is too big
    for PyVRP to get anywhere in that time (at 4,000 stops the polish only cost the sectors
    time). Returns the stitched plan and whatever the polish found."""
    parts = sectors.split(compiled)
    left = until - time.monotonic()
    polishing = len(parts) <= options.workers
    stitched_by = until - (POLISH_SHARE * left if polishing else 0.0)
    searches_end = stitched_by - sector_margin(len(parts), options.workers, left)
    single = replace(options, workers=1)
    tasks = [
        (number, part.compiled, job)
        for number, part in enumerate(parts)
        for job in jobs_for(part.compiled, single, searches_end)[:1]
    ]
    found = _in_processes([(c, j) for _, c, j in tasks], stitched_by, latest)
    by_sector = {tasks[i][0]: plan for i, plan in found}
    stitched = sectors.stitch(compiled, parts, [by_sector.get(n) for n in range(len(parts))])
    plans = [("sectors", stitched)]
    left = until - time.monotonic()
    if polishing and len(found) == len(parts) and left > 2 * grace(left):
        polish = [
            Job(
                "pyvrp",
                until - grace(left),
                options.seed + 1 + k,
                initial=stitched,
                iterations=options.iterations,
            )
            for k in range(options.workers)
        ]
        plans += [
            ("sectors+pyvrp", plan)
            for _, plan in _in_processes([(compiled, job) for job in polish], until)
        ]
    return plans


def sector_margin(sectors_count: int, workers: int, left: float) -> float:
    """How long before their processes are stopped the sector searches are told to end. With
    more sectors than cores they share the cores and PyVRP's once-per-iteration clock check
    comes seconds late, so they stop well before; otherwise the usual grace."""
    if sectors_count <= workers:
        return grace(left)
    return max(SECTOR_MARGIN_SECONDS, SECTOR_MARGIN * left)


def jobs_for(compiled: Compiled, options: SolveOptions, until: float) -> list[Job]:
    seed, iterations = options.seed, options.iterations
    if not compiled.stops:
        return []
    if options.engine == "ortools":
        return [Job("ortools", until, iterations=iterations)]
    fits_pyvrp = pyvrp_engine.supports(compiled)
    if options.engine == "pyvrp":
        return [Job("pyvrp", until, seed, iterations=iterations)] if fits_pyvrp else []
    if not fits_pyvrp:
        alternatives = [
            Job("ortools", until, seed, s, iterations=iterations)
            for s in ortools_engine.FIRST_SOLUTIONS
        ]
        return alternatives[: options.workers]
    alone = Job("pyvrp", until, seed, iterations=iterations)
    if options.workers > 1:
        return [alone, Job("hybrid", until, seed + 1, iterations=iterations)]
    # With one core (solve_many) the OR-Tools start would only take time from PyVRP's search,
    # except with reloads: PyVRP puts a reload in only where one of its moves finds it, and
    # OR-Tools' plan has them already (and is the answer if PyVRP finds nothing feasible).
    multi_trip = any(v.max_trips > 1 for v in compiled.problem.vehicles)
    return [Job("hybrid", until, seed, iterations=iterations)] if multi_trip else [alone]


def run_job(compiled: Compiled, job: Job) -> Plan | None:
    seconds = max(0.01, job.until - time.monotonic())
    if job.kind == "ortools":
        return ortools_engine.solve(
            compiled,
            seconds,
            first_solution=job.first_solution,
            soft_required=job.soft,
            solution_limit=job.iterations,
        )
    if job.kind == "pyvrp":
        return pyvrp_engine.solve(
            compiled, seconds, seed=job.seed, initial=job.initial, iterations=job.iterations
        )
    start = None
    if len(compiled.stops) <= HYBRID_LIMIT:
        start = ortools_engine.solve(
            compiled, min(seconds * 0.1, 1.0), solution_limit=job.iterations
        )
    rest = max(0.01, job.until - time.monotonic())
    polished = pyvrp_engine.solve(
        compiled, rest, seed=job.seed, initial=start, iterations=job.iterations
    )
    return polished if polished is not None else start


def run_jobs(
    compiled: Compiled, jobs: list[Job], workers: int, *, until: float, latest: float
) -> list[tuple[str, Plan]]:
    """Run the jobs, in child processes when there are workers to spare or the model is big
    enough that building it could overrun; they are stopped at ``until`` (a
    ``time.monotonic()`` instant), or at ``latest`` if none has found a plan by then.
    Returns (job kind, plan) for every job that found one."""
    if not jobs:
        return []
    if (workers == 1 or len(jobs) == 1) and len(compiled.stops) <= HYBRID_LIMIT:
        return [(j.kind, p) for j in jobs if (p := run_job(compiled, j)) is not None]
    found = _in_processes([(compiled, j) for j in jobs], until, latest)
    return [(jobs[i].kind, plan) for i, plan in found]


def _in_processes(
    tasks: list[tuple[Compiled, Job]], until: float, latest: float | None = None
) -> list[tuple[int, Plan]]:
    """Each job in a child process; collect replies until ``until``, or while none has come
    back yet, until ``latest``; then stop the children. Returns (task number, plan)."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context: Any = multiprocessing.get_context(method)
    pending: dict[Connection, int] = {}
    processes = []
    for number, (compiled, job) in enumerate(tasks):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(compiled, job, sender), daemon=True)
        process.start()
        sender.close()
        pending[receiver] = number
        processes.append(process)
    plans: list[tuple[int, Plan]] = []
    while pending:
        limit = until if plans or latest is None else latest
        ready = wait(list(pending), timeout=max(0.0, limit - time.monotonic()))
        if not ready:
            break
        for receiver in ready:
            number = pending.pop(cast(Connection, receiver))
            plan = _receive(cast(Connection, receiver))
            if plan is not None:
                plans.append((number, plan))
    for process in processes:
        process.kill()
    for process in processes:
        # A child with a big model takes a while to free its memory: do not wait for that (a
        # straggler is reaped when the next child starts).
        process.join(timeout=0.2)
    return plans


def _receive(receiver: Connection) -> Plan | None:
    try:
        plan: Plan | None = receiver.recv()
    except EOFError:  # the child died without a word
        return None
    return plan


def _child(compiled: Compiled, job: Job, sender: Connection) -> None:
    try:
        sender.send(run_job(compiled, job))
    finally:
        sender.close()


def best_plan(
    compiled: Compiled,
    plans: list[tuple[str, Plan]],
    reasons: dict[int, DropReason],
    *,
    until: float,
    iterations: int | None = None,
) -> Solution:
    """The cheapest plan the validator accepts. Failing that, the sound plan that leaves out
    the fewest required stops (and names them), among the searches' plans and the last resort's
    (OR-Tools allowed to drop required stops, run until ``until`` if time and size allow);
    failing even that, a plan that names every stop as left out."""
    candidates = sorted(
        (assemble(compiled, plan, reasons, engine=kind) for kind, plan in plans),
        key=lambda s: (s.required_dropped > 0, s.cost()),
    )
    sound = []
    for candidate in candidates:  # validating is not free on big problems: cheapest first
        checked = _validated(compiled, candidate)
        if checked.is_feasible():
            return checked
        sound += [checked] if _sound(checked) else []
    left = until - time.monotonic()
    if rescue_seconds(compiled, left) > 0 and left > 2 * grace(left):
        job = Job("ortools", until - grace(left), soft=True, iterations=iterations)
        for _, plan in _in_processes([(compiled, job)], until):
            rescued = _validated(compiled, assemble(compiled, plan, reasons, engine="ortools-soft"))
            sound += [rescued] if _sound(rescued) else []
    if sound:
        return min(sound, key=lambda s: (s.required_dropped, s.cost()))
    empty: Plan = tuple(() for _ in compiled.slots)
    return _validated(compiled, assemble(compiled, empty, reasons, engine="none"))


def _sound(solution: Solution) -> bool:
    return all(v.startswith(REQUIRED_LEFT_OUT) for v in solution.violations)


def _validated(compiled: Compiled, solution: Solution) -> Solution:
    return replace(solution, violations=validate(compiled.problem, solution).violations)
