"""Small OpenStreetMap files written by the tests, on a local grid of metres.

``x`` metres east and ``y`` metres north of an origin, by default (30°N, 110°E), a Chinese
county's latitude.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

from routing.model import Place

ORIGIN = Place(30.0, 110.0)
_M_PER_DEG = 6_371_000.0 * math.pi / 180


def at(x: float, y: float, origin: Place = ORIGIN) -> Place:
    lat = origin.lat + y / _M_PER_DEG
    lon = origin.lon + x / (_M_PER_DEG * math.cos(math.radians(origin.lat)))
    return Place(lat, lon)


Way = tuple[Sequence[tuple[float, float]], Mapping[str, str]]


def write_osm(path: Path, ways: Sequence[Way], origin: Place = ORIGIN) -> Path:
    """One node per distinct point (shared points join ways), one way per entry."""
    ids: dict[tuple[float, float], int] = {}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="tests">']
    for points, _ in ways:
        for point in points:
            if point not in ids:
                ids[point] = len(ids) + 1
                place = at(*point, origin=origin)
                where = f'lat="{place.lat:.9f}" lon="{place.lon:.9f}"'
                lines.append(f'<node id="{ids[point]}" version="1" {where}/>')
    for number, (points, tags) in enumerate(ways, 1):
        lines.append(f'<way id="{number}" version="1">')
        lines += [f'<nd ref="{ids[p]}"/>' for p in points]
        lines += [f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


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
