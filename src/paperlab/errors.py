"""Domain errors: each message says what went wrong and what the user can do next."""

from __future__ import annotations


class PaperlabError(Exception):
    """An expected failure, shown to the user as one `Error: ...` line."""

    exit_code = 1


class LibraryNotFound(PaperlabError):
    pass


class ItemNotFound(PaperlabError):
    pass


class InvalidInput(PaperlabError):
    exit_code = 2


class ArxivError(PaperlabError):
    """A network or protocol failure talking to arXiv; carries the URL and the attempts made."""

    def __init__(self, message: str, url: str = "", attempts: int = 0) -> None:
        if url:
            message = f"{message} ({url}, after {attempts} attempt{'s' if attempts != 1 else ''})"
        super().__init__(message)
        self.url = url
        self.attempts = attempts


class NoSuchArxivPaper(PaperlabError):
    def __init__(self, arxiv_id: str) -> None:
        super().__init__(f"no such arXiv paper: {arxiv_id}")
        self.arxiv_id = arxiv_id


class PdfError(PaperlabError):
    pass


class ClaimsError(PaperlabError):
    pass


class ReplicationError(PaperlabError):
    pass
