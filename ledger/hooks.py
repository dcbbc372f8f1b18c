"""What ledger tells and hears from payments by itself: money given back after a sale
was booked, and cash payouts for the station's daily cash statement.
(Sales are posted by shop, which knows orders and pledges: see shop/earnings.py.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ledger.services import post_refund
from ledger.station import cash_payout_lines
from payments.models import Payment
from payments.signals import payment_refunded
from payments.statements import register_cash_source


def _on_payment_refunded(_sender: Any, *, payment: Payment, session: Session, **_: Any) -> None:
    post_refund(
        session,
        subject_ref=payment.subject_ref,
        refunded_total_fen=payment.refunded_fen,
        method=payment.method,
    )


def connect() -> None:
    """Idempotent: blinker keeps one connection per receiver."""
    payment_refunded.connect(_on_payment_refunded, weak=False)
    register_cash_source(cash_payout_lines)
