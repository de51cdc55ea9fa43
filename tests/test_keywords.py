"""The in-memory keyword ranking gives FTS5's bm25() scores; stale or missing, FTS5 answers itself."""

from __future__ import annotations

import random

import faiss
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperlab.models import Item
from paperlab.retrieval import keywords
from paperlab.retrieval.keywords import KeywordIndex
from paperlab.retrieval.search import Filters, KeywordSearcher, fts_expression, query_terms
from paperlab.retrieval.vectors import DELTA_NAME, VectorIndex, read_flat, write_flat
from paperlab.store.chunks import chunk_owners, count_chunks, fts_search, item_chunk_ids, replace_chunks
from paperlab.store.items import insert_item
from paperlab.store.schema import now
from paperlab.store.terms import chunks_version, count_chunk_terms, query_term_ids

# Stemming variants (train/training/trains), words in many chunks and in few, numbers.
WORDS = ("train training trains trained network networks gradient gradients descent loss attention "
         "head heads layer layers norm normalization batch weight decay grok grokking delay delayed "
         "the of and 2017 97 x2 token tokens modular arithmetic").split()


def _chunk(rng: random.Random, n: int) -> dict[str, object]:
    text = " ".join(rng.choice(WORDS) for _ in range(n))
    section = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 3)))
    return {"page_start": 1, "page_end": 1, "section": section, "text": text,
            "content_hash": f"{hash(text)}", "n_tokens": n}


@pytest.fixture
def corpus(lib):
    database = lib.db
    rng = random.Random(7)
    for p in range(6):
        item_id = f"paper-{p}"
        insert_item(database, Item(id=item_id, title=f"Paper {p}", added_at=now(),
                                      tags=["even"] if p % 2 == 0 else []))
        replace_chunks(database, item_id, "paper", [_chunk(rng, rng.randint(3, 60)) for _ in range(8)])
    assert keywords.sync(database, lib.index_dir)
    return lib, database


def fts_scores(database, words: list[str], limit: int = 1000) -> dict[int, float]:
    rows = fts_search(database, fts_expression(words), limit)
    return {cid: -score for cid, score in rows}


def snapshot_scores(lib, database, words: list[str], limit: int = 1000, allowed=None) -> dict[int, float]:
    snapshot = KeywordIndex.load(lib.index_dir)
    term_ids = query_term_ids(database, words)
    assert snapshot is not None and term_ids is not None
    return dict(snapshot.rank(term_ids, limit, allowed))


# the corpus is only read, so sharing it between examples is safe
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(WORDS + ["absent"]), min_size=1, max_size=8))
def test_scores_equal_fts5_bm25(corpus, words):
    lib, database = corpus
    mine, theirs = snapshot_scores(lib, database, words), fts_scores(database, words)
    assert mine.keys() == theirs.keys()
    for cid, score in theirs.items():
        assert mine[cid] == pytest.approx(score, rel=1e-9)


def test_top_k_and_filters_match_fts5(corpus):
    lib, database = corpus
    words = query_terms("training networks with weight decay: grokking")
    theirs = sorted(fts_scores(database, words).items(), key=lambda kv: (-kv[1], kv[0]))
    mine = list(snapshot_scores(lib, database, words, limit=5).items())
    assert [c for c, _ in mine] == [c for c, _ in theirs[:5]]
    filters = Filters(tag="even")
    searcher = KeywordSearcher(lib)
    expected = [cid for cid, _ in fts_search(database, fts_expression(words), 10, tag="even")]
    ranked = searcher.ranking("training networks with weight decay: grokking", 10, filters, filters.ids(lib))
    assert ranked == expected
    owners = chunk_owners(database)
    assert {owners[c] for c in expected} <= {"paper-0", "paper-2", "paper-4"}


def test_stale_snapshot_falls_back_to_fts5(corpus):
    lib, database = corpus
    searcher = KeywordSearcher(lib)
    replace_chunks(database, "paper-1", "notes", [
        {"page_start": 1, "page_end": 1, "section": "", "text": "zygomorphic flowers",
         "content_hash": "z", "n_tokens": 2}])
    assert searcher.snapshot.version != chunks_version(database)
    (new_chunk,) = item_chunk_ids(database, "paper-1", "notes")
    assert searcher.ranking("zygomorphic", 10, Filters(), None) == [new_chunk]
    assert keywords.sync(database, lib.index_dir)  # and `paperlab index` brings it up to date
    assert snapshot_scores(lib, database, ["zygomorphic"]).keys() == {new_chunk}
    assert not keywords.sync(database, lib.index_dir)


def test_libraries_from_before_the_term_table_are_filled_in(corpus):
    lib, database = corpus
    before = snapshot_scores(lib, database, ["gradient", "decay"])
    database.execute("DELETE FROM chunk_terms")
    (lib.index_dir / keywords.FILE_NAME).unlink()
    assert keywords.sync(database, lib.index_dir)
    assert count_chunk_terms(database) == count_chunks(database)
    assert snapshot_scores(lib, database, ["gradient", "decay"]) == pytest.approx(before)


def test_deleted_chunks_leave_no_terms(corpus):
    lib, database = corpus
    replace_chunks(database, "paper-3", "paper", [])
    assert count_chunk_terms(database) == count_chunks(database) == 40
    keywords.sync(database, lib.index_dir)
    owners = chunk_owners(database)
    assert all(owners[c] != "paper-3" for c in snapshot_scores(lib, database, ["train"]))


def test_a_word_fts5_reads_as_a_phrase_is_left_to_fts5(corpus):
    _, database = corpus
    assert query_term_ids(database, ["foo_bar"]) is None
    ids = query_term_ids(database, ["Training", "unseenword"])
    assert ids is not None and ids[0] >= 0 and ids[1] == -1
    assert query_term_ids(database, ["training"])[0] == ids[0]  # same stem, same term


def test_flat_vector_search_equals_faiss(tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((3000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vi = VectorIndex(tmp_path, "m")
    vi.build(np.arange(10, 3010), vectors)
    vi.remove(list(range(10, 400)))  # removals shift the storage; ids must follow
    assert vi.kind == "flat"
    reference = faiss.IndexIDMap2(faiss.IndexFlatIP(32))
    reference.add_with_ids(vectors[390:], np.arange(400, 3010))
    for query in vectors[[5, 700, 2999]]:
        scores, ids = reference.search(query.reshape(1, -1), 20)
        mine = vi.search(query, 20)
        assert [c for c, _ in mine] == ids[0].tolist()
        assert [s for _, s in mine] == pytest.approx(scores[0].tolist(), abs=1e-5)
    assert len(vi.search(vectors[0], 10_000)) == 2610


def test_many_queries_of_a_large_flat_index_score_bfloat16_parts_then_rescore_exactly(tmp_path, monkeypatch):
    """Past COARSE_ABOVE a many-query searcher scores a bfloat16 copy (one part per core) and
    rescores the best exactly: the same ids and float32 scores as the exact product; a change to
    the index drops the copy."""
    from paperlab.retrieval import vectors

    monkeypatch.setattr(vectors, "COARSE_ABOVE", 1000)
    monkeypatch.setattr(vectors, "RESCORE", 50)
    rng = np.random.default_rng(5)
    data = rng.standard_normal((3000, 32)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    exact = VectorIndex(tmp_path / "exact", "m")
    exact.build(np.arange(7, 3007), data)
    vi = VectorIndex(tmp_path, "m")
    vi.build(np.arange(7, 3007), data)
    vi.prepare_for_many()
    assert vi.coarse is not None and vi.coarse.ntotal == 3000
    for query in data[[0, 1500, 2999]] + 0.1 * rng.standard_normal((3, 32)).astype(np.float32):
        mine, theirs = vi.search(query, 20), exact.search(query, 20)
        assert [c for c, _ in mine] == [c for c, _ in theirs]
        assert [s for _, s in mine] == pytest.approx([s for _, s in theirs], abs=1e-6)
    vi.remove([7])
    assert vi.coarse is None and 7 not in {c for c, _ in vi.search(data[0], 5)}
    small = VectorIndex(tmp_path / "small", "m")
    small.build(np.arange(500), data[:500])
    small.prepare_for_many()
    assert small.coarse is None  # below the size where it pays


def test_the_first_pass_reads_vectors_in_their_principal_subspace_and_stays_exact(tmp_path, monkeypatch):
    """Vectors that a few directions hold (as sentence embeddings are) are first scored in those
    directions; the exact rescoring gives the exact product's ids and scores. Vectors spread evenly
    over their space get no subspace."""
    from paperlab.retrieval import vectors

    monkeypatch.setattr(vectors, "COARSE_ABOVE", 1000)
    rng = np.random.default_rng(11)
    mixing = rng.standard_normal((12, 128)).astype(np.float32)
    data = rng.standard_normal((4000, 12)).astype(np.float32) @ mixing
    data += 0.05 * rng.standard_normal(data.shape).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    vi = VectorIndex(tmp_path, "m")
    vi.build(np.arange(4000), data)
    vi.prepare_for_many()
    assert vi.basis is not None and vi.basis.shape == (128, 32) and vi.coarse.d == 32
    exact = VectorIndex(tmp_path / "exact", "m")
    exact.build(np.arange(4000), data)
    for query in data[[3, 1999, 3998]] + 0.2 * rng.standard_normal((3, 128)).astype(np.float32):
        for k in (10, 100):
            mine, theirs = vi.search(query, k), exact.search(query, k)
            assert [c for c, _ in mine] == [c for c, _ in theirs]
            assert [s for _, s in mine] == pytest.approx([s for _, s in theirs], abs=1e-5)
    spread = rng.standard_normal((4000, 128)).astype(np.float32)
    assert vectors.principal_basis(spread) is None


def test_a_few_changed_vectors_go_into_a_delta(tmp_path):
    """A few removed and added chunks are saved as a delta beside the flat file, which is not
    rewritten; loading gives the arrays, in the order, that changing and saving the whole index
    gives; many changes are refused (the caller then writes the whole file)."""
    rng = np.random.default_rng(1)
    store = {i: rng.standard_normal(16).astype(np.float32) for i in range(600)}

    def vectors_of(ids):
        return np.array(ids, dtype=np.int64), np.array([store[i] for i in ids], dtype=np.float32).reshape(-1, 16)

    whole = VectorIndex(tmp_path / "whole", "m")
    whole.build(*vectors_of(list(range(600))))
    whole.save(chunks_version=1)
    vi = VectorIndex(tmp_path, "m")
    vi.build(*vectors_of(list(range(600))))
    vi.save(chunks_version=1)
    written = (tmp_path / "vectors.faiss").read_bytes()
    next_id = 600
    for step in range(4):
        gone = [int(i) for i in rng.choice(sorted(store), 5, replace=False)]
        new = list(range(next_id, next_id + 7))
        next_id += 7
        for i in gone:
            del store[i]
        store.update({i: rng.standard_normal(16).astype(np.float32) for i in new})
        assert vi.save_delta(sorted(store), vectors_of, chunks_version=2 + step) == len(store)
        whole.remove(gone)
        whole.add(*vectors_of(new))
        mine = VectorIndex(tmp_path, "m")
        assert mine.load()
        assert mine.flat[0].tolist() == whole.flat[0].tolist() and np.array_equal(mine.flat[1], whole.flat[1])
        assert mine.meta()["count"] == mine.count == len(store)
        assert mine.meta()["chunks_version"] == 2 + step
        assert mine.search(store[new[0]], 10) == whole.search(store[new[0]], 10)
    assert (tmp_path / "vectors.faiss").read_bytes() == written and (tmp_path / DELTA_NAME).exists()
    assert vi.save_delta(list(range(300, 600)), vectors_of, chunks_version=9) is None  # half the file
    mine.remove(list(range(0, 300)))
    mine.save(chunks_version=9)  # written whole: the delta goes
    assert not (tmp_path / DELTA_NAME).exists()
    again = VectorIndex(tmp_path, "m")
    assert again.load() and again.flat[0].tolist() == mine.flat[0].tolist()


def test_a_vector_delta_of_another_file_is_ignored(tmp_path):
    vi = VectorIndex(tmp_path, "m")
    vi.build(np.arange(300), np.eye(300, 8, dtype=np.float32))
    vi.save(chunks_version=1)
    assert vi.save_delta(list(range(1, 300)), lambda ids: (np.array(ids), np.zeros((0, 8))), chunks_version=2) == 299
    delta = (tmp_path / DELTA_NAME).read_bytes()
    vi.build(np.arange(1000, 1300), np.eye(300, 8, dtype=np.float32))
    vi.save(chunks_version=3)
    (tmp_path / DELTA_NAME).write_bytes(delta)
    again = VectorIndex(tmp_path, "m")
    assert again.load() and again.flat[0].tolist() == list(range(1000, 1300))


@pytest.mark.parametrize("n", [0, 1, 257])
def test_flat_file_is_faiss_format_both_ways(tmp_path, n):
    """FAISS reads the file paperlab writes, and paperlab reads the file FAISS writes."""
    rng = np.random.default_rng(n)
    vectors = rng.standard_normal((n, 24)).astype(np.float32)
    ids = rng.permutation(10 * n + 1)[:n].astype(np.int64)
    write_flat(tmp_path / "ours.faiss", ids, vectors)
    theirs = faiss.read_index(str(tmp_path / "ours.faiss"))
    assert theirs.ntotal == n and theirs.d == 24
    assert faiss.vector_to_array(theirs.id_map).tolist() == ids.tolist()
    reference = faiss.IndexIDMap2(faiss.IndexFlatIP(24))
    if n:
        reference.add_with_ids(vectors, ids)
    faiss.write_index(reference, str(tmp_path / "theirs.faiss"))
    assert (tmp_path / "theirs.faiss").read_bytes() == (tmp_path / "ours.faiss").read_bytes()
    read = read_flat(tmp_path / "theirs.faiss")
    assert read is not None and read[0].tolist() == ids.tolist() and np.array_equal(read[1], vectors)


def test_flat_file_in_another_layout_is_read_by_faiss(tmp_path):
    index = faiss.IndexIDMap2(faiss.IndexFlatL2(8))  # another metric: a layout read_flat refuses
    index.add_with_ids(np.eye(8, dtype=np.float32), np.arange(8))
    faiss.write_index(index, str(tmp_path / "vectors.faiss"))
    (tmp_path / "vectors.json").write_text('{"model": "m", "kind": "flat"}')
    assert read_flat(tmp_path / "vectors.faiss") is None
    vi = VectorIndex(tmp_path, "m")
    assert vi.load() and vi.count == 8 and vi.search(np.eye(8, dtype=np.float32)[3], 1)[0][0] == 3


QUERIES = [["train", "network"], ["zygomorphic", "flowers"], ["the", "of", "and"], ["grok", "grok", "delay"],
           ["x2", "97", "2017", "absent"], WORDS]


def test_snapshot_with_its_delta_ranks_exactly_as_a_full_build(corpus):
    """`note` writes the changed chunks into a delta beside the snapshot; ranking snapshot + delta
    must give a full build's scores, bit for bit, and the same order."""
    lib, database = corpus
    rng = random.Random(3)
    changes = [
        lambda: replace_chunks(database, "paper-2", "paper", [_chunk(rng, rng.randint(1, 40)) for _ in range(5)]),
        lambda: replace_chunks(database, "paper-5", "paper", []),  # the highest ids go
        lambda: replace_chunks(database, "paper-1", "notes", [{**_chunk(rng, 4), "text": "zygomorphic flowers x"}]),
        lambda: replace_chunks(database, "paper-1", "notes", [_chunk(rng, 9), _chunk(rng, 2)]),
        lambda: replace_chunks(database, "paper-0", "paper", [{**_chunk(rng, 1), "text": "", "section": ""}]),
    ]
    snapshot_bytes = (lib.index_dir / keywords.FILE_NAME).read_bytes()
    for change in changes:
        change()
        assert keywords.saved_version(lib.index_dir) != chunks_version(database)
        assert keywords.sync(database, lib.index_dir)
        assert (lib.index_dir / keywords.DELTA_NAME).exists()
        assert keywords.saved_version(lib.index_dir) == chunks_version(database)
        mine, full = KeywordIndex.load(lib.index_dir), KeywordIndex.build(database)
        assert mine is not None and mine.version == full.version and mine.live == len(full.chunk_ids)
        for words in QUERIES:
            term_ids = query_term_ids(database, words)
            assert term_ids is not None
            for allowed in (None, set(item_chunk_ids(database, "paper-1", "notes"))):
                assert mine.rank(term_ids, 1000, allowed) == full.rank(term_ids, 1000, allowed)
            assert mine.rank(term_ids, 3) == full.rank(term_ids, 3)
    assert (lib.index_dir / keywords.FILE_NAME).read_bytes() == snapshot_bytes  # only deltas were written
    with pytest.raises(ValueError):
        mine.save(lib.index_dir)  # a snapshot read with its delta is not a new keywords.npz
    assert snapshot_scores(lib, database, ["zygomorphic"]) == pytest.approx(fts_scores(database, ["zygomorphic"]))


def test_many_changed_chunks_make_a_new_snapshot(corpus):
    lib, database = corpus
    rng = random.Random(5)
    replace_chunks(database, "paper-3", "notes", [_chunk(rng, 3)])
    keywords.sync(database, lib.index_dir)
    assert (lib.index_dir / keywords.DELTA_NAME).exists()
    for p in range(6):  # every chunk replaced: past the delta's limit (200 chunks or 5%)
        replace_chunks(database, f"paper-{p}", "paper", [_chunk(rng, 5) for _ in range(40)])
    assert keywords.sync(database, lib.index_dir)
    assert not (lib.index_dir / keywords.DELTA_NAME).exists()
    assert KeywordIndex.load(lib.index_dir).segments[1:] == []
    assert snapshot_scores(lib, database, ["train"]) == pytest.approx(fts_scores(database, ["train"]))


def test_a_delta_of_another_snapshot_is_ignored(corpus):
    lib, database = corpus
    replace_chunks(database, "paper-3", "notes", [_chunk(random.Random(2), 3)])
    keywords.sync(database, lib.index_dir)
    delta = (lib.index_dir / keywords.DELTA_NAME).read_bytes()
    replace_chunks(database, "paper-2", "notes", [_chunk(random.Random(4), 3)])
    KeywordIndex.build(database).save(lib.index_dir)
    (lib.index_dir / keywords.DELTA_NAME).write_bytes(delta)  # its base_version is not this snapshot's
    assert keywords.saved_version(lib.index_dir) == chunks_version(database)
    assert snapshot_scores(lib, database, ["train"]) == pytest.approx(fts_scores(database, ["train"]))


def test_chunk_ids_are_never_reused(corpus):
    _, database = corpus
    last = max(item_chunk_ids(database, "paper-5", "paper"))
    replace_chunks(database, "paper-5", "paper", [])  # frees the highest ids
    added, _ = replace_chunks(database, "paper-4", "notes", [_chunk(random.Random(1), 5)])
    assert added == [last + 1]


def test_a_delta_that_would_pass_the_exact_limit_is_refused(tmp_path):
    """Past `approx_index_above` the whole index is rebuilt (as IVF), not patched with a delta."""
    vi = VectorIndex(tmp_path, "m", approx_above=300)
    vi.build(np.arange(300), np.eye(300, 8, dtype=np.float32))
    vi.save(chunks_version=1)
    more = lambda ids: (np.array(ids), np.ones((len(ids), 8), dtype=np.float32))  # noqa: E731
    assert vi.save_delta(list(range(301)), more, chunks_version=2) is None
    assert vi.save_delta(list(range(1, 301)), more, chunks_version=2) == 300


def test_numpy_and_scipy_make_the_same_postings(corpus):
    from paperlab.retrieval.keywords import Segment
    from paperlab.store.terms import all_chunk_terms

    _, database = corpus
    records = all_chunk_terms(database)
    by_sort, by_scipy = Segment.of(records, by_sort=True), Segment.of(records, by_sort=False)
    for name in ("chunk_ids", "lengths", "indptr", "rows", "counts"):
        mine, theirs = getattr(by_sort, name), getattr(by_scipy, name)
        assert mine.dtype == theirs.dtype and mine.tolist() == theirs.tolist(), name


def test_texts_missing_a_vector_are_found_once_per_text_and_model_and_orphans_go(corpus):
    from paperlab.store.chunks import delete_orphan_chunks, put_embeddings, texts_missing_embedding

    lib, database = corpus
    replace_chunks(database, "paper-1", "notes", [  # the same text twice: one row
        {"page_start": 1, "page_end": 1, "section": "", "text": "twice", "content_hash": "h-twice", "n_tokens": 1}
        for _ in range(2)])
    rows = database.execute("SELECT content_hash, text FROM chunks").fetchall()
    texts = dict(rows)
    hashes = sorted(texts)
    put_embeddings(database, "model-a", [(h, b"v") for h in hashes[::2]])
    put_embeddings(database, "model-b", [(h, b"v") for h in hashes[1::2]])
    assert sorted(texts_missing_embedding(database, "model-a")) == [(h, texts[h]) for h in hashes[1::2]]
    assert sorted(texts_missing_embedding(database, "model-b")) == [(h, texts[h]) for h in hashes[::2]]
    assert sorted(texts_missing_embedding(database, "model-c")) == sorted(texts.items())
    # chunks whose item is gone go, and only those
    assert delete_orphan_chunks(database) == []
    ids = item_chunk_ids(database, "paper-4")
    database.execute("PRAGMA foreign_keys=OFF")
    database.execute("DELETE FROM items WHERE id = 'paper-4'")
    assert sorted(delete_orphan_chunks(database)) == ids and not item_chunk_ids(database, "paper-4")
