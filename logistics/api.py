"""The logistics calls of the public API (``/api/v1``): rounds, stop events, parcels, board.

``GET /rounds/today`` and ``POST /stops/{id}/events`` are the stable calls of DESIGN.md, used
by the cadre's phone page and its offline outbox.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import asdict
from typing import Any

from flask import jsonify
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from core.access import require_account, roles
from core.flask_db import get_session, unit_of_work
from core.idempotency import RequiredIdempotencyKeyHeader
from core.models import Role
from core.photos import photo_dir
from core.schemas import ErrorSchema
from core.timeutil import local_today
from logistics import intake, rounds, tracking
from logistics.access import dispatcher_township
from logistics.compression import gzip_response
from logistics.errors import LogisticsError
from logistics.intake import ManifestRejected, ParcelInput
from logistics.rounds import EventInput, StopConflict
from logistics.schemas import (
    BoardOut,
    ImportOut,
    ManifestIn,
    MyParcelsOut,
    ParcelIn,
    ParcelOut,
    StopConflictOut,
    StopEventIn,
    StopEventOut,
    TodayOut,
)
from logistics.throttle import count_wrong_code, throttled

blueprint = Blueprint(
    "logistics_api", __name__, url_prefix="/api/v1", description="配送 (parcels and rounds)"
)
blueprint.after_request(gzip_response)


@blueprint.route("/rounds/today")
@blueprint.response(200, TodayOut)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@blueprint.alt_response(403, schema=ErrorSchema, description="not a cadre")
@roles(Role.CADRE)
def rounds_today() -> dict[str, Any]:
    """The calling cadre's rounds of today, stops in order with ETA, household and parcels."""
    found = rounds.todays_rounds(get_session(), cadre=require_account(), day=local_today())
    return {"rounds": found}


@blueprint.route("/cadre/ping")
@blueprint.response(204)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in (session ended)")
@blueprint.alt_response(403, schema=ErrorSchema, description="not a cadre")
@roles(Role.CADRE)
def ping() -> None:
    """The phone's probe of the signal: a few bytes that answer only when the server does
    (``navigator.onLine`` is true on a signal that carries nothing)."""


@blueprint.route("/stops/<int:stop_id>/events", methods=["POST"])
@blueprint.arguments(RequiredIdempotencyKeyHeader, location="headers", as_kwargs=True)
@blueprint.arguments(StopEventIn)
@blueprint.response(201, StopEventOut)
@blueprint.alt_response(403, schema=ErrorSchema, description="another cadre's stop")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such stop")
@blueprint.alt_response(
    409,
    schema=StopConflictOut,
    description="stop no longer pending, key reused, or the household planned again for "
    "another cadre (stop_reassigned)",
)
@blueprint.alt_response(422, schema=ErrorSchema, description="wrong pickup code, missing reason")
@blueprint.alt_response(429, schema=ErrorSchema, description="too many wrong pickup codes")
@roles(Role.CADRE)
def stop_event(payload: dict[str, Any], stop_id: int, key: str) -> Any:
    """Confirm a delivery (pickup code or signature), record a failure, or collect produce;
    or, from the offline outbox, report a code the phone refused (``wrong_code``: counted
    toward the 5 wrong codes, nothing changes) or a new place for the stop (``moved``).

    Send a client-made UUID as ``Idempotency-Key``: the first call answers 201; a repeat
    with the same body answers the same; the same key with another body answers 409.
    A stop whose round was planned again before it started stands for the household's stop
    in the new plan (the answer's ``stop``) while that stop is the caller's.
    """
    event = EventInput(**payload)
    # A signature is still taken when the code has been tried too often.
    guard = throttled(f"stop:{stop_id}") if event.pickup_code else nullcontext()
    try:
        with unit_of_work() as session:
            answer = rounds.record_event(
                session,
                cadre=require_account(),
                stop_id=stop_id,
                key=key,
                event=event,
                code_guard=guard,
                photo_dir=photo_dir(),
            )
        if answer.body.get("wrong_code") and not answer.replayed:
            count_wrong_code(f"stop:{stop_id}")  # refused on the phone, counted here
    except StopConflict as conflict:
        return _error(409, conflict.code, conflict.message, stop=conflict.stop)
    except IntegrityError:  # the same key raced in for another stop
        reused = LogisticsError("idempotency_key_reused")
        return _error(reused.status, reused.code, reused.message)
    # The body is already serialised (and stored for repeats): send it as it is.
    response = jsonify(answer.body)
    response.status_code = 201
    response.headers["Idempotent-Replayed"] = "true" if answer.replayed else "false"
    return response


@blueprint.route("/parcels/mine")
@blueprint.response(200, MyParcelsOut)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@roles(Role.VILLAGER, Role.FARMER)
def my_parcels() -> dict[str, Any]:
    """The caller's household's parcels, with the pickup code while it is at the station."""
    found = tracking.my_parcels(get_session(), user=require_account())
    return {"parcels": [asdict(p) for p in found]}


@blueprint.route("/parcels", methods=["POST"])
@blueprint.arguments(ParcelIn)
@blueprint.response(201, ParcelOut)
@blueprint.alt_response(409, schema=ErrorSchema, description="tracking number already registered")
@blueprint.alt_response(422, schema=ErrorSchema, description="bad field")
@roles(Role.DISPATCHER)
def register_parcel(payload: dict[str, Any]) -> Any:
    """Register one parcel scanned at the township hub; it is matched by phone."""
    user = require_account()
    with unit_of_work() as session:
        parcel = intake.register_parcel(
            session, township_id=dispatcher_township(user), data=ParcelInput(**payload)
        )
    return parcel


@blueprint.route("/parcels/import", methods=["POST"])
@blueprint.arguments(ManifestIn)
@blueprint.response(201, ImportOut)
@blueprint.alt_response(422, schema=ErrorSchema, description="bad lines; nothing imported")
@roles(Role.DISPATCHER)
def import_manifest(payload: dict[str, str]) -> Any:
    """Import a courier's CSV manifest (tracking_no, courier, recipient_name, recipient_phone,
    weight_g[, description]): all rows or none; bad lines are listed in ``fields``."""
    user = require_account()
    try:
        with unit_of_work() as session:
            result = intake.import_manifest(
                session, township_id=dispatcher_township(user), text=payload["csv"]
            )
    except ManifestRejected as rejected:
        lines = {str(e.line): e.message for e in rejected.lines}
        return _error(422, rejected.code, rejected.message, fields=lines)
    return {"imported": len(result.parcels), "unmatched": result.unmatched}


@blueprint.route("/dispatch/board")
@blueprint.response(200, BoardOut)
@blueprint.alt_response(403, schema=ErrorSchema, description="not a dispatcher")
@roles(Role.DISPATCHER)
def board() -> dict[str, Any]:
    """Today's progress per village, the day's downlink/uplink counts and the last 30 days."""
    session, township_id, today = (
        get_session(),
        dispatcher_township(require_account()),
        local_today(),
    )
    progress = tracking.village_progress(session, township_id=township_id, day=today)
    return {
        "day": today,
        "villages": [
            {
                "village_id": p.village.id,
                "village": p.village.name,
                "delivered": p.delivered,
                "failed": p.failed,
                "pending": p.pending,
                "skipped": p.skipped,
                "rounds": p.rounds,
            }
            for p in progress
        ],
        "downlink": tracking.downlink_count(session, township_id=township_id, day=today),
        "uplink": tracking.uplink_count(session, township_id=township_id, day=today),
        "history": [
            {"day": d.day.isoformat(), "downlink": d.downlink, "uplink": d.uplink}
            for d in tracking.history(session, township_id=township_id, today=today)
        ],
    }


def _error(status: int, code: str, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify(error={"code": code, "message": message, **extra}), status
