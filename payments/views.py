"""The Stripe webhook endpoint and the station's daily cash statement page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, make_response, render_template, request
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from core.access import public, require_account, roles
from core.errors import CunzhanError
from core.flask_db import get_session, unit_of_work
from core.models import Role
from core.parse import query_int
from core.settings import Settings
from core.timeutil import local_today
from payments.errors import PaymentError
from payments.gateways import GatewayError, installed_gateways
from payments.models import Payment, PaymentMethod
from payments.services import open_online_intent, payment_for
from payments.statements import cash_statement
from payments.stripe_gateway import verify_webhook
from payments.webhooks import apply_event

blueprint = Blueprint(
    "payments",
    __name__,
    url_prefix="/payments",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/payments",
)


def stripe_page_csp(settings: Settings) -> str:
    """The policy of a page that mounts Stripe.js: its script, frames and API, nothing else."""
    parts = urlsplit(settings.stripe_js_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    api = settings.stripe_api_base or "https://api.stripe.com"
    return (
        f"default-src 'self'; script-src 'self' {origin}; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: {origin}; connect-src 'self' {origin} {api}; "
        f"frame-src {origin} https://hooks.stripe.com; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def render_stripe_page(template: str, *, payment: Payment | None, **context: object) -> Response:
    """Render a page that confirms ``payment`` with Stripe.js: the card form, plus a button for
    each wallet (Alipay, WeChat Pay) the online gateway offers for this kind of payment."""
    settings: Settings = current_app.config["CUNZHAN_SETTINGS"]
    response = make_response(
        render_template(
            template,
            payment=payment,
            stripe_js_url=settings.stripe_js_url,
            stripe_publishable_key=settings.stripe_publishable_key,
            stripe_wallets=_wallets(payment),
            **context,
        )
    )
    response.headers["Content-Security-Policy"] = stripe_page_csp(settings)
    return response


def request_online_intents(subject_refs: Sequence[str]) -> bool:
    """Ask the provider for the intents of these subjects' online payments, in a transaction of
    their own once the orders or pledges are committed (their idempotency keys are on disk).
    False when the provider could not be reached: what was placed stands, and its pay page
    offers a retry with the same keys."""
    try:
        with unit_of_work() as session:
            for reference in subject_refs:
                payment = payment_for(session, reference)
                if payment is not None and payment.method is PaymentMethod.ONLINE:
                    open_online_intent(session, payment_id=payment.id)
    except CunzhanError as error:
        current_app.logger.warning("online payment not opened for %s: %s", subject_refs, error)
        return False
    return True


def _wallets(payment: Payment | None) -> list[str]:
    online = installed_gateways().online
    if online is None or payment is None:
        return []
    return [method for method in online.wallets_for(payment.capture_mode) if method != "card"]


@blueprint.route("/stripe/webhook", methods=["POST"])
@public
def stripe_webhook() -> tuple[Response, int]:
    """Signed by Stripe, so it needs no CSRF token: the signature covers the raw body."""
    settings: Settings = current_app.config["CUNZHAN_SETTINGS"]
    if not settings.stripe_webhook_secret:
        raise BadRequest("webhooks are not configured")
    try:
        event = verify_webhook(
            request.get_data(),
            request.headers.get("Stripe-Signature"),
            settings.stripe_webhook_secret,
        )
    except GatewayError as error:
        raise BadRequest(str(error)) from error
    with unit_of_work() as session:
        outcome = apply_event(session, event)
    return jsonify(received=event["id"], outcome=outcome), 200


FIRST_STATEMENT_DAY = dt.date(2020, 1, 1)


def _statement_day() -> dt.date:
    raw = request.args.get("day")
    if not raw:
        return local_today()
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError as error:
        raise PaymentError("bad_day") from error
    if not FIRST_STATEMENT_DAY <= day <= local_today() + dt.timedelta(days=1):
        # 0001-01-01 has no UTC start of day to compute: refuse it rather than overflow
        raise PaymentError("day_out_of_range")
    return day


@blueprint.route("/cash-statement")
@roles(Role.AGENT)
def cash_statement_page() -> str:
    agent = require_account()
    stations = sorted(agent.villages_for(Role.AGENT))
    village_id = query_int("village") or (stations[0] if stations else None)
    if village_id not in stations:
        raise PaymentError("own_station_only")
    statement = cash_statement(get_session(), village_id=village_id, day=_statement_day())
    return render_template("payments/cash_statement.html", statement=statement)
