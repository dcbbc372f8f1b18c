"""Signing in and out over HTTP: the API, the form, sessions, CSRF and the throttle."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.models import Role, User
from core.security import FAILED_LOGINS_PER_MINUTE
from core.services import set_active
from tests.conftest import TEST_PASSWORD


def _form_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf-token" content="([^"]+)"', page
    )
    assert match, page
    return match.group(1)


def test_api_login_answers_the_user_and_a_csrf_token(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.CADRE, Role.VILLAGER, name="王建国")
    response = client.post(
        "/api/v1/auth/login", json={"phone": user.phone, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"] == {"id": user.id, "name": "王建国", "roles": ["cadre", "villager"]}
    assert body["csrf_token"]
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_api_login_refuses_bad_credentials_with_a_clear_error(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    response = client.post("/api/v1/auth/login", json={"phone": user.phone, "password": "nope"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "bad_credentials"
    assert "密码" in response.get_json()["error"]["message"]


def test_api_login_refuses_bad_bodies_with_422(client: FlaskClient) -> None:
    for body in [
        {},
        {"phone": "13900000001"},
        {"phone": "1", "password": "x", "role": "admin"},
        {"phone": 13900000001, "password": "x"},
        {"phone": "1", "password": "x" * 200},
    ]:
        response = client.post("/api/v1/auth/login", json=body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["code"] == "invalid"
    assert client.post("/api/v1/auth/login", data="not json").status_code in (415, 422)


def test_failed_logins_are_throttled_per_phone(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    for _ in range(FAILED_LOGINS_PER_MINUTE):
        assert (
            client.post(
                "/api/v1/auth/login", json={"phone": user.phone, "password": "wrong-one"}
            ).status_code
            == 401
        )
    response = client.post(
        "/api/v1/auth/login", json={"phone": user.phone, "password": TEST_PASSWORD}
    )
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_attempts"


def test_writes_need_the_csrf_token(
    client: FlaskClient, make_user: Callable[..., User], login: Callable[[User], str]
) -> None:
    token = login(make_user())
    missing = client.post("/api/v1/auth/logout")
    assert missing.status_code == 400
    assert missing.get_json()["error"]["code"] == "csrf"
    assert client.post("/api/v1/auth/logout", headers={"X-CSRFToken": "forged"}).status_code == 400
    assert client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token}).status_code == 204


def test_logout_ends_the_session_even_for_a_copied_cookie(
    app: Flask, make_user: Callable[..., User], login: Callable[[User], str], client: FlaskClient
) -> None:
    user = make_user(Role.DISPATCHER)
    token = login(user)
    stolen = app.test_client()
    stolen.set_cookie("session", client.get_cookie("session").value)  # type: ignore[union-attr]
    assert stolen.get("/").status_code == 200 and user.name in stolen.get("/").get_data(True)
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    assert user.name not in stolen.get("/").get_data(as_text=True)


def test_the_session_changes_at_login(client: FlaskClient, make_user: Callable[..., User]) -> None:
    client.get("/login")
    before = client.get_cookie("session")
    user = make_user()
    client.post("/api/v1/auth/login", json={"phone": user.phone, "password": TEST_PASSWORD})
    after = client.get_cookie("session")
    assert after is not None and (before is None or before.value != after.value)


def test_disabling_an_account_ends_its_sessions(
    client: FlaskClient, db: Session, make_user: Callable[..., User], login: Callable[[User], str]
) -> None:
    user = make_user()
    login(user)
    assert user.name in client.get("/").get_data(as_text=True)
    set_active(db, user=user, active=False)
    db.flush()
    assert user.name not in client.get("/").get_data(as_text=True)


def test_login_form_signs_in_and_out(client: FlaskClient, make_user: Callable[..., User]) -> None:
    user = make_user(Role.VILLAGER, name="李秀英")
    response = client.post(
        "/login",
        data={"phone": user.phone, "password": TEST_PASSWORD, "csrf_token": _form_token(client)},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "李秀英，您好" in response.get_data(as_text=True)
    response = client.post(
        "/logout", data={"csrf_token": _form_token(client, "/")}, follow_redirects=True
    )
    assert "登录村站" in response.get_data(as_text=True)


def test_login_form_says_what_is_wrong(client: FlaskClient, make_user: Callable[..., User]) -> None:
    user = make_user()
    token = _form_token(client)
    wrong = client.post(
        "/login", data={"phone": user.phone, "password": "bad-pass-99", "csrf_token": token}
    )
    assert wrong.status_code == 401
    assert "手机号或密码不对" in wrong.get_data(as_text=True)
    empty = client.post("/login", data={"phone": "12", "password": "", "csrf_token": token})
    assert empty.status_code == 422
    page = empty.get_data(as_text=True)
    assert "请输入 11 位手机号" in page and "请输入密码" in page
    no_token = client.post("/login", data={"phone": user.phone, "password": "x"})
    assert no_token.status_code == 400
    assert "刷新后重试" in no_token.get_data(as_text=True)


def test_login_redirects_only_to_this_site(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    data = {"phone": user.phone, "password": TEST_PASSWORD, "csrf_token": _form_token(client)}
    response = client.post("/login?next=https://evil.example/x", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
