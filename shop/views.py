"""The home page, which greets each role with what it can do, the header's cart count,
and the health check."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text
from werkzeug.wrappers import Response

from core.access import current_account, public
from core.flask_db import get_session
from core.health import redis_status, worker_count
from core.jobs import app_celery, has_workers
from core.models import ROLE_NAMES, Role
from core.settings import Settings
from core.throttle_store import throttle_store_status
from shop.groupbuys.services import open_campaigns
from shop.orders.models import CartItem

blueprint = Blueprint("home", __name__, template_folder="templates")
VISITOR_GROUPBUYS = 5  # open group-buys shown to a visitor who has not signed in


@dataclass(frozen=True)
class Action:
    label: str
    endpoint: str
    args: tuple[tuple[str, str], ...] = ()  # query arguments of the link


# What each role comes to do; an action shows once the feature behind its endpoint exists.
ROLE_ACTIONS: dict[Role, tuple[Action, ...]] = {
    Role.VILLAGER: (
        Action(_l("逛本地好物"), "catalog.storefront"),
        Action(_l("参加化肥团购"), "groupbuys.campaigns"),
        Action(_l("我的订单"), "orders.my_orders"),
        Action(_l("我的包裹与取件码"), "tracking.my_parcels"),
        Action(_l("我要办事（代办）"), "errands.mine"),
        Action(_l("寄土特产给外地亲友：收货地址"), "buyers.addresses"),
    ),
    Role.FARMER: (
        Action(_l("上架农产品"), "listings.my_listings"),
        Action(_l("待备货订单"), "orders.to_prepare"),
        Action(_l("我的收入"), "earnings.mine"),
    ),
    Role.AGENT: (
        Action(_l("站点工作台"), "station.desk"),
        Action(_l("代办事项登记与回访"), "errands.station"),
        Action(_l("代办台账"), "errands.ledger_page"),
        Action(_l("登记住户与账号"), "accounts.households"),
        Action(_l("本站订单与收款"), "orders.station_orders"),
        Action(_l("审核上架申请"), "listings.review_queue"),
        Action(_l("快递价格"), "shipping.tariff"),
        Action(_l("快递售后申请"), "shipping.station_claims"),
        Action(_l("代客下单"), "orders.assisted"),
        Action(_l("化肥团购管理"), "groupbuys.campaigns"),
        Action(_l("现金日结"), "payments.cash_statement_page"),
        Action(_l("卖家结算付款"), "earnings.station_payouts"),
    ),
    Role.CADRE: (
        Action(_l("今天的配送路线"), "cadre.today"),
        Action(_l("我负责的代办事项"), "errands.todo"),
    ),
    Role.DISPATCHER: (
        Action(_l("调度看板"), "dispatch.board"),
        Action(_l("代办超期督办"), "errands.overdue"),
        Action(_l("代办月报"), "errands.report"),
    ),
    Role.ADMIN: (
        Action(_l("人员、村与干部"), "accounts.admin"),
        Action(_l("导入住户名册"), "accounts.households"),
        Action(_l("逛本地好物"), "catalog.storefront"),
        Action(_l("查看各村团购"), "groupbuys.campaigns"),
        Action(_l("卖家结算付款"), "earnings.station_payouts"),
        Action(_l("接口文档"), "api_docs_ui.swagger_ui"),
    ),
    Role.BUYER: (
        Action(_l("买村里的好货（快递到家）"), "catalog.storefront", (("ships", "1"),)),
        Action(_l("收货地址"), "buyers.addresses"),
        Action(_l("我的订单"), "orders.my_orders"),
    ),
    Role.COUNTY_ADMIN: (Action(_l("全县数据与规划"), "county.page"),),
    Role.SUPPLIER: (
        Action(_l("上架商品"), "listings.my_listings"),
        Action(_l("待备货订单"), "orders.to_prepare"),
        Action(_l("我的收入"), "earnings.mine"),
    ),
}


SHOPPING_ROLES = frozenset({Role.VILLAGER, Role.BUYER})


def available_actions(role: Role) -> list[Action]:
    return [a for a in ROLE_ACTIONS[role] if a.endpoint in current_app.view_functions]


@blueprint.route("/")
@public
def index() -> str:
    user = current_account()
    if user is None:
        groupbuys = open_campaigns(get_session(), limit=VISITOR_GROUPBUYS)
        return render_template("shop/home.html", user=None, groupbuys=groupbuys)
    held = [role for role in Role if role in user.roles]
    # The work of the day first (a farmer's orders to pack), one's own shopping after it.
    held.sort(key=lambda role: role in SHOPPING_ROLES)
    cards = [(ROLE_NAMES[role], available_actions(role)) for role in held]
    return render_template("shop/home.html", user=user, cards=cards)


def cart_count() -> int:
    """Kinds of product in the signed-in person's cart, for the header (0 when signed out)."""
    user = current_account()
    if user is None:
        return 0
    count = get_session().scalar(select(func.count(CartItem.id)).where(CartItem.user_id == user.id))
    return count or 0


@blueprint.route("/healthz")
@public
def healthz() -> tuple[Response, int]:
    """200 while the app serves: ``degraded`` when the throttles count per process because
    their shared store is unreachable; 503 (from core.db_faults) without a database, and
    503 when a broker is configured but it or every worker is down (tasks would pile up).
    The cache's Redis, when configured, is reported; the pages work without it."""
    get_session().execute(text("SELECT 1"))
    throttles = throttle_store_status(current_app.extensions)
    report: dict[str, object] = {"database": "ok", "throttle_store": throttles}
    settings: Settings = current_app.config["CUNZHAN_SETTINGS"]
    if settings.cache_redis_url:
        report["cache"] = redis_status(settings.cache_redis_url)
    required_down = False
    celery = app_celery()
    if has_workers(celery):
        report["broker"] = redis_status(str(celery.conf.broker_url))
        report["workers"] = worker_count(celery) if report["broker"] == "ok" else 0
        required_down = report["broker"] != "ok" or report["workers"] == 0
    degraded = throttles != "ok" or report.get("cache", "ok") != "ok"
    status = "down" if required_down else "degraded" if degraded else "ok"
    return jsonify(status=status, **report), 503 if required_down else 200
