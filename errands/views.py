"""Pages of errands: the villager files and follows, the grid member accepts and does, the
agent files at the counter or from a call, reassigns and closes after the return call; the
ledger (台账), the overdue list and the monthly report for the station and the township."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping

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
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from core.access import require_account, roles, signed_in
from core.errors import CunzhanError
from core.flask_db import get_session, unit_of_work
from core.models import Role, User
from core.parse import parse_int
from core.photos import photo_dir, photo_path
from core.timeutil import LOCAL_ZONE, local_today, utcnow
from errands import grids, ledger, services, visits
from errands.access import agent_station, member_grid_ids, overseen_villages, visible_request
from errands.errors import ErrandError
from errands.models import (
    CARE_REASON_NAMES,
    CATEGORY_RULES,
    OPEN_STATUSES,
    CareReason,
    Category,
    CategoryRule,
    Channel,
    ErrandRequest,
    Grid,
    RequestPhoto,
    RequestStatus,
    Satisfaction,
)

errands = Blueprint(
    "errands",
    __name__,
    url_prefix="/errands",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

VILLAGERS = (Role.VILLAGER, Role.FARMER)
OVERSEERS = (Role.AGENT, Role.DISPATCHER)


def _window() -> services.VisitWindow | None:
    return services.parse_window(
        request.form.get("window_start", ""), request.form.get("window_end", "")
    )


def _uploaded_photos() -> list[bytes]:
    return [f.read() for f in request.files.getlist("photo") if f and f.filename]


def _act(action: Callable[[Session], object], success: str, back: str) -> Response:
    """Run one service in a transaction; say how it went on the page ``back`` leads to."""
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


# --- the villager ---------------------------------------------------------------------


@errands.route("")
@roles(*VILLAGERS)
def mine() -> str:
    user = require_account()
    found = get_session().scalars(
        select(ErrandRequest)
        .where(ErrandRequest.household_id == (user.household_id or 0))
        .order_by(ErrandRequest.filed_at.desc())
        .limit(50)
    )
    is_member = bool(member_grid_ids(get_session(), user))
    return render_template("errands/mine.html", requests=list(found), is_member=is_member)


def _file_or_refill(
    file: Callable[[Session], ErrandRequest],
    page: Callable[[Mapping[str, str], str | None], str],
) -> int | tuple[str, int]:
    """File a request from the form: its id, or the form again, filled in as it was sent,
    with what was wrong (nobody types a long description twice on a phone)."""
    try:
        with unit_of_work() as session:
            filed = file(session)
            return filed.id
    except CunzhanError as error:
        if error.status == 403:
            raise
        return page(request.form, error.message), error.status


@errands.route("/new", methods=["GET", "POST"])
@roles(*VILLAGERS)
def new() -> str | Response | tuple[str, int]:
    if request.method == "GET":
        return _new_page({}, None)
    user = require_account()

    def file(session: Session) -> ErrandRequest:
        return services.file_for_self(
            session,
            villager=user,
            category=services.parse_category(request.form.get("category", "")),
            details=request.form.get("details", ""),
            window=_window(),
            photos=_uploaded_photos(),
            photo_dir=photo_dir(),
        )

    filed = _file_or_refill(file, _new_page)
    if isinstance(filed, tuple):
        return filed
    flash(_("已提交，网格员会尽快联系您"), "success")
    return redirect(url_for("errands.detail", request_id=filed))


def _offered_rules(village_id: int | None) -> dict[Category, CategoryRule]:
    """The time limits of what the station offers (its service list)."""
    offered = (
        list(Category)
        if village_id is None
        else services.offered_categories(get_session(), village_id)
    )
    return {category: CATEGORY_RULES[category] for category in offered}


def _new_page(sent: Mapping[str, str], error: str | None) -> str:
    household = require_account().household
    categories = _offered_rules(household.village_id if household else None)
    return render_template("errands/new.html", categories=categories, sent=sent, error=error)


# --- one request, and its steps -----------------------------------------------------


@errands.route("/<int:request_id>")
@signed_in
def detail(request_id: int) -> str:
    session, user = get_session(), require_account()
    found = visible_request(session, user, request_id)
    station = found.village_id in user.villages_for(Role.AGENT)
    return render_template(
        "errands/detail.html",
        req=found,
        is_assignee=found.assignee_id == user.id,
        is_household=found.household_id == user.household_id,
        is_station=station,
        members=services.station_members(session, found.village_id) if station else [],
        satisfactions=list(Satisfaction),
    )


def _step_route(
    name: str, step: Callable[..., object], success: Callable[[], str]
) -> Callable[[int], Response]:
    """A member's step (accept, start, done) as a POST on the request's page."""

    def view(request_id: int) -> Response:
        member, note = require_account(), request.form.get("note", "")
        extra = {"note": note} if name == "done" else {}
        return _act(
            lambda session: step(session, member=member, request_id=request_id, **extra),
            success(),
            url_for("errands.detail", request_id=request_id),
        )

    view.__name__ = name
    errands.add_url_rule(f"/<int:request_id>/{name}", name, signed_in(view), methods=["POST"])
    return view


accept = _step_route("accept", services.accept, lambda: _("已接单"))
start = _step_route("start", services.start, lambda: _("已开始办理"))
done = _step_route("done", services.mark_done, lambda: _("已办结，等待回访"))


@errands.route("/<int:request_id>/reassign", methods=["POST"])
@roles(Role.AGENT)
def reassign(request_id: int) -> Response:
    agent, member_id = require_account(), parse_int(request.form.get("member"), low=1)
    return _act(
        lambda session: services.reassign(
            session, agent=agent, request_id=request_id, member_id=member_id
        ),
        _("已改派"),
        url_for("errands.detail", request_id=request_id),
    )


@errands.route("/<int:request_id>/close", methods=["POST"])
@signed_in
def close(request_id: int) -> Response:
    actor = require_account()
    return _act(
        lambda session: services.close(
            session,
            actor=actor,
            request_id=request_id,
            satisfaction=services.parse_satisfaction(request.form.get("satisfaction", "")),
            note=request.form.get("note", ""),
        ),
        _("已关闭，谢谢评价"),
        url_for("errands.detail", request_id=request_id),
    )


@errands.route("/photos/<int:photo_id>")
@signed_in
def photo(photo_id: int) -> Response:
    session = get_session()
    found = session.get(RequestPhoto, photo_id)
    if found is None:
        abort(404)
    visible_request(session, require_account(), found.request_id)
    response = send_file(photo_path(photo_dir(), found.name), mimetype="image/jpeg", max_age=0)
    response.cache_control.private = True
    return response


# --- the grid member ----------------------------------------------------------------


@errands.route("/todo")
@signed_in
def todo() -> str:
    """What the member answers for: assigned to them, or in their grids."""
    session, user = get_session(), require_account()
    grids = member_grid_ids(session, user)
    mine_or_grid = ErrandRequest.assignee_id == user.id
    if grids:
        mine_or_grid = mine_or_grid | ErrandRequest.grid_id.in_(grids)
    found = session.scalars(
        select(ErrandRequest)
        .where(mine_or_grid, ErrandRequest.status.in_(OPEN_STATUSES))
        .order_by(ErrandRequest.due_at)
    )
    return render_template("errands/todo.html", requests=list(found), now=utcnow())


# --- the station's agent ------------------------------------------------------------


def _local_time(field: str, *, required: bool) -> dt.datetime | None:
    raw = request.form.get(field, "").strip()
    if not raw:
        if required:
            raise ErrandError("caller_required")
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError as error:
        raise ErrandError("bad_time") from error
    return moment.replace(tzinfo=LOCAL_ZONE).astimezone(dt.UTC)


@errands.route("/station", methods=["GET", "POST"])
@roles(Role.AGENT)
def station() -> str | Response | tuple[str, int]:
    agent = require_account()
    if request.method == "GET":
        return _station_page({}, None)
    filed = _file_or_refill(lambda session: _file_at_station(session, agent), _station_page)
    if isinstance(filed, tuple):
        return filed
    flash(_("已登记"), "success")
    return redirect(request.path)


def _station_page(sent: Mapping[str, str], error: str | None) -> str:
    """The station's open requests under the form for a new one (``sent``: as last sent)."""
    village_id = agent_station(require_account())
    found = get_session().scalars(
        select(ErrandRequest)
        .where(
            ErrandRequest.village_id == village_id,
            ErrandRequest.status.in_((*OPEN_STATUSES, RequestStatus.DONE)),
        )
        .order_by(ErrandRequest.due_at)
    )
    waiting: list[ErrandRequest] = []
    open_: list[ErrandRequest] = []
    for found_request in found:
        (waiting if found_request.status == RequestStatus.DONE else open_).append(found_request)
    return render_template(
        "errands/station.html",
        requests=open_,
        to_call_back=waiting,
        categories=_offered_rules(village_id),
        all_categories=list(Category),
        channels=(Channel.COUNTER, Channel.HOTLINE),
        now=utcnow(),
        sent=sent,
        error=error,
    )


def _file_at_station(session: Session, agent: User) -> ErrandRequest:
    channel = Channel.HOTLINE if request.form.get("channel") == "hotline" else Channel.COUNTER
    hotline = None
    if channel == Channel.HOTLINE:
        called_at = _local_time("called_at", required=True)
        assert called_at is not None
        hotline = services.Hotline(
            caller_name=request.form.get("caller_name", ""),
            caller_phone=request.form.get("caller_phone", ""),
            called_at=called_at,
            callback_by=_local_time("callback_by", required=False),
        )
    return services.file_request(
        session,
        filed_by=agent,
        household=services.station_household(
            session, agent=agent, who=request.form.get("phone", "")
        ),
        category=services.parse_category(request.form.get("category", "")),
        details=request.form.get("details", ""),
        channel=channel,
        hotline=hotline,
        window=_window(),
        photos=_uploaded_photos(),
        photo_dir=photo_dir(),
    )


@errands.route("/station/services", methods=["POST"])
@roles(Role.AGENT)
def service_list() -> Response:
    """The agent chooses the categories their station offers (服务清单)."""
    agent = require_account()
    chosen = [services.parse_category(v) for v in request.form.getlist("category")]
    return _act(
        lambda session: services.set_offered_categories(session, agent=agent, categories=chosen),
        _("服务清单已保存"),
        url_for("errands.station"),
    )


@errands.route("/grids", methods=["GET", "POST"])
@roles(Role.AGENT)
def grid_list() -> str | Response:
    """The station's grids: make one with its member, put households in one."""
    village_id = agent_station(require_account())
    if request.method == "POST":
        return _act(lambda session: _change_grids(session, village_id), _("已保存"), request.path)
    return render_template(
        "errands/grids.html", grids=grids.grids_of_village(get_session(), village_id)
    )


def _change_grids(session: Session, village_id: int) -> None:
    grid_id = request.form.get("grid")
    party_member = request.form.get("party_member") == "1"
    if grid_id is None:
        member = grids.village_member(
            session, village_id=village_id, phone=request.form.get("member_phone", "")
        )
        grids.create_grid(
            session,
            village_id=village_id,
            name=request.form.get("name", ""),
            member_id=member.id,
            party_member=party_member,
        )
        return
    grid = session.get(Grid, parse_int(grid_id, low=1))
    if grid is None or grid.village_id != village_id:
        raise ErrandError("grid_not_found")
    if request.form.get("change") == "party_member":
        grids.mark_party_member(session, grid=grid, party_member=party_member)
        return
    phones = request.form.get("phones", "").split()
    grids.put_households(
        session,
        grid=grid,
        household_ids=grids.households_by_phone(session, village_id=village_id, phones=phones),
    )


@errands.route("/care", methods=["GET", "POST"])
@roles(Role.AGENT)
def care_list() -> str | Response:
    """Households visited regularly on the round (独居老人, 残疾人, 困难家庭): mark one with
    how often, stop the visits, and the latest visits the cadres recorded."""
    village_id = agent_station(require_account())
    if request.method == "POST":
        return _act(_change_care, _("已保存"), request.path)
    session = get_session()
    return render_template(
        "errands/care.html",
        cares=visits.care_households(session, village_id=village_id),
        visits=visits.recent_visits(session, village_id=village_id),
        reasons=CARE_REASON_NAMES,
        today=local_today(),
    )


def _change_care(session: Session) -> None:
    agent = require_account()
    stop = request.form.get("stop")
    if stop is not None:
        visits.unmark_care(session, agent=agent, household_id=parse_int(stop, low=1))
        return
    try:
        reason = CareReason(request.form.get("reason", ""))
    except ValueError as error:
        raise ErrandError("care_reason_required") from error
    every_days = parse_int(
        request.form.get("every_days"),
        low=1,
        high=visits.CARE_EVERY_DAYS_MAX,
        error=lambda: ErrandError("bad_care_frequency", n=visits.CARE_EVERY_DAYS_MAX),
    )
    visits.mark_for_care(
        session,
        agent=agent,
        phone=request.form.get("phone", ""),
        reason=reason,
        every_days=every_days,
    )


# --- the ledger, the overdue list and the monthly report ----------------------------


@errands.route("/ledger")
@roles(*OVERSEERS)
def ledger_page() -> str:
    session, user = get_session(), require_account()
    text = request.args.get("q", "")
    found = ledger.search(session, village_ids=overseen_villages(session, user), text=text)
    return render_template("errands/ledger.html", requests=found, q=text)


@errands.route("/overdue")
@roles(*OVERSEERS)
def overdue() -> str:
    session, user = get_session(), require_account()
    found = ledger.overdue(session, village_ids=overseen_villages(session, user))
    return render_template("errands/overdue.html", requests=found, now=utcnow())


def _report() -> ledger.MonthlyReport:
    session, user = get_session(), require_account()
    return ledger.monthly_report(
        session,
        village_ids=overseen_villages(session, user),
        month=ledger.parse_month(request.args.get("month"), local_today()),
        unassigned=_("未分派"),
    )


@errands.route("/report")
@roles(*OVERSEERS)
def report() -> str:
    return render_template(
        "errands/report.html", report=_report(), satisfactions=list(Satisfaction)
    )


@errands.route("/report.csv")
@roles(*OVERSEERS)
def report_csv() -> Response:
    found = _report()
    out = io.StringIO()
    writer = csv.writer(out)
    titles = {"village": _("村"), "category": _("类别"), "member": _("经办人")}
    writer.writerow(
        [
            _("分组"),
            _("名称"),
            _("登记"),
            _("已关闭"),
            _("按时办结"),
            _("超期"),
            *[s.label for s in Satisfaction],
            _("满意率"),
        ]
    )
    rows = [(_("合计"), _("全部"), found.total)]
    rows += [
        (titles[kind], name, tally)
        for kind, group in found.sections()
        for name, tally in group.items()
    ]
    for group, name, tally in rows:
        rate = tally.satisfaction_percent
        writer.writerow(
            [
                group,
                name,
                tally.filed,
                tally.closed,
                tally.on_time,
                tally.overdue,
                *[tally.satisfaction[s] for s in Satisfaction],
                "" if rate is None else f"{rate}%",
            ]
        )
    filename = f"errands-{found.month:%Y-%m}.csv"
    # A byte-order mark so that Excel opens the Chinese as UTF-8.
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
