"""Small OpenStreetMap files written by the tests, on a local grid of metres.

``x`` metres east and ``y`` metres north of an origin, by default (30°N, 110°E), a Chinese
county's latitude.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from routing.model import Place
from routing.roads import osm_xml

ORIGIN = Place(30.0, 110.0)


def at(x: float, y: float, origin: Place = ORIGIN) -> Place:
    return osm_xml.at(x, y, origin)


def write_osm(path: Path, ways: Sequence[osm_xml.Way], origin: Place = ORIGIN) -> Path:
    return osm_xml.write_osm(path, ways, origin)


def river_village(path: Path, origin: Place = ORIGIN) -> Path:
    """A river along y = 0, a lane on each bank (y = ±30, x from 0 to 1000) and one bridge at
    x = 1000. A ferry and a private farm road cross at x = 200 and x = 300: neither may be used.
    An isolated lane far to the east is connected to nothing."""
    lane = {"highway": "residential"}
    south = [(float(x), -30.0) for x in range(0, 1001, 100)]
    north = [(float(x), 30.0) for x in range(0, 1001, 100)]
    return write_osm(
        path,
        [
            (south, lane),
            (north, lane),
            ([(1000.0, -30.0), (1000.0, 30.0)], {"highway": "tertiary", "bridge": "yes"}),
            ([(200.0, -30.0), (200.0, 30.0)], {"route": "ferry"}),
            ([(300.0, -30.0), (300.0, 30.0)], {"highway": "service", "access": "private"}),
            ([(3000.0, 0.0), (3100.0, 0.0)], lane),
        ],
        origin,
    )
