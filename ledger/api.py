"""``GET /api/v1/me/earnings``: the signed-in seller's money, as on their earnings page."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from core.access import require_account, roles
from core.flask_db import get_session
from core.schemas import ErrorSchema
from ledger.chart import earned_fen
from ledger.earnings import earnings_of
from ledger.schemas import EarningsOut
from ledger.views import SELLERS

blueprint = Blueprint(
    "earnings_api", __name__, url_prefix="/api/v1/me", description="收入 (earnings)"
)


@blueprint.route("/earnings")
@blueprint.response(200, EarningsOut)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@blueprint.alt_response(403, schema=ErrorSchema, description="not a seller")
@roles(*SELLERS)
def my_earnings() -> dict[str, Any]:
    """Pending, available and paid-out money, the stations' commission, and the last 12
    weeks (oldest first)."""
    earnings = earnings_of(get_session(), seller_id=require_account().id)
    return {
        "pending_fen": earnings.pending_fen,
        "available_fen": earnings.available_fen,
        "paid_out_fen": earnings.paid_out_fen,
        "commission_fen": earnings.commission_fen,
        "weeks": [
            {
                "week_start": week.week_start,
                "sales_fen": week.figures.sales_fen,
                "commission_fen": week.figures.commission_fen,
                "refunds_fen": week.figures.refunds_fen,
                "payouts_fen": week.figures.payouts_fen,
                "earned_fen": earned_fen(week),
            }
            for week in earnings.weeks
        ],
    }
