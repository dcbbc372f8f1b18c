"""A client for an OSRM server's ``/table`` API (http://project-osrm.org/docs/v5.24.0/api/).

Any failure (refused, timed out, HTTP error, an answer that is not a full table) raises
``SourceUnavailable`` so that the provider moves on to the next source. ``timeout_s`` bounds
each blocking step (connecting, each read), not the whole exchange: a server that dribbles its
answer a byte at a time could take longer, which OSRM does not do.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from routing.model import Place
from routing.roads.network import DEFAULT_MAX_SNAP_M
from routing.roads.table import Source, SourceUnavailable, TravelTable

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
        coordinates = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in places)
        query = urllib.parse.urlencode({"annotations": "distance,duration"})
        url = f"{self.url.rstrip('/')}/table/v1/{self.profile}/{coordinates}?{query}"
        try:
            # the scheme is checked in __post_init__: only http(s)
            with urllib.request.urlopen(url, timeout=self.timeout_s) as response:  # noqa: S310
                answer = json.load(response)
        except (OSError, ValueError) as error:  # URLError, HTTPError and timeouts are OSErrors
            raise SourceUnavailable(f"OSRM {self.url}: {error}") from error
        return self._table(answer, len(places))

    def _table(self, answer: Any, count: int) -> TravelTable:
        if not isinstance(answer, dict) or answer.get("code") != "Ok":
            code = answer.get("code") if isinstance(answer, dict) else answer
            raise SourceUnavailable(f"OSRM {self.url}: answered {code!r}")
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
