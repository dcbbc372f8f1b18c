"""Coordinates and great-circle distance. Coordinates are WGS-84 degrees."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class Point:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"not a coordinate: ({self.lat}, {self.lon})")


def great_circle_m(a: Point, b: Point) -> int:
    """Haversine distance in whole metres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(h)))


def offset(origin: Point, *, north_m: float, east_m: float) -> Point:
    """The point ``north_m`` metres north and ``east_m`` metres east of ``origin``.

    A flat-earth approximation: good to a few centimetres over a township's distances.
    """
    dlat = math.degrees(north_m / EARTH_RADIUS_M)
    dlon = math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(origin.lat))))
    return Point(round(origin.lat + dlat, 6), round(origin.lon + dlon, 6))
