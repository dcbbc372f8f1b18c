"""Who may call which route, checked in one place.

Every view declares its policy with ``@public``, ``@signed_in`` or ``@roles(...)``;
``enforce_access`` runs before every request and refuses a view that declared none,
so a route added without a policy is closed rather than open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user
from werkzeug.exceptions import Forbidden, Unauthorized
from werkzeug.wrappers import Response

from core.models import Role, User

POLICY_ATTRIBUTE = "_cunzhan_access_policy"
# Static files (the app's and every blueprint's) and the API docs are public by nature.
PUBLIC_BLUEPRINTS = frozenset({"api-docs"})
PUBLIC_ENDPOINTS = frozenset({"static"})

View = TypeVar("View", bound=Callable[..., Any])
#: Where a user holding a temporary password is sent before anything else, and what else
#: they may still reach (signing out; the API's sign-in answers for itself).
SET_PASSWORD_ENDPOINT = "accounts.set_password"  # noqa: S105 (an endpoint name)
WHILE_CHANGING_PASSWORD = frozenset({SET_PASSWORD_ENDPOINT, "auth.logout_page", "auth.login_page"})


@dataclass(frozen=True)
class Policy:
    public: bool = False
    roles: frozenset[Role] = frozenset()  # empty: any signed-in user

    def allows(self, user: User | None) -> bool:
        if self.public:
            return True
        if user is None:
            return False
        return not self.roles or bool(self.roles & user.roles)


def _declare(policy: Policy) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        setattr(view, POLICY_ATTRIBUTE, policy)
        return view

    return decorate


public = _declare(Policy(public=True))
signed_in = _declare(Policy())


def roles(*allowed: Role) -> Callable[[View], View]:
    if not allowed:
        raise ValueError("name at least one role, or use @signed_in")
    return _declare(Policy(roles=frozenset(allowed)))


def policy_of(endpoint: str) -> Policy | None:
    blueprint, _, name = endpoint.rpartition(".")
    if name in PUBLIC_ENDPOINTS or blueprint in PUBLIC_BLUEPRINTS:
        return Policy(public=True)
    view = current_app.view_functions.get(endpoint)
    found: Policy | None = getattr(view, POLICY_ATTRIBUTE, None)
    return found


def current_account() -> User | None:
    """The signed-in user, or None."""
    if current_user.is_authenticated:
        user: User = current_user._get_current_object()
        return user
    return None


def require_account() -> User:
    user = current_account()
    if user is None:
        raise Unauthorized(_("请先登录"))
    return user


def wants_json() -> bool:
    """API calls and machine clients (a JSON body, e.g. a webhook) get JSON errors."""
    return request.path.startswith("/api/") or request.is_json


def enforce_access() -> Response | None:
    if request.endpoint is None:  # no route matched: let the 404/405 handlers answer
        return None
    policy = policy_of(request.endpoint)
    if policy is None:
        current_app.logger.error("route %s declares no access policy", request.endpoint)
        raise Forbidden(_("此页面未开放"))
    user = current_account()
    if user is not None and user.must_change_password and _needs_new_password(request.endpoint):
        if wants_json():
            raise Forbidden(_("请先设置新密码"))
        return redirect(url_for(SET_PASSWORD_ENDPOINT))
    if policy.allows(user):
        return None
    if user is None:
        if wants_json():
            raise Unauthorized(_("请先登录"))
        return redirect(url_for("auth.login_page", next=request.full_path.rstrip("?")))
    raise Forbidden(_("您的账号没有权限"))


def _needs_new_password(endpoint: str) -> bool:
    """Every page but static files, the API docs and the set-password page itself."""
    blueprint, _, name = endpoint.rpartition(".")
    public_by_nature = name in PUBLIC_ENDPOINTS or blueprint in PUBLIC_BLUEPRINTS
    return not public_by_nature and endpoint not in WHILE_CHANGING_PASSWORD


def install_access(app: Flask, load_user: Callable[[str], User | None]) -> None:
    manager = LoginManager()
    manager.session_protection = "basic"
    manager.user_loader(load_user)
    manager.init_app(app)
    app.before_request(enforce_access)
