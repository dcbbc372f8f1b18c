"""Sending the SMS outbox: after the notifying transaction commits, on Celery with retries.

``notify`` leaves the new outbox ids in ``session.info``; when that session commits, each id
goes to the ``notices.send_sms`` task (inline without a broker). A failed attempt is retried
by Celery with a doubling delay; the beat task ``notices.send_due`` picks up anything a lost
dispatch or a dead worker left behind. Each attempt first claims its row with a conditional
UPDATE, so two workers never send the same message.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import Task
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.flask_db import database
from core.jobs import celery_app
from core.notices import services
from core.notices.sms import SmsError, SmsSender, current_sender
from core.settings import Settings
from core.timeutil import utcnow

log = logging.getLogger("cunzhan.sms")
SEND_DUE_EVERY_SECONDS = 60


def send_one(
    sessions: sessionmaker[Session],
    sms_id: int,
    *,
    sender: SmsSender,
    daily_cap: int,
    now: dt.datetime | None = None,
) -> dt.timedelta | None:
    """One attempt at one message; answers the delay before a retry, or None (done)."""
    now = now or utcnow()
    with transaction(sessions) as session:
        job = services.claim_sms(session, sms_id=sms_id, now=now, daily_cap=daily_cap)
    if job is None:
        return None
    try:
        provider_id = sender.send(job)
    except SmsError as error:
        log.warning("SMS %s failed: %s", sms_id, error)
        with transaction(sessions) as session:
            return services.record_failure(session, sms_id=sms_id, error=str(error), now=now)
    with transaction(sessions) as session:
        services.record_sent(session, sms_id=sms_id, provider_id=provider_id)
    return None


def _daily_cap() -> int:
    settings: Settings = current_app.config["CUNZHAN_SETTINGS"]
    return settings.sms_daily_cap


@celery_app.task(name="notices.send_sms", bind=True, max_retries=services.MAX_ATTEMPTS)
def send_sms(self: Task, sms_id: int) -> None:
    retry_in = send_one(
        database().write_sessions, sms_id, sender=current_sender(), daily_cap=_daily_cap()
    )
    # Inline (no broker) a retry would block the request: the beat sweep retries instead.
    if retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=retry_in.total_seconds())


@celery_app.task(name="notices.send_due")
def send_due() -> int:
    """Send every message whose attempt is due (retries, lost dispatches, dead workers)."""
    sessions = database().write_sessions
    with transaction(sessions) as session:
        due = services.due_sms_ids(session, now=utcnow())
    sender, cap = current_sender(), _daily_cap()
    for sms_id in due:
        send_one(sessions, sms_id, sender=sender, daily_cap=cap)
    return len(due)


celery_app.conf.beat_schedule = {
    **(celery_app.conf.beat_schedule or {}),
    "send-due-sms": {"task": "notices.send_due", "schedule": SEND_DUE_EVERY_SECONDS},
}


def _dispatch_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint ended; the outer one may still fail
        return
    due = session.info.pop(services.SMS_AFTER_COMMIT, None)
    for sms_id in sorted(due or ()):
        try:
            send_sms.delay(sms_id)
        except Exception:  # a broker hiccup must not fail the committed request
            log.exception("could not queue SMS %s; the beat sweep will send it", sms_id)


def _forget_after_rollback(session: Session, *_: Any) -> None:
    session.info.pop(services.SMS_AFTER_COMMIT, None)


def install_sms_dispatch() -> None:
    """Idempotent: SQLAlchemy keeps one registration per listener."""
    if not event.contains(Session, "after_commit", _dispatch_after_commit):
        event.listen(Session, "after_commit", _dispatch_after_commit)
        event.listen(Session, "after_rollback", _forget_after_rollback)
