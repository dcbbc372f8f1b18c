"""Shop is the composition root: it connects the lower packages' signals to its orders."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from payments.models import Payment
from payments.signals import payment_succeeded
from shop.orders import services


def _on_payment_succeeded(_sender: Any, *, payment: Payment, session: Session, **_: Any) -> None:
    services.mark_paid(session, subject_ref=payment.subject_ref)


def connect_handlers() -> None:
    """Idempotent: blinker keeps one connection per receiver."""
    payment_succeeded.connect(_on_payment_succeeded, weak=False)
