"""Accounts, roles and places: county → township (hub) → village (station) → household."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, enum_column_type
from core.geo import Point
from core.labels import Labelled, name_members
from core.timeutil import utcnow

DEFAULT_STATION_HOURS = "每天 8:00-18:00"


class Role(Labelled):
    VILLAGER = "villager"
    FARMER = "farmer"
    AGENT = "agent"
    CADRE = "cadre"
    DISPATCHER = "dispatcher"
    ADMIN = "admin"
    SUPPLIER = "supplier"  # a member merchant listing seeds, fertiliser, daily goods
    BUYER = "buyer"  # a buyer anywhere in China who signed up to order produce shipped
    COUNTY_ADMIN = "county_admin"  # reads the county's figures, plans its day


ROLE_NAMES = name_members(
    Role,
    {
        Role.VILLAGER: _l("村民"),
        Role.FARMER: _l("农户"),
        Role.AGENT: _l("代办员"),
        Role.CADRE: _l("村干部"),
        Role.DISPATCHER: _l("乡镇调度"),
        Role.ADMIN: _l("管理员"),
        Role.SUPPLIER: _l("供货商"),
        Role.BUYER: _l("顾客"),
        Role.COUNTY_ADMIN: _l("县级管理员"),
    },
)


class _Located:
    """Places that sit on the map; the coordinates are WGS-84 degrees."""

    lat: Mapped[float]
    lon: Mapped[float]

    @property
    def point(self) -> Point:
        return Point(self.lat, self.lon)


class County(Base):
    __tablename__ = "county"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)

    townships: Mapped[list[Township]] = relationship(back_populates="county")


class Township(_Located, Base):
    """A township (乡镇) and its hub, where couriers drop the parcels of every village."""

    __tablename__ = "township"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("county.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    hub_address: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float]
    lon: Mapped[float]
    # The township's OpenStreetMap extract: a file name in the ROADS_DIR folder ("" for none;
    # rounds are then planned on straight lines). See docs/routing.md, "Roads".
    osm_extract: Mapped[str] = mapped_column(String(120), default="", server_default="")

    county: Mapped[County] = relationship(back_populates="townships")
    villages: Mapped[list[Village]] = relationship(back_populates="township", order_by="Village.id")


class Village(_Located, Base):
    """A village with its service station (村站), which is also its parcel depot."""

    __tablename__ = "village"
    __table_args__ = (UniqueConstraint("township_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    station_address: Mapped[str] = mapped_column(String(200))
    # Opening hours of the station as the agent writes them, e.g. "每天 8:00-18:00".
    station_hours: Mapped[str] = mapped_column(
        String(60), default=DEFAULT_STATION_HOURS, server_default=DEFAULT_STATION_HOURS
    )
    lat: Mapped[float]
    lon: Mapped[float]

    township: Mapped[Township] = relationship(back_populates="villages")
    households: Mapped[list[Household]] = relationship(back_populates="village")


class Household(_Located, Base):
    __tablename__ = "household"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    head_name: Mapped[str] = mapped_column(String(60))
    # Empty when nobody in the household has a phone (an old villager living alone).
    phone: Mapped[str] = mapped_column(String(11), index=True)
    address: Mapped[str] = mapped_column(String(200))
    directions: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float]
    lon: Mapped[float]

    village: Mapped[Village] = relationship(back_populates="households")


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("length(phone) = 11", name="phone_length"),
        CheckConstraint("session_epoch >= 0", name="session_epoch_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a villager without a phone: the account cannot sign in, the station's agent
    # orders for them at the counter (代客下单).
    phone: Mapped[str | None] = mapped_column(String(11), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Bumped to end every session of the user (logout, disabling, password change).
    session_epoch: Mapped[int] = mapped_column(default=0)
    # Set with a temporary password (new account, reset): the next sign-in must replace it.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    household: Mapped[Household | None] = relationship()
    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login's user protocol; the session id carries the epoch so that bumping
    # ``session_epoch`` ends every session of this user.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(grant.role) for grant in self.grants)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def counties(self) -> frozenset[int]:
        """Counties whose figures the user reads (县级管理员)."""
        return frozenset(
            grant.county_id
            for grant in self.grants
            if grant.role == Role.COUNTY_ADMIN and grant.county_id is not None
        )

    def villages_for(self, role: Role) -> frozenset[int]:
        """Villages where the user holds ``role`` (an agent's station, a cadre's villages)."""
        return frozenset(
            grant.village_id
            for grant in self.grants
            if grant.role == role and grant.village_id is not None
        )


class RoleGrant(Base):
    """A role held by a user, scoped to a village, a township or a county where that matters."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "village_id", "township_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_column_type(Role))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"), index=True)
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id"), index=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id"), index=True)

    user: Mapped[User] = relationship(back_populates="grants")
