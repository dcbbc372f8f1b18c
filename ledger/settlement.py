"""The weekly settlement (one statement per seller and week) and payouts at the counter.

Settling is safe to run twice or in two workers at once: a statement's (seller, week)
is unique and a loser's savepoint rolls back. Paying out locks the seller's payable
account (``FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises writers),
pays at most what is available now, and a statement has at most one payout.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import Role, User
from core.timeutil import local_today, to_local, utcnow
from ledger.errors import LedgerError
from ledger.figures import balance_before, figures, week_bounds, week_start_of
from ledger.models import (
    PLATFORM,
    Account,
    AccountKind,
    EntryKind,
    JournalEntry,
    Payout,
    PayoutMethod,
    Statement,
)
from ledger.services import Leg, account, available_fen, post

MAX_SIGNATURE_CHARS = 20_000
SIGNATURE_PATH = re.compile(r"^(?:[ML]\d{1,4} \d{1,4})+$")


def last_closed_week(now: dt.datetime | None = None) -> dt.date:
    """The Monday of the last local week that has ended."""
    return week_start_of(local_today(now)) - dt.timedelta(days=7)


def _sellers_to_settle(session: Session, end: dt.datetime) -> Sequence[int]:
    return session.scalars(
        select(JournalEntry.seller_id)
        .where(JournalEntry.seller_id.is_not(None), JournalEntry.created_at < end)
        .distinct()
        .order_by(JournalEntry.seller_id)
    ).all()  # type: ignore[return-value]


def settle_seller(session: Session, *, seller_id: int, week_start: dt.date) -> Statement | None:
    """Close one seller's week; the statement already there if it was closed before.
    None for a seller with nothing that week and nothing owed."""
    query = select(Statement).where(
        Statement.seller_id == seller_id, Statement.week_start == week_start
    )
    existing = session.scalar(query)
    if existing is not None:
        return existing
    start, end = week_bounds(week_start)
    opening = balance_before(session, seller_id=seller_id, moment=start)
    week = figures(session, seller_id=seller_id, start=start, end=end)
    if opening == 0 and week == type(week)():
        return None
    statement = Statement(
        seller_id=seller_id,
        week_start=week_start,
        opening_fen=opening,
        sales_fen=week.sales_fen,
        commission_fen=week.commission_fen,
        refunds_fen=week.refunds_fen,
        payouts_fen=week.payouts_fen,
        closing_fen=opening + week.net_fen,
    )
    try:
        with session.begin_nested():
            session.add(statement)
            session.flush()
    except IntegrityError:
        return session.scalars(query).one()
    return statement


def settle_week(
    session: Session, *, week_start: dt.date | None = None, now: dt.datetime | None = None
) -> list[Statement]:
    """Close every seller's week (the last ended one by default); only ended weeks."""
    week_start = week_start_of(week_start) if week_start else last_closed_week(now)
    _, end = week_bounds(week_start)
    if end > (now or utcnow()):
        raise LedgerError("week_not_over")
    statements = [
        settle_seller(session, seller_id=seller_id, week_start=week_start)
        for seller_id in _sellers_to_settle(session, end)
    ]
    return [s for s in statements if s is not None]


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
