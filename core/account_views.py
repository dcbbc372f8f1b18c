"""Account pages: setting one's own password, the agent's household register and password
resets, the admin's people, staff and cadres↔villages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from core import accounts, services
from core.access import require_account, roles, signed_in
from core.accounts import HouseholdInput, NewAccount, RegisterRejected
from core.errors import CoreError, CunzhanError
from core.flask_db import get_session, unit_of_work
from core.models import Role, RoleGrant, Township, User, Village
from core.settings import Settings

blueprint = Blueprint("accounts", __name__, template_folder="templates")
REGISTER_MAX_BYTES = 1_000_000
ROLE_LABELS = {Role.AGENT: _l("代办员"), Role.CADRE: _l("村干部")}

Page = str | Response | tuple[str, int]


def _form(name: str) -> str:
    return request.form.get(name, "").strip()


def _village_ids() -> list[int]:
    values = request.form.getlist("village_id")
    if not all(v.isdigit() and len(v) < 10 for v in values):
        raise CoreError("village_required")
    return [int(v) for v in values]


def _made(accounts_made: list[NewAccount], title: str) -> tuple[str, int]:
    """The page that shows temporary passwords, once, to hand over."""
    return render_template("core/account_made.html", made=accounts_made, title=title), 201


def _attempt(action: Callable[[Session], Page], back: str) -> Page:
    """Run one service in one transaction; on a refusal flash why and go back."""
    try:
        with unit_of_work() as session:
            return action(session)
    except CunzhanError as error:
        if error.status == 403:
            raise
        flash(error.message, "error")
        return redirect(url_for(back))


# --- everyone: a new password -------------------------------------------------------


@blueprint.route("/password", methods=["GET", "POST"])
@signed_in
def set_password() -> Page:
    """Replace a temporary password (required before anything else) or change one's own."""
    user = require_account()
    if request.method == "GET":
        return render_template("core/set_password.html", forced=user.must_change_password)
    try:
        with unit_of_work() as session:
            accounts.set_own_password(
                session,
                user=user,
                new_password=request.form.get("new_password", ""),
                repeated=request.form.get("repeated", ""),
            )
    except CunzhanError as error:
        page = render_template(
            "core/set_password.html", forced=user.must_change_password, error=error.message
        )
        return page, error.status
    login_user(user)  # the change ended every session, this one too: start a fresh one
    flash(_("新密码已设好"), "success")
    return redirect(url_for("home.index"))


# --- the agent: households, villagers, forgotten passwords ---------------------------


@blueprint.route("/accounts/households")
@roles(Role.AGENT, Role.ADMIN)
def households() -> str:
    user, session = require_account(), get_session()
    station = accounts.agent_station(session, user) if user.has_role(Role.AGENT) else None
    return render_template("core/agent_accounts.html", station=station)


@blueprint.route("/accounts/households", methods=["POST"])
@roles(Role.AGENT)
def register_household() -> Page:
    def action(session: Session) -> Page:
        made = accounts.register_household(
            session,
            agent=require_account(),
            data=HouseholdInput(
                name=_form("name"),
                phone=_form("phone"),
                lane=_form("lane"),
                directions=_form("directions"),
            ),
        )
        return _made([made], _("已登记住户并开通账号"))

    return _attempt(action, "accounts.households")


@blueprint.route("/accounts/reset", methods=["POST"])
@roles(Role.AGENT, Role.ADMIN)
def reset_password() -> Page:
    back = "accounts.admin" if request.form.get("from") == "admin" else "accounts.households"

    def action(session: Session) -> Page:
        user = accounts.user_by_phone(session, phone=_form("phone"))
        made = accounts.reset_password(session, actor=require_account(), user=user)
        return _made([made], _("密码已重置"))

    return _attempt(action, back)


@blueprint.route("/accounts/households/import", methods=["POST"])
@roles(Role.AGENT, Role.ADMIN)
def import_register() -> Page:
    upload = request.files.get("register")
    raw = upload.read(REGISTER_MAX_BYTES + 1) if upload else b""
    if not raw or len(raw) > REGISTER_MAX_BYTES:
        flash(_("请选择不超过 1 MB 的 CSV 文件"), "error")
        return redirect(url_for("accounts.households"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(_("文件不是 UTF-8 编码的 CSV"), "error")
        return redirect(url_for("accounts.households"))
    user = require_account()
    try:
        with unit_of_work() as session:
            villages = (
                list(session.scalars(select(Village).order_by(Village.id)))
                if user.has_role(Role.ADMIN)
                else [accounts.agent_station(session, user)]
            )
            made = accounts.import_register(session, text=text, villages=villages)
            return _made(made, _("已导入 %(n)d 户并开通账号", n=len(made)))
    except RegisterRejected as rejected:
        return render_template("core/register_errors.html", rejected=rejected), 422


# --- the admin: people, staff, cadres and villages ------------------------------------


@blueprint.route("/admin")
@roles(Role.ADMIN)
def admin() -> str:
    session = get_session()
    phone = request.args.get("phone", "").strip()
    found: User | None = None
    if phone:
        try:
            found = accounts.user_by_phone(session, phone=phone)
        except CunzhanError as error:
            flash(error.message, "error")
    return render_template("core/admin.html", **_admin_context(session), found=found, phone=phone)


def _admin_context(session: Session) -> dict[str, Any]:
    townships = list(session.scalars(select(Township).order_by(Township.id)))
    staff_ids = select(RoleGrant.user_id).where(RoleGrant.role.in_([Role.AGENT, Role.CADRE]))
    staff = list(session.scalars(select(User).where(User.id.in_(staff_ids)).order_by(User.id)))
    by_village: dict[int, dict[str, list[User]]] = {}
    for person in staff:
        for grant in person.grants:
            if grant.village_id is not None and grant.role in (Role.AGENT, Role.CADRE):
                places = by_village.setdefault(grant.village_id, {"agent": [], "cadre": []})
                places[grant.role.value].append(person)
    return {
        "townships": townships,
        "cadres": accounts.cadres(session),
        "by_village": by_village,
        "role_labels": ROLE_LABELS,
        "cadre_role": Role.CADRE,
        "road_extracts": services.road_extracts(Settings.from_env().roads_dir),
    }


@blueprint.route("/admin/townships/<int:township_id>/roads", methods=["POST"])
@roles(Role.ADMIN)
def set_road_extract(township_id: int) -> Page:
    def action(session: Session) -> Page:
        township = services.set_road_extract(
            session,
            township_id=township_id,
            name=_form("osm_extract"),
            roads_dir=Settings.from_env().roads_dir,
        )
        if township.osm_extract:
            flash(_("%(name)s的路线将按道路地图规划", name=township.name), "success")
        else:
            flash(_("%(name)s的路线将按直线距离估算", name=township.name), "success")
        return redirect(url_for("accounts.admin") + f"#township-{township.id}")

    return _attempt(action, "accounts.admin")


@blueprint.route("/admin/staff", methods=["POST"])
@roles(Role.ADMIN)
def add_staff() -> Page:
    def action(session: Session) -> Page:
        try:
            role = Role(_form("role"))
        except ValueError:
            raise CoreError("staff_role_required") from None
        made = accounts.add_staff(
            session,
            name=_form("name"),
            phone=_form("phone"),
            role=role,
            village_ids=_village_ids(),
        )
        return _made([made], _("已添加%(role)s", role=ROLE_LABELS[role]))

    return _attempt(action, "accounts.admin")


@blueprint.route("/admin/cadres/<int:user_id>/villages", methods=["POST"])
@roles(Role.ADMIN)
def assign_cadre(user_id: int) -> Page:
    def action(session: Session) -> Page:
        cadre = _user(session, user_id)
        accounts.assign_cadre(session, cadre=cadre, village_ids=_village_ids())
        flash(_("已更新 %(name)s 负责的村", name=cadre.name), "success")
        return redirect(url_for("accounts.admin") + f"#cadre-{cadre.id}")

    return _attempt(action, "accounts.admin")


@blueprint.route("/admin/users/<int:user_id>/active", methods=["POST"])
@roles(Role.ADMIN)
def set_active(user_id: int) -> Page:
    def action(session: Session) -> Page:
        user = _user(session, user_id)
        if request.form.get("active") == "1":
            accounts.enable_account(session, user=user)
            flash(_("已启用 %(name)s 的账号", name=user.name), "success")
        else:
            accounts.disable_account(session, actor=require_account(), user=user)
            flash(_("已停用 %(name)s 的账号，他的登录已全部退出", name=user.name), "success")
        return redirect(url_for("accounts.admin", phone=user.phone))

    return _attempt(action, "accounts.admin")


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise CoreError("no_such_account")
    return user
