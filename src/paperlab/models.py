"""Plain records passed between the core packages and the CLI, and the callbacks they report through."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from paperlab.errors import InvalidInput


class Status(StrEnum):
    """Where the reader is with an item."""

    TO_READ = "to-read"
    READING = "reading"
    READ = "read"
    ABANDONED = "abandoned"


class ContentType(StrEnum):
    """What an item is; `label` is how the learner's log writes it."""

    PAPER = "paper"
    BOOK = "book"
    TUTORIAL = "tutorial"
    PODCAST = "podcast"
    COURSE = "course"
    BLOG = "blog"
    VIDEO = "video"

    @property
    def label(self) -> str:
        return "Blog Post" if self is ContentType.BLOG else self.value.capitalize()


class ReplicationStatus(StrEnum):
    """Where a replication stands; only `check` moves it past `running`, on the evidence."""

    SCAFFOLDED = "scaffolded"
    RUNNING = "running"
    REPRODUCED = "reproduced"  # every claim MATCH on every seed run
    PARTIAL = "partial"  # some claims matched or came close
    FAILED = "failed"  # misses only
    INCONCLUSIVE = "inconclusive"  # nothing could be judged on a comparable, complete run


class VerdictKind(StrEnum):
    """A claim's verdict (replicate.check says when each is given)."""

    MATCH = "MATCH"
    BETTER = "BETTER"
    CLOSE = "CLOSE"
    MISS = "MISS"
    INCOMPLETE = "INCOMPLETE"
    MISSING = "MISSING"
    UNTESTED = "UNTESTED"


STATUSES = tuple(Status)
CONTENT_TYPES = tuple(ContentType)
REPLICATION_STATUSES = tuple(ReplicationStatus)


def type_label(type_: str) -> str:
    return ContentType(type_).label if type_ in CONTENT_TYPES else type_


# The validators of what a user types: one home for each.
def check_status(status: str) -> None:
    if status not in STATUSES:
        raise InvalidInput(f"unknown status '{status}'; choose one of: {', '.join(STATUSES)}")


def check_type(type_: str) -> None:
    if type_ not in CONTENT_TYPES:
        raise InvalidInput(f"unknown type '{type_}'; choose one of: {', '.join(CONTENT_TYPES)}")


def check_rating(rating: int | None) -> None:
    if rating is not None and not 1 <= rating <= 10:
        raise InvalidInput(f"rating must be between 1 and 10, got {rating}")


TAG_LENGTH = 64
_TAG = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9_.:/-]{{0,{TAG_LENGTH - 1}}}$")


def check_tag(name: str) -> None:
    if not _TAG.match(name):
        raise InvalidInput(f"'{name}' is not a valid tag: letters, digits and _.:/- only, at most {TAG_LENGTH}")


def arxiv_abs_url(arxiv_id: str) -> str:
    """The one place an arXiv paper's abstract page is spelled."""
    return f"https://arxiv.org/abs/{arxiv_id}"


# Long work reports progress through these; the CLI turns them into progress bars.
StageProgress = Callable[[str, int, int], None]  # (stage, done, total), e.g. ("embedding", 64, 965)
ByteProgress = Callable[[int, "int | None"], None]  # (bytes done, total if known), for downloads


class Record:
    """The records that leave paperlab as JSON (`--json`, the web app) share one conversion."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


@dataclass
class Item(Record):
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
    venue: str = ""  # journal, conference or publisher, from `edit --venue` or an imported BibTeX entry
    pdf_path: str = ""
    pdf_sha256: str = ""
    text_status: str = "pending"
    text_error: str = ""
    bibtex: str = ""  # the BibTeX entry it was imported from, as written: exported back unchanged

    @property
    def url(self) -> str:
        """Where to read it: the arXiv abstract page for an arXiv paper, else its link."""
        return arxiv_abs_url(self.arxiv_id) if self.arxiv_id else self.link


@dataclass
class LogEntry:
    item_id: str
    at: str
    kind: str
    detail: str = ""
    from_status: str | None = None  # a status change: what it was (reading status or replication status)
    to_status: str | None = None  # and what it became


@dataclass
class Hit:
    rank: int
    item_id: str
    title: str
    source: str
    page_start: int
    page_end: int
    section: str
    snippet: str  # the passage's best sentence for the query, with its neighbours
    score: float
    chunk_id: int = 0
    page: int | None = None  # the page of that sentence; None where the passage cannot tell
    zone: str = "body"
    chunk_ids: list[int] = field(default_factory=list)  # adjacent chunks of one passage, merged


@dataclass
class Claim:
    """A number the paper reports, with what it measures: the quantity (kind, unit, direction), the
    data (dataset, split) and the table row (model) it belongs to, and where the paper says it."""

    name: str
    metric: str  # the key train.py writes to metrics.json
    reported: float
    unit: str = ""  # fraction | percent | count | nats | bits | raw; "" : the metric's own unit
    direction: str = "higher"  # "higher", "lower" or "equal" is better
    tolerance: float = 0.0  # in the claim's own unit
    tolerance_kind: str = "absolute"  # absolute | relative | std
    reported_std: float | None = None
    source: str = ""
    kind: str = ""  # error, accuracy, log_likelihood, perplexity, bleu, ... ("" : not stated)
    dataset: str = ""  # the benchmark the number is on ("CIFAR-10"); a claim without one is never judged
    split: str = ""  # test | val | train ("" : not stated)
    model: str = ""  # the paper's table row or setting ("ResNet-110"); runs of another model are set aside
    compare: str = "value"  # value (two-sided) | at-least | at-most (the paper states a bound)
    of: float | None = None  # a count's denominator (errors of 10000 test images): compared as a fraction

    @property
    def suffix(self) -> str:
        return "%" if self.unit == "percent" else ""

    @property
    def stated(self) -> str:
        """The reported number as the paper states it: `8.75%`, `>= 2`, `160 of 10000`."""
        bound = {"at-least": ">= ", "at-most": "<= "}.get(self.compare, "")
        of = f" of {self.of:g}" if self.of else ""
        return f"{bound}{self.reported:g}{self.suffix}{of}"


def shown(value: float | None) -> str:
    """A number for a verdict table (four significant digits)."""
    return "-" if value is None else f"{value:.4g}"


@dataclass
class Verdict:
    """One claim judged: every number in the claim's own unit; `notes` say which runs were set
    aside and why, or what is missing for a verdict."""

    claim: Claim
    obtained: float | None
    obtained_std: float | None
    n_runs: int
    difference: float | None
    allowed: float
    verdict: str  # MATCH, BETTER, CLOSE, MISS, INCOMPLETE, MISSING, UNTESTED
    used: list[str] = field(default_factory=list)  # the ids of the runs compared
    notes: list[str] = field(default_factory=list)
    factor: float = 1.0  # a metric value (in its own unit) x factor = the claim's unit


@dataclass
class Similar:
    item_id: str
    title: str
    score: float


@dataclass
class Suggestion:
    """A number found next to a metric word in the paper's text: a candidate claim."""

    number: int
    metric: str
    value: float
    unit: str
    page: int
    context: str
    source: str = ""  # "abstract", "text", or "Table 6, row '110', column 'error (%)'"
    std: float | None = None  # the paper's ± when it gives one
    lower: bool = False  # lower is better (error, loss, perplexity, FID, WER)
    raw: bool = False  # a score compared as written (BLEU, perplexity), not a percentage or fraction
    dataset: str = ""  # the one benchmark named beside it ("" when none, or several)
    split: str = ""  # test, val or train, when its context says which
    model: str = ""  # its table row (the model or setting the number belongs to)


@dataclass
class FetchOutcome:
    ref: str
    item_id: str | None
    status: str  # fetched | updated | filled (metadata only) | exists | up-to-date | failed
    message: str
    index_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"


@dataclass
class IndexReport:
    items: int = 0
    extracted: int = 0
    notes: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    embedded: int = 0
    vectors: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # item id -> why its text was not indexed
    stopped: str = ""  # why indexing stopped before the end, if it did
    warnings: list[str] = field(default_factory=list)  # what worked, but not as well as it should


@dataclass
class NoteResult:
    path: Path
    changed: bool
    item_id: str = ""
    index_error: str | None = None


@dataclass
class RunResult:
    run_id: str
    seed: int
    exit_status: int
    duration_s: float
    run_dir: str
    metrics: dict[str, Any] = field(default_factory=dict)
    device: str = ""
    trained: dict[str, Any] = field(default_factory=dict)  # run.json: data, model, budget, metrics' meaning


@dataclass
class Run(Record):
    """One run of train.py as recorded: its config and seed, how it ended, its final metrics and
    what it trained (its run.json: the data, the model, the budget, what each metric measures)."""

    id: str
    item_id: str = ""
    seed: int = 0
    config: str = "default"
    exit_status: int | None = 0
    run_dir: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    trained: dict[str, Any] = field(default_factory=dict)
    config_hash: str = ""
    git_commit: str = ""
    device: str = ""
    started_at: str = ""
    duration_s: float | None = None


@dataclass
class Replication(Record):
    """A replication project's row: where it stands and how many runs it has."""

    item_id: str
    status: str
    path: str
    created_at: str
    updated_at: str
    summary: str = ""  # the last check's verdicts, or why the status moved
    title: str = ""
    runs: int = 0


@dataclass
class CheckResult:
    """Every claim judged against the runs of one config; `status` is what the log would record."""

    verdicts: list[Verdict]
    status: str
    runs: list[Run]  # the runs of the config, the latest per seed
    config: str | None
    set_aside: dict[str, str] = field(default_factory=dict)  # run id -> why no claim can use it
    why: str = ""  # why the status is not `reproduced`, when it is not
    budget: dict[str, Any] | None = None  # the paper's training budget (config/paper.toml), when known


@dataclass
class Hparam:
    """A training setting the paper states: `learning_rate` 0.1 on p. 7, in this sentence, for CIFAR-10."""

    name: str
    value: float | str
    page: int
    sentence: str
    setup: str = ""  # the experiment it belongs to, when the paper names one (ImageNet, pre-training)
    also: tuple[int, ...] = ()  # the other pages that state the same value for the same experiment

    @property
    def pages(self) -> tuple[int, ...]:
        return (self.page, *self.also)
