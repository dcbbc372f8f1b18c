"""The farmer's earnings page and API, the agent's payout at the counter, statements and
the station's month report, through HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.jobs import celery_app
from core.models import Role, User, Village
from core.timeutil import utcnow
from ledger.commission import SaleLine, rate_for
from ledger.errors import LedgerError
from ledger.models import AccountKind, EntryKind, Payout, PayoutMethod
from ledger.services import account_balance, available_fen, post_refund, post_sale
from ledger.settlement import pay_out, settle_week, statements_of
from ledger.station import payouts_due
from ledger.tasks import settle_last_week
from payments.models import PaymentMethod

SIGNATURE = "M10 10L20 20L30 30L40 35L50 40"


@pytest.fixture
def station(make_village: Callable[..., Village]) -> Village:
    return make_village()


@pytest.fixture
def farmer(make_user: Callable[..., User], station: Village) -> User:
    return make_user(Role.FARMER, name="王农户")


@pytest.fixture
def agent(make_user: Callable[..., User], station: Village) -> User:
    return make_user(Role.AGENT, village=station, name="李代办")


def _sell(db: Session, farmer: User, station: Village, ref: str, fen: int) -> None:
    post_sale(
        db,
        subject_ref=ref,
        seller_id=farmer.id,
        village_id=station.id,
        method=PaymentMethod.CASH,
        lines=[SaleLine("vegetables", 0, fen)],
        memo="青菜×2斤",
    )


def _settle_this_week(db: Session) -> None:
    today = utcnow()
    settle_week(db, week_start=today.date(), now=today + dt.timedelta(days=8))


def test_the_api_and_page_show_the_sellers_money(
    client: FlaskClient,
    db: Session,
    farmer: User,
    station: Village,
    login: Callable[[User], str],
) -> None:
    _sell(db, farmer, station, "order:901", 2000)  # 5 % commission: 100
    login(farmer)
    body = client.get("/api/v1/me/earnings").get_json()
    assert body["available_fen"] == 1900
    assert (body["pending_fen"], body["paid_out_fen"], body["commission_fen"]) == (0, 0, 100)
    assert len(body["weeks"]) == 12 and body["weeks"][-1]["earned_fen"] == 1900
    page = client.get("/earnings/").get_data(as_text=True)
    assert "¥19.00" in page and "青菜×2斤" in page and "<svg" in page
    assert "order:" not in page
    spec = client.get("/api/openapi.json").get_json()
    assert "/api/v1/me/earnings" in spec["paths"]


def test_a_villager_has_no_earnings(
    client: FlaskClient, make_user: Callable[..., User], login: Callable[[User], str]
) -> None:
    login(make_user(Role.VILLAGER))
    assert client.get("/api/v1/me/earnings").status_code == 403


def test_the_agent_pays_out_in_cash_with_a_signature_and_the_till_goes_down(
    client: FlaskClient,
    db: Session,
    farmer: User,
    agent: User,
    station: Village,
    login: Callable[[User], str],
) -> None:
    _sell(db, farmer, station, "order:902", 3000)
    _settle_this_week(db)
    token = login(agent)
    desk = client.get("/earnings/station").get_data(as_text=True)
    assert "王农户" in desk and "¥28.50" in desk
    (payout_link,) = [
        part.split('"')[0] for part in desk.split('href="')[1:] if "/pay" in part.split('"')[0]
    ]
    refused = client.post(payout_link, data={"csrf_token": token, "method": "cash"})
    assert refused.status_code == 422  # no signature
    done = client.post(
        payout_link, data={"csrf_token": token, "method": "cash", "signature": SIGNATURE}
    )
    assert done.status_code == 302
    assert available_fen(db, farmer.id) == 0
    assert account_balance(db, AccountKind.STATION_TILL, station.id) == 3000 - 2850
    again = client.post(
        payout_link, data={"csrf_token": token, "method": "cash", "signature": SIGNATURE}
    )
    assert again.status_code == 409
    month = client.get("/earnings/station/month").get_data(as_text=True)
    assert "¥30.00" in month and "¥1.50" in month and "¥28.50" in month
    csv_text = client.get("/earnings/station/month.csv").get_data(as_text=True)
    assert "王农户" in csv_text and "30.00,1.50,0.00,28.50,0.00" in csv_text
    header, *rows, till_closing = csv_text.splitlines()
    # Headed in Chinese, with the byte-order mark Excel needs to read UTF-8.
    assert header.split(",") == [
        "\ufeff卖家",
        "手机号",
        "卖出（元）",
        "本站抽成（元）",
        "退款（元）",
        "付给卖家（元）",
        "未付（元）",
    ]
    assert rows[-3].startswith("合计,") and till_closing.startswith("钱箱月末,")


def test_a_refund_after_the_payout_leaves_a_negative_balance_the_page_explains(
    client: FlaskClient,
    db: Session,
    farmer: User,
    agent: User,
    station: Village,
    login: Callable[[User], str],
) -> None:
    _sell(db, farmer, station, "order:903", 1000)
    _settle_this_week(db)
    login(agent)
    (statement,) = statements_of(db, seller_id=farmer.id)
    pay_out(
        db, agent=agent, statement_id=statement.id, method=PayoutMethod.TRANSFER, reference="WX1"
    )
    post_refund(db, subject_ref="order:903", refunded_total_fen=1000, method=PaymentMethod.CASH)
    assert available_fen(db, farmer.id) == -950
    assert db.query(Payout).count() == 1
    login(farmer)
    page = client.get("/earnings/").get_data(as_text=True)
    assert 'data-explain="negative"' in page and "-¥9.50" in page
    # In plain Chinese: what happened, and that the next sales pay it back first.
    assert "付款给您之后退了款" in page and "从您以后的收入里扣回，扣完后再付款" in page
    sheet = client.get(f"/earnings/statements/{statement.id}").get_data(as_text=True)
    assert "转账" in sheet and "WX1" in sheet


def test_the_daily_cash_statement_shows_the_cash_paid_to_sellers(
    client: FlaskClient,
    db: Session,
    farmer: User,
    agent: User,
    station: Village,
    login: Callable[[User], str],
) -> None:
    _sell(db, farmer, station, "order:904", 4000)
    _settle_this_week(db)
    (statement,) = statements_of(db, seller_id=farmer.id)
    pay_out(
        db, agent=agent, statement_id=statement.id, method=PayoutMethod.CASH, signature=SIGNATURE
    )
    login(agent)
    page = client.get("/payments/cash-statement").get_data(as_text=True)
    assert 'data-total="paid-out">¥38.00' in page
    assert 'data-total="net">-¥38.00' in page  # no cash payment recorded that day here


def test_the_cli_sets_a_rate_and_settles_last_week(
    app: Flask, db: Session, station: Village
) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "rate", str(station.id), "800", "--category", "grain"])
    assert result.exit_code == 0, result.output
    assert rate_for(db, village_id=station.id, category="grain", local=False) == 800
    assert rate_for(db, village_id=station.id, category="grain", local=True) == 0
    result = runner.invoke(args=["ledger", "settle"])
    assert result.exit_code == 0 and "settled" in result.output


def test_an_agent_of_another_station_cannot_see_or_pay_the_statement(
    client: FlaskClient,
    db: Session,
    farmer: User,
    station: Village,
    make_user: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    _sell(db, farmer, station, "order:905", 1000)
    _settle_this_week(db)
    (statement,) = statements_of(db, seller_id=farmer.id)
    stranger = make_user(Role.AGENT, name="外站代办")
    token = login(stranger)
    assert client.get(f"/earnings/statements/{statement.id}").status_code == 404
    answer = client.post(
        f"/earnings/station/statements/{statement.id}/pay",
        data={"csrf_token": token, "method": "cash", "signature": SIGNATURE},
    )
    assert answer.status_code == 404
    assert available_fen(db, farmer.id) == 950


def test_the_beat_task_settles_last_week_and_is_on_the_schedule(
    app: Flask, db: Session, farmer: User, station: Village
) -> None:
    post_sale(
        db,
        subject_ref="order:906",
        seller_id=farmer.id,
        village_id=station.id,
        method=PaymentMethod.CASH,
        lines=[SaleLine("vegetables", 0, 500)],
    )
    assert settle_last_week.delay().get(timeout=5) >= 0  # this week's sale is not closed yet
    assert statements_of(db, seller_id=farmer.id) == []
    assert celery_app.conf.beat_schedule["settle-ledger-week"]["task"] == "ledger.settle_week"


@pytest.mark.parametrize("kind", [EntryKind.PLEDGE, EntryKind.SALE])
def test_an_agent_cannot_pay_themselves_another_agent_or_the_admin_does(
    client: FlaskClient,
    db: Session,
    agent: User,
    station: Village,
    make_user: Callable[..., User],
    login: Callable[[User], str],
    kind: EntryKind,
) -> None:
    """The agent organised a group buy (a pledge) or sold their own produce (an order):
    the money is theirs, so they may not take it out of the till themselves."""
    post_sale(
        db,
        subject_ref=f"{kind.value}:907",
        kind=kind,
        seller_id=agent.id,
        village_id=station.id,
        method=PaymentMethod.CASH,
        lines=[SaleLine("fertiliser", 0, 2000)],
    )
    _settle_this_week(db)
    (statement,) = statements_of(db, seller_id=agent.id)
    with pytest.raises(LedgerError) as refused:
        pay_out(
            db,
            agent=agent,
            statement_id=statement.id,
            method=PayoutMethod.CASH,
            signature=SIGNATURE,
        )
    assert refused.value.code == "own_payout"
    token = login(agent)
    desk = client.get("/earnings/station").get_data(as_text=True)
    assert "data-own-payout" in desk and f"/statements/{statement.id}/pay" not in desk
    answer = client.post(
        f"/earnings/station/statements/{statement.id}/pay",
        data={"csrf_token": token, "method": "cash", "signature": SIGNATURE},
    )
    assert answer.status_code == 403 and "不能给自己付款" in answer.get_data(as_text=True)
    assert available_fen(db, agent.id) == 1900

    payer = make_user(Role.AGENT, village=station, name="另一位代办")
    if kind is EntryKind.SALE:
        payer = make_user(Role.ADMIN, name="管理员")  # the admin pays from the agent's station
    token = login(payer)
    assert f"/statements/{statement.id}/pay" in client.get("/earnings/station").get_data(
        as_text=True
    )
    done = client.post(
        f"/earnings/station/statements/{statement.id}/pay",
        data={"csrf_token": token, "method": "cash", "signature": SIGNATURE},
    )
    assert done.status_code == 302
    assert available_fen(db, agent.id) == 0
    assert account_balance(db, AccountKind.STATION_TILL, station.id) == 2000 - 1900


def test_the_payout_desk_lists_each_seller_owed_once_by_their_latest_statement(
    db: Session,
    farmer: User,
    agent: User,
    station: Village,
    make_user: Callable[..., User],
) -> None:
    other = make_user(Role.FARMER, name="赵农户")
    refunded = make_user(Role.FARMER, name="钱农户")
    for seller, ref in ((farmer, "order:910"), (other, "order:911"), (refunded, "order:912")):
        _sell(db, seller, station, ref, 1000)
    post_refund(db, subject_ref="order:912", refunded_total_fen=1000, method=PaymentMethod.CASH)
    _settle_this_week(db)
    later = utcnow() + dt.timedelta(days=7)
    settle_week(db, week_start=later.date(), now=later + dt.timedelta(days=8))
    (paid,) = statements_of(db, seller_id=other.id, limit=1)
    pay_out(db, agent=agent, statement_id=paid.id, method=PayoutMethod.CASH, signature=SIGNATURE)
    due = payouts_due(db, agent=agent)
    assert [(d.seller.name, d.amount_fen) for d in due] == [("王农户", 950)]
    assert due[0].statement.week_start > statements_of(db, seller_id=farmer.id)[-1].week_start
