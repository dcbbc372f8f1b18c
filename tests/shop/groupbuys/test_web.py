"""The group-buy API (exact DESIGN.md shapes) and pages, with access by role."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Role, User, Village
from shop.groupbuys.models import GroupBuy

DESIGN_FIELDS = {
    "id",
    "title",
    "tiers",
    "pledged_quantity",
    "min_quantity",
    "max_quantity",
    "per_household_limit",
    "current_price_fen",
    "deadline",
    "status",
}


def _csrf(client: FlaskClient, path: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).get_data(True))
    assert match
    return match.group(1)


def test_api_lists_and_shows_campaigns_as_designed(
    client: FlaskClient,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    campaign = make_campaign()
    login(villager())
    listed = client.get("/api/v1/group-buys?status=open").get_json()["items"]
    assert [item["id"] for item in listed] == [campaign.id]
    one = client.get(f"/api/v1/group-buys/{campaign.id}").get_json()
    assert set(one) >= DESIGN_FIELDS
    assert one["tiers"] == [
        {"min_quantity": 1, "price_fen": 15_000},
        {"min_quantity": 50, "price_fen": 14_000},
        {"min_quantity": 200, "price_fen": 13_200},
    ]
    assert (one["current_price_fen"], one["status"]) == (15_000, "open")
    assert client.get("/api/v1/group-buys?status=failed").get_json()["items"] == []
    assert client.get("/api/v1/group-buys?status=nonsense").status_code == 422


def test_api_pledge_then_409_when_pledged_again(
    client: FlaskClient,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    campaign = make_campaign()
    token = login(villager())
    url = f"/api/v1/group-buys/{campaign.id}/pledges"
    created = client.post(
        url, json={"quantity": 12, "payment": "cash"}, headers={"X-CSRFToken": token}
    )
    assert created.status_code == 201
    assert created.get_json()["quantity"] == 12
    again = client.post(
        url, json={"quantity": 1, "payment": "cash"}, headers={"X-CSRFToken": token}
    )
    assert again.status_code == 409
    assert "已经参加" in again.get_json()["error"]["message"]
    assert client.get(f"/api/v1/group-buys/{campaign.id}").get_json()["pledged_quantity"] == 12


@pytest.mark.parametrize(
    "body",
    [
        {"quantity": 0, "payment": "cash"},
        {"quantity": 1001, "payment": "cash"},
        {"quantity": "2", "payment": "cash"},
        {"quantity": 2.0, "payment": "cash"},
        {"quantity": 2, "payment": "bitcoin"},
        {"quantity": 2},
        {"quantity": 2, "payment": "cash", "status": "charged"},
        {"quantity": 2, "payment": "cash", "final_fen": 1},
    ],
)
def test_api_pledge_rejects_bad_bodies_with_422(
    client: FlaskClient,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    login: Callable[[User], str],
    body: dict[str, Any],
) -> None:
    campaign = make_campaign()
    token = login(villager())
    response = client.post(
        f"/api/v1/group-buys/{campaign.id}/pledges", json=body, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid"


def test_other_villages_cannot_see_or_pledge(
    client: FlaskClient,
    make_campaign: Callable[..., GroupBuy],
    make_user: Callable[..., User],
    make_village: Callable[..., Village],
    login: Callable[[User], str],
) -> None:
    campaign = make_campaign()
    elsewhere = make_village()
    for role in (Role.VILLAGER, Role.FARMER, Role.AGENT, Role.CADRE, Role.DISPATCHER):
        token = login(make_user(role, village=elsewhere))
        assert client.get(f"/api/v1/group-buys/{campaign.id}").status_code == 404
        assert (
            client.post(
                f"/api/v1/group-buys/{campaign.id}/pledges",
                json={"quantity": 1, "payment": "cash"},
                headers={"X-CSRFToken": token},
            ).status_code
            == 404
        )
        assert client.get(f"/group-buys/{campaign.id}").status_code == 404
        assert client.get(f"/group-buys/{campaign.id}/dashboard").status_code in (403, 404)
        assert client.get("/api/v1/group-buys").get_json()["items"] == []


def test_villager_pledges_on_the_page_and_sees_the_progress(
    client: FlaskClient,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    campaign = make_campaign()
    login(villager())
    page = client.get(f"/group-buys/{campaign.id}").get_data(as_text=True)
    assert "¥150.00" in page and "再认购 50袋，降到 ¥140.00" in page
    assert "在线支付" not in page  # no Stripe keys here: cash only, and the page says so
    response = client.post(
        f"/group-buys/{campaign.id}/pledge",
        follow_redirects=True,
        data={
            "quantity": 5,
            "payment": "cash",
            "csrf_token": _csrf(client, f"/group-buys/{campaign.id}"),
        },
    )
    body = response.get_data(as_text=True)
    assert "认购成功" in body and "我家的认购" in body and 'value="5"' in body
    bad = client.post(
        f"/group-buys/{campaign.id}/pledge",
        data={"quantity": "", "payment": "cash", "csrf_token": _csrf(client, "/group-buys")},
    )
    assert bad.status_code == 422


def test_agent_records_a_cash_pledge_and_closes(
    client: FlaskClient,
    db: Session,
    make_campaign: Callable[..., GroupBuy],
    agent: User,
    villager: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    campaign = make_campaign(min_quantity=10)
    household = villager("张大爷")
    login(agent)
    dashboard = f"/group-buys/{campaign.id}/dashboard"
    client.post(
        f"/group-buys/{campaign.id}/cash-pledge",
        data={
            "phone": household.phone,
            "quantity": 12,
            "payment": "cash",
            "csrf_token": _csrf(client, dashboard),
        },
    )
    page = client.get(dashboard).get_data(as_text=True)
    assert "张大爷" in page and 'data-figure="households">1<' in page
    token = _csrf(client, dashboard)
    unconfirmed = client.post(f"/group-buys/{campaign.id}/close", data={"csrf_token": token})
    assert unconfirmed.headers["Location"].endswith(f"/group-buys/{campaign.id}/close")
    confirm = client.get(f"/group-buys/{campaign.id}/close").get_data(as_text=True)
    assert "现在截止会成团" in confirm and "还有 2 天" in confirm
    client.post(f"/group-buys/{campaign.id}/close", data={"csrf_token": token, "confirm": "yes"})
    page = client.get(dashboard).get_data(as_text=True)
    assert "已成团" in page
    assert "¥1,800.00" in page  # 12 bags at ¥150, cash to collect
    pledge_id = campaign.pledges[0].id
    collected = client.post(
        f"/group-buys/{campaign.id}/pledges/{pledge_id}/collect",
        data={"csrf_token": _csrf(client, dashboard)},
        follow_redirects=True,
    )
    assert "已收现金 ¥1,800.00" in collected.get_data(as_text=True)
    assert 'data-figure="paid">1<' in collected.get_data(as_text=True)
    login(household)
    mine = client.get(f"/group-buys/{campaign.id}").get_data(as_text=True)
    assert "应付" in mine and "¥1,800.00" in mine and "比零售省了" in mine


def test_the_dashboard_shows_what_each_pledge_owes_and_the_cash_to_collect_while_open(
    client: FlaskClient,
    make_campaign: Callable[..., GroupBuy],
    agent: User,
    villager: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    campaign = make_campaign(min_quantity=10)
    login(agent)
    dashboard = f"/group-buys/{campaign.id}/dashboard"
    for name, quantity in (("张大爷", 12), ("李奶奶", 3)):
        client.post(
            f"/group-buys/{campaign.id}/cash-pledge",
            data={
                "phone": villager(name).phone,
                "quantity": quantity,
                "payment": "cash",
                "csrf_token": _csrf(client, dashboard),
            },
        )
    page = client.get(dashboard).get_data(as_text=True)
    assert 'data-figure="cash">2 · ¥2,250.00<' in page  # 15 bags at today's ¥150
    due = re.findall(r'data-label="应付">([^<]*)<span class="muted">按现价', page)
    assert due == ["¥1,800.00 ", "¥450.00 "]


def test_agent_opens_a_campaign_from_the_form(
    client: FlaskClient, agent: User, login: Callable[[User], str]
) -> None:
    login(agent)
    token = _csrf(client, "/group-buys/new")
    form = {
        "title": "尿素 40kg",
        "unit": "袋",
        "sku": "UREA-40",
        "shop_price": "120",
        "tiers": "1 115\n30 108",
        "min_quantity": 30,
        "max_quantity": 200,
        "per_household_limit": 10,
        "deadline": "2099-01-01T18:00",
        "delivery": "pickup",
        "csrf_token": token,
    }
    created = client.post("/group-buys/new", data=form, follow_redirects=True)
    assert created.status_code == 200 and "尿素 40kg" in created.get_data(as_text=True)
    wrong = client.post(
        "/group-buys/new", data={**form, "tiers": "1 115\n30 130", "shop_price": "-3"}
    )
    assert wrong.status_code == 422
    text = wrong.get_data(as_text=True)
    assert "请填写金额" in text
    bad_tiers = client.post("/group-buys/new", data={**form, "tiers": "一 115"})
    assert "第 1 行格式" in bad_tiers.get_data(as_text=True)


def test_online_pledge_holds_the_top_price_through_the_pay_page(
    app: Any,
    client: FlaskClient,
    db: Session,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    login: Callable[[User], str],
    stripe_gateway: Any,
    localstripe: Any,
) -> None:
    """The server side of paying on the phone. Stripe.js itself cannot run here (no network;
    localstripe's stand-in only replays 3-D Secure), so the card confirmation that Stripe.js
    would make is made with the SDK, as the browser would through Stripe."""
    import stripe

    from payments.models import Payment

    settings = app.config["CUNZHAN_SETTINGS"]
    app.config["CUNZHAN_SETTINGS"] = settings.__class__(
        **{
            **settings.__dict__,
            "stripe_publishable_key": "pk_test_cunzhan",
            "stripe_api_base": localstripe.url,
        }
    )
    campaign = make_campaign()
    token = login(villager())
    created = client.post(
        f"/api/v1/group-buys/{campaign.id}/pledges",
        json={"quantity": 4, "payment": "online"},
        headers={"X-CSRFToken": token},
    )
    assert created.status_code == 201
    body = created.get_json()
    assert (body["authorised_fen"], body["status"]) == (60_000, "active")
    assert body["client_secret"]
    page = client.get(f"/group-buys/pledges/{body['id']}/pay")
    assert "https://js.stripe.com" in page.headers["Content-Security-Policy"]
    assert 'data-client-secret="' in page.get_data(as_text=True)
    sdk = stripe.StripeClient("sk_test_cunzhan", base_addresses={"api": localstripe.url})
    intent_id = body["client_secret"].split("_secret_")[0]
    sdk.v1.payment_intents.update(intent_id, params={"payment_method": "pm_card_visa"})
    sdk.v1.payment_intents.confirm(intent_id)
    held = client.post(
        f"/group-buys/pledges/{body['id']}/refresh",
        headers={"X-CSRFToken": token},
        follow_redirects=True,
    )
    assert "已冻结" in held.get_data(as_text=True)
    db.expire_all()
    payment = db.scalar(select(Payment).where(Payment.subject_ref == f"pledge:{body['id']}"))
    assert payment is not None
    assert payment.status.value == "authorised"


def test_another_household_cannot_see_or_touch_a_pledge(
    client: FlaskClient,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    campaign = make_campaign()
    token = login(villager("户主甲"))
    pledge_id = client.post(
        f"/api/v1/group-buys/{campaign.id}/pledges",
        json={"quantity": 2, "payment": "cash"},
        headers={"X-CSRFToken": token},
    ).get_json()["id"]
    token = login(villager("邻居乙"))
    assert client.get(f"/group-buys/pledges/{pledge_id}/pay").status_code == 404
    for action in ("refresh", "retry-hold"):
        response = client.post(
            f"/group-buys/pledges/{pledge_id}/{action}", headers={"X-CSRFToken": token}
        )
        assert response.status_code == 404
    page = client.get(f"/group-buys/{campaign.id}").get_data(as_text=True)
    assert "我家的认购" not in page


def test_my_orders_lists_the_household_group_buys_with_price_and_saving(
    client: FlaskClient,
    db: Session,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    from core.timeutil import utcnow
    from payments.models import PaymentMethod
    from shop.groupbuys import services as groupbuy_services

    campaign = make_campaign(min_quantity=3)
    household = villager()
    groupbuy_services.pledge(
        db, campaign_id=campaign.id, user=household, quantity=3, payment=PaymentMethod.CASH
    )
    login(household)
    assert "截止后按最终档位价结算" in client.get("/orders").get_data(as_text=True)
    groupbuy_services.claim_for_closing(db, campaign_id=campaign.id, now=utcnow(), early=True)
    for pledge_id in groupbuy_services.pledge_ids(db, campaign_id=campaign.id):
        groupbuy_services.settle_pledge(db, pledge_id=pledge_id)
    page = client.get("/orders").get_data(as_text=True)
    assert "复合肥 45% 50kg" in page
    assert "应付 ¥450.00" in page and "比零售省了 ¥30.00" in page


def test_an_online_pledge_from_the_page_lands_on_a_ready_card_form(
    app: Any,
    client: FlaskClient,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    login: Callable[[User], str],
    stripe_gateway: Any,
) -> None:
    settings = app.config["CUNZHAN_SETTINGS"]
    app.config["CUNZHAN_SETTINGS"] = settings.__class__(
        **{**settings.__dict__, "stripe_publishable_key": "pk_test_cunzhan"}
    )
    campaign = make_campaign()
    login(villager())
    page = client.post(
        f"/group-buys/{campaign.id}/pledge",
        data={"quantity": 2, "payment": "online", "csrf_token": _csrf(client, "/group-buys")},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert 'data-client-secret="pi_' in page
    assert "暂时连不上支付服务" not in page


def test_an_unreachable_provider_leaves_the_pledge_with_a_retry(
    client: FlaskClient,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    login: Callable[[User], str],
    request: pytest.FixtureRequest,
) -> None:
    from payments.gateways import CashGateway, Gateways
    from payments.stripe_gateway import StripeGateway
    from tests.payments.fixtures import gateways_in_use

    unreachable = StripeGateway("sk_test_x", api_base="http://127.0.0.1:9")  # nothing listens
    with gateways_in_use(Gateways(cash=CashGateway(), online=unreachable), request):
        campaign = make_campaign()
        token = login(villager())
        created = client.post(
            f"/api/v1/group-buys/{campaign.id}/pledges",
            json={"quantity": 2, "payment": "online"},
            headers={"X-CSRFToken": token},
        )
        assert created.status_code == 201
        assert created.get_json()["client_secret"] is None
        page = client.get(f"/group-buys/pledges/{created.get_json()['id']}/pay")
        assert "重试" in page.get_data(as_text=True)


def test_a_villager_changes_then_cancels_a_pledge_on_the_page(
    client: FlaskClient,
    db: Session,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    campaign = make_campaign(min_quantity=10)
    me = villager()
    login(me)
    page = f"/group-buys/{campaign.id}"
    pledged = client.post(
        f"{page}/pledge",
        data={"quantity": 4, "payment": "cash", "csrf_token": _csrf(client, page)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "应付 ¥600.00" in pledged and "data-due>¥600.00<" in pledged
    pledge_id = int(re.search(r"/pledges/(\d+)/change", pledged).group(1))  # type: ignore[union-attr]
    changed = client.post(
        f"/group-buys/pledges/{pledge_id}/change",
        data={"quantity": 12, "csrf_token": _csrf(client, page)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已改为 12袋" in changed and "data-status>已成团<" in changed
    cancelled = client.post(
        f"/group-buys/pledges/{pledge_id}/cancel",
        data={"csrf_token": _csrf(client, page)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已取消认购" in cancelled and "我要参团" in cancelled
    assert "data-status>进行中<" in cancelled and campaign.pledged_quantity == 0
