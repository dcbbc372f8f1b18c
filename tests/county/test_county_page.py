"""The county's figures per township and village, its page, CSV and who may read them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.models import County, Household, Role, Township, User, Village
from core.services import grant_role
from core.timeutil import local_today, utcnow
from errands.models import Category, Channel, ErrandRequest, RequestStatus
from logistics.models import Courier, Parcel, ParcelStatus
from payments.models import PaymentMethod
from shop.county.figures import Period, county_rows, county_total
from shop.orders.models import Delivery, Order, OrderStatus


def build(db: Session, make_user: Callable[..., User]) -> tuple[County, list[Village], User]:
    county = County(name="示范县")
    villages = []
    for t in range(2):
        township = Township(
            county=county, name=f"第{t + 1}镇", hub_address="镇中心", lat=28.2, lon=112.9
        )
        for v in range(2):
            village = Village(
                township=township,
                name=f"{t + 1}镇{v + 1}村",
                station_address="村委会",
                lat=28.2,
                lon=112.9,
            )
            db.add(village)
            villages.append(village)
    db.flush()
    manager = make_user(Role.VILLAGER, village=villages[0], name="县长助理")
    grant_role(db, user=manager, role=Role.COUNTY_ADMIN, county_id=county.id)
    return county, villages, manager


def add_activity(
    db: Session, village: Village, buyer: User, seller_village: Village, *, parcels: int
) -> None:
    home = Household(
        village=village, head_name="住户", phone="13600000000", address="1号", lat=28.2, lon=112.9
    )
    db.add(home)
    db.flush()
    for n in range(parcels):
        db.add(
            Parcel(
                courier=Courier.SF,
                tracking_no=f"SF{village.id:04d}{n:04d}",
                recipient_name="住户",
                recipient_phone="13600000000",
                weight_g=1000,
                household_id=home.id,
                village_id=village.id,
                township_id=village.township_id,
                status=ParcelStatus.AT_VILLAGE_DEPOT,
            )
        )
    db.add(
        Order(
            buyer_id=buyer.id,
            placed_by_id=buyer.id,
            seller_id=buyer.id,
            household_id=home.id,
            station_village_id=village.id,
            source_village_id=seller_village.id,
            delivery=Delivery.PICKUP,
            payment_method=PaymentMethod.CASH,
            status=OrderStatus.PICKED_UP,
            total_fen=12_345,
        )
    )
    db.add(
        Order(
            buyer_id=buyer.id,
            placed_by_id=buyer.id,
            seller_id=buyer.id,
            household_id=home.id,
            station_village_id=village.id,
            delivery=Delivery.PICKUP,
            payment_method=PaymentMethod.CASH,
            status=OrderStatus.CANCELLED,
            total_fen=99_999,
        )
    )
    now = utcnow()
    db.add(
        ErrandRequest(
            village_id=village.id,
            household_id=home.id,
            filed_by_id=buyer.id,
            channel=Channel.PHONE_APP,
            category=Category.INSURANCE,
            details="办医保",
            status=RequestStatus.DONE,
            remind_at=now,
            due_at=now + dt.timedelta(days=1),
            done_at=now,
        )
    )
    db.flush()


def test_figures_per_village_township_and_county_in_a_fixed_number_of_queries(
    db: Session, make_user: Callable[..., User]
) -> None:
    county, villages, manager = build(db, make_user)
    add_activity(db, villages[0], manager, villages[3], parcels=3)
    add_activity(db, villages[2], manager, villages[3], parcels=2)
    statements: list[str] = []
    engine = db.get_bind().engine

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        townships = county_rows(db, county_id=county.id, period=Period.day(local_today()))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 8  # the places and seven grouped figures, whatever the size
    first, second = townships
    assert [r.figures.parcels_down for r in first.villages] == [3, 0]
    assert first.figures.parcels_down == 3 and second.figures.parcels_down == 2
    assert first.figures.orders == 1 and first.figures.sales_fen == 12_345  # cancelled left out
    assert second.villages[1].figures.produce_fen == 2 * 12_345
    assert first.figures.errands == first.figures.errands_in_time == 1
    total = county_total(townships)
    assert (total.parcels_down, total.orders, total.errands) == (5, 2, 2)
    assert total.services == 5 + 2 + 2
    yesterday = local_today() - dt.timedelta(days=1)
    assert (
        county_total(county_rows(db, county_id=county.id, period=Period.day(yesterday))).services
        == 0
    )


def test_the_county_page_and_csv_for_its_manager_only(
    client: FlaskClient,
    db: Session,
    make_user: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    county, villages, manager = build(db, make_user)
    add_activity(db, villages[1], manager, villages[0], parcels=4)
    login(manager)
    page = client.get("/county/?period=today")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-figure="down">4<' in html and "<svg" in html and "1镇2村" in html
    answer = client.get("/county/figures.csv?period=today")
    assert answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["乡镇", "村", "下行包裹（件）"]
    assert rows[2][:3] == ["第1镇", "1镇2村", "4"]
    assert rows[3][:3] == ["第1镇", "合计", "4"]
    other = make_user(Role.DISPATCHER, village=villages[0], name="调度")
    client.delete_cookie("session")
    login(other)
    assert client.get("/county/").status_code == 403
    assert client.get(f"/county/figures.csv?county={county.id}").status_code == 403
