"""The database file's connection, transactions and the `meta` table: what every storage module
uses. The schema's history (the migrations, applied when a library is opened) is migrations.py."""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any


class Database:
    """The library's connection, in autocommit mode (`transaction()` groups writes), with the few
    table operations paperlab needs written as plain SQL. sqlite-utils, whose table API wrote the
    released migrations, costs ~0.1 s to import: it is loaded only when a migration runs."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> sqlite3.Cursor:
        return self.conn.execute(sql) if parameters is None else self.conn.execute(sql, parameters)

    def query(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """The rows of a SELECT as dicts (the statement runs now; rows are read as iterated)."""
        cursor = self.execute(sql, parameters)
        keys = [d[0] for d in cursor.description]
        return (dict(zip(keys, row, strict=True)) for row in cursor)

    def table(self, name: str) -> Table:
        return Table(self, name)

    def close(self) -> None:
        self.conn.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _value(value: Any) -> Any:
    """Lists and dicts are stored as JSON, as sqlite-utils stores them."""
    return json.dumps(value) if isinstance(value, (list, dict)) else value


class Table:
    def __init__(self, db: Database, name: str) -> None:
        self.db, self.name = db, name

    def exists(self) -> bool:
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                               [self.name]).fetchone() is not None

    def insert(self, row: dict[str, Any], replace: bool = False) -> None:
        self.insert_all([row], replace=replace)

    def insert_all(self, rows: Iterable[dict[str, Any]], replace: bool = False) -> None:
        rows = iter(rows)
        first = next(rows, None)
        if first is None:
            return
        columns = list(first)
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        sql = (f"{verb} INTO {_quote(self.name)} ({', '.join(map(_quote, columns))}) "
               f"VALUES ({', '.join('?' for _ in columns)})")
        self.db.conn.executemany(sql, ([_value(r[c]) for c in columns] for r in itertools.chain([first], rows)))

    def upsert(self, row: dict[str, Any], pk: str) -> None:
        """Insert the row, or update the columns it names where its primary key `pk` exists."""
        columns = list(row)
        updates = ", ".join(f"{_quote(c)} = excluded.{_quote(c)}" for c in columns if c != pk)
        self.db.execute(
            f"INSERT INTO {_quote(self.name)} ({', '.join(map(_quote, columns))}) "
            f"VALUES ({', '.join('?' for _ in columns)}) ON CONFLICT({_quote(pk)}) DO UPDATE SET {updates}",
            [_value(row[c]) for c in columns])

    def update(self, key: Any, changes: dict[str, Any]) -> None:
        """Set `changes` on the row whose (single-column) primary key is `key`."""
        if not changes:
            return
        pk = next((r[1] for r in self.db.execute(f"PRAGMA table_info({_quote(self.name)})") if r[5] == 1),
                  "rowid")
        assignments = ", ".join(f"{_quote(c)} = ?" for c in changes)
        self.db.execute(f"UPDATE {_quote(self.name)} SET {assignments} WHERE {_quote(pk)} = ?",
                        [*map(_value, changes.values()), key])

    def delete_where(self, condition: str, parameters: Sequence[Any] = ()) -> None:
        self.db.execute(f"DELETE FROM {_quote(self.name)} WHERE {condition}", parameters)

    def add_column(self, name: str, col_type: type, not_null_default: Any) -> None:
        """For the released migrations, which sqlite-utils wrote: they stay exactly as shipped."""
        import sqlite_utils

        sqlite_utils.Database(self.db.conn).table(self.name).add_column(
            name, col_type, not_null_default=not_null_default)


# chunks_fts's tokenizer (migration 1); the scratch table that reads tokens back must use the same.
FTS_TOKENIZER = "porter unicode61"


def run_script(db: Database, script: str) -> None:
    """Run SQL statements one by one (executescript() would commit the open transaction)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


@contextmanager
def transaction(db: Database) -> Iterator[None]:
    """One transaction; nested calls join the outer one."""
    conn = db.conn
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def where(*conditions: tuple[str, Any]) -> tuple[str, list[Any]]:
    """AND of the clauses whose value is given, with their parameters."""
    used = [(clause, value) for clause, value in conditions if value]
    return " AND ".join(c for c, _ in used) or "1=1", [v for _, v in used]


def in_batches(ids: list[int], size: int = 500) -> Iterator[tuple[list[int], str]]:
    """Slices of `ids` small enough for one `IN (...)`, each with its `?,?,...` placeholders."""
    for start in range(0, len(ids), size):
        part = ids[start:start + size]
        yield part, ",".join("?" for _ in part)


def integrity_check(db: Database) -> str:
    """SQLite's own check of the file: 'ok', or what is damaged."""
    return "; ".join(str(r[0]) for r in db.execute("PRAGMA integrity_check").fetchall())


def get_meta(db: Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(db: Database, key: str, value: str) -> None:
    db.table("meta").upsert({"key": key, "value": value}, pk="key")
