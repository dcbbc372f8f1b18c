"""Errors raised by services. Views and the API turn them into 4xx answers with the message.

Each package has **one** error type with stable codes, declared once with their HTTP status and
a translated message (gettext, rendered in the caller's language when it is shown)::

    from flask_babel import lazy_gettext as _l

    class ShopError(CunzhanError):
        catalog = {
            "out_of_stock": (409, _l("只剩 %(left)s 件了")),
            "campaign_closed": (409, _l("团购已截止")),
        }

    raise ShopError("out_of_stock", left=2)

``code`` is stable for API clients and tests; ``message`` is for people and never carries an
English tail, an enum value or an internal reference. Params may be lazy strings (a status's
label): they are formatted, and so translated, when the message is read.

There are no generic kinds (``Conflict``, ``NotFound``...) taking a ready message:
``tests/core/test_error_codes.py`` refuses them, so every new error gets a stable code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l


class CunzhanError(Exception):
    """Base of every domain error: ``code`` is stable for API clients, the message is for people."""

    code = "error"
    status = 400
    catalog: ClassVar[Mapping[str, tuple[int, Any]]] = {}

    def __init__(self, code_or_message: str, **params: object) -> None:
        super().__init__(code_or_message)
        self.params = params
        declared = self.catalog.get(code_or_message)
        if declared is not None:
            self.code = code_or_message
            self.status, self._template = declared
        elif self.catalog:
            raise KeyError(f"{type(self).__name__} has no error code {code_or_message!r}")
        else:
            self._template = code_or_message

    @property
    def message(self) -> str:
        """The message in the current language (lazy strings translate when rendered)."""
        text = str(self._template)
        return text % self.params if self.params else text

    def __str__(self) -> str:
        return self.message


class CoreError(CunzhanError):
    """Errors of accounts, sign-in and the state machines."""

    catalog: ClassVar[Mapping[str, tuple[int, Any]]] = {
        "invalid_phone": (422, _l("请输入 11 位手机号")),
        "name_required": (422, _l("请填写姓名")),
        "nul_in_input": (422, _l("输入里有无法识别的字符，请删掉后重试")),
        "phone_taken": (409, _l("该手机号已注册")),
        "password_required": (422, _l("请设置密码")),
        "password_too_short": (422, _l("密码至少 %(length)s 位")),
        "password_too_long": (422, _l("密码最多 %(length)s 位")),
        "password_too_common": (422, _l("密码太常见，请换一个")),
        "bad_credentials": (401, _l("手机号或密码不对")),
        "too_many_attempts": (429, _l("登录失败次数太多，请一分钟后再试")),
        # accounts and the household register
        "name_too_long": (422, _l("请填写姓名（最多 %(n)d 个字）")),
        "lane_too_long": (422, _l("请填写巷/组（最多 %(n)d 个字）")),
        "directions_too_long": (422, _l("“怎么找到家”最多 %(n)d 个字")),
        "no_station": (403, _l("您没有负责的村站")),
        "phone_has_account": (409, _l("这个手机号已经有账号了")),
        "no_account_for_phone": (404, _l("没有这个手机号的账号")),
        "may_not_reset_password": (403, _l("您不能重置这个账号的密码")),
        "passwords_differ": (422, _l("两次输入的新密码不一样")),
        "staff_role_only": (422, _l("只能添加代办员或村干部")),
        "agent_one_station": (422, _l("代办员只负责一个村站")),
        "choose_a_village": (422, _l("请至少选一个村")),
        "no_such_village": (404, _l("没有这个村")),
        "no_such_township": (404, _l("没有这个乡镇")),
        "no_such_road_extract": (422, _l("道路地图目录里没有这个文件：%(name)s")),
        "not_a_cadre": (422, _l("这个账号不是村干部")),
        "cannot_disable_self": (409, _l("不能停用自己的账号")),
        "cannot_import_to_village": (422, _l("不能导入到这个村：%(name)s")),
        "village_required": (422, _l("请选择村")),
        "staff_role_required": (422, _l("请选择代办员或村干部")),
        "no_such_account": (404, _l("没有这个账号")),
        "register_rejected": (422, _l("有 %(n)d 行有误，一户也没有导入")),
        "not_a_whole_number": (422, _l("请填写 %(low)s 到 %(high)s 之间的整数")),
        # photos (listings, proof of delivery)
        "photo_too_large": (413, _l("照片不能超过 5 MB")),
        "photo_format": (422, _l("只接受 JPEG、PNG 或 WebP 照片")),
        "photo_too_many_pixels": (413, _l("照片像素太多，请缩小后再传")),
        "photo_unreadable": (422, _l("这不是一张可用的照片")),
        "idempotency_key_reused": (409, _l("这个请求编号已用于另一个请求，请刷新页面后重试")),
        "bad_idempotency_key": (422, _l("请求编号的格式不对")),
        "invalid_transition": (409, _l("%(subject)s现在是“%(current)s”，不能改为“%(target)s”")),
    }
