"""The statement and the month report as A4 PDFs, read back with pypdf: the seller, the
week, each line and totals equal to the ledger's; and the month picker in Chinese."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pypdf
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.models import Role, User, Village
from core.money import format_fen
from core.timeutil import local_today
from ledger.commission import SaleLine
from ledger.figures import figures, week_bounds
from ledger.models import PayoutMethod, Statement
from ledger.services import available_fen, post_refund, post_sale
from ledger.settlement import pay_out, statements_of
from ledger.station import month_report
from payments.models import PaymentMethod
from tests.conftest import phone_of
from tests.ledger.test_pages import SIGNATURE, _settle_this_week

SALES = (("order:921", "青菜×2斤", 2000), ("order:922", "土鸡蛋×30枚", 4500))


@pytest.fixture
def station(make_village: Callable[..., Village]) -> Village:
    return make_village()


@pytest.fixture
def farmer(make_user: Callable[..., User]) -> User:
    return make_user(Role.FARMER, name="王农户")


@pytest.fixture
def agent(make_user: Callable[..., User], station: Village) -> User:
    return make_user(Role.AGENT, village=station, name="李代办")


def _pdf_text(data: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return "\n".join(page.extract_text() for page in pages)


def _href(page: str, marker: str) -> str:
    """The address of the one link on ``page`` carrying ``marker``."""
    (href,) = re.findall(rf'<a[^>]*href="([^"]+)"[^>]*{marker}', page)
    return str(href)


@pytest.fixture
def statement(db: Session, farmer: User, station: Village) -> Statement:
    """A week of two cash sales and a partial refund, settled."""
    for ref, memo, fen in SALES:
        post_sale(
            db,
            subject_ref=ref,
            seller_id=farmer.id,
            village_id=station.id,
            method=PaymentMethod.CASH,
            lines=[SaleLine("vegetables", 0, fen)],
            memo=memo,
        )
    post_refund(db, subject_ref="order:922", refunded_total_fen=1500, method=PaymentMethod.CASH)
    _settle_this_week(db)
    (settled,) = statements_of(db, seller_id=farmer.id)
    return settled


def test_the_statement_pdf_has_the_seller_the_week_each_line_and_the_ledgers_totals(
    client: FlaskClient,
    db: Session,
    farmer: User,
    agent: User,
    statement: Statement,
    login: Callable[[User], str],
) -> None:
    start, end = week_bounds(statement.week_start)
    ledger = figures(db, seller_id=farmer.id, start=start, end=end)
    assert (ledger.sales_fen, ledger.commission_fen, ledger.refunds_fen) == (6500, 250, 1500)
    assert statement.closing_fen == available_fen(db, farmer.id) == 6500 - 250 - 1500

    login(agent)  # the agent downloads it from the payout page, and pays
    pay_page = client.get(f"/earnings/station/statements/{statement.id}/pay")
    answer = client.get(_href(pay_page.get_data(as_text=True), "data-pdf"))
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    before = _pdf_text(answer.data)
    assert "还没有付款" in before
    pay_out(
        db,
        agent=agent,
        statement_id=statement.id,
        method=PayoutMethod.CASH,
        signature=SIGNATURE,
    )

    login(farmer)  # the farmer downloads it from the statement page
    sheet = client.get(f"/earnings/statements/{statement.id}").get_data(as_text=True)
    answer = client.get(_href(sheet, "data-pdf"))
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = _pdf_text(answer.data)
    assert "王农户" in text and phone_of(farmer) in text
    assert statement.week_start.isoformat() in text and statement.week_end.isoformat() in text
    for _ref, memo, fen in SALES:  # each line: what was sold, its amount and commission
        assert memo in text and format_fen(fen) in text
    assert text.count("订单完成") == 2 and "退款" in text
    totals = {
        "本周卖出": ledger.sales_fen,
        "村站抽成": -ledger.commission_fen,
        "退款": -ledger.refunds_fen,
        "本周结余": statement.closing_fen,
    }
    for label, fen in totals.items():
        assert re.search(rf"{label}\s*{re.escape(format_fen(fen))}", text), label
    assert f"以现金付给卖家 {format_fen(statement.closing_fen)}" in text


def test_a_stranger_cannot_download_the_statement(
    client: FlaskClient,
    statement: Statement,
    make_user: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    login(make_user(Role.AGENT, name="外站代办"))
    assert client.get(f"/earnings/statements/{statement.id}.pdf").status_code == 404
    login(make_user(Role.FARMER, name="别的农户"))
    assert client.get(f"/earnings/statements/{statement.id}.pdf").status_code == 404


def test_the_month_report_pdf_sums_to_the_ledger_and_its_picker_speaks_chinese(
    client: FlaskClient,
    db: Session,
    agent: User,
    statement: Statement,
    login: Callable[[User], str],
) -> None:
    month = local_today().replace(day=1)
    report = month_report(db, agent=agent, month=month)
    login(agent)
    page = client.get("/earnings/station/month").get_data(as_text=True)
    label = f"{month.year}年{month.month}月"
    assert f'<option value="{month:%Y-%m}" selected>{label}</option>' in page
    assert 'type="month"' not in page and month.strftime("%B") not in page
    answer = client.get(_href(page, "data-pdf"))
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = _pdf_text(answer.data)
    assert "本站月报" in text and label in text and "王农户" in text
    for name, fen in (
        ("卖出", report.total.sales_fen),
        ("本站抽成", report.total.commission_fen),
        ("钱箱月末", report.till_closing_fen),
    ):
        assert re.search(rf"{name}\s*{re.escape(format_fen(fen))}", text), name
    assert report.total.sales_fen == 6500
    english = client.get("/earnings/station/month?lang=en").get_data(as_text=True)
    assert label not in english and f"{month.month}/{month.year}" in english
