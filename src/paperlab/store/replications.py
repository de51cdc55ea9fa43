"""Replication projects: their status, their runs, and the last check of each claim."""

from __future__ import annotations

import json
from typing import Any

from paperlab.models import Replication, Run
from paperlab.store.items import add_log
from paperlab.store.schema import Database, now, transaction


def set_status(
    db: Database, item_id: str, status: str, path: str | None = None, summary: str | None = None,
    detail: str = "",
) -> None:
    """Move a replication to `status` and say so in the reading log, in one transaction."""
    stamp = now()
    with transaction(db):
        existing = get_replication(db, item_id)
        if existing is None:
            db.table("replications").insert({"item_id": item_id, "status": status, "path": path or "",
                                       "created_at": stamp, "updated_at": stamp, "summary": summary or ""})
        else:
            db.table("replications").update(item_id, {
                "status": status, "path": path or existing.path,
                "summary": existing.summary if summary is None else summary, "updated_at": stamp,
            })
        add_log(db, item_id, f"replication:{status}", detail, from_status=existing.status if existing else None,
                to_status=status)


_REPLICATIONS = """SELECT r.*, coalesce(i.title, '') AS title,
                          (SELECT count(*) FROM runs WHERE runs.item_id = r.item_id) AS runs
                   FROM replications r LEFT JOIN items i ON i.id = r.item_id"""


def get_replication(db: Database, item_id: str) -> Replication | None:
    found = list(db.query(_REPLICATIONS + " WHERE r.item_id = ?", [item_id]))
    return Replication(**found[0]) if found else None


def list_replications(db: Database) -> list[Replication]:
    return [Replication(**row) for row in db.query(_REPLICATIONS + " ORDER BY r.item_id")]


def insert_run(db: Database, run: Run) -> None:
    db.table("runs").insert(run.to_dict())  # metrics and trained stored as JSON


def run_exists(db: Database, run_id: str) -> bool:
    return db.execute("SELECT 1 FROM runs WHERE id = ?", [run_id]).fetchone() is not None


def runs_for(db: Database, item_id: str, config: str | None = None) -> list[Run]:
    sql = "SELECT * FROM runs WHERE item_id = ?" + (" AND config = ?" if config else "")
    rows = db.query(sql + " ORDER BY started_at, id", [item_id, config] if config else [item_id])
    return [Run(**{**r, "metrics": json.loads(r["metrics"] or "{}"), "trained": json.loads(r["trained"] or "{}")})
            for r in rows]


def replace_claims(db: Database, item_id: str, rows: list[dict[str, Any]]) -> None:
    with transaction(db):
        db.table("claims").delete_where("item_id = ?", [item_id])
        db.table("claims").insert_all({"item_id": item_id, **r} for r in rows)


def take_rechecked(db: Database) -> dict[str, str]:
    """The replications whose status the rules of migration 5 changed (id -> the status they had),
    once: the notice is removed as it is read."""
    with transaction(db):
        row = db.execute("SELECT value FROM meta WHERE key = 'rechecked'").fetchone()
        if row is None:
            return {}
        db.execute("DELETE FROM meta WHERE key = 'rechecked'")
    return dict(json.loads(row[0]))
