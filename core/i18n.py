"""Simplified Chinese first, English on request; money and times formatted for people."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_babel import gettext as _

from core.access import wants_json
from core.labels import describe_reference, label
from core.money import format_fen
from core.timeutil import format_local, local_today, to_local, utcnow

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


def when(moment: datetime | None, now: datetime | None = None) -> str:
    """A time people read right: "今天 08:23", "明天 08:23", "昨天 21:05", else "11月28日 08:23"
    (the year too when it is not this year's)."""
    if moment is None:
        return ""
    local, today = to_local(moment), local_today(now or utcnow())
    clock = local.strftime("%H:%M")
    days = (local.date() - today).days
    relative = {-1: _("昨天 %(time)s", time=clock), 0: _("今天 %(time)s", time=clock)}
    relative[1] = _("明天 %(time)s", time=clock)
    if days in relative:
        return str(relative[days])
    if local.year == today.year:
        return str(_("%(month)d月%(day)d日 %(time)s", month=local.month, day=local.day, time=clock))
    return str(
        _(
            "%(year)d年%(month)d月%(day)d日 %(time)s",
            year=local.year,
            month=local.month,
            day=local.day,
            time=clock,
        )
    )


def month_label(month: date) -> str:
    """A calendar month in the reader's language: "2026年11月" (never the browser's English)."""
    return str(_("%(year)d年%(month)d月", year=month.year, month=month.month))


def install_i18n(app: Flask, translation_directories: list[str]) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Shanghai"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["fen"] = format_fen
    app.jinja_env.filters["local_time"] = _local_time
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["month_label"] = month_label
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["reference"] = describe_reference
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["get_locale"] = get_locale
