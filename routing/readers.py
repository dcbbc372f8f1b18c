"""Readers for VRPLIB CVRP / VRPTW files (and Solomon ``.txt``), with the benchmark conventions.

* ``FLOOR_2D`` with ``SCALE`` s (DIMACS Solomon): distance and travel time ``floor(s*d)``,
  windows and service times times s; cost reported divided by s.
* ``EUC_2D`` (CVRPLIB): ``nint(d)``; ``CEIL_2D``: ``ceil(d)``; ``EXPLICIT``: the file's numbers.
* ``EXACT_2D``: real distances; solved on ``nint(1000*d)`` (times scaled alike, so time
  feasibility is exact to a thousandth) and the cost is recomputed in real numbers.
* Solomon ``.txt``: as DIMACS with s = 10.

Fleet: ``VEHICLES`` routes at most when the file gives it for a time-windowed problem (the
Solomon convention); otherwise an unlimited fleet, approximated by a bound no sensible plan
reaches (twice the lower bound on routes, plus two). Customer numbers are the file's node
numbers counted from 0 with the depot first, as in CVRPLIB ``.sol`` files.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import vrplib

from routing.distances import IntMatrix, Matrix
from routing.model import Depot, Place, Problem, Stop, TimeWindow, Vehicle
from routing.solution import Solution

EXACT_SCALE = 1000


@dataclass(frozen=True, slots=True)
class Instance:
    name: str
    problem: Problem
    customers: tuple[int, ...]  # the file's customer number of each stop
    scale: int
    coordinates: Any | None = None  # (depot + customers) x 2, for real-valued costs

    def file_cost(self, solution: Solution) -> float:
        """The solution's distance in the file's own convention."""
        if self.coordinates is None:
            return solution.distance / self.scale
        xy = self.coordinates
        total = 0.0
        for route in solution.routes:
            nodes = [0, *(1 + v.stop for v in route.visits), 0]
            total += sum(math.dist(xy[a], xy[b]) for a, b in itertools.pairwise(nodes))
        return round(total, 3)

    def routes(self, solution: Solution) -> list[list[int]]:
        return [[self.customers[v.stop] for v in r.visits] for r in solution.routes]


def read(path: str | Path) -> Instance:
    path = Path(path)
    solomon = path.suffix.lower() == ".txt"
    data = vrplib.read_instance(path, instance_format="solomon" if solomon else "vrplib")
    kind = "FLOOR_2D" if solomon else str(data.get("edge_weight_type", "EXPLICIT")).upper()
    scale = 10 if solomon else int(data.get("scale", 1))
    depots = [int(d) for d in np.atleast_1d(data.get("depot", [0]))]
    if depots != [0]:
        raise ValueError(f"{path.name}: only one depot, numbered 1, is supported")
    distance, scale, coordinates = _distances(data, kind, scale)
    return Instance(
        name=str(data.get("name", path.stem)),
        problem=_problem(data, distance, scale),
        customers=tuple(range(1, distance.shape[0])),
        scale=scale if coordinates is None else EXACT_SCALE,
        coordinates=coordinates,
    )


def _distances(data: dict[str, Any], kind: str, scale: int) -> tuple[IntMatrix, int, Any]:
    if kind == "EXPLICIT":
        return np.rint(np.asarray(data["edge_weight"])).astype(np.int64), 1, None
    xy = np.asarray(data["node_coord"], dtype=float)
    real = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))
    if kind == "FLOOR_2D":
        return np.floor(real * scale).astype(np.int64), scale, None
    if kind == "EUC_2D":
        return np.floor(real + 0.5).astype(np.int64), 1, None
    if kind == "CEIL_2D":
        return np.ceil(real).astype(np.int64), 1, None
    if kind == "EXACT_2D":
        return np.rint(real * EXACT_SCALE).astype(np.int64), EXACT_SCALE, xy
    raise ValueError(f"unsupported EDGE_WEIGHT_TYPE {kind}")


def _problem(data: dict[str, Any], distance: IntMatrix, scale: int) -> Problem:
    n = distance.shape[0]
    demand = np.asarray(data.get("demand", np.zeros(n)), dtype=np.int64)
    service = np.broadcast_to(np.asarray(data.get("service_time", 0)), (n,)) * scale
    windows = data.get("time_window")
    capacity = int(data["capacity"])
    stops = tuple(
        Stop(
            id=str(i),
            place=Place(0.0, 0.0),
            delivery=(int(demand[i]),),
            service=int(service[i]),
            windows=(_window(windows, i, scale),),
        )
        for i in range(1, n)
    )
    shift = _window(windows, 0, scale)
    fleet = _fleet(data, demand, capacity, windows is not None)
    vehicles = tuple(Vehicle(f"v{k}", capacity=(capacity,), shift=shift) for k in range(fleet))
    return Problem((Depot("depot", Place(0.0, 0.0)),), stops, vehicles, Matrix(distance, distance))


def _window(windows: Any, node: int, scale: int) -> TimeWindow:
    if windows is None:
        return TimeWindow()
    return TimeWindow(int(windows[node][0]) * scale, int(windows[node][1]) * scale)


def _fleet(data: dict[str, Any], demand: Any, capacity: int, timed: bool) -> int:
    given = data.get("vehicles")
    if timed and given:
        return int(given)
    lower = math.ceil(int(demand.sum()) / capacity)
    return min(len(demand) - 1, 2 * lower + 2) if timed else 2 * lower + 2
