"""Backups that restore: ``flask --app shop.app backup`` and ``flask --app shop.app restore``.

SQLite runs in WAL mode: committed transactions live in ``cunzhan.sqlite3-wal`` until a
checkpoint copies them into the main file, so copying ``cunzhan.sqlite3`` while the app
writes gives a consistent file that lacks the latest orders. We use SQLite's online backup
API instead (``sqlite3.Connection.backup``): a consistent snapshot with every committed
transaction, taken while the app keeps writing.

PostgreSQL is dumped with ``pg_dump --format=custom`` (one consistent snapshot, without
stopping writers) and restored with ``pg_restore`` into a new, empty database. Point-in-time
recovery needs WAL archiving on the server: docs/operations.md.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(RuntimeError):
    """The backup or the restore could not be made; the message says why."""


def default_backup_path(database_url: str, directory: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = ".sqlite3" if _is_sqlite(make_url(database_url)) else ".dump"
    return directory / f"cunzhan-{stamp}{suffix}"


def backup(database_url: str, target: Path) -> Path:
    """Write a consistent copy of the database at ``database_url`` to ``target``."""
    url = make_url(database_url)
    if target.exists():
        raise BackupError(f"{target} exists already; choose another name")
    target.parent.mkdir(parents=True, exist_ok=True)
    if _is_sqlite(url):
        _copy_sqlite(_sqlite_path(url), target)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}"], url)
    return target


def restore(source: Path, database_url: str) -> None:
    """Restore the backup ``source`` into the new, empty database at ``database_url``."""
    url = make_url(database_url)
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    if _is_sqlite(url):
        path = _sqlite_path(url)
        if path.exists() and path.stat().st_size > 0:
            raise BackupError(f"{path} exists already: restore into a new file")
        path.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(source, path)
    else:
        _run(["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"], url, source)


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def _copy_sqlite(source: Path, target: Path) -> None:
    """The online backup API in one step: a read transaction, which in WAL mode never stops
    the writers, copies the state of one moment with every transaction committed by then,
    from the WAL file too. (Copying in several steps would restart at every write.)"""
    with (
        sqlite3.connect(f"file:{source}?mode=ro", uri=True) as reader,
        sqlite3.connect(target) as writer,
    ):
        reader.backup(writer)
        check = writer.execute("PRAGMA integrity_check").fetchone()
    reader.close()
    writer.close()
    if check != ("ok",):
        raise BackupError(f"the copy in {target} fails SQLite's integrity check: {check}")


def _run(command: list[str], url: URL, source: Path | None = None) -> None:
    """Run pg_dump or pg_restore against ``url`` (connection details in libpq's variables,
    so that no password shows in the process list)."""
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client)")
    env = {
        **os.environ,
        "PGHOST": url.host or "",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "",
        "PGDATABASE": url.database or "",
    }
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    arguments = [*command, f"--dbname={url.database}"] if source else command
    if source:
        arguments.append(str(source))
    done = subprocess.run(arguments, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")
