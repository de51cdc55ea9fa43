"""`paperlab fetch` against a real HTTP server on 127.0.0.1 that speaks arXiv's Atom, with faults."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from paperlab.arxiv.client import ArxivClient
from paperlab.arxiv.ids import parse_arxiv_id
from paperlab.config import Settings
from paperlab.library import Library, open_library
from paperlab.samples import ATTENTION, GROKKING
from tests.arxiv_server import FIXTURES, fixture_body
from tests.conftest import Recorder, library_state

GROK = GROKKING.arxiv_id


def items(lib: Library) -> list[tuple]:
    conn = sqlite3.connect(lib.home / "paperlab.db")
    try:
        return conn.execute("SELECT id, version, pdf_path, pdf_sha256 FROM items").fetchall()
    finally:
        conn.close()


def test_fetch_stores_metadata_pdf_and_log(lib, cli, arxiv, sample_pdfs):
    result = cli("fetch", f"https://arxiv.org/abs/{GROK}v1")
    assert result.exit_code == 0, result.stderr
    assert "fetched" in result.stdout
    pdf = lib.home / "papers" / GROK / "paper.pdf"
    assert pdf.read_bytes() == sample_pdfs[GROK]
    sha = hashlib.sha256(sample_pdfs[GROK]).hexdigest()
    assert items(lib) == [(GROK, 1, f"papers/{GROK}/paper.pdf", sha)]
    shown = json.loads(cli("show", GROK, "--json").stdout)
    assert shown["title"] == GROKKING.title
    assert shown["authors"] == GROKKING.authors
    assert shown["primary_category"] == "cs.LG" and shown["comment"] == "9 pages"
    assert shown["published"].startswith("2022-01-06")
    assert shown["text_status"] == "ok"  # extracted and indexed after the fetch
    conn = sqlite3.connect(lib.home / "paperlab.db")
    assert conn.execute("SELECT kind, detail FROM log_entries").fetchall() == [("fetched", "arXiv v1")]
    assert conn.execute("SELECT count(*) FROM chunks WHERE item_id = ?", [GROK]).fetchone()[0] > 0
    ua = arxiv.api_requests()[0].headers["User-Agent"]
    assert ua.startswith("paperlab/")
    assert not list((lib.home / "papers").glob(".download-*"))


def test_several_ids_share_one_api_request(lib, cli, arxiv):
    result = cli("fetch", GROK, f"arXiv:{ATTENTION.arxiv_id}")
    assert result.exit_code == 0, result.stderr
    assert len(arxiv.api_requests()) == 1
    assert arxiv.api_requests()[0].query["id_list"] == [f"{GROK},{ATTENTION.arxiv_id}"]
    assert len(items(lib)) == 2


def test_already_in_library_is_a_noop(lib, cli, arxiv):
    cli("fetch", GROK)
    before, requests = library_state(lib.home), len(arxiv.requests)
    result = cli("fetch", f"{GROK}v1")
    assert result.exit_code == 0 and "already in the library" in result.stdout
    assert len(arxiv.requests) == requests  # no network at all
    assert library_state(lib.home) == before


def test_update_fetches_a_newer_version(lib, cli, arxiv, sample_pdfs):
    cli("fetch", GROK)
    cli("rate", GROK, "9")
    assert "up-to-date" in cli("fetch", "--update", GROK).stdout
    arxiv.papers[GROK].version = 2
    arxiv.papers[GROK].pdf = sample_pdfs[ATTENTION.arxiv_id]  # the new version's PDF differs
    result = cli("fetch", "--update", GROK)
    assert result.exit_code == 0 and "v1 -> v2" in result.stdout
    assert (lib.home / "papers" / GROK / "paper.pdf").read_bytes() == sample_pdfs[ATTENTION.arxiv_id]
    shown = json.loads(cli("show", GROK, "--json").stdout)
    assert shown["version"] == 2 and shown["rating"] == 9  # the reader's fields survive
    conn = sqlite3.connect(lib.home / "paperlab.db")
    log = conn.execute("SELECT kind, detail FROM log_entries WHERE kind = 'version'").fetchall()
    assert log == [("version", "v1 -> v2 (reported numbers may have changed)")]


def test_no_pdf_stores_metadata_only(lib, cli, arxiv):
    assert cli("fetch", "--no-pdf", GROK).exit_code == 0
    assert items(lib) == [(GROK, 1, "", "")]
    assert arxiv.pdf_requests() == []


def test_invalid_id_is_rejected_before_any_network(lib, cli, arxiv):
    before = library_state(lib.home)
    result = cli("fetch", "../../etc/passwd")
    assert result.exit_code == 1 and "is not an arXiv id" in result.stdout
    assert arxiv.requests == [] and library_state(lib.home) == before


def test_one_failure_does_not_stop_the_others(lib, cli, arxiv):
    result = cli("fetch", GROK, "2301.99999", "nonsense")
    assert result.exit_code == 1
    assert "no such arXiv paper: 2301.99999" in result.stdout
    assert "is not an arXiv id" in result.stdout
    assert "Error: 2 of 3 failed" in result.stderr
    assert [r[0] for r in items(lib)] == [GROK]


def test_http_500_then_success(lib, cli, arxiv):
    arxiv.faults["api"].extend(["500"])
    arxiv.faults["pdf"].extend(["500"])
    result = cli("fetch", GROK)
    assert result.exit_code == 0, result.stdout
    assert len(arxiv.api_requests()) == 2 and len(arxiv.pdf_requests()) == 2


def test_429_honours_retry_after(lib, arxiv):
    arxiv.faults["api"].extend(["429"])
    arxiv.retry_after = "7"
    waits: list[float] = []
    client = ArxivClient(Settings.load(lib.config_path), sleep=waits.append)
    found = client.lookup([parse_arxiv_id(GROK)])
    assert found[parse_arxiv_id(GROK)].title == GROKKING.title
    assert 7.0 in waits


def test_politeness_delay_between_api_requests(lib, arxiv):
    settings = Settings.from_mapping({"arxiv_api_url": arxiv.api_url, "arxiv_delay_s": 3.0})
    waits: list[float] = []
    client = ArxivClient(settings, sleep=waits.append)
    client.lookup([parse_arxiv_id(GROK)])
    client.lookup([parse_arxiv_id(ATTENTION.arxiv_id)])
    assert len(waits) == 1 and 2.5 < waits[0] <= 3.0


def test_slow_response_times_out_and_retries(lib, cli, arxiv):
    arxiv.faults["api"].extend(["slow"])
    result = cli("fetch", GROK)
    assert result.exit_code == 0, result.stdout
    assert len(arxiv.api_requests()) == 2


def test_always_slow_fails_cleanly(lib, cli, arxiv):
    arxiv.faults["api"].extend(["slow"] * 3)
    before = library_state(lib.home)
    result = cli("fetch", GROK)
    assert result.exit_code == 1
    assert "arXiv did not answer: timed out after 1 s" in result.stdout
    assert "after 3 attempts" in result.stdout
    assert library_state(lib.home) == before


def test_connection_reset_mid_pdf_is_retried(lib, cli, arxiv, sample_pdfs):
    arxiv.faults["pdf"].extend(["reset"])
    result = cli("fetch", GROK)
    assert result.exit_code == 0, result.stdout
    assert (lib.home / "papers" / GROK / "paper.pdf").read_bytes() == sample_pdfs[GROK]


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        (["reset"] * 3, "PDF download failed: transfer broken"),
        (["truncated"], "is truncated"),
        (["html"], "is an HTML page, not a PDF"),
    ],
)
def test_bad_pdf_leaves_library_unchanged(lib, cli, arxiv, faults, message):
    cli("fetch", ATTENTION.arxiv_id)  # something already in the library must survive untouched
    arxiv.faults["pdf"].extend(faults)
    before = library_state(lib.home)
    result = cli("fetch", GROK)
    assert result.exit_code == 1
    assert message in result.stdout.replace("\n", " ") or message in result.stdout
    assert library_state(lib.home) == before
    assert not (lib.home / "papers" / GROK).exists()


@pytest.mark.parametrize("fault", ["empty", "400"])
def test_unknown_or_rejected_id_is_not_retried(lib, cli, arxiv, fault):
    arxiv.faults["api"].extend([fault])
    before = library_state(lib.home)
    result = cli("fetch", "2301.99999")
    assert result.exit_code == 1 and "no such arXiv paper: 2301.99999" in result.stdout
    assert len(arxiv.api_requests()) == 1
    assert library_state(lib.home) == before


def test_real_recorded_feeds_parse(lib, arxiv):
    """The arXiv API's own responses, replayed verbatim by the local server."""
    arxiv.verbatim["1111.2011v2"] = (200, (FIXTURES / "id_list_1111.2011v2.xml").read_bytes())
    arxiv.verbatim["astro-ph/0601001"] = fixture_body("old_style_astro-ph_0601001.json")
    arxiv.verbatim["2104.12255v1"] = fixture_body("versioned_2104.12255v1.json")
    arxiv.verbatim["abc"] = fixture_body("error_400_bad_id_abc.json")
    client = ArxivClient(Settings.load(lib.config_path))
    a = parse_arxiv_id("1111.2011v2")
    meta = client.lookup([a])[a]
    assert meta.version == 2 and meta.doi == "10.1103/PhysRevB.85.115117"
    assert meta.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
    assert meta.categories == ["cond-mat.str-el", "cond-mat.stat-mech"]
    assert meta.title.startswith("Quantum Criticality for Extended Nodes on a Bethe Lattice")
    assert meta.pdf_url == "http://arxiv.org/pdf/1111.2011v2"
    old = parse_arxiv_id("astro-ph/0601001")
    meta = client.lookup([old])[old]
    assert meta.arxiv_id == "astro-ph/0601001" and len(meta.authors) == 4
    v = parse_arxiv_id("2104.12255v1")
    assert client.lookup([v])[v].title == "0"


def test_old_style_id_gets_a_safe_folder(lib, cli, arxiv, sample_pdfs):
    from tests.arxiv_server import ServedPaper

    arxiv.papers["hep-th/9901001"] = ServedPaper("hep-th/9901001", 1, "Old Style Paper",
                                                 sample_pdfs[GROK])
    assert cli("fetch", "hep-th/9901001").exit_code == 0
    assert (lib.home / "papers" / "hep-th_9901001" / "paper.pdf").exists()
    assert cli("show", "hep-th_9901001").exit_code == 0


def test_index_failure_keeps_the_fetch(lib, cli, arxiv):
    toml = (lib.home / "paperlab.toml").read_text()
    (lib.home / "paperlab.toml").write_text(toml.replace('"hash:256"', '"hash:oops"'))
    result = cli("fetch", GROK)
    assert result.exit_code == 0
    assert "fetched but not indexed" in result.stderr and f"paperlab index {GROK}" in result.stderr
    assert [r[0] for r in items(lib)] == [GROK]


def test_add_pdf_with_arxiv_stamp_looks_up_metadata(lib, cli, arxiv, tmp_path, sample_pdfs):
    pdf = tmp_path / "download.pdf"
    pdf.write_bytes(sample_pdfs[GROK])
    result = cli("add", str(pdf), "--lookup")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(cli("show", GROK, "--json").stdout)
    assert shown["arxiv_id"] == GROK and shown["authors"] == GROKKING.authors


def test_arxiv_unreachable_exits_with_its_own_code(lib, cli, arxiv, tmp_path, sample_pdfs):
    """The error's class decides the exit code (errors.py): 4 is arXiv or the network."""
    pdf = tmp_path / "download.pdf"
    pdf.write_bytes(sample_pdfs[GROK])
    arxiv.faults["api"].extend(["slow"] * 3)
    before = library_state(lib.home)
    result = cli("add", str(pdf), "--lookup")
    assert result.exit_code == 4 and result.stderr.startswith("Error: arXiv did not answer"), result.stderr
    assert library_state(lib.home) == before


def test_add_stamped_pdf_without_lookup_keeps_its_arxiv_id(lib, cli, arxiv, tmp_path, sample_pdfs):
    pdf = tmp_path / "offline.pdf"
    pdf.write_bytes(sample_pdfs[GROK])
    assert cli("add", str(pdf), "--no-lookup").exit_code == 0
    assert arxiv.requests == []
    shown = json.loads(cli("show", GROK, "--json").stdout)
    assert (shown["arxiv_id"], shown["version"], shown["title"]) == (GROK, 1, GROKKING.title)
    assert "already in the library" in cli("fetch", GROK).stdout


def test_the_core_asks_and_shows_through_the_library_ui(lib, arxiv, tmp_path, sample_pdfs):
    """A stamped PDF added without --lookup asks the library's ui (here: a test's answer, no);
    the indexing that follows shows its stages there; the editor is the ui's to open."""
    from paperlab import usecases

    pdf = tmp_path / "offline.pdf"
    pdf.write_bytes(sample_pdfs[GROK])
    ui = Recorder(answer=False)
    lib = open_library(lib.home, ui)  # with the settings the arxiv fixture wrote
    added = usecases.add(lib, str(pdf))
    assert [q.split(".pdf")[0] for q in ui.asked] == ["offline"] and "arXiv paper" in ui.asked[0]
    assert arxiv.requests == [] and added.item.id == GROK and not added.item.abstract  # answered no
    assert added.index is not None and added.index.chunks_added > 0
    stages = [stage for stage, *_ in ui.progressed]
    assert stages[0] == "extracting" and "embedding" in stages
    result = usecases.note(lib, GROK, editor=True)  # the ui "edits" the file: it changed, so it is indexed
    assert ui.edited == [lib.notes_path(GROK)] and result.changed and result.index_error is None
    ui.progressed.clear()
    outcomes, _ = usecases.fetch(lib, [ATTENTION.arxiv_id])
    assert outcomes[0].status == "fetched", outcomes[0].message
    assert any(stage == f"PDF {ATTENTION.arxiv_id}" for stage, *_ in ui.progressed)


def blank_pdf() -> bytes:
    import pymupdf

    doc = pymupdf.open()
    doc.new_page()
    return doc.tobytes()


def test_a_pdf_whose_text_cannot_be_read_is_said_listed_and_fetched_again(lib, cli, arxiv, sample_pdfs):
    good = arxiv.papers[GROK].pdf
    arxiv.papers[GROK].pdf = blank_pdf()  # a PDF with no text in it
    result = cli("fetch", GROK)
    assert result.exit_code == 0 and f"no text could be read from {GROK}'s PDF" in result.stderr
    doctor = cli("doctor")
    assert doctor.exit_code == 1 and "PDF(s) whose text could not be read" in doctor.stdout
    arxiv.papers[GROK].pdf = good
    again = cli("fetch", "--update", GROK)  # the same version, but its copy has no text: downloaded again
    assert again.exit_code == 0 and "downloaded again" in again.stdout, again.stdout
    assert (lib.home / "papers" / GROK / "paper.pdf").read_bytes() == good
    assert cli("doctor").exit_code == 0
    assert "up-to-date" in cli("fetch", "--update", GROK).stdout  # now it is


def test_a_damaged_pdf_is_added_with_a_warning_that_says_so(lib, cli, tmp_path, sample_pdfs):
    data = bytearray(sample_pdfs[ATTENTION.arxiv_id])
    n = len(data)
    data[n // 5: 4 * n // 5] = bytes(len(data[n // 5: 4 * n // 5]))  # its middle zeroed
    path = tmp_path / "zeroed.pdf"
    path.write_bytes(bytes(data))
    result = cli("add", str(path), "--title", "Zeroed", "--no-lookup")
    assert result.exit_code == 0
    assert "damaged: MuPDF had to repair the file" in result.stderr or "no text could be read" in result.stderr
    assert "MuPDF error" not in result.stderr  # MuPDF's own repair messages are not the user's to read
    assert cli("doctor").exit_code == 1


def test_fetch_fills_in_the_pdf_of_an_item_imported_without_one(lib, cli, arxiv, tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(f"@misc{{power2022,\n  title = {{Grokking}},\n  eprint = {{{GROK}}},\n"
                   "  archiveprefix = {arXiv}\n}\n")
    assert cli("import", "bibtex", str(bib)).exit_code == 0
    result = cli("fetch", GROK)
    assert result.exit_code == 0 and "already in the library" not in result.stdout
    assert (lib.home / "papers" / GROK / "paper.pdf").exists()
    assert json.loads(cli("show", GROK, "--json").stdout)["version"] == 1
