"""The county-sized demo: bulk-built places, people and a morning's parcels, read by the
county page's queries; ``demo load --townships`` on the command line."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.flask_db import EXTENSION_KEY
from core.models import Household, Role, RoleGrant, Township, User, Village
from core.timeutil import local_today
from logistics.models import Parcel, Vehicle
from logistics.planning import village_vehicles
from shop.app import create_app
from shop.county.demo import CountySize, _place_name, build_county
from shop.county.figures import Period, county_rows, county_total
from shop.models_registry import metadata
from tests.conftest import TEST_SECRET_KEY


def count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_a_county_is_built_in_bulk_to_its_size(db: Session) -> None:
    made = build_county(db, CountySize(townships=3, villages=5, households=20), seed=7)
    assert (made.townships, made.villages, made.households) == (3, 15, 300)
    assert count(db, Township) == 3 and count(db, Village) == 15 and count(db, Household) == 300
    assert made.cadres == count(db, Vehicle) == 8  # one e-bike for every two villages
    villages = db.scalars(select(Village.id)).all()
    assert all(len(village_vehicles(db, v)) == 1 for v in villages)
    manager = db.scalar(select(User).join(RoleGrant).where(RoleGrant.role == Role.COUNTY_ADMIN))
    assert manager is not None and manager.counties() == {made.county_id}
    assert 0 < made.parcels == count(db, Parcel) < 300
    total = county_total(
        county_rows(db, county_id=made.county_id, period=Period.day(local_today()))
    )
    assert total.parcels_down == made.parcels


def test_place_names_differ_within_a_township_of_any_size() -> None:
    assert len({_place_name(n, "村") for n in range(2_000)}) == 2_000


def test_demo_load_takes_a_size(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'county.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET_KEY, "TESTING": True})
    metadata.create_all(app.extensions[EXTENSION_KEY].engine)
    runner = app.test_cli_runner()
    size = ["--townships", "2", "--villages", "3", "--households", "10"]
    with app.app_context():  # as the flask command gives it
        answer = runner.invoke(args=["demo", "load", *size])
        again = runner.invoke(args=["demo", "load", *size])
    assert answer.exit_code == 0, answer.output
    assert "2 个乡镇，6 个村，60 户" in answer.output and "13900000701" in answer.output
    assert "数据库已有数据" in again.output
