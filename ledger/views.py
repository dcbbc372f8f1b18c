"""The seller's earnings page and statements; the station's payouts, month report and CSV."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from core.access import require_account, roles
from core.flask_db import get_session, unit_of_work
from core.models import Role
from core.money import format_fen
from core.timeutil import local_today
from ledger import chart, station
from ledger.earnings import earnings_of
from ledger.errors import LedgerError
from ledger.models import ENTRY_KIND_NAMES, PAYOUT_METHOD_NAMES, PayoutMethod
from ledger.settlement import pay_out, statement_for

blueprint = Blueprint(
    "earnings",
    __name__,
    url_prefix="/earnings",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/ledger",
)
SELLERS = (Role.FARMER, Role.SUPPLIER, Role.AGENT)


@blueprint.app_context_processor
def _names() -> dict[str, object]:
    return {"entry_kind_names": ENTRY_KIND_NAMES, "payout_method_names": PAYOUT_METHOD_NAMES}


@blueprint.get("/")
@roles(*SELLERS)
def mine() -> str:
    earnings = earnings_of(get_session(), seller_id=require_account().id)
    bars, zero = chart.bars(earnings.weeks)
    return render_template(
        "ledger/earnings.html", earnings=earnings, bars=bars, zero=zero, chart=chart
    )


@blueprint.get("/statements/<int:statement_id>")
@roles(*SELLERS)
def statement(statement_id: int) -> str:
    session, user = get_session(), require_account()
    found = statement_for(session, statement_id=statement_id, user=user)
    return render_template(
        "ledger/statement.html", statement=found, seller=station.seller_of(session, found)
    )


# --- the station ------------------------------------------------------------------------


@blueprint.get("/station")
@roles(Role.AGENT, Role.ADMIN)
def station_payouts() -> str:
    due = station.payouts_due(get_session(), agent=require_account())
    return render_template("ledger/station.html", due=due)


@blueprint.route("/station/statements/<int:statement_id>/pay", methods=["GET", "POST"])
@roles(Role.AGENT, Role.ADMIN)
def pay(statement_id: int) -> str | WerkzeugResponse:
    session, agent = get_session(), require_account()
    found = statement_for(session, statement_id=statement_id, user=agent)
    if request.method == "POST":
        method = request.form.get("method", "")
        if method not in PayoutMethod.__members__.values():
            raise LedgerError("payout_method_required")
        with unit_of_work() as work:
            payout = pay_out(
                work,
                agent=agent,
                statement_id=statement_id,
                method=PayoutMethod(method),
                reference=request.form.get("reference", ""),
                signature=request.form.get("signature") or None,
            )
        flash(_("已付给卖家 %(amount)s", amount=format_fen(payout.amount_fen)))
        return redirect(url_for("earnings.station_payouts"))
    return render_template(
        "ledger/pay.html",
        statement=found,
        seller=station.seller_of(session, found),
        payable=station.payable_now(session, found),
        own=found.seller_id == agent.id,
    )


def _month() -> dt.date:
    text = request.args.get("month", "")
    try:
        return dt.date.fromisoformat(f"{text}-01") if text else local_today().replace(day=1)
    except ValueError as error:
        raise LedgerError("bad_month") from error


@blueprint.get("/station/month")
@roles(Role.AGENT)
def month_report() -> str:
    report = station.month_report(get_session(), agent=require_account(), month=_month())
    return render_template("ledger/month.html", report=report)


@blueprint.get("/station/month.csv")
@roles(Role.AGENT)
def month_csv() -> Response:
    report = station.month_report(get_session(), agent=require_account(), month=_month())
    return Response(
        station.month_csv(report),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=station-{report.month:%Y-%m}.csv"},
    )
