"""Each chunk's term counts, in the tokens FTS5 itself produces, for in-memory bm25 ranking.

A temporary FTS5 table with chunks_fts's tokenizer turns text into FTS5's tokens; `fts5vocab` reads
them back. retrieval.keywords builds its snapshot from what is stored here.
"""

from __future__ import annotations

from array import array

from paperlab.store.schema import FTS_TOKENIZER, Database, get_meta, in_batches, transaction


def _scratch(db: Database) -> None:
    """An empty temporary FTS5 table with chunks_fts's tokenizer: what goes in comes back as FTS5's
    tokens. Each use empties it first."""
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.token_scratch USING "
               f"fts5(text, section, tokenize='{FTS_TOKENIZER}')")
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.token_scratch_vocab "
               "USING fts5vocab(temp, token_scratch, instance)")
    db.execute("DELETE FROM temp.token_scratch")


def store_chunk_terms(db: Database, ids: list[int]) -> None:
    """Record each chunk's (term id, count) pairs and token count, as chunks_fts counts them."""
    for part, marks in in_batches(ids):
        with transaction(db):
            _scratch(db)
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


def chunks_missing_terms(db: Database) -> list[int]:
    """Chunks without term counts: those written before migration 2."""
    sql = "SELECT id FROM chunks WHERE id NOT IN (SELECT chunk_id FROM chunk_terms) ORDER BY id"
    return [r[0] for r in db.execute(sql).fetchall()]


def count_chunk_terms(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM chunk_terms").fetchone()[0])


def all_chunk_terms(db: Database) -> list[tuple[int, int, bytes]]:
    """(chunk id, token count, packed term ids then counts) for every chunk, by id."""
    sql = "SELECT chunk_id, length, counts FROM chunk_terms ORDER BY chunk_id"
    return [(r[0], r[1], r[2]) for r in db.execute(sql).fetchall()]


def chunk_terms_of(db: Database, ids: list[int]) -> list[tuple[int, int, bytes]]:
    """What all_chunk_terms gives, for these chunks only."""
    out: list[tuple[int, int, bytes]] = []
    for part, marks in in_batches(ids):
        out += db.execute(f"SELECT chunk_id, length, counts FROM chunk_terms WHERE chunk_id IN ({marks})",
                          part).fetchall()
    return sorted(out)


def chunks_version(db: Database) -> int:
    """A counter that moves whenever a chunk is added or removed (triggers of migration 2)."""
    return int(get_meta(db, "chunks_version") or 0)


def query_term_ids(db: Database, words: list[str]) -> list[int] | None:
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
