"""Production settings of gunicorn: ``gunicorn -c gunicorn.conf.py`` (docs/operations.md).

Threaded workers (``gthread``), because a phone on a weak signal is a slow client: with the
sync worker each connection takes a whole process for as long as it takes to send its
request, so a few hundred slow connections (or a slowloris) stop the site and the 30 s
timeout kills the workers. With ``gthread`` a slow connection holds one thread while the
worker's main thread keeps accepting and keeps the heartbeat, so the worker is not killed
and the other threads serve. Run behind nginx (deploy/nginx.conf), which reads whole
requests from slow clients before passing them on; these settings hold without it too.
Every setting can be overridden from the environment.
"""

from __future__ import annotations

import os

wsgi_app = "shop.app:create_app()"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
# Threads per worker: how many connections each worker serves at once, slow ones included.
# Mostly they wait on the network, not on the database (which has its own pool and timeouts).
threads = int(os.environ.get("GUNICORN_THREADS", "64"))
# A worker accepts a connection only while one of its threads is free. Since gunicorn 27
# an accepted connection goes straight to the thread pool: with more connections than
# threads, a worker whose threads all hold slow clients would still accept a new request
# and leave it queued behind them (seen in CI: /login timed out beside 200 slow clients).
# With the two equal, new connections go to a worker that can serve them at once.
worker_connections = threads
# A worker silent this long is killed and replaced (its main thread answers even when every
# thread is busy). Requests themselves end sooner: the database's timeouts answer 503 first.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# No keep-alive: every connection slot is a thread (above), and nginx in front opens its
# own short upstream connections, so an idle kept-alive connection would only hold a slot.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "0"))
# Small request heads: nothing legitimate here needs more.
limit_request_line = 4094
limit_request_fields = 60
limit_request_field_size = 8190
# Restart workers now and then (in turn) so that no slow leak builds up.
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
