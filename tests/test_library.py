"""The library on disk, the reading log commands, notes and exports."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from paperlab.config import find_home
from paperlab.errors import LibraryNotFound
from paperlab.library import init_library
from paperlab.log import export, recap
from paperlab.store.items import add_log, insert_item
from paperlab.store.migrations import MIGRATIONS, migrate
from paperlab.store.schema import now
from tests.conftest import BAD_PDFS, library_state


def rows(home: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(home / "paperlab.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_init_creates_library(tmp_path, cli):
    result = cli("init", str(tmp_path / "lib"))
    assert result.exit_code == 0
    home = tmp_path / "lib"
    for name in ("paperlab.toml", "paperlab.db", "papers", "index", "replications"):
        assert (home / name).exists(), name
    assert rows(home, "PRAGMA journal_mode") == [("wal",)]
    from paperlab.store.migrations import MIGRATIONS

    assert rows(home, "SELECT version FROM _migrations") == [(v,) for v in range(1, len(MIGRATIONS) + 1)]
    assert "already exists" in cli("init", str(home)).stdout


def test_init_without_a_folder_creates_the_library_the_other_commands_use(tmp_path, cli, monkeypatch):
    """--home, else $PAPERLAB_HOME, else the working folder: `paperlab init` then `paperlab add`
    meet in the same library."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAPERLAB_HOME", str(tmp_path / "env"))
    assert cli("init").exit_code == 0 and (tmp_path / "env" / "paperlab.toml").exists()
    assert cli("--home", str(tmp_path / "flag"), "init").exit_code == 0
    assert (tmp_path / "flag" / "paperlab.toml").exists()
    monkeypatch.delenv("PAPERLAB_HOME")
    assert cli("init").exit_code == 0 and (tmp_path / "paperlab.toml").exists()


def test_migrations_are_idempotent(tmp_path):
    lib, _ = init_library(tmp_path / "lib")
    database = lib.db
    assert migrate(database) == len(MIGRATIONS)
    tables = {r[0] for r in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"items", "log_entries", "notes", "chunks", "replications", "claims", "runs"} <= tables


def test_home_precedence(tmp_path, monkeypatch):
    a, _ = init_library(tmp_path / "a")
    b, _ = init_library(tmp_path / "b")
    (b.home / "deep" / "er").mkdir(parents=True)
    monkeypatch.chdir(b.home / "deep" / "er")
    assert find_home() == b.home  # nearest parent holding paperlab.toml
    monkeypatch.setenv("PAPERLAB_HOME", str(a.home))
    assert find_home() == a.home  # env beats the working directory
    assert find_home(b.home) == b.home  # --home beats env


def test_outside_a_library_says_how_to_create_one(tmp_path, monkeypatch, cli):
    # A machine may hold a library in a parent of the test's folder (/tmp/paperlab.toml): the ceiling
    # keeps the search inside tmp_path, so the outcome does not depend on what else is on the disk.
    monkeypatch.setenv("PAPERLAB_CEILING_DIRECTORIES", str(tmp_path.parent))
    (tmp_path / "deep").mkdir()
    monkeypatch.chdir(tmp_path / "deep")
    result = cli("log")
    assert result.exit_code == 3  # not found
    assert result.stderr.startswith("Error: not inside a paperlab library")
    assert "paperlab init" in result.stderr
    with pytest.raises(LibraryNotFound):
        find_home(tmp_path / "nowhere")


def test_the_search_for_a_library_stops_below_a_ceiling(tmp_path, monkeypatch):
    init_library(tmp_path / "outer")
    inner = tmp_path / "outer" / "a" / "b"
    inner.mkdir(parents=True)
    assert find_home(cwd=inner) == (tmp_path / "outer").resolve()
    monkeypatch.setenv("PAPERLAB_CEILING_DIRECTORIES", f"/nonexistent{os.pathsep}{tmp_path / 'outer'}")
    with pytest.raises(LibraryNotFound):
        find_home(cwd=inner)
    monkeypatch.setenv("PAPERLAB_CEILING_DIRECTORIES", str(tmp_path / "outer" / "a"))
    with pytest.raises(LibraryNotFound):
        find_home(cwd=inner)
    with pytest.raises(LibraryNotFound):  # started in the ceiling, the search stays there
        find_home(cwd=tmp_path / "outer" / "a")
    assert find_home(cwd=tmp_path / "outer") == (tmp_path / "outer").resolve()  # the start is looked in


def test_add_link_status_rate_tag(lib, cli):
    out = cli("add", "https://www.deeplearningbook.org", "--title", "Deep Learning", "--type", "book")
    assert out.exit_code == 0 and "deep-learning" in out.stdout
    assert cli("status", "deep-learning", "read").exit_code == 0
    assert cli("rate", "deep-learning", "9").stdout.strip() == "deep-learning: 9/10"
    assert cli("tag", "deep-learning", "+dl", "+textbook").exit_code == 0
    assert cli("tag", "deep-learning", "-textbook").stdout.strip() == "deep-learning: dl"
    item = rows(lib.home, "SELECT type, status, rating, tags, started_at, finished_at FROM items")[0]
    today = date.today().isoformat()
    assert item == ("book", "read", 9, '["dl"]', today, today)
    kinds = [r[0] for r in rows(lib.home, "SELECT kind FROM log_entries ORDER BY id")]
    assert kinds == ["added", "status", "rated", "tagged", "tagged"]


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (("rate", "deep-learning", "11"), "rating must be between 1 and 10, got 11", 2),
        (("rate", "nope", "5"), "no item 'nope' in the library", 3),
        (("status", "deep-learning", "done"), "unknown status 'done'", 2),
        (("tag", "deep-learning", "+bad tag"), "not a valid tag", 2),
        (("log", "--since", "soon"), "--since must be a date", 2),
        (("add", "notes.txt"), "is not a file", 2),
        (("add", "https://x.org", "--title", "X", "--type", "movie"), "unknown type 'movie'", 2),
    ],
)
def test_bad_input_gets_one_line_error(lib, cli, args, message, code):
    cli("add", "https://www.deeplearningbook.org", "--title", "Deep Learning", "--type", "book")
    before = library_state(lib.home)
    result = cli(*args)
    assert result.exit_code == code
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1  # one line, no traceback
    assert library_state(lib.home) == before


def test_add_local_pdf_copies_into_papers(lib, cli, tmp_path):
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Lecture notes on backpropagation, no arXiv stamp here.")
    pdf = tmp_path / "notes.pdf"
    doc.save(pdf)
    result = cli("add", str(pdf), "--title", "Grokking (local)")
    assert result.exit_code == 0, result.stderr
    item_id = "grokking-local"
    stored = lib.home / "papers" / item_id / "paper.pdf"
    assert stored.read_bytes() == pdf.read_bytes()
    assert rows(lib.home, "SELECT id, pdf_path, text_status FROM items") == [
        (item_id, f"papers/{item_id}/paper.pdf", "ok")]


@pytest.mark.parametrize("name", ["unopenable.pdf", "truncated.pdf", "encrypted-user-password.pdf"])
def test_add_unreadable_pdf_changes_nothing(lib, cli, name):
    before = library_state(lib.home)
    result = cli("add", str(BAD_PDFS / name), "--no-lookup")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and name in result.stderr
    assert library_state(lib.home) == before


def test_notes_append_and_keep_hand_edits(lib, cli):
    cli("add", "https://example.org/post", "--title", "A Blog Post", "--type", "blog")
    assert cli("note", "a-blog-post", "--summary", "Short and clear.").exit_code == 0
    path = lib.home / "papers" / "a-blog-post" / "notes.md"
    # the user edits by hand between commands
    path.write_text(path.read_text().replace("## Notes", "My own paragraph.\n\n## Notes"))
    cli("note", "a-blog-post", "--learned", "RRF needs no score calibration")
    cli("note", "a-blog-post", "-m", "Read it twice.")
    text = path.read_text()
    assert "My own paragraph." in text and "Short and clear." in text
    assert "- RRF needs no score calibration" in text
    assert f"### {date.today().isoformat()}\n\nRead it twice." in text
    shown = json.loads(cli("show", "a-blog-post", "--json").stdout)
    assert shown["summary"] == "Short and clear."
    assert shown["key_learnings"] == ["RRF needs no score calibration"]


def test_note_opens_editor(lib, cli, monkeypatch, tmp_path):
    cli("add", "https://example.org/c", "--title", "Course", "--type", "course")
    editor = tmp_path / "fake-editor"
    editor.write_text("#!/bin/sh\necho 'Written in the editor.' >> \"$1\"\n")
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    assert cli("note", "course").exit_code == 0
    assert "Written in the editor." in (lib.home / "papers/course/notes.md").read_text()
    monkeypatch.delenv("EDITOR")
    result = cli("note", "course")
    assert result.exit_code == 2 and "set $EDITOR" in result.stderr


def test_log_filters_and_json(lib, cli):
    cli("add", "https://a.org", "--title", "Alpha", "--type", "podcast", "--tag", "rl")
    cli("add", "https://b.org", "--title", "Beta", "--type", "video")
    cli("status", "beta", "reading")
    table = cli("log").stdout
    assert "Alpha" in table and "Beta" in table and "podcast" in table
    assert [i["id"] for i in json.loads(cli("log", "--json", "--tag", "rl").stdout)] == ["alpha"]
    assert [i["id"] for i in json.loads(cli("log", "--json", "--status", "reading").stdout)] == ["beta"]
    assert [i["id"] for i in json.loads(cli("log", "--json", "--type", "video").stdout)] == ["beta"]
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert json.loads(cli("log", "--json", "--since", tomorrow).stdout) == []


def test_export_markdown_table_and_notes(lib, cli):
    cli("add", "https://www.deeplearningbook.org", "--title", "Deep | Learning", "--type", "book")
    cli("rate", "deep-learning", "8")
    cli("note", "deep-learning", "--summary", "The textbook.", "--learned", "Init matters")
    text = cli("export", "markdown").stdout
    today = date.today().isoformat()
    assert "| Date | Title | Content Type | Link | Personal Rating |" in text
    assert f"| {today} | Deep \\| Learning | Book | <https://www.deeplearningbook.org> | 8/10 |" in text
    assert "- **Deep \\| Learning**\n  - Date: " in text
    assert "  - Summary: The textbook.\n  - Key Learnings:\n    - Init matters\n" in text


def test_export_bibtex_arxiv_fields(lib):
    database = lib.db
    from paperlab.models import Item

    insert_item(database, Item(
        id="2201.02177", title="Grokking: Generalization & Overfitting", arxiv_id="2201.02177",
        authors=["Alethea Power", "Yuri Burda"], published="2022-01-06T18:43:37+00:00",
        primary_category="cs.LG", added_at=now()))
    bib = export.bibtex(lib)
    assert bib.startswith("@misc{powerGrokkingGeneralizationOverfitting2022,")  # Better BibTeX's form
    for line in ("eprint = {2201.02177}", "archivePrefix = {arXiv}", "primaryClass = {cs.LG}",
                 "doi = {10.48550/arXiv.2201.02177}", "author = {Alethea Power and Yuri Burda}",
                 r"title = {{Grokking: Generalization \& Overfitting}}"):
        assert line in bib


def test_export_json_and_to_file(lib, cli, tmp_path):
    cli("add", "https://a.org", "--title", "Alpha", "--type", "tutorial")
    out = tmp_path / "log.json"
    assert cli("export", "json", "-o", str(out)).exit_code == 0
    data = json.loads(out.read_text())
    assert data[0]["id"] == "alpha" and data[0]["replication"] is None


def test_week_recap_and_streak(lib, cli):
    database = lib.db
    cli("add", "https://a.org", "--title", "Alpha", "--type", "paper")
    cli("note", "alpha", "--learned", "Weight decay speeds up grokking")
    cli("status", "alpha", "read")
    today = date.today()
    for back in (1, 2, 4):  # activity yesterday and the day before; a gap on day 3
        day = (today - timedelta(days=back)).isoformat()
        add_log(database, "alpha", "note", "", at=f"{day}T10:00:00+00:00")
    text = cli("week", "--date", today.isoformat()).stdout
    assert text.startswith(f"# My week in ML: {(today - timedelta(days=6)).isoformat()}")
    assert "Study streak: 3 day(s)." in text
    assert "- **Alpha** (Paper)" in text
    assert "- Weight decay speeds up grokking" in text
    assert recap.streak({"2026-01-01", "2026-01-02"}, date(2026, 1, 3)) == 2  # today not yet
    assert recap.streak({"2026-01-01"}, date(2026, 1, 3)) == 0


def test_read_only_library_is_a_clean_error(lib, cli, tmp_path):
    from tests.conftest import is_root

    cli("add", "https://www.deeplearningbook.org", "--title", "Deep Learning", "--type", "book")
    if is_root():
        # root ignores permission bits; make the target a file so the write fails the same way
        blocker = lib.home / "papers" / "deep-learning"
        blocker.write_text("not a folder")
    else:
        (lib.home / "papers").chmod(0o555)
    result = cli("note", "deep-learning", "-m", "hello")
    (lib.home / "papers").chmod(0o755)
    assert result.exit_code != 0
    assert result.stderr.startswith("Error: cannot write")


def test_light_commands_import_no_heavy_modules(lib):
    code = (
        "import sys, runpy; sys.argv = ['paperlab'] + sys.argv[1:];\n"
        "try:\n    runpy.run_module('paperlab', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'faiss', 'pymupdf', 'fitz', "
        "'numpy', 'onnxruntime', 'transformers', 'requests', 'arxiv') if m in sys.modules]\n"
        "print('HEAVY', heavy, 'rich' in sys.modules, file=sys.stderr)"
    )
    for args in (["--help"], ["log"], ["show", "--help"]):
        proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                              check=False)
        assert "HEAVY []" in proc.stderr, (args, proc.stderr)
        if args == ["--help"]:  # help loads every command module: none may import Rich at its top
            assert "HEAVY [] False" in proc.stderr, proc.stderr


def test_a_note_imports_no_rich_torch_or_pymupdf(lib, cli):
    cli("add", "https://www.deeplearningbook.org", "--title", "Deep Learning", "--type", "book")
    code = (
        "import sys, runpy; sys.argv = ['paperlab'] + sys.argv[1:];\n"
        "try:\n    runpy.run_module('paperlab', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('LOADED', [m for m in ('rich', 'torch', 'pymupdf') if m in sys.modules], file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code, "note", "deep-learning", "-m", "Chapter 6 done."],
                          capture_output=True, text=True, check=False)
    assert proc.stdout == "Saved papers/deep-learning/notes.md\n", proc.stderr
    assert "LOADED []" in proc.stderr, proc.stderr


def test_python_dash_m_works(lib):
    proc = subprocess.run([sys.executable, "-m", "paperlab", "--help"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0 and "fetch" in proc.stdout


def test_slugs_are_short_and_cut_at_words():
    from paperlab.log.items import slugify

    assert slugify("Deep Learning (Goodfellow, Bengio, Courville)") == "deep-learning-goodfellow-bengio"
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("???") == "item"


def test_pymupdf_is_loaded_without_its_layout_model():
    """paperlab opens PDFs without the ONNX layout model and pymupdf4llm that `import pymupdf`
    loads (~1 s); importing them afterwards still works."""
    code = (
        "import sys\nfrom paperlab.retrieval import mupdf\npymupdf = mupdf.load()\n"
        "print('LOADED', pymupdf._get_layout is None, 'pymupdf4llm' in sys.modules, 'pymupdf.layout' in sys.modules)\n"
        "print('UNBLOCKED', all(sys.modules.get(m, 0) is not None for m in ('pymupdf.layout', 'pymupdf4llm')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert "LOADED True False False" in proc.stdout, proc.stderr
    assert "UNBLOCKED True" in proc.stdout  # a later import of either is not refused


def test_status_changes_keep_from_and_to_in_columns_and_old_entries_are_read_once(tmp_path, cli):
    from paperlab.library import init_library
    from tests.conftest import old_schema_library

    home = tmp_path / "old"
    old_schema_library(  # the schema before the columns
        home, 6, "INSERT INTO log_entries (item_id, at, kind, detail) VALUES ('a', '2020-06-20', 'status', "
        "'to-read -> read'), ('a', '2020-06-21', 'replication:partial', '1 MATCH'), "
        "('a', '2020-06-22', 'replication:run', 'r1 exit 0')")
    init_library(home)
    assert rows(home, "SELECT kind, from_status, to_status FROM log_entries ORDER BY id") == [
        ("status", "to-read", "read"), ("replication:partial", None, "partial"), ("replication:run", None, None)]
    cli("--home", str(home), "add", "https://b.org", "--title", "Beta", "--type", "blog")
    cli("--home", str(home), "status", "beta", "reading")
    assert rows(home, "SELECT from_status, to_status FROM log_entries WHERE item_id = 'beta' AND kind = 'status'") \
        == [("to-read", "reading")]


def test_files_and_rows_land_together_or_not_at_all(lib, tmp_path):
    """One file transaction (Library.files_and_rows): a failure after files were written, copied
    and moved undoes them with the SQL rollback, and what was there before is back as it was."""
    folder = lib.item_dir("x")
    folder.mkdir(parents=True)
    kept = folder / "notes.md"
    kept.write_text("the learner's notes")
    old_pdf = folder / "paper.pdf"
    old_pdf.write_bytes(b"old pdf")
    src = tmp_path / "new.pdf"
    src.write_bytes(b"new pdf")
    before = library_state(lib.home)
    with pytest.raises(RuntimeError), lib.files_and_rows() as files:
        files.write_text(kept, "overwritten")
        files.move(src, old_pdf)
        files.copy(old_pdf, lib.item_dir("y") / "paper.pdf")
        add_log(lib.db, "x", "note", "never committed")
        raise RuntimeError("a failure after the files")
    assert library_state(lib.home) == before and src.read_bytes() == b"new pdf"
    assert kept.read_text() == "the learner's notes" and old_pdf.read_bytes() == b"old pdf"
    assert not lib.item_dir("y").exists() and sorted(p.name for p in folder.iterdir()) == ["notes.md", "paper.pdf"]
    with lib.files_and_rows() as files:  # and when nothing fails, all of it lands and no backup is left
        files.move(src, old_pdf)
        add_log(lib.db, "x", "note", "committed")
    assert old_pdf.read_bytes() == b"new pdf" and not src.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["notes.md", "paper.pdf"]
    assert [r["detail"] for r in lib.db.query("SELECT detail FROM log_entries")] == ["committed"]


def test_pending_migrations_are_listed_without_being_applied(tmp_path, cli):
    from tests.conftest import old_schema_library

    home = tmp_path / "old"
    old_schema_library(home, 5)
    (home / "paperlab.toml").write_text('[paperlab]\nembedding_model = "hash:64"\n')
    before = rows(home, "SELECT version FROM _migrations")
    result = cli("--home", str(home), "doctor", "--pending", "--json")
    assert result.exit_code == 0, result.stderr
    listed = [(m["version"], m["name"]) for m in json.loads(result.stdout)]
    assert listed == [(6, "bibtex_entry"), (7, "status_columns"), (8, "chunk_page_breaks"), (9, "feed")]
    assert rows(home, "SELECT version FROM _migrations") == before  # read, not applied
    assert cli("--home", str(home), "log").exit_code == 0  # the next command applies them, by name
    assert rows(home, "SELECT version, name FROM _migrations WHERE version > 5") == listed
    assert "no migration is pending" in cli("--home", str(home), "doctor", "--pending").stdout
