"""``POST /api/v1/shipping/quote`` and the agent's ``/api/v1/shipping/tariff``."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from core.access import require_account, roles, signed_in
from core.flask_db import get_session, unit_of_work
from core.models import Role
from core.schemas import ErrorSchema
from shop.buyers.services import own_address
from shop.shipping import services
from shop.shipping.models import Zone
from shop.shipping.schemas import QuoteIn, QuoteOut, TariffIO

blueprint = Blueprint(
    "shipping_api", __name__, url_prefix="/api/v1/shipping", description="快递运费 (shipping)"
)


@blueprint.route("/quote", methods=["POST"])
@blueprint.arguments(QuoteIn)
@blueprint.response(200, QuoteOut)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such address or product")
@blueprint.alt_response(422, schema=ErrorSchema, description="invalid lines")
@signed_in
def quote(data: dict[str, Any]) -> dict[str, Any]:
    """The courier fee and days to the door of shipping ``lines`` to one of the caller's
    addresses; lines that cannot go (not shipped, a perishable too far) are ``refused``."""
    session = get_session()
    address = own_address(session, user=require_account(), address_id=data["address_id"])
    lines = [services.ShipLine(line["product_id"], line["quantity"]) for line in data["lines"]]
    found = services.quote(session, lines=lines, address=address)
    return {
        "fee_fen": found.fee_fen,
        "arrival_days": found.arrival_days,
        "refused": [{"product_id": r.product_id, "reason": r.reason} for r in found.refused],
    }


def _tariff_payload(tariff: services.Tariff | None) -> dict[str, Any]:
    if tariff is None:
        return {"province_code": "", "rates": []}
    return {
        "province_code": tariff.province_code,
        "rates": [
            {
                "zone": zone.value,
                "first_kg_fen": rate.first_kg_fen,
                "extra_kg_fen": rate.extra_kg_fen,
                "days": rate.days,
            }
            for zone, rate in sorted(tariff.rates.items(), key=lambda kv: list(Zone).index(kv[0]))
        ],
    }


@blueprint.route("/tariff")
@blueprint.response(200, TariffIO)
@blueprint.alt_response(403, schema=ErrorSchema, description="agents only")
@roles(Role.AGENT)
def get_tariff() -> dict[str, Any]:
    """The courier tariff of the caller's station (empty before it is set)."""
    session = get_session()
    village = services.agent_village(session, require_account())
    return _tariff_payload(services.tariff_of(session, village.id))


@blueprint.route("/tariff", methods=["PUT"])
@blueprint.arguments(TariffIO)
@blueprint.response(200, TariffIO)
@blueprint.alt_response(403, schema=ErrorSchema, description="agents only")
@blueprint.alt_response(422, schema=ErrorSchema, description="a zone missing, bad amounts")
@roles(Role.AGENT)
def put_tariff(data: dict[str, Any]) -> dict[str, Any]:
    """Replace the station's tariff: its province and 首重/续重/days for each of the four
    zones (same province, neighbouring, far, remote)."""
    rates = {
        Zone(rate["zone"]): services.RateInput(
            rate["first_kg_fen"], rate["extra_kg_fen"], rate["days"]
        )
        for rate in data["rates"]
    }
    agent = require_account()
    with unit_of_work() as session:
        services.set_station_tariff(
            session, agent=agent, province_code=data["province_code"], rates=rates
        )
        village = services.agent_village(session, agent)
        return _tariff_payload(services.tariff_of(session, village.id))
