"""Faults of the user's machine: a read-only or full disk, a locked or damaged database, a missing
program, the network. Each is one `Error:` line with what to do, a non-zero exit, nothing changed."""

from __future__ import annotations

import errno
import os
import sqlite3
import stat

import pytest

from paperlab.errors import environment_error
from paperlab.samples import GROKKING, write_paper_pdf
from tests.conftest import is_root, library_state


def one_error_line(result, code: int = 1) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_sqlite_and_os_failures_become_advice(tmp_path):
    path = tmp_path / "x.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    ro = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as readonly:
        ro.execute("INSERT INTO t VALUES (1)")
    assert "read-only" in environment_error(readonly.value)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    with pytest.raises(sqlite3.OperationalError) as locked:
        sqlite3.connect(path, timeout=0).execute("SELECT * FROM t")
    holder.execute("ROLLBACK")
    assert "locked by another program" in environment_error(locked.value)
    assert "no space left" in environment_error(OSError(errno.ENOSPC, "No space left on device", "/x"))
    assert "permission denied (/x)" in environment_error(PermissionError(errno.EACCES, "Permission denied", "/x"))
    assert environment_error(ValueError("a bug")) is None  # bugs keep their traceback


def test_read_only_library(cli, tmp_path_factory):
    """A library the user cannot write to (a read-only mount, someone else's folder). As root the
    commands run without the capabilities that override permission bits, so the test is real."""
    import shutil
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    home = Path(tempfile.mkdtemp(prefix="paperlab-ro-")) / "library"
    try:
        home.parent.chmod(0o755)
        assert cli("init", str(home)).exit_code == 0
        (home / "paperlab.toml").write_text('[paperlab]\nembedding_model = "hash:64"\n')
        assert cli("--home", str(home), "add", "https://a.org", "--title", "A", "--type", "blog").exit_code == 0
        pdf = write_paper_pdf(GROKKING, home.parent / "g.pdf")
        before = library_state(home)
        for path in [home, *home.rglob("*")]:
            path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        caps = "-dac_override,-dac_read_search,-fowner"
        prefix = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"] if is_root() else []
        if prefix and shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: permission bits cannot be made to apply")
        for args in (["rate", "a", "5"], ["status", "a", "read"], ["index"], ["note", "a", "-m", "x"],
                     ["add", str(pdf)], ["log"]):
            done = subprocess.run([*prefix, sys.executable, "-m", "paperlab", "--home", str(home), *args],
                                  capture_output=True, text=True, timeout=60)
            if args == ["log"]:  # reading still works
                assert done.returncode == 0 and "a.org" not in done.stderr, done.stderr
                continue
            assert done.returncode == 6 and done.stderr.startswith("Error: "), (args, done.stderr)
            assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
            assert "read-only" in done.stderr or "writable" in done.stderr, done.stderr
        for path in [home, *home.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
        assert library_state(home) == before
    finally:
        shutil.rmtree(home.parent, ignore_errors=True)


def test_damaged_database(lib, cli, tmp_path):
    home = tmp_path / "damaged"
    home.mkdir()
    (home / "paperlab.toml").write_text((lib.home / "paperlab.toml").read_text())
    (home / "paperlab.db").write_bytes(b"this is not sqlite" * 100)
    assert "is not a paperlab database" in one_error_line(cli("--home", str(home), "log"))
    assert "is not a paperlab database" in one_error_line(cli("--home", str(home), "doctor"))


def test_missing_programs(lib, cli, monkeypatch):
    cli("add", "https://a.org", "--title", "A", "--type", "blog")
    monkeypatch.setenv("EDITOR", "no-such-editor-xyz")
    assert "'no-such-editor-xyz' was not found" in one_error_line(cli("note", "a"), 2)
    monkeypatch.setenv("PATH", "/nonexistent")
    (lib.replications_dir / "a").mkdir()
    (lib.replications_dir / "a" / "train.py").write_text("")
    (lib.replications_dir / "a" / "config").mkdir()
    (lib.replications_dir / "a" / "config" / "default.toml").write_text("")
    result = cli("replicate", "run", "a", "--executor", "slurm")
    assert "needs a Slurm cluster" in one_error_line(result)
    assert not (lib.replications_dir / "a" / "runs").exists()  # no run folder made for runs that never start


def test_network_faults(lib, cli, arxiv):
    arxiv.retry_after = "soon, maybe"  # neither seconds nor a date
    arxiv.faults["api"].append("429")
    result = cli("fetch", GROKKING.arxiv_id)
    assert result.exit_code == 0, result.stderr
    (lib.home / "paperlab.toml").write_text((lib.home / "paperlab.toml").read_text().replace(
        arxiv.api_url, "http://127.0.0.1:9/api/query"))
    result = cli("fetch", "1706.03762")
    assert result.exit_code == 1 and "arXiv did not answer" in result.stdout + result.stderr


def test_files_keep_the_umask_and_nothing_outside_is_created(lib, cli, tmp_path, arxiv):
    old = os.umask(0o022)
    try:
        assert cli("fetch", GROKKING.arxiv_id).exit_code == 0
        out = tmp_path / "log.md"
        assert cli("export", "markdown", "-o", str(out)).exit_code == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o644
        assert stat.S_IMODE(lib.pdf_path(GROKKING.arxiv_id).stat().st_mode) == 0o644
    finally:
        os.umask(old)
    missing = tmp_path / "nonexistent" / "dir" / "x.bib"
    assert "does not exist" in one_error_line(cli("export", "bibtex", "-o", str(missing)), 2)
    assert not (tmp_path / "nonexistent").exists()


def test_add_never_overwrites_a_file_it_did_not_create(lib, cli, tmp_path):
    folder = lib.papers_dir / "grokking-a-paper"
    folder.mkdir(parents=True)
    (folder / "paper.pdf").write_bytes(b"the user's own file")
    pdf = write_paper_pdf(GROKKING, tmp_path / "g.pdf")
    assert cli("add", str(pdf), "--title", "Grokking a paper", "--force").exit_code == 0
    assert (folder / "paper.pdf").read_bytes() == b"the user's own file"


def test_small_wording_and_bounds(lib, cli):
    (lib.home / "paperlab.toml").write_text("[paperlab]\nhttp_retries = 'many'\n")
    assert "must be a whole number" in one_error_line(cli("log"), 2)
    (lib.home / "paperlab.toml").write_text("[paperlab]\nindex_precision = 'half'\n")
    assert "must be one of auto, float32, got 'half'" in one_error_line(cli("log"), 2)
    (lib.home / "paperlab.toml").write_text("[paperlab]\nembedding_model = 'hash:64'\n")
    err = one_error_line(cli("add", str(lib.home / "paperlab.toml")))
    assert "not a PDF, not a PDF" not in err and "is not a PDF" in err
    assert "choose one of: paper" in one_error_line(cli("log", "--type", "magazine"), 2)
    assert "0 is not in the range 1<=x<=1000" in one_error_line(cli("similar", "x", "-k", "0"), 2)
    assert "see `" in one_error_line(cli("rate", "x", "ten"), 2)


def test_a_failed_notes_index_is_a_warning_that_reaches_the_user(lib, cli):
    cli("add", "https://a.org", "--title", "A", "--type", "blog")
    (lib.home / "paperlab.toml").write_text("[paperlab]\nembedding_model = 'hash:many'\n")  # fails to load
    result = cli("note", "a", "-m", "Remember this.")
    assert result.exit_code == 0 and "Saved" in result.stdout
    assert "Warning: the notes were saved but not indexed" in result.stderr
    assert "`paperlab index a` retries" in result.stderr


def test_a_failed_onnx_export_is_reported_not_swallowed(tmp_path, monkeypatch):
    from paperlab.retrieval.embedding import SentenceTransformerEmbedder, ensure_onnx

    embedder = SentenceTransformerEmbedder("some/model")

    def cannot_trace(path):  # what the exporter does with an architecture it cannot trace
        raise RuntimeError("unsupported operator aten::foo")

    monkeypatch.setattr(embedder, "export_onnx", cannot_trace)
    problems: list[str] = []
    assert ensure_onnx(embedder, tmp_path, problems) is False
    (problem,) = problems
    assert "could not be exported for some/model" in problem and "aten::foo" in problem
    assert "`paperlab doctor`" in problem
