"""Payment services against the real stripe SDK and localstripe, and cash at the station."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import CoreError
from core.models import Role, User, Village
from payments import signals
from payments.errors import PaymentError
from payments.gateways import GatewayError, IntentState
from payments.models import (
    CaptureMode,
    OperationAction,
    Payment,
    PaymentMethod,
    PaymentOperation,
    PaymentStatus,
)
from payments.services import (
    cancel_payment,
    capture_payment,
    open_online_intent,
    record_cash,
    refresh_from_provider,
    refund_payment,
    start_payment,
)
from payments.stripe_gateway import StripeGateway


@pytest.fixture
def announced() -> Iterator[list[tuple[str, str]]]:
    """(signal name, subject) of every payment signal sent during the test."""
    seen: list[tuple[str, str]] = []
    receivers = []
    for signal in (
        signals.payment_authorised,
        signals.payment_succeeded,
        signals.payment_failed,
        signals.payment_cancelled,
        signals.payment_refunded,
    ):

        def receiver(
            _sender: Any, *, payment: Payment, session: Session, _n: str = signal.name
        ) -> None:
            seen.append((_n, payment.subject_ref))

        signal.connect(receiver)
        receivers.append((signal, receiver))
    yield seen
    for signal, receiver in receivers:
        signal.disconnect(receiver)


@pytest.fixture
def station(make_village: Callable[..., Village]) -> Village:
    return make_village()


def _online(
    db: Session,
    station: Village,
    ref: str,
    amount: int,
    *,
    capture: CaptureMode,
    card: str | None = "pm_card_visa",
) -> Payment:
    payment = start_payment(
        db,
        subject_ref=ref,
        amount_fen=amount,
        method=PaymentMethod.ONLINE,
        village_id=station.id,
        capture=capture,
    )
    db.flush()
    return open_online_intent(db, payment_id=payment.id, payment_method=card)


def test_cash_is_awaited_then_recorded_once(
    db: Session, station: Village, make_user: Callable[..., User], announced: list[Any]
) -> None:
    agent = make_user(Role.AGENT, village=station)
    payment = start_payment(
        db,
        subject_ref="order:1",
        amount_fen=2_350,
        method=PaymentMethod.CASH,
        village_id=station.id,
    )
    assert payment.status is PaymentStatus.AWAITING_CASH
    with pytest.raises(PaymentError, match="不符"):
        record_cash(db, payment_id=payment.id, amount_fen=2_000, agent=agent)
    record_cash(db, payment_id=payment.id, amount_fen=2_350, agent=agent)
    record_cash(db, payment_id=payment.id, amount_fen=2_350, agent=agent)  # a double tap
    assert (payment.status, payment.captured_fen) == (PaymentStatus.SUCCEEDED, 2_350)
    assert announced == [("payment-succeeded", "order:1")]
    assert payment.collected_by_id == agent.id


def test_amounts_must_be_positive_integer_fen(db: Session, station: Village) -> None:
    for amount in (0, -5, 12.5, True):
        with pytest.raises(PaymentError):
            start_payment(
                db,
                subject_ref=f"order:{amount}",
                amount_fen=amount,  # type: ignore[arg-type]
                method=PaymentMethod.CASH,
                village_id=station.id,
            )


def test_one_payment_per_subject(db: Session, station: Village) -> None:
    start_payment(
        db, subject_ref="order:9", amount_fen=100, method=PaymentMethod.CASH, village_id=station.id
    )
    with pytest.raises(PaymentError):
        start_payment(
            db,
            subject_ref="order:9",
            amount_fen=100,
            method=PaymentMethod.CASH,
            village_id=station.id,
        )


def test_online_without_stripe_keys_is_refused(db: Session, station: Village) -> None:
    with pytest.raises(PaymentError, match="未开通在线支付"):
        start_payment(
            db,
            subject_ref="order:2",
            amount_fen=100,
            method=PaymentMethod.ONLINE,
            village_id=station.id,
        )


def test_automatic_online_payment_succeeds(
    db: Session, station: Village, stripe_gateway: StripeGateway, announced: list[Any]
) -> None:
    payment = _online(db, station, "order:3", 4_800, capture=CaptureMode.AUTOMATIC)
    assert payment.provider_id and payment.provider_id.startswith("pi_")
    assert (payment.status, payment.captured_fen) == (PaymentStatus.SUCCEEDED, 4_800)
    assert announced == [("payment-succeeded", "order:3")]


def test_held_payment_is_captured_partially_and_never_above_the_hold(
    db: Session, station: Village, stripe_gateway: StripeGateway, announced: list[Any]
) -> None:
    payment = _online(db, station, "pledge:1", 15_000, capture=CaptureMode.MANUAL)
    assert payment.status is PaymentStatus.AUTHORISED
    assert payment.capture_before is not None
    with pytest.raises(PaymentError, match="超出授权"):
        capture_payment(db, subject_ref="pledge:1", amount_fen=15_001)
    capture_payment(db, subject_ref="pledge:1", amount_fen=13_200)
    capture_payment(db, subject_ref="pledge:1", amount_fen=13_200)  # repeat: nothing more
    assert (payment.status, payment.captured_fen) == (PaymentStatus.SUCCEEDED, 13_200)
    captures = [op for op in payment.operations if op.action is OperationAction.CAPTURE]
    assert len(captures) == 1
    assert announced == [("payment-authorised", "pledge:1"), ("payment-succeeded", "pledge:1")]


def test_cancel_releases_a_hold_once(
    db: Session, station: Village, stripe_gateway: StripeGateway, announced: list[Any]
) -> None:
    payment = _online(db, station, "pledge:2", 15_000, capture=CaptureMode.MANUAL)
    cancel_payment(db, subject_ref="pledge:2")
    cancel_payment(db, subject_ref="pledge:2")
    assert payment.status is PaymentStatus.CANCELLED
    held = stripe_gateway.retrieve(payment.provider_id or "")
    assert held is not None and held.status.value == "canceled"
    assert announced[-1] == ("payment-cancelled", "pledge:2")
    with pytest.raises(PaymentError):
        capture_payment(db, subject_ref="pledge:2", amount_fen=100)


def test_refunds_never_exceed_what_was_captured(
    db: Session, station: Village, stripe_gateway: StripeGateway, announced: list[Any]
) -> None:
    """localstripe accepts refunds above the captured amount, so this rule must be ours."""
    payment = _online(db, station, "order:4", 6_000, capture=CaptureMode.AUTOMATIC)
    with pytest.raises(PaymentError, match="退款金额不能超过"):
        refund_payment(db, subject_ref="order:4", amount_fen=6_001)
    refund_payment(db, subject_ref="order:4", amount_fen=2_000)
    assert (payment.status, payment.refunded_fen) == (PaymentStatus.SUCCEEDED, 2_000)
    with pytest.raises(PaymentError):
        refund_payment(db, subject_ref="order:4", amount_fen=4_001)
    refund_payment(db, subject_ref="order:4", amount_fen=4_000)
    assert (payment.status, payment.refunded_fen) == (PaymentStatus.REFUNDED, 6_000)
    assert announced.count(("payment-refunded", "order:4")) == 2
    refund_keys = [
        op.idempotency_key for op in payment.operations if op.action is OperationAction.REFUND
    ]
    assert len(set(refund_keys)) == 2  # two refunds, two keys


def test_unpaid_payments_cannot_be_refunded(db: Session, station: Village) -> None:
    start_payment(
        db, subject_ref="order:5", amount_fen=100, method=PaymentMethod.CASH, village_id=station.id
    )
    with pytest.raises(PaymentError):
        refund_payment(db, subject_ref="order:5", amount_fen=100)


def test_three_d_secure_leaves_the_payment_waiting_for_the_payer(
    db: Session, station: Village, stripe_gateway: StripeGateway
) -> None:
    payment = _online(db, station, "order:6", 900, capture=CaptureMode.AUTOMATIC, card=None)
    assert payment.status is PaymentStatus.REQUIRES_PAYMENT
    assert payment.client_secret  # the page hands this to Stripe.js


class LosesAnswers:
    """Wraps the real gateway: the call reaches Stripe, then the answer is 'lost'.

    A fake at the edge we cannot produce for real here (a network timeout after Stripe
    acted); it records which idempotency key each call carried.
    """

    def __init__(self, real: StripeGateway, session: Session) -> None:
        self.real, self.session, self.name = real, session, "stripe"
        self.keys: list[str] = []
        self.lose = True

    def capture(self, provider_id: str, *, amount_fen: int, idempotency_key: str) -> IntentState:
        stored = self.session.scalar(
            select(PaymentOperation.id).where(PaymentOperation.idempotency_key == idempotency_key)
        )
        assert stored is not None, "the key must be stored before the call"
        self.keys.append(idempotency_key)
        state = self.real.capture(
            provider_id, amount_fen=amount_fen, idempotency_key=idempotency_key
        )
        if self.lose:
            self.lose = False
            raise GatewayError("timed out")
        return state

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_a_retry_after_a_lost_answer_repeats_the_key_and_captures_once(
    db: Session, station: Village, stripe_gateway: StripeGateway
) -> None:
    from payments.gateways import CashGateway, Gateways, install_gateways

    payment = _online(db, station, "pledge:3", 15_000, capture=CaptureMode.MANUAL)
    flaky = LosesAnswers(stripe_gateway, db)
    install_gateways(Gateways(cash=CashGateway(), online=flaky))
    savepoint = db.begin_nested()
    with pytest.raises(PaymentError, match="支付服务暂时无法处理"):
        capture_payment(db, subject_ref="pledge:3", amount_fen=14_000)
    savepoint.rollback()  # the request failed: its transaction is gone
    assert payment.status is PaymentStatus.AUTHORISED
    capture_payment(db, subject_ref="pledge:3", amount_fen=14_000)
    assert flaky.keys[0] == flaky.keys[1]
    assert (payment.status, payment.captured_fen) == (PaymentStatus.SUCCEEDED, 14_000)


def test_statuses_only_move_forward(
    db: Session, station: Village, stripe_gateway: StripeGateway
) -> None:
    payment = _online(db, station, "order:7", 700, capture=CaptureMode.AUTOMATIC)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert refresh_from_provider(db, payment) is False
    with pytest.raises(CoreError, match="不能改为"):
        cancel_payment(db, subject_ref="order:7")


def test_wallets_are_offered_only_for_immediate_payments() -> None:
    gateway = StripeGateway("sk_test_x", payment_method_types=("card", "alipay", "wechat_pay"))
    order = gateway.intent_params("order:1", 500, CaptureMode.AUTOMATIC, None)
    assert order["payment_method_types"] == ["card", "alipay", "wechat_pay"]
    pledge = gateway.intent_params("pledge:1", 500, CaptureMode.MANUAL, None)
    assert "payment_method_types" not in pledge  # held payments: card only
    assert "payment_method_types" not in StripeGateway("sk_test_x").intent_params(
        "order:2", 500, CaptureMode.AUTOMATIC, None
    )
    with pytest.raises(ValueError, match="include card"):
        StripeGateway("sk_test_x", payment_method_types=("bitcoin",))
