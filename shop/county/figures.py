"""A county's figures per village over a period, each from one grouped query.

Every figure is a ``SELECT village, aggregate … GROUP BY village`` over the county's villages,
never a query per village: a county of 1,200 villages costs the same eight queries as one of
twelve. Townships and the county are sums of their villages.

What each figure counts (the period is local days, shown in Asia/Shanghai):
- parcels down: parcels for the village entered at the hub; parcels up: outbound parcels
  (农产品进城) booked at its station;
- orders and sales: paid orders collected at its station (goods bought for villagers);
- produce sold: paid orders whose goods come from the village (its farmers' sales online);
- group-buy savings: what charged pledges saved against the shop price;
- rounds: cadre rounds completed, and those whose last stop was done by the planned return;
- errands: requests done, and those done by their working-day limit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from core.models import Household, Township, Village
from errands.models import ErrandRequest
from logistics.models import OutboundParcel, Parcel, Round, RoundStatus, Stop
from logistics.timing import local_midnight
from shop.groupbuys.models import GroupBuy, Pledge, PledgeStatus
from shop.orders.models import Order, OrderStatus

#: A query answering a village id and figures, and the village id column it groups by.
Grouped = Select[*tuple[Any, ...]]
Column = QueryableAttribute[Any]

#: Orders that were paid for and not given back.
SOLD = (
    OrderStatus.PAID,
    OrderStatus.PACKED,
    OrderStatus.OUT_FOR_DELIVERY,
    OrderStatus.DELIVERED,
    OrderStatus.READY_FOR_PICKUP,
    OrderStatus.PICKED_UP,
)


@dataclass
class Figures:
    """One place's figures over a period; money in fen."""

    parcels_down: int = 0
    parcels_up: int = 0
    orders: int = 0
    sales_fen: int = 0
    produce_fen: int = 0
    savings_fen: int = 0
    rounds: int = 0
    rounds_on_time: int = 0
    errands: int = 0
    errands_in_time: int = 0

    @property
    def services(self) -> int:
        """Services given: parcels handed down and sent up, orders, errands done."""
        return self.parcels_down + self.parcels_up + self.orders + self.errands

    def add(self, other: Figures) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


@dataclass(frozen=True)
class Period:
    """Local days ``first`` to ``last`` inclusive."""

    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        return local_midnight(self.first)

    @property
    def end(self) -> dt.datetime:
        return local_midnight(self.last + dt.timedelta(days=1))

    @classmethod
    def day(cls, day: dt.date) -> Period:
        return cls(day, day)

    @classmethod
    def month_of(cls, day: dt.date) -> Period:
        return cls(day.replace(day=1), day)


@dataclass(frozen=True)
class Place:
    village_id: int
    village: str
    township_id: int
    township: str


@dataclass
class Row:
    place: Place
    figures: Figures


@dataclass
class TownshipRow:
    township_id: int
    township: str
    figures: Figures
    villages: list[Row]


def places(session: Session, county_id: int) -> list[Place]:
    rows = session.execute(
        select(Village.id, Village.name, Township.id, Township.name)
        .join(Township, Township.id == Village.township_id)
        .where(Township.county_id == county_id)
        .order_by(Township.id, Village.id)
    ).all()
    return [Place(*row) for row in rows]


def _in_county(query: Grouped, village: Column, county_id: int) -> Grouped:
    return (
        query.join(Village, Village.id == village)
        .join(Township, Township.id == Village.township_id)
        .where(Township.county_id == county_id)
        .group_by(village)
    )


def _between(column: Column, period: Period) -> ColumnElement[bool]:
    return (column >= period.start) & (column < period.end)


def _queries(county_id: int, period: Period) -> Iterable[tuple[tuple[str, ...], Grouped]]:
    """(figure names, grouped query answering village id and those figures)."""
    yield (
        ("parcels_down",),
        _in_county(
            select(Parcel.village_id, func.count()).where(_between(Parcel.created_at, period)),
            Parcel.village_id,
            county_id,
        ),
    )
    yield (
        ("parcels_up",),
        _in_county(
            select(OutboundParcel.station_id, func.count()).where(
                _between(OutboundParcel.created_at, period)
            ),
            OutboundParcel.station_id,
            county_id,
        ),
    )
    sold = Order.status.in_(SOLD) & _between(Order.created_at, period)
    yield (
        ("orders", "sales_fen"),
        _in_county(
            select(Order.station_village_id, func.count(), func.sum(Order.total_fen)).where(sold),
            Order.station_village_id,
            county_id,
        ),
    )
    yield (
        ("produce_fen",),
        _in_county(
            select(Order.source_village_id, func.sum(Order.total_fen)).where(sold),
            Order.source_village_id,
            county_id,
        ),
    )
    saving = Pledge.quantity * GroupBuy.shop_price_fen - Pledge.final_fen
    yield (
        ("savings_fen",),
        _in_county(
            select(Household.village_id, func.sum(saving))
            .join(Pledge, Pledge.household_id == Household.id)
            .join(GroupBuy, GroupBuy.id == Pledge.group_buy_id)
            .where(Pledge.status == PledgeStatus.CHARGED, Pledge.final_fen.is_not(None))
            .where(_between(Pledge.created_at, period)),
            Household.village_id,
            county_id,
        ),
    )
    back = (
        select(Stop.round_id, func.max(Stop.finished_at).label("back"))
        .group_by(Stop.round_id)
        .subquery()
    )
    on_time = case((back.c.back <= Round.return_at, 1), else_=0)
    yield (
        ("rounds", "rounds_on_time"),
        _in_county(
            select(Round.village_id, func.count(), func.sum(on_time))
            .join(back, back.c.round_id == Round.id)
            .where(Round.status == RoundStatus.COMPLETED)
            .where(Round.day >= period.first, Round.day <= period.last),
            Round.village_id,
            county_id,
        ),
    )
    in_time = case((ErrandRequest.done_at <= ErrandRequest.due_at, 1), else_=0)
    yield (
        ("errands", "errands_in_time"),
        _in_county(
            select(ErrandRequest.village_id, func.count(), func.sum(in_time)).where(
                _between(ErrandRequest.done_at, period)
            ),
            ErrandRequest.village_id,
            county_id,
        ),
    )


def county_rows(session: Session, *, county_id: int, period: Period) -> list[TownshipRow]:
    """The county's townships, each with its villages' figures and their sums."""
    by_village = {place.village_id: Row(place, Figures()) for place in places(session, county_id)}
    for names, query in _queries(county_id, period):
        for village_id, *values in session.execute(query).all():
            figures = by_village[int(village_id)].figures
            for name, value in zip(names, values, strict=True):
                setattr(figures, name, int(value or 0))
    townships: dict[int, TownshipRow] = {}
    for row in by_village.values():
        place = row.place
        township = townships.setdefault(
            place.township_id, TownshipRow(place.township_id, place.township, Figures(), [])
        )
        township.villages.append(row)
        township.figures.add(row.figures)
    return list(townships.values())


def county_total(townships: list[TownshipRow]) -> Figures:
    total = Figures()
    for township in townships:
        total.add(township.figures)
    return total
