"""A county's day planned on real Celery worker processes through Redis, on PostgreSQL.

Nothing is faked: the workers are ``celery -A shop.worker worker`` subprocesses sharing the
test's database; one is killed with SIGKILL while it solves a village, and the other plans
that village once Redis hands the unacknowledged task on (visibility timeout).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import make_engine, make_sessionmaker
from core.geo import offset
from core.jobs import bind_flask, make_celery
from core.models import County, Household, Role, Township, Village
from core.passwords import hash_password
from core.services import create_user, grant_role
from core.timeutil import local_today
from logistics.county import county_progress, queue_county
from logistics.depot import put_on_shelf
from logistics.models import (
    Courier,
    Parcel,
    ParcelStatus,
    PlanRun,
    PlanStatus,
    Round,
    RoundStatus,
    Vehicle,
)
from logistics.tasks import plan_in_background
from shop.app import create_app
from shop.models_registry import metadata
from tests.conftest import TEST_SECRET_KEY, ThrowawayDatabases, unavailable

REDIS_URL = os.environ.get("CUNZHAN_TEST_COUNTY_REDIS_URL", "redis://127.0.0.1:6379/7")
#: Longer than a village's solve (1-2 s here), short enough for the test to wait out.
VISIBILITY_S = 8
ROOT = Path(__file__).resolve().parents[2]
TOWNSHIPS, VILLAGES, HOUSEHOLDS = 2, 3, 12

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def build_county(session: Session) -> int:
    """Two townships of three villages, each with a cadre's e-bike and a parcel per home."""
    county = County(name="测试县")
    number = 0
    for t in range(TOWNSHIPS):
        township = Township(
            county=county, name=f"{t + 1}镇", hub_address="镇中心", lat=28.2, lon=112.9
        )
        for v in range(VILLAGES):
            village = Village(
                township=township,
                name=f"{v + 1}村",
                station_address="村委会",
                lat=28.2 + 0.02 * v,
                lon=112.9 + 0.02 * t,
            )
            session.add(village)
            session.flush()
            number += 1
            cadre = create_user(
                session,
                phone=f"1390000{number:04d}",
                name=f"干部{number}",
                password_hash=hash_password("test-pass-2026"),
            )
            grant_role(session, user=cadre, role=Role.CADRE, village=village)
            session.add(
                Vehicle(name="电动车", cadre_id=cadre.id, capacity_g=150_000, capacity_parcels=40)
            )
            parcels = []
            for h in range(HOUSEHOLDS):
                home = offset(village.point, north_m=35.0 * (h % 5), east_m=60.0 * h)
                household = Household(
                    village=village,
                    head_name=f"住户{h}",
                    phone=f"1360{number:03d}{h:04d}",
                    address=f"{h}号",
                    lat=home.lat,
                    lon=home.lon,
                )
                session.add(household)
                session.flush()
                parcels.append(
                    Parcel(
                        courier=Courier.SF,
                        tracking_no=f"SF{number:04d}{h:06d}",
                        recipient_name=household.head_name,
                        recipient_phone=household.phone,
                        weight_g=1_500,
                        household_id=household.id,
                        village_id=village.id,
                        township_id=township.id,
                        status=ParcelStatus.AT_VILLAGE_DEPOT,
                    )
                )
            session.add_all(parcels)
            session.flush()
            put_on_shelf(session, parcels=parcels)
    session.commit()
    return county.id


class Workers:
    """Celery worker processes, each in its own process group (its solver's children too)."""

    def __init__(self, database_url: str) -> None:
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_S),
            "SECRET_KEY": TEST_SECRET_KEY,
        }
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, name: str) -> subprocess.Popen[bytes]:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "shop.worker",
            "worker",
            "--pool",
            "solo",
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ]
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def county_db(databases: ThrowawayDatabases) -> Iterator[tuple[str, Callable[[], Session]]]:
    if not _redis_reachable():
        unavailable("Redis is not reachable at 127.0.0.1:6379")
    url = databases.new_url("postgresql")
    engine = make_engine(url)
    metadata.create_all(engine)
    redis.Redis.from_url(REDIS_URL).flushdb()
    yield url, make_sessionmaker(engine)
    engine.dispose()


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def statuses(sessions: Callable[[], Session], run_ids: list[int]) -> dict[int, PlanStatus]:
    with sessions() as session:
        return dict(
            session.execute(select(PlanRun.id, PlanRun.status).where(PlanRun.id.in_(run_ids))).all()
        )


def live_rounds(session: Session) -> dict[int, int]:
    return dict(
        session.execute(
            select(Round.village_id, func.count())
            .where(Round.status != RoundStatus.CANCELLED)
            .group_by(Round.village_id)
        ).all()
    )


def test_a_lost_workers_villages_are_planned_by_another_once(
    county_db: tuple[str, Callable[[], Session]],
) -> None:
    url, sessions = county_db
    with sessions() as session:
        county_id = build_county(session)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET_KEY, "TESTING": True})
    celery = make_celery(REDIS_URL, VISIBILITY_S)
    bind_flask(app, celery)
    workers = Workers(url)
    first = workers.start("first")
    try:
        day = local_today()
        with sessions() as session:
            run_ids = [run.id for run in queue_county(session, county_id=county_id, day=day)]
            session.commit()
        assert len(run_ids) == TOWNSHIPS * VILLAGES
        with app.app_context():
            plan_in_background(run_ids)

        def one_solving() -> bool:
            return PlanStatus.RUNNING in statuses(sessions, run_ids).values()

        wait_for(one_solving, 90, "the first worker to take a village")
        lost = [r for r, s in statuses(sessions, run_ids).items() if s is PlanStatus.RUNNING]
        workers.kill(first)
        workers.start("second")
        wait_for(
            lambda: (
                set(statuses(sessions, run_ids).values()) <= {PlanStatus.DONE, PlanStatus.FAILED}
            ),
            180,
            "the second worker to plan every village",
        )
        assert set(statuses(sessions, run_ids).values()) == {PlanStatus.DONE}, lost
        with sessions() as session:
            made = live_rounds(session)
            runs = session.scalars(select(PlanRun).where(PlanRun.id.in_(run_ids))).all()
            assert {run.village_id: run.rounds for run in runs} == made
            assert all(count >= 1 for count in made.values())
            progress = county_progress(session, county_id=county_id, day=day)
            assert [(p.villages, p.done) for p in progress] == [(VILLAGES, VILLAGES)] * TOWNSHIPS

            # The same county plan again queues nothing; a task delivered twice plans nothing.
            assert queue_county(session, county_id=county_id, day=day) == []
            session.rollback()
        again = celery.send_task("logistics.plan_village", (lost[0], None))
        assert again.get(timeout=60) == 0
        with sessions() as session:
            assert live_rounds(session) == made
            assert session.scalar(select(func.count()).select_from(Round)) == sum(made.values())
    finally:
        workers.stop_all()
