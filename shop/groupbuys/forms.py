"""Forms of the group-buy pages; the agent types prices in yuan and tiers one per line."""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from core.forms import StrictIntegerField
from core.money import MoneyError, yuan_to_fen
from core.timeutil import LOCAL_ZONE
from shop.errors import ShopError
from shop.groupbuys.services import MAX_QUANTITY, TierSpec

_TIER_LINE = re.compile(r"^\s*([0-9]{1,6})\s*[\s:：]\s*[¥￥]?\s*([0-9]{1,7}(?:\.[0-9]{1,2})?)\s*$")


def parse_tiers(text: str) -> list[TierSpec]:
    """``"1 150\\n50 140\\n200 132"`` (from how many units, price in yuan) → tiers in fen."""
    tiers = []
    for number, line in enumerate(filter(str.strip, text.splitlines()), 1):
        match = _TIER_LINE.match(line)
        if not match:
            raise ShopError("bad_tier_line", line=number)
        tiers.append(TierSpec(int(match.group(1)), yuan_to_fen(match.group(2))))
    return tiers


class PledgeForm(FlaskForm):  # type: ignore[misc]
    quantity = StrictIntegerField(
        _l("数量"),
        validators=[
            DataRequired(_l("请填写数量")),
            NumberRange(1, MAX_QUANTITY, _l("数量须在 1 到 1000 之间")),
        ],
    )
    payment = RadioField(
        _l("付款方式"),
        choices=[("cash", _l("到村站付现金")), ("online", _l("在线支付（先冻结）"))],
        default="cash",
        validators=[DataRequired()],
    )


class ChangePledgeForm(FlaskForm):  # type: ignore[misc]
    quantity = StrictIntegerField(
        _l("新的数量"),
        validators=[
            DataRequired(_l("请填写数量")),
            NumberRange(1, MAX_QUANTITY, _l("数量须在 1 到 1000 之间")),
        ],
    )


class CashPledgeForm(PledgeForm):
    phone = StringField(
        _l("村民手机号"),
        validators=[
            DataRequired(_l("请输入手机号")),
            Regexp(r"^\s*1[3-9]\d{9}\s*$", message=_l("请输入 11 位手机号")),
        ],
    )


class CampaignForm(FlaskForm):  # type: ignore[misc]
    title = StringField(
        _l("团购名称"), validators=[DataRequired(_l("请填写名称")), Length(max=100)]
    )
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])
    unit = SelectField(
        _l("单位"),
        choices=[("袋", _l("袋")), ("箱", _l("箱")), ("公斤", _l("公斤")), ("个", _l("个"))],
    )
    unit_weight_kg = StrictIntegerField(
        _l("每单位重量（公斤）"),
        default=50,
        validators=[
            DataRequired(_l("请填写重量")),
            NumberRange(1, 1000, _l("重量须在 1 到 1000 公斤之间")),
        ],
    )
    sku = StringField(_l("货号"), validators=[DataRequired(_l("请填写货号")), Length(max=64)])
    shop_price = StringField(_l("平时零售价（元）"), validators=[DataRequired(_l("请填写零售价"))])
    tiers = TextAreaField(
        _l("价格档位（每行：起订数量 单价元）"),
        validators=[DataRequired(_l("请填写价格档位"))],
        default="1 150\n50 140\n200 132",
    )
    min_quantity = StrictIntegerField(
        _l("成团数量"), validators=[DataRequired(), NumberRange(1, 100_000)]
    )
    max_quantity = StrictIntegerField(
        _l("最大供应量"), validators=[DataRequired(), NumberRange(1, 100_000)]
    )
    per_household_limit = StrictIntegerField(
        _l("每户限购"), validators=[DataRequired(), NumberRange(1, 1000)]
    )
    deadline = DateTimeLocalField(
        _l("截止时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("请填写截止时间"))]
    )
    delivery = RadioField(
        _l("领取方式"),
        choices=[("pickup", _l("到村站自提")), ("door", _l("送货上门"))],
        default="pickup",
    )

    def validate_shop_price(self, field: StringField) -> None:
        try:
            if yuan_to_fen(field.data or "") <= 0:
                raise ValidationError(_l("价格必须大于 0"))
        except MoneyError as error:
            raise ValidationError(_l("请填写金额，如 150 或 149.50")) from error

    def validate_tiers(self, field: TextAreaField) -> None:
        try:
            parse_tiers(field.data or "")
        except ShopError as error:
            raise ValidationError(error.message) from error

    def deadline_utc(self) -> dt.datetime:
        """The form's local (Asia/Shanghai) deadline as a UTC time."""
        local = self.deadline.data
        assert isinstance(local, dt.datetime), "called after validate(), which requires it"
        return local.replace(tzinfo=LOCAL_ZONE).astimezone(dt.UTC)
