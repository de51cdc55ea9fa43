"""One item on its way in from an old log or a BibTeX file, and the keys that say it is the same
as one the library has."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from paperlab.errors import InvalidInput
from paperlab.log.notes import UNDATED

__all__ = ["UNDATED", "Incoming", "arxiv_id_in", "normal_title"]


@dataclass
class Incoming:
    """One item as an old log or a BibTeX file describes it."""

    title: str
    type: str = "paper"
    link: str = ""
    rating: int | None = None
    day: date | None = None
    authors: list[str] = field(default_factory=list)
    published: str = ""
    venue: str = ""
    doi: str = ""
    abstract: str = ""
    arxiv_id: str | None = None
    tags: list[str] = field(default_factory=list)
    pdf: Path | None = None
    summary: str = ""
    learnings: list[str] = field(default_factory=list)
    entries: list[tuple[str, str]] = field(default_factory=list)  # dated notes: (day, text)
    origin: str = ""  # "line 12" or "entry vaswani2017", for messages
    from_notes: bool = False  # made from a notes bullet that matched no row
    attached: int = 0  # notes under another title (a book's chapters) attached to this row
    warnings: list[str] = field(default_factory=list)
    bibtex: str = ""  # the BibTeX entry as written in the imported file


def normal_title(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def arxiv_id_in(text: str) -> str | None:
    from paperlab.arxiv.ids import parse_arxiv_id

    if not re.search(r"arxiv", text, re.IGNORECASE):
        return None
    try:
        return parse_arxiv_id(text.strip()).id
    except InvalidInput:
        m = re.search(r"arXiv[:\s]*(\d{4}\.\d{4,5})", text, re.IGNORECASE)
        return m.group(1) if m else None
