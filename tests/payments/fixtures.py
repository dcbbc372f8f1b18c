"""Stripe fixtures (a pytest plugin of the whole suite): the real ``stripe`` SDK against
localstripe on 127.0.0.1, and Stripe-signed webhook events."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from payments.gateways import CashGateway, Gateways, install_gateways, installed_gateways
from payments.stripe_gateway import StripeGateway
from tests.payments.localstripe_server import LocalStripe

WEBHOOK_SECRET = "whsec_test_cunzhan"


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    server = LocalStripe()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stripe_gateway(localstripe: LocalStripe) -> Iterator[StripeGateway]:
    """The Stripe gateway, installed as the online gateway for the test."""
    gateway = StripeGateway("sk_test_cunzhan", api_base=localstripe.url)
    before = installed_gateways()
    install_gateways(Gateways(cash=CashGateway(), online=gateway))
    yield gateway
    install_gateways(before)


@pytest.fixture
def webhook_app(app: Flask) -> Flask:
    app.config["CUNZHAN_SETTINGS"] = app.config["CUNZHAN_SETTINGS"].__class__(
        **{**app.config["CUNZHAN_SETTINGS"].__dict__, "stripe_webhook_secret": WEBHOOK_SECRET}
    )
    return app


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header: HMAC-SHA256 of ``t.payload`` with the endpoint secret."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


@pytest.fixture
def make_event() -> Callable[..., dict[str, Any]]:
    """A recorded-shape Stripe event around ``obj`` (localstripe sends few event types)."""
    counter = iter(range(1, 1_000_000))

    def make(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        return {
            "id": event_id or f"evt_test_{next(counter)}_{int(time.time() * 1000)}",
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "data": {"object": obj},
            "livemode": False,
            "api_version": "2024-06-20",
        }

    return make


def event_body(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()
