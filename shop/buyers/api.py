"""``/api/v1/addresses`` (the caller's address book) and ``/api/v1/divisions`` (the
province → city → district pickers)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from core.access import public, require_account, signed_in
from core.flask_db import get_session, unit_of_work
from core.schemas import ErrorSchema
from shop.buyers import divisions, services
from shop.buyers.models import Address
from shop.buyers.schemas import (
    AddressIn,
    AddressListOut,
    AddressOut,
    DivisionListOut,
    DivisionQuery,
)

addresses_api = Blueprint(
    "addresses_api", __name__, url_prefix="/api/v1/addresses", description="收货地址 (addresses)"
)
divisions_api = Blueprint(
    "divisions_api",
    __name__,
    url_prefix="/api/v1/divisions",
    description="行政区划 GB/T 2260 (divisions)",
)


def address_payload(address: Address) -> dict[str, Any]:
    place = address.district
    return {
        "id": address.id,
        "recipient": address.recipient,
        "phone": address.phone,
        "division_code": address.division_code,
        "province": place.province,
        "city": place.city,
        "district": place.district,
        "street": address.street,
    }


@addresses_api.route("", methods=["POST"])
@addresses_api.arguments(AddressIn)
@addresses_api.response(201, AddressOut)
@addresses_api.alt_response(401, schema=ErrorSchema, description="not signed in")
@addresses_api.alt_response(422, schema=ErrorSchema, description="unknown district, bad phone")
@signed_in
def add_address(data: dict[str, str]) -> dict[str, Any]:
    """Add an address to the caller's book (any account: a villager may ship to relatives)."""
    with unit_of_work() as session:
        address = services.add_address(
            session, user=require_account(), data=services.AddressInput(**data)
        )
        return address_payload(address)


@addresses_api.route("")
@addresses_api.response(200, AddressListOut)
@addresses_api.alt_response(401, schema=ErrorSchema, description="not signed in")
@signed_in
def list_addresses() -> dict[str, Any]:
    """The caller's addresses, oldest first."""
    found = services.addresses_of(get_session(), user=require_account())
    return {"items": [address_payload(a) for a in found]}


@addresses_api.route("/<int:address_id>", methods=["DELETE"])
@addresses_api.response(204)
@addresses_api.alt_response(401, schema=ErrorSchema, description="not signed in")
@addresses_api.alt_response(404, schema=ErrorSchema, description="not the caller's address")
@signed_in
def remove_address(address_id: int) -> None:
    """Remove an address from the book (orders shipped to it keep it)."""
    with unit_of_work() as session:
        services.remove_address(session, user=require_account(), address_id=address_id)


@divisions_api.route("")
@divisions_api.arguments(DivisionQuery, location="query")
@divisions_api.response(200, DivisionListOut)
@divisions_api.alt_response(422, schema=ErrorSchema, description="bad parent code")
@public
def list_divisions(query: dict[str, str]) -> dict[str, Any]:
    """Provinces, a province's cities (a municipality's districts), or a city's districts."""
    parent = query["parent"]
    found = divisions.children(parent) if parent else divisions.provinces()
    return {"items": [{"code": d.code, "name": d.name} for d in found]}
