"""A seller's money in figures, read from the postings (never stored twice).

For entries of one seller: sales are what buyers paid (the payable and commission
credits of sale and pledge entries), commission is what the station kept net of what it
gave back on refunds, refunds what went back to buyers (refunds and claims), payouts what
the seller took.
So ``sales - commission - refunds - payouts`` is exactly the change of the seller's
payable balance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.timeutil import LOCAL_ZONE
from ledger.models import Account, AccountKind, EntryKind, JournalEntry, Posting

SPLIT_ACCOUNTS = (AccountKind.SELLER_PAYABLE, AccountKind.STATION_COMMISSION)


@dataclass(frozen=True)
class Figures:
    sales_fen: int = 0
    commission_fen: int = 0
    refunds_fen: int = 0
    payouts_fen: int = 0

    @property
    def net_fen(self) -> int:
        return self.sales_fen - self.commission_fen - self.refunds_fen - self.payouts_fen


def figures(
    session: Session,
    *,
    seller_id: int,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> Figures:
    """The seller's figures for entries made in ``[start, end)`` (all time by default)."""
    query = (
        select(JournalEntry.kind, Account.kind, func.sum(Posting.amount_fen))
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(Account, Posting.account_id == Account.id)
        .where(JournalEntry.seller_id == seller_id, Account.kind.in_(SPLIT_ACCOUNTS))
        .group_by(JournalEntry.kind, Account.kind)
    )
    if start is not None:
        query = query.where(JournalEntry.created_at >= start)
    if end is not None:
        query = query.where(JournalEntry.created_at < end)
    return fold(session.execute(query).all())


def fold(rows: Iterable[tuple[EntryKind, AccountKind, int | None]]) -> Figures:
    """Figures from postings summed by entry kind and account kind (the split accounts)."""
    sales = commission = refunds = payouts = 0
    for entry_kind, account_kind, total in rows:
        amount = int(total or 0)
        if account_kind is AccountKind.STATION_COMMISSION:
            commission -= amount
        if entry_kind in (EntryKind.SALE, EntryKind.PLEDGE):
            sales -= amount
        elif entry_kind in (EntryKind.REFUND, EntryKind.CLAIM):
            refunds += amount
        elif entry_kind is EntryKind.PAYOUT:
            payouts += amount
    return Figures(sales, commission, refunds, payouts)


def week_start_of(day: dt.date) -> dt.date:
    """The Monday of the local week of ``day``."""
    return day - dt.timedelta(days=day.weekday())


def week_bounds(week_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants where a local (Asia/Shanghai) Monday-to-Sunday week begins and ends."""
    start = dt.datetime.combine(week_start, dt.time(), tzinfo=LOCAL_ZONE)
    end = dt.datetime.combine(week_start + dt.timedelta(days=7), dt.time(), tzinfo=LOCAL_ZONE)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)
