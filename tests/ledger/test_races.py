"""Two settlement runs, and two agents paying the same farmer, at the same moment: one
statement, one payout. Real commits on SQLite and PostgreSQL, racing in threads."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.models import County, Role, RoleGrant, Township, User, Village
from core.timeutil import utcnow
from ledger.commission import SaleLine
from ledger.errors import LedgerError
from ledger.models import AccountKind, Payout, PayoutMethod, Statement
from ledger.services import account_balance, available_fen, post_sale
from ledger.settlement import pay_out, settle_week, statements_of
from payments.models import PaymentMethod

T = TypeVar("T")
SIGNATURE = "M10 10L20 20L30 30L40 35L50 40"


def _station_with_farmer(sessions: sessionmaker[Session]) -> tuple[int, int, list[int]]:
    """(village, farmer, two agents), committed, with one cash sale of ¥100 booked."""
    with transaction(sessions) as session:
        village = Village(
            township=Township(
                county=County(name="账县"), name="镇", hub_address="-", lat=28, lon=112
            ),
            name="账村",
            station_address="-",
            lat=28,
            lon=112,
        )
        session.add(village)
        session.flush()
        farmer = User(phone="13500000001", name="农户", password_hash="-")
        agents = [
            User(
                phone=f"1350000001{n}",
                name=f"代办{n}",
                password_hash="-",
                grants=[RoleGrant(role=Role.AGENT, village_id=village.id)],
            )
            for n in range(2)
        ]
        session.add_all([farmer, *agents])
        session.flush()
        post_sale(
            session,
            subject_ref="order:1",
            seller_id=farmer.id,
            village_id=village.id,
            method=PaymentMethod.CASH,
            lines=[SaleLine("grain", 0, 10_000)],
        )
        return village.id, farmer.id, [a.id for a in agents]


def _at_once(*calls: Callable[[], T]) -> list[T | Exception]:
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T | Exception:
        barrier.wait()
        try:
            return call()
        except LedgerError as error:
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _settle(sessions: sessionmaker[Session]) -> int:
    now = utcnow()
    with transaction(sessions) as session:
        return len(settle_week(session, week_start=now.date(), now=now + dt.timedelta(days=8)))


def test_two_settlement_runs_and_two_agents_paying_leave_one_statement_and_one_payout(
    committed_sessions: sessionmaker[Session],
) -> None:
    village_id, farmer_id, agent_ids = _station_with_farmer(committed_sessions)
    assert _at_once(lambda: _settle(committed_sessions), lambda: _settle(committed_sessions)) == [
        1,
        1,
    ]
    with transaction(committed_sessions) as session:
        assert session.scalar(select(func.count(Statement.id))) == 1
        (statement,) = statements_of(session, seller_id=farmer_id)
        statement_id = statement.id

    def pay(agent_id: int) -> int:
        with transaction(committed_sessions) as session:
            agent = session.get(User, agent_id)
            assert agent is not None
            payout = pay_out(
                session,
                agent=agent,
                statement_id=statement_id,
                method=PayoutMethod.CASH,
                signature=SIGNATURE,
            )
            return payout.amount_fen

    outcomes = _at_once(lambda: pay(agent_ids[0]), lambda: pay(agent_ids[1]))
    assert sorted(map(type, outcomes), key=str) == sorted([int, LedgerError], key=str)
    assert 9_500 in outcomes
    with transaction(committed_sessions) as session:
        assert session.scalar(select(func.count(Payout.id))) == 1
        assert available_fen(session, farmer_id) == 0
        assert account_balance(session, AccountKind.STATION_TILL, village_id) == 500
