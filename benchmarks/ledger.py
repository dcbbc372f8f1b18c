"""Settling a county's week on PostgreSQL: 1,000 stations, 30,000 sellers, 300,000 orders.

Run ``python -m benchmarks.ledger`` (``make bench-ledger``); ``--quick`` for a smoke run.
A fresh PostgreSQL database (``CUNZHAN_BENCH_POSTGRES_URL``, default the local server; it is
dropped afterwards) gets the schema with the ledger's triggers, then the county is written
with COPY: stations, their agents, the sellers, and the ledger entries of the week's
completed orders (cash into the till, or online less Stripe's fee; 5 % commission except
on a station's own village's produce), some refunded in full or in part, and the week
before's sales so that sellers open with a balance. The database's deferred trigger checks
every entry balances when the load commits. Then the real code runs, each step timed
with the process's peak memory:

1. ``settle_week`` (Celery beat's Monday job) closes every seller's week;
2. ``settle_week`` again (a retried job): no new statement;
3. 1,000 sellers paid at the counter (``pay_out``, cash with a signature), one transaction
   each, as agents do;
4. 1,000 new sales posted one by one (``post_sale``), as orders are handed over.

Afterwards the ledger's invariants are checked in SQL and against the generator's own
tally. The full run writes ``benchmarks/results/ledger.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import random
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_sessionmaker, transaction
from core.models import Role, User
from core.timeutil import utcnow
from ledger.commission import DEFAULT_RATE_BP, SaleLine, share_of
from ledger.figures import week_bounds
from ledger.models import PLATFORM, AccountKind, Payout, PayoutMethod, Posting, Statement
from ledger.services import account_balance, available_fen, post_sale, stripe_fee_bp
from ledger.settlement import last_closed_week, pay_out, settle_week
from payments.models import PaymentMethod
from shop.models_registry import metadata

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get(
    "CUNZHAN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TARGET_SECONDS = 120.0  # settling the county's week, the first run
SIGNATURE = "M10 40L30 60L50 45L70 70L90 50"
STATIONS_PER_TOWNSHIP = 25


@dataclass(frozen=True)
class Size:
    stations: int
    sellers: int
    orders: int
    payouts: int  # sellers paid at the counter, one by one
    sales: int  # sales posted one by one after the settlement


FULL = Size(stations=1_000, sellers=30_000, orders=300_000, payouts=1_000, sales=1_000)
QUICK = Size(stations=20, sellers=600, orders=6_000, payouts=50, sales=50)


# --- memory ---------------------------------------------------------------------------------


def _status_kib(field_name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


@dataclass
class Step:
    name: str
    seconds: float = 0.0
    peak_mib: float = 0.0  # the process's peak resident memory during the step
    rss_mib: float = 0.0  # resident memory when the step ended
    note: str = ""


@contextmanager
def measured(steps: list[Step], name: str) -> Iterator[Step]:
    """Time a step and the process's peak memory during it (Linux: clear_refs resets the
    high-water mark)."""
    Path("/proc/self/clear_refs").write_text("5")
    step = Step(name)
    began = time.monotonic()
    yield step
    step.seconds = time.monotonic() - began
    step.peak_mib = _status_kib("VmHWM") / 1024
    step.rss_mib = _status_kib("VmRSS") / 1024
    steps.append(step)


# --- the county, written with COPY -----------------------------------------------------


@dataclass
class Tally:
    """What the generator wrote, to check the ledger against afterwards."""

    sales: list[int]  # per seller (index = seller number), the bench week
    commission: list[int]
    refunds: list[int]
    opening: list[int]  # owed at the week's start
    till: dict[int, int] = field(default_factory=dict)  # station id -> cash in the till
    entries: int = 0
    postings: int = 0


@dataclass(frozen=True)
class County:
    station_ids: list[int]
    agent_ids: list[int]  # one per station, same order
    seller_ids: list[int]
    seller_station: list[int]  # index = seller number
    account: dict[tuple[AccountKind, int], int]


def _text(value: object) -> str:
    """A value in COPY's text format (the generator writes no tabs, newlines or backslashes)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


class Table:
    """Rows for one table in COPY's text format; ids handed out here (the sequences are
    moved past them after the load)."""

    def __init__(self, table: str, columns: str, first_id: int = 1) -> None:
        self.table, self.columns, self.next_id = table, columns, first_id
        self._buffer = io.StringIO()

    def row(self, *values: object) -> int:
        given = self.next_id
        self._buffer.write("\t".join(map(_text, (given, *values))) + "\n")
        self.next_id += 1
        return given

    def rows(self, rows: Iterable[tuple[object, ...]]) -> list[int]:
        return [self.row(*values) for values in rows]

    def copy_into(self, cursor: psycopg.Cursor[Any]) -> None:
        with cursor.copy(f"COPY {self.table} (id, {self.columns}) FROM STDIN") as copy:
            copy.write(self._buffer.getvalue())
        self._buffer = io.StringIO()


def _copy(
    cursor: psycopg.Cursor[Any], table: str, columns: str, rows: Iterable[tuple[object, ...]]
) -> list[int]:
    """Write rows with COPY; their ids, in order."""
    writer = Table(table, columns)
    ids = writer.rows(rows)
    writer.copy_into(cursor)
    return ids


def _people_and_places(cursor: psycopg.Cursor[Any], size: Size, rng: random.Random) -> County:
    """The county's townships and stations, an agent per station, the sellers, and the
    ledger's accounts."""
    now = utcnow()
    (county,) = _copy(cursor, "county", "name", [("基准县",)])
    townships = _copy(
        cursor,
        "township",
        "county_id, name, hub_address, lat, lon",
        [
            (county, f"基准镇{n}", "镇中心", 28.0 + n / 100, 112.0)
            for n in range(-(-size.stations // STATIONS_PER_TOWNSHIP))
        ],
    )
    station_ids = _copy(
        cursor,
        "village",
        "township_id, name, station_address, station_hours, lat, lon",
        [
            (townships[n // STATIONS_PER_TOWNSHIP], f"基准村{n}", "村委会", "", 28.0, 112.0)
            for n in range(size.stations)
        ],
    )
    people = [(f"176{n:08d}", f"代办{n}") for n in range(size.stations)]
    people += [(f"135{n:08d}", f"卖家{n}") for n in range(size.sellers)]
    user_ids = _copy(
        cursor,
        "user_account",
        "phone, name, password_hash, is_active, session_epoch, must_change_password, created_at",
        [(phone, name, "!", True, 0, False, now) for phone, name in people],
    )
    agent_ids, seller_ids = user_ids[: size.stations], user_ids[size.stations :]
    _copy(
        cursor,
        "role_grant",
        "user_id, role, village_id, township_id",
        [(a, Role.AGENT.value, s, None) for a, s in zip(agent_ids, station_ids, strict=True)]
        + [(s, Role.FARMER.value, None, None) for s in seller_ids],
    )
    accounts = [(AccountKind.SELLER_PAYABLE, s) for s in seller_ids]
    accounts += [
        (kind, s)
        for s in station_ids
        for kind in (AccountKind.STATION_TILL, AccountKind.STATION_COMMISSION)
    ]
    accounts += [
        (kind, PLATFORM)
        for kind in (
            AccountKind.PLATFORM_ONLINE,
            AccountKind.PLATFORM_FEES,
            AccountKind.PLATFORM_REFUNDS,
        )
    ]
    ids = _copy(cursor, "ledger_account", "kind, owner_id", [(k.value, o) for k, o in accounts])
    return County(
        station_ids=station_ids,
        agent_ids=agent_ids,
        seller_ids=seller_ids,
        seller_station=[station_ids[rng.randrange(size.stations)] for _ in seller_ids],
        account=dict(zip(accounts, ids, strict=True)),
    )


Leg = tuple[AccountKind, int, int]  # account kind, owner, signed fen


class Book:
    """Sale and refund entries with their postings, split exactly as the ledger's services
    split them (commission and Stripe's fee rounded down, see docs/ledger.md)."""

    def __init__(self, county: County, tally: Tally) -> None:
        self.county, self.tally = county, tally
        self.entries = Table(
            "journal_entry", "event_key, kind, seller_id, village_id, memo, created_at"
        )
        self.postings = Table("posting", "entry_id, account_id, amount_fen")

    def _entry(self, key: str, seller: int, at: dt.datetime, legs: list[Leg]) -> None:
        assert sum(amount for _, _, amount in legs) == 0
        kind, station = key.split(":")[0], self.county.seller_station[seller]
        entry = self.entries.row(key, kind, self.county.seller_ids[seller], station, "基准订单", at)
        self.tally.entries += 1
        for account_kind, owner, amount in legs:
            if amount:
                self.postings.row(entry, self.county.account[(account_kind, owner)], amount)
                self.tally.postings += 1

    def sale(
        self, order: int, seller: int, total: int, *, local: bool, cash: bool, at: dt.datetime
    ) -> int:
        """Book a completed order; its commission."""
        station = self.county.seller_station[seller]
        commission = 0 if local else share_of(total, DEFAULT_RATE_BP)
        fee = 0 if cash else share_of(total, stripe_fee_bp())
        money: list[Leg] = (
            [(AccountKind.STATION_TILL, station, total)]
            if cash
            else [
                (AccountKind.PLATFORM_ONLINE, PLATFORM, total - fee),
                (AccountKind.PLATFORM_FEES, PLATFORM, fee),
            ]
        )
        payable = (AccountKind.SELLER_PAYABLE, self.county.seller_ids[seller])
        self._entry(
            f"sale:order:{order}",
            seller,
            at,
            [
                *money,
                (*payable, -(total - commission)),
                (AccountKind.STATION_COMMISSION, station, -commission),
            ],
        )
        if cash:
            self.tally.till[station] = self.tally.till.get(station, 0) + total
        return commission

    def refund(self, order: int, seller: int, sold: Sold, amount: int, at: dt.datetime) -> int:
        """Book money given back; the commission returned (in proportion, rounded down)."""
        station = self.county.seller_station[seller]
        back = sold.commission * amount // sold.total
        money = (
            (AccountKind.STATION_TILL, station)
            if sold.cash
            else (AccountKind.PLATFORM_REFUNDS, PLATFORM)
        )
        self._entry(
            f"refund:order:{order}:{amount}",
            seller,
            at,
            [
                (AccountKind.SELLER_PAYABLE, self.county.seller_ids[seller], amount - back),
                (AccountKind.STATION_COMMISSION, station, back),
                (*money, -amount),
            ],
        )
        if sold.cash:
            self.tally.till[station] -= amount
        return back

    def copy_into(self, cursor: psycopg.Cursor[Any]) -> None:
        self.entries.copy_into(cursor)
        self.postings.copy_into(cursor)


@dataclass(frozen=True)
class Sold:
    total: int
    commission: int
    cash: bool


def _orders(book: Book, size: Size, rng: random.Random, week: dt.date) -> None:
    """The week before (opening balances, a third of the sellers) and the bench week."""
    tally = book.tally
    start, end = week_bounds(week)
    seconds = int((end - start).total_seconds())
    local = [rng.random() < 0.6 for _ in range(size.sellers)]  # own village's produce
    before = start - dt.timedelta(days=7)
    for n in range(0, size.sellers, 3):
        total = rng.randint(500, 30_000)
        at = before + dt.timedelta(seconds=rng.randrange(seconds))
        tally.opening[n] += total - book.sale(
            size.orders + n, n, total, local=local[n], cash=True, at=at
        )
    for order in range(size.orders):
        seller = rng.randrange(size.sellers)
        total, cash = rng.randint(300, 50_000), rng.random() < 0.7
        offset = rng.randrange(seconds - 1)
        at = start + dt.timedelta(seconds=offset)
        commission = book.sale(order, seller, total, local=local[seller], cash=cash, at=at)
        tally.sales[seller] += total
        tally.commission[seller] += commission
        draw = rng.random()
        if draw < 0.03:  # refunded: 2 % in full, 1 % in part, later the same week
            amount = total if draw < 0.02 else rng.randint(1, total - 1)
            later = start + dt.timedelta(seconds=rng.randrange(offset + 1, seconds))
            sold = Sold(total, commission, cash)
            tally.commission[seller] -= book.refund(order, seller, sold, amount, later)
            tally.refunds[seller] += amount


LOADED_TABLES = (
    "county",
    "township",
    "village",
    "user_account",
    "role_grant",
    "ledger_account",
    "journal_entry",
    "posting",
)


def build_county(
    engine: Engine, size: Size, rng: random.Random, week: dt.date
) -> tuple[County, Tally]:
    """Everything written with COPY in one transaction; the deferred trigger checks that
    every entry balances when it commits."""
    raw = engine.raw_connection()
    try:
        connection: psycopg.Connection[Any] = raw.driver_connection  # type: ignore[assignment]
        with connection.cursor() as cursor:
            county = _people_and_places(cursor, size, rng)
            tally = Tally(*([0] * size.sellers for _ in range(4)))  # type: ignore[arg-type]
            book = Book(county, tally)
            _orders(book, size, rng, week)
            book.copy_into(cursor)
            for table in LOADED_TABLES:
                cursor.execute(  # table names from LOADED_TABLES, not input
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                    f" (SELECT max(id) FROM {table}))"
                )
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
        connection.autocommit = False
    finally:
        raw.close()
    return county, tally


# --- the steps, through the real code ----------------------------------------------------


def pay_sellers(factory: sessionmaker[Session], county: County, week: dt.date, count: int) -> int:
    """Pay the first ``count`` sellers owed money, each by the agent of the station where
    they sold, in a transaction of its own as at the counter."""
    agent_of = dict(zip(county.station_ids, county.agent_ids, strict=True))
    station_of = dict(zip(county.seller_ids, county.seller_station, strict=True))
    with factory() as session:
        due = session.execute(
            select(Statement.id, Statement.seller_id)
            .where(Statement.week_start == week, Statement.closing_fen > 0)
            .order_by(Statement.id)
            .limit(count)
        ).all()
    paid = 0
    for statement_id, seller_id in due:
        with transaction(factory) as session:
            agent = session.get(User, agent_of[station_of[seller_id]])
            assert agent is not None
            paid += pay_out(
                session,
                agent=agent,
                statement_id=statement_id,
                method=PayoutMethod.CASH,
                signature=SIGNATURE,
            ).amount_fen
    return paid


def _late_sellers(county: County, count: int) -> list[int]:
    """The sellers (numbers) whose sales are posted one by one after the settlement."""
    return [n * 7 % len(county.seller_ids) for n in range(count)]


def post_sales(factory: sessionmaker[Session], county: County, tally: Tally, count: int) -> None:
    """Cash sales booked one by one after the week was settled, as orders are handed over."""
    for n, seller in enumerate(_late_sellers(county, count)):
        station = county.seller_station[seller]
        tally.till[station] = tally.till.get(station, 0) + 1_000 + n
        with transaction(factory) as session:
            post_sale(
                session,
                subject_ref=f"order:bench-{n}",
                seller_id=county.seller_ids[seller],
                village_id=county.seller_station[seller],
                method=PaymentMethod.CASH,
                lines=[SaleLine("vegetables", 0, 1_000 + n)],
            )


# --- the invariants ----------------------------------------------------------------------

CHECKS = {
    "entries that do not balance": (
        "SELECT count(*) FROM (SELECT entry_id FROM posting GROUP BY entry_id"
        " HAVING sum(amount_fen) <> 0) x"
    ),
    "fen created or lost (sum of all postings)": "SELECT coalesce(sum(amount_fen), 0) FROM posting",
    "statements whose closing is not opening + sales − commission − refunds − payouts": (
        "SELECT count(*) FROM ledger_statement WHERE closing_fen <> opening_fen + sales_fen"
        " - commission_fen - refunds_fen - payouts_fen"
    ),
    "statements whose closing is not the payable balance at the week's end": (
        "SELECT count(*) FROM ledger_statement s JOIN ledger_account a"
        " ON a.kind = 'seller_payable' AND a.owner_id = s.seller_id"
        " WHERE s.week_start = :week AND s.closing_fen <> -(SELECT coalesce(sum(p.amount_fen), 0)"
        " FROM posting p JOIN journal_entry e ON e.id = p.entry_id"
        " WHERE p.account_id = a.id AND e.created_at < :end)"
    ),
    "payouts larger than their statement's closing": (
        "SELECT count(*) FROM ledger_payout p JOIN ledger_statement s ON s.id = p.statement_id"
        " WHERE p.amount_fen > s.closing_fen"
    ),
    "sellers with a statement twice for the week": (
        "SELECT count(*) FROM (SELECT seller_id FROM ledger_statement"
        " GROUP BY seller_id, week_start HAVING count(*) > 1) x"
    ),
}


def check(
    session: Session, county: County, tally: Tally, size: Size, week: dt.date
) -> dict[str, int]:
    """Each invariant's number of violations (all 0 when the books are right)."""
    _, end = week_bounds(week)
    found = {
        name: int(session.scalar(text(sql), {"week": week, "end": end}) or 0)
        for name, sql in CHECKS.items()
    }
    statements = {
        s.seller_id: s
        for s in session.scalars(select(Statement).where(Statement.week_start == week))
    }
    mismatched = 0
    for n, seller_id in enumerate(county.seller_ids):
        s = statements.get(seller_id)
        expected = (tally.opening[n], tally.sales[n], tally.commission[n], tally.refunds[n])
        got = (s.opening_fen, s.sales_fen, s.commission_fen, s.refunds_fen) if s else (0, 0, 0, 0)
        mismatched += expected != got
    found["sellers whose statement differs from the generator's tally"] = mismatched
    late = {county.seller_ids[n] for n in _late_sellers(county, size.sales)}
    paid = dict(session.execute(select(Payout.seller_id, Payout.amount_fen)).all())
    found["paid sellers whose available is not closing − payout"] = sum(
        available_fen(session, seller_id) != statements[seller_id].closing_fen - amount
        for seller_id, amount in paid.items()
        if seller_id not in late
    )
    paid_at = dict(
        session.execute(
            select(Payout.village_id, func.sum(Payout.amount_fen)).group_by(Payout.village_id)
        ).all()
    )
    found["tills that differ from cash taken − refunded − paid out"] = sum(
        account_balance(session, AccountKind.STATION_TILL, station)
        != tally.till.get(station, 0) - int(paid_at.get(station) or 0)
        for station in county.station_ids
    )
    return found


def _database_bytes(session: Session) -> int:
    return int(session.scalar(text("SELECT pg_database_size(current_database())")) or 0)


def run(size: Size) -> tuple[list[Step], dict[str, int], dict[str, int | str]]:
    admin = make_engine(ADMIN_URL)
    name = f"cunzhan_bench_ledger_{uuid.uuid4().hex[:8]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(
        make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    )
    steps: list[Step] = []
    try:
        metadata.create_all(engine)
        factory = make_sessionmaker(engine)
        week = last_closed_week()
        with measured(steps, "load the county with COPY (setup)") as step:
            county, tally = build_county(engine, size, random.Random(2026), week)
            step.note = f"{tally.entries:,} entries, {tally.postings:,} postings"
        with measured(steps, "settle_week (first run)") as step, transaction(factory) as session:
            step.note = f"{len(settle_week(session)):,} statements"
        with (
            measured(steps, "settle_week again (a retried job)") as step,
            transaction(factory) as session,
        ):
            step.note = f"{len(settle_week(session)):,} statements, none new"
        with measured(steps, f"pay {size.payouts:,} sellers at the counter (pay_out each)") as step:
            step.note = f"¥{pay_sellers(factory, county, week, size.payouts) / 100:,.2f} in cash"
        with measured(steps, f"post {size.sales:,} sales one by one (post_sale)") as step:
            post_sales(factory, county, tally, size.sales)
        with measured(steps, "check the invariants") as step, factory() as session:
            found = check(session, county, tally, size, week)
        with factory() as session:
            facts: dict[str, int | str] = {
                "statements": int(session.scalar(select(func.count(Statement.id))) or 0),
                "postings": int(session.scalar(select(func.count(Posting.id))) or 0),
                "database size": f"{_database_bytes(session) / 2**20:,.0f} MiB",
                "PostgreSQL": str(session.scalar(text("SHOW server_version"))),
                "load": ", ".join(f"{value:.1f}" for value in os.getloadavg()),
            }
    finally:
        engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return steps, found, facts


def report(
    size: Size, steps: list[Step], found: dict[str, int], facts: dict[str, int | str]
) -> str:
    settle = next(s for s in steps if s.name.startswith("settle_week (first"))
    broken = {name: value for name, value in found.items() if value}
    lines = [
        "# Ledger benchmark: settling a county's week on PostgreSQL",
        "",
        f"{size.stations:,} stations, {size.sellers:,} sellers, {size.orders:,} orders in the week"
        f" (3 % refunded, 70 % cash), a third of the sellers owed from the week before;"
        f" PostgreSQL {facts['PostgreSQL']}, Python {platform.python_version()} on"
        f" {os.cpu_count()} cores ({platform.machine()}), {time.strftime('%Y-%m-%d')}."
        " `make bench-ledger` (`python -m benchmarks.ledger`).",
        "",
        "| step | seconds | peak memory (MiB) | memory after (MiB) | |",
        "| --- | ---: | ---: | ---: | --- |",
        *(
            f"| {s.name} | {s.seconds:.2f} | {s.peak_mib:.0f} | {s.rss_mib:.0f} | {s.note} |"
            for s in steps
        ),
        "",
        "Memory is this process's resident set (the peak during each step); PostgreSQL's own"
        f" is not counted. Database after the run: {facts['database size']},"
        f" {facts['postings']:,} postings, {facts['statements']:,} statements. Load average"
        f" when it finished (1, 5, 15 min): {facts['load']} — the machine is shared, so the"
        " seconds are an upper bound.",
        "",
        "| invariant checked after | violations |",
        "| --- | ---: |",
        *(f"| {name} | {value} |" for name, value in found.items()),
        "",
        f"Target: settling under {TARGET_SECONDS:.0f} s —"
        f" {'met' if settle.seconds < TARGET_SECONDS else 'MISSED'} ({settle.seconds:.1f} s);"
        f" invariants: {'all hold' if not broken else 'BROKEN'}.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--quick", action="store_true", help="20 stations, 600 sellers, 6,000 orders"
    )
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    steps, found, facts = run(size)
    text_ = report(size, steps, found, facts)
    print(text_)
    if not args.quick:
        out = ROOT / "benchmarks" / "results" / "ledger.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text_, encoding="utf-8")
    if any(found.values()):
        raise SystemExit("the ledger's invariants do not hold")


if __name__ == "__main__":
    main()
