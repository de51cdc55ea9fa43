"""The only module that writes SQL: the reading log, chunks, embeddings cache, replications.

The schema is built by numbered migrations, each applied once inside a transaction. Multi-statement
writes go through `transaction()`, so a failure leaves the database as it was.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any


def _import_sqlite_utils():  # type: ignore[no-untyped-def]
    """sqlite-utils imports numpy (~90 ms) only to register adapters paperlab never uses: vectors
    are stored as bytes. Hide numpy while it loads so light commands stay fast."""
    if "numpy" in sys.modules:
        import sqlite_utils
        return sqlite_utils
    sys.modules["numpy"] = None  # type: ignore[assignment]  # makes `import numpy` fail
    try:
        import sqlite_utils
    finally:
        del sys.modules["numpy"]
    return sqlite_utils


if TYPE_CHECKING:
    import sqlite_utils
else:
    sqlite_utils = _import_sqlite_utils()

from paperlab.errors import InvalidInput, ItemNotFound, PaperlabError  # noqa: E402
from paperlab.models import Item, LogEntry  # noqa: E402

JSON_FIELDS = ("tags", "authors", "categories")


# Each migration is one SQL script, applied once, atomically, in order. Never edit a released one:
# add the next number.
MIGRATIONS: list[str] = [
    """
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
    """,
    # 2: every chunk's term counts, in FTS5's own tokens, so keyword ranking can run in memory
    # (paperlab.keywords), and a counter that moves whenever a chunk is added or removed.
    """
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
    """,
]

# chunks_fts's tokenizer (migration 1); the scratch table that reads tokens back must use the same.
FTS_TOKENIZER = "porter unicode61"


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def connect(path: Path) -> sqlite_utils.Database:
    """Open (and migrate) the library database."""
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        migrate(db)
    except sqlite3.OperationalError as exc:
        raise PaperlabError(f"cannot open {path}: {exc}; check the folder's permissions") from exc
    except sqlite3.DatabaseError as exc:
        raise PaperlabError(f"{path} is not a paperlab database: {exc}") from exc
    return db


def schema_version(db: sqlite_utils.Database) -> int:
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
    row = db.execute("SELECT max(version) FROM _migrations").fetchone()
    return int(row[0] or 0)


def migrate(db: sqlite_utils.Database) -> int:
    """Apply pending migrations, each in its own transaction; returns the schema version."""
    version = schema_version(db)
    for number, script in enumerate(MIGRATIONS, start=1):
        if number <= version:
            continue
        # executescript() commits before it runs, so the transaction lives inside the script.
        try:
            db.conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\n"
                f"INSERT INTO _migrations VALUES ({number}, '{now()}');\nCOMMIT;"
            )
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        version = number
    return version


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
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


def _insert(db: sqlite_utils.Database, table: str, row: dict[str, Any], replace: bool = False) -> int:
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    cur = db.execute(f"{verb} INTO {table} ({cols}) VALUES ({marks})", list(row.values()))
    return int(cur.lastrowid or 0)


def _where(*conditions: tuple[str, Any]) -> tuple[str, list[Any]]:
    """AND of the clauses whose value is given, with their parameters."""
    used = [(clause, value) for clause, value in conditions if value]
    return " AND ".join(c for c, _ in used) or "1=1", [v for _, v in used]


# --- items -----------------------------------------------------------------------------------


def _item_row(item: Item) -> dict[str, Any]:
    row = item.to_dict()
    for name in JSON_FIELDS:
        row[name] = json.dumps(row[name])
    return row


def _item_from_row(row: dict[str, Any]) -> Item:
    known = {f.name for f in fields(Item)}
    values = {k: v for k, v in row.items() if k in known}
    for name in JSON_FIELDS:
        values[name] = json.loads(values[name] or "[]")
    return Item(**values)


def insert_item(db: sqlite_utils.Database, item: Item) -> None:
    if item_exists(db, item.id):
        raise InvalidInput(f"'{item.id}' is already in the library")
    _insert(db, "items", _item_row(item))


def replace_item(db: sqlite_utils.Database, item: Item) -> None:
    _insert(db, "items", _item_row(item), replace=True)


def item_exists(db: sqlite_utils.Database, item_id: str) -> bool:
    return db.execute("SELECT 1 FROM items WHERE id = ?", [item_id]).fetchone() is not None


def get_item(db: sqlite_utils.Database, item_id: str) -> Item:
    rows = list(db.query("SELECT * FROM items WHERE id = ?", [item_id]))
    if not rows:
        raise ItemNotFound(f"no item '{item_id}' in the library; `paperlab log` lists what is there")
    return _item_from_row(rows[0])


def item_by_arxiv_id(db: sqlite_utils.Database, arxiv_id: str) -> Item | None:
    rows = list(db.query("SELECT * FROM items WHERE arxiv_id = ?", [arxiv_id]))
    return _item_from_row(rows[0]) if rows else None


def update_item(db: sqlite_utils.Database, item_id: str, **changes: Any) -> None:
    if not changes:
        return
    for name in JSON_FIELDS:
        if name in changes:
            changes[name] = json.dumps(changes[name])
    sets = ", ".join(f"{k} = ?" for k in changes)
    cur = db.execute(f"UPDATE items SET {sets} WHERE id = ?", [*changes.values(), item_id])
    if cur.rowcount == 0:
        raise ItemNotFound(f"no item '{item_id}' in the library")


def delete_item(db: sqlite_utils.Database, item_id: str) -> None:
    with transaction(db):
        for table in ("items",):
            db.execute(f"DELETE FROM {table} WHERE id = ?", [item_id])
        for table in ("log_entries", "notes", "chunks", "replications", "claims", "runs"):
            db.execute(f"DELETE FROM {table} WHERE item_id = ?", [item_id])


def list_items(
    db: sqlite_utils.Database,
    status: str | None = None,
    type_: str | None = None,
    tag: str | None = None,
    since: str | None = None,
) -> list[Item]:
    where, params = _where(
        ("status = ?", status), ("type = ?", type_), ("added_at >= ?", since),
        ("EXISTS (SELECT 1 FROM json_each(items.tags) WHERE value = ?)", tag),
    )
    sql = f"SELECT * FROM items WHERE {where} ORDER BY added_at, id"
    return [_item_from_row(r) for r in db.query(sql, params)]


def all_item_ids(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT id FROM items ORDER BY id").fetchall()]


# --- log -------------------------------------------------------------------------------------


def add_log(
    db: sqlite_utils.Database, item_id: str, kind: str, detail: str = "", at: str | None = None
) -> None:
    _insert(db, "log_entries", {"item_id": item_id, "at": at or now(), "kind": kind, "detail": detail})


def log_entries(
    db: sqlite_utils.Database, since: str | None = None, until: str | None = None,
    item_id: str | None = None,
) -> list[LogEntry]:
    where, params = _where(("at >= ?", since), ("at < ?", until), ("item_id = ?", item_id))
    sql = f"SELECT item_id, at, kind, detail FROM log_entries WHERE {where} ORDER BY at, id"
    return [LogEntry(**r) for r in db.query(sql, params)]


def activity_days(db: sqlite_utils.Database) -> set[str]:
    return {r[0] for r in db.execute("SELECT DISTINCT substr(at, 1, 10) FROM log_entries").fetchall()}


# --- notes metadata --------------------------------------------------------------------------


def note_hash(db: sqlite_utils.Database, item_id: str) -> str | None:
    row = db.execute("SELECT sha256 FROM notes WHERE item_id = ?", [item_id]).fetchone()
    return row[0] if row else None


def set_note_meta(db: sqlite_utils.Database, item_id: str, path: str, sha256: str) -> None:
    _insert(db, "notes", {"item_id": item_id, "path": path, "sha256": sha256, "indexed_at": now()},
            replace=True)


# --- meta ------------------------------------------------------------------------------------


def get_meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    _insert(db, "meta", {"key": key, "value": value}, replace=True)


def _query(db: sqlite_utils.Database, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
    """Rows as dicts."""
    return list(db.query(sql, list(params)))


# --- chunks, embeddings, keyword index -------------------------------------------------------


def chunk_hashes(db: sqlite_utils.Database, item_id: str, source: str) -> list[str]:
    sql = "SELECT content_hash FROM chunks WHERE item_id = ? AND source = ? ORDER BY id"
    return [r[0] for r in db.execute(sql, [item_id, source]).fetchall()]


def replace_chunks(
    db: sqlite_utils.Database, item_id: str, source: str, chunks: list[dict[str, Any]]
) -> tuple[list[int], list[int]]:
    """Swap an item's chunks of one source for new ones; returns (added ids, removed ids)."""
    with transaction(db):
        removed = [r[0] for r in db.execute(
            "SELECT id FROM chunks WHERE item_id = ? AND source = ?", [item_id, source]).fetchall()]
        db.execute("DELETE FROM chunks WHERE item_id = ? AND source = ?", [item_id, source])
        added = [_insert(db, "chunks", {"item_id": item_id, "source": source, **c}) for c in chunks]
        store_chunk_terms(db, added)
    return added, removed


def delete_orphan_chunks(db: sqlite_utils.Database) -> list[int]:
    """Chunks whose item is gone; returns their ids."""
    with transaction(db):
        ids = [r[0] for r in db.execute(
            "SELECT id FROM chunks WHERE item_id NOT IN (SELECT id FROM items)").fetchall()]
        db.execute("DELETE FROM chunks WHERE item_id NOT IN (SELECT id FROM items)")
    return ids


def texts_missing_embedding(db: sqlite_utils.Database, model: str) -> list[tuple[str, str]]:
    sql = """SELECT content_hash, min(text) FROM chunks
             WHERE content_hash NOT IN (SELECT content_hash FROM embeddings WHERE model = ?)
             GROUP BY content_hash"""
    return [(r[0], r[1]) for r in db.execute(sql, [model]).fetchall()]


def put_embeddings(db: sqlite_utils.Database, model: str, rows: list[tuple[str, bytes]]) -> None:
    with transaction(db):
        db.conn.executemany(
            "INSERT OR REPLACE INTO embeddings (model, content_hash, vector) VALUES (?, ?, ?)",
            [(model, h, v) for h, v in rows],
        )


def chunk_vectors(
    db: sqlite_utils.Database, model: str, ids: list[int] | None = None
) -> list[tuple[int, bytes]]:
    sql = """SELECT c.id, e.vector FROM chunks c
             JOIN embeddings e ON e.content_hash = c.content_hash AND e.model = ?"""
    if ids is None:
        return [(r[0], r[1]) for r in db.execute(sql + " ORDER BY c.id", [model]).fetchall()]
    out: list[tuple[int, bytes]] = []
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        marks = ",".join("?" for _ in part)
        out += [(r[0], r[1]) for r in db.execute(f"{sql} WHERE c.id IN ({marks})",
                                                  [model, *part]).fetchall()]
    return out


def all_chunk_ids(db: sqlite_utils.Database) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM chunks ORDER BY id").fetchall()]


def has_chunks(db: sqlite_utils.Database) -> bool:
    return db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is not None


def count_chunks(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT count(*) FROM chunks").fetchone()[0])


def _chunk_filter(
    paper: str | None, notes_only: bool, status: str | None, tag: str | None
) -> tuple[str, list[Any]]:
    """WHERE clause over chunks c joined with items i; no parameters means no filter."""
    return _where(
        ("c.item_id = ?", paper), ("c.source = ?", "notes" if notes_only else None), ("i.status = ?", status),
        ("EXISTS (SELECT 1 FROM json_each(i.tags) WHERE value = ?)", tag),
    )


def fts_search(
    db: sqlite_utils.Database, match: str, limit: int, paper: str | None = None,
    notes_only: bool = False, status: str | None = None, tag: str | None = None,
) -> list[tuple[int, float]]:
    """(chunk id, bm25 score: lower is better) for an FTS5 MATCH expression."""
    where, params = _chunk_filter(paper, notes_only, status, tag)
    if params:
        sql = f"""SELECT c.id, bm25(chunks_fts) AS score FROM chunks_fts
                  JOIN chunks c ON c.id = chunks_fts.rowid JOIN items i ON i.id = c.item_id
                  WHERE chunks_fts MATCH ? AND {where} ORDER BY score LIMIT ?"""
    else:
        sql = "SELECT rowid, rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?"
    # terms are quoted letter-and-digit words (search.fts_expression): MATCH never sees a syntax error
    return [(r[0], r[1]) for r in db.execute(sql, [match, *params, limit]).fetchall()]


# --- term counts (paperlab.keywords) -------------------------------------------------------------


def _scratch(db: sqlite_utils.Database) -> None:
    """An empty temporary FTS5 table with chunks_fts's tokenizer: what goes in comes back as FTS5's
    tokens. Each use empties it first."""
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.token_scratch USING "
               f"fts5(text, section, tokenize='{FTS_TOKENIZER}')")
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.token_scratch_vocab "
               "USING fts5vocab(temp, token_scratch, instance)")
    db.execute("DELETE FROM temp.token_scratch")


def store_chunk_terms(db: sqlite_utils.Database, ids: list[int]) -> None:
    """Record each chunk's (term id, count) pairs and token count, as chunks_fts counts them."""
    from array import array

    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        with transaction(db):
            _scratch(db)
            marks = ",".join("?" for _ in part)
            db.execute("INSERT INTO temp.token_scratch (rowid, text, section) "
                       f"SELECT id, text, section FROM chunks WHERE id IN ({marks})", part)
            db.execute("INSERT OR IGNORE INTO terms (term) SELECT DISTINCT term FROM temp.token_scratch_vocab")
            rows = db.execute(
                """SELECT v.doc, t.id, count(*) FROM temp.token_scratch_vocab v
                   JOIN terms t ON t.term = v.term GROUP BY v.doc, t.id ORDER BY v.doc, t.id""").fetchall()
            out: list[tuple[int, int, bytes]] = []
            term_ids, counts = array("I"), array("I")
            for n, (doc, term_id, count) in enumerate(rows):
                term_ids.append(term_id)
                counts.append(count)
                if n + 1 == len(rows) or rows[n + 1][0] != doc:
                    out.append((doc, sum(counts), term_ids.tobytes() + counts.tobytes()))
                    term_ids, counts = array("I"), array("I")
            empty = set(part) - {doc for doc, _, _ in out}  # chunks with no tokens at all
            out += [(doc, 0, b"") for doc in sorted(empty)]
            db.conn.executemany("INSERT OR REPLACE INTO chunk_terms VALUES (?, ?, ?)", out)


def chunks_missing_terms(db: sqlite_utils.Database) -> list[int]:
    """Chunks without term counts: those written before migration 2."""
    sql = "SELECT id FROM chunks WHERE id NOT IN (SELECT chunk_id FROM chunk_terms) ORDER BY id"
    return [r[0] for r in db.execute(sql).fetchall()]


def count_chunk_terms(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT count(*) FROM chunk_terms").fetchone()[0])


def all_chunk_terms(db: sqlite_utils.Database) -> list[tuple[int, int, bytes]]:
    """(chunk id, token count, packed term ids then counts) for every chunk, by id."""
    sql = "SELECT chunk_id, length, counts FROM chunk_terms ORDER BY chunk_id"
    return [(r[0], r[1], r[2]) for r in db.execute(sql).fetchall()]


def chunks_version(db: sqlite_utils.Database) -> int:
    return int(get_meta(db, "chunks_version") or 0)


def query_term_ids(db: sqlite_utils.Database, words: list[str]) -> list[int] | None:
    """The term id of each word as chunks_fts would tokenize it (-1: no chunk has it), or None when
    a word is not exactly one token (FTS5 would read it as a phrase)."""
    _scratch(db)
    db.conn.executemany("INSERT INTO temp.token_scratch (rowid, text, section) VALUES (?, ?, '')",
                        [(n, w) for n, w in enumerate(words, start=1)])
    tokens = db.execute("SELECT doc, term FROM temp.token_scratch_vocab").fetchall()
    if sorted(doc for doc, _ in tokens) != list(range(1, len(words) + 1)):
        return None
    by_doc = dict(tokens)
    marks = ",".join("?" for _ in by_doc)
    known = dict(db.execute(f"SELECT term, id FROM terms WHERE term IN ({marks})",
                            list(by_doc.values())).fetchall())
    return [known.get(by_doc[n], -1) for n in range(1, len(words) + 1)]


def filtered_chunk_ids(
    db: sqlite_utils.Database, paper: str | None = None, notes_only: bool = False,
    status: str | None = None, tag: str | None = None,
) -> set[int] | None:
    """The chunk ids a filter allows, or None when there is no filter."""
    where, params = _chunk_filter(paper, notes_only, status, tag)
    if not params:
        return None
    sql = f"SELECT c.id FROM chunks c JOIN items i ON i.id = c.item_id WHERE {where}"
    return {r[0] for r in db.execute(sql, params).fetchall()}


def chunk_details(db: sqlite_utils.Database, ids: list[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        marks = ",".join("?" for _ in part)
        sql = f"""SELECT c.id, c.item_id, c.source, c.page_start, c.page_end, c.section, c.text,
                         i.title FROM chunks c JOIN items i ON i.id = c.item_id
                  WHERE c.id IN ({marks})"""
        for r in db.query(sql, part):
            out[r["id"]] = r
    return out


def paper_pages(db: sqlite_utils.Database, item_id: str) -> list[tuple[int, str]]:
    """(first page, text) of an item's paper chunks, in reading order."""
    sql = "SELECT page_start, text FROM chunks WHERE item_id = ? AND source = 'paper' ORDER BY id"
    return [(r[0], r[1]) for r in db.execute(sql, [item_id]).fetchall()]


def item_chunk_ids(db: sqlite_utils.Database, item_id: str, source: str = "paper") -> list[int]:
    sql = "SELECT id FROM chunks WHERE item_id = ? AND source = ?"
    return [r[0] for r in db.execute(sql, [item_id, source]).fetchall()]


def execute_delete_note(db: sqlite_utils.Database, item_id: str) -> None:
    db.execute("DELETE FROM notes WHERE item_id = ?", [item_id])


# --- replications ----------------------------------------------------------------------------


def upsert_replication(
    db: sqlite_utils.Database, item_id: str, status: str, path: str | None = None,
    summary: str | None = None,
) -> None:
    stamp = now()
    existing = db.execute("SELECT path, summary FROM replications WHERE item_id = ?", [item_id]).fetchone()
    if existing is None:
        _insert(db, "replications", {"item_id": item_id, "status": status, "path": path or "",
                                     "created_at": stamp, "updated_at": stamp, "summary": summary or ""})
        return
    db.execute(
        "UPDATE replications SET status = ?, path = ?, summary = ?, updated_at = ? WHERE item_id = ?",
        [status, path or existing[0], existing[1] if summary is None else summary, stamp, item_id],
    )


def get_replication(db: sqlite_utils.Database, item_id: str) -> dict[str, Any] | None:
    found = _query(db, "SELECT * FROM replications WHERE item_id = ?", [item_id])
    return found[0] if found else None


def list_replications(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return _query(db, """SELECT r.*, i.title,
                       (SELECT count(*) FROM runs WHERE runs.item_id = r.item_id) AS runs
                       FROM replications r JOIN items i ON i.id = r.item_id ORDER BY r.item_id""")


def insert_run(db: sqlite_utils.Database, run: dict[str, Any]) -> None:
    row = dict(run)
    row["metrics"] = json.dumps(row.get("metrics") or {})
    _insert(db, "runs", row, replace=True)


def runs_for(db: sqlite_utils.Database, item_id: str, config: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM runs WHERE item_id = ?" + (" AND config = ?" if config else "")
    out = _query(db, sql + " ORDER BY started_at, id", [item_id, config] if config else [item_id])
    for r in out:
        r["metrics"] = json.loads(r["metrics"] or "{}")
    return out


def replace_claims(db: sqlite_utils.Database, item_id: str, verdicts: list[dict[str, Any]]) -> None:
    with transaction(db):
        db.execute("DELETE FROM claims WHERE item_id = ?", [item_id])
        for v in verdicts:
            _insert(db, "claims", {"item_id": item_id, **v})


def chunk_owners(db: sqlite_utils.Database) -> dict[int, str]:
    """chunk id -> item id, for evaluation at the level of documents."""
    return {r[0]: r[1] for r in db.execute("SELECT id, item_id FROM chunks").fetchall()}
