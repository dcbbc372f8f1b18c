"""Issue #12 item 6: a cash pledge has no online payment, so its pay page is a 404."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.models import User
from payments.models import PaymentMethod
from shop.groupbuys import services
from shop.groupbuys.models import GroupBuy


def test_the_pay_page_of_a_cash_pledge_is_not_found(
    client: FlaskClient,
    db: Session,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    campaign, household = make_campaign(), villager()
    pledge = services.pledge(
        db, campaign_id=campaign.id, user=household, quantity=2, payment=PaymentMethod.CASH
    )
    login(household)
    assert client.get(f"/group-buys/pledges/{pledge.id}/pay").status_code == 404
