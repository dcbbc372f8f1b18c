"""HTML forms of core (WTForms through Flask-WTF, which also checks the CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp


class LoginForm(FlaskForm):  # type: ignore[misc]
    phone = StringField(
        _l("手机号"),
        validators=[
            DataRequired(_l("请输入手机号")),
            Regexp(r"^\s*(\+86)?\s*1[3-9]\d(\s?\d){8}\s*$", message=_l("请输入 11 位手机号")),
        ],
    )
    password = PasswordField(
        _l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=128)]
    )
