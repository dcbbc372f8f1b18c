"""The clock: the member is reminded at 80 % of the limit, the township told past it, each
once; two workers running the check at the same moment (real commits, threads, both
databases) still escalate a request exactly once."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.models import County, Household, Role, RoleGrant, Township, User, Village
from core.notices.models import Notice, NoticeKind
from errands.deadlines import DeadlineCheck, check_deadlines
from errands.grids import create_grid, put_households
from errands.models import Category, ErrandRequest, RequestStep, StepKind
from errands.services import accept, file_for_self, mark_done
from tests.errands.conftest import Errands

FILED = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 in Shanghai


def _notices(db: Session, kind: NoticeKind) -> list[Notice]:
    return list(db.scalars(select(Notice).where(Notice.kind == kind)))


def test_reminded_at_80_percent_then_escalated_once(errands: Errands) -> None:
    w = errands
    request = file_for_self(
        w.db, villager=w.villager, category=Category.CERTIFICATE, details="证明", now=FILED
    )
    assert check_deadlines(w.db, now=request.remind_at - dt.timedelta(minutes=1)) == DeadlineCheck(
        0, 0
    )
    assert check_deadlines(w.db, now=request.remind_at) == DeadlineCheck(1, 0)
    assert check_deadlines(w.db, now=request.remind_at) == DeadlineCheck(0, 0)
    [reminder] = _notices(w.db, NoticeKind.ERRAND_DUE_SOON)
    assert reminder.user_id == w.member_a.id
    late = request.due_at + dt.timedelta(seconds=1)
    assert check_deadlines(w.db, now=late) == DeadlineCheck(0, 1)
    assert check_deadlines(w.db, now=late + dt.timedelta(days=3)) == DeadlineCheck(0, 0)
    [escalation] = _notices(w.db, NoticeKind.ERRAND_OVERDUE)
    assert escalation.user_id == w.dispatcher.id
    w.db.refresh(request)
    assert request.escalated_at == late
    assert [s.kind for s in request.steps][-2:] == [StepKind.REMINDED, StepKind.ESCALATED]


def test_a_request_done_in_time_is_never_escalated(errands: Errands) -> None:
    w = errands
    request = file_for_self(
        w.db, villager=w.villager, category=Category.CERTIFICATE, details="证明", now=FILED
    )
    accept(w.db, member=w.member_a, request_id=request.id, now=FILED)
    mark_done(w.db, member=w.member_a, request_id=request.id, now=FILED)
    assert check_deadlines(w.db, now=request.due_at + dt.timedelta(days=1)) == DeadlineCheck(0, 0)


def _overdue_request(sessions: sessionmaker[Session]) -> int:
    with transaction(sessions) as session:
        village = Village(
            township=Township(
                county=County(name="督办县"), name="督办镇", hub_address="-", lat=28, lon=112
            ),
            name="督办村",
            station_address="-",
            lat=28,
            lon=112,
        )
        household = Household(
            village=village, head_name="赵", phone="13500000021", address="-", lat=28, lon=112
        )
        member = User(phone="13500000022", name="网格员", password_hash="-")
        villager = User(phone="13500000021", name="赵", password_hash="-", household=household)
        session.add_all([member, villager])
        session.flush()
        session.add(
            User(
                phone="13500000023",
                name="调度",
                password_hash="-",
                grants=[RoleGrant(role=Role.DISPATCHER, township_id=village.township_id)],
            )
        )
        grid = create_grid(session, village_id=village.id, name="一组", member_id=member.id)
        put_households(session, grid=grid, household_ids=[household.id])
        request = file_for_self(
            session, villager=villager, category=Category.OTHER, details="问事", now=FILED
        )
        return request.id


def test_two_workers_escalate_exactly_once(committed_sessions: sessionmaker[Session]) -> None:
    request_id = _overdue_request(committed_sessions)
    late = FILED + dt.timedelta(days=30)
    barrier = threading.Barrier(2)

    def worker() -> DeadlineCheck:
        barrier.wait()
        with transaction(committed_sessions) as session:
            return check_deadlines(session, now=late)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: worker(), range(2)))
    assert sorted(r.escalated for r in results) == [0, 1]
    with transaction(committed_sessions) as session:
        steps = session.scalar(
            select(func.count(RequestStep.id)).where(
                RequestStep.request_id == request_id, RequestStep.kind == StepKind.ESCALATED
            )
        )
        assert steps == 1
        assert len(_notices(session, NoticeKind.ERRAND_OVERDUE)) == 1
        assert session.get_one(ErrandRequest, request_id).escalated_at == late


def test_a_request_of_no_grid_reminds_the_station(errands: Errands) -> None:
    w = errands
    w.db.delete(w.grid_a)
    w.db.flush()
    request = file_for_self(
        w.db, villager=w.villager, category=Category.CERTIFICATE, details="证明", now=FILED
    )
    assert request.assignee_id is None
    assert check_deadlines(w.db, now=request.remind_at) == DeadlineCheck(1, 0)
    [reminder] = _notices(w.db, NoticeKind.ERRAND_DUE_SOON)
    assert reminder.user_id == w.agent.id
