"""The auth calls of the public API: ``POST /api/v1/auth/login`` and ``/logout``."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from core.access import public, require_account, signed_in
from core.auth import sign_in, sign_out, sign_up
from core.models import User
from core.schemas import ErrorSchema, LoginIn, LoginOut, SignupIn

blueprint = Blueprint(
    "auth_api",
    __name__,
    url_prefix="/api/v1/auth",
    description="注册、登录与退出 (sign up, in and out)",
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


@blueprint.route("/signup", methods=["POST"])
@blueprint.arguments(SignupIn)
@blueprint.response(201, LoginOut)
@blueprint.alt_response(409, schema=ErrorSchema, description="the phone has an account")
@blueprint.alt_response(422, schema=ErrorSchema, description="bad phone, name or password")
@blueprint.alt_response(429, schema=ErrorSchema, description="too many refused sign-ups")
@public
def signup(data: dict[str, str]) -> dict[str, Any]:
    """Open a buyer's account (顾客) and sign in; answers the CSRF token for later writes.

    Like login it needs no CSRF token: it only accepts a JSON body."""
    user = sign_up(data["phone"], data["password"], data["name"])
    return {"user": user_payload(user), "csrf_token": generate_csrf()}


@blueprint.route("/logout", methods=["POST"])
@blueprint.response(204)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@signed_in
def logout() -> None:
    """End the session (every session of this account)."""
    sign_out(require_account())
