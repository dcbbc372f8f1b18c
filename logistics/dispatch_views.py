"""The township dispatcher's board: intake, unmatched queue, consolidation, planning, progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from core.access import require_account, roles
from core.errors import CunzhanError
from core.flask_db import get_session, unit_of_work
from core.models import Role
from core.parse import parse_int, query_int
from core.timeutil import local_today, utcnow
from logistics import depot, intake, planning, tracking
from logistics.access import dispatcher_township
from logistics.board import PlanBoard, plan_board, township_batches
from logistics.couriers import OUTSIDE
from logistics.errors import LogisticsError
from logistics.intake import ManifestRejected, ParcelInput
from logistics.tasks import plan_in_background

dispatch = Blueprint("dispatch", __name__, url_prefix="/dispatch", template_folder="templates")
MANIFEST_MAX_BYTES = 2_000_000


@dispatch.context_processor
def _distance_sources() -> dict[str, object]:
    """How each plan's distances were found, in words (the board and its refreshes)."""
    return {"distance_sources": planning.DISTANCE_SOURCES}


def _township() -> int:
    return dispatcher_township(require_account())


@dispatch.route("")
@roles(Role.DISPATCHER)
def board() -> str:
    session, township_id, today = get_session(), _township(), local_today()
    history = tracking.history(session, township_id=township_id, today=today)
    return render_template(
        "logistics/dispatch_board.html",
        today=today,
        downlink=tracking.downlink_count(session, township_id=township_id, day=today),
        uplink=tracking.uplink_count(session, township_id=township_id, day=today),
        history=history,
        chart_max=max([1, *(max(d.downlink, d.uplink) for d in history)]),
        unmatched=intake.unmatched_parcels(session, township_id=township_id),
        batches=township_batches(session, township_id=township_id, day=today),
        couriers=OUTSIDE,
        board=_plan_board(session, township_id, today),
        since=query_int("since"),
    )


@dispatch.route("/progress")
@roles(Role.DISPATCHER)
def progress() -> Response:
    """The board's planning section, for the board to refresh itself with (one small request
    every few seconds): whether planning is still going on, the outcome of the planning asked
    for (``since``) once it is over, and the section's HTML."""
    session, township_id, today = get_session(), _township(), local_today()
    plan = _plan_board(session, township_id, today)
    return jsonify(
        busy=plan.busy,
        outcome=plan.outcome,
        html=render_template("logistics/_plan_progress.html", board=plan),
    )


def _plan_board(session: Session, township_id: int, today: dt.date) -> PlanBoard:
    return plan_board(
        session, township_id=township_id, day=today, now=utcnow(), since=query_int("since")
    )


def _act(action: Callable[[Session, int], str]) -> Response:
    """Run one service in one transaction; flash its message or the error's."""
    township_id = _township()
    try:
        with unit_of_work() as session:
            message = action(session, township_id)
    except CunzhanError as error:
        if error.status == 403:
            raise
        flash(error.message, "error")
    else:
        flash(message, "success")
    return redirect(url_for("dispatch.board"))


def _weight_g() -> int:
    return parse_int(request.form.get("weight_g"), error=lambda: LogisticsError("weight_not_whole"))


@dispatch.route("/parcels", methods=["POST"])
@roles(Role.DISPATCHER)
def register() -> Response:
    def action(session: Session, township_id: int) -> str:
        data = ParcelInput(
            courier=request.form.get("courier", ""),
            tracking_no=request.form.get("tracking_no", ""),
            recipient_name=request.form.get("recipient_name", ""),
            recipient_phone=request.form.get("recipient_phone", ""),
            weight_g=_weight_g(),
            description=request.form.get("description", ""),
            priority=request.form.get("priority", "normal"),
        )
        parcel = intake.register_parcel(session, township_id=township_id, data=data)
        if parcel.household_id is None:
            return str(_("已登记，但没找到收件户，已放入待匹配"))
        return str(_("已登记，收件户已匹配"))

    return _act(action)


@dispatch.route("/manifest", methods=["POST"])
@roles(Role.DISPATCHER)
def manifest() -> Response | tuple[str, int]:
    upload = request.files.get("manifest")
    raw = upload.read(MANIFEST_MAX_BYTES + 1) if upload else b""
    if not raw or len(raw) > MANIFEST_MAX_BYTES:
        flash(_("请选择不超过 2 MB 的 CSV 文件"), "error")
        return redirect(url_for("dispatch.board"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(_("文件不是 UTF-8 编码的 CSV"), "error")
        return redirect(url_for("dispatch.board"))
    try:
        with unit_of_work() as session:
            result = intake.import_manifest(session, township_id=_township(), text=text)
    except ManifestRejected as rejected:
        return render_template("logistics/manifest_errors.html", rejected=rejected), 422
    flash(
        _("已导入 %(n)d 件，其中 %(u)d 件待匹配", n=len(result.parcels), u=result.unmatched),
        "success",
    )
    return redirect(url_for("dispatch.board"))


@dispatch.route("/scan", methods=["POST"])
@roles(Role.DISPATCHER)
def scan() -> Response:
    def action(session: Session, township_id: int) -> str:
        tracking_no = request.form.get("tracking_no", "")
        parcel = intake.scan_arrival(session, township_id=township_id, tracking_no=tracking_no)
        return str(_("%(no)s 已到镇中心", no=parcel.tracking_no))

    return _act(action)


@dispatch.route("/parcels/<int:parcel_id>/match", methods=["POST"])
@roles(Role.DISPATCHER)
def match(parcel_id: int) -> Response:
    def action(session: Session, township_id: int) -> str:
        household = intake.match_parcel_by_phone(
            session,
            township_id=township_id,
            parcel_id=parcel_id,
            phone=request.form.get("household_phone", ""),
        )
        return str(_("已匹配到 %(name)s", name=household.head_name))

    return _act(action)


@dispatch.route("/consolidate", methods=["POST"])
@roles(Role.DISPATCHER)
def consolidate() -> Response:
    def action(session: Session, township_id: int) -> str:
        batches = depot.consolidate(session, township_id=township_id, day=local_today())
        return str(_("已按 %(n)d 个村站分拨，干线车路线已排好", n=len(batches)))

    return _act(action)


@dispatch.route("/plan", methods=["POST"])
@roles(Role.DISPATCHER)
def plan_all() -> Response:
    """Plan every village in the background; the board shows each village's progress."""
    return _plan(village_ids=None, replanning=False)


@dispatch.route("/villages/<int:village_id>/replan", methods=["POST"])
@roles(Role.DISPATCHER)
def replan(village_id: int) -> Response:
    """Re-plan one village mid-day from now: what is done stays done, and rounds already
    out stay as they are."""
    return _plan(village_ids=[village_id], replanning=True)


def _plan(*, village_ids: list[int] | None, replanning: bool) -> Response:
    """Queue the villages' plan runs (one transaction), then hand them to the background: the
    request returns at once."""
    township_id, today = _township(), local_today()
    try:
        with unit_of_work() as session:
            runs = planning.queue_villages(
                session, township_id=township_id, day=today, village_ids=village_ids
            )
            run_ids = [run.id for run in runs]
    except CunzhanError as error:
        if error.status == 403:
            raise
        flash(error.message, "error")
        return redirect(url_for("dispatch.board"))
    plan_in_background(run_ids, utcnow() if replanning else None)
    # "planning": the board puts the outcome in its place once every village is done.
    flash(_("正在规划 %(n)d 个村的路线，进度见下方", n=len(run_ids)), "planning")
    since = min(run_ids, default=None)
    return redirect(url_for("dispatch.board", since=since) + "#plan-progress")
