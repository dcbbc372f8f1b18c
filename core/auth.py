"""Signing in and out, shared by the login form and the JSON API."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import login_user, logout_user
from sqlalchemy import select

from core.accounts import sign_up_buyer
from core.errors import CoreError
from core.flask_db import get_session, unit_of_work
from core.models import User
from core.parse import parse_int
from core.security import FailureThrottle
from core.services import authenticate, end_sessions, normalise_phone

SIGNUP_THROTTLE_KEY = "cunzhan.signup_throttle"

THROTTLE_KEY = "cunzhan.login_throttle"


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the id carries the epoch, so an ended session finds no user."""
    user_id, _, epoch = session_id.partition(":")
    try:
        number, epoch_number = parse_int(user_id), parse_int(epoch)
    except CoreError:
        return None
    user = get_session().scalar(select(User).where(User.id == number))
    if user is None or not user.is_active or user.session_epoch != epoch_number:
        return None
    return user


def _throttle() -> FailureThrottle:
    throttle: FailureThrottle = current_app.extensions[THROTTLE_KEY]
    return throttle


def _login_keys(phone: str, address: str) -> tuple[str, ...]:
    """The account (its phone normalised the way ``authenticate`` finds it, so "139 0000
    0075", "+86…" and "0086…" share one budget) and the address, counted separately. A phone
    that does not normalise matches no account: only the address counts it."""
    try:
        account = normalise_phone(phone)
    except CoreError:
        return (f"address:{address}",)
    return f"phone:{account}", f"address:{address}"


def sign_in(phone: str, password: str) -> User:
    """Check the throttle and the credentials, then start a fresh session for the user."""
    address = request.remote_addr or "unknown"
    keys = _login_keys(phone, address)
    _throttle().check(*keys)
    try:
        with unit_of_work() as db:
            user = authenticate(db, phone=phone, password=password)
    except CoreError as error:
        if error.code == "bad_credentials":
            _throttle().record_failure(*keys)
        raise
    _start_session(user)
    return user


def _start_session(user: User) -> None:
    language = session.get("lang")
    session.clear()  # a new session at login: nothing from before survives (fixation)
    if language:
        session["lang"] = language
    login_user(user)


def sign_up(phone: str, password: str, name: str) -> User:
    """A buyer opens an account and is signed in. Refused sign-ups (a phone that has an
    account, a weak password) count against the address like failed logins, so nobody can
    test thousands of phones for accounts or fill the table from one place."""
    key = f"signup:{request.remote_addr or 'unknown'}"
    throttle: FailureThrottle = current_app.extensions[SIGNUP_THROTTLE_KEY]
    throttle.check(key)
    try:
        with unit_of_work() as db:
            user = sign_up_buyer(db, phone=phone, password=password, name=name)
    except CoreError:
        throttle.record_failure(key)
        raise
    _start_session(user)
    return user


def sign_out(user: User) -> None:
    with unit_of_work() as db:
        end_sessions(db, user=user)
    logout_user()
    session.clear()
