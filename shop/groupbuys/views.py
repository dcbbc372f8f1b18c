"""Group-buy pages: villagers pledge on the phone; the agent opens, watches and closes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from core.access import require_account, roles, signed_in
from core.errors import CunzhanError
from core.flask_db import database, get_session, unit_of_work
from core.idempotency import apply_once
from core.labels import label
from core.models import Household, Role, User
from core.money import format_fen, yuan_to_fen
from core.services import normalise_phone
from core.timeutil import utcnow
from payments.models import Payment, PaymentMethod, PaymentStatus
from payments.services import payment_for, record_cash, refresh_from_provider
from payments.views import render_stripe_page, request_online_intents
from shop.errors import ShopError
from shop.groupbuys import fulfilment, services
from shop.groupbuys.closing import close_campaign
from shop.groupbuys.forms import (
    CampaignForm,
    CashPledgeForm,
    ChangePledgeForm,
    PledgeForm,
    parse_tiers,
)
from shop.groupbuys.models import CampaignStatus, Delivery, GroupBuy, Pledge, PledgeStatus
from shop.orders.models import PAYMENT_NAMES

blueprint = Blueprint(
    "groupbuys",
    __name__,
    url_prefix="/group-buys",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/groupbuys",
)


def campaign_label(campaign: GroupBuy) -> str:
    """已成团 as soon as the minimum is pledged, though pledges are still taken."""
    if campaign.status is CampaignStatus.OPEN and campaign.minimum_reached:
        return label(CampaignStatus.SUCCEEDED)
    return label(campaign.status)


@blueprint.context_processor
def _labels() -> dict[str, object]:
    return {"campaign_label": campaign_label}


def _own_pledge(campaign: GroupBuy, user: User) -> Pledge | None:
    return get_session().scalar(
        select(Pledge).where(
            Pledge.group_buy_id == campaign.id,
            Pledge.household_id == user.household_id,
            Pledge.status != PledgeStatus.CANCELLED,
        )
    )


def _is_organiser(campaign: GroupBuy, user: User) -> bool:
    return campaign.village_id in user.villages_for(Role.AGENT)


@blueprint.route("")
@signed_in
def campaigns() -> str:
    user = require_account()
    listed = services.campaigns_for(get_session(), user=user)
    return render_template(
        "groupbuys/list.html", campaigns=listed, can_open=bool(user.villages_for(Role.AGENT))
    )


def _detail(
    campaign: GroupBuy, form: PledgeForm | None = None, status: int = 200
) -> tuple[str, int]:
    user = require_account()
    pledge_form = form or PledgeForm()
    if not services.card_pledges_allowed(campaign):
        pledge_form.payment.choices = [("cash", _("到村站付现金"))]
    return render_template(
        "groupbuys/detail.html",
        campaign=campaign,
        own=_own_pledge(campaign, user),
        form=pledge_form,
        change_form=ChangePledgeForm(),
        organiser=_is_organiser(campaign, user),
        next_tier=campaign.next_tier(),
    ), status


@blueprint.route("/<int:campaign_id>")
@signed_in
def detail(campaign_id: int) -> tuple[str, int]:
    campaign = services.get_campaign(get_session(), campaign_id=campaign_id, user=require_account())
    return _detail(campaign)


@blueprint.route("/<int:campaign_id>/pledge", methods=["POST"])
@signed_in
def pledge(campaign_id: int) -> Response | tuple[str, int]:
    user = require_account()
    form = PledgeForm()
    if not form.validate_on_submit():
        campaign = services.get_campaign(get_session(), campaign_id=campaign_id, user=user)
        return _detail(campaign, form, 422)

    def pledge_once(session: Session) -> dict[str, Any]:  # the form carries an idempotency key
        made = services.pledge(
            session,
            campaign_id=campaign_id,
            user=user,
            quantity=form.quantity.data or 0,
            payment=PaymentMethod(form.payment.data),
        )
        return {"pledge_id": made.id}

    try:
        answer = apply_once(pledge_once, user_id=user.id)
    except CunzhanError as error:
        flash(error.message, "error")
        return redirect(url_for(".detail", campaign_id=campaign_id))
    record = get_session().get_one(Pledge, answer.body["pledge_id"])
    if record.payment_method is PaymentMethod.ONLINE:
        request_online_intents([record.subject_ref])
        return redirect(url_for(".pay", pledge_id=record.id))
    flash(
        _(
            "认购成功！按现在的价格应付 %(amount)s，截止时价格更低就按更低的价格结算。",
            amount=format_fen(record.quantity * record.group_buy.current_price_fen),
        ),
        "success",
    )
    return redirect(url_for(".detail", campaign_id=campaign_id))


@blueprint.route("/pledges/<int:pledge_id>/change", methods=["POST"])
@signed_in
def change_pledge(pledge_id: int) -> Response:
    """A new quantity before the deadline (never over the maximum, never after the close)."""
    form = ChangePledgeForm()
    record = _own_pledge_by_id(pledge_id)
    if not form.validate_on_submit():
        flash(" ".join(m for messages in form.errors.values() for m in messages), "error")
        return redirect(url_for(".detail", campaign_id=record.group_buy_id))
    try:
        with unit_of_work() as session:
            record = services.change_pledge(
                session,
                pledge_id=pledge_id,
                user=require_account(),
                quantity=form.quantity.data or 0,
            )
        due = format_fen(record.quantity * record.group_buy.current_price_fen)
        flash(
            _(
                "已改为 %(n)s%(unit)s，按现在的价格应付 %(amount)s",
                n=record.quantity,
                unit=record.group_buy.unit,
                amount=due,
            ),
            "success",
        )
    except CunzhanError as error:
        flash(error.message, "error")
    return redirect(url_for(".detail", campaign_id=record.group_buy_id))


@blueprint.route("/pledges/<int:pledge_id>/cancel", methods=["POST"])
@signed_in
def cancel_pledge(pledge_id: int) -> Response:
    """Withdraw before the deadline; a card hold is released."""
    record = _own_pledge_by_id(pledge_id)
    try:
        with unit_of_work() as session:
            services.cancel_pledge(session, pledge_id=pledge_id, user=require_account())
        flash(_("已取消认购。截止前还可以重新参团。"), "info")
    except CunzhanError as error:
        flash(error.message, "error")
    return redirect(url_for(".detail", campaign_id=record.group_buy_id))


def _own_pledge_by_id(pledge_id: int) -> Pledge:
    record = get_session().get(Pledge, pledge_id)
    if record is None or record.household_id != require_account().household_id:
        raise ShopError("pledge_not_found")
    return record


@blueprint.route("/pledges/<int:pledge_id>/pay")
@signed_in
def pay(pledge_id: int) -> Response:
    """Where Stripe.js confirms the hold on the phone."""
    record = _own_pledge_by_id(pledge_id)
    payment = payment_for(get_session(), record.subject_ref)
    if payment is None or payment.method is not PaymentMethod.ONLINE:
        raise ShopError("pledge_not_online")  # a cash pledge is paid at the counter
    return render_stripe_page(
        "groupbuys/pay.html",
        pledge=record,
        payment=payment,
        PaymentStatus=PaymentStatus,
        refresh_url=url_for(".refresh_hold", pledge_id=pledge_id),
    )


@blueprint.route("/pledges/<int:pledge_id>/refresh", methods=["POST"])
@signed_in
def refresh_hold(pledge_id: int) -> Response:
    """After Stripe.js confirmed, read the intent back (the webhook may not have come yet)."""
    with unit_of_work() as session:
        payment = payment_for(session, _own_pledge_by_id(pledge_id).subject_ref)
        if payment is not None:
            refresh_from_provider(session, payment)
    return redirect(url_for(".pay", pledge_id=pledge_id))


@blueprint.route("/pledges/<int:pledge_id>/retry-hold", methods=["POST"])
@signed_in
def retry_hold(pledge_id: int) -> Response:
    """Ask the provider again for a hold whose first attempt failed (same idempotency key)."""
    if not request_online_intents([_own_pledge_by_id(pledge_id).subject_ref]):
        flash(_("暂时连不上支付服务。"), "error")
    return redirect(url_for(".pay", pledge_id=pledge_id))


# --- the agent's side --------------------------------------------------------------


def _organised(campaign_id: int) -> GroupBuy:
    user = require_account()
    campaign = services.get_campaign(get_session(), campaign_id=campaign_id, user=user)
    if not _is_organiser(campaign, user):
        raise ShopError("station_agent_only")
    return campaign


@blueprint.route("/new", methods=["GET", "POST"])
@roles(Role.AGENT)
def new_campaign() -> Response | tuple[str, int]:
    user = require_account()
    form = CampaignForm()
    if not form.validate_on_submit():
        return render_template("groupbuys/new.html", form=form), 422 if form.is_submitted() else 200
    try:
        with unit_of_work() as session:
            campaign = services.open_campaign(
                session,
                organiser=user,
                village_id=min(user.villages_for(Role.AGENT)),
                title=form.title.data or "",
                unit=form.unit.data or "袋",
                sku=form.sku.data or "",
                shop_price_fen=yuan_to_fen(form.shop_price.data or ""),
                tiers=parse_tiers(form.tiers.data or ""),
                min_quantity=form.min_quantity.data or 0,
                max_quantity=form.max_quantity.data or 0,
                per_household_limit=form.per_household_limit.data or 0,
                deadline=form.deadline_utc(),
                delivery=Delivery(form.delivery.data),
                description=form.description.data or "",
                unit_weight_g=(form.unit_weight_kg.data or 0) * 1000,
            )
    except CunzhanError as error:
        return render_template("groupbuys/new.html", form=form, error=error.message), error.status
    flash(_("团购已发起"), "success")
    return redirect(url_for(".dashboard", campaign_id=campaign.id))


@dataclass(frozen=True)
class PledgeRow:
    pledge: Pledge
    household_name: str
    payment_status: PaymentStatus | None

    @property
    def due_fen(self) -> int | None:
        """What the household pays: the final amount once charged; while the campaign is open,
        its quantity at today's price (which can only fall); nothing once withdrawn or released.
        """
        if self.pledge.final_fen is not None:
            return self.pledge.final_fen
        if self.pledge.status is PledgeStatus.ACTIVE:
            return self.pledge.quantity * self.pledge.group_buy.current_price_fen
        return None

    @property
    def cash_to_collect(self) -> bool:
        """Cash the station still has to take: a standing cash pledge (its payment is opened
        at the close) or a charged one whose cash payment is awaited."""
        if self.pledge.payment_method is not PaymentMethod.CASH:
            return False
        if self.pledge.status is PledgeStatus.ACTIVE:
            return True
        return self.payment_status is PaymentStatus.AWAITING_CASH


@blueprint.route("/<int:campaign_id>/dashboard")
@roles(Role.AGENT)
def dashboard(campaign_id: int) -> str:
    """Pledged, paid, cash to collect and goods to deliver, pledge by pledge."""
    campaign = _organised(campaign_id)
    session = get_session()
    pledges = campaign.pledges
    names = {
        household_id: name
        for household_id, name in session.execute(
            select(Household.id, Household.head_name).where(
                Household.id.in_([p.household_id for p in pledges])
            )
        )
    }
    payments = {
        payment.subject_ref: payment.status
        for payment in session.scalars(
            select(Payment).where(Payment.subject_ref.in_([p.subject_ref for p in pledges]))
        )
    }
    rows = [
        PledgeRow(p, names.get(p.household_id, ""), payments.get(p.subject_ref)) for p in pledges
    ]
    return render_template(
        "groupbuys/dashboard.html",
        campaign=campaign,
        rows=rows,
        cash_form=CashPledgeForm(),
        PaymentStatus=PaymentStatus,
        payment_names=PAYMENT_NAMES,
    )


@blueprint.route("/<int:campaign_id>/receive-goods", methods=["POST"])
@roles(Role.AGENT)
def receive_goods(campaign_id: int) -> Response:
    """The factory's lorry has come: stock in, each household's share set aside or sent."""
    try:
        with unit_of_work() as session:
            fulfilment.receive_goods(session, campaign_id=campaign_id, agent=require_account())
        flash(_("已收货入库，送货上门的已交给村干部配送。"), "success")
    except CunzhanError as error:
        flash(error.message, "error")
    return redirect(url_for(".dashboard", campaign_id=campaign_id))


@blueprint.route("/<int:campaign_id>/pledges/<int:pledge_id>/collect", methods=["POST"])
@roles(Role.AGENT)
def collect_cash(campaign_id: int, pledge_id: int) -> Response:
    """The household picks up its bags and pays the final price in cash."""
    agent = require_account()
    _organised(campaign_id)
    try:
        with unit_of_work() as session:
            record = session.get(Pledge, pledge_id)
            payment = payment_for(session, record.subject_ref) if record else None
            if record is None or record.group_buy_id != campaign_id or payment is None:
                raise ShopError("no_cash_due")
            record_cash(session, payment_id=payment.id, amount_fen=payment.amount_fen, agent=agent)
        flash(_("已收现金 %(amount)s", amount=format_fen(payment.amount_fen)), "success")
    except CunzhanError as error:
        flash(error.message, "error")
    return redirect(url_for(".dashboard", campaign_id=campaign_id))


@blueprint.route("/<int:campaign_id>/cash-pledge", methods=["POST"])
@roles(Role.AGENT)
def cash_pledge(campaign_id: int) -> Response:
    """The agent records a pledge made in person at the counter (paid in cash at pickup)."""
    _organised(campaign_id)
    form = CashPledgeForm()
    if not form.validate_on_submit():
        flash(
            " ".join(message for messages in form.errors.values() for message in messages), "error"
        )
        return redirect(url_for(".dashboard", campaign_id=campaign_id))
    try:
        with unit_of_work() as session:
            villager = session.scalar(
                select(User).where(User.phone == normalise_phone(form.phone.data or ""))
            )
            if villager is None or villager.household_id is None:
                raise ShopError("no_household_with_phone")
            services.pledge(
                session,
                campaign_id=campaign_id,
                user=require_account(),
                quantity=form.quantity.data or 0,
                payment=PaymentMethod.CASH,
                household_id=villager.household_id,
            )
        flash(_("已为 %(name)s 登记认购", name=villager.name), "success")
    except CunzhanError as error:
        flash(error.message, "error")
    return redirect(url_for(".dashboard", campaign_id=campaign_id))


@blueprint.route("/<int:campaign_id>/close")
@roles(Role.AGENT)
def confirm_close(campaign_id: int) -> str:
    """Before closing early: how long is left, and what closing now would mean."""
    campaign = _organised(campaign_id)
    return render_template(
        "groupbuys/confirm_close.html",
        campaign=campaign,
        left=campaign.deadline - utcnow(),
        price_now=campaign.price_at(campaign.pledged_quantity),
    )


@blueprint.route("/<int:campaign_id>/close", methods=["POST"])
@roles(Role.AGENT)
def close(campaign_id: int) -> Response:
    """The agent closes the campaign now, after the confirmation step (it also closes by
    itself at the deadline)."""
    _organised(campaign_id)
    if request.form.get("confirm") != "yes":
        return redirect(url_for(".confirm_close", campaign_id=campaign_id))
    # Closing runs its own transactions; end this request's read so SQLite's writer
    # lock is free for them.
    get_session().commit()
    result = close_campaign(database().write_sessions, campaign_id, early=True)
    if not result.claimed:
        flash(_("这个团购已经在结算或已结束"), "info")
    elif result.problems:
        flash(_("部分认购未能结算，稍后会自动重试：") + "; ".join(result.problems), "error")
    elif result.status is CampaignStatus.SUCCEEDED:
        flash(_("成团！已按最终价格结算所有认购。"), "success")
    else:
        flash(_("未达成团数量，所有冻结款项已释放。"), "info")
    return redirect(url_for(".dashboard", campaign_id=campaign_id))
