"""The seller's earnings page and statements; the station's payouts, month report and CSV."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from core.access import require_account, roles
from core.flask_db import get_session, unit_of_work
from core.models import Role, Village
from core.money import format_fen
from core.timeutil import local_today
from ledger import chart, station
from ledger.earnings import earnings_of, week_entries
from ledger.errors import LedgerError
from ledger.models import ENTRY_KIND_NAMES, PAYOUT_METHOD_NAMES, PayoutMethod
from ledger.pdf import month_pdf, statement_pdf
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
MONTHS_OFFERED = 24


def _pdf(content: bytes, filename: str) -> Response:
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


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


@blueprint.get("/statements/<int:statement_id>.pdf")
@roles(Role.FARMER, Role.SUPPLIER, Role.AGENT, Role.ADMIN)
def statement_as_pdf(statement_id: int) -> Response:
    """The statement on A4, for the seller and for the agent or admin who pays it."""
    session = get_session()
    found = statement_for(session, statement_id=statement_id, user=require_account())
    lines = week_entries(session, seller_id=found.seller_id, week_start=found.week_start)
    content = statement_pdf(found, station.seller_of(session, found), lines)
    return _pdf(content, f"statement-{found.week_start.isoformat()}-{found.id}.pdf")


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


def _months_offered() -> list[dt.date]:
    """The months the report's picker offers, this month first."""
    month, months = local_today().replace(day=1), []
    for _back in range(MONTHS_OFFERED):
        months.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return months


@blueprint.get("/station/month")
@roles(Role.AGENT)
def month_report() -> str:
    report = station.month_report(get_session(), agent=require_account(), month=_month())
    return render_template("ledger/month.html", report=report, months=_months_offered())


@blueprint.get("/station/month.pdf")
@roles(Role.AGENT)
def month_as_pdf() -> Response:
    session = get_session()
    report = station.month_report(session, agent=require_account(), month=_month())
    village = session.get(Village, report.village_id)
    assert village is not None
    return _pdf(month_pdf(report, f"{village.name}村站"), f"station-{report.month:%Y-%m}.pdf")


@blueprint.get("/station/month.csv")
@roles(Role.AGENT)
def month_csv() -> Response:
    report = station.month_report(get_session(), agent=require_account(), month=_month())
    return Response(
        station.month_csv(report),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=station-{report.month:%Y-%m}.csv"},
    )
