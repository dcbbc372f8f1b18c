"""Planning on the township's roads: its OpenStreetMap extract (a river with one bridge,
written by the test), the straight line without one, and what the dispatcher is shown."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient

import routing
from core.models import Household, User
from logistics import planning
from logistics.models import PlanRun, PlanStatus, Round, RoundStatus
from routing.model import Place
from tests.logistics.conftest import World
from tests.routing.osm_files import at, river_village, write_osm

FAST = routing.SolveOptions(seconds=0.5, workers=1)


@pytest.fixture
def roads(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Place:
    """The river village's lanes around the station, which stands on the south bank at (0, -40);
    returns the origin of the map's metres."""
    origin = at(0, 40, origin=Place(world.village.lat, world.village.lon))
    river_village(tmp_path / "river.osm", origin)
    monkeypatch.setenv("ROADS_DIR", str(tmp_path))
    monkeypatch.setenv("ROAD_TABLES_DIR", str(tmp_path / "tables"))
    monkeypatch.delenv("OSRM_URL", raising=False)
    world.village.township.osm_extract = "river.osm"
    world.db.flush()
    return origin


def home_at(world: World, number: int, place: Place) -> Household:
    home = world.household(number)
    home.lat, home.lon = place.lat, place.lon
    world.db.flush()
    world.parcel(home)
    return home


def plan(world: World) -> tuple[PlanRun, list[Round]]:
    [run] = planning.start_runs(world.db, village_ids=[world.village.id], day=world.today)
    made = planning.plan_run(world.db, run=run, options=FAST)
    assert run.status is PlanStatus.DONE, run.message
    return run, made


def test_a_township_with_an_extract_plans_on_its_roads(world: World, roads: Place) -> None:
    home_at(world, 1, at(100, 40, roads))  # across the river from the station's lane
    far = home_at(world, 2, at(500, 1000, roads))
    run, [round_] = plan(world)
    assert run.distance_source == "osm"
    # over the bridge at x = 1000 and back, not 80 m across the water (and 1 km walked each way)
    assert round_.distance_m > 2 * 1000 + 2 * 970
    assert planning.far_from_road(run) == [planning.FarFromRoad(far.id, far.head_name, 970)]
    way = json.loads(round_.road_path)  # for the cadre's sketch: along the lanes, over the bridge
    assert way[0] == way[-1] == pytest.approx([world.village.lat, world.village.lon], abs=1e-6)
    assert max(lon for _, lon in way) == pytest.approx(at(1000, 0, roads).lon, abs=1e-6)


def test_without_an_extract_the_plan_says_it_used_the_straight_line(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ROADS_DIR", raising=False)
    monkeypatch.delenv("OSRM_URL", raising=False)
    home_at(world, 1, at(100, 0, Place(world.village.lat, world.village.lon)))
    run, [round_] = plan(world)
    assert run.distance_source == "straight_line"
    assert json.loads(run.far_from_road) == []
    assert round_.road_path == ""


def test_an_extract_named_but_missing_falls_back_to_the_straight_line(
    world: World, roads: Place
) -> None:
    world.village.township.osm_extract = "missing.osm.pbf"
    home_at(world, 1, at(100, 40, roads))
    run, _ = plan(world)
    assert run.distance_source == "straight_line"


def test_the_dispatcher_sees_the_source_and_the_households_far_from_a_road(
    world: World, roads: Place, client: FlaskClient, login: Callable[[User], str]
) -> None:
    home_at(world, 1, at(100, 40, roads))
    far = home_at(world, 2, at(500, 1000, roads))
    token = login(world.dispatcher)
    assert client.post("/dispatch/plan", data={"csrf_token": token}).status_code == 302
    html = client.get("/dispatch/progress").get_json()["html"]
    assert "按道路地图的距离规划" in html
    assert f"{world.village.name} · 离道路较远的住户（1）" in html
    assert f"{far.head_name}：离最近的道路约 970 米，这段要步行" in html


def test_the_cadres_sketch_follows_the_roads(
    world: World, roads: Place, client: FlaskClient, login: Callable[[User], str]
) -> None:
    home_at(world, 1, at(100, 40, roads))
    plan(world)
    login(world.cadre)
    html = client.get("/cadre/today").get_data(as_text=True)
    points = re.search(r'<polyline class="route" points="([^"]+)"', html)
    assert points is not None
    # station, the south lane's nodes out to the bridge and the north lane's back, the house
    assert len(points.group(1).split()) > 10


def test_parcels_added_after_a_plan_join_the_round_not_yet_started(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11 (一键规划, 桃源村): on lanes that meet only at the station a trip per lane is
    as short as one trip through them all, so nothing in the distances keeps the solver from
    trips of one parcel each; the parcels that came after the first plan go on one trip with
    the round not yet started (``planning._max_trips``)."""
    station = Place(world.village.lat, world.village.lon)
    lane = {"highway": "residential"}
    ends = [(600.0, 0.0), (-600.0, 0.0), (0.0, 600.0), (0.0, -600.0)]
    write_osm(
        tmp_path / "star.osm",
        [([(0.0, 0.0), (x / 2, y / 2), (x, y)], lane) for x, y in ends],
        station,
    )
    monkeypatch.setenv("ROADS_DIR", str(tmp_path))
    monkeypatch.setenv("ROAD_TABLES_DIR", str(tmp_path / "tables"))
    monkeypatch.delenv("OSRM_URL", raising=False)
    world.village.township.osm_extract = "star.osm"
    world.db.flush()
    home_at(world, 1, at(*ends[0], station))
    _, [first] = plan(world)
    for number, end in enumerate(ends[1:], start=2):
        home_at(world, number, at(*end, station))
    _, made = plan(world)
    assert first.status is RoundStatus.CANCELLED
    assert len(made) == 1 and len(made[0].stops) == 4
