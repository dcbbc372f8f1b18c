"""Account services: households and villagers registered by the agent, temporary passwords,
resets, staff and cadres↔villages by the admin, disabling, and the all-or-nothing register."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import accounts
from core.accounts import HouseholdInput, RegisterRejected
from core.errors import CoreError
from core.models import Household, Role, User, Village
from core.passwords import verify_password
from core.services import authenticate

HOME = HouseholdInput(
    name="李桂兰", phone="138 0000 1111", lane="东巷 12 号", directions="祠堂往东"
)


def test_the_agent_registers_a_household_and_its_villager(
    db: Session, make_user: Callable[..., User]
) -> None:
    agent = make_user(Role.AGENT)
    made = accounts.register_household(db, agent=agent, data=HOME)
    user = made.user
    assert user.phone == "13800001111" and user.must_change_password
    assert user.roles == {Role.VILLAGER}
    assert user.household is not None and user.household.address == "东巷 12 号"
    assert user.household.directions == "祠堂往东"
    assert user.household.village_id == min(agent.villages_for(Role.AGENT))
    assert authenticate(db, phone=user.phone, password=made.password) is user
    with pytest.raises(CoreError, match=CoreError("phone_has_account").message):
        accounts.register_household(db, agent=agent, data=HOME)


def test_a_temporary_password_is_replaced_and_ends_the_other_sessions(
    db: Session, make_user: Callable[..., User]
) -> None:
    made = accounts.register_household(db, agent=make_user(Role.AGENT), data=HOME)
    epoch = made.user.session_epoch
    with pytest.raises(CoreError, match=CoreError("passwords_differ").message):
        accounts.set_own_password(db, user=made.user, new_password="a-new-pass-1", repeated="x")
    accounts.set_own_password(
        db, user=made.user, new_password="Chuntian-2026", repeated="Chuntian-2026"
    )
    assert not made.user.must_change_password and made.user.session_epoch == epoch + 1
    assert verify_password(made.user.password_hash, "Chuntian-2026")


def test_an_agent_resets_only_the_villagers_of_their_station(
    db: Session, make_user: Callable[..., User], make_village: Callable[..., Village]
) -> None:
    agent = make_user(Role.AGENT)
    station = db.get_one(Village, min(agent.villages_for(Role.AGENT)))
    villager = make_user(Role.VILLAGER, village=station)
    epoch = villager.session_epoch
    made = accounts.reset_password(db, actor=agent, user=villager)
    assert villager.must_change_password and villager.session_epoch == epoch + 1
    assert verify_password(villager.password_hash, made.password)
    with pytest.raises(CoreError, match=CoreError("may_not_reset_password").message):
        accounts.reset_password(db, actor=agent, user=make_user(Role.VILLAGER))  # another village
    with pytest.raises(CoreError, match=CoreError("may_not_reset_password").message):
        accounts.reset_password(db, actor=agent, user=make_user(Role.CADRE, village=station))
    admin = make_user(Role.ADMIN)
    accounts.reset_password(db, actor=admin, user=make_user(Role.CADRE))


def test_the_admin_adds_staff_and_assigns_a_cadres_villages(
    db: Session, make_village: Callable[..., Village]
) -> None:
    east, west, north = make_village(), make_village(), make_village()
    made = accounts.add_staff(
        db, name="周干部", phone="13500000001", role=Role.CADRE, village_ids=[east.id, west.id]
    )
    cadre = made.user
    assert cadre.must_change_password and cadre.villages_for(Role.CADRE) == {east.id, west.id}
    accounts.assign_cadre(db, cadre=cadre, village_ids=[west.id, north.id])
    assert cadre.villages_for(Role.CADRE) == {west.id, north.id}
    agent = accounts.add_staff(
        db, name="吴代办", phone="13500000004", role=Role.AGENT, village_ids=[north.id]
    ).user
    assert agent.roles == {Role.AGENT} and agent.villages_for(Role.AGENT) == {north.id}
    assert accounts.agent_station(db, agent) is north
    with pytest.raises(CoreError, match=CoreError("agent_one_station").message):
        accounts.add_staff(
            db, name="两站", phone="13500000002", role=Role.AGENT, village_ids=[east.id, west.id]
        )
    with pytest.raises(CoreError, match=CoreError("staff_role_only").message):
        accounts.add_staff(
            db, name="调度", phone="13500000003", role=Role.ADMIN, village_ids=[east.id]
        )


def test_disabling_an_account_ends_its_sessions_but_not_ones_own(
    db: Session, make_user: Callable[..., User]
) -> None:
    admin, villager = make_user(Role.ADMIN), make_user()
    epoch = villager.session_epoch
    accounts.disable_account(db, actor=admin, user=villager)
    assert not villager.is_active and villager.session_epoch == epoch + 1
    with pytest.raises(CoreError, match=CoreError("cannot_disable_self").message):
        accounts.disable_account(db, actor=admin, user=admin)


REGISTER = """姓名,手机号,村,巷/组,怎么找到家
张大山,13811110001,{v},一组 3 号,村口老槐树旁
王小花,13811110002,{v},二组 8 号,
"""


def test_a_register_with_chinese_headers_imports_every_household(
    db: Session, make_village: Callable[..., Village]
) -> None:
    village = make_village()
    made = accounts.import_register(db, text=REGISTER.format(v=village.name), villages=[village])
    assert [m.user.name for m in made] == ["张大山", "王小花"]
    assert all(m.user.must_change_password and m.user.household for m in made)
    assert made[0].user.household and made[0].user.household.directions == "村口老槐树旁"


def test_a_register_may_leave_the_phone_of_several_households_empty(
    db: Session, make_village: Callable[..., Village]
) -> None:
    village = make_village()
    text = f"姓名,手机号,村,巷/组\n王奶奶,,{village.name},一组\n赵爷爷, ,{village.name},二组\n"
    made = accounts.import_register(db, text=text, villages=[village])
    assert [(m.user.name, m.user.phone) for m in made] == [("王奶奶", None), ("赵爷爷", None)]


def test_a_register_with_bad_lines_imports_nothing_and_names_each_line(
    db: Session, make_village: Callable[..., Village], make_user: Callable[..., User]
) -> None:
    village = make_village()
    taken = make_user()
    text = (
        "name,phone,village,lane,directions\n"
        f"张大山,13811110001,{village.name},一组 3 号,\n"
        f",13811110002,{village.name},二组,\n"  # line 3: no name
        f"李四,12345,{village.name},三组,\n"  # line 4: bad phone
        f"王五,13811110001,{village.name},四组,\n"  # line 5: the same phone twice
        f"赵六,13811110006,别的村,五组,\n"  # line 6: not a village the importer may fill
        f"钱七,{taken.phone},{village.name},六组,\n"  # line 7: phone already has an account
    )
    before = db.scalar(select(func.count(Household.id)))
    with pytest.raises(RegisterRejected) as rejected:
        accounts.import_register(db, text=text, villages=[village])
    assert [e.line for e in rejected.value.lines] == [3, 4, 5, 6, 7]
    assert "别的村" in rejected.value.lines[3].message
    assert db.scalar(select(func.count(Household.id))) == before


def test_a_register_without_the_needed_columns_is_refused_at_line_one(
    db: Session, make_village: Callable[..., Village]
) -> None:
    with pytest.raises(RegisterRejected) as rejected:
        accounts.import_register(
            db, text="名字,电话\n张三,13800000000\n", villages=[make_village()]
        )
    [error] = rejected.value.lines
    assert error.line == 1 and "姓名" in error.message
