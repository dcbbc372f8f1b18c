"""The demo township's roads, drawn in metres east and north of the hub.

Each village's lanes leave its centre (where the station stands) in straight lines; the houses
stand beside them. Roads join the villages in a tree rooted at the hub. Two villages show what
roads change: in 柳溪村 a river runs across one lane, and its far bank is reached only over one
bridge 500 m along the river; 茶山村 is reached by a hill road with hairpins.

Pure geometry: ``logistics.demo`` writes these ways as an OpenStreetMap file (``routing`` sits
above ``core``, so the writing is done there). A way is ``(points, OSM tags)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Metres = tuple[float, float]  # east, north of the hub
Way = tuple[Sequence[Metres], Mapping[str, str]]

RIVER_VILLAGE = "柳溪村"
HILL_VILLAGE = "茶山村"
RIVER_FROM_CENTRE_M = 150.0
RIVER_HALF_WIDTH_M = 15.0
BRIDGE_ALONG_RIVER_M = 500.0
HOUSE_CLEAR_OF_RIVER_M = 30.0  # no house stands on the water's edge, so none sits mid-river
LANE_PAST_LAST_HOUSE_M = 40.0
HAIRPINS = 8
HAIRPIN_WIDTH_M = 150.0
HILL_CLIMB_M = 900.0  # how far before the village the hill road starts to wind

LANE = {"highway": "residential"}


def along(origin: Metres, bearing: float, forward: float, right: float = 0.0) -> Metres:
    """``forward`` metres from ``origin`` towards ``bearing`` (radians from north), then
    ``right`` metres to its right."""
    east = forward * math.sin(bearing) + right * math.cos(bearing)
    north = forward * math.cos(bearing) - right * math.sin(bearing)
    return (origin[0] + east, origin[1] + north)


def bearing_between(start: Metres, end: Metres) -> float:
    return math.atan2(end[0] - start[0], end[1] - start[1])


@dataclass(frozen=True, slots=True)
class River:
    """A straight river ``RIVER_FROM_CENTRE_M`` from a village centre, across ``bearing``
    (the direction from the centre that reaches it, straight along the first lane; the road to
    the village comes from the other side)."""

    centre: Metres
    bearing: float

    def too_close(self, forward: float) -> bool:
        """Whether a house ``forward`` metres along the first lane would stand by the water."""
        return abs(forward - RIVER_FROM_CENTRE_M) < HOUSE_CLEAR_OF_RIVER_M

    def away(self, drawn_bearing: float) -> float:
        """A lane bearing in the half turned away from the river (the other lanes stay on the
        near bank): the drawn bearing folded into that half."""
        return self.bearing + math.pi / 2 + drawn_bearing % math.pi

    def ways(self, lane_end: float) -> list[Way]:
        """The first lane cut by the water, the banks' roads, the one bridge and the river."""

        def point(forward: float, right: float = 0.0) -> Metres:
            return along(self.centre, self.bearing, forward, right)

        near, far = (
            RIVER_FROM_CENTRE_M - RIVER_HALF_WIDTH_M,
            RIVER_FROM_CENTRE_M + RIVER_HALF_WIDTH_M,
        )
        bridge = BRIDGE_ALONG_RIVER_M
        return [
            ([self.centre, point(near)], LANE),
            ([point(far), point(lane_end)], LANE),
            ([point(near), point(near, bridge)], LANE),
            ([point(far), point(far, bridge)], LANE),
            (
                [point(near, bridge), point(far, bridge)],
                {"highway": "unclassified", "bridge": "yes"},
            ),
            (
                [
                    point(RIVER_FROM_CENTRE_M, -1.5 * bridge),
                    point(RIVER_FROM_CENTRE_M, 1.5 * bridge),
                ],
                {"waterway": "river", "name": "柳溪"},
            ),
        ]


def hill_road(start: Metres, village: Metres) -> list[Metres]:
    """Straight from ``start``, then winding up to ``village`` in hairpin bends."""
    heading = bearing_between(start, village)
    length = math.dist(start, village)
    climb = min(HILL_CLIMB_M, length / 2)
    foot = along(start, heading, length - climb)
    step = climb / HAIRPINS
    bends = [
        along(foot, heading, step * (turn + 0.5), HAIRPIN_WIDTH_M * (1 if turn % 2 else -1))
        for turn in range(HAIRPINS)
    ]
    return [start, foot, *bends, village]


def road_starts(hub: Metres, centres: Sequence[Metres], river: int) -> list[Metres]:
    """Where each village's road comes from: the nearest of the hub and the villages nearer to
    the hub (a tree), never the river village (its far side is across the water)."""
    order = sorted(range(len(centres)), key=lambda i: math.dist(hub, centres[i]))
    starts: list[Metres] = [hub] * len(centres)
    for rank, village in enumerate(order):
        joined = [hub, *(centres[i] for i in order[:rank] if i != river)]
        starts[village] = min(joined, key=lambda p: math.dist(p, centres[village]))
    return starts


def township_roads(hub: Metres, centres: Sequence[Metres], river: int, hill: int) -> list[Way]:
    """The roads between the villages (``road_starts``); the road to ``hill`` winds up."""
    ways: list[Way] = []
    for village, start in enumerate(road_starts(hub, centres, river)):
        tags = {"highway": "tertiary" if start == hub else "unclassified"}
        if village == hill:
            ways.append((hill_road(start, centres[village]), {**tags, "name": "茶山盘山公路"}))
        else:
            ways.append(([start, centres[village]], tags))
    return ways
