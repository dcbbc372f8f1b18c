"""Pages of core: sign in, sign out, switch language."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.access import current_account, public, require_account, signed_in
from core.auth import sign_in, sign_out, sign_up
from core.errors import CoreError
from core.forms import LoginForm, SignupForm
from core.security import same_site_path

blueprint = Blueprint(
    "auth",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/core",
)


def _safe_next(target: str | None) -> str:
    """Only redirect to a path on this site (no open redirect)."""
    return same_site_path(target) or url_for("home.index")


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login_page() -> str | Response | tuple[str, int]:
    if current_account() is not None and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("core/login.html", form=form), status
    try:
        sign_in(form.phone.data or "", form.password.data or "")
    except CoreError as error:
        return render_template("core/login.html", form=form, error=error.message), error.status
    flash(_("登录成功"), "success")
    return redirect(_safe_next(request.args.get("next")))


@blueprint.route("/signup", methods=["GET", "POST"])
@public
def signup_page() -> str | Response | tuple[str, int]:
    """A buyer from anywhere opens an account to order produce sent by courier."""
    form = SignupForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("core/signup.html", form=form), status
    try:
        sign_up(form.phone.data or "", form.password.data or "", form.name.data or "")
    except CoreError as error:
        return render_template("core/signup.html", form=form, error=error.message), error.status
    flash(_("注册成功，欢迎您！"), "success")
    return redirect(_safe_next(request.args.get("next")))


@blueprint.route("/logout", methods=["POST"])
@signed_in
def logout_page() -> Response:
    sign_out(require_account())
    flash(_("您已退出登录"), "info")
    return redirect(url_for("auth.login_page"))
