"""The ledger's invariants: balanced, insert-only, once per event, no fen created or lost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_sessionmaker
from core.models import Role, User, Village
from ledger.commission import SaleLine, commission_for, set_rate, share_of
from ledger.errors import LedgerError
from ledger.figures import figures
from ledger.models import AccountKind, EntryKind, JournalEntry, PayoutMethod, Posting
from ledger.services import Leg, account_balance, available_fen, post, post_refund, post_sale
from ledger.settlement import pay_out, settle_seller
from payments.models import PaymentMethod
from shop.models_registry import metadata
from tests.conftest import ThrowawayDatabases

SIGNATURE = "M10 10L20 20L30 25"


def _sale(session: Session, seller: User, village: Village, ref: str, fen: int) -> JournalEntry:
    return post_sale(
        session,
        subject_ref=ref,
        seller_id=seller.id,
        village_id=village.id,
        method=PaymentMethod.CASH,
        lines=[SaleLine("vegetables", 0, fen)],
    )


def test_an_unbalanced_entry_is_refused(db: Session) -> None:
    with pytest.raises(LedgerError):
        post(
            db,
            event_key="test:unbalanced",
            kind=EntryKind.SALE,
            legs=[Leg(AccountKind.STATION_TILL, 1, 100), Leg(AccountKind.SELLER_PAYABLE, 1, -99)],
        )
    assert db.scalar(select(func.count(JournalEntry.id))) == 0


def test_posting_the_same_event_twice_leaves_one_entry(
    db: Session, make_user: Callable[..., User], make_village: Callable[..., Village]
) -> None:
    village = make_village()
    seller = make_user(Role.FARMER, village=village)
    first = _sale(db, seller, village, "order:1", 1000)
    second = _sale(db, seller, village, "order:1", 1000)
    assert first.id == second.id
    assert available_fen(db, seller.id) == 950  # 5 % default commission


def test_entries_are_insert_only_in_the_orm_and_the_database(
    db: Session, make_user: Callable[..., User], make_village: Callable[..., Village]
) -> None:
    village = make_village()
    seller = make_user(Role.FARMER, village=village)
    entry = _sale(db, seller, village, "order:2", 1000)
    entry.memo = "changed"
    with pytest.raises(LedgerError):
        db.flush()
    db.expire(entry)  # forget the refused change
    for statement in (
        update(Posting).values(amount_fen=1),
        delete(Posting),
        update(JournalEntry).values(memo="x"),
    ):
        with pytest.raises(DBAPIError, match="insert-only"), db.begin_nested():
            db.execute(statement.execution_options(synchronize_session=False))


@pytest.fixture
def postgres_sessions(databases: ThrowawayDatabases) -> Iterator[sessionmaker[Session]]:
    """Committing sessions on a fresh PostgreSQL database: SQLite has no deferred triggers
    (there the posting service is the guard), so this check runs on PostgreSQL alone."""
    engine = make_engine(databases.new_url("postgresql"))
    metadata.create_all(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_postgresql_refuses_to_commit_an_unbalanced_entry(
    postgres_sessions: sessionmaker[Session],
) -> None:
    """The deferred constraint trigger checks at commit, even for hand-written SQL."""
    with postgres_sessions() as session:
        session.execute(
            text("INSERT INTO ledger_account (kind, owner_id) VALUES ('station_till', 1)")
        )
        session.execute(
            text(
                "INSERT INTO journal_entry (event_key, kind, memo, created_at) "
                "VALUES ('raw', 'sale', '', now())"
            )
        )
        session.execute(
            text(
                "INSERT INTO posting (entry_id, account_id, amount_fen) "
                "SELECT e.id, a.id, 5 FROM journal_entry e, ledger_account a"
            )
        )
        with pytest.raises(DBAPIError, match="does not balance"):
            session.commit()


@given(
    amounts=st.lists(st.integers(1, 10_000_000), min_size=1, max_size=8),
    rate=st.integers(0, 10_000),
)
def test_the_commission_split_never_creates_or_loses_a_fen(amounts: list[int], rate: int) -> None:
    for amount in amounts:
        commission = share_of(amount, rate)
        assert 0 <= commission <= amount
        assert commission + (amount - commission) == amount
        assert commission * 10_000 <= amount * rate < (commission + 1) * 10_000


def test_a_station_charges_its_own_village_less(
    db: Session, make_village: Callable[..., Village]
) -> None:
    station = make_village()
    set_rate(db, village_id=station.id, category="*", rate_bp=800, local_rate_bp=0)
    set_rate(db, village_id=station.id, category="grain", rate_bp=300, local_rate_bp=100)
    lines = [
        SaleLine("vegetables", station.id, 1000),  # own village: 0
        SaleLine("vegetables", 0, 1000),  # 8 %
        SaleLine("grain", 0, 1000),  # 3 %
        SaleLine("grain", station.id, 1099),  # 1 % of 10.99 rounds down to 10 fen
    ]
    assert commission_for(db, village_id=station.id, lines=lines) == 0 + 80 + 30 + 10


# --- the property: any sequence of events keeps the books ----------------------------

SALE, REFUND, PAYOUT = "sale", "refund", "payout"
events = st.lists(
    st.one_of(
        st.tuples(
            st.just(SALE),
            st.lists(st.integers(1, 500_000), min_size=1, max_size=4),
            st.sampled_from(list(PaymentMethod)),
            st.booleans(),  # a pledge rather than an order
        ),
        st.tuples(st.just(REFUND), st.integers(0, 50), st.integers(1, 100)),
        st.tuples(st.just(PAYOUT), st.sampled_from(list(PayoutMethod))),
    ),
    max_size=25,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=events)
def test_any_sequence_of_events_keeps_the_books(
    db: Session,
    make_user: Callable[..., User],
    make_village: Callable[..., Village],
    sequence: list[tuple],  # type: ignore[type-arg]
) -> None:
    nested = db.begin_nested()
    try:
        _play(db, make_user, make_village, sequence)
    finally:
        nested.rollback()


def _play(
    db: Session,
    make_user: Callable[..., User],
    make_village: Callable[..., Village],
    sequence: list[tuple],  # type: ignore[type-arg]
) -> None:
    station = make_village()
    seller = make_user(Role.FARMER, village=station)
    agent = make_user(Role.AGENT, village=station)
    set_rate(db, village_id=station.id, category="*", rate_bp=700, local_rate_bp=0)
    sales: list[tuple[str, int, PaymentMethod]] = []
    refunded: dict[str, int] = {}
    expected = {"sales": 0, "refunds": 0, "payouts": 0, "till": 0}
    weeks = iter(range(1000))
    for event in sequence:
        if event[0] == SALE:
            _, amounts, method, pledge = event
            ref = f"{'pledge' if pledge else 'order'}:{len(sales)}"
            lines = [SaleLine("vegetables", station.id * (i % 2), a) for i, a in enumerate(amounts)]
            post_sale(
                db,
                subject_ref=ref,
                kind=EntryKind.PLEDGE if pledge else EntryKind.SALE,
                seller_id=seller.id,
                village_id=station.id,
                method=method,
                lines=lines,
            )
            sales.append((ref, sum(amounts), method))
            expected["sales"] += sum(amounts)
            expected["till"] += sum(amounts) if method is PaymentMethod.CASH else 0
        elif event[0] == REFUND and sales:
            _, index, percent = event
            ref, total, method = sales[index % len(sales)]
            new_total = min(total, refunded.get(ref, 0) + max(1, total * percent // 100))
            if post_refund(db, subject_ref=ref, refunded_total_fen=new_total, method=method):
                expected["refunds"] += new_total - refunded.get(ref, 0)
                expected["till"] -= (
                    new_total - refunded.get(ref, 0) if method is PaymentMethod.CASH else 0
                )
                refunded[ref] = new_total
        elif event[0] == PAYOUT:
            statement = settle_seller(
                db,
                seller_id=seller.id,
                week_start=dt.date(2031, 1, 6) + dt.timedelta(weeks=next(weeks)),
            )
            if statement is None or min(statement.closing_fen, available_fen(db, seller.id)) <= 0:
                continue
            payout = pay_out(
                db,
                agent=agent,
                statement_id=statement.id,
                method=event[1],
                reference="WX123",
                signature=SIGNATURE,
            )
            expected["payouts"] += payout.amount_fen
            expected["till"] -= payout.amount_fen if event[1] is PayoutMethod.CASH else 0
    _check_books(db, seller, station, expected)


def _check_books(db: Session, seller: User, station: Village, expected: dict[str, int]) -> None:
    unbalanced = db.scalars(
        select(Posting.entry_id)
        .group_by(Posting.entry_id)
        .having(func.sum(Posting.amount_fen) != 0)
    ).all()
    assert unbalanced == []
    assert db.scalar(select(func.coalesce(func.sum(Posting.amount_fen), 0))) == 0
    seen = figures(db, seller_id=seller.id)
    assert (seen.sales_fen, seen.refunds_fen, seen.payouts_fen) == (
        expected["sales"],
        expected["refunds"],
        expected["payouts"],
    )
    commission = -account_balance(db, AccountKind.STATION_COMMISSION, station.id)
    assert seen.commission_fen == commission >= 0
    assert available_fen(db, seller.id) == seen.net_fen
    assert available_fen(db, seller.id) == (
        expected["sales"] - commission - expected["refunds"] - expected["payouts"]
    )
    assert account_balance(db, AccountKind.STATION_TILL, station.id) == expected["till"]
