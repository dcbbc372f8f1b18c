"""A road network read from an OpenStreetMap extract, and travel tables over it.

Reading keeps the ways a profile may use (``routing.roads.profiles``), cut into segments between
consecutive way nodes, then only the largest strongly connected part (a lane cut off by a
one-way street or a missing bridge in the extract would otherwise make places unreachable).

Places are snapped to the nearest point of a usable segment. A KD-tree holds points sampled
every ``SAMPLE_SPACING_M`` along every segment; the nearest sample is at most half a spacing
farther than the nearest segment, so every segment with a sample within (nearest sample + a
spacing, which leaves room for the local plane's distortion) is a candidate and the exact
point-to-segment distance decides among them. The way from that point to the door is walked.
Places more than ``max_snap_m`` from any usable road are listed in
``far_from_road``: they are still reached that way, but the caller is told.

Tables: the search runs over chains between junctions (``routing.roads.chains``), each snapped
place a node splitting its chain, with SciPy's compiled Dijkstra from every place.
``distances_m`` are shortest road metres, ``durations_s`` fastest road seconds (each the best
path for its own measure, so both obey the triangle inequality), plus the walk at both ends.
Tables are cached on disk keyed by (extract checksum, profile, places).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from routing.distances import EARTH_RADIUS_M, IntMatrix
from routing.model import Place
from routing.roads.chains import build_chains
from routing.roads.profiles import WALKING_KMH, Profile
from routing.roads.table import Leg, Source, TravelTable

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

SAMPLE_SPACING_M = 10.0
DEFAULT_MAX_SNAP_M = 300.0
#: Dijkstra rows computed at once: bounds memory to about this many float64 cells.
CELLS_PER_BATCH = 20_000_000
_ONEWAY_YES = {"yes", "true", "1"}
_ONEWAY_REVERSE = {"-1", "reverse"}
_CLOSED = {"no", "private"}
_TINY = 1e-3  # csgraph needs positive weights: a zero-length edge costs a millimetre


@dataclass(frozen=True, eq=False, slots=True)
class Segments:
    """Straight pieces of road between consecutive way nodes (node indices into lat/lon)."""

    lat: FloatArray
    lon: FloatArray
    a: IndexArray
    b: IndexArray
    forward: BoolArray  # a -> b allowed
    backward: BoolArray  # b -> a allowed
    metres: FloatArray
    seconds: FloatArray


@dataclass(frozen=True, slots=True)
class Snap:
    """Where a place meets the road: on ``segment`` at fraction ``t`` from its ``a`` end."""

    segment: int
    t: float
    walk_m: float


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def haversine_m(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    metres: FloatArray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return metres


def _is_closed(tags: osmium.osm.TagList, profile: Profile) -> bool:
    """The most specific access tag present decides (``access=private, bicycle=yes`` is open)."""
    verdict = None
    for key in profile.access_keys:
        verdict = tags.get(key, verdict)
    return verdict in _CLOSED


def _directions(tags: osmium.osm.TagList, profile: Profile) -> tuple[bool, bool]:
    if not profile.honours_oneway:
        return True, True
    oneway = tags.get("oneway", "")
    if oneway in _ONEWAY_REVERSE:
        return False, True
    implied = tags.get("highway") == "motorway" or tags.get("junction") == "roundabout"
    if oneway in _ONEWAY_YES or (implied and oneway != "no"):
        return True, False
    return True, True


def read_segments(path: Path, profile: Profile) -> Segments:
    """Every segment of every way this profile may use (ferries are not highways: never read)."""
    index: dict[int, int] = {}
    lat: list[float] = []
    lon: list[float] = []
    a: list[int] = []
    b: list[int] = []
    directions: list[tuple[bool, bool]] = []
    speeds: list[float] = []
    ways = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for way in ways:
        assert isinstance(way, osmium.osm.Way)  # the entity filter lets only ways through
        tags = way.tags
        speed = profile.speed_of(tags.get("highway") or "")
        if speed is None or _is_closed(tags, profile) or tags.get("area") == "yes":
            continue
        direction = _directions(tags, profile)
        previous = None
        for node in way.nodes:
            if not node.location.valid():  # a node cut off by the extract's border
                previous = None
                continue
            current = index.setdefault(node.ref, len(index))
            if current == len(lat):
                lat.append(node.location.lat)
                lon.append(node.location.lon)
            if previous is not None and previous != current:
                a.append(previous)
                b.append(current)
                directions.append(direction)
                speeds.append(speed)
            previous = current
    return _segments(lat, lon, a, b, directions, speeds)


def _segments(
    lat: list[float],
    lon: list[float],
    a: list[int],
    b: list[int],
    directions: list[tuple[bool, bool]],
    speeds: list[float],
) -> Segments:
    lat_a, lon_a = np.array(lat, dtype=float), np.array(lon, dtype=float)
    ia, ib = np.array(a, dtype=np.int64), np.array(b, dtype=np.int64)
    metres = np.maximum(haversine_m(lat_a[ia], lon_a[ia], lat_a[ib], lon_a[ib]), _TINY)
    flags = np.array(directions, dtype=bool).reshape(-1, 2)
    seconds = metres / (np.array(speeds, dtype=float) / 3.6)
    return Segments(lat_a, lon_a, ia, ib, flags[:, 0], flags[:, 1], metres, seconds)


def _directed(segments: Segments) -> tuple[IndexArray, IndexArray, IndexArray]:
    """Tails, heads and the segment of every directed edge."""
    ids = np.arange(len(segments.a))
    fwd, bwd = ids[segments.forward], ids[segments.backward]
    tails = np.concatenate([segments.a[fwd], segments.b[bwd]])
    heads = np.concatenate([segments.b[fwd], segments.a[bwd]])
    return tails, heads, np.concatenate([fwd, bwd])


def largest_strong_component(segments: Segments) -> Segments:
    """Only the segments inside the largest strongly connected part, nodes renumbered."""
    n = len(segments.lat)
    tails, heads, _ = _directed(segments)
    graph = csr_matrix((np.ones(len(tails)), (tails, heads)), shape=(n, n))
    _, labels = connected_components(graph, directed=True, connection="strong")
    biggest = np.bincount(labels).argmax()
    keep_node = labels == biggest
    keep = keep_node[segments.a] & keep_node[segments.b]
    renumber = np.cumsum(keep_node) - 1
    return Segments(
        segments.lat[keep_node],
        segments.lon[keep_node],
        renumber[segments.a[keep]],
        renumber[segments.b[keep]],
        segments.forward[keep],
        segments.backward[keep],
        segments.metres[keep],
        segments.seconds[keep],
    )


class RoadNetwork:
    """The usable roads of one extract for one profile, ready to snap places and build tables."""

    def __init__(
        self,
        segments: Segments,
        profile: Profile,
        *,
        checksum: str = "",
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
        cache_dir: Path | None = None,
    ) -> None:
        if len(segments.a) == 0:
            raise ValueError(f"no road usable by the {profile.name} profile in this extract")
        self.segments = segments
        self.profile = profile
        self.checksum = checksum
        self.max_snap_m = max_snap_m
        self.cache_dir = cache_dir
        self.chains = build_chains(
            segments.a,
            segments.b,
            segments.forward,
            segments.backward,
            segments.metres,
            segments.seconds,
            len(segments.lat),
        )
        self._origin_lat = math.radians(float(np.mean(segments.lat)))
        xy = self._plane(segments.lat, segments.lon)
        self._xy_a, self._xy_b = xy[segments.a], xy[segments.b]
        samples = np.maximum(np.ceil(segments.metres / SAMPLE_SPACING_M).astype(np.int64), 1) + 1
        self._sample_segment = np.repeat(np.arange(len(segments.a)), samples)
        starts = np.cumsum(samples) - samples
        t = (np.arange(samples.sum()) - np.repeat(starts, samples)) / np.repeat(
            samples - 1, samples
        )
        seg = self._sample_segment
        points = self._xy_a[seg] + (self._xy_b[seg] - self._xy_a[seg]) * t[:, None]
        self._tree = cKDTree(points)

    @classmethod
    def from_file(
        cls,
        path: str | Path,
        profile: Profile,
        *,
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
        cache_dir: Path | None = None,
    ) -> RoadNetwork:
        path = Path(path)
        segments = largest_strong_component(read_segments(path, profile))
        return cls(
            segments,
            profile,
            checksum=file_checksum(path),
            max_snap_m=max_snap_m,
            cache_dir=cache_dir,
        )

    def _plane(self, lat: FloatArray, lon: FloatArray) -> FloatArray:
        """Metres on a local equirectangular plane (good to a fraction of a percent in a county)."""
        x = EARTH_RADIUS_M * np.radians(lon) * math.cos(self._origin_lat)
        y = EARTH_RADIUS_M * np.radians(lat)
        return np.column_stack([x, y])

    def snap(self, places: Sequence[Place]) -> list[Snap]:
        """The nearest point of a usable road for every place (see the module docstring)."""
        xy = self._plane(np.array([p.lat for p in places]), np.array([p.lon for p in places]))
        nearest, _ = self._tree.query(xy)
        snaps = []
        for point, radius in zip(xy, nearest, strict=True):
            # a whole spacing rather than half: room for the plane's distortion in a county
            found = self._tree.query_ball_point(point, radius + SAMPLE_SPACING_M)
            candidates = np.unique(self._sample_segment[found])
            snaps.append(self._closest_on(point, candidates))
        return snaps

    def _closest_on(self, point: FloatArray, candidates: IndexArray) -> Snap:
        start, end = self._xy_a[candidates], self._xy_b[candidates]
        along = end - start
        squared = np.maximum(np.einsum("ij,ij->i", along, along), 1e-12)
        t = np.clip(np.einsum("ij,ij->i", point - start, along) / squared, 0.0, 1.0)
        gap = np.hypot(*(start + along * t[:, None] - point).T)
        best = int(np.argmin(gap))
        return Snap(int(candidates[best]), float(t[best]), float(gap[best]))

    def snapped_point(self, snap: Snap) -> tuple[float, float]:
        s = self.segments
        a, b = s.a[snap.segment], s.b[snap.segment]
        return (
            float(s.lat[a] + (s.lat[b] - s.lat[a]) * snap.t),
            float(s.lon[a] + (s.lon[b] - s.lon[a]) * snap.t),
        )

    def table(self, places: Sequence[Place]) -> TravelTable:
        """Road metres and seconds between all places, from the disk cache when it has them."""
        cached = self._cache_path(places)
        if cached is not None and cached.exists():
            with np.load(cached) as stored:
                return self._table(stored["distances"], stored["durations"], stored["snapped"])
        snaps = self.snap(places)
        graph = _Graph(self, snaps)
        walk_m = np.array([s.walk_m for s in snaps])
        road_m = graph.costs(graph.metres, self._search_limit_m(places))
        slowest = min(self.profile.speeds_kmh.values()) / 3.6
        road_s = graph.costs(graph.seconds, float(road_m.max()) / slowest + 1.0)
        metres = road_m + walk_m[:, None] + walk_m[None, :]
        seconds = road_s + (walk_m[:, None] + walk_m[None, :]) / (WALKING_KMH / 3.6)
        np.fill_diagonal(metres, 0.0)
        np.fill_diagonal(seconds, 0.0)
        distances = np.rint(metres).astype(np.int64)
        durations = np.ceil(seconds - 1e-9).astype(np.int64)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            writing = cached.with_suffix(f".{os.getpid()}.part")  # readers never see half a file
            with writing.open("wb") as handle:
                np.savez(handle, distances=distances, durations=durations, snapped=walk_m)
            os.replace(writing, cached)
        return self._table(distances, durations, walk_m)

    def _search_limit_m(self, places: Sequence[Place]) -> float:
        """How far each search looks: three times the places' bounding box diagonal, at least
        2 km. Every pair the road makes longer is searched again without a limit, so this only
        saves time (a village's search stays in its corner of a county's extract)."""
        xy = self._plane(np.array([p.lat for p in places]), np.array([p.lon for p in places]))
        diagonal = float(np.hypot(*(xy.max(axis=0) - xy.min(axis=0))))
        return max(2_000.0, 3.0 * diagonal)

    def _table(self, distances: IntMatrix, durations: IntMatrix, walk_m: FloatArray) -> TravelTable:
        return TravelTable(
            Source.OSM,
            distances,
            durations,
            snapped_m=tuple(round(float(w), 1) for w in walk_m),
            far_from_road=tuple(int(i) for i in np.flatnonzero(walk_m > self.max_snap_m)),
        )

    def _cache_path(self, places: Sequence[Place]) -> Path | None:
        if self.cache_dir is None or not self.checksum:
            return None
        key = hashlib.sha256(
            "|".join(
                [self.checksum, self.profile.fingerprint(), f"{SAMPLE_SPACING_M}"]
                + [f"{p.lat:.7f},{p.lon:.7f}" for p in places]
            ).encode()
        ).hexdigest()
        return self.cache_dir / f"{key}.npz"

    def leg(self, origin: Place, destination: Place) -> list[tuple[float, float]]:
        """The shortest road way from one place to another, door to door, as (lat, lon) points."""
        return self.route([origin, destination])[0]

    def route(self, places: Sequence[Place]) -> list[Leg]:
        """The road way of each leg between consecutive places (one graph, one Dijkstra call)."""
        if len(places) < 2:
            return []
        graph = _Graph(self, self.snap(places))
        return [
            [(places[i].lat, places[i].lon), *way, (places[i + 1].lat, places[i + 1].lon)]
            for i, way in enumerate(graph.ways(len(places)))
        ]


class _Graph:
    """The network's chains as a directed graph, each snapped place an extra node on its chain."""

    def __init__(self, network: RoadNetwork, snaps: Sequence[Snap]) -> None:
        self.network = network
        self.snaps = snaps
        chains, s = network.chains, network.segments
        base = len(chains.junction)
        self.place_nodes = np.arange(base, base + len(snaps), dtype=np.int64)
        self.size = base + len(snaps)
        by_chain: dict[int, list[tuple[float, float, int]]] = {}
        for i, snap in enumerate(snaps):
            metres, seconds = float(s.metres[snap.segment]), float(s.seconds[snap.segment])
            at_m, at_s = chains.offsets(snap.segment, snap.t, metres, seconds)
            by_chain.setdefault(int(chains.chain[snap.segment]), []).append((at_m, at_s, i))
        kept = np.ones(len(chains.a), dtype=bool)
        kept[list(by_chain)] = False
        whole = np.flatnonzero(kept)
        zero = np.zeros(len(whole))
        pieces = [
            (
                chains.a[whole],
                chains.b[whole],
                whole,
                zero,
                chains.metres[whole],
                zero,
                chains.seconds[whole],
            )
        ] + [self._pieces(chain, sorted(on_it)) for chain, on_it in by_chain.items()]
        ends_a, ends_b, chain_of, from_m, to_m, from_s, to_s = (
            np.concatenate([p[k] for p in pieces]) for k in range(7)
        )
        fwd, bwd = chains.forward[chain_of], chains.backward[chain_of]
        self.tails = np.concatenate([ends_a[fwd], ends_b[bwd]])
        self.heads = np.concatenate([ends_b[fwd], ends_a[bwd]])
        self.edge_chain = np.concatenate([chain_of[fwd], chain_of[bwd]])
        self.edge_from_m = np.concatenate([from_m[fwd], to_m[bwd]])
        self.edge_to_m = np.concatenate([to_m[fwd], from_m[bwd]])
        edge_s = np.concatenate([(to_s - from_s)[fwd], (to_s - from_s)[bwd]])
        self.edge_m = np.maximum(np.abs(self.edge_to_m - self.edge_from_m), _TINY)
        self.metres = self._matrix(self.edge_m)
        self.seconds = self._matrix(np.maximum(edge_s, _TINY))

    def _pieces(
        self, chain: int, on_it: list[tuple[float, float, int]]
    ) -> tuple[IndexArray, IndexArray, IndexArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """The chain cut at the places on it (``(metres, seconds, place)`` sorted along it)."""
        c = self.network.chains
        ends = np.array(
            [c.a[chain], *(self.place_nodes[i] for _, _, i in on_it), c.b[chain]], dtype=np.int64
        )
        cuts_m = np.array([0.0, *(m for m, _, _ in on_it), c.metres[chain]])
        cuts_s = np.array([0.0, *(t for _, t, _ in on_it), c.seconds[chain]])
        return (
            ends[:-1],
            ends[1:],
            np.full(len(ends) - 1, chain),
            cuts_m[:-1],
            cuts_m[1:],
            cuts_s[:-1],
            cuts_s[1:],
        )

    def _cheapest(self, weights: FloatArray) -> IndexArray:
        """The cheapest of each set of parallel edges (a sparse matrix would add them up)."""
        order = np.lexsort((weights, self.heads, self.tails))
        tails, heads = self.tails[order], self.heads[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = (tails[1:] != tails[:-1]) | (heads[1:] != heads[:-1])
        kept: IndexArray = order[first]
        return kept

    def _matrix(self, weights: FloatArray) -> csr_matrix:
        kept = self._cheapest(weights)
        return csr_matrix(
            (weights[kept], (self.tails[kept], self.heads[kept])), shape=(self.size, self.size)
        )

    def costs(self, graph: csr_matrix, limit: float = np.inf) -> FloatArray:
        """Shortest-path cost between every pair of places, a batch of sources at a time.

        Searches stop at ``limit``; the rows of places that then miss someone are searched
        again without it, so the answer is exact whatever the limit.
        """
        result = self._rows(graph, self.place_nodes, limit)
        short = ~np.isfinite(result).all(axis=1)
        if short.any() and np.isfinite(limit):
            result[short] = self._rows(graph, self.place_nodes[short], np.inf)
        return result

    def _rows(self, graph: csr_matrix, sources: IndexArray, limit: float) -> FloatArray:
        batch = max(1, CELLS_PER_BATCH // self.size)
        rows = [
            dijkstra(graph, directed=True, indices=sources[i : i + batch], limit=limit)[
                :, self.place_nodes
            ]
            for i in range(0, len(sources), batch)
        ]
        result: FloatArray = np.vstack(rows)
        return result

    def ways(self, count: int) -> list[list[tuple[float, float]]]:
        """(lat, lon) points of the shortest road way (by metres) from each place to the next,
        from its point on the road to the next one's."""
        sources = self.place_nodes[: count - 1]
        _, predecessors = dijkstra(
            self.metres, directed=True, indices=sources, return_predecessors=True
        )
        edge_of = {(int(t), int(h)): int(e) for e, t, h in zip(*self._kept_edges(), strict=True)}
        ways = []
        for row, (source, target) in enumerate(
            zip(sources, self.place_nodes[1:count], strict=True)
        ):
            nodes = [int(target)]
            while nodes[-1] != source:
                nodes.append(int(predecessors[row, nodes[-1]]))
            nodes.reverse()
            points = [self._point(nodes[0])]
            for tail, head in itertools.pairwise(nodes):
                edge = edge_of[tail, head]
                chain = int(self.edge_chain[edge])
                shape = self.network.chains.shape(
                    chain, float(self.edge_from_m[edge]), float(self.edge_to_m[edge])
                )
                points += [self._raw_point(n) for n in shape]
                points.append(self._point(head))
            ways.append(points)
        return ways

    def _kept_edges(self) -> tuple[IndexArray, IndexArray, IndexArray]:
        kept = self._cheapest(self.edge_m)
        return kept, self.tails[kept], self.heads[kept]

    def _raw_point(self, node: int) -> tuple[float, float]:
        s = self.network.segments
        return float(s.lat[node]), float(s.lon[node])

    def _point(self, node: int) -> tuple[float, float]:
        """Where a graph node is: a junction's OSM node, or a place's point on the road."""
        junctions = len(self.network.chains.junction)
        if node < junctions:
            return self._raw_point(int(self.network.chains.junction[node]))
        return self.network.snapped_point(self.snaps[node - junctions])
