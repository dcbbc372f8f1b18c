"""Notify users, list and read their notices, and the steps of sending one SMS.

``notify`` inserts the notice and its SMS with ``INSERT … ON CONFLICT DO NOTHING`` on the
unique event key, so announcing an event twice (a retried request, a resumed job, two
racing workers) still makes one notice and one SMS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from core.db import dialect_insert, rows_matched
from core.models import User
from core.notices.models import Notice, NoticeKind, SmsMessage, SmsStatus
from core.notices.texts import render_chinese
from core.timeutil import LOCAL_ZONE, utcnow

# Session.info key: SMS rows to send once the transaction commits (see core.notices.tasks).
SMS_AFTER_COMMIT = "cunzhan.sms_after_commit"
MAX_ATTEMPTS = 5
FIRST_RETRY = dt.timedelta(minutes=1)  # doubled after every failed attempt
# A sender that died mid-call leaves its row ``sending``; another may try after this.
SENDING_LEASE = dt.timedelta(minutes=10)
PAGE_SIZE = 50


def notify(
    session: Session,
    *,
    user_id: int,
    kind: NoticeKind,
    event_key: str,
    link: tuple[str, Mapping[str, Any]] | None = None,
    sms: bool = True,
    **params: Any,
) -> None:
    """Tell ``user_id`` about an event once: a notice in the app and, after commit, an SMS.

    ``params`` fill the kind's message (see ``texts``) and are stored as strings; ``link``
    is an endpoint and its values, where the notice leads.
    """
    values = {name: str(value) for name, value in params.items()}
    stored_link = {"endpoint": link[0], "values": dict(link[1])} if link else None
    session.execute(
        dialect_insert(session, Notice)
        .values(
            user_id=user_id,
            kind=kind,
            event_key=event_key[:120],
            params=values,
            link=stored_link,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["user_id", "event_key"])
    )
    notice_id = session.scalar(
        select(Notice.id).where(Notice.user_id == user_id, Notice.event_key == event_key[:120])
    )
    phone = session.scalar(select(User.phone).where(User.id == user_id))
    if not sms or notice_id is None or phone is None:
        return
    now = utcnow()
    session.execute(
        dialect_insert(session, SmsMessage)
        .values(
            notice_id=notice_id,
            phone=phone,
            status=SmsStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            error="",
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["notice_id"])
    )
    sms_id = session.scalar(select(SmsMessage.id).where(SmsMessage.notice_id == notice_id))
    session.info.setdefault(SMS_AFTER_COMMIT, set()).add(sms_id)


def notify_household(
    session: Session,
    *,
    household_id: int | None,
    kind: NoticeKind,
    event_key: str,
    link: tuple[str, Mapping[str, Any]] | None = None,
    **params: Any,
) -> None:
    """Tell every account of a household (a household may have a phone per member)."""
    if household_id is None:
        return
    for user_id in session.scalars(
        select(User.id).where(User.household_id == household_id, User.is_active.is_(True))
    ):
        notify(session, user_id=user_id, kind=kind, event_key=event_key, link=link, **params)


# --- reading ---------------------------------------------------------------------


def unread_count(session: Session, *, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(Notice.id)).where(Notice.user_id == user_id, Notice.read_at.is_(None))
        )
        or 0
    )


def unread_notices(session: Session, *, user_id: int, limit: int = 5) -> Sequence[Notice]:
    return session.scalars(
        select(Notice)
        .where(Notice.user_id == user_id, Notice.read_at.is_(None))
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(limit)
    ).all()


def notices_for(session: Session, *, user_id: int, limit: int = PAGE_SIZE) -> Sequence[Notice]:
    return session.scalars(
        select(Notice)
        .where(Notice.user_id == user_id)
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(limit)
    ).all()


def mark_read(session: Session, *, user_id: int, notice_ids: Sequence[int]) -> int:
    """Mark the notices the user has now seen; answers how many were unread."""
    if not notice_ids:
        return 0
    result = session.execute(
        update(Notice)
        .where(Notice.user_id == user_id, Notice.id.in_(notice_ids), Notice.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result)


# --- sending one SMS: claim, call the provider outside any lock, record ------------


@dataclass(frozen=True)
class SmsJob:
    """What a sender needs to send one claimed message."""

    sms_id: int
    phone: str
    kind: NoticeKind
    params: dict[str, str]
    text: str
    out_id: str  # the notice's event, for the provider's own records


def _local_day_start(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(LOCAL_ZONE)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)


def _sent_today(session: Session, phone: str, now: dt.datetime, exclude: int) -> int:
    return int(
        session.scalar(
            select(func.count(SmsMessage.id)).where(
                SmsMessage.phone == phone,
                SmsMessage.id != exclude,
                SmsMessage.status.in_((SmsStatus.SENT, SmsStatus.SENDING)),
                SmsMessage.last_attempt_at >= _local_day_start(now),
            )
        )
        or 0
    )


def claim_sms(session: Session, *, sms_id: int, now: dt.datetime, daily_cap: int) -> SmsJob | None:
    """Take one due message for sending (one conditional UPDATE: one sender wins).

    Answers None when it is not due, already taken or settled, or over the phone's daily
    cap (then it ends ``capped``: the notice stays in the app).
    """
    claimed = session.execute(
        update(SmsMessage)
        .where(
            SmsMessage.id == sms_id,
            SmsMessage.next_attempt_at <= now,
            or_(
                SmsMessage.status == SmsStatus.PENDING,
                SmsMessage.status == SmsStatus.SENDING,  # its lease ran out
            ),
        )
        .values(
            status=SmsStatus.SENDING,
            attempts=SmsMessage.attempts + 1,
            last_attempt_at=now,
            next_attempt_at=now + SENDING_LEASE,
        )
        .execution_options(synchronize_session=False)
    )
    if rows_matched(claimed) != 1:
        return None
    message = session.get_one(SmsMessage, sms_id)
    session.refresh(message)
    if _sent_today(session, message.phone, now, exclude=message.id) >= daily_cap:
        message.move_to(SmsStatus.CAPPED)
        message.error = "daily cap"
        session.flush()
        return None
    notice = session.get_one(Notice, message.notice_id)
    session.flush()
    return SmsJob(
        sms_id=message.id,
        phone=message.phone,
        kind=notice.kind,
        params=dict(notice.params),
        text=render_chinese(notice.kind, notice.params),
        out_id=f"notice-{notice.id}",
    )


def record_sent(session: Session, *, sms_id: int, provider_id: str) -> None:
    message = session.get_one(SmsMessage, sms_id)
    message.move_to(SmsStatus.SENT)
    message.provider_id = provider_id[:100]
    message.error = ""
    session.flush()


def record_failure(
    session: Session, *, sms_id: int, error: str, now: dt.datetime
) -> dt.timedelta | None:
    """The provider refused or could not be reached: try again later, or give up.

    Answers how long until the next attempt, or None when the message has failed for good.
    """
    message = session.get_one(SmsMessage, sms_id)
    message.error = error[:300]
    if message.attempts >= MAX_ATTEMPTS:
        message.move_to(SmsStatus.FAILED)
        session.flush()
        return None
    delay: dt.timedelta = FIRST_RETRY * 2 ** (message.attempts - 1)
    message.move_to(SmsStatus.PENDING)
    message.next_attempt_at = now + delay
    session.flush()
    return delay


def due_sms_ids(session: Session, *, now: dt.datetime, limit: int = 200) -> list[int]:
    """Messages waiting for an attempt (lost dispatches, retries, expired leases)."""
    return list(
        session.scalars(
            select(SmsMessage.id)
            .where(
                SmsMessage.status.in_((SmsStatus.PENDING, SmsStatus.SENDING)),
                SmsMessage.next_attempt_at <= now,
            )
            .order_by(SmsMessage.next_attempt_at)
            .limit(limit)
        )
    )
