"""Stripe's fee on an online sale. Against localstripe (the real stripe SDK) the fee is read
from the charge's balance transaction — localstripe 1.15 keeps them, with a fee of 0. When a
provider reports no balance transaction, the configured rate is booked (a stand-in gateway
answers "none": localstripe always has one)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Role, User, Village
from ledger.commission import SaleLine
from ledger.models import PLATFORM, AccountKind
from ledger.services import account_balance, post_sale, stripe_fee_bp
from payments.gateways import CashGateway, Gateways, install_gateways, installed_gateways
from payments.models import CaptureMode, PaymentMethod
from payments.services import open_online_intent, start_payment
from payments.stripe_gateway import StripeGateway


def _paid_online(db: Session, station: Village, ref: str, amount: int) -> None:
    payment = start_payment(
        db,
        subject_ref=ref,
        amount_fen=amount,
        method=PaymentMethod.ONLINE,
        village_id=station.id,
        capture=CaptureMode.AUTOMATIC,
    )
    db.flush()
    open_online_intent(db, payment_id=payment.id, payment_method="pm_card_visa")


def _sell(db: Session, station: Village, ref: str, amount: int) -> None:
    seller = db.scalars(select(User)).first()
    assert seller is not None
    post_sale(
        db,
        subject_ref=ref,
        seller_id=seller.id,
        village_id=station.id,
        method=PaymentMethod.ONLINE,
        lines=[SaleLine("grain", 0, amount)],
    )


def test_the_fee_of_the_balance_transaction_is_booked(
    db: Session,
    make_user: Callable[..., User],
    make_village: Callable[..., Village],
    stripe_gateway: StripeGateway,
) -> None:
    station = make_village()
    make_user(Role.FARMER, village=station)
    _paid_online(db, station, "order:71", 10_000)
    assert stripe_gateway.fee_fen(_provider_id(db, "order:71")) == 0  # localstripe's fee
    _sell(db, station, "order:71", 10_000)
    assert account_balance(db, AccountKind.PLATFORM_FEES, PLATFORM) == 0
    assert account_balance(db, AccountKind.PLATFORM_ONLINE, PLATFORM) == 10_000


class _NoBalanceTransaction(CashGateway):
    """Answers ``fee_fen`` as for a charge without a balance transaction."""

    def fee_fen(self, provider_id: str) -> int | None:
        return None


def test_without_a_balance_transaction_the_configured_rate_is_booked(
    db: Session,
    make_user: Callable[..., User],
    make_village: Callable[..., Village],
    stripe_gateway: StripeGateway,
) -> None:
    station = make_village()
    make_user(Role.FARMER, village=station)
    _paid_online(db, station, "order:72", 10_000)
    before = installed_gateways()
    install_gateways(Gateways(cash=CashGateway(), online=_NoBalanceTransaction()))
    try:
        _sell(db, station, "order:72", 10_000)
    finally:
        install_gateways(before)
    fee = 10_000 * stripe_fee_bp() // 10_000
    assert account_balance(db, AccountKind.PLATFORM_FEES, PLATFORM) == fee
    assert account_balance(db, AccountKind.PLATFORM_ONLINE, PLATFORM) == 10_000 - fee


def _provider_id(db: Session, ref: str) -> str:
    from payments.services import get_payment

    provider_id = get_payment(db, ref).provider_id
    assert provider_id is not None
    return provider_id
