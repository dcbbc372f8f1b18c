"""The app as a whole: home page per role, languages, errors, headers, OpenAPI, health."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.access import public
from core.models import Role, User
from core.settings import ConfigurationError
from shop.app import create_app
from shop.views import ROLE_ACTIONS

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


def test_home_page_speaks_chinese_by_default_and_english_on_request(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "欢迎来到村站" in page
    english = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "Welcome to Cunzhan" in english
    assert "Welcome to Cunzhan" in client.get("/").get_data(as_text=True)  # remembered


def test_home_greets_each_role_with_what_it_can_do(
    client: FlaskClient, make_user: Callable[..., User], login: Callable[[User], str]
) -> None:
    login(make_user(Role.CADRE, Role.VILLAGER, name="赵志强"))
    page = client.get("/").get_data(as_text=True)
    assert "赵志强，您好" in page
    assert "作为村干部，您可以" in page and "作为村民，您可以" in page
    assert "作为代办员" not in page
    # the day's work before one's own shopping
    assert page.index("作为村干部，您可以") < page.index("作为村民，您可以")


def test_admin_sees_the_api_docs_link(
    client: FlaskClient, make_user: Callable[..., User], login: Callable[[User], str]
) -> None:
    login(make_user(Role.ADMIN))
    assert 'href="/api/docs"' in client.get("/").get_data(as_text=True)


def test_security_headers_on_every_response_errors_included(
    app: Flask, client: FlaskClient
) -> None:
    @public
    def explode() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/explode", "explode", explode)
    responses = [
        client.get("/"),
        client.get("/nowhere"),
        client.get("/explode"),
        client.get("/api/v1/nowhere"),
        client.get("/healthz"),
    ]
    for response in responses:
        for header in SECURITY_HEADERS:
            assert header in response.headers, (response.request.path, header)
        csp = response.headers["Content-Security-Policy"]
        assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    crashed = responses[2]
    assert crashed.status_code == 500
    body = crashed.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body
    assert "服务器出错了" in body


def test_api_errors_are_json_and_405_keeps_allow(client: FlaskClient) -> None:
    missing = client.get("/api/v1/nowhere")
    assert missing.status_code == 404
    assert missing.get_json() == {"error": {"code": "not_found", "message": "找不到这个页面"}}
    wrong_method = client.get("/api/v1/auth/login")
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["Allow"]
    assert wrong_method.get_json()["error"]["code"] == "method_not_allowed"


def test_health_check(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {
        "status": "ok",
        "database": "ok",
        "throttle_store": "ok",
    }


def test_openapi_document_describes_the_auth_calls(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    login = spec["paths"]["/api/v1/auth/login"]["post"]
    assert {"200", "401", "422", "429"} <= set(login["responses"])
    assert "/api/v1/auth/logout" in spec["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.get_data(as_text=True).lower()


def test_production_refuses_to_start_with_default_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUNZHAN_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError):
        create_app({"DATABASE_URL": "sqlite://"})


def test_production_sets_secure_cookies_and_hsts(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "CUNZHAN_ENV": "production",
        "SECRET_KEY": "s" * 48,
        "STRIPE_SECRET_KEY": "sk_test_x",
        "STRIPE_WEBHOOK_SECRET": "whsec_x",
        "RATELIMIT_STORAGE_URL": "memory://shared-in-this-test",
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match="RATELIMIT"):
        create_app({"DATABASE_URL": "sqlite://"})
    monkeypatch.setenv("RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/15")
    app = create_app({"DATABASE_URL": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/login")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_every_role_has_its_home_page_actions() -> None:
    """The home page lists each role's actions: a role without an entry was a 500 for
    everyone holding it (the county manager, once)."""
    assert set(ROLE_ACTIONS) == set(Role)
