"""Real-browser journeys: Debian's Chromium driven by Playwright on a Pixel 7 viewport."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer, unavailable

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], playwright: Any) -> dict[str, Any]:
    phone = {k: v for k, v in playwright.devices["Pixel 7"].items() if k != "default_browser_type"}
    return {**browser_context_args, **phone, "locale": "zh-CN"}


@pytest.fixture
def online_payments(
    live_server: LiveServer, stripe_gateway: Any, localstripe: Any
) -> Iterator[Any]:
    """The live server with Stripe configured: the real SDK against localstripe, and the
    pages load localstripe's stand-in of Stripe.js through the STRIPE_JS_URL setting."""
    settings = live_server.app.config["CUNZHAN_SETTINGS"]
    live_server.app.config["CUNZHAN_SETTINGS"] = dataclasses.replace(
        settings,
        stripe_publishable_key="pk_test_cunzhan",
        stripe_js_url=f"{localstripe.url}/js.stripe.com/v3/",
        stripe_api_base=localstripe.url,
    )
    yield stripe_gateway
    live_server.app.config["CUNZHAN_SETTINGS"] = settings
