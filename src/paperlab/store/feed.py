"""The feed's tables: candidates (arXiv papers pulled, not in the log), the ones dismissed ("not
interested"), and the pulls with how far each got."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from paperlab.store.schema import Database, now, transaction


@dataclass
class Candidate:
    arxiv_id: str
    version: int | None
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    primary_category: str
    published: str  # ISO timestamp of the first version
    updated: str
    content_hash: str
    terms: bytes = b""  # feed.terms.pack of its hashed words


@dataclass
class Pull:
    id: int
    categories: list[str]
    since: str  # ISO timestamps, UTC
    until: str
    next_start: int
    total: int | None
    kept: int
    finished: bool


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _candidate(row: dict[str, Any]) -> Candidate:
    return Candidate(row["arxiv_id"], row["version"], row["title"], row["abstract"], json.loads(row["authors"]),
                     json.loads(row["categories"]), row["primary_category"], row["published"], row["updated"],
                     row["content_hash"], row["terms"])


def put_candidates(db: Database, candidates: list[Candidate]) -> int:
    """Insert or refresh candidates (a newer version replaces an older one, never the reverse);
    returns how many were new."""
    new = 0
    stamp = now()
    with transaction(db):
        for c in candidates:
            old = db.execute("SELECT version FROM candidates WHERE arxiv_id = ?", [c.arxiv_id]).fetchone()
            if old is not None and (old[0] or 0) > (c.version or 0):
                continue
            new += old is None
            db.execute(
                """INSERT OR REPLACE INTO candidates (arxiv_id, version, title, abstract, authors, categories,
                   primary_category, published, updated, content_hash, terms, pulled_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [c.arxiv_id, c.version, c.title, c.abstract, json.dumps(c.authors), json.dumps(c.categories),
                 c.primary_category, c.published, c.updated, c.content_hash, c.terms, stamp])
    return new


def candidates(db: Database, since: str | None = None, until: str | None = None,
               ids: list[str] | None = None) -> list[Candidate]:
    """Candidates first published in [since, until) (ISO dates or timestamps), oldest first."""
    where, args = [], []
    if since:
        where.append("published >= ?")
        args.append(since)
    if until:
        where.append("published < ?")
        args.append(until)
    if ids is not None:
        where.append(f"arxiv_id IN ({','.join('?' * len(ids))})")
        args += ids
    sql = "SELECT * FROM candidates" + (" WHERE " + " AND ".join(where) if where else "")
    return [_candidate(r) for r in db.query(sql + " ORDER BY published, arxiv_id", args)]


def candidate_count(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM candidates").fetchone()[0])


def latest_published(db: Database) -> str | None:
    row = db.execute("SELECT max(published) FROM candidates").fetchone()
    return row[0] if row and row[0] else None


def dismiss(db: Database, arxiv_id: str) -> bool:
    """Mark a paper "not interested"; returns False if it already was."""
    with transaction(db):
        if db.execute("SELECT 1 FROM feed_dismissed WHERE arxiv_id = ?", [arxiv_id]).fetchone():
            return False
        db.execute("INSERT INTO feed_dismissed (arxiv_id, at) VALUES (?, ?)", [arxiv_id, now()])
    return True


def dismissed(db: Database) -> set[str]:
    return {r[0] for r in db.execute("SELECT arxiv_id FROM feed_dismissed").fetchall()}


def _pull(row: dict[str, Any]) -> Pull:
    return Pull(row["id"], json.loads(row["categories"]), row["since"], row["until"], row["next_start"],
                row["total"], row["kept"], row["finished_at"] is not None)


def start_pull(db: Database, categories: list[str], since: str, until: str) -> Pull:
    with transaction(db):
        cur = db.execute("INSERT INTO feed_pulls (categories, since, until, started_at) VALUES (?, ?, ?, ?)",
                         [json.dumps(sorted(categories)), since, until, now()])
    return Pull(int(cur.lastrowid or 0), sorted(categories), since, until, 0, None, 0, False)


def advance_pull(db: Database, pull: Pull, candidates_on_page: list[Candidate], next_start: int,
                 total: int) -> int:
    """Store one page's candidates and how far the pull got, in one transaction (a pull killed between
    pages continues from the page after the last one stored); returns how many were new."""
    from paperlab.fsutil import failpoint

    with transaction(db):
        new = put_candidates(db, candidates_on_page)
        failpoint("feed:page-stored")  # the candidates are written, the progress not yet
        db.execute("UPDATE feed_pulls SET next_start = ?, total = ?, kept = ? WHERE id = ?",
                   [next_start, total, pull.kept + new, pull.id])
    pull.next_start, pull.total, pull.kept = next_start, total, pull.kept + new
    return new


def finish_pull(db: Database, pull: Pull) -> None:
    with transaction(db):
        db.execute("UPDATE feed_pulls SET finished_at = ? WHERE id = ?", [now(), pull.id])
    pull.finished = True


def unfinished_pulls(db: Database) -> list[Pull]:
    return [_pull(r) for r in db.query("SELECT * FROM feed_pulls WHERE finished_at IS NULL ORDER BY id")]


def last_until(db: Database, category: str) -> str | None:
    """Where the last finished pull that covered `category` ended (ISO timestamp), if any."""
    best = None
    for r in db.query("SELECT categories, until FROM feed_pulls WHERE finished_at IS NOT NULL"):
        if category in json.loads(r["categories"]) and (best is None or r["until"] > best):
            best = r["until"]
    return best


def vectors_by_hash(db: Database, model: str, hashes: list[str]) -> dict[str, bytes]:
    """The stored vectors of these texts for `model` (texts with none are absent)."""
    out: dict[str, bytes] = {}
    for start in range(0, len(hashes), 500):
        part = hashes[start:start + 500]
        marks = ",".join("?" * len(part))
        out.update((r[0], r[1]) for r in db.execute(
            f"SELECT content_hash, vector FROM embeddings WHERE model = ? AND content_hash IN ({marks})",
            [model, *part]).fetchall())
    return out


def background(db: Database, exclude_since: str | None, exclude_until: str | None, limit: int) -> list[Candidate]:
    """The `limit` most recent candidates outside [exclude_since, exclude_until)."""
    where, args = [], []
    if exclude_since or exclude_until:
        where.append("NOT (published >= ? AND published < ?)")
        args += [exclude_since or "", exclude_until or "9999"]
    sql = "SELECT * FROM candidates" + (" WHERE " + " AND ".join(where) if where else "")
    return [_candidate(r) for r in db.query(sql + " ORDER BY published DESC LIMIT ?", [*args, limit])]


def feed_added(db: Database) -> set[str]:
    """Items added to the log from the feed."""
    return {r[0] for r in db.execute("SELECT item_id FROM log_entries WHERE kind = 'feed'").fetchall()}


def record_feed_add(db: Database, item_id: str) -> None:
    from paperlab.store.items import add_log

    with transaction(db):
        add_log(db, item_id, "feed", "added from the feed")


def first_text(db: Database, item_id: str) -> str:
    """The text of an item's first chunk of its paper (not its notes), or ''."""
    row = db.execute("SELECT text FROM chunks WHERE item_id = ? AND source != 'notes' ORDER BY id LIMIT 1",
                     [item_id]).fetchone()
    return row[0] if row else ""


def primary_categories(db: Database) -> list[str]:
    """The primary categories of the library's items, the most common first."""
    rows = db.execute("""SELECT primary_category, count(*) AS n FROM items WHERE primary_category != ''
                         GROUP BY primary_category ORDER BY n DESC, primary_category""").fetchall()
    return [r[0] for r in rows]


def unembedded(db: Database, model: str) -> list[tuple[str, str, str]]:
    """(content hash, title, abstract) of the candidates with no vector for `model`, oldest first."""
    return [(r[0], r[1], r[2]) for r in db.execute(
        """SELECT content_hash, min(title), min(abstract) FROM candidates
           WHERE content_hash NOT IN (SELECT content_hash FROM embeddings WHERE model = ?)
           GROUP BY content_hash ORDER BY min(published)""", [model]).fetchall()]


def stale_terms(db: Database, mark: bytes) -> list[tuple[str, str, str, list[str]]]:
    """(arXiv id, title, abstract, authors) of the candidates whose stored features lack `mark`."""
    rows = db.execute("SELECT arxiv_id, title, abstract, authors FROM candidates WHERE substr(terms, 1, ?) != ?",
                      [len(mark), mark]).fetchall()
    return [(r[0], r[1], r[2], json.loads(r[3])) for r in rows]


def put_terms(db: Database, rows: list[tuple[str, bytes]]) -> None:
    with transaction(db):
        db.conn.executemany("UPDATE candidates SET terms = ? WHERE arxiv_id = ?", [(t, i) for i, t in rows])


def library_arxiv_ids(db: Database) -> set[str]:
    return {r[0] for r in db.execute("SELECT arxiv_id FROM items WHERE arxiv_id IS NOT NULL").fetchall()}
