"""PDF extraction and chunking."""

from __future__ import annotations

import re

import pytest

from paperlab.errors import PdfError
from paperlab.retrieval import chunking
from paperlab.retrieval.pdf import clean_text, extract_pages, validate_pdf
from paperlab.retrieval.reader import PdfReader
from paperlab.samples import SamplePaper, write_paper_pdf
from tests.conftest import BAD_PDFS

PAPER = SamplePaper(
    arxiv_id="2101.00001", version=2, title="A Two Column Study of Reading Order",
    authors=["Ada Lovelace"],
    abstract="LEFTCOLUMNMARKER opens the paper. " + "Filler words about optimisation. " * 60,
    sections=[("2 Experiments", "RIGHTCOLUMNMARKER appears later. The regularization "
               "coefficient was tuned extensively on the validation set. " * 8)],
)


FILLER_TEXT = "We train small models on algorithmic data and report what they learn. " * 12


@pytest.fixture(scope="module")
def two_column_pdf(tmp_path_factory):
    return write_paper_pdf(PAPER, tmp_path_factory.mktemp("x") / "paper.pdf", pages_of_filler=8)


def test_reading_order_headers_stamp_and_headings(two_column_pdf):
    pages = extract_pages(two_column_pdf)
    assert len(pages) >= 2
    text = "\n".join(p.text for p in pages)
    assert text.index("LEFTCOLUMNMARKER") < text.index("RIGHTCOLUMNMARKER")
    assert "preprint" not in text  # running header dropped
    assert "arXiv:2101.00001v2" not in text  # margin stamp dropped
    headings = [h for p in pages for _, h, _ in p.headings]
    assert "Abstract" in headings and "2 Experiments" in headings
    # the generator hyphenates long words across lines; none may stay split
    assert "regularization" in text and "regulari-\n" not in text
    assert "optimisation" in text


def test_a_review_copys_line_numbers_are_dropped_and_a_tables_numbers_kept(tmp_path):
    import pymupdf

    doc = pymupdf.open()
    number = 1
    for step in (1, 5):  # lineno numbers every line, or every fifth
        page = doc.new_page()
        for row in range(30):
            y = 72 + 14 * row
            words = " ".join(["quokka", "training", "wombat", "data", "loss", "runs"][(row + k) % 6] for k in range(4))
            page.insert_text((72, y), f"Left {words} {step}.", fontsize=9)
            page.insert_text((320, y), f"Right {words} {step}.", fontsize=9)
            if step == 1 or row % 5 == 0:
                page.insert_text((40, y), str(number), fontsize=7)  # left margin
                page.insert_text((560, y), str(number + 1000), fontsize=7)  # right margin
            number += 1
    page = doc.new_page()  # a table whose columns hold integers
    page.insert_text((72, 72), "Table 3: Layers and widths of the models we trained.", fontsize=9)
    for row, (layers, width) in enumerate([(6, 512), (12, 768), (24, 1024)]):
        page.insert_text((72, 90 + 12 * row), str(layers), fontsize=9)
        page.insert_text((120, 90 + 12 * row), str(width), fontsize=9)
    doc.save(tmp_path / "review.pdf")
    pages = extract_pages(tmp_path / "review.pdf")
    for page_text in pages[:2]:
        assert "quokka" in page_text.text and "wombat" in page_text.text
        assert not re.search(r"(?m)^\s*\d+\s*$", page_text.text), page_text.text[:300]
    assert all(n in pages[2].text.split() for n in ("6", "512", "12", "768", "24", "1024"))


def test_margin_numbers_with_superscripts_are_text_not_a_crash(tmp_path):
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    for row in range(12):  # a learner's margin notes: "284²", counted down the page like line numbers
        page.insert_text((72, 72 + 14 * row), f"Body text of row {row} about residual learning.", fontsize=9)
        page.insert_text((30, 72 + 14 * row), f"{280 + row}\u00b2", fontsize=7)
    doc.save(tmp_path / "annotated.pdf")
    (page_text,) = extract_pages(tmp_path / "annotated.pdf")  # raised ValueError from int("284²")
    assert "residual learning" in page_text.text and "284\u00b2" in page_text.text


def test_an_affiliation_on_page_one_is_front_matter_not_a_section(tmp_path):
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Layer Normalization Revisited", fontsize=16)
    page.insert_text((72, 100), "Ada Lovelace", fontsize=10)
    page.insert_text((72, 116), "6 King's College Rd, Toronto, Ontario, Canada", fontsize=10)
    y = 150
    for _ in range(8):  # no Abstract heading: the paper starts straight with its text
        page.insert_text((72, y), "Training deep networks is costly and normalising activations helps.", fontsize=10)
        y += 14
    page = doc.new_page()  # the first section starts on page 2
    page.insert_text((72, 72), "1 Introduction", fontsize=12)
    page.insert_text((72, 92), "Batch normalisation depends on the batch; we normalise each case.", fontsize=10)
    doc.save(tmp_path / "front.pdf")
    first, second = extract_pages(tmp_path / "front.pdf")
    labels = [label for _, label, _ in first.headings + second.headings]
    assert not any("King" in label for label in labels), labels
    assert "1 Introduction" in labels


def test_running_headers_on_odd_and_even_pages_are_dropped(tmp_path):
    """The title on odd pages and the authors on even ones, none on page 1: each is on fewer than
    half of the pages."""
    import pymupdf

    doc = pymupdf.open()
    topics = ["quokka", "wombat", "numbat", "bilby", "dingo", "emu", "kiwi", "tuatara", "possum"]
    for number, topic in enumerate(topics, start=1):
        page = doc.new_page()
        if number > 1:
            header = "Grokking on Small Datasets" if number % 2 else "A. Power and Y. Burda"
            page.insert_text((72, 40), header, fontsize=8)
        page.insert_textbox(pymupdf.Rect(72, 72, 520, 700), f"The {topic} section. " + FILLER_TEXT, fontsize=10)
        page.insert_text((300, 780), str(number), fontsize=8)
    doc.save(tmp_path / "headers.pdf")
    text = "\n".join(p.text for p in extract_pages(tmp_path / "headers.pdf"))
    assert all(f"The {topic} section." in text for topic in topics)
    assert "Grokking on Small" not in text and "Power and Y. Burda" not in text


def test_clean_text_ligatures_and_hyphens():
    raw = "The \ufb01rst e\ufb00ect of ﬂow on the repre-\nsentation   is   clear"
    assert clean_text(raw) == "The first effect of flow on the representation is clear"


CAPITALS = SamplePaper(
    arxiv_id="2101.00002", version=1, title="LOTUS: FASTER TRAINING OF TRANSFORMERS WITH ADAMW",
    authors=["Ada Lovelace", "Alan Turing"],
    abstract="We introduce LOTUS, a schedule for AdamW. LOTUS trains transformers faster on ImageNet "
             "and on text. " * 6,
    sections=[("1 INTRODUCTION", "Transformers are trained with AdamW. " * 10),
              ("2 TRAINING WITH ADAMW", "LOTUS changes the learning rate of AdamW. " * 10),
              ("3 RESULTS ON IMAGENET", "LOTUS reaches the accuracy of AdamW in fewer steps on ImageNet. " * 10)],
)


def test_a_title_and_headings_set_in_capitals_keep_the_papers_own_spelling(tmp_path):
    """Title case for text printed in capitals, but the words the paper writes with capitals inside
    (its method LOTUS, AdamW, ImageNet) as it writes them; the running head, in capitals itself,
    is no evidence."""
    from paperlab.retrieval.frontmatter import read_front_matter, smart_title

    pdf = write_paper_pdf(CAPITALS, tmp_path / "capitals.pdf", pages_of_filler=1)
    assert read_front_matter(pdf).title == "LOTUS: Faster Training of Transformers with AdamW"
    headings = [h for p in extract_pages(pdf) for _, h, _ in p.headings]
    assert "2 Training with AdamW" in headings and "3 Results on ImageNet" in headings
    assert smart_title("LOTUS: FASTER TRAINING") == "Lotus: Faster Training"  # nothing to tell it from
    assert smart_title("Lotus for ADAMW users", {"adamw": "AdamW"}) == "Lotus for ADAMW users"  # as written
    assert smart_title("DON'T STOP", {}) == "Don't Stop"


def test_a_superscript_set_against_a_number_is_its_exponent(tmp_path):
    """The text layer alone gives "223" for 2 with a superscript 23, and "104" for 10^4."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    writer, font = pymupdf.TextWriter(page.rect), pymupdf.Font("helv")
    for text, rise in (("We use a batch size of 2", 0), ("23", 4), (" tokens, 10", 0), ("4", 4),
                       (" steps and a rate of 3 \u00d7 10", 0), ("\u22124", 4), (" in Section 2 with x", 0), ("2", 4)):
        writer.append((writer.last_point.x if text != "We use a batch size of 2" else 72, 100 - rise), text,
                      font=font, fontsize=7 if rise else 10)
    writer.write_text(page)
    doc.save(tmp_path / "powers.pdf")
    text = extract_pages(tmp_path / "powers.pdf")[0].text
    assert "batch size of 2^23 tokens, 10^4 steps and a rate of 3 \u00d7 10^\u22124 in Section 2 with x2" in text


def test_a_title_from_the_pdfs_metadata_has_its_ligatures_expanded():
    from paperlab.retrieval.frontmatter import from_metadata

    found = from_metadata({"title": "Delving Deep into Recti\ufb01ers: Classi\ufb01cation", "author": "Kaiming He"})
    assert found.title == "Delving Deep into Rectifiers: Classification"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("encrypted-user-password.pdf", "encrypted with a password"),
        ("truncated.pdf", "truncated"),
        ("blank-page.pdf", "no text layer"),
        ("image-only-scan.pdf", "no text layer"),
        ("unopenable.pdf", "cannot be opened"),
    ],
)
def test_bad_pdfs_get_clear_messages(name, message):
    with pytest.raises(PdfError, match=message):
        validate_pdf(BAD_PDFS / name)
        extract_pages(BAD_PDFS / name)


def test_a_worker_reads_the_pdfs_ahead_and_gives_what_this_process_would(two_column_pdf):
    paths = [two_column_pdf, BAD_PDFS / "truncated.pdf", two_column_pdf]
    with PdfReader(paths, ahead=True) as ahead, PdfReader(paths, ahead=False) as here:
        got = [ahead.read() for _ in paths]
        want = [here.read() for _ in paths]
    assert got[0] == want[0] == extract_pages(two_column_pdf) and got[2] == want[0]
    assert isinstance(got[1], PdfError) and str(got[1]) == str(want[1])
    assert "truncated" in str(got[1])


# a worker that dies (as MuPDF can on a damaged file) on a PDF whose name says so
_DYING_WORKER = """
import os, pickle, sys
from paperlab.retrieval.reader import pages_or_error
for path in pickle.load(sys.stdin.buffer):
    if "dies" in path:
        os._exit(3)
    pickle.dump(pages_or_error(path), sys.stdout.buffer)
    sys.stdout.buffer.flush()
"""


def test_a_pdf_that_ends_the_worker_is_reported_and_the_rest_are_still_read(two_column_pdf, tmp_path):
    import sys

    dies = tmp_path / "dies.pdf"
    dies.write_bytes(two_column_pdf.read_bytes())
    paths = [two_column_pdf, dies, two_column_pdf, dies, two_column_pdf]
    with PdfReader(paths, ahead=True, worker=[sys.executable, "-c", _DYING_WORKER]) as reader:
        got = [reader.read() for _ in paths]
    pages = extract_pages(two_column_pdf)
    assert got[0] == got[2] == got[4] == pages
    for bad in (got[1], got[3]):
        assert isinstance(bad, PdfError) and "dies.pdf stopped the PDF reader" in str(bad)


def test_a_worker_whose_caller_is_gone_ends_quietly(two_column_pdf):
    import pickle
    import subprocess
    import sys

    worker = subprocess.Popen([sys.executable, "-c", "from paperlab.retrieval.reader import serve; serve()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    worker.stdout.close()  # the caller stopped reading (it was killed)
    _, err = worker.communicate(pickle.dumps([str(two_column_pdf)] * 3), timeout=60)
    assert worker.returncode == 0 and err == b""


def test_without_a_worker_the_pdfs_are_read_here(two_column_pdf, tmp_path):
    with PdfReader([two_column_pdf], ahead=True, worker=[str(tmp_path / "no-such-python")]) as reader:
        assert reader.read() == extract_pages(two_column_pdf)


def test_chunks_fit_the_model_and_know_their_place():
    pages = [(1, "Intro words. " * 200, [(0, "1 Introduction", "body")]),
             (2, "Method text here. " * 150, [(0, "2 Method", "body")])]
    doc = chunking.join_pages(pages)

    def spans(text):
        import re
        return [m.span() for m in re.finditer(r"\w+|[^\w\s]", text)]

    pieces = chunking.chunk(doc, spans, max_tokens=64, overlap=8)
    assert all(p.n_tokens <= 62 for p in pieces)
    assert pieces[0].page_start == 1 and pieces[0].section == "1 Introduction"
    assert pieces[-1].page_end == 2 and pieces[-1].section == "2 Method"
    assert any(p.page_start == 1 and p.page_end == 2 for p in pieces)  # a chunk spans the break
    # overlap: consecutive chunks share text
    assert pieces[1].text.split()[0] in pieces[0].text


def test_chunks_counted_in_real_word_pieces(two_column_pdf):
    """Counted with the bundled model's own tokenizer, every chunk fits in 256 word pieces."""
    from paperlab.retrieval.bert import load_tokenizer
    from paperlab.retrieval.embedding import _bundled_dir_unchecked

    tok = load_tokenizer(_bundled_dir_unchecked())
    pages = extract_pages(two_column_pdf)
    doc = chunking.join_pages([(p.number, p.text, p.headings) for p in pages])
    pieces = chunking.chunk(doc, lambda t: [tuple(o) for o in tok.encode(t, add_special_tokens=False).offsets])
    assert pieces
    for piece in pieces:
        assert len(tok.encode(piece.text).ids) <= 256


def test_notes_are_chunked_with_markdown_sections():
    doc = chunking.markdown_document("# T\n\n## Summary\n\nShort.\n\n## Key learnings\n\n- one\n")
    pieces = chunking.chunk(doc, lambda t: [(i, i + 1) for i, c in enumerate(t) if not c.isspace()],
                            max_tokens=16, overlap=2)
    assert all(p.page_start == p.page_end == 0 for p in pieces)
    # the title has no text of its own: the first chunk's text is under Summary
    assert pieces[0].section == "Summary" and pieces[-1].section == "Key learnings"


def test_a_notes_chunk_is_labelled_with_the_heading_over_its_text():
    """A new notes file holds empty template sections before the first dated entry; the chunk that
    takes them in is labelled with the entry's heading, not the title."""
    text = "# Grokking\n\n## Summary\n\n## Key learnings\n\n## Notes\n\n### 2026-11-20\n\nWeight decay matters.\n"
    pieces = chunking.chunk(chunking.markdown_document(text), lambda t: [m.span() for m in re.finditer(r"\S+", t)])
    assert [p.section for p in pieces] == ["2026-11-20"]


def _plot(page, top: float, legend: str) -> None:  # type: ignore[no-untyped-def]
    """A line plot drawn as vector graphics from `top` down 120 points: axes, a curve, tick labels
    left of and under the axes, and a legend inside."""
    import pymupdf

    shape = page.new_shape()
    shape.draw_line((100, top), (100, top + 100))
    shape.draw_line((100, top + 100), (400, top + 100))
    shape.draw_polyline([(100 + 30 * i, top + 90 - 8 * i + (i % 3)) for i in range(11)])
    shape.finish(color=(0, 0, 0), width=0.8)
    shape.commit()
    for i, tick in enumerate(("0", "2", "4", "6")):
        page.insert_text((100 + 100 * i - 3, top + 110), tick, fontsize=7)
        page.insert_text((88, top + 100 - 30 * i), f"{i * 0.5:.1f}", fontsize=7)
    page.insert_text((300, top + 20), legend, fontsize=7)
    assert max(pymupdf.Rect(r).height for r in page.cluster_drawings()) > 90  # one graphic


def test_the_text_inside_a_captioned_figure_is_left_out_when_asked(tmp_path):
    """Axis ticks and a legend inside a plot over its `Figure 1:` caption are the figure's; the prose
    around it, the caption, and a table over its rules under its own `Table 1:` caption are kept. A
    sentence that starts "Figure 2 shows" is no caption: nothing is a figure by it."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 60), "We train with a learning rate of 0.001 and a batch size of 64.", fontsize=9)
    page.insert_text((72, 90), "Table 1: Settings of the run.", fontsize=9)
    page.insert_text((72, 104), "Warmup steps    4000", fontsize=9)
    page.draw_rect((70, 94, 300, 108), width=0.5)  # the table's frame, 22 points over the plot
    _plot(page, 130, "LR = 0.5")
    page.insert_text((72, 262), "Figure 1: Training loss of the run.", fontsize=9)
    page.insert_text((72, 300), "Figure 2 shows that the loss falls with a dropout of 0.1.", fontsize=9)
    page = doc.new_page()
    _plot(page, 100, "LR = 0.7")
    page.insert_text((72, 300), "Figure 3 shows the loss of a dropout of 0.2.", fontsize=9)
    doc.save(tmp_path / "f.pdf")
    first, second = extract_pages(tmp_path / "f.pdf", figures=False)
    assert "LR = 0.5" not in first.text and "1.5" not in first.text  # the legend and a tick
    for kept in ("learning rate of 0.001", "Warmup steps", "Figure 1: Training loss", "dropout of 0.1"):
        assert kept in first.text
    assert "LR = 0.7" in second.text  # no caption names the plot
    assert "LR = 0.5" in extract_pages(tmp_path / "f.pdf")[0].text  # search reads every word
    from paperlab.replicate.settings import read

    assert {(h.page, h.value) for h in read(tmp_path / "f.pdf") if h.name == "learning_rate"} == {(1, 0.001), (2, 0.7)}


def test_a_caption_over_its_figure_takes_the_graphics_under_it(tmp_path):
    from paperlab.retrieval.figures import figure_of

    caption = (72.0, 100.0, 300.0, 110.0)
    under = (90.0, 120.0, 410.0, 240.0)
    beside = (420.0, 125.0, 560.0, 235.0)  # a second panel, 10 points beside the first, not under the caption
    column = (440.0, 125.0, 560.0, 235.0)  # the other column's graphic, 30 points off
    far = (90.0, 400.0, 410.0, 500.0)
    assert figure_of(caption, [under, beside, far]) == (78.0, 110.0, 572.0, 252.0)  # both panels, a margin
    assert figure_of(caption, [under, column, far]) == (78.0, 110.0, 422.0, 252.0)
    assert figure_of(caption, [far]) is None
