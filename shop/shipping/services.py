"""Station tariffs and shipping quotes. Plain functions: ``session`` first, they flush.

A quote groups the lines by the station that stocks them (each station packs and ships its
own parcel), weighs each parcel from the listings' packed weights, and prices it with the
station's rate for the destination's zone. The journey is the courier's days for the zone
plus ``HANDLING_DAYS``; a perishable whose longest journey is shorter is refused by name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Role, User, Village
from shop.buyers.divisions import province_of, provinces
from shop.buyers.models import Address
from shop.catalog.models import ListingStatus, Product
from shop.errors import ShopError
from shop.shipping.models import ShippingRate, ShippingStation, Zone
from shop.shipping.tariff import fee_fen, zone_of

#: Before the courier has it: the station packs on the day the goods arrive and the van
#: takes the parcel to the township hub on its next run.
HANDLING_DAYS = 1


@dataclass(frozen=True)
class ShipLine:
    product_id: int
    quantity: int


@dataclass(frozen=True)
class Refusal:
    product_id: int
    reason: str


@dataclass(frozen=True)
class Parcel:
    """What one station sends: its lines, weight, fee and days to the door."""

    village_id: int
    lines: tuple[tuple[Product, int], ...]
    weight_g: int
    fee_fen: int
    arrival_days: int
    zone: Zone


@dataclass(frozen=True)
class Quote:
    parcels: tuple[Parcel, ...]
    refused: tuple[Refusal, ...]

    @property
    def fee_fen(self) -> int:
        return sum(parcel.fee_fen for parcel in self.parcels)

    @property
    def arrival_days(self) -> int:
        return max((parcel.arrival_days for parcel in self.parcels), default=0)


# --- the station's tariff -----------------------------------------------------------


@dataclass(frozen=True)
class RateInput:
    first_kg_fen: int
    extra_kg_fen: int
    days: int


MAX_RATE_FEN = 100_000
MAX_DAYS = 30


def _checked_rate(rate: RateInput) -> RateInput:
    for fen in (rate.first_kg_fen, rate.extra_kg_fen):
        if isinstance(fen, bool) or not 0 <= fen <= MAX_RATE_FEN:
            raise ShopError("bad_rate", most=MAX_RATE_FEN // 100)
    if not 1 <= rate.days <= MAX_DAYS:
        raise ShopError("bad_rate_days", most=MAX_DAYS)
    return rate


def set_tariff(
    session: Session,
    *,
    village_id: int,
    province_code: str,
    rates: Mapping[Zone, RateInput],
) -> None:
    """Replace a station's tariff whole: its province and a rate for every zone."""
    if len(province_code) != 2 or province_code not in _known_provinces():
        raise ShopError("unknown_province")
    if set(rates) != set(Zone):
        raise ShopError("rate_for_every_zone")
    checked = {zone: _checked_rate(rate) for zone, rate in rates.items()}
    station = session.get(ShippingStation, village_id)
    if station is None:
        station = ShippingStation(village_id=village_id, province_code=province_code)
        session.add(station)
    station.province_code = province_code
    session.flush()
    current = {rate.zone: rate for rate in _rates(session, village_id)}
    for zone, rate in checked.items():
        row = current.get(zone) or ShippingRate(village_id=village_id, zone=zone)
        row.first_kg_fen, row.extra_kg_fen, row.days = (
            rate.first_kg_fen,
            rate.extra_kg_fen,
            rate.days,
        )
        session.add(row)
    session.flush()


def set_station_tariff(
    session: Session, *, agent: User, province_code: str, rates: Mapping[Zone, RateInput]
) -> None:
    """The agent edits the tariff of their own station."""
    village_id = agent_village(session, agent).id
    set_tariff(session, village_id=village_id, province_code=province_code, rates=rates)


def agent_village(session: Session, agent: User) -> Village:
    villages = sorted(agent.villages_for(Role.AGENT))
    if not villages:
        raise ShopError("tariff_agent_only")
    return session.get_one(Village, villages[0])


def _known_provinces() -> frozenset[str]:
    return frozenset(p.code for p in provinces())


def _rates(session: Session, village_id: int) -> Sequence[ShippingRate]:
    return session.scalars(select(ShippingRate).where(ShippingRate.village_id == village_id)).all()


@dataclass(frozen=True)
class Tariff:
    province_code: str
    rates: dict[Zone, ShippingRate]


def tariff_of(session: Session, village_id: int) -> Tariff | None:
    station = session.get(ShippingStation, village_id)
    if station is None:
        return None
    return Tariff(station.province_code, {r.zone: r for r in _rates(session, village_id)})


# --- quoting ------------------------------------------------------------------------


def _shipping_station(product: Product) -> int | None:
    return product.location.village_id


def _refusal_of(product: Product, days: int | None) -> Refusal | None:
    """Why this product cannot go on this journey (None: it can)."""
    if product.status is not ListingStatus.LISTED or not product.ships:
        return Refusal(product.id, str(_l("「%(t)s」不发快递", t=product.title)))
    if days is None:
        return Refusal(product.id, str(_l("「%(t)s」的村站还没有开通快递", t=product.title)))
    if product.max_journey_days is not None and days > product.max_journey_days:
        return Refusal(
            product.id,
            str(
                _l(
                    "「%(t)s」是生鲜，路上最多 %(most)s 天，寄到这里要 %(days)s 天",
                    t=product.title,
                    most=product.max_journey_days,
                    days=days,
                )
            ),
        )
    return None


def _products(session: Session, lines: Sequence[ShipLine]) -> dict[int, Product]:
    ids = {line.product_id for line in lines}
    found = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(ids)))}
    missing = ids - found.keys()
    if missing:
        raise ShopError("product_not_for_sale", product=min(missing))
    return found


def _station_parcel(
    session: Session, village_id: int | None, chosen: list[tuple[Product, int]], province: str
) -> tuple[Parcel | None, list[Refusal]]:
    tariff = tariff_of(session, village_id) if village_id is not None else None
    zone = zone_of(tariff.province_code, province) if tariff else None
    rate = tariff.rates.get(zone) if tariff and zone else None
    days = rate.days + HANDLING_DAYS if rate else None
    refused = [r for r in (_refusal_of(p, days) for p, _ in chosen) if r is not None]
    kept = tuple((p, q) for p, q in chosen if p.id not in {r.product_id for r in refused})
    if not kept or rate is None or zone is None or village_id is None or days is None:
        return None, refused
    weight = sum((p.packed_weight_g or 0) * q for p, q in kept)
    fee = fee_fen(first_kg_fen=rate.first_kg_fen, extra_kg_fen=rate.extra_kg_fen, weight_g=weight)
    return Parcel(village_id, kept, weight, fee, days, zone), refused


def quote(session: Session, *, lines: Sequence[ShipLine], address: Address) -> Quote:
    """The fee and days to the door of shipping ``lines`` to ``address``, and what cannot go."""
    if not lines:
        raise ShopError("no_lines")
    products = _products(session, lines)
    quantities: dict[int, int] = defaultdict(int)
    for line in lines:
        quantities[line.product_id] += line.quantity
    by_station: dict[int | None, list[tuple[Product, int]]] = defaultdict(list)
    for product_id, quantity in sorted(quantities.items()):
        product = products[product_id]
        by_station[_shipping_station(product)].append((product, quantity))
    province = province_of(address.division_code)
    parcels: list[Parcel] = []
    refused: list[Refusal] = []
    for village_id, chosen in sorted(by_station.items(), key=lambda kv: kv[0] or 0):
        parcel, station_refused = _station_parcel(session, village_id, chosen, province)
        refused.extend(station_refused)
        if parcel is not None:
            parcels.append(parcel)
    return Quote(tuple(parcels), tuple(refused))
