"""Errors of the payments package: one type, its codes, their HTTP status and message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l

from core.errors import CunzhanError


class PaymentError(CunzhanError):
    """Payments online and in cash, refunds and the cash statement."""

    catalog: ClassVar[Mapping[str, tuple[int, Any]]] = {
        "online_not_configured": (409, _l("未开通在线支付，请到村站付现金")),
        "provider_refused": (409, _l("支付服务暂时无法处理，请稍后再试")),
        "payment_not_found": (404, _l("没有这笔付款")),
        "online_payment_not_found": (404, _l("没有这笔在线付款")),
        "cash_payment_not_found": (404, _l("没有这笔现金付款")),
        "amount_not_whole_fen": (422, _l("金额必须是整数分")),
        "amount_out_of_range": (422, _l("金额不在允许范围内")),
        "already_has_payment": (409, _l("这笔订单已有付款记录")),
        "cash_mismatch": (422, _l("收款金额与应付金额不符")),
        "cannot_capture": (409, _l("付款状态为“%(status)s”，不能扣款")),
        "capture_exceeds_hold": (422, _l("扣款金额超出授权金额")),
        "paid_refund_instead": (409, _l("款项已到账，请改为退款")),
        "not_paid": (409, _l("只有已付款的订单可以退款")),
        "refund_too_large": (422, _l("退款金额不能超过 %(most)s")),
        "bad_day": (422, _l("日期格式应为 2026-11-23")),
        "day_out_of_range": (422, _l("日期须在 2020 年之后、明天之前")),
        "own_station_only": (403, _l("只能查看本站的现金账")),
    }
