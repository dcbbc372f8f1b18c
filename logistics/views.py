"""Pages of the cadre (today's round, offline), the villager (my parcels) and the station.

The cadre's page is rendered on the server and enhanced by ``static/cadre.js``: confirmations
go to an IndexedDB outbox and ``/api/v1/stops/{id}/events``; the service worker (``sw.js``)
keeps the page and its assets for a reload without signal (docs/cadre-offline.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from core.access import public, require_account, roles
from core.errors import CunzhanError
from core.flask_db import get_session, unit_of_work
from core.models import Role, User
from core.parse import parse_int
from core.photos import photo_dir, photo_path
from core.timeutil import local_today
from logistics import depot, extra_stops, planning, rounds, tracking
from logistics.access import agent_village, dispatcher_township
from logistics.compression import gzip_response
from logistics.errors import LogisticsError
from logistics.models import FAILURE_NAMES, Round, Stop
from logistics.outbound import parcels as outbound_parcels
from logistics.schemas import stop_code_check
from logistics.sketch import Sketch, qr_svg, sketch
from logistics.throttle import throttled

STATIC = Path(__file__).parent / "static"

cadre = Blueprint(
    "cadre",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/logistics",
)
cadre.after_request(gzip_response)
tracking_pages = Blueprint("tracking", __name__, template_folder="templates")
station = Blueprint("station", __name__, url_prefix="/station", template_folder="templates")


def round_sketch(round_: Round) -> Sketch:
    village = round_.village
    return sketch(
        (village.lat, village.lon),
        [(s.household.lat, s.household.lon, s.status.value) for s in round_.stops],
        [(lat, lon) for lat, lon in json.loads(round_.road_path or "[]")],
    )


@cadre.route("/cadre/today")
@roles(Role.CADRE)
def today() -> str:
    found = rounds.todays_rounds(get_session(), cadre=require_account(), day=local_today())
    return render_template(
        "logistics/cadre_today.html",
        rounds=found,
        maps={r.id: round_sketch(r) for r in found},
        code_checks={s.id: stop_code_check(s) for r in found for s in r.stops},
        reasons=FAILURE_NAMES,
        raise_choices=extra_stops.request_kinds(),
        texts=cadre_texts(),
    )


def cadre_texts() -> dict[str, object]:
    """What cadre.js says, translated here ({n}, {time}... are filled in on the phone)."""
    return {
        "states": {
            "pending": _("待送"),
            "delivered": _("已送达"),
            "failed": _("未送达"),
            "skipped": _("已改派"),
            "waiting": _("待上传"),
        },
        "reasons": {r.value: str(label) for r, label in FAILURE_NAMES.items()},
        # The not-done form's words, as the page renders them for what is left at the stop.
        "not_done": {
            "delivery": [_("没送到的原因"), _("记录未送达")],
            "produce": [_("没收到农产品的原因"), _("记录没收到")],
            "visit": [_("没办成的原因"), _("记录没办成")],
        },
        "recorded": {
            "delivered": _("本机已记录：已送达，等待上传"),
            "failed": _("本机已记录：未送达（%(reason)s），等待上传", reason="{reason}"),
            "collected": _("本机已记录：已收农产品 %(kg)s 公斤，等待上传", kg="{kg}"),
            "moved": _("本机已记录：顺序已调整，等待上传"),
            "photo": _("本机已记录：%(name)s 代收（有照片），等待上传", name="{name}"),
            "visited": _("本机已记录：已办好并记录走访，等待上传"),
        },
        "synced": _("已同步 %(time)s", time="{time}"),
        "never_synced": _("还没有连上服务器"),
        "waiting": _("%(n)s 条待上传，最近一次尝试 %(time)s", n="{n}", time="{time}"),
        "uploading": _("%(n)s 条待上传，正在上传…", n="{n}"),
        "sign_in_again": _("登录已结束：%(n)s 条保存在手机里，请重新登录后上传", n="{n}"),
        "uploaded": _("已上传"),
        "produce_uploaded": _("农产品已登记"),
        "server_decides": _("%(message)s（服务器状态为准）", message="{message}"),
        "upload_failed": _("上传失败"),
        "need_code": _("请输入 6 位取件码"),
        "need_weight": _("请输入重量（公斤）"),
        "need_signature": _("请收件人在框内签名"),
        "need_photo": _("请拍一张包裹在代收人手里的照片，并填写代收人姓名"),
        "wrong_code": _("取件码不对，请再问一次收件人（还可以试 %(left)s 次）", left="{left}"),
        "too_many": _("取件码错了 5 次，请改用签名"),
        "signout_uploading": _("%(n)s 条还没上传，正在上传…", n="{n}"),
        "signout_unsent": _("还有 %(n)s 条记录没上传到服务器。现在退出，这些记录会丢失。", n="{n}"),
        "signout_discard": _("确定丢掉这 %(n)s 条没上传的记录并退出吗？", n="{n}"),
        "discard_button": _("丢掉 %(n)s 条并退出", n="{n}"),
    }


@cadre.route("/cadre/sw.js")
@public
def service_worker() -> Response:
    """The worker is served from /cadre but controls the whole site (page, API, assets)."""
    response = send_file(STATIC / "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@cadre.route("/cadre/rounds/<int:round_id>/print")
@roles(Role.CADRE, Role.DISPATCHER)
def print_round(round_id: int) -> str:
    """A one-page sheet for cadres without a smartphone: stops, a QR per parcel, tick boxes."""
    round_ = printable_round(require_account(), round_id)
    parcels = [p for stop in round_.stops for p in stop.parcels]
    qr = {p.id: qr_svg(f"{p.courier.value}:{p.tracking_no}") for p in parcels}
    return render_template("logistics/round_print.html", round=round_, qr=qr)


def printable_round(user: User, round_id: int) -> Round:
    session = get_session()
    if user.has_role(Role.CADRE) and not user.has_role(Role.DISPATCHER):
        return rounds.cadre_round(session, cadre=user, round_id=round_id)
    round_ = session.get(Round, round_id)
    if round_ is None or round_.village.township_id != dispatcher_township(user):
        raise LogisticsError("round_not_in_township")
    return round_


@cadre.route("/cadre/stops/<int:stop_id>/photo")
@roles(Role.CADRE, Role.DISPATCHER)
def stop_photo(stop_id: int) -> Response:
    """The photo taken when a neighbour took the parcels: for the stop's cadre and the
    township's dispatcher only, never kept in shared caches."""
    stop = get_session().get(Stop, stop_id)
    if stop is None or stop.photo is None:
        abort(404)
    printable_round(require_account(), stop.round_id)  # 403 for anyone else
    response = send_file(photo_path(photo_dir(), stop.photo), mimetype="image/jpeg", max_age=0)
    response.cache_control.private = True
    return response


@tracking_pages.route("/parcels")
@roles(Role.VILLAGER, Role.FARMER)
def my_parcels() -> str:
    found = tracking.my_parcels(get_session(), user=require_account())
    return render_template("logistics/my_parcels.html", parcels=found)


@station.route("")
@roles(Role.AGENT)
def desk() -> str:
    session, village_id = get_session(), agent_village(require_account())
    runs = tracking.latest_runs(session, village_ids=[village_id], day=local_today())
    return render_template(
        "logistics/station_desk.html",
        batches=tracking.batches_to_receive(session, village_id=village_id),
        shelf=tracking.shelf(session, village_id=village_id),
        left_out=planning.left_out(runs[village_id]) if village_id in runs else [],
        outbound=outbound_parcels.station_parcels(session, village_id=village_id),
    )


@station.route("/batches/<int:batch_id>/receive", methods=["POST"])
@roles(Role.AGENT)
def receive(batch_id: int) -> Response:
    ids = [parse_int(v, low=1) for v in request.form.getlist("parcel")]
    village_id = agent_village(require_account())
    return _station_action(
        lambda session: depot.receive_batch(
            session, village_id=village_id, batch_id=batch_id, parcel_ids=ids
        ),
        _("已签收 %(n)d 件，已分配货架和取件码", n=len(ids)),
    )


@station.route("/scan", methods=["POST"])
@roles(Role.AGENT)
def scan() -> Response:
    village_id = agent_village(require_account())
    tracking_no = request.form.get("tracking_no", "")
    return _station_action(
        lambda session: depot.receive_scanned(
            session, village_id=village_id, tracking_no=tracking_no
        ),
        _("已签收 %(no)s，已分配货架和取件码", no=tracking_no.strip()),
    )


@station.route("/parcels/<int:parcel_id>/hand-over", methods=["POST"])
@roles(Role.AGENT)
def hand_over(parcel_id: int) -> Response:
    village_id = agent_village(require_account())
    code = request.form.get("pickup_code", "")

    def collect(session: Session) -> None:
        with throttled(f"parcel:{parcel_id}"):
            depot.hand_over(session, village_id=village_id, parcel_id=parcel_id, pickup_code=code)

    return _station_action(collect, _("取件成功"))


def _station_action(action: Callable[[Session], object], success: str) -> Response:
    try:
        with unit_of_work() as session:
            action(session)
    except CunzhanError as error:
        if error.status == 403:
            raise
        flash(error.message, "error")
    else:
        flash(success, "success")
    return redirect(url_for("station.desk"))
