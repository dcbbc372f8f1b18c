"""What /healthz reports besides the database: Redis and the Celery workers, each checked
with a short timeout so that a health check never hangs on a dead service."""

from __future__ import annotations

import redis
from celery import Celery

TIMEOUT_S = 1.0


def redis_status(url: str) -> str:
    """``ok``, or ``down`` when Redis does not answer a PING within the timeout."""
    client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)
    try:
        return "ok" if client.ping() else "down"
    except (redis.RedisError, OSError):
        return "down"
    finally:
        client.close()


def worker_count(celery: Celery) -> int:
    """How many workers answer a ping through the broker (0 when none does, or the broker
    is unreachable)."""
    try:
        answers = celery.control.inspect(timeout=TIMEOUT_S).ping()
    except Exception:  # an unreachable broker raises kombu's or redis's errors
        return 0
    return len(answers or {})
