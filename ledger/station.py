"""The station's side: sellers waiting for their money, and the month's books.

The month report is read from the same postings as everything else, so it sums to the
ledger by construction: the till's change over the month equals cash sales minus cash
refunds minus cash payouts, and the test checks it against the accounts' balances.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Role, User
from core.timeutil import LOCAL_ZONE
from ledger.figures import SPLIT_ACCOUNTS, Figures, fold
from ledger.models import (
    Account,
    AccountKind,
    EntryKind,
    JournalEntry,
    Payout,
    PayoutMethod,
    Posting,
    Statement,
)
from ledger.services import available_fen
from ledger.settlement import station_of
from payments.statements import CashLine


def seller_of(session: Session, statement: Statement) -> User:
    seller = session.get(User, statement.seller_id)
    assert seller is not None
    return seller


def payable_now(session: Session, statement: Statement) -> int:
    """What paying this statement now would hand over (never more than is available)."""
    if statement.payout is not None:
        return 0
    return max(0, min(statement.closing_fen, available_fen(session, statement.seller_id)))


@dataclass(frozen=True)
class Due:
    seller: User
    statement: Statement
    amount_fen: int


def payouts_due(session: Session, *, agent: User) -> list[Due]:
    """Sellers of the agent's station (every station's, for the admin) whose latest
    statement is not paid yet and who have money available, in a few queries whatever
    the number of sellers."""
    sellers = select(JournalEntry.seller_id).where(JournalEntry.seller_id.is_not(None))
    if not agent.has_role(Role.ADMIN):
        sellers = sellers.where(JournalEntry.village_id.in_(agent.villages_for(Role.AGENT)))
    latest = (
        select(Statement.seller_id, func.max(Statement.week_start).label("week_start"))
        .where(Statement.seller_id.in_(sellers))
        .group_by(Statement.seller_id)
        .subquery()
    )
    unpaid = session.execute(
        select(Statement, User)
        .join(
            latest,
            (Statement.seller_id == latest.c.seller_id)
            & (Statement.week_start == latest.c.week_start),
        )
        .join(User, User.id == Statement.seller_id)
        .outerjoin(Payout, Payout.statement_id == Statement.id)
        .where(Payout.id.is_(None), Statement.closing_fen > 0)
        .order_by(Statement.seller_id)
    ).all()
    available = dict(
        session.execute(
            select(Account.owner_id, -func.sum(Posting.amount_fen))
            .join(Posting, Posting.account_id == Account.id)
            .where(Account.kind == AccountKind.SELLER_PAYABLE, Account.owner_id.in_(sellers))
            .group_by(Account.owner_id)
        ).all()
    )
    due = []
    for statement, seller in unpaid:
        amount = min(statement.closing_fen, int(available.get(seller.id) or 0))
        if amount > 0:
            due.append(Due(seller, statement, amount))
    return due


@dataclass(frozen=True)
class SellerMonth:
    seller: User
    figures: Figures


@dataclass(frozen=True)
class MonthReport:
    village_id: int
    month: dt.date  # the first day
    sellers: list[SellerMonth]
    total: Figures
    till_opening_fen: int
    till_change_fen: int

    @property
    def till_closing_fen(self) -> int:
        return self.till_opening_fen + self.till_change_fen


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return (
        dt.datetime.combine(first, dt.time(), tzinfo=LOCAL_ZONE).astimezone(dt.UTC),
        dt.datetime.combine(following, dt.time(), tzinfo=LOCAL_ZONE).astimezone(dt.UTC),
    )


def _till(session: Session, village_id: int, *conditions: object) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(Posting.amount_fen), 0))
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .join(Account, Posting.account_id == Account.id)
        .where(
            Account.kind == AccountKind.STATION_TILL,
            Account.owner_id == village_id,
            *conditions,  # type: ignore[arg-type]
        )
    )
    return int(total or 0)


def month_report(session: Session, *, agent: User, month: dt.date) -> MonthReport:
    """Sales, commission, refunds and payouts per seller at the agent's station, and the
    till, for one local calendar month."""
    village_id = station_of(agent)
    start, end = month_bounds(month)
    in_month = (JournalEntry.created_at >= start, JournalEntry.created_at < end)
    rows = session.execute(
        select(
            JournalEntry.seller_id, JournalEntry.kind, Account.kind, func.sum(Posting.amount_fen)
        )
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(Account, Posting.account_id == Account.id)
        .where(JournalEntry.village_id == village_id, Account.kind.in_(SPLIT_ACCOUNTS), *in_month)
        .group_by(JournalEntry.seller_id, JournalEntry.kind, Account.kind)
    ).all()
    by_seller: dict[int, list[tuple[EntryKind, AccountKind, int | None]]] = defaultdict(list)
    for seller_id, entry_kind, account_kind, total in rows:
        if seller_id is not None:
            by_seller[seller_id].append((entry_kind, account_kind, total))
    sellers = [
        SellerMonth(session.get(User, seller_id), fold(rows))  # type: ignore[arg-type]
        for seller_id, rows in sorted(by_seller.items())
    ]
    return MonthReport(
        village_id=village_id,
        month=month.replace(day=1),
        sellers=sellers,
        total=fold(row for rows in by_seller.values() for row in rows),
        till_opening_fen=_till(session, village_id, JournalEntry.created_at < start),
        till_change_fen=_till(session, village_id, *in_month),
    )


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def month_csv(report: MonthReport) -> str:
    """One row per seller and a total row, in yuan with two decimals, headed in the reader's
    language (Chinese first). It starts with a byte-order mark: without it, Excel on a
    station's Windows PC reads the UTF-8 names as garbage."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [
            _("卖家"),
            _("手机号"),
            _("卖出（元）"),
            _("本站抽成（元）"),
            _("退款（元）"),
            _("付给卖家（元）"),
            _("未付（元）"),
        ]
    )
    for line in report.sellers:
        f = line.figures
        writer.writerow(
            [line.seller.name, line.seller.phone]
            + [
                _yuan(v)
                for v in (f.sales_fen, f.commission_fen, f.refunds_fen, f.payouts_fen, f.net_fen)
            ]
        )
    t = report.total
    writer.writerow(
        [_("合计"), ""]
        + [
            _yuan(v)
            for v in (t.sales_fen, t.commission_fen, t.refunds_fen, t.payouts_fen, t.net_fen)
        ]
    )
    writer.writerow([_("钱箱月初"), "", _yuan(report.till_opening_fen)])
    writer.writerow([_("钱箱本月变化"), "", _yuan(report.till_change_fen)])
    writer.writerow([_("钱箱月末"), "", _yuan(report.till_closing_fen)])
    return out.getvalue()


def cash_payout_lines(
    session: Session, village_id: int, start: dt.datetime, end: dt.datetime
) -> list[CashLine]:
    """Cash paid out to sellers at a station, for the daily cash statement."""
    rows = session.execute(
        select(Payout, User.name)
        .join(User, Payout.agent_id == User.id)
        .where(
            Payout.village_id == village_id,
            Payout.method == PayoutMethod.CASH,
            Payout.created_at >= start,
            Payout.created_at < end,
        )
        .order_by(Payout.created_at)
    ).all()
    return [
        CashLine(
            at=payout.created_at,
            subject_ref=f"payout:{payout.id}",
            amount_fen=-payout.amount_fen,
            agent_name=agent_name,
            payout=True,
        )
        for payout, agent_name in rows
    ]
