"""Account pages over HTTP: a temporary password sends its user to set a new one before
anything else; the agent's register page; the admin's pages; disabling ends a session."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Role, User, Village
from tests.conftest import TEST_PASSWORD


def _temporary(page: str) -> str:
    match = re.search(r'class="temp-password">([a-z0-9]+)<', page)
    assert match, page
    return match.group(1)


def test_a_temporary_password_must_be_replaced_before_anything_else(
    app: Flask,
    client: FlaskClient,
    db: Session,
    make_user: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    token = login(make_user(Role.AGENT, name="代办员"))
    made = client.post(
        "/accounts/households",
        data={"csrf_token": token, "name": "李桂兰", "phone": "13800001111", "lane": "东巷 12 号"},
    )
    assert made.status_code == 201
    password = _temporary(made.get_data(as_text=True))
    other = app.test_client()
    signed = other.post("/api/v1/auth/login", json={"phone": "13800001111", "password": password})
    assert signed.status_code == 200
    new_token = signed.get_json()["csrf_token"]
    home = other.get("/")
    assert home.status_code == 302 and home.headers["Location"] == "/password"
    assert other.get("/parcels").headers["Location"] == "/password"
    assert other.get("/api/v1/parcels/mine").status_code == 403
    assert "您用的是临时密码" in other.get("/password").get_data(as_text=True)
    refused = other.post(
        "/password",
        data={"csrf_token": new_token, "new_password": "Chuntian-2026", "repeated": "Chuntian"},
    )
    assert refused.status_code == 422 and "两次输入的新密码不一样" in refused.get_data(as_text=True)
    done = other.post(
        "/password",
        data={
            "csrf_token": new_token,
            "new_password": "Chuntian-2026",
            "repeated": "Chuntian-2026",
        },
    )
    assert done.status_code == 302
    assert other.get("/").status_code == 200  # signed in again, with the new password in force
    user = db.scalars(select(User).where(User.phone == "13800001111")).one()
    db.refresh(user)
    assert not user.must_change_password


def test_an_old_villager_without_a_phone_is_registered_and_cannot_sign_in(
    app: Flask,
    client: FlaskClient,
    db: Session,
    make_user: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    """Two households without a phone: each gets an account the agent orders for at the
    counter, with no temporary password handed out (nobody can sign in to it)."""
    token = login(make_user(Role.AGENT, name="代办员"))
    for name in ("王奶奶", "赵爷爷"):
        made = client.post(
            "/accounts/households",
            data={"csrf_token": token, "name": name, "phone": "", "lane": "西巷 3 号"},
        )
        assert made.status_code == 201, made.get_data(as_text=True)
        body = made.get_data(as_text=True)
        assert "没有手机号不能登录" in body and "temp-password" not in body and "None" not in body
        assert "临时密码交给本人" not in body  # there is none to hand over
        # what comes next at the counter: order for them, or register the next household
        made_id = db.scalars(select(User.id).where(User.name == name)).one()
        assert f'href="/station/assisted?villager={made_id}">为TA代客下单' in body
        assert 'href="/accounts/households">再登记一户' in body
    users = db.scalars(select(User).where(User.name.in_(("王奶奶", "赵爷爷")))).all()
    assert len(users) == 2 and all(u.phone is None and u.household for u in users)
    assert all(u.household is not None and u.household.phone == "" for u in users)
    assert app.test_client().post(
        "/api/v1/auth/login", json={"phone": "", "password": "anything-2026"}
    ).status_code in (401, 422)
    found = client.get("/station/assisted?q=王奶奶").get_data(as_text=True)
    assert "王奶奶 没有手机号" in found


def test_a_register_with_bad_lines_shows_each_line(
    client: FlaskClient, make_user: Callable[..., User], login: Callable[[User], str]
) -> None:
    from io import BytesIO

    agent = make_user(Role.AGENT)
    token = login(agent)
    text = "姓名,手机号,村,巷/组,怎么找到家\n张三,13811110001,远方村,一组,\n".encode()
    page = client.post(
        "/accounts/households/import",
        data={"csrf_token": token, "register": (BytesIO(text), "register.csv")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert "一户也没有导入" in body and "第 2 行" in body and "远方村" in body


def test_the_admin_disables_an_account_and_its_open_session_ends(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    villager = make_user(name="被停用的人")
    theirs = app.test_client()
    signed = theirs.post(
        "/api/v1/auth/login", json={"phone": villager.phone, "password": TEST_PASSWORD}
    )
    assert signed.status_code == 200
    assert theirs.get("/parcels").status_code == 200
    token = login(make_user(Role.ADMIN))
    home = client.get("/").get_data(as_text=True)
    assert "人员、村与干部" in home
    found = client.get(f"/admin?phone={villager.phone}").get_data(as_text=True)
    assert "被停用的人" in found
    assert (
        client.post(
            f"/admin/users/{villager.id}/active", data={"csrf_token": token, "active": "0"}
        ).status_code
        == 302
    )
    assert theirs.get("/parcels").status_code == 302  # back to the login page


def test_the_admin_adds_a_cadre_and_assigns_villages(
    client: FlaskClient,
    make_user: Callable[..., User],
    make_village: Callable[..., Village],
    login: Callable[[User], str],
) -> None:
    east, west = make_village(), make_village()
    token = login(make_user(Role.ADMIN))
    made = client.post(
        "/admin/staff",
        data={
            "csrf_token": token,
            "role": "cadre",
            "name": "周干部",
            "phone": "13500000001",
            "village_id": [str(east.id)],
        },
    )
    assert made.status_code == 201 and "周干部" in made.get_data(as_text=True)
    page = client.get("/admin").get_data(as_text=True)
    cadre_id = int(re.search(r'id="cadre-(\d+)" data-cadre="周干部"', page).group(1))  # type: ignore[union-attr]
    client.post(
        f"/admin/cadres/{cadre_id}/villages",
        data={"csrf_token": token, "village_id": [str(east.id), str(west.id)]},
    )
    page = client.get("/admin").get_data(as_text=True)
    assert page.count("周干部") >= 3  # the cadre's card and both villages' lines


def test_the_admin_names_a_townships_road_map(
    client: FlaskClient,
    db: Session,
    make_user: Callable[..., User],
    make_village: Callable[..., Village],
    login: Callable[[User], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    township = make_village().township
    token = login(make_user(Role.ADMIN))
    monkeypatch.setenv("ROADS_DIR", str(tmp_path / "no-such-folder"))
    assert "服务器没有道路地图，路线按直线距离估算。" in client.get("/admin").get_data(as_text=True)
    (tmp_path / "xinglong.osm.pbf").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not a map")
    monkeypatch.setenv("ROADS_DIR", str(tmp_path))
    page = client.get("/admin").get_data(as_text=True)
    assert 'value="xinglong.osm.pbf"' in page
    assert "notes.txt" not in page
    url = f"/admin/townships/{township.id}/roads"
    saved = client.post(url, data={"csrf_token": token, "osm_extract": "xinglong.osm.pbf"})
    assert saved.status_code == 302
    db.refresh(township)
    assert township.osm_extract == "xinglong.osm.pbf"
    for elsewhere in ("../secret.osm.pbf", "notes.txt", "missing.osm.pbf"):
        refused = client.post(
            url, data={"csrf_token": token, "osm_extract": elsewhere}, follow_redirects=True
        )
        assert f"道路地图目录里没有这个文件：{elsewhere}" in refused.get_data(as_text=True)
    db.refresh(township)
    assert township.osm_extract == "xinglong.osm.pbf"
    client.post(url, data={"csrf_token": token, "osm_extract": ""})
    db.refresh(township)
    assert township.osm_extract == ""
