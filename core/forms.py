"""HTML forms of core (WTForms through Flask-WTF, which also checks the CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from core.errors import CoreError
from core.parse import parse_int


class StrictIntegerField(IntegerField):  # type: ignore[misc]
    """An integer field read by ``core.parse.parse_int``: ASCII digits within the INTEGER range
    only ("٣", "1_000" and 20-digit numbers are refused as invalid, not converted)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            try:
                parse_int(valuelist[0])
            except CoreError as error:
                raise ValueError(_l("请填写整数")) from error
        super().process_formdata(valuelist)


def _phone_field() -> StringField:
    return StringField(
        _l("手机号"),
        validators=[
            DataRequired(_l("请输入手机号")),
            Regexp(r"^\s*(\+86)?\s*1[3-9]\d(\s?\d){8}\s*$", message=_l("请输入 11 位手机号")),
        ],
    )


class SignupForm(FlaskForm):  # type: ignore[misc]
    """A buyer's own account (顾客): their name, phone and a password they choose."""

    name = StringField(
        _l("怎么称呼您"), validators=[DataRequired(_l("请填写姓名")), Length(max=60)]
    )
    phone = _phone_field()
    password = PasswordField(
        _l("设置密码"), validators=[DataRequired(_l("请设置密码")), Length(max=128)]
    )


class LoginForm(FlaskForm):  # type: ignore[misc]
    phone = _phone_field()
    password = PasswordField(
        _l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=128)]
    )
