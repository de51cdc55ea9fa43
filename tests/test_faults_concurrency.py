"""Two commands at once: writers take the library's lock (a second one waits, saying who holds it,
then finds the work done), readers never wait, and a migration runs once under the lock."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from paperlab.fsutil import writer_lock
from paperlab.samples import ATTENTION, GROKKING, write_paper_pdf
from paperlab.store.migrations import MIGRATIONS


def paperlab(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "paperlab", "--home", str(home), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_second_index_waits_then_finds_nothing_to_embed(lib, cli, tmp_path):
    from paperlab.retrieval.ingest import index_library

    for paper in (GROKKING, ATTENTION):
        cli("add", str(write_paper_pdf(paper, tmp_path / f"{paper.arxiv_id}.pdf")), "--no-lookup")
    with writer_lock(lib.home, "index"):
        second = paperlab(lib.home, "index", "--rebuild")
        time.sleep(1.5)
        assert second.poll() is None  # waiting for us
        index_library(lib, rebuild=True)  # the first index does the work
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "another paperlab index is running (pid " in err and "waiting" in err
    assert "0 embedded" in err


def test_readers_never_wait(lib, cli):
    cli("add", "https://a.org", "--title", "Alpha", "--type", "blog")
    cli("note", "alpha", "-m", "Alpha is about waiting.")
    with writer_lock(lib.home, "index"):
        started = time.monotonic()
        for args in (("log",), ("show", "alpha"), ("search", "alpha", "--mode", "keyword")):
            reader = paperlab(lib.home, *args)
            out, err = reader.communicate(timeout=60)
            assert reader.returncode == 0, err
            assert "waiting" not in err
        assert time.monotonic() - started < 30


def test_a_writer_gives_up_after_the_timeout(lib, cli):
    (lib.home / "paperlab.toml").write_text('[paperlab]\nembedding_model = "hash:64"\nlock_timeout_s = 1.0\n')
    before = sqlite3.connect(lib.db_path).execute("SELECT count(*) FROM items").fetchone()
    with writer_lock(lib.home, "import"):
        writer = paperlab(lib.home, "add", "https://a.org", "--title", "A", "--type", "blog")
        _, err = writer.communicate(timeout=60)
    assert writer.returncode == 5
    waiting, error = err.splitlines()
    assert waiting.startswith("another paperlab import is running (pid ") and waiting.endswith("before this add")
    assert error.startswith("Error: gave up after 1 s waiting for paperlab import (pid ")
    assert sqlite3.connect(lib.db_path).execute("SELECT count(*) FROM items").fetchone() == before


def test_two_processes_needing_a_migration_migrate_once(lib, tmp_path):
    home = tmp_path / "old"
    home.mkdir()
    (home / "paperlab.toml").write_text('[paperlab]\nembedding_model = "hash:64"\n')
    import sqlite_utils

    db = sqlite_utils.Database(sqlite3.connect(home / "paperlab.db", isolation_level=None))
    db.execute("CREATE TABLE _migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
    for number, step in enumerate(MIGRATIONS[:2], start=1):  # a library made by the previous release
        step(db)
        db.execute("INSERT INTO _migrations VALUES (?, 'then')", [number])
    db.conn.close()
    with writer_lock(home, "test"):
        first, second = paperlab(home, "log"), paperlab(home, "log")
        time.sleep(1.0)
    for proc in (first, second):
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    versions = sqlite3.connect(home / "paperlab.db").execute("SELECT version FROM _migrations").fetchall()
    assert versions == [(v,) for v in range(1, len(MIGRATIONS) + 1)]


def test_every_small_write_waits_for_the_writer_lock(lib, cli):
    """status, rate, tag and edit take the lock too: two `tag`s at once keep both changes."""
    cli("add", "https://a.org", "--title", "Alpha", "--type", "blog")
    with writer_lock(lib.home, "index"):
        writers = [paperlab(lib.home, *args) for args in (("status", "alpha", "read"), ("rate", "alpha", "8"),
                                                         ("tag", "alpha", "+one"), ("tag", "alpha", "+two"),
                                                         ("edit", "alpha", "--venue", "Blog"))]
        time.sleep(1.5)
        assert all(w.poll() is None for w in writers)  # each one waits for the lock
    for w in writers:
        _, err = w.communicate(timeout=60)
        assert w.returncode == 0 and "another paperlab index is running" in err, err
    shown = sqlite3.connect(lib.db_path).execute("SELECT status, rating, tags, venue FROM items").fetchone()
    assert shown == ("read", 8, '["one", "two"]', "Blog")
