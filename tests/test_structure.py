"""Structure from the layout (heading shapes of real LaTeX output, zones), chunks that keep to it, the
references filter, honest "No results" and merged passages. PDFs are generated with PyMuPDF's HTML
boxes, which set headings in bold or larger type as LaTeX does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperlab.retrieval import chunking
from paperlab.retrieval.embedding import HashEmbedder
from paperlab.retrieval.layout import ListText
from paperlab.retrieval.pdf import extract_pages
from paperlab.retrieval.search import merge_passages, merged

FILLER = ("The model is trained with care and the results are reported in the tables below, with "
          "every setting listed so that a reader can run it again. ")


def html_pdf(path: Path, pages: list[str], width: float = 260) -> Path:
    """One narrow column of HTML per page (narrow, so long headings wrap onto two lines)."""
    import pymupdf

    doc = pymupdf.open()
    for html in pages:
        page = doc.new_page()
        page.insert_htmlbox(pymupdf.Rect(50, 50, 50 + width, 790), html)
    doc.save(path)
    doc.close()
    return path


def marks(pdf: Path) -> list[tuple[int, str, str]]:
    return [(p.number, label, zone) for p in extract_pages(pdf) for _, label, zone in p.headings]


def paper_pages(topic: str = "quokka") -> list[str]:
    para = f"<p>{FILLER * 2}</p>"
    return [
        "<h1>A Study of Things</h1><p>Ada Lovelace</p><h3>Abstract</h3>"
        f"<p>We study {topic}s. {FILLER}</p><h2>1 Introduction</h2>{para}"
        "<h3>3.1<br>Encoder and Decoder Stacks</h3>" + para,
        # page 2 starts without a heading: its text is still under 3.1
        f"<p>{FILLER * 4}</p>" + "<h3>3.2 Training and Inference with Batch-Normalized Networks</h3>" + para
        + "<h3>5.4 Regularization</h3>" + para
        + "<p><b>Label Smoothing</b> During training, we employed label smoothing of value 0.1, which "
        "hurts perplexity but improves accuracy and BLEU.</p>"
        "<p><b>Table 2: The Transformer achieves better BLEU scores (28.4 on EN-DE).</b></p>"
        "<p><b>y = F(x) + x</b></p>",
        "<h2>References</h2><p>[1] Zyxwvut Author. Attention to detail. In NeurIPS, 2017.</p>"
        "<p>[2] Q. Person. Another paper about Zyxwvut. arXiv preprint, 2018.</p>"
        f"<h2>A Proofs of the Main Results</h2>{para}",
    ]


def test_heading_shapes_and_zones(tmp_path):
    found = marks(html_pdf(tmp_path / "p.pdf", paper_pages()))
    assert found == [
        (1, "", "front"),  # title and authors
        (1, "Abstract", "abstract"),
        (1, "1 Introduction", "body"),
        (1, "3.1 Encoder and Decoder Stacks", "body"),  # the number on a line of its own
        (2, "3.2 Training and Inference with Batch-Normalized Networks", "body"),  # wrapped, hyphen kept
        (2, "5.4 Regularization", "body"),
        (2, "5.4 Regularization \u203a Label Smoothing", "body"),  # run-in
        (3, "References", "references"),
        (3, "A Proofs of the Main Results", "appendix"),
    ]  # the bold table caption and the bold formula are not headings


def test_all_caps_and_small_caps_headings(tmp_path):
    pages = ["<h1>ADAM: A METHOD</h1><h3>A<span style='font-size:70%'>BSTRACT</span></h3>"
             f"<p>{FILLER}</p><h3>1 INTRODUCTION</h3><p>{FILLER}</p>"
             f"<h3>2.1<br>ADAM'S UPDATE RULE</h3><p>{FILLER}</p><h3>3 EXPERIMENTS</h3><p>{FILLER}</p>"]
    labels = [label for _, label, _ in marks(html_pdf(tmp_path / "caps.pdf", pages))]
    assert labels == ["", "Abstract", "1 Introduction", "2.1 Adam's Update Rule", "3 Experiments"]


def test_ieee_roman_numbered_small_caps_headings(tmp_path):
    """IEEE sets section headings in small capitals at the body's size, neither larger nor bold."""

    def heading(number: str, words: str) -> str:  # each word's first capital full size, the rest smaller
        caps = " ".join(f"{w[0]}<span style='font-size:80%'>{w[1:]}</span>" for w in words.split())
        return f"<p style='text-align:center'>{number}. {caps}</p>"

    pages = ["<h1>Deep Things for Signals</h1><p>Ada Lovelace</p>"
             f"<p><b><i>Abstract</i></b>\u2014{FILLER}</p>" + heading("I", "INTRODUCTION") + f"<p>{FILLER * 2}</p>"
             + heading("II", "RELATED WORK") + f"<p>{FILLER * 2}</p><p><i>A. Convolutional Filters</i></p>"
             f"<p>{FILLER}</p>" + heading("III", "PROPOSED METHOD") + f"<p>{FILLER * 2}</p>"
             + heading("IV", "EXPERIMENTS") + f"<p>{FILLER}</p>",
             "<p style='text-align:center'>R<span style='font-size:80%'>EFERENCES</span></p>"
             "<p>[1] A. Zyxwvut, \u201cAttention to detail,\u201d in <i>Proc. NeurIPS</i>, 2017.</p>"]
    found = [(label, zone) for _, label, zone in marks(html_pdf(tmp_path / "ieee.pdf", pages))]
    assert [label for label, _ in found] == [
        "", "Abstract", "I. Introduction", "II. Related Work", "A. Convolutional Filters", "III. Proposed Method",
        "IV. Experiments", "References"]
    assert found[-1] == ("References", "references")


def test_chunks_carry_sections_across_pages_and_never_mix_zones(tmp_path):
    pages = extract_pages(html_pdf(tmp_path / "p.pdf", paper_pages()))
    doc = chunking.join_pages([(p.number, p.text, p.headings) for p in pages])
    pieces = chunking.chunk(doc, HashEmbedder().token_spans, max_tokens=120, overlap=16)
    first_on_2 = next(p for p in pieces if p.page_start == 2)
    assert first_on_2.section == "3.1 Encoder and Decoder Stacks"
    refs = [p for p in pieces if p.zone == "references"]
    assert refs and all("Zyxwvut" in p.text or "Person" in p.text for p in refs)
    assert not any("Zyxwvut" in p.text for p in pieces if p.zone != "references")
    assert any("28.4" in p.text and "Table 2" in p.text for p in pieces)  # captions are searchable
    assert {p.zone for p in pieces} == {"abstract", "body", "references", "appendix"}
    # the title block is chunked with the abstract, not alone
    assert "A Study of Things" in pieces[0].text and "We study quokkas" in pieces[0].text
    # each chunk says where in its text a new page starts
    starts = {p.number: " ".join(p.text.split())[:30] for p in pages}
    spanning = [p for p in pieces if p.page_end > p.page_start]
    assert spanning and all(len(p.page_breaks) == p.page_end - p.page_start for p in spanning)
    for piece in spanning:
        for offset, page in piece.page_breaks:
            assert " ".join(piece.text[offset:].split()).startswith(starts[page])


def test_a_hit_cites_the_page_of_its_best_sentence_within_a_chunk_that_spans_two():
    from paperlab.retrieval.ingest import chunk_rows
    from paperlab.retrieval.passage import locate

    doc = chunking.join_pages([(1, "Alpha opens the study. Beta follows it.", []),
                               (2, "Gamma quokkas close it. Delta ends.", [])])
    [row] = chunk_rows(chunking.chunk(doc, HashEmbedder().token_spans, max_tokens=200))
    assert (row["page_start"], row["page_end"]) == (1, 2)
    assert locate([row], ["quokkas"], [1.0]).page == 2
    assert locate([row], ["beta"], [1.0]).page == 1


ENTRIES = {  # one reference list per common style, each entry made up
    "IEEE": "[1] A. Zyxwvut, B. Quill, and C. Moss, \u201cAttention to detail,\u201d in Proc. NeurIPS, vol. 30, "
            "pp. 1-9, 2017.\n[2] D. Zyxwvut, \u201cDeep residual things,\u201d IEEE Trans. Pattern Anal., vol. 4, "
            "no. 2, pp. 7-19, 2016.\n[3] E. Quill and F. Moss, \u201cA third paper,\u201d arXiv:1607.06450, 2016.",
    "ACL": "Ada Zyxwvut, Bo Quill, and Cy Moss. 2017. Attention to detail. In Proceedings of the 55th Annual "
           "Meeting of the Association for Computational Linguistics, pages 1-9.\nDee Zyxwvut. 2016. Deep "
           "residual things. Transactions of the ACL, 4:7-19.\nEve Quill and Fay Moss. 2016. A third paper. "
           "arXiv preprint arXiv:1607.06450.",
    "APA": "Zyxwvut, A., Quill, B., & Moss, C. (2017). Attention to detail. Advances in Neural Information "
           "Processing Systems, 30, 1-9.\nZyxwvut, D. (2016). Deep residual things. Journal of Machine Learning "
           "Research, 4, 7-19.\nQuill, E., & Moss, F. (2016). A third paper. arXiv:1607.06450.",
    "Nature": "1. Zyxwvut, A., Quill, B. & Moss, C. Attention to detail. Nature 521, 436-444 (2017).\n2. Zyxwvut, D. "
              "Deep residual things. Science 313, 504-507 (2016).\n3. Quill, E. & Moss, F. A third paper. "
              "Nat. Methods 9, 1-9 (2016).",
    "LNCS": "1. Zyxwvut, A., Quill, B., Moss, C.: Attention to detail. In: Smith, J. (ed.) NeurIPS. LNCS, vol. 30, "
            "pp. 1-9. Springer, Heidelberg (2017)\n2. Zyxwvut, D.: Deep residual things. In: ICML. LNCS, vol. 4, "
            "pp. 7-19. Springer, Cham (2016)\n3. Quill, E., Moss, F.: A third paper. In: ECCV. LNCS, vol. 9, "
            "pp. 1-9. Springer, Cham (2016)",
    "LNCS, unnumbered": "Moss, C., Quill, B.: A third paper. In: ECCV. LNCS, vol. 9, pp. 1-9. Springer, Cham "
                        "(2016)\nQuill, E.: Attention to detail. In: Smith, J. (ed.) NeurIPS. LNCS, vol. 30, "
                        "pp. 1-9. Springer, Heidelberg (2017)\nZyxwvut, A., Moss, F.: Deep residual things. "
                        "In: ICML. LNCS, vol. 4, pp. 7-19. Springer, Cham (2016)",
}
CITING = [  # running text that cites papers, in each way of citing
    "Residual learning was introduced by He et al. (2016) and extended by Zagoruyko and Komodakis (2016). "
    "Attention (Bahdanau et al., 2015; Vaswani et al., 2017) has since replaced recurrence in most "
    "translation systems, and pre-training (Devlin et al., 2019) in most understanding tasks.",
    "Batch normalization [12] and dropout [31] are used throughout, as in [7, 9]. The dataset was released "
    "in 2012. We train for 90 epochs, following the schedule of [12], and report the error on the 50k "
    "validation images of ILSVRC 2012, as is standard since 2014.",
    # a two-column page's short lines, some starting with a citation
    "Residual connections were first studied by\n[12] and later by [13], while highway\nnetworks [31] gate "
    "them. Deeper models\n[7] and [9] train well with normalization,\n[14] shows, and with good initialization.",
    # author-year citations whose years end short lines
    "Residual learning was introduced by He et al. (2016)\nand extended by Zagoruyko (2016)\nwhile "
    "attention replaced recurrence (Vaswani\net al., 2017). Later, Devlin et al. (2019)\nand Liu et al. "
    "(2019)\npre-trained models that Brown et al. (2020)\nscaled up.",
]


def looks_like_references(text: str) -> bool:
    return ListText(text).is_list(0, len(text))


@pytest.mark.parametrize("style", sorted(ENTRIES))
def test_reference_lists_are_told_by_their_text_in_each_common_style(style):
    assert looks_like_references(ENTRIES[style])


@pytest.mark.parametrize("text", CITING)
def test_text_that_cites_papers_is_not_a_reference_list(text):
    assert not looks_like_references(text)


def test_a_reference_list_without_a_heading_found_is_in_the_references_zone(tmp_path):
    entries = "".join(f"<p>{line}</p>" for style in ("IEEE", "ACL") for line in ENTRIES[style].split("\n"))
    pages = ["<h1>A Study of Things</h1><p>Ada Lovelace</p><h3>Abstract</h3>"
             f"<p>{FILLER}</p><h2>1 Introduction</h2><p>{CITING[0]} {FILLER}</p><p>{CITING[1]} {FILLER}</p>",
             # the list's heading set in plain body type, as a line of the first paragraph
             f"<p>{FILLER * 3}</p><p>Bibliographie</p>" + entries * 2]
    pages_text = extract_pages(html_pdf(tmp_path / "p.pdf", pages))
    doc = chunking.join_pages([(p.number, p.text, p.headings) for p in pages_text])
    assert not any(zone == "references" for _, _, zone in doc.headings)  # no heading opened the list
    pieces = chunking.chunk(doc, HashEmbedder().token_spans, max_tokens=96, overlap=16)
    listed = [p for p in pieces if p.text.count("Zyxwvut") >= 2]
    assert listed and all(p.zone == "references" and p.section == "References" for p in listed)
    assert all(p.zone != "references" for p in pieces if "Zyxwvut" not in p.text)


def test_references_in_bold_at_the_head_of_the_first_entry_open_the_list(tmp_path):
    pages = ["<h1>A Study of Things</h1><p>Ada Lovelace</p><h3>Abstract</h3>"
             f"<p>{FILLER}</p><h2>1 Introduction</h2><p>{FILLER * 2}</p>"
             "<p><b>References</b> [1] Zyxwvut Author. Attention to detail. In NeurIPS, 2017.</p>"]
    assert marks(html_pdf(tmp_path / "p.pdf", pages))[-1] == (1, "References", "references")


def test_notes_are_never_taken_for_a_reference_list():
    notes = chunking.markdown_document("# Reading list\n\n" + ENTRIES["ACL"])
    assert {p.zone for p in chunking.chunk(notes, HashEmbedder().token_spans)} == {"body"}


@pytest.fixture
def structured(lib, cli, tmp_path):
    pdf = html_pdf(tmp_path / "study.pdf", paper_pages())
    assert cli("add", str(pdf), "--no-lookup").exit_code == 0
    return lib


def test_reference_lists_are_left_out_unless_asked_for(structured, cli):
    assert json.loads(cli("search", "Zyxwvut", "--json", "--mode", "keyword").stdout) == []
    assert all(h["zone"] != "references" for h in json.loads(cli("search", "Zyxwvut", "--json").stdout))
    hits = json.loads(cli("search", "Zyxwvut", "--json", "--references").stdout)
    assert hits and hits[0]["zone"] == "references" and hits[0]["page_start"] == 3
    assert "references" in cli("search", "Zyxwvut", "--references").stdout


def test_nonsense_gets_no_results_but_real_words_do(structured, cli):
    from paperlab.store.schema import set_meta

    result = cli("search", "zzzqqq", "--mode", "keyword")
    assert result.exit_code == 0 and result.stdout.startswith("No results")
    # a floor as a real model's calibration sets it: semantic hits under it do not count
    set_meta(structured.db, "semantic_floor", "0.99 1 hash:256")
    for mode in ("hybrid", "semantic"):
        assert cli("search", "zzzqqq", "--mode", mode).stdout.startswith("No results"), mode
        assert json.loads(cli("search", "zzzqqq", "--mode", mode, "--json").stdout) == []
    hits = json.loads(cli("search", "label smoothing", "--json").stdout)  # the keyword side still finds it
    assert hits and "label smoothing" in hits[0]["snippet"].lower()


def test_semantic_floor_is_measured_for_the_model(structured):
    from paperlab.store.schema import get_meta

    value, vectors, model = get_meta(structured.db, "semantic_floor").split(" ", 2)
    assert model == "hash:256" and float(value) == 0.0  # the real model's is tested in test_real_model
    assert int(vectors) > 0


def test_adjacent_hits_merge_into_one_passage_with_its_page_range(structured, cli):
    hits = json.loads(cli("search", "quokka reader tables", "-k", "20", "--json").stdout)
    ids = [set(h["chunk_ids"]) for h in hits]
    for n, a in enumerate(ids):  # no result is next to another one of the same item
        for b in ids[n + 1:]:
            assert not any(x - 1 in b or x + 1 in b for x in a)
    merged = [h for h in hits if len(h["chunk_ids"]) > 1]
    assert merged and all(h["chunk_ids"] == list(range(h["chunk_ids"][0], h["chunk_ids"][-1] + 1))
                          for h in merged)


def test_merge_passages_keeps_the_best_rank_and_drops_references():
    details = {cid: {"item_id": item, "source": "paper", "zone": zone}
               for cid, item, zone in [(5, "a", "body"), (6, "a", "body"), (7, "b", "body"),
                                       (9, "a", "references"), (4, "a", "body"), (8, "b", "body")]}
    fused = [(6, 0.9), (7, 0.8), (9, 0.7), (5, 0.6), (8, 0.5), (4, 0.4)]
    assert merge_passages(fused, details, k=2, references=False) == [([6, 5, 4], 0.9), ([7, 8], 0.8)]
    assert merge_passages(fused, details, k=3, references=True)[2] == ([9], 0.7)


def test_merging_from_the_ranking_head_gives_the_passages_of_the_whole_ranking():
    """search reads the places of the first 4k fused chunks only, and of all of them when those make
    fewer than k passages: the passages must be those merge_passages makes from the whole ranking,
    over rankings dense in neighbours and in reference chunks (which the head alone cannot fill)."""
    import random

    rng = random.Random(7)
    asked: list[int] = []
    for trial in range(300):
        n = rng.randint(1, 150)
        places = {cid: {"item_id": f"p{cid // rng.choice([5, 40])}", "source": rng.choice(["paper", "notes"]),
                        "zone": "references" if rng.random() < trial % 4 / 4 else "body"} for cid in range(n)}
        fused = [(cid, 1 / (i + 1)) for i, cid in enumerate(rng.sample(range(n), n))]
        k, references = rng.choice([1, 3, 10]), rng.random() < 0.3

        def lookup(ids: list[int], places: dict[int, dict[str, str]] = places) -> dict[int, dict[str, str]]:
            asked.append(len(ids))
            return {cid: places[cid] for cid in ids}

        assert merged(fused, lookup, k, references) == merge_passages(fused, places, k, references)
    assert min(asked) < max(asked)  # both the head alone and the whole ranking were read


PAPERS = Path(__file__).resolve().parents[2] / "shared" / "data" / "papers"


@pytest.mark.skipif(not PAPERS.is_dir(), reason="../shared/data/papers is not here")
def test_real_reference_lists_are_found_by_their_text_alone(monkeypatch):
    """On the five shared papers, the lists that their References headings open are found again, chunk
    for chunk, when no heading is taken for a References heading; and no other text is taken for one."""
    import re

    from paperlab.retrieval import layout

    def zones() -> dict[str, list[tuple[str, str]]]:
        out = {}
        for pdf in sorted(PAPERS.glob("*.pdf")):
            pages = extract_pages(pdf)
            doc = chunking.join_pages([(p.number, p.text, p.headings) for p in pages])
            out[pdf.name] = [(p.zone, p.text) for p in chunking.chunk(doc, HashEmbedder().token_spans)]
            found.append(bool(chunking.reference_lists(doc)))
        return out

    found: list[bool] = []
    with_headings = zones()
    assert found == [False] * 5  # the headings opened every list: the text found none elsewhere
    # the margin either side of the line (one entry per 50 words), chunk by chunk: none outside the
    # lists; inside, 2.89 per 100 words at least here (chunks of 50 words or more; 2.35 with MiniLM's)
    for pieces in with_headings.values():
        for zone, text in pieces:
            judge = layout.ListText(text)
            per_100 = 100 * max(len(judge.ends), len(judge.starts)) / max(len(judge.words), 1)
            if zone != "references":
                assert per_100 < 1, text
            elif len(judge.words) >= 50:
                assert per_100 >= 2.5, text
    assert all(any(zone == "references" for zone, _ in pieces) for pieces in with_headings.values())
    monkeypatch.setattr(layout, "_REFERENCES", re.compile("(?!)"))
    by_text = zones()
    for name, pieces in with_headings.items():
        listed = [text for zone, text in pieces if zone == "references"]
        assert [text for zone, text in by_text[name] if zone == "references"] == listed, name
