"""Every error becomes a clear answer: JSON ``{"error": {code, message}}`` under /api/,
a friendly page elsewhere. No traceback ever reaches a user."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from core.access import wants_json
from core.errors import CunzhanError

_MESSAGES = {
    400: _l("请求有误"),
    401: _l("请先登录"),
    403: _l("您的账号没有权限"),
    404: _l("找不到这个页面"),
    405: _l("不支持这个操作"),
    409: _l("操作与当前状态冲突，请刷新后再试"),
    413: _l("文件太大"),
    415: _l("不支持这种内容格式"),
    422: _l("填写的内容有误"),
    429: _l("操作太频繁，请稍后再试"),
    500: _l("服务器出错了，请稍后再试"),
}


def _http_code_name(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "too_large",
        415: "unsupported_media_type",
        422: "invalid",
        429: "too_many_requests",
    }.get(status, "error")


def error_response(
    status: int, code: str, message: str, *, fields: Any = None, headers: Any = None
) -> tuple[Response | str, int, Any]:
    if wants_json():
        body: dict[str, Any] = {"code": code, "message": message}
        if fields:
            body["fields"] = fields
        return jsonify(error=body), status, headers or {}
    page = render_template("core/error.html", status=status, message=message, fields=fields)
    return page, status, headers or {}


def _described_by_us(error: HTTPException) -> bool:
    """Our own aborts carry a translated description; werkzeug's stock English ones do not."""
    return bool(error.description) and error.description != type(error).description


def handle_http_exception(error: HTTPException) -> tuple[Response | str, int, Any]:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    fields = data.get("messages")  # webargs/flask-smorest validation details
    message = str(_MESSAGES.get(status, error.name))
    if _described_by_us(error) and status not in (404, 405, 500) and not fields:
        message = str(error.description)
    # Keep Allow on 405 and Retry-After on 429 (flask-smorest's own handler drops them).
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return error_response(status, _http_code_name(status), message, fields=fields, headers=headers)


def handle_csrf_error(_error: CSRFError) -> tuple[Response | str, int, Any]:
    return error_response(400, "csrf", _("页面已过期或缺少安全令牌，请刷新后重试"))


def handle_domain_error(error: CunzhanError) -> tuple[Response | str, int, Any]:
    return error_response(error.status, error.code, error.message)


def handle_unexpected(error: Exception) -> tuple[Response | str, int, Any]:
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    current_app.logger.exception("unhandled error", exc_info=error)
    return handle_http_exception(InternalServerError())


def install_error_handlers(app: Flask) -> None:
    """Register last, so these win over flask-smorest's default handler."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(CunzhanError, handle_domain_error)
    app.register_error_handler(Exception, handle_unexpected)
