"""Pages of the order flow: cart, checkout, my orders, the seller's orders to prepare,
the station's orders (cash, handover) and assisted ordering (代购) at the counter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from core.access import current_account, public, require_account, roles, signed_in
from core.errors import CunzhanError
from core.flask_db import get_session, unit_of_work
from core.idempotency import apply_once
from core.models import Role, User
from core.money import format_fen
from core.parse import parse_int, query_int
from core.security import same_site_path
from logistics import services as logistics
from logistics.errors import LogisticsError
from logistics.throttle import throttled
from payments.models import Payment, PaymentMethod
from payments.services import (
    online_payments_available,
    payment_for,
    refresh_from_provider,
)
from payments.views import render_stripe_page, request_online_intents
from shop.catalog.services import browse
from shop.errors import ShopError
from shop.groupbuys.services import my_pledges
from shop.orders import guest_cart, services
from shop.orders.models import (
    CASH_NAMES,
    DELIVERY_NAMES,
    DOOR_FEE_FEN,
    ORDER_STATUS_NAMES,
    ORDER_TRANSITIONS,
    PAYMENT_NAMES,
    Delivery,
    Order,
    OrderStatus,
    order_reference,
)
from shop.orders.steps import order_steps
from shop.shipping import outbound_port
from shop.shipping.claims import claim_of, may_claim

blueprint = Blueprint("orders", __name__, template_folder="templates")
ASSISTED_RESULTS = 10  # products found by name at the counter, each with a quantity box
STATION_VILLAGERS = 50  # villagers listed to pick from before anything is typed
NAMES = {
    "status_names": ORDER_STATUS_NAMES,
    "delivery_names": DELIVERY_NAMES,
    "payment_names": PAYMENT_NAMES,
    "cash_names": CASH_NAMES,
}


def _form_int(name: str, low: int, high: int) -> int:
    return parse_int(
        request.form.get(name),
        low=low,
        high=high,
        error=lambda: ShopError("quantity_range", low=low, high=high),
    )


def _choice(name: str, enum: type[Delivery] | type[PaymentMethod]) -> Delivery | PaymentMethod:
    value = request.form.get(name, "")
    if value not in enum.__members__.values():
        raise ShopError("choose_delivery_and_payment")
    return enum(value)


# --- cart and checkout ---------------------------------------------------------------


@blueprint.route("/cart")
@public
def cart() -> str:
    """The household's cart; a visitor not signed in sees the cart kept in their browser."""
    session, user = get_session(), current_account()
    if user is None:
        items = services.guest_items(session, cart=guest_cart.read())
    else:
        items = list(services.cart_items(session, user=user))
    return render_template(
        "orders/cart.html",
        items=items,
        guest=user is None,
        collects=user is not None and user.household is not None,  # at a station of ours
        ships=online_payments_available(),  # a shipped order is paid online only
        total=sum(i.product.price_fen * i.quantity for i in items),
    )


@blueprint.route("/cart/add", methods=["POST"])
@public
def add_to_cart() -> Response:
    """Add a product; a visitor's cart waits in the browser until they sign in."""
    product_id = _form_int("product_id", 1, 2**31 - 1)
    quantity = _form_int("quantity", 1, 1000)
    user = current_account()
    if user is None:
        services.listed_or_missing(get_session(), product_id=product_id)
        flash(_("已加入购物车，登录后即可结算"), "success")
        return guest_cart.add(redirect(url_for("orders.cart")), product_id, quantity)
    with unit_of_work() as session:
        services.add_to_cart(session, user=user, product_id=product_id, quantity=quantity)
    flash(_("已加入购物车"), "success")
    return redirect(url_for("orders.cart"))


@blueprint.route("/cart/update", methods=["POST"])
@signed_in
def update_cart() -> Response:
    with unit_of_work() as session:
        services.set_cart_quantity(
            session,
            user=require_account(),
            product_id=_form_int("product_id", 1, 2**31 - 1),
            quantity=_form_int("quantity", 0, 1000),
        )
    return redirect(url_for("orders.cart"))


@blueprint.route("/cart/checkout", methods=["POST"])
@signed_in
def start_checkout() -> Response:
    """Hold the cart's stock for 15 minutes, then show the order to confirm."""
    try:
        with unit_of_work() as session:
            services.hold_cart(session, user=require_account())
    except CunzhanError as error:
        flash(error.message, "error")
        return redirect(url_for("orders.cart"))
    return redirect(url_for("orders.checkout"))


@blueprint.route("/checkout", methods=["GET", "POST"])
@signed_in
def checkout() -> str | Response | tuple[str, int]:
    user = require_account()
    if request.method == "POST":
        try:
            answer = apply_once(_place_cart, user_id=user.id)
        except CunzhanError as error:
            return _checkout_page(user, error.message), error.status
        order_ids: list[int] = answer.body["order_ids"]
        request_online_intents([order_reference(order_id) for order_id in order_ids])
        if not answer.replayed:  # a form sent twice says it once
            flash(_("下单成功！共 %(n)s 个订单", n=len(order_ids)), "success")
        if answer.body["online"]:
            return redirect(url_for("orders.pay", order_id=order_ids[0]))
        return redirect(url_for("orders.my_orders"))
    return _checkout_page(user)


def _place_cart(session: Session) -> dict[str, Any]:
    """Order the cart (the form carries an idempotency key: sent twice, it orders once)."""
    user = require_account()
    items = services.cart_items(session, user=user)
    orders = services.place_orders(
        session,
        buyer=user,
        placed_by=user,
        lines=[services.LineInput(i.product_id, i.quantity) for i in items],
        delivery=Delivery(_choice("delivery", Delivery)),
        payment=PaymentMethod(_choice("payment", PaymentMethod)),
    )
    online = orders[0].payment_method is PaymentMethod.ONLINE
    return {"order_ids": [order.id for order in orders], "online": online}


def _checkout_page(user: User, error: str | None = None) -> str:
    session = get_session()
    shares = services.checkout_shares(session, user=user)
    return render_template(
        "orders/checkout.html",
        shares=shares,
        station=user.household.village if user.household else None,
        household=user.household,
        error=error,
        total=sum(share.total_fen for share in shares),
        door_fee=DOOR_FEE_FEN,
        hold_until=services.cart_hold_expiry(session, user=user),
        online=online_payments_available(),
        chosen_delivery=request.form.get("delivery", "pickup"),
        chosen_payment=request.form.get("payment", "cash"),
        **NAMES,
    )


# --- orders ----------------------------------------------------------------------------


@blueprint.route("/orders")
@signed_in
def my_orders() -> str:
    """The household's shop orders and, beside them, its group-buy pledges (the orders
    of a group-buy: each carries its final price, saving and own payment)."""
    session, user = get_session(), require_account()
    return render_template(
        "orders/list.html",
        orders=services.my_orders(session, user=user),
        pledges=my_pledges(session, user=user),
        heading=_("我的订单"),
        **NAMES,
    )


@blueprint.route("/orders/<int:order_id>")
@signed_in
def order_page(order_id: int) -> str:
    session, user = get_session(), require_account()
    order = services.order_for(session, user=user, order_id=order_id)
    payment = payment_for(session, order.reference)
    return render_template(
        "orders/order.html",
        order=order,
        payment=payment,
        steps=order_steps(order, payment),
        actions=_actions(
            user,
            order,
            cash_due=services.cash_due(session, order),
            cancellable=services.may_cancel(session, user=user, order=order),
        ),
        refund=services.cancel_outcome(session, order) is OrderStatus.REFUNDED,
        shipment=outbound_port.tracking(session, order.id) if order.address_id else None,
        door_code=_door_code(session, user, order),
        claim=claim_of(session, order.id),
        may_claim=user.id == order.buyer_id and may_claim(order),
        **NAMES,
    )


def _door_code(session: Session, user: User, order: Order) -> str | None:
    """A door order's code is its parcel's, made when it is packed: the cadre asks for it."""
    if order.delivery is not Delivery.DOOR or user.id != order.buyer_id:
        return None
    return logistics.door_code(session, reference=order.reference)


@blueprint.get("/orders/<int:order_id>/cancel")
@signed_in
def confirm_cancel(order_id: int) -> str:
    """Ask before cancelling (a page, so it works without JavaScript): what is cancelled and
    what follows, a refund of what was paid, online or in cash."""
    session, user = get_session(), require_account()
    order = services.order_for(session, user=user, order_id=order_id)
    if not services.may_cancel(session, user=user, order=order):
        raise ShopError("already_packed")
    return render_template(
        "orders/cancel.html",
        order=order,
        payment=payment_for(session, order.reference),
        refund=services.cancel_outcome(session, order) is OrderStatus.REFUNDED,
        **NAMES,
    )


@dataclass(frozen=True)
class Slip:
    order: Order
    payment: Payment | None
    show_code: bool


@blueprint.route("/orders/<int:order_id>/receipt")
@signed_in
def receipt(order_id: int) -> str:
    """The printable receipt; ``?more=8,9`` adds the other orders of the same checkout at the
    counter (one per seller) to the same slip."""
    session, user = get_session(), require_account()
    more = [int(n) for n in request.args.get("more", "").split(",") if n.isdigit()]
    slips = []
    for number in [order_id, *more[: services.MAX_LINES]]:
        order = services.order_for(session, user=user, order_id=number)
        # The code is the buyer's; a slip printed at the counter carries it for a villager
        # without a phone.
        show_code = user.id == order.buyer_id or (order.assisted and user.id == order.placed_by_id)
        slips.append(Slip(order, payment_for(session, order.reference), show_code))
    return render_template(
        "orders/receipt.html", slips=slips, station=slips[0].order.station_village, **NAMES
    )


def _actions(user: User, order: Order, *, cash_due: bool, cancellable: bool) -> list[str]:
    """The buttons this user sees on this order (the services check again on POST).

    At the buyer's station the agent takes the cash of a cash order once its goods are on
    the shelf, and the hand-over (with the pickup code) appears once it is paid."""
    possible = ORDER_TRANSITIONS.targets(order.status)
    at_station = order.station_village_id in user.villages_for(Role.AGENT)
    shown = []
    if user.id == order.buyer_id and order.status == "shipped":
        shown.append("received")
    if order.seller_id == user.id and order.delivery == "ship" and order.status == "paid":
        shown.append("collect")
    elif order.seller_id == user.id and "packed" in possible:
        shown.append("pack")
    if at_station:
        if cash_due:
            shown.append("collect_cash")
        if order.delivery == "pickup" and order.status == "packed":
            shown.append("ready")
        if "picked_up" in possible and not cash_due:
            shown.append("hand_over")
    if cancellable:
        shown.append("cancel")
    return shown


ORDER_ACTIONS: dict[str, tuple[Callable[..., Order], str, Any]] = {
    "cancel": (services.cancel, "user", _l("订单已取消，货品已重新上架")),
    "pack": (services.pack, "seller", _l("已标记为打包好")),
    "ready": (services.mark_ready_for_pickup, "agent", _l("已到站，待村民自提")),
    "collect-cash": (services.collect_cash, "agent", _l("已收现金")),
    "collect": (services.request_collection, "seller", _l("已请村干部下一趟上门收货")),
    "received": (services.confirm_receipt, "user", _l("已确认收货")),
}


@blueprint.route(
    "/orders/<int:order_id>"
    "/<any(cancel, pack, ready, 'collect-cash', 'hand-over', collect, received):action>",
    methods=["POST"],
)
@signed_in
def order_action(order_id: int, action: str) -> Response:
    if action == "hand-over":
        return _hand_over(order_id)
    service, who, done = ORDER_ACTIONS[action]
    with unit_of_work() as session:
        order = service(session, order_id=order_id, **{who: require_account()})
        if order.status is OrderStatus.REFUNDED:
            done = _refund_done(session, order)
    flash(str(done), "success")
    back = same_site_path(request.form.get("back"))
    return redirect(back or url_for("orders.order_page", order_id=order_id))


def _refund_done(session: Session, order: Order) -> str:
    """A paid order was cancelled: say that the money went back, how much and how."""
    payment = payment_for(session, order.reference)
    amount = format_fen(order.total_fen)
    if payment is not None and payment.method is PaymentMethod.ONLINE:
        return str(
            _("订单已取消并退款 %(a)s：原路退回付款账户，一般 1 到 5 个工作日到账", a=amount)
        )
    return str(_("订单已取消并退款 %(a)s：现金由村站柜台当面退还", a=amount))


def _hand_over(order_id: int) -> Response:
    """The buyer tells the pickup code; wrong codes are throttled like parcels' codes."""
    code = request.form.get("pickup_code", "")[:12]
    try:
        with throttled(order_reference(order_id)), unit_of_work() as session:
            services.hand_over(
                session, agent=require_account(), order_id=order_id, pickup_code=code
            )
    except LogisticsError as error:  # a wrong code, or too many of them
        flash(error.message, "error")
    else:
        flash(_("已交货"), "success")
    return redirect(url_for("orders.order_page", order_id=order_id))


def _online_payment(order_id: int) -> tuple[Order, Payment]:
    order = services.own_order(get_session(), user=require_account(), order_id=order_id)
    payment = payment_for(get_session(), order.reference)
    if payment is None or payment.method is not PaymentMethod.ONLINE:
        raise ShopError("order_not_online")
    return order, payment


@blueprint.route("/orders/<int:order_id>/pay")
@signed_in
def pay(order_id: int) -> Response:
    """Where Stripe.js confirms the buyer's payment on the phone."""
    order, payment = _online_payment(order_id)
    return render_stripe_page(
        "orders/pay.html",
        order=order,
        payment=payment,
        refresh_url=url_for("orders.refresh_payment", order_id=order_id, step="refresh"),
        **NAMES,
    )


@blueprint.route("/orders/<int:order_id>/pay/<any(refresh, retry):step>", methods=["POST"])
@signed_in
def refresh_payment(order_id: int, step: str) -> Response:
    """Read the intent back after Stripe.js (the webhook may be late), or retry opening it."""
    _online_payment(order_id)
    if step == "retry":
        if not request_online_intents([order_reference(order_id)]):
            flash(_("暂时连不上支付服务。"), "error")
        return redirect(url_for("orders.pay", order_id=order_id))
    with unit_of_work() as session:
        payment = payment_for(session, order_reference(order_id))
        assert payment is not None
        refresh_from_provider(session, payment)
    return redirect(url_for("orders.pay", order_id=order_id))


SELLER_TABS = {
    services.SellerTab.TO_PACK: _l("待打包"),
    services.SellerTab.PACKED: _l("已打包"),
    services.SellerTab.DONE: _l("已完成"),
}


@blueprint.route("/seller/orders")
@roles(Role.FARMER, Role.SUPPLIER)
def to_prepare() -> str:
    """The seller's orders in three tabs: to pack (with the button), packed, done."""
    raw = request.args.get("tab", "")
    tab = services.SellerTab(raw) if raw in SELLER_TABS else services.SellerTab.TO_PACK
    orders = services.seller_orders(get_session(), seller=require_account(), tab=tab)
    return render_template(
        "orders/list.html",
        orders=orders,
        heading=_("卖出的订单"),
        tabs=SELLER_TABS,
        tab=tab,
        pack=tab is services.SellerTab.TO_PACK,
        **NAMES,
    )


@blueprint.route("/station/orders")
@roles(Role.AGENT)
def station_orders() -> str:
    orders = services.station_orders(get_session(), agent=require_account())
    return render_template(
        "orders/list.html", orders=orders, heading=_("本站订单"), station=True, **NAMES
    )


# --- assisted ordering (代购) -------------------------------------------------------------


@blueprint.route("/station/assisted", methods=["GET"])
@roles(Role.AGENT)
def assisted() -> str:
    session, agent = get_session(), require_account()
    query = request.args.get("q", "")[:20]
    villager = None
    villager_id = query_int("villager")
    if villager_id is not None:
        villager = services.villager_for_agent(session, agent=agent, user_id=villager_id)
    product_query = request.args.get("product", "").strip()[:60]
    found = browse(session, q=product_query, per_page=ASSISTED_RESULTS).items
    return render_template(
        "orders/assisted.html",
        query=query,
        villager=villager,
        matches=services.find_villagers(
            session, agent=agent, query=query, limit=20 if query.strip() else STATION_VILLAGERS
        ),
        listed_all=not query.strip(),
        product_query=product_query,
        products=found if villager else [],
        **NAMES,
    )


@blueprint.route("/station/assisted/<int:villager_id>", methods=["POST"])
@roles(Role.AGENT)
def place_assisted(villager_id: int) -> Response:
    agent = require_account()
    lines = [
        services.LineInput(parse_int(key.removeprefix("qty-"), low=1), _form_int(key, 0, 1000))
        for key in request.form
        if key.startswith("qty-") and request.form[key].strip() not in ("", "0")
    ]
    with unit_of_work() as session:
        buyer = services.villager_for_agent(session, agent=agent, user_id=villager_id)
        orders = services.place_orders(
            session,
            buyer=buyer,
            placed_by=agent,
            lines=lines,
            delivery=Delivery(_choice("delivery", Delivery)),
            payment=PaymentMethod.CASH,
        )
    flash(_("已为 %(name)s 下单", name=buyer.name), "success")
    more = ",".join(str(order.id) for order in orders[1:])
    return redirect(url_for("orders.receipt", order_id=orders[0].id, more=more or None))
