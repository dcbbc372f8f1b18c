"""The station's daily cash statement and the reconciliation of stuck online payments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import User
from core.timeutil import LOCAL_ZONE, utcnow
from payments.errors import PaymentError
from payments.models import OperationAction, Payment, PaymentMethod, PaymentOperation, PaymentStatus
from payments.services import refresh_from_provider

CASH_ACTIONS = (OperationAction.COLLECT_CASH, OperationAction.REFUND_CASH)


@dataclass(frozen=True)
class CashLine:
    at: dt.datetime
    subject_ref: str
    amount_fen: int  # negative for cash handed back
    agent_name: str
    payout: bool = False  # cash paid out to a seller (from the ledger), not a refund


#: Other packages add cash movements of their own (ledger: payouts to sellers) through
#: ``register_cash_source``; payments does not import them.
CashSource = Callable[[Session, int, dt.datetime, dt.datetime], list[CashLine]]
_cash_sources: list[CashSource] = []


def register_cash_source(source: CashSource) -> None:
    if source not in _cash_sources:
        _cash_sources.append(source)


@dataclass(frozen=True)
class CashStatement:
    village_id: int
    day: dt.date
    lines: list[CashLine]

    @property
    def collected_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines if line.amount_fen > 0)

    @property
    def refunded_fen(self) -> int:
        return -sum(
            line.amount_fen for line in self.lines if line.amount_fen < 0 and not line.payout
        )

    @property
    def paid_out_fen(self) -> int:
        return -sum(line.amount_fen for line in self.lines if line.payout)

    @property
    def net_fen(self) -> int:
        """What the till should hold from this day's business."""
        return self.collected_fen - self.refunded_fen - self.paid_out_fen


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_ZONE).astimezone(dt.UTC)
    return start, start + dt.timedelta(days=1)


def cash_statement(session: Session, *, village_id: int, day: dt.date) -> CashStatement:
    """Every cash movement at one station on one local (Asia/Shanghai) day."""
    start, end = local_day_bounds(day)
    rows = session.execute(
        select(PaymentOperation, Payment.subject_ref, User.name)
        .join(Payment, PaymentOperation.payment_id == Payment.id)
        .outerjoin(User, PaymentOperation.actor_id == User.id)
        .where(
            Payment.village_id == village_id,
            Payment.method == PaymentMethod.CASH,
            PaymentOperation.action.in_(CASH_ACTIONS),
            PaymentOperation.completed.is_(True),
            PaymentOperation.created_at >= start,
            PaymentOperation.created_at < end,
        )
        .order_by(PaymentOperation.created_at, PaymentOperation.id)
    ).all()
    lines = [
        CashLine(
            at=operation.created_at,
            subject_ref=subject_ref,
            amount_fen=operation.amount_fen
            if operation.action is OperationAction.COLLECT_CASH
            else -operation.amount_fen,
            agent_name=agent_name or "",
        )
        for operation, subject_ref, agent_name in rows
    ]
    for source in _cash_sources:
        lines.extend(source(session, village_id, start, end))
    lines.sort(key=lambda line: line.at)
    return CashStatement(village_id=village_id, day=day, lines=lines)


@dataclass
class ReconcileReport:
    checked: int = 0
    moved: int = 0
    unreachable: int = 0


def reconcile(
    session: Session,
    *,
    stale_after: dt.timedelta = dt.timedelta(minutes=30),
    now: dt.datetime | None = None,
    limit: int = 500,
) -> ReconcileReport:
    """Ask the provider about online payments that have not moved for a while."""
    cutoff = (now or utcnow()) - stale_after
    stuck = session.scalars(
        select(Payment)
        .where(
            Payment.method == PaymentMethod.ONLINE,
            Payment.status.in_((PaymentStatus.REQUIRES_PAYMENT, PaymentStatus.AUTHORISED)),
            Payment.provider_id.is_not(None),
            Payment.updated_at < cutoff,
        )
        .order_by(Payment.id)
        .limit(limit)
    ).all()
    report = ReconcileReport()
    for payment in stuck:
        report.checked += 1
        try:
            report.moved += refresh_from_provider(session, payment)
        except PaymentError:  # the provider could not be asked; the next run tries again
            report.unreachable += 1
    return report
