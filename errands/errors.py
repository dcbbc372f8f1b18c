"""Errors of the errands package: one type, its codes, their HTTP status and message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l

from core.errors import CunzhanError


class ErrandError(CunzhanError):
    """Requests (代办事项), grids and their time limits."""

    catalog: ClassVar[Mapping[str, tuple[int, Any]]] = {
        "unknown_category": (422, _l("没有这类事项")),
        "category_not_offered": (422, _l("本站不提供“%(category)s”，请到村站问问")),
        "no_category_offered": (422, _l("服务清单至少要留一类事项")),
        "details_required": (422, _l("请写明要办的事（最多 %(n)d 个字）")),
        "no_household": (422, _l("您的账号没有登记到户，请到村站办理")),
        "household_not_found": (404, _l("本村没有这个手机号或户主姓名的住户")),
        "household_name_shared": (422, _l("本村不止一户的户主叫%(name)s，请填手机号")),
        "bad_care_frequency": (422, _l("走访间隔要在 1 到 %(n)s 天之间")),
        "care_reason_required": (422, _l("请选择走访的原因")),
        "caller_required": (422, _l("电话来的请填写来电人和来电时间")),
        "bad_time": (422, _l("时间的格式不对")),
        "bad_window": (422, _l("上门时间段请填写开始和结束，开始早于结束")),
        "request_not_found": (404, _l("没有这件事项")),
        "not_yours": (403, _l("这件事项不归您办")),
        "no_station": (403, _l("您没有负责的村站")),
        "no_township": (403, _l("您没有负责的乡镇")),
        "member_not_found": (404, _l("本村没有这位网格员")),
        "satisfaction_required": (422, _l("请选择满意程度")),
        "grid_not_found": (404, _l("没有这个网格")),
        "grid_name_required": (422, _l("请填写网格名称（最多 %(n)d 个字）")),
        "grid_name_taken": (409, _l("本村已有这个网格")),
        "bad_month": (422, _l("月份的格式应为 2026-11")),
        "too_many_photos": (422, _l("最多 %(n)d 张照片")),
    }
