"""Keyword ranking in memory: the scores FTS5's bm25() gives, ~50x faster on large libraries.

FTS5 ranks an OR query by calling bm25() on every row that holds any query term: at 100k chunks a
natural-language query matches most of them and takes ~100 ms. The same formula over a compressed
sparse column snapshot of the (chunk, term, count) table costs a few numpy operations per term.

The snapshot is built from `chunk_terms`, whose tokens come from FTS5's own tokenizer, so its
scores equal bm25()'s (a test checks this). It lives in `index/keywords.npz` with the value of the
`chunks_version` counter it was built at. A few changed chunks (a `note`) do not rewrite it: they go
into `index/keywords.delta.npz`, the chunks removed from the snapshot and the chunks added since,
which is always the database against that snapshot (so a new delta replaces the old one), and the
ranking reads both, with bm25's statistics (chunk count, mean length, each term's chunk count) taken
over the live chunks: the same scores, bit for bit, as a full build (a test checks). When many chunks
have changed, `sync` builds a new snapshot. A snapshot older than the chunks is not used: callers ask
FTS5 itself until the next `paperlab index` or `note`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from paperlab.models import StageProgress
from paperlab.store import terms as store
from paperlab.store.chunks import all_chunk_ids, count_chunks

if TYPE_CHECKING:
    import numpy as np

    from paperlab.store.schema import Database

FILE_NAME = "keywords.npz"
DELTA_NAME = "keywords.delta.npz"
K1, B = 1.2, 0.75  # FTS5's bm25() constants


@dataclass
class Segment:
    """Some chunks' postings, term-major: term t's are [indptr[t], indptr[t + 1]) of rows/counts."""

    chunk_ids: np.ndarray
    lengths: np.ndarray  # tokens per chunk, all columns
    indptr: np.ndarray
    rows: np.ndarray  # posting -> position in chunk_ids
    counts: np.ndarray  # posting -> occurrences of the term in that chunk

    FIELDS: ClassVar[tuple[str, ...]] = ("chunk_ids", "lengths", "indptr", "rows", "counts")

    def arrays(self) -> dict[str, Any]:  # Any: for np.savez(**...), whose stubs type one keyword as bool
        return {name: getattr(self, name) for name in self.FIELDS}

    @classmethod
    def read(cls, npz: Any) -> Segment:
        return cls(*(npz[name] for name in cls.FIELDS))

    @classmethod
    def of(cls, records: list[tuple[int, int, bytes]], by_sort: bool | None = None) -> Segment:
        """A segment of these (chunk id, length, packed terms) records. Chunk-major postings become
        term-major by a stable sort in numpy or, by default for over 2M postings, by scipy's CSR ->
        CSC transpose (one linear pass in C, after a 0.25 s import): the same arrays either way."""
        import numpy as np

        chunk_ids, lengths, terms, counts, per_chunk = _unpack(records)
        n_terms = int(terms.max()) + 1 if len(terms) else 0
        if by_sort if by_sort is not None else len(terms) < 2_000_000:
            rows = np.repeat(np.arange(len(chunk_ids), dtype=np.int32), per_chunk)
            order = np.argsort(terms, kind="stable")  # by term, then row (rows are ascending)
            indptr = np.zeros(n_terms + 1, dtype=np.int64)
            np.cumsum(np.bincount(terms, minlength=n_terms), out=indptr[1:])
            return cls(chunk_ids, lengths, indptr, rows[order], counts[order])
        from scipy.sparse import csr_matrix

        by_chunk = np.zeros(len(records) + 1, dtype=np.int64)
        np.cumsum(per_chunk, out=by_chunk[1:])
        by_term = csr_matrix((counts, terms, by_chunk), shape=(len(records), n_terms)).tocsc()
        return cls(chunk_ids, lengths, by_term.indptr.astype(np.int64), by_term.indices.astype(np.int32),
                   by_term.data)


class KeywordIndex:
    def __init__(self, version: int, base: Segment, delta: Segment | None = None,
                 removed: np.ndarray | None = None) -> None:
        import numpy as np

        self.version = version  # chunks_version the snapshot (with its delta) stands for
        self.base = base
        self.segments = [base] + ([delta] if delta is not None else [])
        self.chunk_ids = np.concatenate([s.chunk_ids for s in self.segments])
        dead = np.isin(base.chunk_ids, removed) if removed is not None and len(removed) else None
        self.dead = dead if dead is not None and dead.any() else None  # base chunks no longer there
        live = len(self.chunk_ids) - (int(self.dead.sum()) if self.dead is not None else 0)
        total = sum(int(s.lengths.sum()) for s in self.segments) \
            - (int(base.lengths[self.dead].sum()) if self.dead is not None else 0)
        avgdl = total / live if live else 1.0
        self.live = live
        self.norms = [K1 * (1 - B + B * s.lengths.astype(np.float64) / avgdl) for s in self.segments]

    @classmethod
    def build(cls, database: Database) -> KeywordIndex:
        return cls(store.chunks_version(database), Segment.of(store.all_chunk_terms(database)))

    def save(self, index_dir: Path) -> None:
        """Write this snapshot, built whole (without a delta), as the new keywords.npz."""
        import numpy as np

        if len(self.segments) > 1:
            raise ValueError("a snapshot read with its delta is saved by `sync`, not as a new keywords.npz")
        index_dir.mkdir(parents=True, exist_ok=True)
        # first the delta, which belongs to the old snapshot: a crash in between leaves an older
        # snapshot, which `sync` brings up to date
        (index_dir / DELTA_NAME).unlink(missing_ok=True)
        tmp = index_dir / f".{FILE_NAME}.tmp.npz"
        np.savez(tmp, version=np.int64(self.version), **self.base.arrays())
        os.replace(tmp, index_dir / FILE_NAME)

    @classmethod
    def load(cls, index_dir: Path) -> KeywordIndex | None:
        import numpy as np

        try:
            with np.load(index_dir / FILE_NAME) as f:
                version, base = int(f["version"]), Segment.read(f)
        except (OSError, KeyError, ValueError):
            return None
        delta = _read_delta(index_dir, version)
        if delta is None:
            return cls(version, base)
        delta_version, removed, added = delta
        return cls(delta_version, base, added, removed)

    def idf(self, term_ids: list[int]) -> list[float]:
        """Each term's inverse document frequency as `rank` weighs it, though chunks removed since the
        snapshot still count here (0 for a term no chunk has)."""
        import numpy as np

        out = []
        for term in term_ids:
            df = sum(int(s.indptr[term + 1] - s.indptr[term]) for s in self.segments
                     if 0 <= term < len(s.indptr) - 1)
            out.append(max(float(np.log((self.live - df + 0.5) / (df + 0.5))), 1e-6) if df > 0 else 0.0)
        return out

    def rank(self, term_ids: list[int], limit: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """(chunk id, score: higher is better) of the best chunks for an OR of these terms.

        A term listed twice counts twice, as a phrase repeated in an FTS5 query does."""
        import numpy as np

        scores = np.zeros(len(self.chunk_ids), dtype=np.float64)
        for term in term_ids:
            found = []  # (positions in `scores`, counts, norms) of each segment's postings of the term
            df, offset = 0, 0
            for index, (segment, norm) in enumerate(zip(self.segments, self.norms, strict=True)):
                if 0 <= term < len(segment.indptr) - 1:
                    lo, hi = int(segment.indptr[term]), int(segment.indptr[term + 1])
                    rows = segment.rows[lo:hi]
                    df += hi - lo
                    if index == 0 and self.dead is not None:
                        df -= int(self.dead[rows].sum())
                    found.append((rows + offset if offset else rows, segment.counts[lo:hi], norm[rows]))
                offset += len(segment.chunk_ids)
            if df <= 0:
                continue
            idf = max(float(np.log((self.live - df + 0.5) / (df + 0.5))), 1e-6)
            for rows, counts, norm in found:
                tf = counts.astype(np.float64)
                scores[rows] += idf * tf * (K1 + 1) / (tf + norm)
        if self.dead is not None:
            scores[:len(self.dead)][self.dead] = 0.0
        if allowed is not None:
            scores[~np.isin(self.chunk_ids, np.fromiter(allowed, dtype=np.int64))] = 0.0
        hits = np.flatnonzero(scores)
        if len(hits) > limit:
            hits = hits[np.argpartition(-scores[hits], limit - 1)[:limit]]
        hits = hits[np.lexsort((self.chunk_ids[hits], -scores[hits]))]
        return [(int(self.chunk_ids[i]), float(scores[i])) for i in hits]


def _read_delta(index_dir: Path, base_version: int) -> tuple[int, np.ndarray, Segment] | None:
    """(version, removed chunk ids, the added chunks) of the delta over the snapshot built at
    base_version; None when there is none (or it belongs to another snapshot)."""
    import numpy as np

    try:
        with np.load(index_dir / DELTA_NAME) as f:
            if int(f["base_version"]) != base_version:
                return None
            return int(f["version"]), f["removed"], Segment.read(f)
    except (OSError, KeyError, ValueError):
        return None


def _saved(index_dir: Path) -> tuple[int, int, np.ndarray] | None:
    """(the chunks_version the snapshot and its delta stand for, the snapshot's own, its chunk ids),
    reading only those fields; None without a readable snapshot."""
    import numpy as np

    try:
        with np.load(index_dir / FILE_NAME) as f:
            base_version, base_ids = int(f["version"]), f["chunk_ids"]
    except (OSError, KeyError, ValueError):
        return None
    try:
        with np.load(index_dir / DELTA_NAME) as f:  # valid as `load` reads it: for this snapshot, whole
            if int(f["base_version"]) == base_version and set(Segment.FIELDS) <= set(f.files):
                return int(f["version"]), base_version, base_ids
    except (OSError, KeyError, ValueError):
        pass
    return base_version, base_version, base_ids


def saved_version(index_dir: Path) -> int | None:
    """The chunks_version the saved snapshot and its delta stand for, or None."""
    saved = _saved(index_dir)
    return None if saved is None else saved[0]


def sync(database: Database, index_dir: Path, progress: StageProgress | None = None) -> bool:
    """Bring the keyword snapshot up to date with the chunks: a delta when a few chunks changed,
    else a new snapshot. True if anything was written."""
    import numpy as np

    if store.count_chunk_terms(database) != count_chunks(database):
        missing = store.chunks_missing_terms(database)  # chunks written before migration 2
        for start in range(0, len(missing), 2000):
            store.store_chunk_terms(database, missing[start:start + 2000])
            if progress:
                progress("keywords", min(start + 2000, len(missing)), len(missing))
    version = store.chunks_version(database)
    saved = _saved(index_dir)
    if saved is not None:
        current, base_version, base_ids = saved
        if current == version:
            return False
        now = np.array(all_chunk_ids(database), dtype=np.int64)  # each has its terms, as filled in above
        removed = base_ids[~np.isin(base_ids, now)]
        added = now[~np.isin(now, base_ids)]
        if len(removed) + len(added) <= max(200, len(base_ids) // 20):
            tmp = index_dir / f".{DELTA_NAME}.tmp.npz"
            np.savez(tmp, version=np.int64(version), base_version=np.int64(base_version), removed=removed,
                     **Segment.of(store.chunk_terms_of(database, added.tolist())).arrays())
            os.replace(tmp, index_dir / DELTA_NAME)
            return True
    KeywordIndex.build(database).save(index_dir)
    return True


def _unpack(records: list[tuple[int, int, bytes]]) -> tuple[np.ndarray, ...]:
    """chunk ids, lengths, every posting's term and count (chunk by chunk), postings per chunk."""
    import numpy as np

    pairs = [np.frombuffer(r[2], dtype=np.uint32) for r in records]  # term ids, then counts
    empty = np.zeros(0, dtype=np.uint32)
    return (np.array([r[0] for r in records], dtype=np.int64), np.array([r[1] for r in records], dtype=np.int64),
            np.concatenate([p[:len(p) // 2] for p in pairs] or [empty]),
            np.concatenate([p[len(p) // 2:] for p in pairs] or [empty]),
            np.array([len(p) // 2 for p in pairs], dtype=np.int64))
