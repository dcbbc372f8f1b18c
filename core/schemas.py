"""Marshmallow schemas of the core API: strict input (unknown fields refused), plain output."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

#: Text a person can type: no NUL, which ``core.security`` refuses in any input.
TYPED = r"^[^\x00]*$"
#: A name: no control character, and something printed.
PRINTED_NAME = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"


class StrictSchema(Schema):
    """Base of every input schema: an unknown or read-only field is a 422, not ignored."""

    class Meta:
        unknown = RAISE


class ErrorDetail(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    field_errors = fields.Dict(keys=fields.String(), data_key="fields")


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetail, required=True)


class LoginIn(StrictSchema):
    phone = fields.String(
        required=True, validate=[validate.Length(min=1, max=20), validate.Regexp(TYPED)]
    )
    password = fields.String(
        required=True, validate=[validate.Length(min=1, max=128), validate.Regexp(TYPED)]
    )


#: 8 to 128 characters of which at least three differ (``core.passwords`` rules, which also
#: refuse the common passwords a schema cannot list).
CHOSEN_WORD_SHAPE = r"^(?=.*?(.).*?(?!\1)(.).*?(?!\1)(?!\2).)[^\x00]{8,128}$"


class SignupIn(StrictSchema):
    """What a sign-up may be, as far as a schema can say: an 11-digit mainland mobile, a
    password (``CHOSEN_WORD_SHAPE``) and a name."""

    phone = fields.String(required=True, validate=validate.Regexp(r"^1[3-9][0-9]{9}$"))
    password = fields.String(
        required=True,
        validate=validate.Regexp(CHOSEN_WORD_SHAPE),
        metadata={"description": "8 to 128 characters, at least 3 different; not a common one"},
    )
    name = fields.String(
        required=True, validate=[validate.Length(min=1, max=60), validate.Regexp(PRINTED_NAME)]
    )


class UserOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)


class LoginOut(Schema):
    user = fields.Nested(UserOut, required=True)
    csrf_token = fields.String(required=True)
