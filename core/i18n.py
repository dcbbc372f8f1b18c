"""Simplified Chinese first, English on request; money and times formatted for people."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, get_locale

from core.access import wants_json
from core.labels import describe_reference, label
from core.money import format_fen
from core.timeutil import format_local

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


def select_locale() -> str:
    """``?lang=en`` switches and is remembered in the session; an API call without either
    is answered in its ``Accept-Language``; Chinese otherwise.

    Pages ignore ``Accept-Language`` on purpose: the people served read Chinese first, whatever
    the phone's setting, and switch with the language link.
    """
    if not has_request_context():  # a background job: what it records is read in Chinese
        return DEFAULT_LANGUAGE
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    remembered = session.get("lang")
    if remembered in LANGUAGES:
        return str(remembered)
    if wants_json():
        return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def _local_time(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return "" if moment is None else format_local(moment, pattern)


def install_i18n(app: Flask, translation_directories: list[str]) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Shanghai"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["fen"] = format_fen
    app.jinja_env.filters["local_time"] = _local_time
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["reference"] = describe_reference
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["get_locale"] = get_locale
