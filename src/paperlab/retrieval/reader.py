"""PDFs extracted one after another, ahead of the caller in a worker process where one can start.

Kept apart from paperlab.retrieval.pdf so that a command with no PDF to read (`note`) imports none
of the extraction code.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from paperlab.errors import PdfError

if TYPE_CHECKING:
    import subprocess
    from queue import SimpleQueue

    from paperlab.retrieval.pdf import PageText


def pages_or_error(path: str) -> list[PageText] | PdfError:
    """extract_pages, with its expected failure returned: what the worker process hands back."""
    from paperlab.retrieval.pdf import extract_pages

    try:
        return extract_pages(Path(path))
    except PdfError as exc:
        return exc


def serve() -> None:
    """PdfReader's worker: a pickled list of paths on stdin; each one's pages_or_error, pickled, on
    stdout as soon as it is read."""
    import os
    import pickle
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the caller ends us
    out = sys.stdout.buffer
    try:
        for path in pickle.load(sys.stdin.buffer):
            pickle.dump(pages_or_error(path), out)
            out.flush()
    except (BrokenPipeError, EOFError):  # the caller is gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())  # the flush at exit must not fail too


def _collect(stream: IO[bytes], results: SimpleQueue[Any]) -> None:
    import pickle

    with stream:
        try:
            while True:
                results.put(pickle.load(stream))
        except Exception:  # EOF: the worker is done, or died
            results.put(None)


class PdfReader:
    """Extracts a list of PDFs, one at a time and in order (`read`).

    With `ahead`, a worker process extracts them while the caller does other work: `index` loads
    the embedding model meanwhile (for a model sentence-transformers runs, torch's import keeps one
    core busy for seconds, as PyMuPDF's extraction does). A PDF that ends the worker (MuPDF
    crashing on a damaged file, memory running out) is reported as unreadable, and a new worker
    reads the ones after it. Where no process can be started, PDFs are read in this process. (A
    plain subprocess, not multiprocessing: that would run the caller's main script again in the
    worker.)
    """

    def __init__(self, paths: list[Path], ahead: bool, worker: list[str] | None = None) -> None:
        import sys

        root = str(Path(__file__).resolve().parents[2])
        self._worker = worker or [sys.executable, "-c", f"import sys; sys.path.insert(0, {root!r}); "
                                  "from paperlab.retrieval.reader import serve; serve()"]
        self._paths = paths
        self._done = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._results: SimpleQueue[Any] | None = None
        if ahead and paths:
            self._start(0)

    def _start(self, first: int) -> None:
        import pickle
        import subprocess
        import threading
        from queue import SimpleQueue

        try:
            self._proc = subprocess.Popen(self._worker, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        except OSError:
            return
        assert self._proc.stdin is not None and self._proc.stdout is not None
        try:
            self._proc.stdin.write(pickle.dumps([str(p) for p in self._paths[first:]]))
            self._proc.stdin.close()
        except OSError:  # it ended at once
            self.close()
            return
        self._results = SimpleQueue()
        # read as results come: the pipe holds 64 KB, less than one paper's pages
        threading.Thread(target=_collect, args=(self._proc.stdout, self._results), daemon=True).start()

    def read(self) -> list[PageText] | PdfError:
        """The next PDF's pages, or the error that says why it has none."""
        n, self._done = self._done, self._done + 1
        if self._results is None:
            return pages_or_error(str(self._paths[n]))
        got = self._results.get()
        if isinstance(got, list | PdfError):
            return got
        self.close()
        self._start(n + 1)
        return PdfError(f"{self._paths[n].name} stopped the PDF reader (MuPDF crashed or memory ran "
                        "out); the file is damaged: download it again or repair it (mutool clean)")

    def close(self) -> None:
        if self._proc is not None:
            self._proc.kill()  # done already, unless the caller stopped early
            self._proc.wait()
        self._proc, self._results = None, None

    def __enter__(self) -> PdfReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
