"""Shared fixtures: a temp library per test, the CLI runner, the local arXiv server, PDFs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperlab.cli import app
from paperlab.config import Settings
from paperlab.library import Library, init_library
from paperlab.samples import ATTENTION, BACKPROP, GROKKING, SamplePaper, write_paper_pdf
from tests.arxiv_server import ArxivServer, ServedPaper

BAD_PDFS = Path(__file__).parent / "fixtures" / "bad-pdfs"


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("PAPERLAB_HOME", "PAPERLAB_ARXIV_API_URL", "PAPERLAB_EMBEDDING_MODEL",
                "PAPERLAB_ARXIV_DELAY", "PAPERLAB_CEILING_DIRECTORIES", "EDITOR", "VISUAL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("COLUMNS", "200")


TEST_SETTINGS = """\
[paperlab]
embedding_model = "hash:256"
arxiv_api_url = "{api}"
arxiv_delay_s = 0.0
http_timeout_s = 1.0
http_retries = 2
backoff_s = 0.01
"""


@pytest.fixture
def lib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    home = tmp_path / "library"
    created, _ = init_library(home)
    created.close()  # not left to the garbage collector, which would delete its -shm file mid-copy
    (home / "paperlab.toml").write_text(TEST_SETTINGS.format(api="http://127.0.0.1:9/api/query"))
    monkeypatch.setenv("PAPERLAB_HOME", str(home))
    return Library(home=home, settings=Settings.load(home / "paperlab.toml"))


@pytest.fixture
def cli() -> object:
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        result = runner.invoke(app, list(args), input=input)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception  # a bug: show its traceback
        return Result(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture(scope="session")
def sample_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("pdfs")
    out = {}
    for paper in (GROKKING, ATTENTION, BACKPROP):
        out[paper.arxiv_id] = write_paper_pdf(paper, folder / f"{paper.arxiv_id}.pdf").read_bytes()
    return out


def served(paper: SamplePaper, pdf: bytes, version: int | None = None) -> ServedPaper:
    return ServedPaper(paper.arxiv_id, version or paper.version, paper.title, pdf,
                       authors=paper.authors, abstract=paper.abstract,
                       category=paper.primary_category)


@pytest.fixture
def arxiv(lib: Library, sample_pdfs: dict[str, bytes]) -> Iterator[ArxivServer]:
    server = ArxivServer().start()
    server.slow_s = 1.5
    for paper in (GROKKING, ATTENTION, BACKPROP):
        server.papers[paper.arxiv_id] = served(paper, sample_pdfs[paper.arxiv_id])
    (lib.home / "paperlab.toml").write_text(TEST_SETTINGS.format(api=server.api_url))
    try:
        yield server
    finally:
        server.stop()


def copy_library(source: Path, dest: Path, settings: bool = False) -> None:
    """Copy a library built once (database, papers, index, replications) over a test's own library,
    keeping the test's paperlab.toml (its arXiv server's address) unless `settings`. The database is
    copied with SQLite's backup API: a consistent snapshot, whatever its write-ahead log holds."""
    import sqlite3

    skipped = ("paperlab.db*",) if settings else ("paperlab.toml", "paperlab.db*")
    shutil.copytree(source, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*skipped))
    for name in ("paperlab.db", "paperlab.db-wal", "paperlab.db-shm"):
        (dest / name).unlink(missing_ok=True)
    src, dst = sqlite3.connect(source / "paperlab.db"), sqlite3.connect(dest / "paperlab.db")
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


@pytest.fixture(scope="session")
def fetched_library(tmp_path_factory: pytest.TempPathFactory, sample_pdfs: dict[str, bytes]) -> Path:
    """A library holding the three sample papers, fetched from the local arXiv server and indexed,
    with a note on Grokking: built once, copied into each test that needs it (`indexed`)."""
    home = tmp_path_factory.mktemp("fetched") / "library"
    init_library(home)
    server = ArxivServer().start()
    for paper in (GROKKING, ATTENTION, BACKPROP):
        server.papers[paper.arxiv_id] = served(paper, sample_pdfs[paper.arxiv_id])
    (home / "paperlab.toml").write_text(TEST_SETTINGS.format(api=server.api_url))
    runner = CliRunner()
    try:
        with pytest.MonkeyPatch.context() as env:
            for var in ("PAPERLAB_HOME", "PAPERLAB_ARXIV_API_URL", "PAPERLAB_EMBEDDING_MODEL"):
                env.delenv(var, raising=False)
            ids = [GROKKING.arxiv_id, ATTENTION.arxiv_id, BACKPROP.arxiv_id]
            for args in (["fetch", *ids],
                         ["note", GROKKING.arxiv_id, "-m", "Delayed generalization shows up only with weight decay."]):
                result = runner.invoke(app, ["--home", str(home), *args])
                assert result.exit_code == 0, result.output
    finally:
        server.stop()
    return home


def library_state(home: Path) -> dict[str, object]:
    """Every file (with size) and every row, to prove a failure changed nothing."""
    import sqlite3

    files = {
        str(p.relative_to(home)): p.stat().st_size
        for p in sorted(home.rglob("*"))
        if p.is_file() and not p.name.startswith("paperlab.db") and p.name != ".paperlab.lock"
    }
    conn = sqlite3.connect(home / "paperlab.db")
    tables = ("items", "log_entries", "notes", "chunks", "embeddings", "replications", "runs")
    rows = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}
    conn.close()
    return {"files": files, "rows": rows}


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def old_schema_library(home: Path, version: int, *statements: str) -> None:
    """A library database as an earlier paperlab left it: migrations 1..`version` only, then
    `statements` (rows written by that version). Opening it later runs the newer migrations."""
    import sqlite3

    from paperlab.store.migrations import MIGRATIONS
    from paperlab.store.schema import Database

    home.mkdir(parents=True)
    conn = sqlite3.connect(home / "paperlab.db", isolation_level=None)
    db = Database(conn)
    db.execute("CREATE TABLE _migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
    for number, step in enumerate(MIGRATIONS[:version], start=1):
        step(db)
        db.execute("INSERT INTO _migrations VALUES (?, 'then')", [number])
    for statement in statements:
        db.execute(statement)
    conn.close()


class Recorder:
    """A test's side of the interaction protocol (paperlab/interaction.py): it answers questions as
    told and records what the core shows."""

    def __init__(self, answer: bool | None = None) -> None:
        self.answer = answer
        self.asked: list[str] = []
        self.progressed: list[tuple[str, int, int | None, str]] = []  # (stage, done, total, note)
        self.waited: list[str] = []
        self.edited: list[Path] = []

    def confirm(self, question: str) -> bool | None:
        self.asked.append(question)
        return self.answer

    def progress(self, stage: str, done: int, total: int | None, unit: str = "items", note: str = "") -> None:
        self.progressed.append((stage, done, total, note))

    def waiting(self, message: str) -> None:
        self.waited.append(message)

    def edit(self, path: Path) -> None:
        self.edited.append(path)
        with path.open("a") as f:
            f.write("\nEdited by the test.\n")
