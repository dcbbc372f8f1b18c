"""The county's page for the 县级管理员: headline figures, townships and villages today and
this month, the chart, the CSV export, and planning the county's day on the workers."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from core.access import require_account, roles
from core.flask_db import get_session, unit_of_work
from core.models import County, Role
from core.money import format_fen
from core.parse import query_int
from core.timeutil import local_today
from logistics.county import county_progress, queue_county
from logistics.tasks import plan_in_background
from shop.county import chart
from shop.county.figures import Figures, Period, TownshipRow, county_rows, county_total
from shop.errors import ShopError

blueprint = Blueprint(
    "county", __name__, url_prefix="/county", template_folder="templates", static_folder="static"
)


def _county() -> County:
    """The county asked for (``?county=``), or the first the manager holds."""
    held = sorted(require_account().counties())
    if not held:
        raise ShopError("not_county_admin")
    wanted = query_int("county") or held[0]
    if wanted not in held:
        raise ShopError("not_county_admin")
    return get_session().get_one(County, wanted)


def _period() -> Period:
    today = local_today()
    return Period.day(today) if request.args.get("period") == "today" else Period.month_of(today)


@blueprint.get("/")
@roles(Role.COUNTY_ADMIN)
def page() -> str:
    county, session, today = _county(), get_session(), local_today()
    period = _period()
    townships = county_rows(session, county_id=county.id, period=period)
    bars, height = chart.township_bars(townships)
    return render_template(
        "county/page.html",
        county=county,
        period=period,
        today_only=period.first == period.last,
        townships=townships,
        total=county_total(townships),
        bars=bars,
        chart_height=height,
        chart=chart,
        progress=county_progress(session, county_id=county.id, day=today),
    )


CSV_HEADERS = (
    (_l("乡镇"), None),
    (_l("村"), None),
    (_l("下行包裹（件）"), "parcels_down"),
    (_l("上行包裹（件）"), "parcels_up"),
    (_l("订单（笔）"), "orders"),
    (_l("代购金额（元）"), "sales_fen"),
    (_l("农产品网上销售（元）"), "produce_fen"),
    (_l("团购节省（元）"), "savings_fen"),
    (_l("完成配送趟数"), "rounds"),
    (_l("按时完成趟数"), "rounds_on_time"),
    (_l("办结代办事项"), "errands"),
    (_l("按时办结事项"), "errands_in_time"),
)


def _csv_values(figures: Figures) -> list[str]:
    values = []
    for _header, name in CSV_HEADERS[2:]:
        value = getattr(figures, str(name))
        values.append(format_fen(value) if str(name).endswith("_fen") else str(value))
    return values


def figures_csv(townships: list[TownshipRow]) -> str:
    """One row per village and one per township total; a byte-order mark for Excel."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([str(header) for header, _name in CSV_HEADERS])
    for township in townships:
        for row in township.villages:
            writer.writerow([township.township, row.place.village, *_csv_values(row.figures)])
        writer.writerow([township.township, _("合计"), *_csv_values(township.figures)])
    return out.getvalue()


@blueprint.get("/figures.csv")
@roles(Role.COUNTY_ADMIN)
def export() -> Response:
    county, period = _county(), _period()
    townships = county_rows(get_session(), county_id=county.id, period=period)
    name = f"county-{county.id}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.csv"
    return Response(
        figures_csv(townships),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


@blueprint.post("/plan")
@roles(Role.COUNTY_ADMIN)
def plan() -> Response:
    """Queue today's plan of every village not yet planned, and hand them to the workers."""
    county = _county()
    with unit_of_work() as session:
        run_ids = [r.id for r in queue_county(session, county_id=county.id, day=local_today())]
    plan_in_background(run_ids)
    flash(_("正在规划 %(n)d 个村的路线", n=len(run_ids)), "success")
    return redirect(url_for("county.page", county=county.id))
