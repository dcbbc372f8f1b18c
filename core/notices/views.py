"""The notices page, and what every page's header and the home page need of notices."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, url_for
from werkzeug.routing import BuildError

from core.access import current_account, require_account, signed_in
from core.db import transaction
from core.flask_db import database, get_session
from core.header import register_header_count
from core.notices import services
from core.notices.models import Notice
from core.notices.sms import SmsSender, install_sms
from core.notices.tasks import install_sms_dispatch
from core.notices.texts import render

blueprint = Blueprint("notices", __name__, url_prefix="/notices", template_folder="templates")


@blueprint.route("")
@signed_in
def notice_list() -> str:
    """The latest notices; opening the page marks the ones shown as read."""
    user = require_account()
    notices = services.notices_for(get_session(), user_id=user.id)
    unread = {n.id for n in notices if n.read_at is None}
    if unread:  # a GET reads without the write lock: the marking is its own short write
        get_session().commit()  # end the read first (SQLite: one writer at a time)
        with transaction(database().write_sessions) as session:
            services.mark_read(session, user_id=user.id, notice_ids=sorted(unread))
    return render_template("notices/list.html", notices=notices, unread=unread)


def notice_text(notice: Notice) -> str:
    return render(notice.kind, notice.params)


def notice_link(notice: Notice) -> str | None:
    if not notice.link:
        return None
    try:
        return url_for(notice.link["endpoint"], **notice.link.get("values", {}))
    except BuildError:  # the page it led to is gone
        return None


def unread_count_of_signed_in() -> int:
    """For the shared header: how many notices the signed-in user has not read."""
    user = current_account()
    return 0 if user is None else services.unread_count(get_session(), user_id=user.id)


def unread_notices(limit: int = 5) -> list[Notice]:
    """For the home page: the newest unread notices of the signed-in user."""
    user = current_account()
    if user is None:
        return []
    return list(services.unread_notices(get_session(), user_id=user.id, limit=limit))


def install_notices(app: Flask, sender: SmsSender) -> None:
    """Mount the page, offer the template helpers and send SMS after each commit."""
    app.register_blueprint(blueprint)
    install_sms(app, sender)
    install_sms_dispatch()
    register_header_count(app, "notices", unread_count_of_signed_in)
    app.jinja_env.globals.update(
        unread_notices=unread_notices,
        notice_text=notice_text,
        notice_link=notice_link,
    )
