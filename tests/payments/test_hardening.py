"""Issue #12 item 6: a signed event without a type and a statement for year 1 are 4xx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.models import Role, User, Village
from tests.payments.fixtures import event_body, sign

WEBHOOK = "/payments/stripe/webhook"


@pytest.mark.parametrize(
    "event",
    [
        {"id": "evt_no_type", "object": "event", "data": {"object": {}}},
        {"id": "evt_bad_type", "object": "event", "type": 7, "data": {"object": {}}},
        {"object": "event", "type": "payment_intent.succeeded", "data": {"object": {}}},
    ],
)
def test_a_signed_event_without_an_id_or_a_type_is_a_400(
    webhook_app: Flask, event: dict[str, Any]
) -> None:
    body = event_body(event)
    response = webhook_app.test_client().post(
        WEBHOOK,
        data=body,
        headers={"Stripe-Signature": sign(body), "Content-Type": "application/json"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31"])
def test_a_cash_statement_out_of_range_is_a_422(
    client: FlaskClient,
    make_user: Callable[..., User],
    make_village: Callable[..., Village],
    login: Callable[[User], str],
    day: str,
) -> None:
    village = make_village()
    login(make_user(Role.AGENT, village=village))
    url = f"/payments/cash-statement?village={village.id}&day={day}"
    assert client.get(url).status_code == 422
    assert client.get(f"/payments/cash-statement?village={village.id}").status_code == 200
