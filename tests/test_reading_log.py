"""The reading log as a learner keeps it: backdated entries, edit and rm, real titles for local
PDFs, no duplicates, PDFs from URLs, imports of an old Markdown log and a Zotero BibTeX library,
exports that import back, a log that fits the terminal."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from paperlab.samples import ATTENTION, BACKPROP, GROKKING, SamplePaper, write_paper_pdf
from tests.conftest import library_state

OLD_LOG = Path(__file__).parent / "fixtures" / "old-log"
SHARED_PAPERS = Path(__file__).resolve().parents[2] / "shared" / "data" / "papers"


def items_by_id(cli) -> dict[str, dict]:
    return {i["id"]: i for i in json.loads(cli("log", "--json").stdout)}


def shown(cli, item_id: str) -> dict:
    result = cli("show", item_id, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# --- dates ----------------------------------------------------------------------------------------


def test_backdated_entries_drive_the_log_week_and_streak(lib, cli):
    assert cli("add", "https://a.org/post", "--title", "Alpha", "--type", "blog", "--date", "2020-06-18").exit_code == 0
    assert cli("status", "alpha", "read", "--date", "2020-06-20").exit_code == 0
    assert cli("rate", "alpha", "8", "--date", "2020-06-20").exit_code == 0
    assert cli("note", "alpha", "-m", "Skimmed the code.", "--date", "2020-06-19").exit_code == 0
    cli("add", "https://b.org", "--title", "Beta", "--type", "video", "--status", "read", "--date", "2020-06-21")
    cli("status", "beta", "abandoned", "--date", "2020-06-22")
    alpha = shown(cli, "alpha")
    assert (alpha["added_at"][:10], alpha["started_at"], alpha["finished_at"]) == \
        ("2020-06-18", "2020-06-20", "2020-06-20")
    table = cli("log").stdout
    assert "2020-06-20" in table and date.today().isoformat() not in table
    assert [i["id"] for i in json.loads(cli("log", "--json", "--since", "2020-06-21").stdout)] == ["beta"]
    assert [i["id"] for i in json.loads(cli("log", "--json", "--until", "2020-06-20").stdout)] == ["alpha"]

    recap = cli("week", "--date", "2020-06-22").stdout
    read, rest = recap.split("## Read", 1)[1].split("## Abandoned", 1)
    assert "**Alpha** (Blog Post, 8/10)" in read and "Beta" not in read  # read, then abandoned
    assert "**Beta**" in rest.split("##", 1)[0]
    assert "2020-06-19: Skimmed the code." in recap
    assert "Study streak: 5 day(s)" in recap  # 18, 19, 20, 21, 22 June
    assert "nothing finished this week" in cli("week").stdout  # nothing is today's
    export = cli("export", "markdown").stdout
    assert "| 2020-06-20 | Alpha | Blog Post | <https://a.org/post> | 8/10 |" in export
    assert "  - Notes:\n    - 2020-06-19: Skimmed the code.\n" in export


def test_yesterday_and_bad_dates(lib, cli):
    cli("add", "https://a.org", "--title", "Alpha", "--type", "blog")
    assert cli("status", "alpha", "read", "--date", "yesterday").exit_code == 0
    assert shown(cli, "alpha")["finished_at"] == (date.today() - timedelta(days=1)).isoformat()
    before = library_state(lib.home)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    for args, message in [
        (("status", "alpha", "read", "--date", tomorrow), "is in the future"),
        (("rate", "alpha", "7", "--date", "20/13/2020"), "must be a date"),
        (("note", "alpha", "-m", "x", "--date", "soon"), "must be a date"),
        (("add", "https://b.org", "--title", "B", "--type", "blog", "--date", "2020-02-30"), "must be a date"),
        (("log", "--since", "2020-06-20", "--until", "2020-06-01"), "is after --until"),
    ]:
        result = cli(*args)
        assert result.exit_code == 2 and result.stderr.startswith("Error: ") and message in result.stderr
        assert result.stderr.count("\n") == 1
    assert library_state(lib.home) == before


# --- add: options, duplicates, URLs, real titles ------------------------------------------------------


def test_add_pdf_honours_status_tags_rating_and_date(lib, cli, tmp_path):
    pdf = write_paper_pdf(BACKPROP, tmp_path / "my_download_v2.pdf")
    result = cli("add", str(pdf), "--status", "read", "--tag", "classic", "--tag", "optimization",
                 "--rating", "9", "--date", "2021-03-04")
    assert result.exit_code == 0, result.stderr
    item = shown(cli, BACKPROP.arxiv_id)
    assert (item["status"], item["tags"], item["rating"], item["finished_at"]) == \
        ("read", ["classic", "optimization"], 9, "2021-03-04")
    assert item["title"] == BACKPROP.title and item["authors"] == BACKPROP.authors  # from page 1
    assert "fetch --update" in result.stderr  # no terminal: never asked, and told how to fill it in


def test_title_and_authors_from_page_one_when_the_pdf_has_no_metadata(lib, cli, tmp_path):
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 90), "An Image Is Worth 16x16 Words:", fontsize=17)
    page.insert_text((72, 112), "Transformers for Image Recognition at Scale", fontsize=17)
    page.insert_text((72, 150), "Alexey Dosovitskiy, Lucas Beyer, Alexander Kolesnikov", fontsize=11)
    page.insert_text((72, 164), "Google Research, Brain Team", fontsize=10)
    page.insert_text((72, 200), "Abstract", fontsize=12)
    page.insert_text((72, 220), "While the Transformer architecture has become the de-facto standard.", fontsize=10)
    doc.set_metadata({"title": "vit_2010.11929_iclr2021_no_arxiv_stamp"})  # a file name, not a title
    pdf = tmp_path / "vit_2010.11929_iclr2021_no_arxiv_stamp.pdf"
    doc.save(pdf)
    assert cli("add", str(pdf)).exit_code == 0
    (item,) = items_by_id(cli).values()
    assert item["title"] == "An Image Is Worth 16x16 Words: Transformers for Image Recognition at Scale"
    assert item["authors"] == ["Alexey Dosovitskiy", "Lucas Beyer", "Alexander Kolesnikov"]
    assert item["id"] == "an-image-is-worth-16x16-words"


@pytest.mark.skipif(not SHARED_PAPERS.is_dir(), reason="../shared/data/papers is not here")
def test_titles_and_authors_of_real_papers():
    from paperlab.retrieval.frontmatter import read_front_matter

    expected = {
        "1512.03385": ("Deep Residual Learning for Image Recognition", "Kaiming He", 4),
        "1706.03762": ("Attention Is All You Need", "Ashish Vaswani", 8),
        "1810.04805": ("BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
                       "Jacob Devlin", 4),
        "1502.03167": ("Batch Normalization: Accelerating Deep Network Training by Reducing Internal "
                       "Covariate Shift", "Sergey Ioffe", 2),
        "2201.02177": ("Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
                       "Alethea Power", 5),
    }
    for arxiv_id, (title, first, count) in expected.items():
        found = read_front_matter(SHARED_PAPERS / f"{arxiv_id}.pdf")
        assert (found.title, found.authors[:1], len(found.authors)) == (title, [first], count), arxiv_id


def test_duplicates_are_refused_with_the_existing_id(lib, cli, tmp_path):
    pdf = write_paper_pdf(GROKKING, tmp_path / "grokking.pdf")
    assert cli("add", str(pdf), "--no-lookup").exit_code == 0
    copy = tmp_path / "copy.pdf"
    shutil.copy(pdf, copy)
    before = library_state(lib.home)
    result = cli("add", str(copy))
    assert result.exit_code == 2 and f"already in the library as '{GROKKING.arxiv_id}'" in result.stderr
    other_print = write_paper_pdf(GROKKING, tmp_path / "reprint.pdf", pages_of_filler=1)  # same stamp
    assert f"arXiv paper {GROKKING.arxiv_id} is already" in cli("add", str(other_print)).stderr
    cli("add", "https://a.org", "--title", "A", "--type", "blog")
    before = library_state(lib.home)
    assert "already in the library as 'a'" in cli("add", "https://a.org", "--title", "A2", "--type", "blog").stderr
    assert library_state(lib.home) == before
    forced = cli("add", str(copy), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert len(items_by_id(cli)) == 3


def test_add_a_pdf_from_a_url(lib, cli, arxiv):
    url = f"{arxiv.base}/pdf/{ATTENTION.arxiv_id}v1"
    result = cli("add", url, "--tag", "nlp", "--no-lookup")
    assert result.exit_code == 0, result.stderr
    item = shown(cli, ATTENTION.arxiv_id)
    assert item["title"] == ATTENTION.title and item["tags"] == ["nlp"]
    assert (lib.home / item["pdf_path"]).read_bytes()[:5] == b"%PDF-"
    arxiv.faults["pdf"].append("html")
    before = library_state(lib.home)
    result = cli("add", f"{arxiv.base}/pdf/{GROKKING.arxiv_id}v1")
    assert result.exit_code == 1 and "did not give a usable PDF" in result.stderr and "an HTML page" in result.stderr
    assert library_state(lib.home) == before
    assert not list(lib.papers_dir.glob(".download-*"))


def test_fetch_update_fills_metadata_of_an_offline_add(lib, cli, arxiv, tmp_path, sample_pdfs):
    pdf = tmp_path / "offline.pdf"
    pdf.write_bytes(sample_pdfs[GROKKING.arxiv_id])
    assert cli("add", str(pdf), "--no-lookup", "--status", "read").exit_code == 0
    assert shown(cli, GROKKING.arxiv_id)["abstract"] == ""
    result = cli("fetch", "--update", GROKKING.arxiv_id)
    assert result.exit_code == 0 and "filled" in result.stdout
    item = shown(cli, GROKKING.arxiv_id)
    assert item["abstract"].startswith(GROKKING.abstract[:30]) and item["status"] == "read"
    assert "up-to-date" in cli("fetch", "--update", GROKKING.arxiv_id).stdout


# --- edit and rm ------------------------------------------------------------------------------------


def test_edit_fields_and_rename(lib, cli, tmp_path):
    pdf = write_paper_pdf(GROKKING, tmp_path / "g.pdf")
    cli("add", str(pdf), "--no-lookup")
    cli("note", GROKKING.arxiv_id, "-m", "Weight decay matters.")
    result = cli("edit", GROKKING.arxiv_id, "--title", "Grokking", "--authors", "Power, Alethea and Burda, Yuri",
                 "--year", "2022", "--venue", "ICLR MATH-AI Workshop", "--id", "grokking")
    assert result.exit_code == 0, result.stderr
    item = shown(cli, "grokking")
    assert (item["title"], item["authors"], item["published"][:4], item["venue"]) == \
        ("Grokking", ["Alethea Power", "Yuri Burda"], "2022", "ICLR MATH-AI Workshop")
    assert item["pdf_path"] == "papers/grokking/paper.pdf" and (lib.home / item["pdf_path"]).is_file()
    assert "Weight decay matters." in item["notes"]
    assert not (lib.papers_dir / GROKKING.arxiv_id).exists()
    with sqlite3.connect(lib.db_path) as db:
        for table in ("log_entries", "chunks", "notes"):
            assert db.execute(f"SELECT count(*) FROM {table} WHERE item_id = ?", [GROKKING.arxiv_id]).fetchone() == (0,)
    assert "grokking" in cli("search", "weight decay", "--json").stdout
    before = library_state(lib.home)
    for args, message in [
        (("edit", "grokking"), "nothing to change"),
        (("edit", "grokking", "--id", "no spaces"), "cannot be an id"),
        (("edit", "grokking", "--type", "movie"), "unknown type"),
        (("edit", "grokking", "--year", "20"), "--year must be a year"),
        (("edit", "grokking", "--title", "  "), "cannot be empty"),
        (("edit", "nope", "--title", "x"), "no item 'nope'"),
    ]:
        result = cli(*args)
        assert result.exit_code != 0 and result.stderr.startswith("Error: ") and message in result.stderr, args
    assert library_state(lib.home) == before


def test_rm_removes_rows_chunks_vectors_and_pdf_and_keeps_notes(lib, cli, tmp_path):
    cli("add", str(write_paper_pdf(GROKKING, tmp_path / "g.pdf")), "--no-lookup")
    cli("add", str(write_paper_pdf(ATTENTION, tmp_path / "a.pdf")), "--no-lookup")
    cli("note", GROKKING.arxiv_id, "--summary", "Generalisation long after overfitting.")
    result = cli("rm", GROKKING.arxiv_id)
    assert result.exit_code == 2 and "pass --yes" in result.stderr  # no terminal to ask
    result = cli("rm", GROKKING.arxiv_id, "--yes")
    assert result.exit_code == 0, result.stderr
    assert "papers/.trash/" in result.stdout
    (trashed,) = (lib.papers_dir / ".trash").glob("*/notes.md")
    assert "Generalisation long after overfitting." in trashed.read_text()
    assert not (lib.papers_dir / GROKKING.arxiv_id).exists()
    with sqlite3.connect(lib.db_path) as db:
        for table in ("items", "log_entries", "chunks", "notes"):
            key = "id" if table == "items" else "item_id"
            assert db.execute(f"SELECT count(*) FROM {table} WHERE {key} = ?", [GROKKING.arxiv_id]).fetchone() == (0,)
        chunks = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    from paperlab.retrieval.vectors import VectorIndex

    vectors = VectorIndex(lib.index_dir, "hash:256")
    assert vectors.load() and vectors.count == chunks == vectors.meta()["count"]
    hits = json.loads(cli("search", "grokking generalisation", "--json").stdout)
    assert all(h["item_id"] != GROKKING.arxiv_id for h in hits)
    assert "no item" in cli("rm", GROKKING.arxiv_id, "--yes").stderr


# --- imports ------------------------------------------------------------------------------------------


def test_import_markdown_log(lib, cli):
    log = OLD_LOG / "reading-log.md"
    before = library_state(lib.home)
    dry = cli("import", "markdown", str(log), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "Would import 8 item(s)" in dry.stdout and library_state(lib.home) == before
    result = cli("import", "markdown", str(log))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("Imported 8 item(s) from reading-log.md")
    got = items_by_id(cli)
    rows = [(i["finished_at"], i["title"], i["type"], i["rating"], i["arxiv_id"] or i["link"]) for i in got.values()]
    assert rows == [
        ("2020-06-20", "Attention Is All You Need", "paper", 9, "1706.03762"),
        ("2020-06-24", "The Illustrated Transformer", "blog", 8, "https://jalammar.github.io/illustrated-transformer/"),
        ("2020-07-02", "Deep Learning", "book", 10, "https://www.deeplearningbook.org/"),
        ("2020-07-15", "Lex Fridman Podcast #94: Ilya Sutskever", "podcast", None, "https://lexfridman.com/ilya-sutskever/"),
        ("2020-08-01", "CS231n: Convolutional Neural Networks for Visual Recognition", "course", 9,
         "http://cs231n.stanford.edu/"),
        ("2020-08-09", "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate "
         "Shift", "paper", 7, "1502.03167"),
        ("2020-08-12", "Rules of Machine Learning (Martin Zinkevich)", "paper", None, ""),
        ("2020-08-20", "Yes you should understand backprop", "blog", 8,
         "https://karpathy.medium.com/yes-you-should-understand-backprop-e2f06eab496b"),
    ]
    attention = shown(cli, "1706.03762")
    assert attention["summary"] == ("Replaces recurrence with self-attention; trains faster and\n"
                                    "beats the previous best BLEU on WMT 2014 English-German.")
    assert len(attention["key_learnings"]) == 3 and attention["key_learnings"][0].startswith("Scaled dot-product")
    illustrated = shown(cli, "the-illustrated-transformer")  # its note's title differs in case only
    assert illustrated["key_learnings"] == ["Q, K and V are all projections of the same embeddings in self-attention."]
    book = shown(cli, "deep-learning")  # noted chapter by chapter: both chapters kept, dated
    assert "### 2020-07-02\n\n**Deep Learning - Chapter 6: Deep Feedforward Networks**" in book["notes"]
    assert "### 2020-07-09\n\n**Deep Learning - Chapter 8" in book["notes"]
    assert "- ReLU is the default hidden unit." in book["notes"]
    podcast = shown(cli, "lex-fridman-podcast-94-ilya-sutskever")
    assert podcast["rating"] is None and podcast["summary"] == "" and len(podcast["key_learnings"]) == 1
    rules = shown(cli, "rules-of-machine-learning-martin")  # a note with no row: its own item
    assert rules["key_learnings"] == ["Do not be afraid to launch a product without machine learning."]
    assert "Study streak" in cli("week", "--date", "2020-07-10").stdout
    assert "- **Deep Learning** (Book, 10/10)" in cli("week", "--date", "2020-07-05").stdout
    again = cli("import", "markdown", str(log))
    assert "Imported 0 item(s)" in again.stdout and "8 already in the library" in again.stdout


def test_markdown_round_trip(lib, cli, tmp_path):
    cli("import", "markdown", str(OLD_LOG / "reading-log.md"))
    cli("add", "https://x.org/a|b", "--title", "Pipes | and *stars*", "--type", "tutorial", "--rating", "6",
        "--status", "reading", "--date", "2021-01-02")
    cli("note", "pipes-and-stars", "--summary", "Two paragraphs.\n\nThe second one.", "--learned", "One",
        "-m", "A dated note\nover two lines.", "--date", "2021-01-03")
    first = cli("export", "markdown").stdout
    other = tmp_path / "other"
    assert cli("init", str(other)).exit_code == 0
    (other / "paperlab.toml").write_text((lib.home / "paperlab.toml").read_text())
    exported = tmp_path / "log.md"
    exported.write_text(first)
    assert cli("--home", str(other), "import", "markdown", str(exported)).exit_code == 0
    assert cli("--home", str(other), "export", "markdown").stdout == first


def test_import_zotero_bibtex(lib, cli, tmp_path):
    folder = tmp_path / "zotero"
    (folder / "files").mkdir(parents=True)
    (folder / "papers").mkdir()
    shutil.copy(OLD_LOG / "zotero.bib", folder / "zotero.bib")
    resnet = SamplePaper("1512.03385", 1, "Deep Residual Learning for Image Recognition", ["Kaiming He"],
                         "Deeper neural networks are more difficult to train.", [("1 Introduction", "Residual.")])
    write_paper_pdf(resnet, folder / "files" / "he2015.pdf")
    write_paper_pdf(SamplePaper("1508.00001", 1, "Understanding LSTM Networks", ["Christopher Olah"],
                                "LSTM gates.", [("1 Intro", "Gates.")]), folder / "papers" / "olah-lstm-slides.pdf")
    result = cli("import", "bibtex", str(folder / "zotero.bib"))
    assert result.exit_code == 0, result.stderr
    assert "Imported 6 item(s) from zotero.bib: 0 with notes; 2 with a PDF; 0 already" in result.stdout
    assert "no PDF found at /nonexistent/storage/ABCD1234/Schmidhuber - 2015.pdf" in result.stderr
    got = items_by_id(cli)
    he = got["1512.03385"]
    assert he["title"] == "Deep Residual Learning for Image Recognition"
    assert he["authors"] == ["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"]
    assert (he["published"], he["venue"], he["doi"], he["status"]) == \
        ("2015", "", "10.48550/arXiv.1512.03385", "to-read")
    assert he["tags"] == ["computer-science-computer-vision-and-pattern-recognition", "vision"]  # never cut
    assert (lib.home / he["pdf_path"]).is_file() and he["text_status"] == "ok"
    bn = next(i for i in got.values() if i["title"].startswith("Batch Normalization"))
    assert bn["title"] == "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift"
    assert (bn["venue"], bn["tags"], bn["link"]) == ("Proceedings of the 32nd International Conference on Machine "
                                                     "Learning", ["normalization", "optimization"],
                                                     "https://proceedings.mlr.press/v37/ioffe15.html")
    book = got["deep-learning"]
    assert (book["type"], book["published"], book["venue"]) == ("book", "2016-11-18", "MIT Press")
    assert book["authors"] == ["Ian Goodfellow", "Yoshua Bengio", "Aaron Courville"]
    overview = got["deep-learning-in-neural-networks-an"]
    assert (overview["authors"], overview["venue"], overview["published"]) == \
        (["Jürgen Schmidhuber"], "Neural Networks", "2015")
    adam = got["1412.6980"]
    assert (adam["title"], adam["authors"], adam["link"]) == ("Adam: A Method for Stochastic Optimization",
                                                               ["Diederik P. Kingma", "Jimmy Ba"], "https://arxiv.org/abs/1412.6980")
    olah = next(i for i in got.values() if i["title"].startswith("Understanding LSTM"))
    assert olah["type"] == "blog" and olah["title"] == "Understanding LSTM Networks – Colah's Blog" and olah["pdf_path"]
    assert "6 already in the library" in cli("import", "bibtex", str(folder / "zotero.bib")).stdout


def test_export_bibtex_parses_back_whatever_the_titles_hold(lib, cli, tmp_path):
    import bibtexparser

    cli("add", "https://x.org/p?a=1%20b", "--title", "Deploying {ML models: 50% & more_x", "--type", "blog")
    cli("add", "https://y.org", "--title", "Über Ünïcödé}", "--type", "book")
    text = cli("export", "bibtex").stdout
    parsed = bibtexparser.parse_string(text)
    assert not parsed.failed_blocks and len(parsed.entries) == 2
    assert "anon" not in text and str(date.today().year) not in text  # no invented author or year
    bib = tmp_path / "out.bib"
    bib.write_text(text)
    other = tmp_path / "other"
    cli("init", str(other))
    (other / "paperlab.toml").write_text((lib.home / "paperlab.toml").read_text())
    assert cli("--home", str(other), "import", "bibtex", str(bib)).exit_code == 0
    titles = sorted(i["title"] for i in json.loads(cli("--home", str(other), "log", "--json").stdout))
    assert titles == ["Deploying {ML models: 50% & more_x", "Über Ünïcödé}"]
    links = sorted(i["link"] for i in json.loads(cli("--home", str(other), "log", "--json").stdout))
    assert links == ["https://x.org/p?a=1%20b", "https://y.org"]


@pytest.mark.parametrize(
    ("kind", "content", "message"),
    [
        ("markdown", "# no table here\n", "no log table found"),
        ("markdown", "| Date | Title | Content Type |\n|---|---|---|\n| 13/13/2020 | X | Paper |\n", "is not a date"),
        ("markdown", "| Date | Title | Content Type |\n|---|---|---|\n| 2020-01-01 | X | Magazine |\n",
         "unknown content type 'Magazine'"),
        ("markdown", "| Date | Title | Personal Rating |\n|---|---|---|\n| 2020-01-01 | X | 11 |\n", "rating '11'"),
        ("bibtex --strict", "@article{a, title = {Broken {brace}, year = 2020}\n@misc{b, title={Fine}}\n",
         "line 1: cannot be parsed"),
        ("bibtex --strict", "@article{a, author = {Nobody}}\n", "has no title"),
        ("bibtex", "| Date | Title |\n|---|---|\n| 2020-01-01 | X |\n", "holds no BibTeX entry"),
    ],
)
def test_bad_import_files_change_nothing(lib, cli, tmp_path, kind, content, message):
    path = tmp_path / "in.txt"
    path.write_text(content)
    before = library_state(lib.home)
    kind, *options = kind.split()
    result = cli("import", kind, str(path), *options)
    assert result.exit_code == 2 and result.stderr.startswith("Error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1
    assert library_state(lib.home) == before
    assert "does not exist" in cli("import", kind, str(tmp_path / "missing.md")).stderr


def test_a_bibtex_file_imports_what_parses_and_names_what_does_not(lib, cli, tmp_path):
    path = tmp_path / "zotero.bib"
    path.write_text("@article{a, title = {Broken {brace}, year = 2020}\n\n@misc{b, title={Fine}}\n\n"
                    "@book{c, author = {Nobody}}\n\n@misc{d, title={Also fine}}\n")
    result = cli("import", "bibtex", str(path))
    assert result.exit_code == 0, result.stderr
    assert sorted(i["title"] for i in json.loads(cli("log", "--json").stdout)) == ["Also fine", "Fine"]
    assert "2 entries skipped (line 1: cannot be parsed as BibTeX; line 5: entry c has no title)" in result.stdout


# --- the command line ---------------------------------------------------------------------------------


def test_log_fits_the_terminal(lib, cli, monkeypatch):
    cli("import", "markdown", str(OLD_LOG / "reading-log.md"))
    cli("tag", "1706.03762", "+nlp", "+attention")
    for width, expect in [(200, ["Tags", "Type", "Status", "Rating"]), (80, ["Status", "Rating"]), (60, [])]:
        monkeypatch.setenv("COLUMNS", str(width))
        out = cli("log").stdout
        assert max(len(line) for line in out.splitlines()) <= width
        header = out.splitlines()[1]
        assert all(col in header for col in ["Date", "ID", *expect])
        assert "2020-08-20" in out and "│" in out.splitlines()[-2]


def test_version_short_help_and_argument_names(cli):
    from importlib.metadata import version

    assert cli("--version").stdout.strip() == f"paperlab {version('paperlab')}"
    assert cli("-h").stdout == cli("--help").stdout
    for args in (("rm", "-h"), ("edit", "-h"), ("status", "-h"), ("tag", "-h"), ("import", "markdown", "-h")):
        text = cli(*args).stdout
        assert "{" not in text and "<list" not in text and "<str>  [required]" not in text, args
    assert "status [OPTIONS] ID STATUS\n" in cli("status", "-h").stdout


def test_notes_for_items_already_there_are_added_not_lost(lib, cli, tmp_path):
    cli("add", "https://www.deeplearningbook.org/", "--title", "Deep Learning", "--type", "book")
    cli("note", "deep-learning", "--learned", "My own learning.")
    log = OLD_LOG / "reading-log.md"
    result = cli("import", "markdown", str(log))
    assert "1 already in the library; new notes added to 1 of those" in result.stdout
    text = shown(cli, "deep-learning")["notes"]
    assert "My own learning." in text and "Chapter 6: Deep Feedforward Networks" in text
    assert "Chapter 8: Optimization" in text
    cli("import", "markdown", str(log))
    assert shown(cli, "deep-learning")["notes"] == text  # importing again adds nothing
    twice = tmp_path / "twice.md"
    twice.write_text("| Date | Title |\n|---|---|\n| 2020-01-01 | Same |\n| 2020-01-02 | Same |\n\n"
                     "- **Same**\n  - Summary: First.\n- **Same**\n  - Key Learnings:\n    - Second.\n")
    assert "Imported 1 item(s)" in cli("import", "markdown", str(twice)).stdout
    same = shown(cli, "same")
    assert same["summary"] == "First." and same["key_learnings"] == ["Second."]


def test_fetch_update_completes_an_imported_arxiv_row(lib, cli, arxiv, tmp_path):
    log = tmp_path / "log.md"
    log.write_text(f"| Date | Title | Content Type | Link |\n|---|---|---|---|\n"
                   f"| 2021-05-01 | grokking (my title) | Paper | https://arxiv.org/abs/{GROKKING.arxiv_id} |\n")
    assert cli("import", "markdown", str(log)).exit_code == 0
    before = shown(cli, GROKKING.arxiv_id)
    assert before["pdf_path"] == "" and before["authors"] == []
    result = cli("fetch", "--update", GROKKING.arxiv_id)
    assert result.exit_code == 0 and "updated" in result.stdout, result.stdout
    after = shown(cli, GROKKING.arxiv_id)
    assert (after["title"], after["authors"]) == (GROKKING.title, GROKKING.authors)
    assert (lib.home / after["pdf_path"]).is_file() and after["finished_at"] == "2021-05-01"


ZOTERO_ENTRIES = [
    "@inproceedings{vaswaniAttentionAllYou2017,\n  title = {Attention Is All You Need},\n"
    "  booktitle = {Advances in Neural Information Processing Systems},\n"
    "  author = {Vaswani, Ashish and Shazeer, Noam},\n  year = {2017},\n  pages = {5998--6008}\n}",
    "@article{maldacenaLargeLimitSuperconformal1999,\n  title = {The Large {{N}} Limit of Superconformal Field "
    "Theories and Supergravity},\n  author = {Maldacena, Juan},\n  year = {1999},\n  eprint = {hep-th/9711200},\n"
    "  archiveprefix = {arXiv},\n  primaryclass = {hep-th},\n  journal = {Int. J. Theor. Phys.}\n}",
    "@misc{rychkovBootstrap2016,\n  title = {The $\\text{CFT}_2$ Bootstrap in {{Practice}}},\n"
    "  author = {Rychkov, Slava},\n  year = {2016},\n  note = {lecture notes}\n}",
]


def test_export_bibtex_gives_imported_entries_back_as_they_were_written(lib, cli, tmp_path):
    path = tmp_path / "zotero.bib"
    path.write_text("\n\n".join(ZOTERO_ENTRIES) + "\n")
    assert cli("import", "bibtex", str(path)).exit_code == 0
    out = tmp_path / "out.bib"
    assert cli("export", "bibtex", "-o", str(out)).exit_code == 0
    exported = out.read_text()
    for entry in ZOTERO_ENTRIES:  # keys, types, fields and LaTeX, byte for byte
        assert entry in exported
    assert "cs.LG" not in exported and "\\textbackslash" not in exported
    other = tmp_path / "other"  # export -> import -> export: the same file
    cli("init", str(other))
    (other / "paperlab.toml").write_text((lib.home / "paperlab.toml").read_text())
    assert cli("--home", str(other), "import", "bibtex", str(out)).exit_code == 0
    assert cli("--home", str(other), "export", "bibtex").stdout == exported
    # what the user changes in paperlab is written anew; the rest of the entry stays as it was
    item = next(i for i in json.loads(cli("log", "--json").stdout) if i["title"].startswith("Attention"))
    assert cli("edit", item["id"], "--title", "Attention Is All You Need (corrected)").exit_code == 0
    assert cli("export", "bibtex", "-o", str(out)).exit_code == 0
    again = out.read_text()
    assert "@inproceedings{vaswaniAttentionAllYou2017," in again and "5998--6008" in again
    assert "Attention Is All You Need (corrected)" in again and "Advances in Neural" in again
    assert ZOTERO_ENTRIES[1] in again and ZOTERO_ENTRIES[2] in again


def test_export_bibtex_keys_for_items_never_imported_are_stable_and_keep_maths(lib, cli):
    cli("add", "https://example.org/cft", "--title", "Notes on the $\\text{CFT}_2$ bootstrap", "--type", "blog")
    cli("add", "https://example.org/b", "--title", "Notes on the CFT bootstrap again", "--type", "blog")
    first = cli("export", "bibtex").stdout
    assert "{Notes on the $\\text{CFT}_2$ bootstrap}" in first  # maths kept as written
    keys = re.findall(r"@\w+\{([^,]+),", first)
    assert len(set(keys)) == 2 and cli("export", "bibtex").stdout == first


def test_export_json_keeps_every_note(lib, cli):
    cli("add", "https://a.org", "--title", "Alpha", "--type", "blog")
    cli("note", "alpha", "--summary", "Short.", "--learned", "One thing")
    cli("note", "alpha", "-m", "A dated thought.", "--date", "2020-06-20")
    (record,) = json.loads(cli("export", "json").stdout)  # it had summary and learnings only
    assert record["dated_notes"] == [{"date": "2020-06-20", "text": "A dated thought."}]
    assert record["notes"] == (lib.notes_path("alpha")).read_text() and record["key_learnings"] == ["One thing"]


SHAPES = OLD_LOG / "shapes.md"


def notes_of(lib, item_id: str) -> str:
    return lib.notes_path(item_id).read_text()


def test_notes_join_the_rows_a_person_would_join_them_to(lib, cli):
    result = cli("import", "markdown", str(SHAPES))
    assert result.exit_code == 0, result.stderr
    rows = {i["id"]: (i["type"], i["finished_at"]) for i in json.loads(cli("log", "--json").stdout)}
    assert rows == {  # six rows and one ambiguous note: no item twice
        "neural-networks-zero-to-hero": ("tutorial", "2021-03-01"),
        "the-gradient-podcast-yann-lecun": ("podcast", "2021-03-05"),
        "dive-into-deep-learning": ("book", "2021-03-10"),
        "understanding-lstm-networks": ("blog", "2021-03-12"),
        "visualizing-attention-in-transformers": ("blog", "2021-03-20"),
        "visualizing-attention-in-vision": ("blog", "2021-03-20"),
        "visualizing-attention": ("paper", "2021-03-20"),
    }
    assert "'Visualizing Attention' became an item of its own: it fits 2 rows" in result.stderr
    zero = notes_of(lib, "neural-networks-zero-to-hero")
    assert "Builds micrograd" in zero and ("- Backprop is just the chain rule\n  - applied node by node\n"
                                           "    - in reverse topological order\n- Initialisation") in zero
    assert "- Self-supervised learning is the cake" in notes_of(lib, "the-gradient-podcast-yann-lecun")
    book = notes_of(lib, "dive-into-deep-learning")
    assert "### 2021-03-10\n\n**Dive into Deep Learning - Chapter 3" in book and "### 2021-03-14" in book
    assert "### 2021-03-12\n\nThe cell state is a conveyor belt." in notes_of(lib, "understanding-lstm-networks")
    before = library_state(lib.home)
    again = cli("import", "markdown", str(SHAPES))  # an unchanged file, imported again: nothing changes
    assert again.exit_code == 0 and library_state(lib.home) == before


def test_export_import_export_keeps_every_note_its_nesting_and_its_date(lib, cli, tmp_path):
    cli("import", "markdown", str(SHAPES))
    cli("note", "neural-networks-zero-to-hero", "-m", "Rewatched lecture 2.", "--date", "2021-04-01")
    with lib.notes_path("dive-into-deep-learning").open("a") as f:  # a section of the user's own
        f.write("\n## My thoughts\n\nWorth a second pass.\n")
    path = lib.notes_path("understanding-lstm-networks")  # a note written in $EDITOR, without a date
    path.write_text(path.read_text().replace("## Notes\n", "## Notes\n\nHand-written, no date.\n"))
    first = tmp_path / "first.md"
    cli("export", "markdown", "-o", str(first))
    text = first.read_text()
    assert "      - applied node by node\n        - in reverse topological order" in text
    assert "- undated: My thoughts: Worth a second pass." in text and "- undated: Hand-written, no date." in text
    assert "- 2021-04-01: Rewatched lecture 2." in text
    other = tmp_path / "other"
    assert cli("init", str(other)).exit_code == 0
    (other / "paperlab.toml").write_text((lib.home / "paperlab.toml").read_text())
    assert cli("--home", str(other), "import", "markdown", str(first)).exit_code == 0
    second = tmp_path / "second.md"
    cli("--home", str(other), "export", "markdown", "-o", str(second))
    assert second.read_text() == text
    before = library_state(lib.home)
    assert cli("import", "markdown", str(first)).exit_code == 0  # the export, back into its library
    assert library_state(lib.home) == before


def test_add_and_import_agree_on_what_the_same_item_is(lib, cli):
    assert cli("import", "markdown", str(OLD_LOG / "reading-log.md")).exit_code == 0
    # import already matched rows by title; add refused only the same link: now both ask log/identity.py
    result = cli("add", "https://other.example/dl", "--title", "deep  learning", "--type", "book")
    assert result.exit_code == 2 and "this title is already in the library as 'deep-learning'" in result.stderr
    assert cli("add", "https://other.example/dl", "--title", "deep learning", "--type", "book",
               "--force").exit_code == 0
