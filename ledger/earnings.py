"""What a seller sees of their money: pending, available, paid out, per entry and week.

"Pending" is money for goods sold but not yet final; only shop knows those orders, so
shop registers a source of them (``register_pending_source``) and ledger prices each at
the seller's share, with the station's commission rules, without posting anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.timeutil import local_today
from ledger.commission import SaleLine, commission_for
from ledger.figures import Figures, figures, week_bounds, week_start_of
from ledger.models import AccountKind, JournalEntry, Statement
from ledger.services import available_fen
from ledger.settlement import statements_of

WEEKS_SHOWN = 12
ENTRIES_SHOWN = 50


@dataclass(frozen=True)
class PendingSale:
    """An order or pledge sold but not final, as its source describes it."""

    subject_ref: str
    village_id: int
    lines: Sequence[SaleLine]
    description: str = ""


PendingSource = Callable[[Session, int], Sequence[PendingSale]]
_pending_sources: list[PendingSource] = []


def register_pending_source(source: PendingSource) -> None:
    if source not in _pending_sources:
        _pending_sources.append(source)


@dataclass(frozen=True)
class PendingLine:
    sale: PendingSale
    share_fen: int
    commission_fen: int


@dataclass(frozen=True)
class Week:
    week_start: dt.date
    figures: Figures


@dataclass(frozen=True)
class EntryLine:
    entry: JournalEntry
    gross_fen: int  # what the buyer paid or got back, what the seller took
    commission_fen: int  # kept by the station (negative: given back on a refund)
    seller_fen: int  # the change of the seller's balance


@dataclass(frozen=True)
class Earnings:
    pending: list[PendingLine]
    available_fen: int
    total: Figures
    weeks: list[Week]
    entries: list[EntryLine]
    statements: Sequence[Statement] = field(default_factory=list)

    @property
    def pending_fen(self) -> int:
        return sum(line.share_fen for line in self.pending)

    @property
    def paid_out_fen(self) -> int:
        return self.total.payouts_fen

    @property
    def commission_fen(self) -> int:
        return self.total.commission_fen


def pending_lines(session: Session, seller_id: int) -> list[PendingLine]:
    lines = []
    for source in _pending_sources:
        for sale in source(session, seller_id):
            gross = sum(line.amount_fen for line in sale.lines)
            commission = commission_for(session, village_id=sale.village_id, lines=list(sale.lines))
            lines.append(PendingLine(sale, gross - commission, commission))
    return lines


def weeks_of(
    session: Session, *, seller_id: int, count: int = WEEKS_SHOWN, now: dt.datetime | None = None
) -> list[Week]:
    """The last ``count`` local weeks, oldest first, this week included."""
    this_week = week_start_of(local_today(now))
    weeks = []
    for back in range(count - 1, -1, -1):
        start_day = this_week - dt.timedelta(weeks=back)
        start, end = week_bounds(start_day)
        weeks.append(Week(start_day, figures(session, seller_id=seller_id, start=start, end=end)))
    return weeks


def _entry_line(entry: JournalEntry) -> EntryLine:
    seller = sum(
        p.amount_fen for p in entry.postings if p.account.kind is AccountKind.SELLER_PAYABLE
    )
    commission = sum(
        p.amount_fen for p in entry.postings if p.account.kind is AccountKind.STATION_COMMISSION
    )
    return EntryLine(entry, abs(seller + commission), -commission, -seller)


def recent_entries(session: Session, *, seller_id: int) -> list[EntryLine]:
    entries = session.scalars(
        select(JournalEntry)
        .where(JournalEntry.seller_id == seller_id)
        .order_by(JournalEntry.created_at.desc(), JournalEntry.id.desc())
        .limit(ENTRIES_SHOWN)
    ).all()
    return [_entry_line(entry) for entry in entries]


def week_entries(session: Session, *, seller_id: int, week_start: dt.date) -> list[EntryLine]:
    """Every entry of the seller's local week, oldest first: the lines of its statement."""
    start, end = week_bounds(week_start)
    entries = session.scalars(
        select(JournalEntry)
        .where(
            JournalEntry.seller_id == seller_id,
            JournalEntry.created_at >= start,
            JournalEntry.created_at < end,
        )
        .order_by(JournalEntry.created_at, JournalEntry.id)
    ).all()
    return [_entry_line(entry) for entry in entries]


def earnings_of(session: Session, *, seller_id: int, now: dt.datetime | None = None) -> Earnings:
    return Earnings(
        pending=pending_lines(session, seller_id),
        available_fen=available_fen(session, seller_id),
        total=figures(session, seller_id=seller_id),
        weeks=weeks_of(session, seller_id=seller_id, now=now),
        entries=recent_entries(session, seller_id=seller_id),
        statements=statements_of(session, seller_id=seller_id),
    )
