"""Shared by the journeys that pay online: the screenshot of a shop page (the layout rules on
everything but the shared header) and paying on the order's pay page through localstripe."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e import phone


def shot(page: Page, name: str) -> None:
    """``phone.shot`` with the layout rules on everything but the shared header, whose
    small links belong to the "layout" work in parallel (the only exemption taken)."""
    page.evaluate("document.querySelector('header.topbar')?.setAttribute('data-layout-exempt', '')")
    phone.shot(page, name)


def pay_online_on_the_page(page: Page, gateway: Any) -> None:
    """Pay on the order's pay page with the card 4242 4242 4242 4242, by tapping, through
    the page's pay.js and localstripe's Stripe.js.

    What localstripe's Stripe.js cannot do, and so what is not done in the browser:
    its ``confirmCardPayment(clientSecret, {payment_method: {card}})`` ignores the card typed
    into its card element. It only opens its "3D Secure" box and posts
    ``/v1/payment_intents/<id>/_authenticate``, which localstripe answers only for an intent
    already waiting in ``requires_action`` (a card attached and confirmed that asks for 3-D
    Secure); for the page's fresh intent it answers 400 "Bad request". The first tap shows
    that: the card number never reaches localstripe and the page shows the error and lets
    the buyer try again. So the card step Stripe.js would do with the typed card is made
    with the SDK (localstripe's 3-D Secure test card 4000 0027 6000 3184, since its script
    can only finish a 3-D Secure payment); the second tap then goes through the page as a
    buyer's does: pay.js, localstripe's 3-D Secure box, pay.js asking our server to read
    the intent back, and the page showing the order paid."""
    page.locator("#card-element").evaluate("e => e.setAttribute('data-layout-exempt', '')")
    for field, value in (
        ("number", "4242424242424242"),
        ("exp_month", "12"),
        ("exp_year", "34"),
        ("cvc", "123"),
        ("postal_code", "41000"),
    ):
        page.locator(f"#card-element input[placeholder={field}]").fill(value)
    shot(page, "orders-pay-01-card")
    pay = page.get_by_role("button", name=re.compile("确认支付"))
    pay.click()
    page.get_by_role("button", name="Complete authentication").click()
    expect(page.locator("#stripe-error")).to_be_visible()  # localstripe: "Bad request"
    expect(pay).to_be_enabled()

    client_secret = page.locator("[data-client-secret]").get_attribute("data-client-secret")
    assert client_secret
    intent_id = client_secret.split("_secret_")[0]
    sdk = gateway._client.v1
    card = sdk.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4000002760003184", "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    sdk.payment_intents.update(intent_id, params={"payment_method": card.id})
    assert sdk.payment_intents.confirm(intent_id).status == "requires_action"

    pay.click()
    page.get_by_role("button", name="Complete authentication").click()
    expect(page.get_by_text("已付款", exact=False).first).to_be_visible()
