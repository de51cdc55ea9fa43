"""Domain errors: each message says what went wrong and what the user can do next. The class
decides the exit code, so a script can tell them apart:

    0 done; 1 could not be done (PaperlabError); 2 bad input or usage (InvalidInput);
    3 not found (no library, no such item); 4 arXiv or the network (ArxivError, NoSuchArxivPaper);
    5 another paperlab holds the library (LockError); 6 the machine: disk full, no permission,
    a damaged database (StorageError, and OSError or sqlite3 errors met at the boundary);
    130 interrupted (Ctrl-C).
"""

from __future__ import annotations


class PaperlabError(Exception):
    """An expected failure, shown to the user as one `Error: ...` line."""

    exit_code = 1


class NotFound(PaperlabError):
    exit_code = 3


class LibraryNotFound(NotFound):
    pass


class ItemNotFound(NotFound):
    pass


class InvalidInput(PaperlabError):
    exit_code = 2


class ArxivError(PaperlabError):
    """A network or protocol failure talking to arXiv; carries the URL and the attempts made."""

    exit_code = 4

    def __init__(self, message: str, url: str = "", attempts: int = 0) -> None:
        if url:
            message = f"{message} ({url}, after {attempts} attempt{'s' if attempts != 1 else ''})"
        super().__init__(message)
        self.url = url
        self.attempts = attempts


class NoSuchArxivPaper(PaperlabError):
    exit_code = 4

    def __init__(self, arxiv_id: str) -> None:
        super().__init__(f"no such arXiv paper: {arxiv_id}")
        self.arxiv_id = arxiv_id


class Conflict(PaperlabError):
    """What the user was changing was changed elsewhere first (a notes file edited by hand)."""


class LockError(PaperlabError):
    """The writer lock could not be taken: a read-only library, or another writer that did not finish."""

    exit_code = 5


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with what the interrupted command leaves to do: the error boundary prints it."""


class PdfError(PaperlabError):
    pass


class StorageError(PaperlabError):
    """The library's files could not be written (a full disk, no permission): what was written on
    the way has been undone."""

    exit_code = ENVIRONMENT = 6


class ClaimsError(PaperlabError):
    pass


class ReplicationError(PaperlabError):
    pass


def environment_error(exc: BaseException) -> str | None:
    """What to tell the user about a failure of their machine rather than of paperlab; None for a bug."""
    import errno

    sqlite_kinds = {c.__name__ for c in type(exc).__mro__ if c.__module__ == "sqlite3"}
    if "OperationalError" in sqlite_kinds:
        text = str(exc)
        if "readonly" in text or "read-only" in text:
            return "the library's database is read-only; make the folder writable (or work on a copy)"
        if "locked" in text or "busy" in text:
            return "the library's database is locked by another program; retry when it is done"
        if "disk is full" in text or "disk I/O" in text:
            return f"the disk holding the library failed or is full ({text}); free some space and retry"
        return f"the library's database cannot be used ({text}); run `paperlab doctor`"
    if "DatabaseError" in sqlite_kinds:
        return f"the library's database is damaged ({exc}); run `paperlab doctor`"
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return f"permission denied{where}: {exc.strerror}; make it writable or choose another place"
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return f"no space left on the disk{where}; free some space and retry"
        if exc.errno == errno.ENOENT and isinstance(exc, FileNotFoundError):
            return f"not found{where}; check the path, or install the program it names"
        if exc.errno is not None:
            return f"{exc.strerror or exc}{where}"
    module = type(exc).__module__
    if module.startswith(("requests", "urllib3", "http.client")):
        return f"network error ({type(exc).__name__}: {exc}); check your connection and retry"
    return None
