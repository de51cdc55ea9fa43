"""The schema's history: the migrations, and opening a library's database (`connect`), which applies
the pending ones.

Each migration is a function of the database, named for its one concern (`_m3_venue`: "venue"),
applied once, in order, inside one transaction that also re-reads the schema version, so two
processes opening a new library never both migrate it; `_migrations` records each with its name,
and `pending(path)` lists what would be applied without applying it (`paperlab doctor --pending`).
Released migrations are never edited: a change to the schema is the next function in MIGRATIONS,
in SQL. (Migrations 3 and 4 were written with sqlite-utils' `add_column` and still call it.)
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from paperlab.errors import PaperlabError
from paperlab.store.schema import Database, now, run_script, transaction


def _m1_log_chunks_replications(db: Database) -> None:
    """The reading log, chunks with their FTS5 index, embeddings, replications, claims and runs."""
    run_script(db, """
        CREATE TABLE items (
            id TEXT PRIMARY KEY, title TEXT NOT NULL, type TEXT NOT NULL, link TEXT NOT NULL,
            status TEXT NOT NULL, rating INTEGER, tags TEXT NOT NULL DEFAULT '[]',
            added_at TEXT NOT NULL, started_at TEXT, finished_at TEXT,
            authors TEXT NOT NULL DEFAULT '[]', abstract TEXT NOT NULL DEFAULT '',
            arxiv_id TEXT, version INTEGER, categories TEXT NOT NULL DEFAULT '[]',
            primary_category TEXT NOT NULL DEFAULT '', published TEXT NOT NULL DEFAULT '',
            updated TEXT NOT NULL DEFAULT '', doi TEXT NOT NULL DEFAULT '',
            journal_ref TEXT NOT NULL DEFAULT '', comment TEXT NOT NULL DEFAULT '',
            pdf_path TEXT NOT NULL DEFAULT '', pdf_sha256 TEXT NOT NULL DEFAULT '',
            text_status TEXT NOT NULL DEFAULT 'pending', text_error TEXT NOT NULL DEFAULT ''
        );
        CREATE UNIQUE INDEX items_arxiv_id ON items(arxiv_id) WHERE arxiv_id IS NOT NULL;
        CREATE TABLE log_entries (
            id INTEGER PRIMARY KEY, item_id TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX log_entries_at ON log_entries(at);
        CREATE TABLE notes (
            item_id TEXT PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, indexed_at TEXT
        );
        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY, item_id TEXT NOT NULL, source TEXT NOT NULL,
            page_start INTEGER NOT NULL, page_end INTEGER NOT NULL, section TEXT NOT NULL,
            text TEXT NOT NULL, content_hash TEXT NOT NULL, n_tokens INTEGER NOT NULL
        );
        CREATE INDEX chunks_item ON chunks(item_id, source);
        CREATE VIRTUAL TABLE chunks_fts USING fts5(
            text, section, content='chunks', content_rowid='id', tokenize='porter unicode61'
        );
        CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
            INSERT INTO chunks_fts(rowid, text, section) VALUES (new.id, new.text, new.section);
        END;
        CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
            INSERT INTO chunks_fts(chunks_fts, rowid, text, section)
            VALUES ('delete', old.id, old.text, old.section);
        END;
        CREATE TABLE embeddings (
            model TEXT NOT NULL, content_hash TEXT NOT NULL, vector BLOB NOT NULL,
            PRIMARY KEY (model, content_hash)
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE replications (
            item_id TEXT PRIMARY KEY, status TEXT NOT NULL, path TEXT NOT NULL,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL, summary TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE claims (
            id INTEGER PRIMARY KEY, item_id TEXT NOT NULL, name TEXT NOT NULL, metric TEXT NOT NULL,
            reported REAL NOT NULL, scale TEXT NOT NULL, direction TEXT NOT NULL,
            tolerance REAL NOT NULL, tolerance_kind TEXT NOT NULL, source TEXT NOT NULL DEFAULT '',
            verdict TEXT, obtained REAL, checked_at TEXT
        );
        CREATE TABLE runs (
            id TEXT PRIMARY KEY, item_id TEXT NOT NULL, seed INTEGER NOT NULL,
            config TEXT NOT NULL, config_hash TEXT NOT NULL, git_commit TEXT NOT NULL DEFAULT '',
            device TEXT NOT NULL DEFAULT '', started_at TEXT NOT NULL, duration_s REAL,
            metrics TEXT NOT NULL DEFAULT '{}', exit_status INTEGER, run_dir TEXT NOT NULL
        );
    """)


def _m2_term_counts(db: Database) -> None:
    """Every chunk's term counts, in FTS5's own tokens, so keyword ranking can run in memory
    (retrieval.keywords), and a counter that moves whenever a chunk is added or removed."""
    run_script(db, """
        CREATE TABLE terms (id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE);
        CREATE TABLE chunk_terms (chunk_id INTEGER PRIMARY KEY, length INTEGER NOT NULL, counts BLOB NOT NULL);
        INSERT OR IGNORE INTO meta (key, value) VALUES ('chunks_version', '0');
        CREATE TRIGGER chunks_version_ai AFTER INSERT ON chunks BEGIN
            UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'chunks_version';
        END;
        CREATE TRIGGER chunks_version_ad AFTER DELETE ON chunks BEGIN
            DELETE FROM chunk_terms WHERE chunk_id = old.id;
            UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'chunks_version';
        END;
    """)


def _m3_venue(db: Database) -> None:
    """Where an item appeared (a journal, a conference, a publisher): set by `edit` and imports."""
    db.table("items").add_column("venue", str, not_null_default="")


def _m4_chunk_zone(db: Database) -> None:
    """Where in the paper a chunk lies (front, abstract, body, references, appendix): reference
    lists are left out of default searches. The next `paperlab index` re-chunks old libraries."""
    db.table("chunks").add_column("zone", str, not_null_default="body")


def _m5_what_runs_trained(db: Database) -> None:
    """Each run's record of what it trained (run.json: the data and its fingerprint, the model, the
    budget, what each metric measures), and why each claim got its verdict. Verdicts are re-judged
    under the rules that need these: a run recorded before them says nothing of its data, so no
    claim can be judged on it, and a replication that was reproduced, partial or failed becomes
    inconclusive, which the next `replicate check` or `replicate list` says once (meta 'rechecked')."""
    db.execute("ALTER TABLE runs ADD COLUMN trained TEXT NOT NULL DEFAULT '{}'")
    db.execute("ALTER TABLE claims ADD COLUMN detail TEXT NOT NULL DEFAULT ''")
    stamp = now()
    changed = list(db.query("SELECT item_id, status FROM replications WHERE status IN "
                            "('reproduced', 'partial', 'failed')"))
    for row in changed:
        db.execute("UPDATE replications SET status = 'inconclusive', updated_at = ?, summary = ? WHERE item_id = ?",
                   [stamp, f"was {row['status']}: its runs predate run.json", row["item_id"]])
        db.execute("INSERT INTO log_entries (item_id, at, kind, detail) VALUES (?, ?, 'replication:inconclusive', ?)",
                   [row["item_id"], stamp, f"re-judged: was {row['status']}, but its runs do not record what they "
                    "trained on (data, model, steps); run them again with the current train.py"])
    db.execute("UPDATE claims SET verdict = 'UNTESTED', obtained = NULL, "
               "detail = 'runs recorded before run.json: what they trained on is not known'")
    if changed:
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('rechecked', ?)",
                   [json.dumps({r["item_id"]: r["status"] for r in changed})])


def _m6_bibtex_entry(db: Database) -> None:
    """The BibTeX entry an item was imported from, as written: `export bibtex` gives it back with
    its key, type, fields and LaTeX, changing only what the user changed in paperlab."""
    db.execute("ALTER TABLE items ADD COLUMN bibtex TEXT NOT NULL DEFAULT ''")


def _m7_status_columns(db: Database) -> None:
    """A status change keeps what it was and what it became in columns of its own, not in the
    entry's text; older entries are read once ("to-read -> read", "replication:partial")."""
    db.execute("ALTER TABLE log_entries ADD COLUMN from_status TEXT")
    db.execute("ALTER TABLE log_entries ADD COLUMN to_status TEXT")
    for row in list(db.query("SELECT id, detail FROM log_entries WHERE kind = 'status' AND detail LIKE '% -> %'")):
        before, _, after = row["detail"].partition(" -> ")
        db.execute("UPDATE log_entries SET from_status = ?, to_status = ? WHERE id = ?",
                   [before.strip(), after.strip(), row["id"]])
    db.execute("UPDATE log_entries SET to_status = substr(kind, 13) WHERE kind LIKE 'replication:%' "
               "AND kind NOT IN ('replication:run')")


def _m8_chunk_page_breaks(db: Database) -> None:
    """Where each page starts inside a chunk ("offset:page ..."), so a search cites the page of the
    sentence that answers, not the chunk's range. Empty until the next `paperlab index` re-chunks."""
    db.execute("ALTER TABLE chunks ADD COLUMN page_breaks TEXT NOT NULL DEFAULT ''")


def _m9_feed(db: Database) -> None:
    """The feed: arXiv papers pulled as candidates (not items), the user's "not interested", and each
    pull's progress, so a pull cut off is continued by the next."""
    run_script(db, """
        CREATE TABLE candidates (
            arxiv_id TEXT PRIMARY KEY, version INTEGER, title TEXT NOT NULL, abstract TEXT NOT NULL,
            authors TEXT NOT NULL DEFAULT '[]', categories TEXT NOT NULL DEFAULT '[]',
            primary_category TEXT NOT NULL DEFAULT '', published TEXT NOT NULL, updated TEXT NOT NULL,
            content_hash TEXT NOT NULL, terms BLOB NOT NULL, pulled_at TEXT NOT NULL
        );
        CREATE INDEX candidates_published ON candidates(published);
        CREATE TABLE feed_dismissed (arxiv_id TEXT PRIMARY KEY, at TEXT NOT NULL);
        CREATE TABLE feed_pulls (
            id INTEGER PRIMARY KEY, categories TEXT NOT NULL, since TEXT NOT NULL, until TEXT NOT NULL,
            next_start INTEGER NOT NULL DEFAULT 0, total INTEGER, kept INTEGER NOT NULL DEFAULT 0,
            started_at TEXT NOT NULL, finished_at TEXT
        );
    """)


MIGRATIONS: list[Callable[[Database], None]] = [
    _m1_log_chunks_replications, _m2_term_counts, _m3_venue, _m4_chunk_zone, _m5_what_runs_trained,
    _m6_bibtex_entry, _m7_status_columns, _m8_chunk_page_breaks, _m9_feed,
]


def connect(path: Path, shared: bool = False) -> Database:
    """Open (and migrate) the library database. A library the user cannot write to still opens for
    reading (a read-only mount, a synced folder); its writes then fail with a clear message.
    `shared`: the connection may be used from several threads, one at a time (its owner serialises)."""
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=not shared)
        db = Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        migrate(db, path.parent)
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or "unable to open" in str(exc):
            read_only = _open_read_only(path, shared)
            if read_only is not None:
                return read_only
            raise PaperlabError(f"the library at {path.parent} is read-only and cannot be opened ({exc}); "
                                "make it writable, or work on a copy") from exc
        raise PaperlabError(f"cannot open {path}: {exc}; check the folder's permissions") from exc
    except sqlite3.DatabaseError as exc:
        raise PaperlabError(f"{path} is not a paperlab database: {exc}") from exc
    return db


def _open_read_only(path: Path, shared: bool = False) -> Database | None:
    """The database opened for reading only, if its schema is current (nothing can migrate it)."""
    for flags in ("mode=ro", "immutable=1"):
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True, isolation_level=None,
                                   check_same_thread=not shared)
            db = Database(conn)
            if schema_version(db) >= len(MIGRATIONS):
                return db
            conn.close()
            return None
        except sqlite3.OperationalError:
            continue
    return None


def migration_name(step: Callable[[Database], None]) -> str:
    """A migration's name, one concern each: `_m3_venue` is "venue"."""
    return step.__name__.split("_", 2)[2]


@dataclass
class PendingMigration:
    version: int
    name: str
    what: str  # the first line of its docstring


def pending(path: Path) -> list[PendingMigration]:
    """The migrations this paperlab would apply to the database at `path`, read without changing
    anything (the file is opened read-only; a missing file has them all pending)."""
    version = 0
    if path.exists():
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        try:
            version = schema_version(Database(conn))
        except sqlite3.DatabaseError as exc:
            raise PaperlabError(f"{path} is not a paperlab database: {exc}") from exc
        finally:
            conn.close()
    return [PendingMigration(n, migration_name(step), " ".join((step.__doc__ or "").split(".")[0].split()))
            for n, step in enumerate(MIGRATIONS, start=1) if n > version]


def schema_version(db: Database) -> int:
    if not db.table("_migrations").exists():
        return 0
    row = db.execute("SELECT max(version) FROM _migrations").fetchone()
    return int(row[0] or 0)


def migrate(db: Database, home: Path | None = None) -> int:
    """Apply the pending migrations in one transaction under the library's writer lock (so a second
    process waits, then finds the version it needs); returns the schema version."""
    if schema_version(db) >= len(MIGRATIONS):
        return len(MIGRATIONS)
    from paperlab.fsutil import writer_lock

    with writer_lock(home, "migration") if home is not None else nullcontext(), transaction(db):
        db.execute("CREATE TABLE IF NOT EXISTS _migrations (version INTEGER PRIMARY KEY, applied_at TEXT, name TEXT)")
        if "name" not in {r[1] for r in db.execute("PRAGMA table_info(_migrations)")}:
            db.execute("ALTER TABLE _migrations ADD COLUMN name TEXT")  # libraries from before names
        version = schema_version(db)  # again, under the write lock: another process may have migrated
        for number, step in enumerate(MIGRATIONS, start=1):
            if number > version:
                step(db)
                db.table("_migrations").insert({"version": number, "applied_at": now(),
                                                "name": migration_name(step)})
    return len(MIGRATIONS)


