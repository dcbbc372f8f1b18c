"""Errors of the ledger package: one type, its codes, their HTTP status and message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l

from core.errors import CunzhanError


class LedgerError(CunzhanError):
    """Journal entries, weekly statements and payouts."""

    catalog: ClassVar[Mapping[str, tuple[int, Any]]] = {
        "insert_only": (409, _l("账目只能新增，不能修改或删除")),
        "unbalanced": (409, _l("账目不平，拒绝记账")),
        "amount_not_positive": (422, _l("金额必须大于零")),
        "week_not_over": (422, _l("这一周还没结束，不能结算")),
        "statement_not_found": (404, _l("找不到这张结算单")),
        "not_station_agent": (404, _l("您不是村站站长")),
        "bad_signature": (422, _l("签名无效，请重签")),
        "signature_required": (422, _l("请卖家在屏幕上签名")),
        "transfer_reference_required": (422, _l("请填写转账单号")),
        "own_payout": (403, _l("不能给自己付款，请本站另一位站长或管理员办理")),
        "already_paid_out": (409, _l("这张结算单已经付过款了")),
        "nothing_available": (409, _l("没有可以提现的金额")),
        "payout_method_required": (422, _l("请选择付款方式")),
        "claim_too_large": (409, _l("理赔金额超过了这笔订单还没退的钱")),
        "bad_month": (422, _l("月份格式应为 2026-11")),
    }
