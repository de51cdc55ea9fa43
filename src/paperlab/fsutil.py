"""Atomic file writes (a temp file in the same folder, fsync, then rename over the target) that keep
the user's umask, and the library's writer lock."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from paperlab.errors import LockError, StorageError


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def temp_file(folder: Path, prefix: str, suffix: str = ".tmp") -> tuple[int, Path]:
    """A new temp file in `folder` with the permissions a normal file gets (mkstemp makes 0600)."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    os.fchmod(fd, 0o666 & ~_umask())
    return fd, Path(name)


def atomic_write_bytes(path: Path, data: bytes, make_parents: bool = True) -> None:
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temp_file(path.parent, f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str, make_parents: bool = True) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), make_parents)


def atomic_copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temp_file(dest.parent, f".{dest.name}.")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def remove_empty_dir(folder: Path) -> None:
    """Remove `folder` if it is empty (undoing a folder this run created); keep it otherwise."""
    try:
        folder.rmdir()
    except OSError:
        pass


class FileChanges:
    """Files written, copied or moved in steps, all undone if what follows them fails: the files
    half of "write files and rows together" (Library.files_and_rows joins it to the SQL
    transaction). A failing step raises StorageError naming the file."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []
        self._after: list[Callable[[], None]] = []  # once everything has landed: drop the backups

    def write_text(self, path: Path, text: str) -> None:
        old = path.read_bytes() if path.exists() else None
        self._folder(path)
        self._do(path, lambda: atomic_write_text(path, text))
        self._undo.append(lambda: atomic_write_bytes(path, old) if old is not None else path.unlink(missing_ok=True))

    def copy(self, src: Path, dest: Path) -> None:
        self._new_file(dest, lambda: atomic_copy(src, dest), lambda: dest.unlink(missing_ok=True))

    def move(self, src: Path, dest: Path) -> None:
        """Move `src` to `dest` (a file into place, or a folder to its new name); undone by moving it back."""
        if src.is_dir():
            self._do(dest, lambda: os.rename(src, dest))
            self._undo.append(lambda: os.rename(dest, src))
        else:
            self._new_file(dest, lambda: os.replace(src, dest), lambda: os.replace(dest, src))

    def _new_file(self, dest: Path, put: Callable[[], None], take_back: Callable[[], None]) -> None:
        """A file put at `dest`; one already there is kept aside until the end (restored on undo)."""
        self._folder(dest)
        if dest.exists():
            backup = dest.with_name(f".{dest.name}.bak")
            self._do(dest, lambda: os.replace(dest, backup))
            self._undo.append(lambda: os.replace(backup, dest))
            self._after.append(lambda: backup.unlink(missing_ok=True))
        self._do(dest, put)
        self._undo.append(take_back)

    def _folder(self, path: Path) -> None:
        if not path.parent.exists():
            self._do(path.parent, lambda: path.parent.mkdir(parents=True))
            self._undo.append(lambda: remove_empty_dir(path.parent))

    def _do(self, path: Path, step: Callable[[], object]) -> None:
        try:
            step()
        except OSError as exc:
            raise StorageError(f"cannot write {path}: {exc.strerror or exc}") from exc

    def rollback(self) -> None:
        for undo in reversed(self._undo):
            try:
                undo()
            except OSError:
                pass  # undo what can be undone; `paperlab doctor` names what is left
        self._undo.clear()

    def commit(self) -> None:
        for after in self._after:
            try:
                after()
            except OSError:
                pass
        self._undo.clear()


# --- the writer lock ------------------------------------------------------------------------------

LOCK_NAME = ".paperlab.lock"
# (lock path, thread) -> (fd, depth): re-entrant within a thread. Two threads of one process (the
# web app's) open the file twice, and flock makes the second wait as it makes another process wait.
_held: dict[tuple[str, int], tuple[int, int]] = {}


@contextmanager
def writer_lock(
    home: Path, what: str, timeout_s: float = 600.0, on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the library's writer lock (`<home>/.paperlab.lock`, flock) while `what` writes. A second
    writer waits, telling `on_wait` who holds it, and then sees what the first one wrote; readers
    never take it."""
    import fcntl

    path = home / LOCK_NAME
    key = (str(path), threading.get_ident())
    if key in _held:
        fd, depth = _held[key]
        _held[key] = (fd, depth + 1)
        try:
            yield
        finally:
            _held[key] = (fd, _held[key][1] - 1)
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
    except OSError as exc:
        raise StorageError(f"cannot write to the library at {home} ({exc.strerror}); "
                        "make it writable, or work on a copy") from exc
    try:
        _acquire(fd, path, what, timeout_s, on_wait)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {what}\n".encode())
        _held[key] = (fd, 1)
        for leftover in half_written(home):  # no writer is mid-write now: these were killed ones'
            leftover.unlink(missing_ok=True)
        try:
            yield
        finally:
            del _held[key]
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, path: Path, what: str, timeout_s: float, on_wait: Callable[[str], None] | None) -> None:
    import fcntl

    deadline = time.monotonic() + timeout_s
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = _holder(path)
            if not told and on_wait is not None:
                on_wait(f"another paperlab {holder[1] or 'command'} is running (pid {holder[0]}); "
                        f"waiting for it to finish before this {what}")
                told = True
            if time.monotonic() > deadline:
                raise LockError(f"gave up after {timeout_s:.0f} s waiting for paperlab {holder[1]} "
                                f"(pid {holder[0]}) to finish; retry when it is done") from None
            time.sleep(0.2)


def _holder(path: Path) -> tuple[str, str]:
    try:
        pid, _, what = path.read_text().strip().partition(" ")
        return pid or "?", what
    except OSError:
        return "?", ""


@contextmanager
def process_lock(path: Path, busy: str) -> Iterator[None]:
    """Hold an exclusive flock on `path` while a long job (a replication's runs) lives; the kernel
    drops it when the process dies, so `is_locked` tells a live job from one that was killed."""
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockError(busy) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)


def is_locked(path: Path) -> bool:
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


TEMP_PATTERNS = (".download-*.pdf", ".fetch-*.pdf", ".add-*.pdf", ".*.tmp", ".*.tmp.npz", ".paper.pdf.bak")


def half_written(home: Path) -> list[Path]:
    """Temp files a killed writer left in papers/ and index/ (each writer makes them in the folder it
    then renames into, so nothing else matches these names)."""
    found: list[Path] = []
    for folder in (home / "papers", home / "index"):
        if folder.is_dir():
            for pattern in TEMP_PATTERNS:
                found += folder.glob(pattern)
                found += folder.glob(f"*/{pattern}")
    return sorted(set(found))


FAILPOINT = "PAPERLAB_FAILPOINT"


def failpoint(name: str) -> None:
    """A named moment in the middle of a write, for the crash tests: when PAPERLAB_FAILPOINT is
    `name` (or `name#N`, the Nth time it is reached), the process writes PAPERLAB_FAILPOINT_FILE
    and waits there to be killed. Without the variable this is one dictionary lookup."""
    wanted = os.environ.get(FAILPOINT)
    if not wanted or wanted.split("#")[0] != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if "#" in wanted and int(wanted.split("#")[1]) != _reached[name]:
        return
    Path(os.environ[FAILPOINT + "_FILE"]).write_text(f"{os.getpid()}\n")
    while True:
        time.sleep(60)


_reached: dict[str, int] = {}
