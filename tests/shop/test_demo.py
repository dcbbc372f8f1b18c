"""The demo township: realistic, deterministic, and its demo logins work."""

from __future__ import annotations

from itertools import combinations

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.demo import DEMO_PASSWORD, demo_phone
from core.geo import great_circle_m
from core.models import Household, Role, User
from logistics.models import Round, RoundStatus, Stop, StopTask
from shop.demo import database_is_empty, load_demo


def test_demo_township_has_what_the_design_promises(db: Session, client: FlaskClient) -> None:
    assert database_is_empty(db)
    demo = load_demo(db, seed=7)
    assert not database_is_empty(db)
    hub = demo.township.point
    assert len(demo.villages) == 12
    assert all(2_000 <= great_circle_m(hub, v.point) <= 8_000 for v in demo.villages)
    assert all(great_circle_m(a.point, b.point) >= 2_000 for a, b in combinations(demo.villages, 2))
    assert db.scalar(select(func.count(Household.id))) == 600
    for household in demo.households[:50]:  # along the lanes, within the village
        assert great_circle_m(household.point, household.village.point) < 2_000
    assert (len(demo.farmers), len(demo.agents), len(demo.cadres)) == (30, 12, 6)
    assert {v for a in demo.agents for v in a.villages_for(Role.AGENT)} == {
        v.id for v in demo.villages
    }
    assert {v for c in demo.cadres for v in c.villages_for(Role.CADRE)} == {
        v.id for v in demo.villages
    }
    phones = set(db.scalars(select(User.phone)))
    for role_block, count in [(0, 20), (1, 30), (2, 12), (3, 6), (4, 1), (5, 1)]:
        assert {demo_phone(role_block, n) for n in range(1, count + 1)} <= phones
    # The cadres' rounds of today carry errands to do at the door and care visits due.
    tasks = db.scalars(
        select(StopTask.reference).join(Stop).join(Round).where(Round.status == RoundStatus.PLANNED)
    ).all()
    assert any(t.startswith("errand:") for t in tasks) and any(t.startswith("care:") for t in tasks)
    db.flush()
    for phone, role in [(demo_phone(0, 1), "villager"), (demo_phone(4, 1), "dispatcher")]:
        response = client.post(
            "/api/v1/auth/login", json={"phone": phone, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 200
        assert role in response.get_json()["user"]["roles"]


def test_demo_township_is_deterministic(db: Session) -> None:
    first = load_demo(db, seed=11)
    layout = [(v.name, v.lat, v.lon) for v in first.villages]
    farmers = [f.name for f in first.farmers]
    db.rollback()
    second = load_demo(db, seed=11)
    assert [(v.name, v.lat, v.lon) for v in second.villages] == layout
    assert [f.name for f in second.farmers] == farmers
