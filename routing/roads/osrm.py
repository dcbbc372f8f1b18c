"""A client for an OSRM server's ``/table`` and ``/route`` APIs
(http://project-osrm.org/docs/v5.24.0/api/): travel tables, and the way of each leg for maps.

Any failure (refused, timed out, HTTP error, an answer that is not a full table) raises
``SourceUnavailable`` so that the provider moves on to the next source. ``timeout_s`` bounds
each blocking step (connecting, each read), not the whole exchange: a server that dribbles its
answer a byte at a time could take longer, which OSRM does not do.
"""

from __future__ import annotations

import itertools
import json
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from routing.model import Place
from routing.roads.network import DEFAULT_MAX_SNAP_M
from routing.roads.table import Leg, Source, SourceUnavailable, TravelTable

#: OSRM's name for the server profile each of our profiles is closest to.
OSRM_PROFILES = {"ebike": "bike", "van": "driving"}
DEFAULT_TIMEOUT_S = 3.0


@dataclass(frozen=True, slots=True)
class OsrmServer:
    url: str
    profile: str = "driving"
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_snap_m: float = DEFAULT_MAX_SNAP_M

    def __post_init__(self) -> None:
        if urllib.parse.urlsplit(self.url).scheme not in ("http", "https"):
            raise ValueError(f"an OSRM server is reached over http or https, not {self.url!r}")

    def table(self, places: Sequence[Place]) -> TravelTable:
        answer = self._ask("table", places, {"annotations": "distance,duration"})
        return self._table(answer, len(places))

    def route(self, places: Sequence[Place]) -> list[Leg]:
        """The road way of each leg between consecutive places, from door to door: the
        geometry of the leg's steps (``steps=true``, GeoJSON), which OSRM gives per leg."""
        if len(places) < 2:
            return []
        query = {"steps": "true", "geometries": "geojson", "overview": "false"}
        answer = self._ask("route", places, query)
        try:
            [route] = answer["routes"][:1]
            legs = [
                [
                    (lat, lon)
                    for step in leg["steps"]
                    for lon, lat in step["geometry"]["coordinates"]
                ]
                for leg in route["legs"]
            ]
        except (KeyError, TypeError, ValueError) as error:
            raise SourceUnavailable(f"OSRM {self.url}: not a route ({error})") from error
        if len(legs) != len(places) - 1:
            raise SourceUnavailable(f"OSRM {self.url}: a route of the wrong number of legs")
        return [
            [(a.lat, a.lon), *way, (b.lat, b.lon)]
            for (a, b), way in zip(itertools.pairwise(places), legs, strict=True)
        ]

    def _ask(self, service: str, places: Sequence[Place], query: dict[str, str]) -> Any:
        """The server's answer, checked to be ``Ok``."""
        coordinates = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in places)
        url = (
            f"{self.url.rstrip('/')}/{service}/v1/{self.profile}/{coordinates}"
            f"?{urllib.parse.urlencode(query)}"
        )
        try:
            # the scheme is checked in __post_init__: only http(s)
            with urllib.request.urlopen(url, timeout=self.timeout_s) as response:  # noqa: S310
                answer = json.load(response)
        except (OSError, ValueError) as error:  # URLError, HTTPError and timeouts are OSErrors
            raise SourceUnavailable(f"OSRM {self.url}: {error}") from error
        if not isinstance(answer, dict) or answer.get("code") != "Ok":
            code = answer.get("code") if isinstance(answer, dict) else answer
            raise SourceUnavailable(f"OSRM {self.url}: answered {code!r}")
        return answer

    def _table(self, answer: Any, count: int) -> TravelTable:
        try:
            metres = np.array(answer["distances"], dtype=float)
            seconds = np.array(answer["durations"], dtype=float)
            snapped = tuple(round(float(s["distance"]), 1) for s in answer["sources"])
        except (KeyError, TypeError, ValueError) as error:
            raise SourceUnavailable(f"OSRM {self.url}: not a table ({error})") from error
        full = (count, count)
        if metres.shape != full or seconds.shape != full or len(snapped) != count:
            raise SourceUnavailable(f"OSRM {self.url}: a table of the wrong size")
        if np.isnan(metres).any() or np.isnan(seconds).any():  # null: no route between two
            raise SourceUnavailable(f"OSRM {self.url}: some places cannot reach each other")
        return TravelTable(
            Source.OSRM,
            np.rint(metres).astype(np.int64),
            np.ceil(seconds).astype(np.int64),
            snapped_m=snapped,
            far_from_road=tuple(i for i, m in enumerate(snapped) if m > self.max_snap_m),
        )
