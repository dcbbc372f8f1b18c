"""When the database cannot be reached: a 503 with Retry-After, and one log line per outage.

A database that refuses connections, stops answering (see ``core.db.DeadlineConnection``)
or runs out of pooled connections raises one of ``UNREACHABLE``. Every request then answers
503 with ``Retry-After`` and a short message, instead of a 500 or a connection closed by
gunicorn. The first failure of an outage is logged at ERROR in one line, without a
traceback; the requests that fail after it only count; the first connection that works
again logs the end of the outage with that count.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Flask, Response
from flask_babel import lazy_gettext as _l
from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.error_pages import error_response, handle_unexpected

log = logging.getLogger("cunzhan.database")
RETRY_AFTER_SECONDS = 5
UNREACHABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeout)
MESSAGE = _l("数据库暂时连不上，请稍等几秒再试")


class OutageLog:
    """Logs the start and the end of an outage, once each, whatever the number of requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.started: float | None = None
        self.failures = 0

    def failed(self, error: BaseException) -> None:
        with self._lock:
            first = self.started is None
            if first:
                self.started = time.monotonic()
            self.failures += 1
        if first:
            log.error("DATABASE UNREACHABLE, answering 503 until it returns: %s", _one_line(error))

    def reached(self) -> None:
        if self.started is None:
            return
        with self._lock:
            started, failures = self.started, self.failures
            self.started, self.failures = None, 0
        if started is not None:
            log.warning(
                "database reachable again after %.1f s (%d requests answered 503)",
                time.monotonic() - started,
                failures,
            )


def _one_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()
    return f"{type(original).__name__}: {text[0] if text else ''}"


def is_unreachable(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, UNREACHABLE)


def install_database_faults(app: Flask, engine: Engine) -> OutageLog:
    """Answer 503 while the database is unreachable; log the outage once. Other database
    errors (a broken constraint...) stay what they were: a bug, logged, a 500."""
    outage = OutageLog()

    @event.listens_for(engine, "checkout")
    def _checked_out(*_args: Any) -> None:  # after the pre-ping: the database answers
        outage.reached()

    def handle(error: Exception) -> tuple[Response | str, int, Any]:
        if not is_unreachable(error):
            return handle_unexpected(error)
        outage.failed(error)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return error_response(503, "database_unavailable", str(MESSAGE), headers=headers)

    app.register_error_handler(DBAPIError, handle)
    app.register_error_handler(PoolTimeout, handle)
    return outage
