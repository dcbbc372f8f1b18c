"""The restore drill: write under load, back up, restore into a new database, compare every
table (SQLite through the online backup API, PostgreSQL through pg_dump/pg_restore)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from core.db import make_engine, make_sessionmaker, transaction
from core.models import County
from shop.app import create_app
from shop.demo import load_demo
from shop.models_registry import metadata
from tests.conftest import ThrowawayDatabases, app_config, unavailable


class Writer:
    """Commits one county after another until stopped: the app writing during the backup."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.committed = engine, list[str]()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            name = f"压测县{len(self.committed)}"
            with self.engine.begin() as connection:
                connection.execute(insert(County).values(name=name))
            self.committed.append(name)

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 20
        while len(self.committed) < count:
            assert time.monotonic() < deadline, "the writer is stuck"
            time.sleep(0.01)


def table_rows(engine: Engine) -> dict[str, set[tuple[str, ...]]]:
    with engine.connect() as connection:
        return {
            table.name: {tuple(map(repr, row)) for row in connection.execute(select(table))}
            for table in metadata.sorted_tables
        }


def test_a_backup_taken_under_write_load_restores_every_table(
    backend: str, databases: ThrowawayDatabases, tmp_path: Path
) -> None:
    if backend == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        unavailable("pg_dump/pg_restore are not installed")
    url = databases.new_url(backend)
    engine = make_engine(url)
    metadata.create_all(engine)
    with transaction(make_sessionmaker(engine)) as session:
        load_demo(session, seed=3)
    runner = create_app(app_config(url)).test_cli_runner()

    writer = Writer(engine)
    writer.thread.start()
    try:
        writer.wait_for(30)
        before_backup = set(writer.committed)
        target = tmp_path / f"cunzhan.{'sqlite3' if backend == 'sqlite' else 'dump'}"
        made = runner.invoke(args=["backup", str(target)])
        assert made.exit_code == 0, made.output
        writer.wait_for(len(writer.committed) + 30)  # the writes went on
    finally:
        writer.stop.set()
        writer.thread.join()

    restored_url = databases.new_url(backend)
    done = runner.invoke(args=["restore", str(target), "--into", restored_url])
    assert done.exit_code == 0, done.output
    restored = make_engine(restored_url)
    original, copy = table_rows(engine), table_rows(restored)
    assert set(copy) == set(original)
    for table, rows in original.items():
        if table == "county":
            assert copy[table] <= rows, "nothing in the copy that was never committed"
            with restored.connect() as connection:
                names = set(connection.scalars(select(County.name)))
            assert before_backup <= names, "every order committed before the backup is in it"
        else:
            assert copy[table] == rows, table
    assert sum(map(len, copy.values())) > 1000  # the demo township: every table has rows
    again = runner.invoke(args=["restore", str(target), "--into", restored_url])
    assert again.exit_code != 0  # never restores over a database in use
    restored.dispose()
    engine.dispose()


def test_backup_refuses_to_overwrite(tmp_path: Path, databases: ThrowawayDatabases) -> None:
    url = databases.new_url("sqlite")
    metadata.create_all(make_engine(url))
    target = tmp_path / "taken.sqlite3"
    target.write_bytes(b"precious")
    result = create_app(app_config(url)).test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code != 0 and "exists already" in result.output
    assert target.read_bytes() == b"precious"


@pytest.mark.parametrize("name", ["backup", "restore"])
def test_the_commands_are_documented(name: str) -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    assert f"flask --app shop.app {name}" in text
