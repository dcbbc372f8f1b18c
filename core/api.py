"""The auth calls of the public API: ``POST /api/v1/auth/login`` and ``/logout``."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from core.access import public, require_account, signed_in
from core.auth import sign_in, sign_out
from core.models import User
from core.schemas import ErrorSchema, LoginIn, LoginOut

blueprint = Blueprint(
    "auth_api", __name__, url_prefix="/api/v1/auth", description="登录与退出 (sign in and out)"
)


def user_payload(user: User) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "roles": sorted(user.roles)}


@blueprint.route("/login", methods=["POST"])
@blueprint.arguments(LoginIn)
@blueprint.response(200, LoginOut)
@blueprint.alt_response(401, schema=ErrorSchema, description="wrong phone or password")
@blueprint.alt_response(429, schema=ErrorSchema, description="too many failed logins")
@public
def login(credentials: dict[str, str]) -> dict[str, Any]:
    """Sign in with phone and password; answers the CSRF token for later writes.

    It needs no CSRF token itself: it only accepts a JSON body, which a cross-site
    form cannot send.
    """
    user = sign_in(credentials["phone"], credentials["password"])
    return {"user": user_payload(user), "csrf_token": generate_csrf()}


@blueprint.route("/logout", methods=["POST"])
@blueprint.response(204)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@signed_in
def logout() -> None:
    """End the session (every session of this account)."""
    sign_out(require_account())
