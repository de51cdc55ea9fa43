"""Indexing (incremental), hybrid search over papers and notes, similar papers."""

from __future__ import annotations

import json
import sqlite3

import pytest

from paperlab.config import Settings
from paperlab.retrieval.ingest import index_library
from paperlab.retrieval.passage import locate, sentences
from paperlab.retrieval.vectors import VectorIndex
from paperlab.samples import ATTENTION, BACKPROP, GROKKING
from paperlab.store.items import delete_item, insert_item
from paperlab.store.schema import now
from tests.conftest import BAD_PDFS, copy_library


@pytest.fixture
def indexed(lib, arxiv, fetched_library):
    """The three sample papers fetched and indexed, with a note on Grokking (built once per run)."""
    copy_library(fetched_library, lib.home)
    return lib


def faiss_ids(lib) -> set[int]:
    vi = VectorIndex(lib.index_dir, "hash:256")
    assert vi.load()
    return vi.ids()


def chunk_ids(lib) -> set[int]:
    conn = sqlite3.connect(lib.home / "paperlab.db")
    return {r[0] for r in conn.execute("SELECT id FROM chunks")}


def test_keyword_search_cites_paper_page_and_section(indexed, cli):
    hits = json.loads(cli("search", "scaled dot-product attention", "--json", "--mode", "keyword").stdout)
    top = hits[0]
    assert top["item_id"] == ATTENTION.arxiv_id and top["source"] == "paper"
    assert top["page_start"] == 1 and top["section"]
    assert "dot" in top["snippet"].lower()


@pytest.mark.parametrize("mode", ["hybrid", "semantic", "keyword"])
def test_every_mode_finds_the_right_paper(indexed, cli, mode):
    hits = json.loads(cli("search", "internal covariate shift normalization", "--json",
                          "--mode", mode, "-k", "3").stdout)
    assert hits[0]["item_id"] == BACKPROP.arxiv_id


def test_notes_are_searched_too(indexed, cli):
    hits = json.loads(cli("search", "delayed generalization weight decay", "--json").stdout)
    assert any(h["source"] == "notes" and h["item_id"] == GROKKING.arxiv_id for h in hits)
    only_notes = json.loads(cli("search", "weight decay", "--notes", "--json").stdout)
    assert only_notes and all(h["source"] == "notes" for h in only_notes)


def test_filters(indexed, cli):
    hits = json.loads(cli("search", "attention", "--paper", GROKKING.arxiv_id, "--json").stdout)
    assert hits and {h["item_id"] for h in hits} == {GROKKING.arxiv_id}
    cli("status", BACKPROP.arxiv_id, "read")
    cli("tag", ATTENTION.arxiv_id, "+nlp")
    hits = json.loads(cli("search", "training", "--status", "read", "--json").stdout)
    assert {h["item_id"] for h in hits} == {BACKPROP.arxiv_id}
    hits = json.loads(cli("search", "attention", "--tag", "nlp", "--json").stdout)
    assert {h["item_id"] for h in hits} == {ATTENTION.arxiv_id}


def test_table_output_shows_where(indexed, cli):
    out = cli("search", "BLEU").stdout
    assert "Attention Is All You Need" in out and "p. " in out and ATTENTION.arxiv_id in out


def test_search_errors(lib, cli, indexed):
    assert "the query is empty" in cli("search", "  ").stderr
    assert "unknown mode 'fuzzy'" in cli("search", "x", "--mode", "fuzzy").stderr
    assert cli("search", "x", "-k", "0").exit_code == 2


def test_search_before_indexing_says_what_to_do(lib, cli):
    result = cli("search", "anything")
    assert result.exit_code == 1 and "paperlab index" in result.stderr


def test_reindex_of_unchanged_library_embeds_nothing(indexed):
    report = index_library(indexed)
    assert (report.extracted, report.notes, report.embedded, report.chunks_added) == (0, 0, 0, 0)
    assert faiss_ids(indexed) == chunk_ids(indexed)


def test_notes_change_reindexes_only_the_notes(indexed):
    path = indexed.home / "papers" / GROKKING.arxiv_id / "notes.md"
    path.write_text(path.read_text() + "\nHand-written: the loss spikes before grokking.\n")
    report = index_library(indexed)
    assert report.notes == 1 and report.extracted == 0 and report.embedded >= 1
    assert faiss_ids(indexed) == chunk_ids(indexed)
    path.unlink()
    report = index_library(indexed)
    assert report.chunks_removed >= 1 and faiss_ids(indexed) == chunk_ids(indexed)


def test_removed_paper_leaves_no_stale_vectors(indexed):
    before = faiss_ids(indexed)
    delete_item(indexed.db, ATTENTION.arxiv_id)
    index_library(indexed)
    after = faiss_ids(indexed)
    assert after == chunk_ids(indexed) and after < before


def test_refetched_version_replaces_its_vectors(indexed, cli, arxiv, sample_pdfs):
    old = chunk_ids(indexed)
    arxiv.papers[GROKKING.arxiv_id].version = 2
    arxiv.papers[GROKKING.arxiv_id].pdf = sample_pdfs[BACKPROP.arxiv_id]
    assert cli("fetch", "--update", GROKKING.arxiv_id).exit_code == 0
    assert faiss_ids(indexed) == chunk_ids(indexed) != old


def test_model_change_reembeds_everything(indexed):
    toml = indexed.config_path.read_text().replace('"hash:256"', '"hash:128"')
    indexed.config_path.write_text(toml)
    lib = type(indexed)(indexed.home, Settings.load(indexed.config_path))
    report = index_library(lib)
    assert report.embedded == len(chunk_ids(lib))
    assert VectorIndex(lib.index_dir, "hash:128").load()


def test_rebuild_from_database(indexed, cli):
    (indexed.index_dir / "vectors.faiss").unlink()
    assert cli("index", "--rebuild").exit_code == 0
    assert faiss_ids(indexed) == chunk_ids(indexed)


def test_approximate_index_above_threshold(indexed, cli):
    toml = indexed.config_path.read_text() + "approx_index_above = 2\n"
    indexed.config_path.write_text(toml)
    assert cli("index", "--rebuild").exit_code == 0
    assert json.loads((indexed.index_dir / "vectors.json").read_text())["kind"] == "ivf"
    hits = json.loads(cli("search", "internal covariate shift", "--json", "--mode", "semantic").stdout)
    assert hits[0]["item_id"] == BACKPROP.arxiv_id
    delete_item(indexed.db, ATTENTION.arxiv_id)
    assert cli("index").exit_code == 0
    assert faiss_ids(indexed) == chunk_ids(indexed)


def test_similar_papers(indexed, cli):
    out = json.loads(cli("similar", GROKKING.arxiv_id, "--json").stdout)
    assert {r["item_id"] for r in out} == {ATTENTION.arxiv_id, BACKPROP.arxiv_id}
    assert GROKKING.arxiv_id not in {r["item_id"] for r in out}


def test_unreadable_pdf_stays_in_log_without_text(lib, cli):
    from paperlab.models import Item

    database = lib.db
    # bypass add's validation to simulate a PDF that broke after it was added
    lib.item_dir("scan").mkdir(parents=True)
    (lib.item_dir("scan") / "paper.pdf").write_bytes((BAD_PDFS / "image-only-scan.pdf").read_bytes())
    insert_item(database, Item(id="scan", title="A scan", pdf_path="papers/scan/paper.pdf",
                                  added_at=now()))
    result = cli("index")
    assert result.exit_code == 0 and "no text layer" in result.stderr
    shown = json.loads(cli("show", "scan", "--json").stdout)
    assert shown["text_status"] == "no-text" and "no text layer" in shown["text_error"]


@pytest.mark.parametrize("query", ['"unbalanced', "NEAR(a b)", "col:umn -x*", "ä ö ü", "AND OR NOT", "?!"])
def test_keyword_queries_with_fts_syntax_never_break(indexed, cli, query):
    result = cli("search", query, "--mode", "keyword", "--json")
    assert result.exit_code == 0, result.stderr
    assert isinstance(json.loads(result.stdout), list)


def _row(text, page_start=1, page_end=1, breaks=""):
    return {"text": text, "page_start": page_start, "page_end": page_end, "page_breaks": breaks}


def test_the_cited_sentence_is_the_one_holding_the_rarest_query_words_and_gives_the_page():
    p4 = "Training uses Adam. We train for ten epochs on the data. "
    p5 = "The warmup lasts 4000 steps before decay. Models are evaluated on the test split."
    text = p4 + p5
    row = _row(text, 4, 5, f"{len(p4)}:5")
    # "warmup" is rare (weight 3), "train" common (weight 0.2): the cited sentence is on page 5
    out = locate([row], ["warmup", "train"], [3.0, 0.2], width=110)
    assert out.page == 5 and out.snippet.startswith("...The warmup lasts 4000 steps")
    out = locate([row], ["adam"], [1.0])
    assert out.page == 4 and "Training uses Adam." in out.snippet


def test_a_passage_that_cannot_tell_its_page_cites_none():
    text = "Alpha beta gamma. Delta epsilon."
    assert locate([_row(text, 2, 3)], ["delta"], [1.0]).page is None  # written before page breaks
    assert locate([_row(text, 2, 3, "6:3")], ["zeta"], [1.0]).page is None  # no query word in it
    assert locate([_row(text, 7, 7)], ["zeta"], [1.0]).page == 7


def test_a_notes_snippet_is_the_entry_that_matches_without_its_markdown_marks():
    text = "# Grokking\n\n## Key learnings\n- Weight decay is what makes grokking fast\n- Train longer\n\n" \
           "## Notes\n### 2026-12-05\nBackprop through a 2-layer transformer is enough."
    out = locate([_row(text, 0, 0)], ["backprop"], [1.0])
    assert "Backprop through a 2-layer transformer is enough." in out.snippet
    assert "#" not in out.snippet and "- " not in out.snippet
    assert locate([_row(text, 0, 0)], ["decay"], [1.0], width=60).snippet.startswith("...Weight decay is what")


def test_a_long_sentence_is_cut_to_the_window_around_its_query_words():
    filler = " ".join(f"w{i}" for i in range(200))
    text = f"It starts here. The {filler} grokking needs weight decay and delay {filler}. End here."
    out = locate([_row(text)], ["grokking", "decay", "delay"], [1.0, 1.0, 1.0], width=120)
    assert out.snippet.startswith("...") and out.snippet.endswith("...")
    assert "grokking needs weight decay and delay" in out.snippet and len(out.snippet) <= 126


def test_sentences_split_at_ends_and_paragraphs_not_at_abbreviations_or_decimals():
    text = "We use lr 0.5 e.g. here. Then (Fig. 2) shows it.\n\nNew paragraph without stop"
    got = [text[a:b] for a, b in sentences(text)]
    assert got == ["We use lr 0.5 e.g. here.", "Then (Fig. 2) shows it.", "New paragraph without stop"]


def test_an_index_saved_empty_takes_vectors_later(lib, cli):
    """`index` on a library with nothing to embed saves an empty FAISS file; the first notes added
    afterwards must go into it (found by the kill -9 tests: it used to fail on the vectors' width)."""
    cli("add", "https://a.org", "--title", "Alpha", "--type", "blog")
    assert cli("index").exit_code == 0
    result = cli("note", "alpha", "-m", "Width mismatch no more.")
    assert result.exit_code == 0 and "Warning" not in result.stderr, result.stderr
    hits = json.loads(cli("search", "width mismatch", "--json").stdout)
    assert hits and hits[0]["item_id"] == "alpha"


def test_an_edited_note_is_searched_as_it_now_reads(indexed, cli):
    """The edited note's chunk takes a new id (SQLite would reuse the highest), so the vector file
    and the keyword snapshot, both synced by id, drop the old text's entries."""
    for words in ("zygomorphic orchids bloom", "quantum chromodynamics gluons"):
        assert cli("note", GROKKING.arxiv_id, "-m", words).exit_code == 0
        for mode in ("semantic", "keyword"):
            hits = json.loads(cli("search", words, "--json", "--mode", mode).stdout)
            assert hits[0]["source"] == "notes" and words.split()[0] in hits[0]["snippet"], (mode, words)
        assert faiss_ids(indexed) == chunk_ids(indexed)


def test_similar_says_when_there_is_too_little_text_to_compare(lib, cli):
    cli("add", "https://a.org", "--title", "Alpha", "--type", "blog")
    result = cli("similar", "alpha")
    assert result.exit_code == 2 and "no text (no PDF, no notes) to compare" in result.stderr
    assert "paperlab index" not in result.stderr  # advice that could not help
    cli("note", "alpha", "-m", "Short thought.")
    result = cli("similar", "alpha")  # a line of notes matches everything and nothing: no ranking of ties
    assert result.exit_code == 2 and "too little text" in result.stderr and "`paperlab note alpha`" in result.stderr


def test_a_searchers_word_ids_follow_the_index(indexed):
    """The ranking and the snippet's weights share one lookup of the query's words, renewed when the
    chunks change: a word no chunk had gets its id once a note holds it."""
    from paperlab.retrieval.search import KeywordSearcher

    searcher = KeywordSearcher(indexed)
    assert searcher.term_ids(["zyxwvut"]) == [-1]
    path = indexed.home / "papers" / GROKKING.arxiv_id / "notes.md"
    path.write_text(path.read_text() + "\nA made-up word: zyxwvut.\n")
    index_library(indexed)
    (found,) = searcher.term_ids(["zyxwvut"])
    assert found >= 0


def test_fusion_weighs_each_list_by_its_own_spread_not_its_scale():
    from paperlab.retrieval.search import fuse

    keyword = [(1, 12.0), (2, 3.1), (3, 3.0)]  # chunk 1 far ahead of the rest
    semantic = [(2, 0.62), (1, 0.61), (4, 0.30)]  # 2 and 1 all but tied
    fused = fuse([keyword, semantic])
    assert [cid for cid, _ in fused][:2] == [1, 2]  # reciprocal ranks would tie them
    assert fused[0][1] == pytest.approx(1.0 + (0.61 - 0.30) / (0.62 - 0.30))
    # a list's units do not matter: bm25 in other units, cosines of a model that spreads them less
    rescaled = fuse([[(c, 10 * s) for c, s in keyword], [(c, 0.9 + s / 10) for c, s in semantic]])
    assert [cid for cid, _ in rescaled] == [cid for cid, _ in fused]
    # a chunk found by one side only counts nothing on the other; one list alone keeps its order
    assert dict(fused)[4] == 0.0 and dict(fused)[3] == 0.0
    assert [cid for cid, _ in fuse([keyword])] == [1, 2, 3]
    assert fuse([[(7, 0.5)], []]) == [(7, 1.0)]
