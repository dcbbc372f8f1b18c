"""Applying provider events: each event id once, in the same transaction as its effect,
and only as a forward move. The intent is re-fetched from the provider, so events
arriving late, twice or out of order all end in the state the provider reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from payments.errors import PaymentError
from payments.gateways import GatewayError, IntentState, IntentStatus
from payments.models import Payment, PaymentStatus, WebhookEvent
from payments.services import apply_intent_state, gateway_of, note_refunded
from payments.stripe_gateway import intent_state

INTENT_EVENTS = frozenset(
    {
        "payment_intent.succeeded",
        "payment_intent.amount_capturable_updated",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
    }
)
CHARGE_EVENTS = frozenset({"charge.refunded", "charge.expired"})


def _claim(session: Session, event: dict[str, Any], object_id: str | None) -> WebhookEvent | None:
    """Store the event id; None if another delivery of the same event got there first."""
    record = WebhookEvent(event_id=str(event["id"]), type=str(event["type"]), object_id=object_id)
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        return None
    return record


def _intent_id(event: dict[str, Any]) -> str | None:
    obj = event.get("data", {}).get("object", {})
    if event["type"] in INTENT_EVENTS:
        intent_id = obj.get("id")
        return intent_id if isinstance(intent_id, str) else None
    payment_intent = obj.get("payment_intent")
    return payment_intent if isinstance(payment_intent, str) else None


def apply_event(session: Session, event: dict[str, Any]) -> str:
    """Apply one verified event; answers what happened (stored with the event)."""
    intent_id = _intent_id(event)
    record = _claim(session, event, intent_id)
    if record is None:
        return "duplicate"
    payment = (
        session.scalar(select(Payment).where(Payment.provider_id == intent_id))
        if intent_id
        else None
    )
    if payment is None:
        outcome = "ignored: no payment for this object"
    elif event["type"] in INTENT_EVENTS:
        outcome = _apply_intent_event(session, payment, event["data"]["object"])
    elif event["type"] in CHARGE_EVENTS:
        outcome = _apply_charge_event(session, payment, event["type"], event["data"]["object"])
    else:
        outcome = "ignored: event type not handled"
    record.outcome = outcome
    session.flush()
    return outcome


def _apply_intent_event(session: Session, payment: Payment, snapshot: dict[str, Any]) -> str:
    state = _fresh_state(payment)
    if state is None:  # provider unreachable: the event's own snapshot, forward only
        state = intent_state(snapshot)
    error = snapshot.get("last_payment_error") or {}
    if state.status is IntentStatus.REQUIRES_PAYMENT and error.get("message"):
        state = IntentState(
            state.provider_id, state.status, state.amount_fen, failure_message=str(error["message"])
        )
    moved = apply_intent_state(session, payment, state)
    return f"{'moved to' if moved else 'stays'} {payment.status.value}"


def _fresh_state(payment: Payment) -> IntentState | None:
    try:
        return gateway_of(payment).retrieve(payment.provider_id or "")
    except (GatewayError, PaymentError):
        return None


def _apply_charge_event(
    session: Session, payment: Payment, event_type: str, charge: dict[str, Any]
) -> str:
    if event_type == "charge.expired":  # an uncaptured hold ran out
        expired = IntentState(payment.provider_id or "", IntentStatus.CANCELED, payment.amount_fen)
        moved = apply_intent_state(session, payment, expired)
        return f"{'moved to' if moved else 'stays'} {payment.status.value}"
    if payment.status is not PaymentStatus.SUCCEEDED:
        return f"stays {payment.status.value}"
    refunded = int(charge.get("amount_refunded", 0))
    noted = note_refunded(session, payment, refunded)
    return f"refunded {payment.refunded_fen}" if noted else f"stays {payment.status.value}"
