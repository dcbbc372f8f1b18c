"""200 slow clients do not take the site down: the production command (gunicorn with
gunicorn.conf.py, production settings, PostgreSQL-free SQLite file, Redis throttles) on a
loopback port keeps answering normal requests while 200 connections trickle their headers.

nginx in front (deploy/nginx.conf) is checked with ``nginx -t`` when nginx is installed."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.db import make_engine
from shop.models_registry import metadata
from tests.conftest import TEST_SECRET_KEY, ThrowawayDatabases, unavailable
from tests.faults.conftest import closed_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
PRODUCTION_COMMAND = [str(GUNICORN), "-c", "gunicorn.conf.py"]
SLOW_CLIENTS = 200
HOLD_SECONDS = 15
OPENSSL_SELF_SIGNED = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
OPENSSL_SELF_SIGNED += ["-subj", "/CN=cunzhan.test"]


def start(command: list[str], port: int, database_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "/dev/null",
        "CUNZHAN_ENV": "production",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/15",
        "STRIPE_SECRET_KEY": "sk_test_not_used",
        "STRIPE_WEBHOOK_SECRET": "whsec_not_used",
    }
    env.pop("CELERY_BROKER_URL", None)
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def get(url: str, timeout: float = 5.0) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return int(response.status)


def wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited"
        try:
            if get(f"{base}/healthz", timeout=2) == 200:
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail("gunicorn did not answer within 60 s")


class SlowClients:
    """Connections that send a request head one header line per second, never finishing."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.sockets: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self) -> SlowClients:
        for _ in range(self.count):
            client = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            client.sendall(b"GET /products HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            self.sockets.append(client)
        self.thread.start()
        return self

    def _trickle(self) -> None:
        number = 0
        while not self.stop.wait(1.0):
            number += 1
            for client in self.sockets:
                with contextlib.suppress(OSError):  # cut by the server: that is its defence
                    client.sendall(f"X-Slow-{number}: 1\r\n".encode())

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join()
        for client in self.sockets:
            client.close()


@pytest.fixture
def production_server(databases: ThrowawayDatabases, tmp_path: Path) -> Iterator[str]:
    url = databases.new_url("sqlite")
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    port = closed_port()
    server = start(PRODUCTION_COMMAND, port, url, tmp_path / "gunicorn.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        (tmp_path / "gunicorn.log.saved").write_bytes((tmp_path / "gunicorn.log").read_bytes())


def test_normal_requests_answer_while_200_slow_clients_hold_connections(
    production_server: str, tmp_path: Path
) -> None:
    port = int(production_server.rsplit(":", 1)[1])
    answers: list[tuple[str, int, float]] = []
    with SlowClients(port, SLOW_CLIENTS):
        time.sleep(2)  # every slow client is connected and sending
        deadline = time.monotonic() + HOLD_SECONDS
        while time.monotonic() < deadline and len(answers) < 6:
            for path in ("/healthz", "/login"):
                started = time.monotonic()
                try:
                    status = get(f"{production_server}{path}")
                except OSError as error:
                    pytest.fail(f"{path} did not answer while slow clients held on: {error}")
                answers.append((path, status, time.monotonic() - started))
            time.sleep(2)
    assert len(answers) == 6
    assert all(status == 200 for _, status, _ in answers), answers
    assert max(seconds for _, _, seconds in answers) < 3, answers
    log = (tmp_path / "gunicorn.log").read_text(errors="replace")
    assert "WORKER TIMEOUT" not in log


def test_the_nginx_sample_configuration_parses(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        unavailable("nginx is not installed (apt-get install nginx-light)")
    assert nginx is not None
    config = tmp_path / "nginx.conf"
    sample = (ROOT / "deploy" / "nginx.conf").read_text()
    # nginx -t loads the certificate: a throwaway self-signed one stands in for yours.
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [*OPENSSL_SELF_SIGNED, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    sample = sample.replace("/etc/ssl/certs/ssl-cert-snakeoil.pem", str(cert))
    sample = sample.replace("/etc/ssl/private/ssl-cert-snakeoil.key", str(key))
    # The sample includes its site into a distribution's nginx.conf; test it wrapped the same way.
    config.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n{sample}\n}}\n"
    )
    checked = subprocess.run(
        [nginx, "-t", "-c", str(config), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
