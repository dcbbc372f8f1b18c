"""Writing small OpenStreetMap XML files on a local grid of metres (tests, benchmarks, demos).

Points are ``(x, y)``: metres east and north of an origin. One node per distinct point, so ways
that share a point are joined there; one way per entry, with its tags.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

from routing.distances import EARTH_RADIUS_M
from routing.model import Place

_M_PER_DEG = EARTH_RADIUS_M * math.pi / 180

Way = tuple[Sequence[tuple[float, float]], Mapping[str, str]]


def at(x: float, y: float, origin: Place) -> Place:
    """The place ``x`` metres east and ``y`` metres north of ``origin``."""
    lat = origin.lat + y / _M_PER_DEG
    lon = origin.lon + x / (_M_PER_DEG * math.cos(math.radians(origin.lat)))
    return Place(lat, lon)


def write_osm(path: Path, ways: Sequence[Way], origin: Place) -> Path:
    ids: dict[tuple[float, float], int] = {}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="cunzhan">']
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
