"""Hybrid retrieval over papers and notes: bm25 keyword ranking + FAISS vectors, fused by their scores,
each list's scaled to [0, 1] over its own candidates (`fuse`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from paperlab.errors import InvalidInput, PaperlabError
from paperlab.library import Library
from paperlab.models import Hit, Similar, check_status
from paperlab.retrieval.bert import NumpyBert
from paperlab.retrieval.keywords import KeywordIndex
from paperlab.retrieval.passage import locate
from paperlab.retrieval.vectors import VectorIndex, as_matrix
from paperlab.store import chunks as store
from paperlab.store.meta import get_floor
from paperlab.store.schema import get_meta
from paperlab.store.terms import chunks_version, query_term_ids

MODES = ("hybrid", "keyword", "semantic")
CANDIDATES = 50

# Function words: an OR query over them matches nearly every chunk and costs most of the time.
STOPWORDS = frozenset(
    "a an and are as at be been but by can could did do does for from had has have how i if in "
    "into is it its may might more most no not of on or our over so such than that the their "
    "them then there these they this those to under up was we were what when where which while "
    "who why will with would you your".split()
)
_TERM = re.compile(r"[^\W_]+")  # letters and digits: one FTS5 token each


@dataclass
class Filters:
    paper: str | None = None
    notes_only: bool = False
    status: str | None = None
    tag: str | None = None
    references: bool = False  # reference-list chunks are left out unless asked for

    def ids(self, lib: Library) -> set[int] | None:
        return store.filtered_chunk_ids(lib.db, self.paper, self.notes_only, self.status, self.tag)

    def resolved(self, lib: Library) -> Filters:
        """The same filters with `paper` as an item id (users type any form of it), checked."""
        if self.status:
            check_status(self.status)
        paper = lib.resolve_id(self.paper) if self.paper else None
        return Filters(paper, self.notes_only, self.status, self.tag, self.references)


def query_terms(query: str) -> list[str]:
    terms = [t.lower() for t in _TERM.findall(query)]
    content = [t for t in terms if t not in STOPWORDS]
    return list(dict.fromkeys(content or terms))


def fts_expression(terms: list[str]) -> str:
    return " OR ".join(f'"{t}"' for t in terms)


class KeywordSearcher:
    """bm25 ranking: from the in-memory snapshot (paperlab.keywords) while it matches the chunks,
    else from FTS5 itself; both give the same scores."""

    def __init__(self, lib: Library) -> None:
        self.database = lib.db
        self.snapshot = KeywordIndex.load(lib.index_dir)
        self._term_ids: dict[tuple[object, ...], list[int] | None] = {}  # the last query's, asked twice

    def term_ids(self, terms: list[str]) -> list[int] | None:
        """query_term_ids, once per query and index version: the ranking and the snippet's word
        weights both need them."""
        key = (chunks_version(self.database), *terms)
        if key not in self._term_ids:
            self._term_ids = {key: query_term_ids(self.database, terms)}
        return self._term_ids[key]

    def ranking(self, query: str, limit: int, filters: Filters, allowed: set[int] | None) -> list[int]:
        return [cid for cid, _ in self.scored(query, limit, filters, allowed)]

    def scored(self, query: str, limit: int, filters: Filters,
               allowed: set[int] | None) -> list[tuple[int, float]]:
        """(chunk id, bm25 score: higher is better), best first. `allowed` is `filters.ids()`, which
        the caller computes once for both rankings."""
        terms = query_terms(query)
        if not terms:
            return []
        if self.snapshot is not None and self.snapshot.version == chunks_version(self.database):
            term_ids = self.term_ids(terms)
            if term_ids is not None:
                return self.snapshot.rank(term_ids, limit, allowed)
        rows = store.fts_search(self.database, fts_expression(terms), limit, filters.paper,
                             filters.notes_only, filters.status, filters.tag)
        return [(cid, -score) for cid, score in rows]  # FTS5's bm25() is lower-is-better

    def weights(self, terms: list[str]) -> list[float]:
        """How much each query word says: its rarity in the library (1 each without a snapshot)."""
        if self.snapshot is not None and terms:
            term_ids = self.term_ids(terms)
            if term_ids is not None:
                return self.snapshot.idf(term_ids)
        return [1.0] * len(terms)


class SemanticSearcher:
    """Holds the query encoder and the FAISS index, so repeated queries pay the load once."""

    def __init__(self, lib: Library) -> None:
        from paperlab.retrieval.embedding import encoder_for

        model = get_meta(lib.db, "index_model") or lib.settings.embedding_model
        if model != lib.settings.embedding_model:
            raise PaperlabError(f"the index was built with '{model}' but the library now uses "
                                f"'{lib.settings.embedding_model}'; run `paperlab index`")
        self.index = VectorIndex(lib.index_dir, model)
        if not self.index.load():
            raise PaperlabError("there is no vector index yet; run `paperlab index`")
        self.encoder = encoder_for(model, lib.index_dir, "query")
        self.index_dir = lib.index_dir
        self.queries = 0
        self.database = lib.db
        self.model = model
        floor = get_floor(lib.db)
        # a floor is only valid for the model it was measured with
        self.floor = floor.value if floor is not None and floor.model == model else -1.0

    def scored(self, query: str, limit: int, allowed: set[int] | None) -> list[tuple[int, float]]:
        return self.scored_for_vector(self.vector(query), limit, allowed)

    def vector(self, query: str) -> Any:
        """The query's embedding. Touches no database, so a search may run it on another thread."""
        self.queries += 1
        if self.queries == 2:  # asked again: many to come
            self.index.prepare_for_many()
            if isinstance(self.encoder, NumpyBert):
                from paperlab.retrieval.embedding import encoder_for

                self.encoder = encoder_for(self.model, self.index_dir, "queries")
        return self.encoder.embed([query])[0]

    def scored_for_vector(self, vector, limit: int, allowed: set[int] | None) -> list[tuple[int, float]]:  # type: ignore[no-untyped-def]
        """(chunk id, cosine) of the closest chunks, or none when even the closest scores no better than nonsense does
        (the floor): the floor says whether the query matches anything, not how deep to rank."""
        import numpy as np

        if allowed is not None and len(allowed) <= 20_000:
            # exact scores over the allowed chunks alone: a filter never starves the results
            ids, mat = as_matrix(store.chunk_vectors(self.database, self.model, sorted(allowed)))
            if not len(ids):
                return []
            scores = mat @ vector
            order = np.argsort(-scores)[:limit]
            hits = [(int(ids[i]), float(scores[i])) for i in order]
        else:
            found = self.index.search(vector, limit if allowed is None else limit * 20)
            hits = [(cid, score) for cid, score in found if allowed is None or cid in allowed][:limit]
        if not hits or hits[0][1] <= self.floor:
            return []
        return hits


class Searcher:
    """What repeated queries reuse; the vector side loads on first use, so keyword mode never does."""

    def __init__(self, lib: Library) -> None:
        self.lib = lib
        self.version = chunks_version(lib.db)
        self.keyword = KeywordSearcher(lib)
        self._semantic: SemanticSearcher | None = None
        self._worker: Any = None

    def vector_later(self, query: str) -> Callable[[], Any]:
        """The query's embedding, computed on a worker thread while the caller ranks by keywords (the
        encoders release the GIL): call the result to wait for it. A searcher's first query embeds
        at once: a one-query `paperlab search` would pay ~5 ms importing concurrent.futures to save
        ~2, and a new thread per query costs ~0.5 ms more than one kept (at 100k chunks)."""
        semantic = self.semantic  # loaded here: it reads the database, which is this thread's
        if semantic.queries == 0:
            vector = semantic.vector(query)
            return lambda: vector
        if self._worker is None:
            from concurrent.futures import ThreadPoolExecutor

            self._worker = ThreadPoolExecutor(1, thread_name_prefix="paperlab-query")
        return self._worker.submit(semantic.vector, query).result

    def stale(self) -> bool:
        """Whether the index has changed since this searcher loaded it (a long-lived one reloads)."""
        return chunks_version(self.lib.db) != self.version

    @property
    def semantic(self) -> SemanticSearcher:
        if self._semantic is None:
            self._semantic = SemanticSearcher(self.lib)
        return self._semantic


def fuse(rankings: list[list[tuple[int, float]]]) -> list[tuple[int, float]]:
    """One ranking from several lists of (chunk id, score), best first: each list's scores scaled
    to [0, 1] between its last and its best candidate, summed with equal weights (a chunk missing
    from a list counts 0 there, as its last does). Scores carry what ranks drop: a keyword hit far
    ahead of the rest, or vectors that all lie close. bm25 and cosine have no common scale, and
    a model's cosines have their own spread, so each list sets its own; equal weights because
    neither side is known to be better on a library not yet seen (docs/benchmarks.md has the
    figures, reciprocal rank fusion's beside them)."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        if not ranking:
            continue
        best, last = ranking[0][1], ranking[-1][1]
        spread = best - last
        for cid, score in ranking:
            scores[cid] = scores.get(cid, 0.0) + ((score - last) / spread if spread > 0 else 1.0)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def search(
    lib: Library, query: str, k: int = 10, mode: str = "hybrid", filters: Filters | None = None,
    searcher: Searcher | None = None,
) -> list[Hit]:
    if mode not in MODES:
        raise InvalidInput(f"unknown mode '{mode}'; choose one of: {', '.join(MODES)}")
    if not query.strip():
        raise InvalidInput("the query is empty; try e.g. paperlab search \"backprop\"")
    if k < 1:
        raise InvalidInput(f"-k must be at least 1, got {k}")
    filters = (filters or Filters()).resolved(lib)
    database = lib.db
    if not store.has_chunks(database):
        raise PaperlabError("nothing is indexed yet; fetch or add papers, then run `paperlab index`")
    depth = 2 * max(CANDIDATES, k)  # room for the reference chunks left out and the hits merged
    searcher = searcher or Searcher(lib)
    allowed = filters.ids(lib)
    rankings: list[list[tuple[int, float]]] = []
    vector = searcher.vector_later(query) if mode == "hybrid" else None
    if mode in ("keyword", "hybrid"):
        rankings.append(searcher.keyword.scored(query, depth, filters, allowed))
    if vector is not None:
        rankings.append(searcher.semantic.scored_for_vector(vector(), depth, allowed))
    elif mode == "semantic":
        rankings.append(searcher.semantic.scored(query, depth, allowed))
    passages = merged(fuse(rankings), lambda ids: store.chunk_places(database, ids), k, filters.references)
    details = store.chunk_details(database, [cid for ids, _ in passages for cid in ids])
    terms = query_terms(query)
    weights = searcher.keyword.weights(terms)
    hits = []
    for rank, (ids, score) in enumerate(passages, start=1):
        rows = [details[cid] for cid in sorted(ids)]
        best = details[ids[0]]
        where = locate([best], terms, weights)
        hits.append(Hit(
            rank=rank, item_id=best["item_id"], title=best["title"], source=best["source"],
            page_start=min(r["page_start"] for r in rows), page_end=max(r["page_end"] for r in rows),
            page=where.page if best["source"] == "paper" else None,
            section=best["section"], snippet=where.snippet,
            score=round(score, 6), chunk_id=ids[0], zone=best["zone"], chunk_ids=sorted(ids),
        ))
    return hits


def merged(fused: list[tuple[int, float]], places: Callable[[list[int]], dict[int, dict[str, Any]]], k: int,
           references: bool) -> list[tuple[list[int], float]]:
    """merge_passages over the fused ranking, asking `places` (store.chunk_places) for its first few
    chunks only (merging rarely looks further: the same passages, ~1 ms less at 100k chunks) and for
    all of them when those did not make k passages."""
    head = fused[:4 * k]
    passages = merge_passages(head, places([cid for cid, _ in head]), k, references)
    if len(passages) < k and len(head) < len(fused):
        passages = merge_passages(fused, places([cid for cid, _ in fused]), k, references)
    return passages


def merge_passages(
    fused: list[tuple[int, float]], places: dict[int, dict[str, Any]], k: int, references: bool,
) -> list[tuple[list[int], float]]:
    """The best `k` passages: a hit next to (or overlapping) a better one of the same item and source
    joins it instead of taking a place of its own. Chunk ids of one item are consecutive in reading
    order. Reference-list chunks are dropped unless `references`. Each passage: (chunk ids, best
    first; the best score)."""
    passages: list[tuple[list[int], float]] = []
    owner: dict[int, int] = {}  # chunk id -> its passage
    for position, (cid, score) in enumerate(fused):
        row = places.get(cid)
        if row is None or (row["zone"] == "references" and not references):
            continue
        near = [owner[n] for n in (cid - 1, cid + 1) if n in owner
                and places[n]["item_id"] == row["item_id"] and places[n]["source"] == row["source"]]
        if near and position < 3 * k:
            passages[near[0]][0].append(cid)
            owner[cid] = near[0]
        elif len(passages) < k:
            owner[cid] = len(passages)
            passages.append(([cid], score))
        elif position >= 3 * k:
            break
    return passages


def cited_sentence(lib: Library, item_id: str, chunk_id: int, query: str, searcher: Searcher | None = None) -> str:
    """The sentence search cites from this chunk for this query (the same word weights as the search
    gave it); "" when the chunk is not this item's or no sentence holds a query word."""
    row = store.chunk_details(lib.db, [chunk_id]).get(chunk_id)
    if row is None or row["item_id"] != item_id:
        return ""
    terms = query_terms(query)
    weights = (searcher.keyword if searcher is not None else KeywordSearcher(lib)).weights(terms)
    return locate([row], terms, weights).sentence


MIN_WORDS_TO_COMPARE = 50  # fewer words (a title and a line of notes) match everything and nothing


def no_text_advice(lib: Library, item_id: str, words: int) -> str:
    """Why an item has too little text to compare, and the step that would give it some."""
    from paperlab.store.items import get_item

    item = get_item(lib.db, item_id)
    if item.pdf_path and item.text_status == "no-text":
        return f"'{item_id}' has no text to compare: its PDF gave none ({item.text_error})"
    if item.pdf_path and item.text_status == "pending":
        return f"'{item_id}' is not indexed yet; run `paperlab index {item_id}`"
    what = f"too little text ({words} word(s) of notes)" if words else "no text (no PDF, no notes)"
    get = f"`paperlab fetch {item.arxiv_id}` for its PDF" if item.arxiv_id else "its PDF (`paperlab add`)"
    return f"'{item_id}' has {what} to compare; add {get}, or notes (`paperlab note {item_id}`)"


def similar(lib: Library, ref: str, k: int = 5, searcher: Searcher | None = None) -> list[Similar]:
    """The papers whose chunks lie closest to the centre of this item's chunks (`searcher`: one
    already loaded, as the web app keeps)."""
    import numpy as np

    item_id = lib.resolve_id(ref)
    database = lib.db
    ids = store.item_chunk_ids(database, item_id, "paper") or store.item_chunk_ids(database, item_id, "notes")
    words = sum(len(r["text"].split()) for r in store.chunk_details(database, ids).values())
    if words < MIN_WORDS_TO_COMPARE:
        raise InvalidInput(no_text_advice(lib, item_id, words))
    semantic = searcher.semantic if searcher is not None else SemanticSearcher(lib)
    _, mat = as_matrix(store.chunk_vectors(database, semantic.model, ids))
    if not len(mat):
        raise PaperlabError(f"'{item_id}' has text that is not embedded yet; run `paperlab index`")
    centroid = mat.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    candidates = semantic.index.search(centroid, 500)
    details = store.chunk_details(database, [cid for cid, _ in candidates])
    best: dict[str, Similar] = {}
    for cid, score in candidates:
        row = details.get(cid)
        if row is None or row["item_id"] == item_id:
            continue
        if row["item_id"] not in best or best[row["item_id"]].score < score:
            best[row["item_id"]] = Similar(row["item_id"], row["title"], round(score, 4))
    return sorted(best.values(), key=lambda s: -s.score)[:k]
