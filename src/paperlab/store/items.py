"""The reading log's rows: items, their dated log entries, and which notes file was indexed."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from paperlab.errors import InvalidInput, ItemNotFound
from paperlab.models import Item, LogEntry
from paperlab.store.schema import Database, now, transaction, where

JSON_FIELDS = ("tags", "authors", "categories")
LOG_DATE = "substr(coalesce(finished_at, started_at, added_at), 1, 10)"
_ITEM_FIELDS = frozenset(f.name for f in fields(Item))


def _encode(values: dict[str, Any]) -> dict[str, Any]:
    return {k: json.dumps(v) if k in JSON_FIELDS else v for k, v in values.items()}


def _item_from_row(row: dict[str, Any]) -> Item:
    values = {k: v for k, v in row.items() if k in _ITEM_FIELDS}
    for name in JSON_FIELDS:
        values[name] = json.loads(values[name] or "[]")
    return Item(**values)


def not_found(ref: str) -> ItemNotFound:
    return ItemNotFound(f"no item '{ref}' in the library; `paperlab log` lists what is there")


def insert_item(db: Database, item: Item) -> None:
    if item_exists(db, item.id):
        raise InvalidInput(f"'{item.id}' is already in the library")
    db.table("items").insert(_encode(asdict(item)))


def replace_item(db: Database, item: Item) -> None:
    db.table("items").insert(_encode(asdict(item)), replace=True)


def item_exists(db: Database, item_id: str) -> bool:
    return db.execute("SELECT 1 FROM items WHERE id = ?", [item_id]).fetchone() is not None


def get_item(db: Database, item_id: str) -> Item:
    rows = list(db.query("SELECT * FROM items WHERE id = ?", [item_id]))
    if not rows:
        raise not_found(item_id)
    return _item_from_row(rows[0])


def item_by_arxiv_id(db: Database, arxiv_id: str) -> Item | None:
    rows = list(db.query("SELECT * FROM items WHERE arxiv_id = ?", [arxiv_id]))
    return _item_from_row(rows[0]) if rows else None


def update_item(db: Database, item_id: str, **changes: Any) -> None:
    if not changes:
        return
    if not item_exists(db, item_id):
        raise not_found(item_id)
    db.table("items").update(item_id, _encode(changes))


def delete_item(db: Database, item_id: str) -> None:
    with transaction(db):
        db.table("items").delete_where("id = ?", [item_id])
        for table in _ITEM_TABLES:
            db.table(table).delete_where("item_id = ?", [item_id])


_ITEM_TABLES = ("log_entries", "notes", "chunks", "replications", "claims", "runs")


def rename_item(db: Database, old: str, new: str, old_folder: str, new_folder: str) -> None:
    """Give item `old` the id `new` in every table, and its files' folder name in stored paths."""
    with transaction(db):
        if item_exists(db, new):
            raise InvalidInput(f"'{new}' is already in the library")
        db.execute("UPDATE items SET id = ?, pdf_path = replace(pdf_path, ?, ?) WHERE id = ?",
                   [new, f"papers/{old_folder}/", f"papers/{new_folder}/", old])
        for table in _ITEM_TABLES:
            db.execute(f"UPDATE {table} SET item_id = ? WHERE item_id = ?", [new, old])
        db.execute("UPDATE notes SET path = replace(path, ?, ?) WHERE item_id = ?",
                   [f"papers/{old_folder}/", f"papers/{new_folder}/", new])
        db.execute("UPDATE replications SET path = replace(path, ?, ?) WHERE item_id = ?",
                   [f"replications/{old_folder}", f"replications/{new_folder}", new])


def list_items(
    db: Database, status: str | None = None, type_: str | None = None, tag: str | None = None,
    since: str | None = None, until: str | None = None,
) -> list[Item]:
    """Items ordered by the log's Date (finished, else started, else added), optionally filtered."""
    clause, params = where(
        ("status = ?", status), ("type = ?", type_), (f"{LOG_DATE} >= ?", since), (f"{LOG_DATE} <= ?", until),
        ("EXISTS (SELECT 1 FROM json_each(items.tags) WHERE value = ?)", tag),
    )
    sql = f"SELECT * FROM items WHERE {clause} ORDER BY {LOG_DATE}, added_at, id"
    return [_item_from_row(r) for r in db.query(sql, params)]


def all_item_ids(db: Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT id FROM items ORDER BY id").fetchall()]


# --- log entries ---------------------------------------------------------------------------------


def add_log(db: Database, item_id: str, kind: str, detail: str = "", at: str | None = None,
            from_status: str | None = None, to_status: str | None = None) -> None:
    db.table("log_entries").insert({"item_id": item_id, "at": at or now(), "kind": kind, "detail": detail,
                                    "from_status": from_status, "to_status": to_status})


def log_entries(
    db: Database, since: str | None = None, until: str | None = None, item_id: str | None = None,
) -> list[LogEntry]:
    clause, params = where(("at >= ?", since), ("at < ?", until), ("item_id = ?", item_id))
    sql = f"SELECT item_id, at, kind, detail, from_status, to_status FROM log_entries WHERE {clause} ORDER BY at, id"
    return [LogEntry(**r) for r in db.query(sql, params)]


def activity_days(db: Database) -> set[str]:
    return {r[0] for r in db.execute("SELECT DISTINCT substr(at, 1, 10) FROM log_entries").fetchall()}


# --- which notes file was indexed ----------------------------------------------------------------


def note_hash(db: Database, item_id: str) -> str | None:
    row = db.execute("SELECT sha256 FROM notes WHERE item_id = ?", [item_id]).fetchone()
    return row[0] if row else None


def set_note_meta(db: Database, item_id: str, path: str, sha256: str) -> None:
    db.table("notes").upsert({"item_id": item_id, "path": path, "sha256": sha256, "indexed_at": now()},
                       pk="item_id")


def delete_note_meta(db: Database, item_id: str) -> None:
    db.table("notes").delete_where("item_id = ?", [item_id])
