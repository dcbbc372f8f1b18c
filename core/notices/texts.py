"""The message of each kind of notice: one gettext template, filled with the notice's params.

The same text is shown in the list (in the reader's language) and sent as the SMS (always
in Chinese). Alibaba Cloud SMS sends its own approved template per kind instead, filled with
the same params (``ALIYUN_SMS_TEMPLATE_CODES``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from core.notices.models import NoticeKind

TEXTS = {
    NoticeKind.PARCEL_ON_SHELF: _l(
        "您的包裹已到%(station)s，货架 %(shelf)s，取件码 %(code)s，请凭取件码自取。"
    ),
    NoticeKind.DELIVERY_TODAY: _l("村干部今天送货上门，预计 %(eta)s 到：%(goods)s。请留意电话。"),
    NoticeKind.ORDER_PACKED: _l("您的订单已打包：%(goods)s。"),
    NoticeKind.ORDER_READY: _l("您的订单已到%(station)s，可以来取了：%(goods)s。"),
    NoticeKind.GROUPBUY_TIER: _l("团购「%(title)s」人数又多了，价格降到 %(price)s。"),
    NoticeKind.GROUPBUY_REACHED: _l("团购「%(title)s」已达到成团数量，截止后按最终档位价结算。"),
    NoticeKind.GROUPBUY_SUCCEEDED: _l(
        "团购「%(title)s」成团了！成团价 %(price)s，您家应付 %(amount)s。"
    ),
    NoticeKind.GROUPBUY_FAILED: _l("团购「%(title)s」未达到成团数量，冻结的款项已释放。"),
    NoticeKind.GROUPBUY_CLOSING_SOON: _l(
        "团购「%(title)s」将于 %(deadline)s 截止，还可以改认购数量。"
    ),
    NoticeKind.LISTING_APPROVED: _l("您的商品「%(title)s」审核通过，已经上架。"),
    NoticeKind.LISTING_RETURNED: _l("您的商品「%(title)s」被退回：%(reason)s"),
    NoticeKind.ERRAND_DUE_SOON: _l(
        "事项 %(id)s号（%(category)s，%(household)s）将于 %(due)s 到期，请抓紧办理。"
    ),
    NoticeKind.ERRAND_OVERDUE: _l(
        "督办：%(village)s事项 %(id)s号（%(category)s）已超过办理时限，经办人 %(assignee)s。"
    ),
    NoticeKind.ERRAND_DONE: _l(
        "您的事项 %(id)s号（%(category)s）已办结，请在村站页面评价是否满意。"
    ),
    NoticeKind.SHIP_OVERDUE_BUYER: _l(
        "卖家没能按时把货送到村站，订单已取消，货款和运费 %(amount)s 原路退回：%(goods)s。"
    ),
    NoticeKind.SHIP_OVERDUE_SELLER: _l(
        "快递订单的货没有在 %(deadline)s 前送到村站，订单已自动取消并退款：%(goods)s。"
    ),
}


def render(kind: NoticeKind, params: Mapping[str, Any]) -> str:
    """The message in the current language."""
    return str(TEXTS[kind]) % dict(params)


def render_chinese(kind: NoticeKind, params: Mapping[str, Any]) -> str:
    """The message as an SMS carries it: in Chinese whatever the request's language."""
    with force_locale("zh"):
        return render(kind, params)
