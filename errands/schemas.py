"""Marshmallow schemas of the errands API: strict inputs, plain outputs."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.schemas import StrictSchema
from errands.models import DETAILS_MAX, Category, Satisfaction


class RequestIn(StrictSchema):
    category = fields.String(required=True, validate=validate.OneOf([c.value for c in Category]))
    details = fields.String(required=True, validate=validate.Length(min=1, max=DETAILS_MAX))


class RequestDoneIn(StrictSchema):
    note = fields.String(load_default="", validate=validate.Length(max=200))


class RequestReassignIn(StrictSchema):
    member_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))


class RequestCloseIn(StrictSchema):
    satisfaction = fields.String(
        required=True, validate=validate.OneOf([s.value for s in Satisfaction])
    )
    note = fields.String(load_default="", validate=validate.Length(max=200))


class AssigneeOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class StepOut(Schema):
    kind = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    actor = fields.String(allow_none=True, attribute="actor.name")
    note = fields.String(required=True)


class RequestOut(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    category = fields.String(required=True)
    details = fields.String(required=True)
    channel = fields.String(required=True)
    filed_at = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(required=True)
    done_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    escalated = fields.Boolean(required=True)
    satisfaction = fields.String(allow_none=True)
    needs_visit = fields.Boolean(required=True)
    assignee = fields.Nested(AssigneeOut, allow_none=True)
    steps = fields.List(fields.Nested(StepOut), required=True)


class CategoryOut(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    limit_working_days = fields.Integer(required=True)
    needs_visit = fields.Boolean(required=True)


class CategoriesOut(Schema):
    categories = fields.List(fields.Nested(CategoryOut), required=True)
