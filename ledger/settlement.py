"""The weekly settlement (one statement per seller and week) and payouts at the counter.

Settling is set-based (a county's week is two grouped queries and one executemany insert,
see benchmarks/ledger.py) and safe to run twice or in two workers at once: a statement's
(seller, week) is unique and the insert skips one already there. Paying out locks the
seller's payable account (``FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE``
serialises writers), pays at most what is available now, and a statement has at most one
payout.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import dialect_insert
from core.models import Role, User
from core.timeutil import local_today, to_local, utcnow
from ledger.errors import LedgerError
from ledger.figures import SPLIT_ACCOUNTS, Figures, fold, week_bounds, week_start_of
from ledger.models import (
    PLATFORM,
    Account,
    AccountKind,
    EntryKind,
    JournalEntry,
    Payout,
    PayoutMethod,
    Posting,
    Statement,
)
from ledger.services import Leg, account, available_fen, post

MAX_SIGNATURE_CHARS = 20_000
SIGNATURE_PATH = re.compile(r"^(?:[ML]\d{1,4} \d{1,4})+$")


def last_closed_week(now: dt.datetime | None = None) -> dt.date:
    """The Monday of the last local week that has ended."""
    return week_start_of(local_today(now)) - dt.timedelta(days=7)


def _openings(
    session: Session, moment: dt.datetime, seller_ids: Sequence[int] | None
) -> dict[int, int]:
    """What the platform owed each seller just before ``moment`` (one grouped query)."""
    query = (
        select(Account.owner_id, -func.sum(Posting.amount_fen))
        .join(Posting, Posting.account_id == Account.id)
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .where(Account.kind == AccountKind.SELLER_PAYABLE, JournalEntry.created_at < moment)
        .group_by(Account.owner_id)
    )
    if seller_ids is not None:
        query = query.where(Account.owner_id.in_(seller_ids))
    return {owner: int(total or 0) for owner, total in session.execute(query)}


def _weeks_figures(
    session: Session, start: dt.datetime, end: dt.datetime, seller_ids: Sequence[int] | None
) -> dict[int, Figures]:
    """Every seller's figures for entries made in ``[start, end)`` (one grouped query)."""
    query = (
        select(
            JournalEntry.seller_id, JournalEntry.kind, Account.kind, func.sum(Posting.amount_fen)
        )
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(Account, Posting.account_id == Account.id)
        .where(
            JournalEntry.seller_id.is_not(None),
            JournalEntry.created_at >= start,
            JournalEntry.created_at < end,
            Account.kind.in_(SPLIT_ACCOUNTS),
        )
        .group_by(JournalEntry.seller_id, JournalEntry.kind, Account.kind)
    )
    if seller_ids is not None:
        query = query.where(JournalEntry.seller_id.in_(seller_ids))
    rows: dict[int, list[tuple[EntryKind, AccountKind, int | None]]] = defaultdict(list)
    # seller_id is never None here (the query keeps sellers' entries only)
    for seller_id, entry_kind, account_kind, total in session.execute(query):
        rows[seller_id].append((entry_kind, account_kind, total))  # type: ignore[index]
    return {seller_id: fold(seller_rows) for seller_id, seller_rows in rows.items()}


def _settle(
    session: Session, week_start: dt.date, seller_ids: Sequence[int] | None = None
) -> list[Statement]:
    """Close the week for the given sellers (every seller by default) in a few set-based
    statements: the openings and the week's figures in two grouped queries, the statements
    in one executemany ``INSERT … ON CONFLICT DO NOTHING`` (a statement already there,
    written by an earlier or a racing run, stays as it is). A seller with nothing that
    week and nothing owed gets no statement."""
    start, end = week_bounds(week_start)
    openings = _openings(session, start, seller_ids)
    weeks = _weeks_figures(session, start, end, seller_ids)
    rows = []
    for seller_id in sorted(openings.keys() | weeks.keys()):
        opening, week = openings.get(seller_id, 0), weeks.get(seller_id, Figures())
        if opening == 0 and week == Figures():
            continue
        rows.append(
            {
                "seller_id": seller_id,
                "week_start": week_start,
                "opening_fen": opening,
                "sales_fen": week.sales_fen,
                "commission_fen": week.commission_fen,
                "refunds_fen": week.refunds_fen,
                "payouts_fen": week.payouts_fen,
                "closing_fen": opening + week.net_fen,
                "created_at": utcnow(),
            }
        )
    if rows:  # one executemany: the statement is compiled once, the rows sent in batches
        session.execute(
            dialect_insert(session, Statement).on_conflict_do_nothing(
                index_elements=["seller_id", "week_start"]
            ),
            rows,
        )
    query = select(Statement).where(Statement.week_start == week_start)
    if seller_ids is not None:
        query = query.where(Statement.seller_id.in_(seller_ids))
    return list(session.scalars(query.order_by(Statement.seller_id)))


def settle_seller(session: Session, *, seller_id: int, week_start: dt.date) -> Statement | None:
    """Close one seller's week; the statement already there if it was closed before.
    None for a seller with nothing that week and nothing owed."""
    settled = _settle(session, week_start, [seller_id])
    return settled[0] if settled else None


def settle_week(
    session: Session, *, week_start: dt.date | None = None, now: dt.datetime | None = None
) -> list[Statement]:
    """Close every seller's week (the last ended one by default); only ended weeks."""
    week_start = week_start_of(week_start) if week_start else last_closed_week(now)
    _, end = week_bounds(week_start)
    if end > (now or utcnow()):
        raise LedgerError("week_not_over")
    return _settle(session, week_start)


def statements_of(session: Session, *, seller_id: int, limit: int = 12) -> Sequence[Statement]:
    return session.scalars(
        select(Statement)
        .where(Statement.seller_id == seller_id)
        .order_by(Statement.week_start.desc())
        .limit(limit)
    ).all()


def sold_at(session: Session, *, seller_id: int, village_ids: frozenset[int]) -> bool:
    """Whether the seller has anything booked at one of these stations."""
    return (
        session.scalar(
            select(JournalEntry.id)
            .where(JournalEntry.seller_id == seller_id, JournalEntry.village_id.in_(village_ids))
            .limit(1)
        )
        is not None
    )


def statement_for(session: Session, *, statement_id: int, user: User) -> Statement:
    """A statement its seller may see, the agents of the stations the seller sold at, and
    the admin."""
    statement = session.get(Statement, statement_id)
    if statement is None or (
        statement.seller_id != user.id
        and not user.has_role(Role.ADMIN)
        and not sold_at(
            session, seller_id=statement.seller_id, village_ids=user.villages_for(Role.AGENT)
        )
    ):
        raise LedgerError("statement_not_found")
    return statement


def station_of(agent: User) -> int:
    stations = agent.villages_for(Role.AGENT)
    if not stations:
        raise LedgerError("not_station_agent")
    return min(stations)


def latest_station_of(session: Session, seller_id: int) -> int | None:
    """The station where the seller's latest entry was booked."""
    return session.scalar(
        select(JournalEntry.village_id)
        .where(JournalEntry.seller_id == seller_id, JournalEntry.village_id.is_not(None))
        .order_by(JournalEntry.created_at.desc(), JournalEntry.id.desc())
        .limit(1)
    )


def paying_station(session: Session, *, payer: User, seller_id: int) -> int:
    """Whose till a payout comes from: the paying agent's station; for the admin, the
    station where the seller last sold. Nobody pays themselves: an agent who is also a
    seller (a group buy's organiser, a farmer running the station) is paid by another
    agent of the station or by the admin, so no one both hands out and takes the money."""
    if payer.id == seller_id:
        raise LedgerError("own_payout")
    if payer.has_role(Role.AGENT):
        return station_of(payer)
    village_id = latest_station_of(session, seller_id) if payer.has_role(Role.ADMIN) else None
    if village_id is None:
        raise LedgerError("not_station_agent")
    return village_id


def _lock_payable(session: Session, seller_id: int) -> None:
    payable = account(session, AccountKind.SELLER_PAYABLE, seller_id)
    session.execute(select(Account.id).where(Account.id == payable.id).with_for_update()).one()


def pay_out(
    session: Session,
    *,
    agent: User,
    statement_id: int,
    method: PayoutMethod,
    reference: str = "",
    signature: str | None = None,
) -> Payout:
    """Pay a seller what their statement says, never more than is available now: cash
    from the station's till (signed for) or a bank/WeChat transfer (with its reference).
    ``agent`` is whoever pays: an agent of the station or the admin, never the seller."""
    statement = statement_for(session, statement_id=statement_id, user=agent)
    village_id = paying_station(session, payer=agent, seller_id=statement.seller_id)
    if signature and (len(signature) > MAX_SIGNATURE_CHARS or not SIGNATURE_PATH.match(signature)):
        raise LedgerError("bad_signature")
    if method is PayoutMethod.CASH and not signature:
        raise LedgerError("signature_required")
    if method is PayoutMethod.TRANSFER and not reference.strip():
        raise LedgerError("transfer_reference_required")
    _lock_payable(session, statement.seller_id)
    if session.scalar(select(Payout.id).where(Payout.statement_id == statement_id)):
        raise LedgerError("already_paid_out")
    amount = min(statement.closing_fen, available_fen(session, statement.seller_id))
    if amount <= 0:
        raise LedgerError("nothing_available")
    source = (
        Leg(AccountKind.STATION_TILL, village_id, -amount)
        if method is PayoutMethod.CASH
        else Leg(AccountKind.PLATFORM_ONLINE, PLATFORM, -amount)
    )
    entry = post(
        session,
        event_key=f"payout:statement:{statement_id}",
        kind=EntryKind.PAYOUT,
        legs=[Leg(AccountKind.SELLER_PAYABLE, statement.seller_id, amount), source],
        seller_id=statement.seller_id,
        village_id=village_id,
        memo=f"{to_local(utcnow()):%Y-%m-%d} {statement.week_start:%m/%d}",
    )
    payout = Payout(
        statement_id=statement_id,
        seller_id=statement.seller_id,
        village_id=village_id,
        agent_id=agent.id,
        method=method,
        amount_fen=amount,
        reference=reference.strip()[:100],
        signature=signature if method is PayoutMethod.CASH else None,
        entry_id=entry.id,
    )
    session.add(payout)
    session.flush()
    return payout
