"""The station's daily cash statement balances; stuck online payments get reconciled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.models import Role, User, Village
from core.timeutil import local_today, utcnow
from payments.models import CaptureMode, PaymentMethod, PaymentStatus
from payments.services import open_online_intent, record_cash, refund_payment, start_payment
from payments.statements import cash_statement, reconcile
from payments.stripe_gateway import StripeGateway


def _cash_order(db: Session, village: Village, agent: User, ref: str, amount: int) -> None:
    payment = start_payment(
        db, subject_ref=ref, amount_fen=amount, method=PaymentMethod.CASH, village_id=village.id
    )
    record_cash(db, payment_id=payment.id, amount_fen=amount, agent=agent)


def test_the_daily_cash_statement_balances(
    db: Session, make_village: Callable[..., Village], make_user: Callable[..., User]
) -> None:
    village, elsewhere = make_village(), make_village()
    agent = make_user(Role.AGENT, village=village, name="代办员甲")
    _cash_order(db, village, agent, "order:c1", 3_000)
    _cash_order(db, village, agent, "order:c2", 1_250)
    _cash_order(db, elsewhere, make_user(Role.AGENT, village=elsewhere), "order:c3", 999)
    refund_payment(db, subject_ref="order:c1", amount_fen=500, actor=agent)
    start_payment(
        db, subject_ref="order:c4", amount_fen=700, method=PaymentMethod.CASH, village_id=village.id
    )  # not collected yet: not in the till
    statement = cash_statement(db, village_id=village.id, day=local_today())
    assert [line.amount_fen for line in statement.lines] == [3_000, 1_250, -500]
    assert (statement.collected_fen, statement.refunded_fen, statement.net_fen) == (
        4_250,
        500,
        3_750,
    )
    assert sum(line.amount_fen for line in statement.lines) == statement.net_fen
    assert {line.agent_name for line in statement.lines} == {"代办员甲"}
    yesterday = cash_statement(db, village_id=village.id, day=local_today() - dt.timedelta(1))
    assert yesterday.lines == []


def test_cash_statement_page_is_for_the_station_agent_only(
    client: FlaskClient,
    db: Session,
    make_village: Callable[..., Village],
    make_user: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    village = make_village()
    agent = make_user(Role.AGENT, village=village)
    _cash_order(db, village, agent, "order:p1", 8_800)
    login(agent)
    page = client.get("/payments/cash-statement")
    assert page.status_code == 200
    assert "¥88.00" in page.get_data(as_text=True)
    other = make_village()
    assert client.get(f"/payments/cash-statement?village={other.id}").status_code == 403
    assert client.get("/payments/cash-statement?day=yesterday").status_code == 422
    login(make_user(Role.VILLAGER, Role.CADRE, village=village))
    assert client.get("/payments/cash-statement").status_code == 403


def test_reconcile_settles_payments_stuck_between_states(
    db: Session, make_village: Callable[..., Village], stripe_gateway: StripeGateway
) -> None:
    village = make_village()
    payment = start_payment(
        db,
        subject_ref="pledge:s1",
        amount_fen=5_000,
        method=PaymentMethod.ONLINE,
        village_id=village.id,
        capture=CaptureMode.MANUAL,
    )
    open_online_intent(db, payment_id=payment.id, payment_method="pm_card_visa")
    stripe_gateway.capture(payment.provider_id or "", amount_fen=5_000, idempotency_key="x")
    assert payment.status is PaymentStatus.AUTHORISED  # the webhook never came
    assert reconcile(db, now=utcnow()).checked == 0  # too recent to call stuck
    report = reconcile(db, now=utcnow() + dt.timedelta(hours=1))
    assert (report.checked, report.moved) == (1, 1)
    assert (payment.status, payment.captured_fen) == (PaymentStatus.SUCCEEDED, 5_000)
