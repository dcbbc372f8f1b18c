"""Inventory services: each change is conditional, ledgered, and the ledger adds up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import User, Village
from core.timeutil import utcnow
from inventory import services as inv
from inventory.errors import InventoryError, OutOfStock
from inventory.models import MovementKind, ReservationStatus, StockLevel, StockMovement

SKU = "product:1"


@pytest.fixture
def location_id(db: Session, make_village: Callable[..., Village]) -> int:
    return inv.station_location(db, village_id=make_village().id).id


def level(db: Session, location_id: int, sku: str = SKU) -> StockLevel:
    found = db.scalar(
        select(StockLevel).where(StockLevel.sku == sku, StockLevel.location_id == location_id)
    )
    assert found is not None
    db.refresh(found)
    return found


def assert_ledger_matches(db: Session, location_id: int, sku: str = SKU) -> None:
    stock = level(db, location_id, sku)
    assert inv.ledger_totals(db, level_id=stock.id) == (stock.on_hand, stock.reserved)


def test_station_location_is_created_once_per_village(
    db: Session, make_village: Callable[..., Village]
) -> None:
    village = make_village()
    first = inv.station_location(db, village_id=village.id)
    assert inv.station_location(db, village_id=village.id).id == first.id
    assert first.name.endswith("村站")
    hub = inv.hub_location(db, township_id=village.township_id)
    assert inv.hub_location(db, township_id=village.township_id).id == hub.id != first.id


def test_receive_reserve_commit_release_and_the_ledger_adds_up(
    db: Session, location_id: int, make_user: Callable[..., User]
) -> None:
    farmer = make_user()
    inv.receive(db, sku=SKU, location_id=location_id, quantity=10, actor_id=farmer.id)
    line = inv.StockLine(SKU, location_id, 3)
    inv.reserve(db, lines=[line], reference="order:1", expires_at=None)
    assert inv.available(db, sku=SKU, location_id=location_id) == 7
    assert inv.commit(db, reference="order:1") == 3
    inv.reserve(db, lines=[inv.StockLine(SKU, location_id, 2)], reference="cart:5", expires_at=None)
    assert inv.release(db, reference="cart:5", reason="顾客取消") == 2
    assert inv.return_sold(db, reference="order:1", reason="订单取消") == 3
    inv.adjust(db, sku=SKU, location_id=location_id, delta=-4, actor_id=farmer.id, reason="损坏")
    stock = level(db, location_id)
    assert (stock.on_hand, stock.reserved, stock.available) == (6, 0, 6)
    assert_ledger_matches(db, location_id)
    kinds = db.scalars(
        select(StockMovement.kind)
        .where(StockMovement.stock_level_id == stock.id)
        .order_by(StockMovement.id)
    ).all()
    assert kinds == [
        MovementKind.RECEIPT,
        MovementKind.RESERVATION,
        MovementKind.SALE,
        MovementKind.RESERVATION,
        MovementKind.RELEASE,
        MovementKind.RETURN,
        MovementKind.ADJUSTMENT,
    ]
    adjustment = db.scalars(select(StockMovement).order_by(StockMovement.id.desc())).first()
    assert adjustment is not None
    assert (adjustment.actor_id, adjustment.reason) == (farmer.id, "损坏")


def test_one_call_holds_lines_for_several_references_each_committed_on_its_own(
    db: Session, location_id: int
) -> None:
    inv.receive(db, sku=SKU, location_id=location_id, quantity=10, actor_id=None)
    lines = [
        inv.StockLine(SKU, location_id, 2, "pledge:1"),
        inv.StockLine(SKU, location_id, 3, "pledge:2"),
    ]
    inv.reserve(db, lines=lines, reference="", expires_at=None)
    assert inv.available(db, sku=SKU, location_id=location_id) == 5
    assert inv.commit(db, reference="pledge:2") == 3
    assert inv.commit(db, reference="pledge:1") == 2
    with pytest.raises(InventoryError, match="须注明单号"):
        inv.reserve(db, lines=[inv.StockLine(SKU, location_id, 1)], reference="", expires_at=None)
    assert_ledger_matches(db, location_id)


def test_reserving_more_than_available_holds_nothing(db: Session, location_id: int) -> None:
    inv.receive(db, sku=SKU, location_id=location_id, quantity=5, actor_id=None)
    inv.receive(db, sku="product:2", location_id=location_id, quantity=1, actor_id=None)
    lines = [inv.StockLine(SKU, location_id, 2), inv.StockLine("product:2", location_id, 2)]
    with pytest.raises(OutOfStock) as raised, db.begin_nested():
        inv.reserve(db, lines=lines, reference="order:9", expires_at=None)
    assert raised.value.available == 1
    assert "只剩 1 件" in raised.value.message
    assert inv.available(db, sku=SKU, location_id=location_id) == 5
    with pytest.raises(OutOfStock):
        inv.reserve(
            db, lines=[inv.StockLine("product:404", location_id, 1)], reference="x", expires_at=None
        )


def test_adjusting_below_the_reserved_units_is_refused(db: Session, location_id: int) -> None:
    inv.receive(db, sku=SKU, location_id=location_id, quantity=5, actor_id=None)
    inv.reserve(db, lines=[inv.StockLine(SKU, location_id, 4)], reference="o", expires_at=None)
    with pytest.raises(OutOfStock):
        inv.adjust(db, sku=SKU, location_id=location_id, delta=-2, actor_id=None, reason="盘点")
    with pytest.raises(InventoryError, match="调整原因"):
        inv.adjust(db, sku=SKU, location_id=location_id, delta=-1, actor_id=None, reason=" ")
    assert level(db, location_id).on_hand == 5


@pytest.mark.parametrize("quantity", [0, -1, 1.5, True, 10**7])
def test_quantities_must_be_positive_integers(
    db: Session, location_id: int, quantity: object
) -> None:
    with pytest.raises(InventoryError, match="数量必须是"):
        inv.receive(db, sku=SKU, location_id=location_id, quantity=quantity, actor_id=None)  # type: ignore[arg-type]


def test_expired_holds_are_released_by_the_next_reservation_and_by_the_job(
    db: Session, location_id: int
) -> None:
    inv.receive(db, sku=SKU, location_id=location_id, quantity=3, actor_id=None)
    past = utcnow() - dt.timedelta(minutes=1)
    inv.reserve(db, lines=[inv.StockLine(SKU, location_id, 3)], reference="cart:1", expires_at=past)
    assert inv.available(db, sku=SKU, location_id=location_id) == 0
    inv.reserve(
        db,
        lines=[inv.StockLine(SKU, location_id, 2)],
        reference="cart:2",
        expires_at=utcnow() - dt.timedelta(seconds=1),
    )
    assert inv.release_expired(db) == 1
    assert inv.available(db, sku=SKU, location_id=location_id) == 3
    assert inv.commit(db, reference="cart:1") == 0  # an expired hold never becomes a sale
    assert_ledger_matches(db, location_id)


def test_a_hold_replaced_by_an_order_keeps_its_units(db: Session, location_id: int) -> None:
    inv.receive(db, sku=SKU, location_id=location_id, quantity=2, actor_id=None)
    later = utcnow() + dt.timedelta(minutes=15)
    inv.reserve(
        db, lines=[inv.StockLine(SKU, location_id, 2)], reference="cart:1", expires_at=later
    )
    held = inv.reserve(
        db,
        lines=[inv.StockLine(SKU, location_id, 2)],
        reference="order:1",
        expires_at=None,
        replacing="cart:1",
    )
    assert [r.status for r in held] == [ReservationStatus.ACTIVE]
    assert inv.commit(db, reference="order:1") == 2
    assert level(db, location_id).on_hand == 0
    assert_ledger_matches(db, location_id)
