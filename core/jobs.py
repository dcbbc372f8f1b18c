"""The Celery app: tasks run inline when no broker is configured, on workers otherwise.

Set CELERY_BROKER_URL (e.g. ``redis://127.0.0.1:6379/0``) to send tasks to workers
started with ``celery -A shop.worker worker``; without it ``.delay()`` runs the task
at once in the caller's process, so ``make run`` needs no Redis.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from celery import Celery, Task
from flask import Flask, current_app, has_app_context
from kombu.exceptions import OperationalError as BrokerUnreachable

from core.settings import Settings


class FlaskTask(Task):  # type: ignore[misc]
    """Runs every task in a fresh app context (its own session) of the app that sent it when
    it runs inline, or on a worker of the Flask app bound to its Celery app (``bind_flask``):
    two Flask apps in one process each run their inline tasks against themselves."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        flask_app = (
            _current_flask_app()
            if has_app_context()
            else getattr(self.app, FLASK_APP_ATTRIBUTE, None)
        )
        if flask_app is None:
            raise RuntimeError("bind_flask(app) must run before tasks (see shop.worker)")
        with flask_app.app_context():
            return self.run(*args, **kwargs)


#: Where a Celery app keeps the Flask app its workers run tasks against.
FLASK_APP_ATTRIBUTE = "cunzhan_flask_app"


def _current_flask_app() -> Flask:
    """The app behind the ``current_app`` proxy, to hand to a task or another thread."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # werkzeug proxy
    return app


log = logging.getLogger("cunzhan.jobs")
# Publishing a task tries the broker three times within about a second, then gives up.
BROKER_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}


def enqueue(task: Task, *args: Any, celery: Celery | None = None) -> bool:
    """Send ``task`` to the workers (of ``celery``, by default the task's own app). False
    when the broker cannot be reached, so that the caller runs the work here instead
    (``.delay()`` would raise and lose the request)."""
    sender = celery or task.app
    try:
        # The outcome is recorded by the task itself (e.g. its PlanRun), not in a result store.
        sender.send_task(
            task.name, args, retry=True, retry_policy=BROKER_RETRY_POLICY, ignore_result=True
        )
    except (BrokerUnreachable, OSError) as error:
        log.error("TASK BROKER UNREACHABLE (%s): %s runs in this process", error, task.name)
        return False
    return True


def make_celery(broker_url: str | None, visibility_timeout: float = 600.0) -> Celery:
    """Tasks are acknowledged once done (acks late), so a task whose worker is lost is not:
    Redis hands it to another worker ``visibility_timeout`` seconds after it was taken."""
    app = Celery("cunzhan", task_cls=FlaskTask)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone="Asia/Shanghai",
        enable_utc=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
    )
    if broker_url:
        app.conf.update(
            broker_url=broker_url,
            result_backend=broker_url,
            broker_transport_options={
                "socket_connect_timeout": 2,
                "visibility_timeout": visibility_timeout,
            },
        )
    else:
        app.conf.update(
            task_always_eager=True,
            task_eager_propagates=True,
            task_store_eager_result=False,
            broker_url="memory://",
            result_backend="cache+memory://",
        )
    return app


_settings = Settings.from_env()
celery_app = make_celery(_settings.celery_broker_url, _settings.celery_visibility_timeout)


def bind_flask(flask_app: Flask, celery: Celery = celery_app) -> Celery:
    """The app's Celery (``app.extensions["celery"]``), and the Flask app that ``celery``'s
    workers run tasks against (a worker process serves one Flask app: the last bound)."""
    setattr(celery, FLASK_APP_ATTRIBUTE, flask_app)
    flask_app.extensions["celery"] = celery
    return celery


def app_celery() -> Celery:
    """The Celery app bound to the current Flask app (``bind_flask``), else the process's."""
    bound: Celery = current_app.extensions.get("celery", celery_app)
    return bound


def has_workers(celery: Celery = celery_app) -> bool:
    """Whether ``.delay()`` reaches Celery workers (a broker is configured)."""
    return not celery.conf.task_always_eager


_threads: dict[str, ThreadPoolExecutor] = {}


def in_background(job: Callable[..., Any], *args: Any) -> None:
    """Run ``job(*args)`` after this request, in a thread of this server process with an app
    context (and so a database session) of its own; jobs run one after another.

    For work that must not keep a request waiting where no Celery worker is configured. The
    job records its own progress in the database, where any request (any server process)
    reads it. With ``JOBS_INLINE`` set (the tests that share one rolled-back transaction) the
    job runs at once instead.
    """
    flask_app = _current_flask_app()
    if flask_app.config.get("JOBS_INLINE"):
        job(*args)
        return
    if "pool" not in _threads:
        _threads["pool"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cunzhan-job")
    _threads["pool"].submit(_run_in_context, flask_app, job, args)


def _run_in_context(flask_app: Flask, job: Callable[..., Any], args: tuple[Any, ...]) -> None:
    with flask_app.app_context():
        try:
            job(*args)
        except Exception:
            log.exception("background job %s failed", getattr(job, "__name__", job))
