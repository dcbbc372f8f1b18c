"""The seller's listing form and the agent's reject form (Flask-WTF: CSRF checked)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from core.forms import StrictIntegerField
from core.money import MoneyError, yuan_to_fen
from shop.catalog.models import CATEGORY_NAMES, MAX_PHOTOS, UNIT_NAMES


def _price_in_yuan(_form: FlaskForm, field: StringField) -> None:
    try:
        fen = yuan_to_fen(field.data or "")
    except MoneyError as error:
        raise ValidationError(_l("请填写价格（元），如 12.50")) from error
    if fen <= 0:
        raise ValidationError(_l("价格必须大于 0"))


class ListingForm(FlaskForm):  # type: ignore[misc]
    title = StringField(_l("商品名称"), validators=[DataRequired(_l("请填写名称")), Length(max=60)])
    description = TextAreaField(
        _l("介绍（农场的故事、品种、种植方式）"), validators=[Length(max=2000)]
    )
    category = SelectField(
        _l("类别"), choices=[(c.value, name) for c, name in CATEGORY_NAMES.items()]
    )
    unit = SelectField(_l("单位"), choices=[(u.value, name) for u, name in UNIT_NAMES.items()])
    price = StringField(
        _l("单价（元）"), validators=[DataRequired(_l("请填写价格")), _price_in_yuan]
    )
    weight_g = StrictIntegerField(
        _l("每单位重量（克）"),
        default=500,
        validators=[InputRequired(_l("请填写重量")), NumberRange(1, 100_000)],
    )
    ships = BooleanField(_l("可以快递寄到外地"))
    packed_weight_g = StrictIntegerField(
        _l("打包后每件重量（克，含箱子）"),
        validators=[Optional(), NumberRange(1, 30_000)],
    )
    max_journey_days = StrictIntegerField(
        _l("生鲜：路上最多几天（不是生鲜请留空）"),
        validators=[Optional(), NumberRange(1, 30)],
    )
    origin_village = SelectField(_l("产地"), coerce=int)
    stock = StrictIntegerField(
        _l("送到村站的数量"), default=0, validators=[InputRequired(), NumberRange(0, 1000)]
    )
    photos = MultipleFileField(
        _l("照片（最多 %(n)s 张，JPEG/PNG/WebP，每张 5 MB 以内）", n=MAX_PHOTOS)
    )

    @property
    def price_fen(self) -> int:
        return yuan_to_fen(self.price.data or "")


class StockForm(FlaskForm):  # type: ignore[misc]
    quantity = StrictIntegerField(
        _l("增加数量"), validators=[InputRequired(), NumberRange(1, 1000)]
    )


class RejectForm(FlaskForm):  # type: ignore[misc]
    reason = TextAreaField(
        _l("退回原因（农户会看到）"), validators=[DataRequired(_l("请写明原因")), Length(max=300)]
    )
