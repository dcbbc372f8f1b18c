"""What the shared header (core/templates/base.html) needs beyond the user: counts beside
the cart and notices links, whether a page exists before linking to it, the language switch
that keeps the page, a sign-in link that comes back to it, and a safe way back for error
pages.

Core cannot import the packages that own carts or notices (imports run one way), so those
packages plug their counting function in with ``register_header_count``; until one does,
its count is 0. The Jinja globals are ``cart_count()`` and ``unread_notices_count()``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from flask import Flask, current_app, request, url_for
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

HEADER_COUNTS_KEY = "cunzhan.header_counts"
HeaderCount = Callable[[], int]
COUNTS = ("cart", "notices")


def _zero() -> int:
    return 0


def register_header_count(app: Flask, name: str, count: HeaderCount) -> None:
    """Let the header show ``count()`` beside the ``name`` link ("cart" or "notices")."""
    if name not in COUNTS:
        raise ValueError(f"the header has no {name!r} count; it has {COUNTS}")
    app.extensions[HEADER_COUNTS_KEY][name] = count


def _count(name: str) -> int:
    """A badge never turns a page into an error: a failed count shows as none."""
    try:
        count: int = current_app.extensions[HEADER_COUNTS_KEY][name]()
    except SQLAlchemyError:
        current_app.logger.warning("header count %s failed", name, exc_info=True)
        return 0
    return count


def cart_count() -> int:
    """Kinds of product in the current cart (signed in or not)."""
    return _count("cart")


def unread_notices_count() -> int:
    """Notices the signed-in person has not read yet."""
    return _count("notices")


def page_exists(path: str) -> bool:
    """True when a GET of ``path`` reaches a view: link to a feature only once it is built."""
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(path, method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


def language_url(language: str) -> str:
    """This page again in ``language``, keeping its query (search words, page number)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return request.path + "?" + urlencode([*args, ("lang", language)])


def back_url() -> str | None:
    """The page the person came from, when it is on this site and not this page."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc != request.host or parts.path == request.path:
        return None
    if not parts.path.startswith("/") or parts.path.startswith(("//", "/\\")):
        return None  # "//elsewhere" would leave the site
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sign_in_url() -> str:
    """The header's sign-in link, back to this page after signing in (from the cart, say).

    Not from the sign-in and sign-up pages themselves (their own ``next`` is kept), nor after
    a form was posted: a POST's path is no page to return to."""
    back = None
    if request.endpoint in ("auth.login_page", "auth.signup_page"):
        back = request.args.get("next")
    elif request.method == "GET" and request.path != "/":
        back = request.full_path.rstrip("?")
    return url_for("auth.login_page", next=back)


def install_header(app: Flask) -> None:
    app.extensions[HEADER_COUNTS_KEY] = dict.fromkeys(COUNTS, _zero)
    app.jinja_env.globals.update(
        cart_count=cart_count,
        unread_notices_count=unread_notices_count,
        page_exists=page_exists,
        language_url=language_url,
        back_url=back_url,
        sign_in_url=sign_in_url,
    )
