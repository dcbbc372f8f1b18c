"""Access is checked in one place: every route declares a policy, the rest is closed."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from core.access import policy_of, roles
from core.models import Role, User


def test_every_route_declares_an_access_policy(app: Flask) -> None:
    with app.test_request_context():
        undeclared = [r.endpoint for r in app.url_map.iter_rules() if policy_of(r.endpoint) is None]
    assert undeclared == []


def test_a_route_without_a_policy_is_closed(app: Flask, client: FlaskClient) -> None:
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    assert client.get("/forgotten").status_code == 403


def test_roles_are_enforced_for_pages_and_api(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], login: Callable[[User], str]
) -> None:
    app.add_url_rule("/agents-only", "agents_only", roles(Role.AGENT)(lambda: "desk"))
    app.add_url_rule("/api/v1/agents-only", "agents_only_api", roles(Role.AGENT)(lambda: "{}"))
    anonymous_page = client.get("/agents-only")
    assert anonymous_page.status_code == 302
    assert anonymous_page.headers["Location"].startswith("/login?next=/agents-only")
    anonymous_api = client.get("/api/v1/agents-only")
    assert anonymous_api.status_code == 401
    assert anonymous_api.get_json()["error"]["code"] == "unauthorized"
    login(make_user(Role.VILLAGER, Role.FARMER))
    assert client.get("/agents-only").status_code == 403
    assert client.get("/api/v1/agents-only").get_json()["error"]["code"] == "forbidden"
    login(make_user(Role.AGENT))
    assert client.get("/agents-only").get_data(as_text=True) == "desk"
