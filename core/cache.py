"""The public pages' cache (Flask-Caching), shared by every process and dropped the moment
the data under it changes.

The catalog page and the product API are the same for every visitor; rebuilding them costs
queries and a template per request. Each answer is kept for ``STOREFRONT_CACHE_SECONDS`` (0
turns the cache off) in Redis when ``CACHE_REDIS_URL`` is set, so every gunicorn worker and
every server shares one copy, else in the process's memory (``make run``, tests).

Invalidation is by generation: every key carries the current generation number, and a
service that changes what those pages show (a listing, a price, stock) calls
``public_pages_changed(session)``; once that session commits, the generation goes up by one
(an atomic INCR in Redis), so no process serves an older answer again and the stale entries
simply expire. Bumping after the commit, not before, matters: a reader that took the new
generation number before the commit could otherwise cache the old stock under it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from cachelib import BaseCache
from flask import Flask, current_app, has_app_context
from flask_caching import Cache
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")
log = logging.getLogger(__name__)
EXTENSION_KEY = "cunzhan.public_cache"
CONFIG_SECONDS = "STOREFRONT_CACHE_SECONDS"
GENERATION_KEY = "public-pages-generation"
SIMPLE_CACHE_ENTRIES = 1024
_CHANGED = "cunzhan.public_pages_changed"  # in Session.info: commit drops the public pages


class PublicCache:
    """Answers kept for the app's ``STOREFRONT_CACHE_SECONDS`` under the current generation."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    @property
    def seconds(self) -> float:
        return float(current_app.config[CONFIG_SECONDS])

    @property
    def _backend(self) -> BaseCache:
        return cast(BaseCache, self.cache.cache)

    def _call(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        """A backend call; a cache that is down (Redis unreachable) means building every
        answer, never an error page."""
        try:
            return getattr(self._backend, operation)(*args, **kwargs)
        except Exception:  # any backend's own error type: the page works without the cache
            log.warning("public cache: %s failed", operation, exc_info=True)
            return None

    def generation(self) -> int:
        return int(self._call("get", GENERATION_KEY) or 0)

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        if self.seconds <= 0:
            return build()
        # The generation is read before anything is built, so an answer built from data
        # older than a change is stored under a generation that change has retired; and an
        # answer is not stored at all when a change committed while it was being built.
        generation = self.generation()
        full_key = f"{generation}:{key!r}"
        found = self._call("get", full_key)
        if found is not None:
            return cast(T, found)
        value = build()
        if self.generation() == generation:
            self._call("set", full_key, value, timeout=max(1, round(self.seconds)))
        return value

    def invalidate(self) -> None:
        self._call("inc", GENERATION_KEY)


def init_public_cache(app: Flask, *, redis_url: str | None, database_url: str) -> PublicCache:
    """Redis when ``redis_url`` is given (shared by every process), else this process's
    memory; stored on the app, so two apps in one process keep their own. Keys are named
    after the database, so two sites (or test runs) sharing one Redis never read each
    other's pages. How long answers are kept is read from the app's config on every use."""
    database = hashlib.sha256(database_url.encode()).hexdigest()[:12]
    config: dict[str, object] = {
        "CACHE_KEY_PREFIX": f"cunzhan:{database}:",
        "CACHE_DEFAULT_TIMEOUT": 0,  # the generation never expires; answers get their own
    }
    if redis_url:
        config |= {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url}
    else:
        config |= {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": SIMPLE_CACHE_ENTRIES}
    cache = PublicCache(Cache(app, with_jinja2_ext=False, config=config))
    app.extensions[EXTENSION_KEY] = cache
    return cache


def public_cache() -> PublicCache:
    cache: PublicCache = current_app.extensions[EXTENSION_KEY]
    return cache


def public_pages_changed(session: Session) -> None:
    """Call from a service that changes a listing, a price or stock: the public pages are
    dropped once ``session`` commits (nothing happens if it rolls back)."""
    session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _drop_public_pages(session: Session) -> None:
    if session.info.pop(_CHANGED, False) and has_app_context():
        found = current_app.extensions.get(EXTENSION_KEY)
        if isinstance(found, PublicCache):
            found.invalidate()


@event.listens_for(Session, "after_soft_rollback")
def _forget_changes(session: Session, previous_transaction: object) -> None:
    if not session.in_transaction():  # the whole transaction is gone, not a savepoint
        session.info.pop(_CHANGED, None)
