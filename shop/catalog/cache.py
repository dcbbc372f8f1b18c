"""A few seconds of memory for the storefront's public answers.

The catalog page and the product API are the same for every visitor; rebuilding them
costs several queries and a template per request. Each app keeps the answers it built
for ``STOREFRONT_CACHE_SECONDS`` (5 by default; 0 turns it off), so a product approved,
delisted or sold shows up there at most that late. Orders never read it: stock is
decided by the conditional UPDATE at checkout, not by what a page showed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")
EXTENSION_KEY = "cunzhan.storefront_cache"
DEFAULT_SECONDS = 5.0
MAX_ENTRIES = 1024


class TTLCache:
    def __init__(self, seconds: float, max_entries: int = MAX_ENTRIES) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        if self.seconds <= 0:
            return build()
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
        if found is not None and found[0] > now:
            return found[1]  # type: ignore[return-value]
        value = build()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # crude but bounded: a burst of distinct searches
            self._entries[key] = (now + self.seconds, value)
        return value


def storefront_cache() -> TTLCache:
    extensions = current_app.extensions
    if EXTENSION_KEY not in extensions:
        seconds = float(current_app.config.get("STOREFRONT_CACHE_SECONDS", DEFAULT_SECONDS))
        extensions[EXTENSION_KEY] = TTLCache(seconds)
    cache: TTLCache = extensions[EXTENSION_KEY]
    return cache
