"""The errands calls of the public API (``/api/v1/requests``): the villager files and follows,
the grid member accepts, starts and marks done, the agent reassigns, the agent (or the
villager) closes with satisfaction: every step of the pages is a call too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_smorest import Blueprint

from core.access import require_account, roles, signed_in
from core.flask_db import get_session, unit_of_work
from core.models import Role, User
from core.schemas import ErrorSchema
from errands import services
from errands.access import visible_request
from errands.models import CATEGORY_RULES, Category, ErrandRequest
from errands.schemas import (
    CategoriesOut,
    RequestCloseIn,
    RequestDoneIn,
    RequestIn,
    RequestOut,
    RequestReassignIn,
)

blueprint = Blueprint(
    "errands_api", __name__, url_prefix="/api/v1/requests", description="代办事项 (errands)"
)


def request_payload(request: ErrandRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "status": request.status.value,
        "category": request.category.value,
        "details": request.details,
        "channel": request.channel.value,
        "filed_at": request.filed_at,
        "due_at": request.due_at,
        "done_at": request.done_at,
        "closed_at": request.closed_at,
        "escalated": request.escalated_at is not None,
        "satisfaction": request.satisfaction.value if request.satisfaction else None,
        "needs_visit": request.needs_visit,
        "assignee": request.assignee,
        "steps": [
            {"kind": s.kind.value, "at": s.at, "actor": s.actor, "note": s.note}
            for s in request.steps
        ],
    }


@blueprint.route("/categories")
@blueprint.response(200, CategoriesOut)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@signed_in
def categories() -> dict[str, Any]:
    """The station's service list: each category's time limit and whether it needs a visit.
    For a villager, what their village's station offers; for an agent, their station's;
    for anyone else, every category."""
    return {
        "categories": [
            {
                "code": category.value,
                "name": category.label,
                "limit_working_days": CATEGORY_RULES[category].limit_days,
                "needs_visit": CATEGORY_RULES[category].needs_visit,
            }
            for category in _offered(require_account())
        ]
    }


def _offered(user: User) -> list[Category]:
    if user.household is not None:
        return services.offered_categories(get_session(), user.household.village_id)
    stations = sorted(user.villages_for(Role.AGENT))
    if stations:
        return services.offered_categories(get_session(), stations[0])
    return list(Category)


@blueprint.route("", methods=["POST"])
@blueprint.arguments(RequestIn)
@blueprint.response(201, RequestOut)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@blueprint.alt_response(403, schema=ErrorSchema, description="not a villager")
@blueprint.alt_response(
    422, schema=ErrorSchema, description="no household, bad category, not offered by the station"
)
@roles(Role.VILLAGER, Role.FARMER)
def file_request(payload: dict[str, str]) -> dict[str, Any]:
    """File a request for the signed-in villager's household; it goes to their grid's member."""
    with unit_of_work() as session:
        request = services.file_for_self(
            session,
            villager=require_account(),
            category=Category(payload["category"]),
            details=payload["details"],
        )
        return request_payload(request)


@blueprint.route("/<int:request_id>")
@blueprint.response(200, RequestOut)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@blueprint.alt_response(403, schema=ErrorSchema, description="another's request")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such request")
@signed_in
def get_request(request_id: int) -> dict[str, Any]:
    """A request with its timeline, for its household, its member, its station, its township."""
    return request_payload(visible_request(get_session(), require_account(), request_id))


def _member_step(step: Callable[..., ErrandRequest], request_id: int) -> dict[str, Any]:
    """One of the member's steps on the request, in its own transaction; the request after."""
    with unit_of_work() as session:
        return request_payload(step(session, member=require_account(), request_id=request_id))


@blueprint.route("/<int:request_id>/accept", methods=["POST"])
@blueprint.response(200, RequestOut)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@blueprint.alt_response(403, schema=ErrorSchema, description="not the request's member")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such request")
@blueprint.alt_response(409, schema=ErrorSchema, description="not waiting to be accepted")
@signed_in
def accept(request_id: int) -> dict[str, Any]:
    """The grid's member (or the member it was reassigned to) accepts the request."""
    return _member_step(services.accept, request_id)


@blueprint.route("/<int:request_id>/start", methods=["POST"])
@blueprint.response(200, RequestOut)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@blueprint.alt_response(403, schema=ErrorSchema, description="not the request's member")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such request")
@blueprint.alt_response(409, schema=ErrorSchema, description="not accepted yet")
@signed_in
def start(request_id: int) -> dict[str, Any]:
    """The member has started on it (gone to the office, ordered the part)."""
    return _member_step(services.start, request_id)


@blueprint.route("/<int:request_id>/reassign", methods=["POST"])
@blueprint.arguments(RequestReassignIn)
@blueprint.response(200, RequestOut)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@blueprint.alt_response(403, schema=ErrorSchema, description="not the station's agent")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such request or member")
@blueprint.alt_response(409, schema=ErrorSchema, description="closed already")
@roles(Role.AGENT)
def reassign(payload: dict[str, int], request_id: int) -> dict[str, Any]:
    """The station's agent gives the request to another member, who accepts it anew."""
    with unit_of_work() as session:
        found = services.reassign(
            session, agent=require_account(), request_id=request_id, member_id=payload["member_id"]
        )
        return request_payload(found)


@blueprint.route("/<int:request_id>/done", methods=["POST"])
@blueprint.arguments(RequestDoneIn)
@blueprint.response(200, RequestOut)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@blueprint.alt_response(403, schema=ErrorSchema, description="not the request's member")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such request")
@blueprint.alt_response(409, schema=ErrorSchema, description="not accepted yet")
@signed_in
def done(payload: dict[str, str], request_id: int) -> dict[str, Any]:
    """The member has done it; the household is asked for its satisfaction."""
    with unit_of_work() as session:
        found = services.mark_done(
            session, member=require_account(), request_id=request_id, note=payload["note"]
        )
        return request_payload(found)


@blueprint.route("/<int:request_id>/close", methods=["POST"])
@blueprint.arguments(RequestCloseIn)
@blueprint.response(200, RequestOut)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@blueprint.alt_response(403, schema=ErrorSchema, description="not its household or station")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such request")
@blueprint.alt_response(409, schema=ErrorSchema, description="not done yet")
@signed_in
def close(payload: dict[str, str], request_id: int) -> dict[str, Any]:
    """Close a done request with the satisfaction: the villager's own answer, or the one the
    station's agent heard on the return call (回访)."""
    with unit_of_work() as session:
        found = services.close(
            session,
            actor=require_account(),
            request_id=request_id,
            satisfaction=services.parse_satisfaction(payload["satisfaction"]),
            note=payload["note"],
        )
        return request_payload(found)
