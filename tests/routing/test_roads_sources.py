"""Where travel tables come from: an OSRM server, the OpenStreetMap extract, the straight line.

OSRM cannot run here, so the servers are fakes at that edge: a tiny HTTP server in a thread that
answers /table/v1 like OSRM does, one that fails, and a socket that accepts and never answers.
Everything behind the edge (the client, the fallback, the extract, the planner) is real.
"""

from __future__ import annotations

import itertools
import json
import pickle
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from routing import Depot, Matrix, Problem, SolveOptions, Stop, Vehicle, sectors, solve
from routing.compiled import Matrices, compile_problem
from routing.roads import EBIKE, OsrmServer, RoadProvider, Source, road_provider
from routing.synthetic import village
from tests.routing.osm_files import at, river_village

PLACES = [at(100, -40), at(100, 40), at(700, 40)]
BEND = 0.01


class FakeOsrm(BaseHTTPRequestHandler):
    """Answers /table/v1/<profile>/<lon,lat;...>: 1,000 m and 100 s per step of index; and
    /route/v1/...: each leg in two steps, by way of a bend ``BEND`` degrees east of its start."""

    answer_with: ClassVar[str] = "table"
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        url = urlsplit(self.path)
        waypoints = [
            [float(x) for x in pair.split(",")] for pair in url.path.rsplit("/", 1)[1].split(";")
        ]
        route = url.path.startswith("/route/")
        if self.answer_with == "error" or (route and self.answer_with == "no_route"):
            self.send_response(500)
            self.end_headers()
            return
        body = self._route(waypoints) if route else self._table(len(waypoints))
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _table(self, count: int) -> dict[str, object]:
        steps = np.abs(np.arange(count)[:, None] - np.arange(count)[None, :])
        distances = (steps * 1000.4).tolist()
        if self.answer_with == "unreachable":
            distances[0][1] = None
        return {
            "code": "Ok",
            "distances": distances,
            "durations": (steps * 99.2).tolist(),
            "sources": [{"distance": 12.0 * (i + 1), "location": [0, 0]} for i in range(count)],
        }

    def _route(self, waypoints: list[list[float]]) -> dict[str, object]:
        def leg(start: list[float], end: list[float]) -> dict[str, object]:
            bend = [start[0] + BEND, start[1]]
            return {
                "steps": [
                    {"geometry": {"type": "LineString", "coordinates": [start, bend]}},
                    {"geometry": {"type": "LineString", "coordinates": [bend, end]}},
                ]
            }

        legs = [leg(a, b) for a, b in itertools.pairwise(waypoints)]
        return {"code": "Ok", "routes": [{"legs": legs}]}

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def osrm() -> Iterator[tuple[str, type[FakeOsrm]]]:
    handler = type("Handler", (FakeOsrm,), {"answer_with": "table", "requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections (the kernel does, into the backlog) and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


@pytest.fixture
def river(tmp_path: Path) -> Path:
    return river_village(tmp_path / "river.osm")


def test_an_osrm_server_gives_the_table(osrm: tuple[str, type[FakeOsrm]]) -> None:
    url, handler = osrm
    table = OsrmServer(url, "bike").table(PLACES)
    assert table.source is Source.OSRM
    assert table.distances_m[0].tolist() == [0, 1000, 2001]
    assert table.durations_s is not None and table.durations_s[0].tolist() == [0, 100, 199]
    assert table.snapped_m == (12.0, 24.0, 36.0)
    (request,) = handler.requests
    path = urlsplit(request)
    first = path.path.split("/")[4].split(";")[0]
    assert first == f"{PLACES[0].lon:.6f},{PLACES[0].lat:.6f}"  # OSRM wants lon,lat
    assert path.path.startswith("/table/v1/bike/")
    assert parse_qs(path.query) == {"annotations": ["distance,duration"]}


def test_an_osrm_server_draws_each_leg(osrm: tuple[str, type[FakeOsrm]], river: Path) -> None:
    url, handler = osrm
    provider = road_provider(EBIKE, osm=river, osrm_url=url)
    assert provider.table(PLACES).source is Source.OSRM
    legs = provider.route(PLACES)
    assert legs is not None and len(legs) == 2
    for leg, (start, end) in zip(legs, itertools.pairwise(PLACES), strict=True):
        bend = pytest.approx((start.lat, start.lon + BEND), abs=1e-6)
        assert leg[0] == (start.lat, start.lon) and leg[-1] == (end.lat, end.lon)
        assert bend in leg  # OSRM's way, not the extract's
    path = urlsplit(handler.requests[-1])
    assert path.path.startswith("/route/v1/bike/")
    assert parse_qs(path.query) == {
        "steps": ["true"],
        "geometries": ["geojson"],
        "overview": ["false"],
    }


def test_without_osrm_routes_the_legs_come_from_the_extract(
    osrm: tuple[str, type[FakeOsrm]], river: Path
) -> None:
    url, handler = osrm
    handler.answer_with = "no_route"
    provider = road_provider(EBIKE, osm=river, osrm_url=url)
    assert provider.table(PLACES).source is Source.OSRM
    legs = provider.route(PLACES)
    assert legs is not None
    # from across the river to the bridge at x = 1000 and back: along the extract's lanes
    assert max(lon for _, lon in legs[0]) == pytest.approx(at(1000, 0).lon, abs=1e-6)


def test_a_server_that_failed_the_table_is_not_asked_for_the_legs(
    osrm: tuple[str, type[FakeOsrm]], river: Path
) -> None:
    url, handler = osrm
    handler.answer_with = "error"
    provider = road_provider(EBIKE, osm=river, osrm_url=url)
    assert provider.table(PLACES).source is Source.OSM
    assert provider.route(PLACES) is not None
    assert len(handler.requests) == 1


@pytest.mark.parametrize("failure", ["error", "unreachable"])
def test_a_failing_osrm_server_hands_over_to_the_extract(
    osrm: tuple[str, type[FakeOsrm]], river: Path, failure: str
) -> None:
    url, handler = osrm
    handler.answer_with = failure
    provider = road_provider(EBIKE, osm=river, osrm_url=url)
    table = provider.table(PLACES)
    assert table.source is Source.OSM
    assert table.distances_m[0, 1] == pytest.approx(1880, abs=2)
    assert len(table.notes) == 1 and "OSRM" in table.notes[0]


def test_a_silent_osrm_server_times_out_and_the_plan_still_comes_in_time(
    silent_server: str, river: Path
) -> None:
    provider = road_provider(EBIKE, osm=river, osrm_url=silent_server, osrm_timeout_s=0.5)
    problem = Problem(
        (Depot("station", at(0, -40)),),
        tuple(Stop(f"s{i}", place, delivery=(1,)) for i, place in enumerate(PLACES)),
        (Vehicle("bike", capacity=(10,)),),
        provider,
    )
    began = time.monotonic()
    plan = solve(problem, SolveOptions(seconds=2, workers=1))
    assert time.monotonic() - began < 2.5
    assert plan.is_feasible()
    table = provider.table(problem.places())
    assert table.source is Source.OSM
    assert "timed out" in table.notes[0]


def test_no_extract_means_the_straight_line_and_says_so(tmp_path: Path) -> None:
    table = road_provider(EBIKE, osm=tmp_path / "missing.osm.pbf").table(PLACES)
    assert table.source is Source.STRAIGHT_LINE
    assert table.durations_s is None
    assert "missing.osm.pbf" in table.notes[0]
    assert road_provider(EBIKE).table(PLACES).source is Source.STRAIGHT_LINE


def test_a_vehicle_is_never_faster_than_its_own_speed_nor_than_the_road(river: Path) -> None:
    provider = road_provider(EBIKE, osm=river)
    distances = provider.distances(PLACES)
    table = provider.table(PLACES)
    assert table.durations_s is not None
    slow = provider.durations(distances, 5_000)  # slower than the lanes allow
    fast = provider.durations(distances, 60_000)  # faster than an e-bike on a lane
    assert np.all(slow >= distances * 3600 // 5_000)
    assert np.array_equal(fast, table.durations_s)
    with pytest.raises(ValueError, match="did not make"):
        provider.durations(distances + 1, 15_000)


def test_a_provider_sent_to_another_process_answers_only_what_it_has_made(river: Path) -> None:
    provider = road_provider(EBIKE, osm=river)
    provider.table(PLACES)
    copy = pickle.loads(pickle.dumps(provider))  # noqa: S301 (our own bytes)
    assert isinstance(copy, RoadProvider) and copy.sources == ()
    assert np.array_equal(copy.distances(PLACES), provider.distances(PLACES))
    with pytest.raises(ValueError, match="before a problem goes"):
        copy.distances(PLACES[:2])


def test_osrm_urls_are_http_only() -> None:
    with pytest.raises(ValueError, match="http"):
        OsrmServer("file:///etc/passwd")


def test_big_problems_on_roads_are_still_cut_into_sectors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sectors, "DECOMPOSE_ABOVE", 100)
    problem = village(seed=11, stops=240, radius_m=5_000.0)
    on_roads = replace(problem, distances=road_provider(EBIKE))  # places are real coordinates
    assert sectors.applies(compile_problem(on_roads, Matrices.of(on_roads), range(240)))
    table = Matrices.of(problem).distance
    labels = replace(problem, distances=Matrix(table))  # places are only labels
    assert not sectors.applies(compile_problem(labels, Matrices.of(labels), range(240)))
