"""Writes applied once per Idempotency-Key: the one way to do it, for every package.

A phone on a weak signal often loses the answer to a write that the server committed (or the
worker is killed between the commit and the answer); its natural retry must not buy twice.
The client makes a random key (a UUID) for each write it means to do once and sends it as
the ``Idempotency-Key`` header (our pages put it in a hidden form field ``idempotency_key``,
made when the form is rendered). The answer is stored under (user, key) in the same
transaction as the write's effect, so either both are committed or neither is:

- the same key with the same request again gets the stored answer (``replayed``);
- the same key with another request is refused: 409 ``idempotency_key_reused``;
- a request refused with an error changed nothing and stores nothing: a retry runs again;
- keys expire after ``KEY_LIFETIME`` (one day); ``purge_expired`` deletes them.

Two racing requests with one key: ``apply_once`` claims the key before the work, so the
second's insert waits on the unique (user, key) index until the first commits, then fails;
it answers with the first's stored answer without doing the work.

What the stored body holds is the caller's choice: the full answer (stop events), or the id of
what was made, rendered afresh on every answer (orders, pledges: a repeat then also shows a
payment opened since).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, request
from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, rows_matched
from core.errors import CoreError
from core.flask_db import unit_of_work
from core.timeutil import utcnow

KEY_LIFETIME = dt.timedelta(days=1)
HEADER = "Idempotency-Key"
FORM_FIELD = "idempotency_key"
KEY_FORMAT = r"^[A-Za-z0-9\-_]{8,64}$"
_NOT_ASKED = frozenset({"csrf_token", FORM_FIELD})
_KEY_RE = validate.Regexp(KEY_FORMAT, error="8-64 letters, digits, - or _")
_KEY_PATTERN = re.compile(KEY_FORMAT)
KEY_DESCRIPTION = (
    "A random key (a UUID) made by the client for a write it means to do once. A repeat with "
    "the same key and the same request answers as the first did (header "
    "`Idempotent-Replayed: true`); another request with the same key answers 409 "
    "`idempotency_key_reused`. Keys expire after a day."
)


class IdempotentRequest(Base):
    """The answer given to a user's write under a key, until ``expires_at``."""

    __tablename__ = "idempotent_request"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    key: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)

    def answer(self, body: dict[str, Any], status: int) -> None:
        self.response = json.dumps(body, ensure_ascii=False)
        self.status_code = status


class KeyReused(CoreError):
    """The key was used before for another request (its body differs)."""

    def __init__(self) -> None:
        super().__init__("idempotency_key_reused")


@dataclass(frozen=True)
class Answer:
    body: dict[str, Any]
    status: int
    replayed: bool


class IdempotencyKeyHeader(Schema):
    """The optional ``Idempotency-Key`` header, as the OpenAPI document shows it."""

    class Meta:
        unknown = EXCLUDE  # every other request header

    key = fields.String(
        data_key=HEADER, validate=_KEY_RE, metadata={"description": KEY_DESCRIPTION}
    )


class RequiredIdempotencyKeyHeader(IdempotencyKeyHeader):
    key = fields.String(
        required=True, data_key=HEADER, validate=_KEY_RE, metadata={"description": KEY_DESCRIPTION}
    )


def fingerprint(asked: Mapping[str, Any]) -> str:
    """A digest of what a request asks for, to tell a repeat from another request."""
    text = json.dumps(asked, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def previous_answer(session: Session, *, user_id: int, key: str, digest: str) -> Answer | None:
    """The stored answer to this key, None when there is none (or it has expired);
    ``KeyReused`` when the key was used for another request."""
    stored = session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.user_id == user_id, IdempotentRequest.key == key
        )
    )
    if stored is None:
        return None
    if stored.expires_at <= utcnow():
        session.delete(stored)
        session.flush()
        return None
    if stored.fingerprint != digest:
        raise KeyReused()
    return Answer(json.loads(stored.response), stored.status_code, replayed=True)


def remember(
    session: Session, *, user_id: int, key: str, digest: str, body: dict[str, Any], status: int
) -> Answer:
    """Store the answer with the write's effect (same transaction). Flushes: a racing
    request with the same key raises ``IntegrityError`` here."""
    _claim(session, user_id=user_id, key=key, digest=digest).answer(body, status)
    session.flush()
    return Answer(body, status, replayed=False)


def _claim(session: Session, *, user_id: int, key: str, digest: str) -> IdempotentRequest:
    now = utcnow()
    claimed = IdempotentRequest(
        user_id=user_id,
        key=key,
        fingerprint=digest,
        status_code=0,
        response="{}",
        created_at=now,
        expires_at=now + KEY_LIFETIME,
    )
    session.add(claimed)
    session.flush()
    return claimed


def purge_expired(session: Session) -> int:
    """Delete the expired keys; returns how many."""
    result = session.execute(
        delete(IdempotentRequest).where(IdempotentRequest.expires_at <= utcnow())
    )
    return rows_matched(result)


def request_key() -> str | None:
    """The request's key: the header, else the hidden form field; None when it sends none."""
    key = request.headers.get(HEADER) or request.form.get(FORM_FIELD) or None
    if key is not None and _KEY_PATTERN.match(key) is None:
        raise CoreError("bad_idempotency_key")
    return key


def request_fingerprint() -> str:
    """What this request asks for: its path and its JSON body or form fields (without the
    CSRF token and the key itself)."""
    form = {k: v for k, v in request.form.items(multi=True) if k not in _NOT_ASKED}
    return fingerprint({"path": request.path, "json": request.get_json(silent=True), "form": form})


def apply_once(
    work: Callable[[Session], dict[str, Any]], *, user_id: int, status: int = 201
) -> Answer:
    """Run ``work`` in one unit of work and store its answer under the request's key (when it
    sends one), or answer as the first request with this key did (see the module's
    docstring). ``work`` returns what a repeat needs to answer, JSON-serialisable."""
    key, digest = request_key(), request_fingerprint()
    if key is None:
        with unit_of_work() as session:
            return Answer(work(session), status, replayed=False)
    try:
        with unit_of_work() as session:
            previous = previous_answer(session, user_id=user_id, key=key, digest=digest)
            if previous is not None:
                return previous
            # Claimed before the work: a racing request with this key waits here.
            claimed = _claim(session, user_id=user_id, key=key, digest=digest)
            body = work(session)
            claimed.answer(body, status)
            session.flush()
            return Answer(body, status, replayed=False)
    except IntegrityError:
        with unit_of_work() as session:  # the racing request with this key has committed
            previous = previous_answer(session, user_id=user_id, key=key, digest=digest)
        if previous is None:
            raise
        return previous


def replayed_header(answer: Answer) -> dict[str, str]:
    return {"Idempotent-Replayed": "true" if answer.replayed else "false"}


def install(app: Flask) -> None:
    """Templates make a fresh key per rendered form: ``{{ idempotency_key() }}``."""
    app.jinja_env.globals["idempotency_key"] = lambda: str(uuid.uuid4())
