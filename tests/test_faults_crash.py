"""Crash safety proved: `kill -9` at random moments of index, fetch, import, rm and replicate run,
many times, each followed by the next command; the library is then consistent (no half-written
file in papers/ or index/, no chunk without its vector, no item pointing to a missing PDF, no
replication stuck in `running`)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paperlab.config import Settings
from paperlab.doctor import consistency
from paperlab.fsutil import FAILPOINT
from paperlab.library import Library
from paperlab.samples import ATTENTION, BACKPROP, GROKKING, write_paper_pdf
from tests.conftest import copy_library

OLD_LOG = Path(__file__).parent / "fixtures" / "old-log" / "reading-log.md"
KILLS = int(os.environ.get("PAPERLAB_CRASH_KILLS", "3"))  # per command; more: PAPERLAB_CRASH_KILLS=20
# The moments are random but seeded (PAPERLAB_CRASH_SEED), so a failure can be replayed.
rng = random.Random(int(os.environ.get("PAPERLAB_CRASH_SEED", "9")))


def killed(home: Path, *args: str, after: tuple[float, float]) -> None:
    """Start `paperlab ARGS` and SIGKILL its whole process group at a random moment in `after` (it
    may have finished by then: that moment is covered too). These add breadth; the moments that
    must be covered are the failpoints (`killed_at`)."""
    proc = subprocess.Popen([sys.executable, "-m", "paperlab", "--home", str(home), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(rng.uniform(*after))
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def killed_at(home: Path, point: str, *args: str) -> None:
    """Run `paperlab ARGS` until it reaches the failpoint `point` (paperlab.fsutil.failpoint: a
    named moment in the middle of its writes, `name#N` for the Nth time), then SIGKILL its process
    group there: the same moment every time, whatever the machine's speed."""
    marker = home.parent / f".reached-{home.name}-{point.replace(':', '-').replace('#', '-')}"
    marker.unlink(missing_ok=True)
    env = {**os.environ, FAILPOINT: point, f"{FAILPOINT}_FILE": str(marker)}
    errors = marker.with_suffix(".stderr")
    with errors.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "paperlab", "--home", str(home), *args], env=env,
                                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while not marker.exists():
            if proc.poll() is not None:
                raise AssertionError(f"`paperlab {' '.join(args)}` ended without reaching {point}: "
                                     f"{errors.read_text()[-300:]}")
            assert time.monotonic() < deadline, f"`paperlab {' '.join(args)}` never reached {point}"
            time.sleep(0.01)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)


def then(home: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "paperlab", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr.splitlines()[-4:]


def assert_consistent(home: Path) -> None:
    lib = Library(home, Settings.load(home / "paperlab.toml"))
    try:
        assert consistency(lib) == []
    finally:
        lib.close()


@pytest.fixture
def template(lib, tmp_path) -> Path:
    """A library with three PDFs added but not yet indexed."""
    from paperlab.log.items import add_file

    for paper in (GROKKING, ATTENTION, BACKPROP):
        add_file(lib, write_paper_pdf(paper, tmp_path / f"{paper.arxiv_id}.pdf", pages_of_filler=2))
    lib.close()
    return lib.home


def fresh(template: Path, tmp_path: Path, n: int) -> Path:
    home = tmp_path / f"copy{n}"
    home.mkdir()
    shutil.copy(template / "paperlab.toml", home / "paperlab.toml")
    copy_library(template, home)
    return home


def duration(home: Path, *args: str) -> float:
    """Seconds a whole `paperlab ARGS` takes on this machine: kill moments are drawn inside it."""
    started = time.perf_counter()
    then(home, *args)
    return time.perf_counter() - started


def test_kill_index(template):
    for point in ("index:stored#1", "index:stored#2", "index:embedded", "index:vectors"):
        killed_at(template, point, "index", "--rebuild")
        then(template, "index")
        assert_consistent(template)
    spent = duration(template, "index", "--rebuild")
    for _ in range(KILLS):
        killed(template, "index", "--rebuild", after=(0.2 * spent, 0.9 * spent))
        then(template, "index")
        assert_consistent(template)


FETCH_POINTS = ("fetch:pdf-placed#2", "fetch:stored", "index:stored#2", "index:vectors")


def test_kill_fetch(lib, arxiv, tmp_path):
    ids = [GROKKING.arxiv_id, ATTENTION.arxiv_id, BACKPROP.arxiv_id]
    lib.close()
    for n, point in enumerate(FETCH_POINTS):
        home = tmp_path / f"p{n}"
        copy_library(lib.home, home, settings=True)
        killed_at(home, point, "fetch", *ids)
        then(home, "index")
        assert_consistent(home)
    copy_library(lib.home, tmp_path / "timed", settings=True)
    spent = duration(tmp_path / "timed", "fetch", *ids)
    for n in range(KILLS):
        home = tmp_path / f"f{n}"
        copy_library(lib.home, home, settings=True)
        killed(home, "fetch", *ids, after=(0.2 * spent, 0.9 * spent))
        then(home, "index")
        assert_consistent(home)


def test_kill_import(lib, tmp_path):
    lib.close()
    for n, point in enumerate(("import:written", "index:embedded", "index:vectors")):
        home = tmp_path / f"p{n}"
        copy_library(lib.home, home, settings=True)
        killed_at(home, point, "import", "markdown", str(OLD_LOG))
        then(home, "index")
        assert_consistent(home)
        then(home, "import", "markdown", str(OLD_LOG))  # importing again finishes the job
        assert_consistent(home)
    copy_library(lib.home, tmp_path / "timed", settings=True)
    spent = duration(tmp_path / "timed", "import", "markdown", str(OLD_LOG))
    for n in range(KILLS):
        home = tmp_path / f"i{n}"
        copy_library(lib.home, home, settings=True)
        killed(home, "import", "markdown", str(OLD_LOG), after=(0.2 * spent, 0.9 * spent))
        then(home, "index")
        assert_consistent(home)
        then(home, "import", "markdown", str(OLD_LOG))
        assert_consistent(home)


def test_kill_rm(template, tmp_path):
    for n, point in enumerate(("rm:rows-deleted",)):
        home = fresh(template, tmp_path, 100 + n)
        then(home, "index")
        killed_at(home, point, "rm", GROKKING.arxiv_id, "--yes")
        then(home, "index")
        assert_consistent(home)
    timed = fresh(template, tmp_path, KILLS)
    then(timed, "index")
    spent = duration(timed, "rm", GROKKING.arxiv_id, "--yes")
    for n in range(KILLS):
        home = fresh(template, tmp_path, n)
        then(home, "index")
        killed(home, "rm", GROKKING.arxiv_id, "--yes", after=(0.2 * spent, 0.9 * spent))
        then(home, "index")
        assert_consistent(home)


def test_kill_replicate_run(lib, cli, tmp_path):
    from paperlab.log.items import add_file

    add_file(lib, write_paper_pdf(GROKKING, tmp_path / "g.pdf"))
    assert cli("index").exit_code == 0
    assert cli("replicate", "scaffold", GROKKING.arxiv_id).exit_code == 0
    project = lib.replication_dir(GROKKING.arxiv_id)
    (project / "config" / "quick.toml").write_text((project / "config" / "smoke.toml").read_text())
    (project / "claims.toml").write_text(
        '[paper]\ntemplate = "algorithmic"\n\n[[claim]]\nname = "validation accuracy"\n'
        'metric = "final_val_acc"\nreported = 0.01\nscale = "fraction"\ndirection = "higher"\n'
        'tolerance = 1.0\ntolerance_kind = "absolute"\n')
    lib.close()
    for point in ("replicate:training#1", "replicate:training#3"):  # while train.py prints its first lines
        killed_at(lib.home, point, "replicate", "run", GROKKING.arxiv_id, "--config", "quick")
        then(lib.home, "replicate", "list")
        assert_consistent(lib.home)
    for _ in range(KILLS):
        killed(lib.home, "replicate", "run", GROKKING.arxiv_id, "--config", "quick", after=(1.0, 4.0))
        then(lib.home, "replicate", "list")
        assert_consistent(lib.home)


def test_doctor_finds_and_fixes_what_a_crash_leaves(lib, cli):
    import json

    from paperlab.store.replications import set_status

    cli("add", "https://a.org", "--title", "Alpha", "--type", "blog")
    cli("note", "alpha", "-m", "kept")
    (lib.papers_dir / "orphan").mkdir()
    (lib.papers_dir / "orphan" / "notes.md").write_text("mine")
    (lib.papers_dir / ".fetch-abc.pdf").write_bytes(b"%PDF-half")
    (lib.index_dir / ".vectors.faiss.tmp").write_bytes(b"half")
    set_status(lib.db, "alpha", "running")
    lib.close()
    result = cli("doctor", "--json")
    assert result.exit_code == 1
    bad = {f["check"] for f in json.loads(result.stdout) if not f["ok"]}
    assert bad == {"temp files", "folders", "replications"}
    fixed = cli("doctor", "--fix")
    assert fixed.exit_code == 0, fixed.stdout
    assert not (lib.papers_dir / ".fetch-abc.pdf").exists() and not (lib.index_dir / ".vectors.faiss.tmp").exists()
    (moved,) = (lib.papers_dir / ".trash").glob("orphan-*")
    assert (moved / "notes.md").read_text() == "mine"
    assert json.loads(cli("show", "alpha", "--json").stdout)["replication"] == "scaffolded"


def test_ctrl_c_during_fetch_says_what_is_left_and_index_finishes_it(lib, arxiv, tmp_path):
    ids = [GROKKING.arxiv_id, ATTENTION.arxiv_id, BACKPROP.arxiv_id]
    lib.close()
    marker = tmp_path / "reached"
    env = {**os.environ, FAILPOINT: "index:stored#1", f"{FAILPOINT}_FILE": str(marker)}
    proc = subprocess.Popen([sys.executable, "-m", "paperlab", "--home", str(lib.home), "fetch", *ids], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not marker.exists():  # the papers are fetched and the first one's chunks are stored
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted while indexing" in err and "run `paperlab index` to finish" in err, err
    assert "Traceback" not in err
    then(lib.home, "index")
    assert_consistent(lib.home)
    done = subprocess.run([sys.executable, "-m", "paperlab", "--home", str(lib.home), "doctor"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
