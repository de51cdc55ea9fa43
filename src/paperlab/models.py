"""Plain records passed between the core modules and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUSES = ("to-read", "reading", "read", "abandoned")
CONTENT_TYPES = ("paper", "book", "tutorial", "podcast", "course", "blog", "video")
REPLICATION_STATUSES = ("scaffolded", "running", "reproduced", "partial", "failed")


@dataclass
class Item:
    """Anything in the reading log: an arXiv paper, a local PDF, a book, a podcast..."""

    id: str
    title: str
    type: str = "paper"
    link: str = ""
    status: str = "to-read"
    rating: int | None = None
    tags: list[str] = field(default_factory=list)
    added_at: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    authors: list[str] = field(default_factory=list)
    abstract: str = ""
    arxiv_id: str | None = None
    version: int | None = None
    categories: list[str] = field(default_factory=list)
    primary_category: str = ""
    published: str = ""
    updated: str = ""
    doi: str = ""
    journal_ref: str = ""
    comment: str = ""
    pdf_path: str = ""
    pdf_sha256: str = ""
    text_status: str = "pending"
    text_error: str = ""

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


@dataclass
class LogEntry:
    item_id: str
    at: str
    kind: str
    detail: str = ""


@dataclass
class Chunk:
    item_id: str
    source: str  # "paper" or "notes"
    page_start: int
    page_end: int
    section: str
    text: str
    n_tokens: int = 0


@dataclass
class Hit:
    rank: int
    item_id: str
    title: str
    source: str
    page_start: int
    page_end: int
    section: str
    snippet: str
    score: float
    chunk_id: int = 0


@dataclass
class Claim:
    name: str
    metric: str
    reported: float
    scale: str = "fraction"  # "fraction" or "percent"
    direction: str = "higher"  # "higher" or "lower" is better
    tolerance: float = 0.0
    tolerance_kind: str = "absolute"  # absolute | relative | std
    reported_std: float | None = None
    source: str = ""


@dataclass
class Verdict:
    claim: Claim
    obtained: float | None
    obtained_std: float | None
    n_runs: int
    difference: float | None
    allowed: float
    verdict: str  # MATCH, CLOSE, MISS, MISSING
