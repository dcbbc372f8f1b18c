"""What keeps the books honest, and where each rule is enforced.

* Balanced entries: ``services.post`` refuses an entry whose postings do not sum to zero
  (both backends). On PostgreSQL a deferred constraint trigger checks every entry again
  at commit, so even SQL written by hand cannot commit an unbalanced entry. SQLite has no
  deferred triggers: there the service is the guard.
* Insert-only: triggers on both backends refuse UPDATE and DELETE of ``journal_entry``
  and ``posting``; an ORM flush that would change or delete one is refused before it
  reaches the database.
* No zero postings: a CHECK constraint. One entry per business event: a UNIQUE key.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DDL, event
from sqlalchemy.orm import Session

from ledger.errors import LedgerError
from ledger.models import JournalEntry, Posting

INSERT_ONLY_MESSAGE = "ledger entries are insert-only"


def sqlite_triggers(table: str) -> list[str]:
    """SQLite's insert-only triggers of one table."""
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{INSERT_ONLY_MESSAGE}'); END"
        for action in ("UPDATE", "DELETE")
    ]


_SQLITE_TRIGGERS = [*sqlite_triggers("journal_entry"), *sqlite_triggers("posting")]

_POSTGRES_FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION ledger_insert_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '{INSERT_ONLY_MESSAGE}'; END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION ledger_entry_balanced() RETURNS trigger AS $$
BEGIN
  IF (SELECT COALESCE(SUM(amount_fen), 0) FROM posting WHERE entry_id = NEW.entry_id) <> 0
  THEN RAISE EXCEPTION 'journal entry % does not balance', NEW.entry_id;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
]


def _postgres_triggers(table: str) -> list[str]:
    statements = [
        f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION ledger_insert_only()"
    ]
    if table == "posting":
        statements.append(
            "CREATE CONSTRAINT TRIGGER posting_balanced AFTER INSERT ON posting "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced()"
        )
    return statements


def upgrade_statements(dialect: str) -> list[str]:
    """The trigger DDL for a backend, in order (used by the migration and create_all)."""
    if dialect == "sqlite":
        return list(_SQLITE_TRIGGERS)
    if dialect == "postgresql":
        return [
            *_POSTGRES_FUNCTIONS,
            *_postgres_triggers("journal_entry"),
            *_postgres_triggers("posting"),
        ]
    return []


def downgrade_statements(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_{action}"
            for table in ("journal_entry", "posting")
            for action in ("update", "delete")
        ]
    if dialect == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS posting_balanced ON posting",
            "DROP TRIGGER IF EXISTS posting_insert_only ON posting",
            "DROP TRIGGER IF EXISTS journal_entry_insert_only ON journal_entry",
            "DROP FUNCTION IF EXISTS ledger_entry_balanced()",
            "DROP FUNCTION IF EXISTS ledger_insert_only()",
        ]
    return []


def _install_on_create() -> None:
    """``metadata.create_all`` (tests, a fresh dev database) gets the triggers too."""
    for dialect in ("sqlite", "postgresql"):
        for statement in upgrade_statements(dialect):
            event.listen(
                Posting.__table__,
                "after_create",
                DDL(statement.replace("%", "%%")).execute_if(dialect=dialect),  # type: ignore[no-untyped-call]
            )


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _context: Any, _instances: Any) -> None:
    for instance in (*session.dirty, *session.deleted):
        if isinstance(instance, JournalEntry | Posting) and (
            instance in session.deleted or session.is_modified(instance)
        ):
            raise LedgerError("insert_only")


_install_on_create()
