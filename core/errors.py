"""Errors raised by core services. Views turn them into 4xx answers with the message."""

from __future__ import annotations


class CunzhanError(Exception):
    """Base of every domain error: ``code`` is stable for API clients, the message is for people."""

    code = "error"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(CunzhanError):
    code = "not_found"
    status = 404


class Forbidden(CunzhanError):
    code = "forbidden"
    status = 403


class Conflict(CunzhanError):
    code = "conflict"
    status = 409


class InvalidInput(CunzhanError):
    code = "invalid"
    status = 422


class InvalidTransition(Conflict):
    """A state machine was asked for a move its transition table does not allow."""

    code = "invalid_transition"


class AuthenticationFailed(CunzhanError):
    code = "bad_credentials"
    status = 401


class TooManyAttempts(CunzhanError):
    code = "too_many_attempts"
    status = 429
