"""A distance provider that asks travel sources in order and falls back to the straight line.

Order: an OSRM server (when configured), then the OpenStreetMap extract (when there is one),
then great-circle distance times a detour factor. The table it used says which source it came
from and why the ones before it were passed over (``TravelTable.source``, ``.notes``).

Seconds: a vehicle never goes faster than its own speed, and a road is never faster than its
profile allows, so each leg takes the longer of the two (the road's time, with the walk to the
door, and the vehicle's time over the road metres). For the straight line there is only the
vehicle's speed.

Tables are kept per list of places. Sent to another process (``solve_many``), the provider
carries the tables it has made but not its sources (a county's network is too big to copy for
every village): compute ``provider.table(problem.places())`` first; asking it there for other
places is an error rather than a silent straight line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from routing.distances import GreatCircle, IntMatrix, travel_seconds
from routing.model import Place
from routing.roads.network import RoadNetwork
from routing.roads.osrm import DEFAULT_TIMEOUT_S, OSRM_PROFILES, OsrmServer
from routing.roads.profiles import Profile
from routing.roads.table import Leg, Source, SourceUnavailable, TravelTable


class TableSource(Protocol):
    def table(self, places: Sequence[Place]) -> TravelTable:
        """Metres and seconds between all places; ``SourceUnavailable`` when it cannot say."""
        ...

    def route(self, places: Sequence[Place]) -> list[Leg]:
        """The way of each leg between consecutive places; ``SourceUnavailable`` likewise."""
        ...


class RoadProvider:
    def __init__(
        self, sources: Sequence[TableSource] = (), straight_line: GreatCircle | None = None
    ) -> None:
        self.sources = tuple(sources)
        self.straight_line = straight_line or GreatCircle()
        self._tables: dict[tuple[Place, ...], TravelTable] = {}
        self._failed: set[int] = set()  # sources that could not give a table: not asked again
        self._detached = False

    def __getstate__(self) -> tuple[GreatCircle, dict[tuple[Place, ...], TravelTable]]:
        return self.straight_line, self._tables

    def __setstate__(self, state: tuple[GreatCircle, dict[tuple[Place, ...], TravelTable]]) -> None:
        self.sources = ()
        self.straight_line, self._tables = state
        self._detached = True

    @property
    def geographic(self) -> bool:
        return True

    def table(self, places: Sequence[Place]) -> TravelTable:
        key = tuple(places)
        if key not in self._tables:
            if self._detached:
                raise ValueError(
                    "road tables are made before a problem goes to another process; "
                    "call provider.table(problem.places()) first"
                )
            self._tables[key] = self._ask(key)
        return self._tables[key]

    def _ask(self, places: tuple[Place, ...]) -> TravelTable:
        passed_over: list[str] = []
        for number, source in enumerate(self.sources):
            try:
                table = source.table(places)
            except SourceUnavailable as reason:
                passed_over.append(str(reason))
                self._failed.add(number)
                continue
            return replace(table, notes=tuple(passed_over))
        distances = self.straight_line.distances(places)
        return TravelTable(Source.STRAIGHT_LINE, distances, None, notes=tuple(passed_over))

    def distances(self, places: Sequence[Place]) -> IntMatrix:
        return self.table(places).distances_m

    def route(self, places: Sequence[Place]) -> list[Leg] | None:
        """The road way of each leg between consecutive places, for maps: from the first source
        that draws it (OSRM's ``/route``, then the extract), leaving out sources that already
        failed to give a table; None when none can (a straight line is drawn as such)."""
        for number, source in enumerate(self.sources):
            if number in self._failed:
                continue
            try:
                return source.route(places)
            except SourceUnavailable:
                continue
        return None

    def durations(self, distances: IntMatrix, speed_m_per_h: int) -> IntMatrix:
        at_speed = travel_seconds(distances, speed_m_per_h)
        table = self._table_of(distances)
        if table.durations_s is None:
            return at_speed
        slower: IntMatrix = np.maximum(table.durations_s, at_speed)
        return slower

    def _table_of(self, distances: IntMatrix) -> TravelTable:
        for table in self._tables.values():
            if table.distances_m is distances:
                return table
        for table in self._tables.values():
            if table.distances_m.shape == distances.shape and np.array_equal(
                table.distances_m, distances
            ):
                return table
        raise ValueError("durations asked for distances this provider did not make")


class Extract:
    """An OpenStreetMap extract read on first use, once per process (``load_network``).

    An extract that cannot be read (missing, damaged, no usable road) is a source that is
    unavailable, so planning falls back instead of failing.
    """

    def __init__(self, path: str | Path, profile: Profile, cache_dir: Path | None = None):
        self.path = Path(path)
        self.profile = profile
        self.cache_dir = cache_dir

    def network(self) -> RoadNetwork:
        try:
            return load_network(self.path, self.profile, self.cache_dir)
        except (OSError, RuntimeError, ValueError) as error:  # osmium raises RuntimeError
            raise SourceUnavailable(f"OSM extract {self.path}: {error}") from error

    def table(self, places: Sequence[Place]) -> TravelTable:
        return self.network().table(places)

    def route(self, places: Sequence[Place]) -> list[Leg]:
        return self.network().route(places)


def load_network(path: Path, profile: Profile, cache_dir: Path | None = None) -> RoadNetwork:
    """The network of an extract, read once per process while the file stays the same."""
    return _load(path.resolve(), path.stat().st_mtime_ns, profile, cache_dir)


@lru_cache(maxsize=4)
def _load(path: Path, _modified_ns: int, profile: Profile, cache_dir: Path | None) -> RoadNetwork:
    return RoadNetwork.from_file(path, profile, cache_dir=cache_dir)


def road_provider(
    profile: Profile,
    *,
    osm: str | Path | None = None,
    osrm_url: str | None = None,
    osrm_timeout_s: float = DEFAULT_TIMEOUT_S,
    cache_dir: Path | None = None,
) -> RoadProvider:
    """The sources that are configured, in order: OSRM, the extract, then the straight line."""
    sources: list[TableSource] = []
    if osrm_url:
        sources.append(OsrmServer(osrm_url, OSRM_PROFILES[profile.name], osrm_timeout_s))
    if osm:
        sources.append(Extract(osm, profile, cache_dir))
    return RoadProvider(sources)
