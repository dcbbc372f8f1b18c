"""Each station's courier tariff, the way Chinese couriers quote it: 首重 (the first
kilogram) and 续重 (each further kilogram begun), and the days on the road, by zone."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, enum_column_type
from core.labels import Labelled, name_members


class Zone(Labelled):
    SAME_PROVINCE = "same_province"
    NEIGHBOURING = "neighbouring"
    FAR = "far"
    REMOTE = "remote"


ZONE_NAMES = name_members(
    Zone,
    {
        Zone.SAME_PROVINCE: _l("省内"),
        Zone.NEIGHBOURING: _l("邻省"),
        Zone.FAR: _l("省外"),
        Zone.REMOTE: _l("偏远地区"),
    },
)


class ShippingStation(Base):
    """A station that ships, and the province it ships from (the zone's starting point)."""

    __tablename__ = "shipping_station"
    __table_args__ = (CheckConstraint("length(province_code) = 2", name="province_code_length"),)

    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), primary_key=True)
    province_code: Mapped[str] = mapped_column(String(2))


class ShippingRate(Base):
    __tablename__ = "shipping_rate"
    __table_args__ = (
        UniqueConstraint("village_id", "zone"),
        CheckConstraint("first_kg_fen BETWEEN 0 AND 100000", name="first_kg_range"),
        CheckConstraint("extra_kg_fen BETWEEN 0 AND 100000", name="extra_kg_range"),
        CheckConstraint("days BETWEEN 1 AND 30", name="days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("shipping_station.village_id"))
    zone: Mapped[Zone] = mapped_column(enum_column_type(Zone))
    first_kg_fen: Mapped[int]
    extra_kg_fen: Mapped[int]
    days: Mapped[int]  # from the courier's hands to the buyer's door
