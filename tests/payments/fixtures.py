"""Stripe fixtures (a pytest plugin of the whole suite): the real ``stripe`` SDK against
localstripe on 127.0.0.1, and Stripe-signed webhook events."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask

from payments.gateways import (
    EXTENSION_KEY,
    CashGateway,
    Gateways,
    install_gateways,
    installed_gateways,
)
from payments.stripe_gateway import StripeGateway
from tests.payments.localstripe_server import LocalStripe

WEBHOOK_SECRET = "whsec_test_cunzhan"


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    server = LocalStripe()
    server.start()
    yield server
    server.stop()


def _test_app(request: pytest.FixtureRequest) -> Flask | None:
    """The app the test talks to: its ``app`` fixture, or the browser journeys' live server."""
    if "app" in request.fixturenames:
        app: Flask = request.getfixturevalue("app")
        return app
    if "live_server" in request.fixturenames:
        served: Flask = request.getfixturevalue("live_server").app
        return served
    return None


@contextmanager
def gateways_in_use(gateways: Gateways, request: pytest.FixtureRequest) -> Iterator[None]:
    """``gateways`` for the test: outside any app, and in the test's app when it has one
    (each app keeps its own, so the app's requests would not see the first alone)."""
    app = _test_app(request)
    before = installed_gateways()
    before_app = app.extensions.get(EXTENSION_KEY) if app is not None else None
    install_gateways(gateways)
    if app is not None:
        install_gateways(gateways, app)
    try:
        yield
    finally:
        install_gateways(before)
        if app is not None and before_app is not None:
            install_gateways(before_app, app)


@pytest.fixture
def stripe_gateway(
    localstripe: LocalStripe, request: pytest.FixtureRequest
) -> Iterator[StripeGateway]:
    """The Stripe gateway, installed as the online gateway for the test."""
    gateway = StripeGateway("sk_test_cunzhan", api_base=localstripe.url)
    with gateways_in_use(Gateways(cash=CashGateway(), online=gateway), request):
        yield gateway


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
