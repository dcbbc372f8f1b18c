"""Account services: creating, authenticating, ending sessions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from core.errors import CoreError
from core.models import Role, User
from core.services import authenticate, change_password, create_user, end_sessions, set_active
from tests.conftest import TEST_PASSWORD, phone_of


def test_create_user_checks_the_password(db: Session) -> None:
    with pytest.raises(CoreError) as refused:
        create_user(db, phone="13800000001", name="张三", password="12345678")
    assert refused.value.code == "password_too_common"
    user = create_user(db, phone="138 0000 0001", name=" 张三 ", password="稻花香里说丰年一片")
    assert (user.phone, user.name) == ("13800000001", "张三")


def test_phones_are_unique(db: Session, make_user: Callable[..., User]) -> None:
    user = make_user()
    with pytest.raises(CoreError) as refused:
        create_user(db, phone=user.phone, name="李四", password="稻花香里说丰年一片")
    assert (refused.value.code, refused.value.status) == ("phone_taken", 409)


def test_authenticate(db: Session, make_user: Callable[..., User]) -> None:
    user = make_user(Role.FARMER, Role.VILLAGER)
    assert authenticate(db, phone=phone_of(user), password=TEST_PASSWORD) is user
    assert user.roles == {Role.FARMER, Role.VILLAGER}
    for phone, password in [
        (phone_of(user), "wrong-pass-1"),
        ("13999999999", TEST_PASSWORD),
        ("nonsense", TEST_PASSWORD),
    ]:
        with pytest.raises(CoreError, match="手机号或密码不对"):
            authenticate(db, phone=phone, password=password)


def test_disabled_accounts_cannot_sign_in(db: Session, make_user: Callable[..., User]) -> None:
    user = make_user()
    set_active(db, user=user, active=False)
    assert user.session_epoch == 1
    with pytest.raises(CoreError, match="手机号或密码不对"):
        authenticate(db, phone=phone_of(user), password=TEST_PASSWORD)


def test_ending_sessions_and_changing_password_bump_the_epoch(
    db: Session, make_user: Callable[..., User]
) -> None:
    user = make_user()
    end_sessions(db, user=user)
    change_password(db, user=user, new_password="荷塘月色2026")
    assert user.session_epoch == 2
    assert authenticate(db, phone=phone_of(user), password="荷塘月色2026") is user


def test_roles_are_scoped_to_villages(make_user: Callable[..., User], make_village) -> None:  # type: ignore[no-untyped-def]
    village = make_village()
    agent = make_user(Role.AGENT, village=village)
    assert agent.villages_for(Role.AGENT) == {village.id}
    assert agent.villages_for(Role.CADRE) == frozenset()
