"""The Stripe webhook: signatures on the raw body, each event once, any order, forward only.

localstripe sends only payment_intent.succeeded / payment_failed itself, so these tests sign
recorded-shape events with the endpoint secret, the way Stripe does (HMAC-SHA256 of
``t.payload``), for intents that really exist in localstripe.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import transaction
from payments.models import CaptureMode, Payment, PaymentMethod, PaymentStatus, WebhookEvent
from payments.services import capture_payment, open_online_intent, start_payment
from payments.stripe_gateway import StripeGateway
from payments.webhooks import apply_event
from tests.payments.fixtures import event_body, sign

WEBHOOK = "/payments/stripe/webhook"


def _held(db: Session, village_id: int, ref: str, amount: int = 15_000) -> Payment:
    payment = start_payment(
        db,
        subject_ref=ref,
        amount_fen=amount,
        method=PaymentMethod.ONLINE,
        village_id=village_id,
        capture=CaptureMode.MANUAL,
    )
    return open_online_intent(db, payment_id=payment.id, payment_method="pm_card_visa")


def _post(client: Any, event: dict[str, Any], signature: str | None = None) -> Any:
    body = event_body(event)
    headers = {
        "Stripe-Signature": signature if signature is not None else sign(body),
        "Content-Type": "application/json",
    }
    return client.post(WEBHOOK, data=body, headers=headers)


def test_bad_missing_or_old_signatures_are_refused_without_a_write(
    webhook_app: Flask, db: Session, make_event: Callable[..., dict[str, Any]]
) -> None:
    client = webhook_app.test_client()
    event = make_event(
        "payment_intent.succeeded", {"id": "pi_nothing", "status": "succeeded", "amount": 100}
    )
    body = event_body(event)
    for signature in [
        "",
        "t=1,v1=deadbeef",
        sign(body, secret="whsec_other"),
        sign(body, timestamp=int(time.time()) - 301),
    ]:
        response = client.post(
            WEBHOOK,
            data=body,
            content_type="application/json",
            headers={"Stripe-Signature": signature},
        )
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "bad_request"
    tampered = body.replace(b"pi_nothing", b"pi_other")
    assert (
        client.post(WEBHOOK, data=tampered, headers={"Stripe-Signature": sign(body)}).status_code
        == 400
    )
    stored = select(func.count(WebhookEvent.id)).where(WebhookEvent.event_id == event["id"])
    assert db.scalar(stored) == 0
    assert _post(client, event).status_code == 200


def test_events_in_every_order_end_where_stripe_says(
    webhook_app: Flask,
    db: Session,
    make_village: Callable[..., Any],
    stripe_gateway: StripeGateway,
    make_event: Callable[..., dict[str, Any]],
) -> None:
    village = make_village()
    client = webhook_app.test_client()
    kinds = [
        "payment_intent.amount_capturable_updated",
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
    ]
    for number, order in enumerate(itertools.permutations(kinds)):
        payment = _held(db, village.id, f"pledge:perm{number}")
        stripe_gateway.capture(
            payment.provider_id or "", amount_fen=13_200, idempotency_key=f"test-{number}"
        )  # Stripe moved on its own
        for kind in order:
            snapshot = {
                "id": payment.provider_id,
                "amount": 15_000,
                "status": "requires_capture",
                "last_payment_error": {"message": "declined"} if kind.endswith("failed") else None,
            }
            assert _post(client, make_event(kind, snapshot)).status_code == 200
            assert payment.status in (PaymentStatus.AUTHORISED, PaymentStatus.SUCCEEDED)
        db.refresh(payment)
        assert payment.status is PaymentStatus.SUCCEEDED, order


def test_charge_events_refund_and_expire(
    db: Session,
    make_village: Callable[..., Any],
    stripe_gateway: StripeGateway,
    make_event: Callable[..., dict[str, Any]],
) -> None:
    village = make_village()
    paid = _held(db, village.id, "pledge:r1")
    capture_payment(db, subject_ref="pledge:r1", amount_fen=10_000)
    charge = {"id": "ch_x", "payment_intent": paid.provider_id, "amount_refunded": 4_000}
    assert apply_event(db, make_event("charge.refunded", charge)) == "refunded 4000"
    assert apply_event(db, make_event("charge.refunded", charge)).startswith("stays")
    over = {**charge, "amount_refunded": 99_999}  # more than captured: capped
    apply_event(db, make_event("charge.refunded", over))
    assert (paid.status, paid.refunded_fen) == (PaymentStatus.REFUNDED, 10_000)
    held = _held(db, village.id, "pledge:r2")
    expired = {"id": "ch_y", "payment_intent": held.provider_id}
    assert apply_event(db, make_event("charge.expired", expired)) == "moved to cancelled"
    assert apply_event(db, make_event("charge.expired", {**expired, "id": "ch_z"})).startswith(
        "stays"
    )


def test_unknown_objects_and_types_are_recorded_and_ignored(
    db: Session, make_event: Callable[..., dict[str, Any]]
) -> None:
    assert apply_event(db, make_event("customer.created", {"id": "cus_1"})).startswith("ignored")
    assert apply_event(db, make_event("payment_intent.succeeded", {"id": "pi_x"})).startswith(
        "ignored"
    )


def test_the_same_event_delivered_five_times_at_once_has_one_effect(
    committed_sessions: Any,
    make_event: Callable[..., dict[str, Any]],
    stripe_gateway: StripeGateway,
) -> None:
    from core.models import County, Township, Village

    with transaction(committed_sessions) as session:
        village = Village(
            township=Township(
                county=County(name="并发县"), name="镇", hub_address="-", lat=28, lon=112
            ),
            name="并发村",
            station_address="-",
            lat=28,
            lon=112,
        )
        session.add(village)
        session.flush()
        payment = _held(session, village.id, "pledge:race")
        payment_id, provider_id = payment.id, payment.provider_id
    stripe_gateway.capture(provider_id or "", amount_fen=15_000, idempotency_key="race")
    event = make_event(
        "payment_intent.succeeded", {"id": provider_id, "status": "succeeded", "amount": 15_000}
    )
    outcomes: list[str] = []
    barrier = threading.Barrier(5)

    def deliver() -> None:
        barrier.wait()
        with transaction(committed_sessions) as session:
            outcomes.append(apply_event(session, event))

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["duplicate"] * 4 + ["moved to succeeded"]
    with transaction(committed_sessions) as session:
        assert session.get(Payment, payment_id).status is PaymentStatus.SUCCEEDED  # type: ignore[union-attr]
        assert (
            session.scalar(
                select(func.count(WebhookEvent.id)).where(WebhookEvent.event_id == event["id"])
            )
            == 1
        )
