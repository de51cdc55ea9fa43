"""Chunks of papers and notes, their FTS5 index, and the embedding cache keyed by content hash."""

from __future__ import annotations

from typing import Any

from paperlab.store.schema import Database, get_meta, in_batches, set_meta, transaction, where
from paperlab.store.terms import store_chunk_terms


def chunk_hashes(db: Database, item_id: str, source: str) -> list[str]:
    sql = "SELECT content_hash FROM chunks WHERE item_id = ? AND source = ? ORDER BY id"
    return [r[0] for r in db.execute(sql, [item_id, source]).fetchall()]


def _ids_of(db: Database, item_id: str, source: str) -> list[int]:
    sql = "SELECT id FROM chunks WHERE item_id = ? AND source = ? ORDER BY id"
    return [r[0] for r in db.execute(sql, [item_id, source]).fetchall()]


# meta: the id the next chunk gets. Ids are never reused (SQLite would give a deleted highest id to
# the next row): the FAISS file and the keyword snapshot are synced by id, so an id must always
# name the same text.
NEXT_ID = "next_chunk_id"


def replace_chunks(
    db: Database, item_id: str, source: str, chunks: list[dict[str, Any]]
) -> tuple[list[int], list[int]]:
    """Swap an item's chunks of one source for new ones, with new ids; returns (added, removed)."""
    with transaction(db):
        removed = _ids_of(db, item_id, source)
        first = max(int(get_meta(db, NEXT_ID) or 0),
                    int(db.execute("SELECT max(id) FROM chunks").fetchone()[0] or 0) + 1)
        db.table("chunks").delete_where("item_id = ? AND source = ?", [item_id, source])
        db.table("chunks").insert_all([{"id": first + n, "item_id": item_id, "source": source, **c}
                                       for n, c in enumerate(chunks)])
        set_meta(db, NEXT_ID, str(first + len(chunks)))
        added = _ids_of(db, item_id, source)
        store_chunk_terms(db, added)
    return added, removed


def delete_orphan_chunks(db: Database) -> list[int]:
    """Chunks whose item is gone; returns their ids."""
    with transaction(db):
        ids = [r[0] for r in db.execute(
            "SELECT id FROM chunks WHERE item_id NOT IN (SELECT id FROM items)").fetchall()]
        db.table("chunks").delete_where("item_id NOT IN (SELECT id FROM items)")
    return ids


def orphan_chunk_count(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM chunks WHERE item_id NOT IN (SELECT id FROM items)").fetchone()[0])


def texts_missing_embedding(db: Database, model: str) -> list[tuple[str, str]]:
    sql = """SELECT content_hash, min(text) FROM chunks
             WHERE content_hash NOT IN (SELECT content_hash FROM embeddings WHERE model = ?)
             GROUP BY content_hash"""
    return [(r[0], r[1]) for r in db.execute(sql, [model]).fetchall()]


def unembedded_count(db: Database, model: str, ids: list[int]) -> int:
    """How many of these chunks have no vector for `model` yet."""
    sql = """SELECT count(*) FROM chunks c WHERE c.id IN ({marks}) AND NOT EXISTS
             (SELECT 1 FROM embeddings e WHERE e.model = ? AND e.content_hash = c.content_hash)"""
    return sum(int(db.execute(sql.format(marks=marks), [*part, model]).fetchone()[0])
               for part, marks in in_batches(ids))


def put_embeddings(db: Database, model: str, rows: list[tuple[str, bytes]]) -> None:
    with transaction(db):
        db.table("embeddings").insert_all(
            ({"model": model, "content_hash": h, "vector": v} for h, v in rows), replace=True)


def chunk_vectors(db: Database, model: str, ids: list[int] | None = None) -> list[tuple[int, bytes]]:
    """(chunk id, float32 vector bytes) of the chunks embedded with `model`; all, or these ids."""
    sql = """SELECT c.id, e.vector FROM chunks c
             JOIN embeddings e ON e.content_hash = c.content_hash AND e.model = ?"""
    if ids is None:
        return [(r[0], r[1]) for r in db.execute(sql + " ORDER BY c.id", [model]).fetchall()]
    out: list[tuple[int, bytes]] = []
    for part, marks in in_batches(ids):
        out += [(r[0], r[1]) for r in db.execute(f"{sql} WHERE c.id IN ({marks})", [model, *part]).fetchall()]
    return out


def all_chunk_ids(db: Database) -> list[int]:
    """Every chunk id, ascending. Sorted here: without ORDER BY, SQLite reads the ids from an index
    instead of the table with the texts (~2x faster)."""
    return sorted(r[0] for r in db.execute("SELECT id FROM chunks").fetchall())


def has_chunks(db: Database) -> bool:
    return db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is not None


def count_chunks(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM chunks").fetchone()[0])


def item_chunk_ids(db: Database, item_id: str, source: str = "paper") -> list[int]:
    return _ids_of(db, item_id, source)


def chunk_owners(db: Database) -> dict[int, str]:
    """chunk id -> item id, for evaluation at the level of documents."""
    return {r[0]: r[1] for r in db.execute("SELECT id, item_id FROM chunks").fetchall()}


def paper_pages(db: Database, item_id: str) -> list[tuple[int, str]]:
    """(first page, text) of an item's paper chunks, in reading order."""
    sql = "SELECT page_start, text FROM chunks WHERE item_id = ? AND source = 'paper' ORDER BY id"
    return [(r[0], r[1]) for r in db.execute(sql, [item_id]).fetchall()]


def paper_chunks(db: Database, item_id: str) -> list[tuple[str, int, int, str]]:
    """(zone, first page, last page, text) of an item's paper chunks, in reading order."""
    sql = "SELECT zone, page_start, page_end, text FROM chunks WHERE item_id = ? AND source = 'paper' ORDER BY id"
    return [(r[0], r[1], r[2], r[3]) for r in db.execute(sql, [item_id]).fetchall()]


def chunk_places(db: Database, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Whose chunks these are and where (item, source, zone): what merging hits needs, without
    reading their text."""
    out: dict[int, dict[str, Any]] = {}
    for part, marks in in_batches(ids):
        for cid, item_id, source, zone in db.execute(
                f"SELECT id, item_id, source, zone FROM chunks WHERE id IN ({marks})", part):
            out[cid] = {"item_id": item_id, "source": source, "zone": zone}
    return out


def chunk_details(db: Database, ids: list[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for part, marks in in_batches(ids):
        sql = f"""SELECT c.id, c.item_id, c.source, c.page_start, c.page_end, c.section, c.text,
                         c.zone, c.page_breaks, i.title FROM chunks c JOIN items i ON i.id = c.item_id
                  WHERE c.id IN ({marks})"""
        for r in db.query(sql, part):
            out[r["id"]] = r
    return out


# --- filters and FTS5 ----------------------------------------------------------------------------


def _chunk_filter(
    paper: str | None, notes_only: bool, status: str | None, tag: str | None
) -> tuple[str, list[Any]]:
    """WHERE clause over chunks c joined with items i; no parameters means no filter."""
    return where(
        ("c.item_id = ?", paper), ("c.source = ?", "notes" if notes_only else None), ("i.status = ?", status),
        ("EXISTS (SELECT 1 FROM json_each(i.tags) WHERE value = ?)", tag),
    )


def filtered_chunk_ids(
    db: Database, paper: str | None = None, notes_only: bool = False, status: str | None = None,
    tag: str | None = None,
) -> set[int] | None:
    """The chunk ids a filter allows, or None when there is no filter."""
    clause, params = _chunk_filter(paper, notes_only, status, tag)
    if not params:
        return None
    sql = f"SELECT c.id FROM chunks c JOIN items i ON i.id = c.item_id WHERE {clause}"
    return {r[0] for r in db.execute(sql, params).fetchall()}


def fts_search(
    db: Database, match: str, limit: int, paper: str | None = None, notes_only: bool = False,
    status: str | None = None, tag: str | None = None,
) -> list[tuple[int, float]]:
    """(chunk id, bm25 score: lower is better) for an FTS5 MATCH expression."""
    clause, params = _chunk_filter(paper, notes_only, status, tag)
    if params:
        sql = f"""SELECT c.id, bm25(chunks_fts) AS score FROM chunks_fts
                  JOIN chunks c ON c.id = chunks_fts.rowid JOIN items i ON i.id = c.item_id
                  WHERE chunks_fts MATCH ? AND {clause} ORDER BY score LIMIT ?"""
    else:
        sql = "SELECT rowid, rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?"
    # terms are quoted letter-and-digit words (search.fts_expression): MATCH never sees a syntax error
    return [(r[0], r[1]) for r in db.execute(sql, [match, *params, limit]).fetchall()]
