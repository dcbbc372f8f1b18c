"""Reproducible, village-like random problems for tests, benchmarks and demo data.

A station in the middle; households scattered around it (denser near the centre); parcels to
deliver in grams and pieces; some farmers with produce to pick up; a third of the stops with a
two-hour window in an eight-hour day; e-bikes and tricycles, enough of them for the day's load.
"""

from __future__ import annotations

import math
import random

from routing.model import Depot, Place, Problem, Stop, TimeWindow, Vehicle

DAY = TimeWindow(8 * 3600, 18 * 3600)
METRES_PER_DEGREE = 111_195.0


def village(seed: int, stops: int = 100, radius_m: float = 3_000.0) -> Problem:
    rng = random.Random(seed)
    centre = Place(30.0 + rng.uniform(-1, 1), 110.0 + rng.uniform(-1, 1))
    households = tuple(_stop(rng, centre, radius_m, i) for i in range(stops))
    grams = sum(max(s.delivery[0], s.pickup[0]) for s in households)
    count = max(2, math.ceil(1.3 * grams / 60_000) + 1)
    vehicles = tuple(
        Vehicle(f"bike{k}", capacity=(60_000, 25), shift=DAY, speed_m_per_h=15_000)
        if k % 3
        else Vehicle(f"trike{k}", capacity=(90_000, 40), shift=DAY, speed_m_per_h=12_000)
        for k in range(count)
    )
    return Problem((Depot("station", centre),), households, vehicles)


def township(seed: int, villages: int = 40, stops: int = 100) -> list[Problem]:
    """A township's day: independent village problems."""
    return [village(seed * 1000 + v, stops) for v in range(villages)]


def _stop(rng: random.Random, centre: Place, radius_m: float, number: int) -> Stop:
    distance = radius_m * math.sqrt(rng.random()) * rng.random() ** 0.3
    angle = rng.uniform(0, 2 * math.pi)
    place = Place(
        centre.lat + distance * math.sin(angle) / METRES_PER_DEGREE,
        centre.lon
        + distance * math.cos(angle) / (METRES_PER_DEGREE * math.cos(math.radians(centre.lat))),
    )
    parcels = rng.randint(1, 3)
    delivery = (parcels * rng.randint(300, 5_000), parcels)
    pickup = (rng.randint(5_000, 30_000), 0) if rng.random() < 0.2 else (0, 0)
    windows = (TimeWindow(DAY.start, DAY.end),)
    if rng.random() < 1 / 3:
        start = DAY.start + rng.randrange(0, 8) * 3600
        windows = (TimeWindow(start, start + 2 * 3600),)
    return Stop(f"h{number}", place, delivery, pickup, service=120, windows=windows)
