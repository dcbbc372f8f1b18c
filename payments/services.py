"""Payment services: start, collect cash, capture, cancel, refund, apply provider state.

Every gateway call is preceded by a ``PaymentOperation`` row carrying a deterministic
idempotency key per (payment, action, sequence), flushed before the call: a retry after
a timeout sends the same key, and the provider answers the first result.
Statuses only move forward (``PAYMENT_TRANSITIONS``); a late or repeated answer that
would move one back is ignored.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.labels import LabelText
from core.models import User
from core.money import format_fen
from core.timeutil import utcnow
from payments import signals
from payments.errors import PaymentError
from payments.gateways import GatewayError, IntentState, IntentStatus, PaymentGateway
from payments.gateways import installed_gateways as gateways
from payments.models import (
    PAYMENT_TRANSITIONS,
    CaptureMode,
    OperationAction,
    Payment,
    PaymentMethod,
    PaymentOperation,
    PaymentStatus,
)

T = TypeVar("T")
_log = logging.getLogger(__name__)
# Card holds lapse after about 7 days (Visa merchant-initiated ~4 d 18 h): act well before.
CARD_HOLD_LIFETIME = dt.timedelta(days=4, hours=12)
MAX_AMOUNT_FEN = 10_000_000  # ¥100,000: far above any village order or pledge

_FORWARD = {
    IntentStatus.REQUIRES_PAYMENT: PaymentStatus.REQUIRES_PAYMENT,
    IntentStatus.REQUIRES_CAPTURE: PaymentStatus.AUTHORISED,
    IntentStatus.SUCCEEDED: PaymentStatus.SUCCEEDED,
    IntentStatus.CANCELED: PaymentStatus.CANCELLED,
}


def online_payments_available() -> bool:
    return gateways().online is not None


def gateway_of(payment: Payment) -> PaymentGateway:
    if payment.method is PaymentMethod.CASH:
        return gateways().cash
    online = gateways().online
    if online is None:
        raise PaymentError("online_not_configured")
    return online


def provider_fee_fen(payment: Payment) -> int | None:
    """The fee the provider took on this payment, when it says (see ``fee_fen``)."""
    if payment.provider_id is None:
        return None
    try:
        return gateway_of(payment).fee_fen(payment.provider_id)
    except PaymentError:  # online payments are no longer configured
        return None


def payment_for(session: Session, subject_ref: str) -> Payment | None:
    return session.scalar(select(Payment).where(Payment.subject_ref == subject_ref))


def get_payment(session: Session, subject_ref: str) -> Payment:
    payment = payment_for(session, subject_ref)
    if payment is None:
        raise PaymentError("payment_not_found")
    return payment


def _record_operation(
    session: Session,
    payment: Payment,
    action: OperationAction,
    *,
    amount_fen: int = 0,
    actor: User | None = None,
) -> PaymentOperation:
    """Persist the operation and its key before the gateway is called."""
    sequence = session.scalar(
        select(func.count(PaymentOperation.id)).where(
            PaymentOperation.payment_id == payment.id, PaymentOperation.action == action
        )
    )
    operation = PaymentOperation(
        payment=payment,
        action=action,
        amount_fen=amount_fen,
        idempotency_key=f"cz-{payment.key_seed}-{action.value}-{sequence or 0}",
        actor_id=actor.id if actor else None,
    )
    session.add(operation)
    session.flush()
    return operation


def apply_intent_state(session: Session, payment: Payment, state: IntentState) -> bool:
    """Bring the payment forward to what the provider reports. True when it moved."""
    target = _FORWARD[state.status]
    if state.failure_message and target is PaymentStatus.REQUIRES_PAYMENT:
        payment.failure_message = state.failure_message[:300]
        signals.payment_failed.send(None, payment=payment, session=session)
    if target is PaymentStatus.SUCCEEDED and payment.status is not PaymentStatus.SUCCEEDED:
        received = state.received_fen if state.received_fen is not None else payment.amount_fen
        payment.captured_fen = payment.captured_fen or min(received, payment.amount_fen)
    if target is PaymentStatus.AUTHORISED and payment.capture_before is None:
        payment.capture_before = utcnow() + CARD_HOLD_LIFETIME
    return payment.advance_to(target)


def start_payment(
    session: Session,
    *,
    subject_ref: str,
    amount_fen: int,
    method: PaymentMethod,
    village_id: int,
    capture: CaptureMode | str = CaptureMode.AUTOMATIC,
) -> Payment:
    """Open the payment of an order or pledge.

    For an online payment the caller commits this first and then calls
    ``open_online_intent`` in a second transaction: the payment and its idempotency
    key are then on disk before Stripe is asked, so a retry after a lost answer finds
    the same intent instead of charging twice.
    """
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise PaymentError("amount_not_whole_fen")
    if not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise PaymentError("amount_out_of_range")
    if payment_for(session, subject_ref) is not None:
        raise PaymentError("already_has_payment")
    if method is PaymentMethod.ONLINE and not online_payments_available():
        raise PaymentError("online_not_configured")
    payment = Payment(
        subject_ref=subject_ref,
        method=method,
        capture_mode=CaptureMode(capture),
        amount_fen=amount_fen,
        village_id=village_id,
        status=PaymentStatus.AWAITING_CASH
        if method is PaymentMethod.CASH
        else PaymentStatus.REQUIRES_PAYMENT,
    )
    session.add(payment)
    session.flush()
    if method is PaymentMethod.ONLINE:
        _record_operation(session, payment, OperationAction.CREATE, amount_fen=amount_fen)
    return payment


def open_online_intent(
    session: Session, *, payment_id: int, payment_method: str | None = None
) -> Payment:
    """Create (or, on a retry, find again) the provider's intent of a committed payment."""
    payment = session.get(Payment, payment_id)
    if payment is None or payment.method is not PaymentMethod.ONLINE:
        raise PaymentError("online_payment_not_found")
    if payment.provider_id is not None:
        return payment
    operation = next(op for op in payment.operations if op.action is OperationAction.CREATE)
    state = _gateway_call(
        lambda gateway: gateway.create_intent(
            reference=payment.subject_ref,
            amount_fen=payment.amount_fen,
            capture_mode=payment.capture_mode,
            idempotency_key=operation.idempotency_key,
            payment_method=payment_method,
        ),
        payment,
    )
    payment.provider_id = state.provider_id
    payment.client_secret = state.client_secret
    operation.completed = True
    apply_intent_state(session, payment, state)
    return payment


def _gateway_call(call: Callable[[PaymentGateway], T], payment: Payment) -> T:
    try:
        return call(gateway_of(payment))
    except GatewayError as error:
        _log.warning("payment %s: %s", payment.id, error)
        raise PaymentError("provider_refused") from error


def record_cash(session: Session, *, payment_id: int, amount_fen: int, agent: User) -> Payment:
    """The agent took the whole amount in cash at the counter."""
    payment = session.get(Payment, payment_id)
    if payment is None or payment.method is not PaymentMethod.CASH:
        raise PaymentError("cash_payment_not_found")
    if payment.status is PaymentStatus.SUCCEEDED:
        return payment  # counted already: a double tap changes nothing
    PAYMENT_TRANSITIONS.check(payment.status, PaymentStatus.SUCCEEDED)
    if amount_fen != payment.amount_fen:
        raise PaymentError("cash_mismatch")
    operation = _record_operation(
        session, payment, OperationAction.COLLECT_CASH, amount_fen=amount_fen, actor=agent
    )
    state = gateways().cash.capture(
        payment.provider_id or "", amount_fen=amount_fen, idempotency_key=operation.idempotency_key
    )
    payment.collected_by_id = agent.id
    operation.completed = True
    apply_intent_state(session, payment, state)
    return payment


def capture_payment(session: Session, *, subject_ref: str, amount_fen: int) -> Payment:
    """Capture a held payment, partially when the final price is lower; never above the hold."""
    payment = get_payment(session, subject_ref)
    if payment.status is PaymentStatus.SUCCEEDED:
        return payment
    if payment.status is not PaymentStatus.AUTHORISED:
        raise PaymentError("cannot_capture", status=LabelText(payment.status))
    if not 0 < amount_fen <= payment.amount_fen:
        raise PaymentError("capture_exceeds_hold")
    operation = _record_operation(session, payment, OperationAction.CAPTURE, amount_fen=amount_fen)
    state = _gateway_call(
        lambda gateway: gateway.capture(
            payment.provider_id or "",
            amount_fen=amount_fen,
            idempotency_key=operation.idempotency_key,
        ),
        payment,
    )
    payment.captured_fen = amount_fen
    operation.completed = True
    apply_intent_state(session, payment, state)
    return payment


def cancel_payment(session: Session, *, subject_ref: str) -> Payment | None:
    """Release a hold or drop an unpaid payment; a paid one must be refunded instead."""
    payment = payment_for(session, subject_ref)
    if payment is None or payment.status is PaymentStatus.CANCELLED:
        return payment
    PAYMENT_TRANSITIONS.check(payment.status, PaymentStatus.CANCELLED)
    operation = _record_operation(session, payment, OperationAction.CANCEL)
    if payment.provider_id and payment.method is PaymentMethod.ONLINE:
        state = _gateway_call(
            lambda gateway: gateway.cancel(
                payment.provider_id or "", idempotency_key=operation.idempotency_key
            ),
            payment,
        )
        if state.status is IntentStatus.SUCCEEDED:  # it was paid meanwhile
            apply_intent_state(session, payment, state)
            raise PaymentError("paid_refund_instead")
    operation.completed = True
    payment.advance_to(PaymentStatus.CANCELLED)
    return payment


def refund_payment(
    session: Session, *, subject_ref: str, amount_fen: int, actor: User | None = None
) -> Payment:
    """Give money back, never more than was captured and not yet refunded."""
    payment = get_payment(session, subject_ref)
    if payment.status is not PaymentStatus.SUCCEEDED:
        raise PaymentError("not_paid")
    if not 0 < amount_fen <= payment.balance_fen:
        raise PaymentError("refund_too_large", most=format_fen(payment.balance_fen))
    action = (
        OperationAction.REFUND_CASH
        if payment.method is PaymentMethod.CASH
        else OperationAction.REFUND
    )
    operation = _record_operation(session, payment, action, amount_fen=amount_fen, actor=actor)
    _gateway_call(
        lambda gateway: gateway.refund(
            payment.provider_id or "",
            amount_fen=amount_fen,
            idempotency_key=operation.idempotency_key,
        ),
        payment,
    )
    operation.completed = True
    note_refunded(session, payment, payment.refunded_fen + amount_fen)
    return payment


def note_refunded(session: Session, payment: Payment, refunded_total_fen: int) -> bool:
    """Record that ``refunded_total_fen`` has been given back in all; announce it once."""
    if refunded_total_fen <= payment.refunded_fen:
        return False
    payment.refunded_fen = min(refunded_total_fen, payment.captured_fen)
    session.flush()
    fully = payment.refunded_fen == payment.captured_fen
    if not (fully and payment.advance_to(PaymentStatus.REFUNDED)):
        signals.payment_refunded.send(None, payment=payment, session=session)
    return True


def refresh_from_provider(session: Session, payment: Payment) -> bool:
    """Ask the provider where the payment stands and move forward to it."""
    if payment.provider_id is None or payment.method is PaymentMethod.CASH:
        return False
    state = _gateway_call(lambda gateway: gateway.retrieve(payment.provider_id or ""), payment)
    return state is not None and apply_intent_state(session, payment, state)
