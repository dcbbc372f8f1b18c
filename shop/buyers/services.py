"""The address book. Plain functions: ``session`` first, keyword-only after; they flush."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import User
from core.services import normalise_phone
from shop.buyers.divisions import district
from shop.buyers.models import Address
from shop.errors import ShopError

RECIPIENT_MAX, STREET_MAX = 30, 120
MAX_ADDRESSES = 20


@dataclass(frozen=True)
class AddressInput:
    recipient: str
    phone: str
    division_code: str
    street: str


def add_address(session: Session, *, user: User, data: AddressInput) -> Address:
    """Add an address after checking it: a known district, an 11-digit mobile, a name and a
    street of sensible length."""
    recipient, street = data.recipient.strip(), data.street.strip()
    if not recipient or len(recipient) > RECIPIENT_MAX:
        raise ShopError("bad_recipient", most=RECIPIENT_MAX)
    if not street or len(street) > STREET_MAX:
        raise ShopError("bad_street", most=STREET_MAX)
    if district(data.division_code.strip()) is None:
        raise ShopError("unknown_district")
    if len(addresses_of(session, user=user)) >= MAX_ADDRESSES:
        raise ShopError("too_many_addresses", most=MAX_ADDRESSES)
    address = Address(
        user_id=user.id,
        recipient=recipient,
        phone=normalise_phone(data.phone),
        division_code=data.division_code.strip(),
        street=street,
    )
    session.add(address)
    session.flush()
    return address


def addresses_of(session: Session, *, user: User) -> Sequence[Address]:
    return session.scalars(
        select(Address)
        .where(Address.user_id == user.id, Address.removed.is_(False))
        .order_by(Address.id)
    ).all()


def own_address(session: Session, *, user: User, address_id: int) -> Address:
    """One of the caller's addresses (another's is as good as missing)."""
    address = session.get(Address, address_id)
    if address is None or address.user_id != user.id or address.removed:
        raise ShopError("address_not_found")
    return address


def remove_address(session: Session, *, user: User, address_id: int) -> None:
    own_address(session, user=user, address_id=address_id).removed = True
    session.flush()
