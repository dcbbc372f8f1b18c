"""Pages of outbound parcels: the agent's packing at the station (the label PDF) and the
dispatcher's handover to couriers at the hub (sheet, CSV manifest, waybills)."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from core.access import require_account, roles
from core.errors import CunzhanError
from core.flask_db import get_session, unit_of_work
from core.models import Role
from core.parse import parse_int
from core.timeutil import local_today
from logistics.access import agent_village, dispatcher_township
from logistics.couriers import OUTSIDE, tracking_url
from logistics.errors import LogisticsError
from logistics.intake import ManifestRejected
from logistics.models import OutboundParcel, OutboundStatus
from logistics.outbound import handover, label, parcels
from logistics.outbound.tracking import kilograms

outbound_pages = Blueprint("outbound", __name__, template_folder="../templates")
MANIFEST_MAX_BYTES = 2_000_000
_KILOGRAMS = re.compile(r"^([0-9]{1,3})(?:\.([0-9]{1,3}))?$")


def parse_kilograms(raw: str | None) -> int:
    """What the agent read on the scale, in kilograms ("2.68"), as grams."""
    found = _KILOGRAMS.match((raw or "").strip())
    if found is None:
        raise LogisticsError("bad_weight")
    whole, fraction = found.group(1), (found.group(2) or "").ljust(3, "0")
    return int(whole) * 1000 + int(fraction)


outbound_pages.add_app_template_filter(kilograms, "kg")


def _then(action: Callable[[Session], object], success: str, back: str) -> Response:
    """Run one service in one transaction; flash its outcome and go back to the page."""
    try:
        with unit_of_work() as session:
            action(session)
    except CunzhanError as error:
        if error.status == 403:
            raise
        flash(error.message, "error")
    else:
        flash(success, "success")
    return redirect(back)


def _desk() -> str:
    return url_for("station.desk") + "#outbound"


@outbound_pages.route("/station/outbound/<int:parcel_id>/receive", methods=["POST"])
@roles(Role.AGENT)
def receive_goods(parcel_id: int) -> Response:
    agent = require_account()
    village_id = agent_village(agent)
    return _then(
        lambda s: parcels.receive_goods(s, agent=agent, village_id=village_id, parcel_id=parcel_id),
        _("已收到农产品，请称重打包"),
        _desk(),
    )


@outbound_pages.route("/station/outbound/<int:parcel_id>/pack", methods=["POST"])
@roles(Role.AGENT)
def pack(parcel_id: int) -> Response:
    agent = require_account()
    village_id = agent_village(agent)

    def action(session: Session) -> None:
        grams = parse_kilograms(request.form.get("weight_kg"))
        parcels.pack(
            session, agent=agent, village_id=village_id, parcel_id=parcel_id, weight_g=grams
        )

    return _then(action, _("已打包，请打印面单贴在箱子上"), _desk())


@outbound_pages.route("/station/outbound/<int:parcel_id>/label.pdf")
@roles(Role.AGENT)
def label_pdf(parcel_id: int) -> Response:
    parcel = parcels.packed_parcel(
        get_session(), village_id=agent_village(require_account()), parcel_id=parcel_id
    )
    pdf = label.labels_pdf([label.label_text(parcel)])
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{parcel.number}.pdf"'
    return response


@outbound_pages.route("/station/outbound/van", methods=["POST"])
@roles(Role.AGENT)
def load_on_van() -> Response:
    agent = require_account()
    village_id = agent_village(agent)
    ids = [parse_int(v, low=1) for v in request.form.getlist("parcel")]
    return _then(
        lambda s: parcels.load_on_van(s, agent=agent, village_id=village_id, parcel_ids=ids),
        _("%(n)d 件已交干线车运往镇中心", n=len(ids)),
        _desk(),
    )


def _hub() -> str:
    return url_for("outbound.hub")


@outbound_pages.route("/dispatch/outbound")
@roles(Role.DISPATCHER)
def hub() -> str:
    return render_template(
        "logistics/outbound_hub.html",
        on_van=_township_parcels(OutboundStatus.ON_VAN),
        at_hub=_township_parcels(OutboundStatus.AT_HUB),
        handed_today=parcels.handed_over_on(
            get_session(),
            township_id=dispatcher_township(require_account()),
            day=local_today(),
        ),
        couriers=OUTSIDE,
        tracking_url=tracking_url,
    )


def _township_parcels(status: OutboundStatus) -> list[OutboundParcel]:
    township_id = dispatcher_township(require_account())
    return parcels.hub_parcels(get_session(), township_id=township_id, statuses=(status,))


@outbound_pages.route("/dispatch/outbound/arrived", methods=["POST"])
@roles(Role.DISPATCHER)
def arrived() -> Response:
    dispatcher = require_account()
    township_id = dispatcher_township(dispatcher)
    ids = [parse_int(v, low=1) for v in request.form.getlist("parcel")]
    return _then(
        lambda s: parcels.receive_at_hub(
            s, dispatcher=dispatcher, township_id=township_id, parcel_ids=ids
        ),
        _("%(n)d 件已到镇中心", n=len(ids)),
        _hub(),
    )


@outbound_pages.route("/dispatch/outbound/<int:parcel_id>/waybill", methods=["POST"])
@roles(Role.DISPATCHER)
def waybill(parcel_id: int) -> Response:
    dispatcher = require_account()
    township_id = dispatcher_township(dispatcher)

    def action(session: Session) -> None:
        courier, number = parcels.parse_waybill(
            request.form.get("courier", ""), request.form.get("waybill", "")
        )
        parcels.hand_to_courier(
            session,
            dispatcher=dispatcher,
            township_id=township_id,
            parcel_id=parcel_id,
            courier=courier,
            waybill=number,
        )

    return _then(action, _("已交快递，运单号已记录"), _hub())


@outbound_pages.route("/dispatch/outbound/sheet")
@roles(Role.DISPATCHER)
def sheet() -> str:
    """The printable handover sheet: what the courier takes, with room to sign."""
    return render_template(
        "logistics/outbound_sheet.html",
        parcels=_township_parcels(OutboundStatus.AT_HUB),
        masked=label.masked_phone,
        day=local_today(),
    )


@outbound_pages.route("/dispatch/outbound/manifest.csv")
@roles(Role.DISPATCHER)
def manifest() -> Response:
    found = _township_parcels(OutboundStatus.AT_HUB)
    response = Response(handover.manifest_csv(found), mimetype="text/csv")
    name = f"outbound-{local_today().isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@outbound_pages.route("/dispatch/outbound/waybills", methods=["POST"])
@roles(Role.DISPATCHER)
def import_waybills() -> Response | tuple[str, int]:
    dispatcher = require_account()
    township_id = dispatcher_township(dispatcher)
    upload = request.files.get("waybills")
    raw = upload.read(MANIFEST_MAX_BYTES + 1) if upload else b""
    if not raw or len(raw) > MANIFEST_MAX_BYTES:
        flash(_("请选择不超过 2 MB 的 CSV 文件"), "error")
        return redirect(_hub())
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(_("文件不是 UTF-8 编码的 CSV"), "error")
        return redirect(_hub())
    try:
        with unit_of_work() as session:
            handed = handover.import_waybills(
                session, dispatcher=dispatcher, township_id=township_id, text=text
            )
    except ManifestRejected as rejected:
        page = render_template("logistics/manifest_errors.html", rejected=rejected, back=_hub())
        return page, 422
    flash(_("已记录 %(n)d 个运单号，包裹已交快递", n=len(handed)), "success")
    return redirect(_hub())
