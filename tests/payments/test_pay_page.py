"""The Stripe.js confirmation block: which wallet buttons stand beside the card form."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask

from payments.gateways import CashGateway, Gateways
from payments.models import CaptureMode, Payment, PaymentMethod
from payments.stripe_gateway import StripeGateway
from payments.views import render_stripe_page
from tests.payments.fixtures import gateways_in_use


@pytest.fixture
def wallets_offered(app: Flask, request: pytest.FixtureRequest) -> Iterator[None]:
    """Stripe configured with Alipay and WeChat Pay (no call reaches Stripe here)."""
    settings = app.config["CUNZHAN_SETTINGS"]
    app.config["CUNZHAN_SETTINGS"] = dataclasses.replace(settings, stripe_publishable_key="pk_x")
    gateway = StripeGateway("sk_test_x", payment_method_types=("card", "alipay", "wechat_pay"))
    with gateways_in_use(Gateways(cash=CashGateway(), online=gateway), request):
        yield


def confirm_block(app: Flask, capture_mode: CaptureMode) -> str:
    payment = Payment(
        method=PaymentMethod.ONLINE,
        capture_mode=capture_mode,
        amount_fen=2_500,
        client_secret="pi_1_secret_2",
    )
    with app.test_request_context("/orders/1/pay"):
        response = render_stripe_page(
            "payments/_stripe_confirm.html", payment=payment, refresh_url="/refresh"
        )
    return response.get_data(as_text=True)


def test_an_order_offers_alipay_and_wechat_pay_beside_the_card(
    app: Flask, wallets_offered: None
) -> None:
    page = confirm_block(app, CaptureMode.AUTOMATIC)
    assert 'data-wallet="alipay"' in page and 'data-wallet="wechat_pay"' in page
    assert 'data-wallet="card"' not in page


def test_a_held_pledge_offers_the_card_only(app: Flask, wallets_offered: None) -> None:
    page = confirm_block(app, CaptureMode.MANUAL)
    assert 'id="card-element"' in page and "data-wallet" not in page
