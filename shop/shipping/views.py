"""Pages of shipping: the checkout of a cart sent by courier (address, quote, pay online)
and the agent's courier tariff of the station."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from core.access import require_account, roles, signed_in
from core.errors import CunzhanError
from core.flask_db import get_session, unit_of_work
from core.idempotency import apply_once
from core.models import Role
from core.money import MoneyError, yuan_to_fen
from core.parse import parse_int, query_int
from core.photos import photo_dir
from payments.models import PaymentMethod
from payments.services import online_payments_available
from payments.views import request_online_intents
from shop.buyers import divisions
from shop.buyers.services import addresses_of, own_address
from shop.errors import ShopError
from shop.orders import services as orders
from shop.orders.models import Delivery, order_reference
from shop.shipping import claims, services
from shop.shipping.claims import ClaimKind
from shop.shipping.models import ZONE_NAMES, Zone

blueprint = Blueprint("shipping", __name__, template_folder="templates")


def _cart_lines(session: Session) -> list[services.ShipLine]:
    items = orders.cart_items(session, user=require_account())
    return [services.ShipLine(item.product_id, item.quantity) for item in items]


@blueprint.route("/ship/checkout")
@signed_in
def checkout() -> str:
    """The cart sent by courier: pick one of the addresses, see the fee and the days to the
    door (and anything that cannot go, with why) before paying online. Shipped orders are
    paid online only: without an online gateway the page says so before anything is filled."""
    session, user = get_session(), require_account()
    book = addresses_of(session, user=user)
    chosen_id = query_int("address") or (book[0].id if book else None)
    address = next((a for a in book if a.id == chosen_id), None)
    items = orders.cart_items(session, user=user)
    lines = _cart_lines(session)
    quote = services.quote(session, lines=lines, address=address) if address and lines else None
    goods = sum(item.product.price_fen * item.quantity for item in items)
    return render_template(
        "shipping/checkout.html",
        addresses=book,
        address=address,
        items=items,
        quote=quote,
        goods_fen=goods,
        total_fen=goods + (quote.fee_fen if quote else 0),
        online=online_payments_available(),
    )


@blueprint.route("/ship/checkout", methods=["POST"])
@signed_in
def place() -> Response | tuple[str, int]:
    """Place the shipped orders (one per seller) and go to pay the first one online."""
    try:
        answer = apply_once(_place_cart, user_id=require_account().id)
    except CunzhanError as error:
        flash(error.message, "error")
        return redirect(url_for("shipping.checkout", address=request.form.get("address_id")))
    order_ids: list[int] = answer.body["order_ids"]
    request_online_intents([order_reference(order_id) for order_id in order_ids])
    return redirect(url_for("orders.pay", order_id=order_ids[0]))


def _place_cart(session: Session) -> dict[str, Any]:
    user = require_account()
    address_id = parse_int(
        request.form.get("address_id"), low=1, error=lambda: ShopError("address_required")
    )
    address = own_address(session, user=user, address_id=address_id)
    lines = [orders.LineInput(line.product_id, line.quantity) for line in _cart_lines(session)]
    placed = orders.place_orders(
        session,
        buyer=user,
        placed_by=user,
        lines=lines,
        delivery=Delivery.SHIP,
        payment=PaymentMethod.ONLINE,
        address=address,
    )
    return {"order_ids": [order.id for order in placed]}


# --- the station's tariff ---------------------------------------------------------------


def _rates_from_form() -> dict[Zone, services.RateInput]:
    def number(zone: Zone, field: str) -> int:
        return parse_int(
            request.form.get(f"{zone.value}-{field}"),
            low=0,
            high=services.MAX_RATE_FEN,
            error=lambda: ShopError("bad_rate", most=services.MAX_RATE_FEN // 100),
        )

    return {
        zone: services.RateInput(number(zone, "first"), number(zone, "extra"), number(zone, "days"))
        for zone in Zone
    }


@blueprint.route("/station/shipping", methods=["GET", "POST"])
@roles(Role.AGENT)
def tariff() -> str | Response | tuple[str, int]:
    """The agent keeps the courier's price list of the station (prices in fen)."""
    agent, error = require_account(), None
    if request.method == "POST":
        try:
            with unit_of_work() as session:
                services.set_station_tariff(
                    session,
                    agent=agent,
                    province_code=request.form.get("province", ""),
                    rates=_rates_from_form(),
                )
        except CunzhanError as error_:
            error = error_.message
        else:
            flash(_("快递价格已保存"), "success")
            return redirect(url_for("shipping.tariff"))
    session = get_session()
    village = services.agent_village(session, agent)
    page = render_template(
        "shipping/tariff.html",
        village=village,
        tariff=services.tariff_of(session, village.id),
        provinces=divisions.provinces(),
        zones=list(Zone),
        zone_names=ZONE_NAMES,
        error=error,
    )
    return (page, 422) if error else page


# --- after the sale -----------------------------------------------------------------------


@blueprint.route("/orders/<int:order_id>/claim", methods=["POST"])
@signed_in
def open_claim(order_id: int) -> Response:
    """The buyer's claim (damage or spoilage) with its photos."""
    kind = request.form.get("kind", "")
    uploads = [f.read() for f in request.files.getlist("photos") if f and f.filename]
    try:
        with unit_of_work() as session:
            claims.open_claim(
                session,
                buyer=require_account(),
                order_id=order_id,
                kind=ClaimKind(kind) if kind in set(ClaimKind) else ClaimKind.DAMAGED,
                description=request.form.get("description", ""),
                photos=uploads,
                directory=photo_dir(),
            )
    except CunzhanError as error:
        flash(error.message, "error")
    else:
        flash(_("售后申请已提交，村站会尽快处理"), "success")
    return redirect(url_for("orders.order_page", order_id=order_id))


@blueprint.route("/station/claims")
@roles(Role.AGENT)
def station_claims() -> str:
    session = get_session()
    found = claims.station_claims(session, agent=require_account())
    refundable = {claim.id: claims.refundable_fen(session, claim.order) for claim in found}
    return render_template("shipping/claims.html", claims=found, refundable=refundable)


@blueprint.route("/station/claims/<int:claim_id>", methods=["POST"])
@roles(Role.AGENT)
def decide_claim(claim_id: int) -> Response:
    """Refund (yuan typed by the agent) or resend, with the reason."""
    resend = request.form.get("decision") == "resend"
    try:
        refund = 0 if resend else yuan_to_fen(request.form.get("refund", ""))
    except MoneyError:
        flash(_("请填写退款金额（元），如 12.50"), "error")
        return redirect(url_for("shipping.station_claims"))
    try:
        with unit_of_work() as session:
            claims.decide_claim(
                session,
                agent=require_account(),
                claim_id=claim_id,
                resend=resend,
                refund_fen=refund,
                reason=request.form.get("reason", ""),
            )
    except CunzhanError as error:
        flash(error.message, "error")
    else:
        flash(_("已处理售后申请"), "success")
    return redirect(url_for("shipping.station_claims"))
