"""A Chinese page shows no enum value, internal reference or English tail; the API answers in
the caller's language.

Every role signs in on the demo township (with the cadre's villages planned, so that rounds,
stops and left-out households exist) and walks the links reachable from its home page, as a
person taps them; each page's visible text is checked for:

- an ASCII status word: the value of any StrEnum of the project (``succeeded``, ``STATION``),
- an internal reference ``word:digits`` (``order:7``, ``pledge:28``),
- a parenthesised English tail ``(window outside the shifts)``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import routing
from core.db import transaction
from core.demo import DEMO_PASSWORD, demo_phone
from core.flask_db import EXTENSION_KEY, DatabaseState
from core.models import Role, User
from core.timeutil import local_today, utcnow
from ledger.models import PayoutMethod, Statement
from ledger.settlement import pay_out, settle_week
from logistics import planning
from logistics.intake import add_delivery_item
from logistics.models import Parcel
from payments.services import refund_payment
from shop.app import create_app
from shop.demo import load_demo
from shop.groupbuys.models import GroupBuy
from shop.models_registry import metadata
from shop.orders import services as orders
from shop.orders.models import Order, OrderStatus
from tests.conftest import ThrowawayDatabases, app_config

PACKAGES = ("core", "inventory", "payments", "logistics", "ledger", "errands", "shop", "routing")
MAX_PAGES = 150
PER_PATTERN = 2  # /products/1 and /products/2 are enough of /products/N
SKIPPED_PATHS = re.compile(r"^/(static|api|photos)/|^/logout|\.(js|css|png|jpe?g|svg|webp|json)$")

REFERENCE = re.compile(r"(?<![A-Za-z0-9_])[a-z][a-z_-]*:\d+")
ENGLISH_TAIL = re.compile(r"[(（][a-z][a-z0-9 ,.'/;_-]*[)）]")


def _project_enums(base: type[StrEnum] = StrEnum) -> Iterator[type[StrEnum]]:
    for enum in base.__subclasses__():
        if enum.__module__.split(".")[0] in PACKAGES:
            yield enum
        yield from _project_enums(enum)


def _status_words() -> re.Pattern[str]:
    values = {member.value for enum in _project_enums() for member in enum}
    words = sorted((v for v in values if re.fullmatch(r"[A-Za-z_]+", v)), key=len, reverse=True)
    sentences = [re.escape(v) for v in values if " " in v]  # routing's drop reasons
    alternatives = "|".join([*words, *sentences])
    return re.compile(rf"(?<![A-Za-z0-9_])(?:{alternatives})(?![A-Za-z0-9_])")


class _Page(HTMLParser):
    """The text a person sees (and hears: alt, title, placeholder, aria-label) and the links."""

    HIDDEN = frozenset({"script", "style", "template"})
    SPOKEN = ("alt", "title", "placeholder", "aria-label")

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self.lang = ""
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "html":
            self.lang = found.get("lang") or ""
        if tag == "a" and found.get("href"):
            self.links.append(found["href"] or "")
        self.text.extend(value for name in self.SPOKEN if (value := found.get(name)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.text.append(data.strip())


@dataclass
class Walk:
    visited: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def demo_app(databases: ThrowawayDatabases) -> Iterator[Flask]:
    """The demo township on its own SQLite file, the first cadre's villages planned today."""
    flask_app = create_app(app_config(databases.new_url("sqlite")))
    state: DatabaseState = flask_app.extensions[EXTENSION_KEY]
    metadata.create_all(state.engine)
    with transaction(state.write_sessions) as session:
        load_demo(session)
        order = session.scalars(select(Order).order_by(Order.id).limit(1)).one()
        add_delivery_item(  # the station carries an order: its parcel names the order
            session,
            household_id=order.household_id or 0,
            reference=order.reference,
            description="订单货品",
            weight_g=2_000,
        )
    with transaction(state.write_sessions) as session:
        _move_money(session)
    with transaction(state.write_sessions) as session:
        cadre = session.scalars(select(User).where(User.phone == demo_phone(3, 1))).one()
        runs = planning.start_runs(
            session, village_ids=sorted(cadre.villages_for(Role.CADRE)), day=local_today()
        )
        options = routing.SolveOptions(seconds=1.0, workers=1)
        planning.plan_runs_inline(session, runs=runs, options=options, workers=1)
    yield flask_app
    state.engine.dispose()


def _move_money(session: Session) -> None:
    """At the agent's station: one order picked up (booked for its seller), settled and paid
    out, then refunded (the seller's balance goes negative); another cancelled after its
    cash was taken (a refunded order)."""
    agent = session.scalars(select(User).where(User.phone == ROLES["agent"])).one()
    ready = session.scalars(
        select(Order)
        .where(
            Order.status == OrderStatus.READY_FOR_PICKUP,
            Order.station_village_id.in_(agent.villages_for(Role.AGENT)),
        )
        .order_by(Order.id)
        .limit(2)
    ).all()
    sold, cancelled = ready
    for order in ready:
        orders.collect_cash(session, agent=agent, order_id=order.id)
    orders.hand_over(session, agent=agent, order_id=sold.id, pickup_code=sold.pickup_code or "")
    orders.cancel(session, user=agent, order_id=cancelled.id)
    now = utcnow()
    (statement,) = settle_week(session, week_start=now.date(), now=now + dt.timedelta(days=8))
    pay_out(
        session,
        agent=agent,
        statement_id=statement.id,
        method=PayoutMethod.CASH,
        signature="M10 10L20 20L30 30",
    )
    refund_payment(session, subject_ref=sold.reference, amount_fen=sold.total_fen, actor=agent)


def _villager_with_a_shop_parcel(flask_app: Flask) -> str:
    """A villager whose household awaits a station delivery (an order or a group-buy share)."""
    state: DatabaseState = flask_app.extensions[EXTENSION_KEY]
    with transaction(state.read_sessions) as session:
        phone = session.scalar(
            select(User.phone)
            .join(Parcel, Parcel.household_id == User.household_id)
            .where(Parcel.reference.is_not(None))
            .order_by(User.phone)
            .limit(1)
        )
    return phone or demo_phone(0, 1)


def _problems(url: str, page: _Page, statuses: re.Pattern[str]) -> list[str]:
    problems = [] if page.lang == "zh-CN" else [f"{url}: <html lang={page.lang!r}>"]
    text = "\n".join(page.text)
    for pattern, what in [
        (statuses, "status word"),
        (REFERENCE, "internal reference"),
        (ENGLISH_TAIL, "English tail"),
    ]:
        problems.extend(f"{url}: {what} {m.group(0)!r}" for m in pattern.finditer(text))
    return problems


def _client(flask_app: Flask, phone: str | None) -> FlaskClient:
    client = flask_app.test_client()
    if phone is not None:
        signed_in = client.post(
            "/api/v1/auth/login", json={"phone": phone, "password": DEMO_PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.get_json()
    return client


def _walk(flask_app: Flask, phone: str | None) -> Walk:
    client = _client(flask_app, phone)
    statuses, walk = _status_words(), Walk()
    queue, seen, patterns = deque(["/"]), {"/"}, Counter[str]()
    while queue and len(walk.visited) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code in (301, 302, 303):
            continue
        if not response.content_type.startswith("text/html"):
            continue
        walk.visited.append(url)
        page = _Page()
        page.feed(response.get_data(as_text=True))
        walk.problems.extend(_problems(url, page, statuses))
        for link in page.links:
            target = _same_site(url, link)
            if target is None or target in seen:
                continue
            shape = re.sub(r"\d+", "N", target)
            if patterns[shape] >= PER_PATTERN:
                continue
            patterns[shape] += 1
            seen.add(target)
            queue.append(target)
    return walk


def _same_site(current: str, link: str) -> str | None:
    parts = urlsplit(urljoin(f"http://localhost{current}", link))
    if parts.scheme not in ("http", "https") or parts.netloc != "localhost":
        return None
    if SKIPPED_PATHS.search(parts.path) or "lang=" in parts.query:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


ROLES = {
    "anonymous": None,
    "farmer": demo_phone(1, 1),
    "agent": demo_phone(2, 1),
    "cadre": demo_phone(3, 1),
    "dispatcher": demo_phone(4, 1),
    "admin": demo_phone(5, 1),
    "buyer": demo_phone(6, 1),  # a city buyer in 深圳 (shop/shipping/demo.py)
    "county": demo_phone(7, 1),  # the county manager
}


@pytest.mark.parametrize("role", ["villager", *ROLES])
def test_chinese_pages_show_no_enum_value_reference_or_english_tail(
    demo_app: Flask, role: str
) -> None:
    phone = _villager_with_a_shop_parcel(demo_app) if role == "villager" else ROLES[role]
    walk = _walk(demo_app, phone)
    assert len(walk.visited) >= (1 if role in ("anonymous", "admin") else 3), walk.visited
    assert walk.problems == [], "\n".join(walk.problems[:40])


def _read(client: FlaskClient, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    page = _Page()
    page.feed(response.get_data(as_text=True))
    return _problems(url, page, _status_words())


def test_a_refunded_order_and_the_earnings_pages_read_in_chinese(demo_app: Flask) -> None:
    """The pages the walk may not reach by itself: a refunded order, a seller's earnings
    with a negative balance and a paid statement, the station's payouts and month."""
    state: DatabaseState = demo_app.extensions[EXTENSION_KEY]
    with transaction(state.read_sessions) as session:
        refunded = session.scalars(
            select(Order).where(Order.status == OrderStatus.REFUNDED).limit(1)
        ).one()
        (statement,) = session.scalars(select(Statement)).all()
        seller_phone = session.get_one(User, statement.seller_id).phone
    agent = _client(demo_app, ROLES["agent"])
    seller = _client(demo_app, seller_phone)
    problems = [
        *_read(agent, f"/orders/{refunded.id}"),
        *_read(agent, "/earnings/station"),
        *_read(agent, "/earnings/station/month"),
        *_read(agent, f"/earnings/station/statements/{statement.id}/pay"),
        *_read(seller, "/earnings/"),
        *_read(seller, f"/earnings/statements/{statement.id}"),
    ]
    assert problems == [], "\n".join(problems)
    earnings = seller.get("/earnings/").get_data(as_text=True)
    assert 'data-explain="negative"' in earnings  # the negative balance is explained


def test_the_api_answers_a_domain_error_in_the_callers_language(demo_app: Flask) -> None:
    client = demo_app.test_client()
    missing = "/api/v1/products/999999"
    chinese = client.get(missing)
    assert chinese.status_code == 404
    assert chinese.get_json() == {
        "error": {"code": "product_not_found", "message": "找不到这个商品"}
    }
    english = client.get(missing, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert english.get_json()["error"] == {
        "code": "product_not_found",
        "message": "No such product",
    }
    assert client.get(f"{missing}?lang=en").get_json()["error"]["message"] == "No such product"
    wrong = {"phone": demo_phone(0, 1), "password": "not-the-password"}
    refused = client.post("/api/v1/auth/login", json=wrong, headers={"Accept-Language": "en"})
    assert refused.status_code == 401
    assert refused.get_json()["error"] == {
        "code": "bad_credentials",
        "message": "Wrong phone number or password",
    }


def test_pages_stay_chinese_whatever_the_phone_language(demo_app: Flask) -> None:
    """Pages ignore Accept-Language (people switch with the language link); the API honours it."""
    page = demo_app.test_client().get("/", headers={"Accept-Language": "en"})
    assert '<html lang="zh-CN">' in page.get_data(as_text=True)


def test_english_pages_name_units_in_english(demo_app: Flask) -> None:
    state: DatabaseState = demo_app.extensions[EXTENSION_KEY]
    with transaction(state.read_sessions) as session:
        campaign = session.scalars(select(GroupBuy).where(GroupBuy.unit == "袋").limit(1)).one()
    client = demo_app.test_client()
    signed_in = client.post(
        "/api/v1/auth/login", json={"phone": demo_phone(0, 1), "password": DEMO_PASSWORD}
    )
    assert signed_in.status_code == 200
    page = client.get(f"/group-buys/{campaign.id}?lang=en").get_data(as_text=True)
    assert "Saving per bag" in page and "per 袋" not in page  # the description is the agent's own


@pytest.mark.parametrize(
    "leak",
    [
        "已付款（succeeded）",
        "现金 · awaiting_cash",
        "STATION order:7",
        "pledge:28",
        "(window outside the shifts)",
    ],
)
def test_the_checks_catch_what_the_issue_reported(leak: str) -> None:
    assert any(p.search(leak) for p in (_status_words(), REFERENCE, ENGLISH_TAIL)), leak
