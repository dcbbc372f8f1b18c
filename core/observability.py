"""Request ids and structured logs.

Every request has an id: the caller's ``X-Request-ID`` when it is a plain token (a proxy or
load balancer in front sets one), else a new one. It is echoed in the response's
``X-Request-ID`` and carried by every log record made while the request runs, so that one
request's lines can be found across nginx, gunicorn and the app. Log lines are JSON, one a
line: time, level, logger, message, request id (``-`` outside a request).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
#: What a caller's id may be: short and plain, so that it cannot forge log lines.
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{1,64}")
_HANDLER_NAME = "cunzhan-json"
#: Terminal colour codes (werkzeug colours its request lines): noise in a JSON log.
_ANSI_ESCAPES = re.compile(r"\x1b\[[0-9;]*m")
_base_factory = logging.getLogRecordFactory()


def current_request_id() -> str:
    if has_request_context():
        found: str | None = g.get("request_id")
        if found:
            return found
    return "-"


def _record_with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    record.request_id = current_request_id()
    return record


class JsonFormatter(logging.Formatter):
    """One JSON object a line; an exception's trace goes in ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": _ANSI_ESCAPES.sub("", record.getMessage()),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def _take_request_id() -> None:
    offered = request.headers.get(HEADER, "")
    g.request_id = offered if _ACCEPTED.fullmatch(offered) else uuid.uuid4().hex


def _echo_request_id(response: Response) -> Response:
    response.headers[HEADER] = current_request_id()
    return response


def install_request_ids(app: Flask) -> None:
    """Give each request its id, and every log line of the process JSON with that id."""
    app.before_request(_take_request_id)
    app.after_request(_echo_request_id)
    logging.setLogRecordFactory(_record_with_request_id)
    root = logging.getLogger()
    if not any(handler.name == _HANDLER_NAME for handler in root.handlers):
        handler = logging.StreamHandler()
        handler.name = _HANDLER_NAME
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    # Flask's own handler would print each app.logger line a second time, unstructured.
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
