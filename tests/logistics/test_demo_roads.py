"""The demo township's roads (core.demo_roads, written by logistics.demo): its rounds are
planned on them out of the box, the river village's far bank is reached over its one bridge,
and there a plan on the roads is no worse than one on straight lines, both measured on roads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import routing
from benchmarks.roads import on_roads
from core.demo import HUB, build_township
from core.demo_roads import BRIDGE_ALONG_RIVER_M, HILL_VILLAGE, RIVER_VILLAGE
from core.geo import Point, great_circle_m
from logistics.demo import DEMO_EXTRACT
from logistics.models import PlanRun, Round
from routing.roads import EBIKE, Extract, RoadProvider
from routing.roads.osm_xml import write_osm

PLAN = routing.SolveOptions(seconds=1.0, workers=1)


@pytest.fixture
def roads_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ROADS_DIR", str(tmp_path))
    monkeypatch.setenv("ROAD_TABLES_DIR", str(tmp_path / "tables"))
    monkeypatch.delenv("OSRM_URL", raising=False)
    return tmp_path


@pytest.mark.slow
def test_the_demo_is_planned_on_its_roads(db: Session, roads_dir: Path) -> None:
    from shop.demo import load_demo

    demo = load_demo(db, seed=5)
    assert demo.township.osm_extract == DEMO_EXTRACT
    assert (roads_dir / DEMO_EXTRACT).is_file()
    runs = db.scalars(select(PlanRun)).all()
    # every village planned (the errands' demo plans its villages again with their visits)
    assert {r.village_id for r in runs} == {v.id for v in demo.villages}
    assert {r.distance_source for r in runs} == {"osm"}
    assert all(json.loads(r.far_from_road) == [] for r in runs)  # every house is by a lane
    assert all(r.road_path for r in db.scalars(select(Round)))  # the cadre's sketch follows roads


def _metres(a: routing.Place, b: routing.Place) -> int:
    return great_circle_m(Point(a.lat, a.lon), Point(b.lat, b.lon))


@pytest.fixture
def extract(db: Session, roads_dir: Path) -> tuple[Extract, dict[str, list[routing.Place]]]:
    """The generated file, and each village's station followed by its houses."""
    demo = build_township(db, seed=5)
    path = write_osm(roads_dir / DEMO_EXTRACT, demo.roads, routing.Place(HUB.lat, HUB.lon))
    places = {
        v.name: [routing.Place(v.lat, v.lon)]
        + [routing.Place(h.lat, h.lon) for h in demo.households if h.village is v]
        for v in demo.villages
    }
    return Extract(path, EBIKE), places


def test_the_river_village_reaches_its_far_bank_over_the_bridge(
    extract: tuple[Extract, dict[str, list[routing.Place]]],
) -> None:
    roads, places = extract
    homes = places[RIVER_VILLAGE][1:]
    table = roads.table(homes)
    # some neighbours face each other across the water: close, but a long way round
    across = [
        (i, j)
        for i in range(len(homes))
        for j in range(len(homes))
        if _metres(homes[i], homes[j]) < 120 and table.distances_m[i, j] > 2 * BRIDGE_ALONG_RIVER_M
    ]
    assert across
    assert table.far_from_road == ()


def test_the_hill_road_winds(extract: tuple[Extract, dict[str, list[routing.Place]]]) -> None:
    roads, places = extract
    hill = places[HILL_VILLAGE][0]
    [[_, metres], _] = roads.table([routing.Place(HUB.lat, HUB.lon), hill]).distances_m
    assert metres > great_circle_m(HUB, Point(hill.lat, hill.lon)) + 1_000


def test_on_the_river_village_the_road_plan_is_no_worse_measured_on_roads(
    extract: tuple[Extract, dict[str, list[routing.Place]]],
) -> None:
    roads, places = extract
    station, *homes = places[RIVER_VILLAGE]
    stops = tuple(
        routing.Stop(f"h{i}", home, delivery=(1,), service=60) for i, home in enumerate(homes)
    )
    bikes = tuple(routing.Vehicle(f"bike-{i}", capacity=(25,)) for i in range(2))
    straight = routing.Problem((routing.Depot("station", station),), stops, bikes)
    provider = RoadProvider([roads])
    on_road = routing.Problem(straight.depots, stops, bikes, provider)
    straight_m, misses = on_roads(straight, routing.solve(straight, PLAN), provider)
    road_m, _ = on_roads(on_road, routing.solve(on_road, PLAN), provider)
    assert road_m <= straight_m
    assert max(misses) > 0  # the straight line's ETAs are wrong on these roads
