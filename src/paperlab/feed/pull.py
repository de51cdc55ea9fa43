"""`paperlab feed pull`: new arXiv papers of some categories, stored as candidates, then embedded.

Each listing page is stored with the pull's progress in one transaction, so a pull killed at any
moment leaves whole pages behind and the next `feed pull` continues from the page after them.
Pages are asked oldest first over a fixed date range: arXiv adding papers during a pull cannot
shift the pages already read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from paperlab.errors import ArxivError, InvalidInput
from paperlab.feed.categories import CATEGORIES, check_categories
from paperlab.feed.rank import document
from paperlab.store import feed as store

if TYPE_CHECKING:
    from paperlab.arxiv.client import ArxivClient, Metadata
    from paperlab.library import Library

DEFAULT_DAYS = 7  # a first pull, without --since, asks for the last week
EMPTY_PAGE_RETRIES = 2  # arXiv's API now and then answers a page with no entries: ask again


@dataclass
class PullReport:
    categories: list[str]
    since: str
    until: str
    listed: int = 0  # entries arXiv listed across the pages read
    new: int = 0  # candidates not stored before
    embedded: int = 0
    continued: list[str] = field(default_factory=list)  # "since..until" of interrupted pulls finished


def default_categories(lib: Library) -> list[str]:
    """The `feed_categories` setting, else the primary categories of the library's arXiv papers."""
    if lib.settings.feed_categories.strip():
        return check_categories([lib.settings.feed_categories])
    cats = [c for c in store.primary_categories(lib.db) if c in CATEGORIES]
    if not cats:
        raise InvalidInput("the library has no arXiv papers to take categories from; pass --category "
                           "(e.g. --category cs.LG) or set feed_categories in paperlab.toml")
    return cats


def _utc(day: dt.date, end: bool) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(23, 59) if end else dt.time(0, 0))
    return moment.replace(tzinfo=dt.timezone.utc)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def candidate_from(meta: Metadata) -> store.Candidate:
    from paperlab.feed import terms

    return store.Candidate(
        arxiv_id=meta.arxiv_id, version=meta.version, title=meta.title, abstract=meta.abstract,
        authors=meta.authors, categories=meta.categories, primary_category=meta.primary_category,
        published=meta.published, updated=meta.updated,
        content_hash=store.content_hash(document(meta.title, meta.abstract)),
        terms=terms.pack(*terms.hashed(terms.features(meta.title, meta.abstract, meta.authors))))


def pull(lib: Library, categories: list[str] | None = None, since: dt.date | None = None,
         until: dt.date | None = None, client: ArxivClient | None = None,
         now: dt.datetime | None = None) -> PullReport:
    """Pull the listings of `categories` (default: default_categories) submitted in [since, until]:
    interrupted pulls of the same categories first, then from where the last pull ended (or the last
    week) to now, unless dates are given. Then embed what has no vector yet."""
    from paperlab.arxiv.client import ArxivClient

    cats = check_categories(categories) if categories else default_categories(lib)
    client = client or ArxivClient(lib.settings)
    now = (now or dt.datetime.now(dt.timezone.utc)).replace(second=0, microsecond=0)
    end = min(_utc(until, end=True), now) if until else now  # the next pull starts where this one ended
    if since is not None and until is not None and since > until:
        raise InvalidInput(f"--since {since} is after --until {until}")
    report = PullReport(cats, "", _iso(end))
    same = [p for p in store.unfinished_pulls(lib.db) if sorted(p.categories) == sorted(cats)]
    for interrupted in same:
        if since is None or interrupted.since == _iso(_utc(since, end=False)):
            _read_pages(lib, client, interrupted, report)
            report.continued.append(f"{interrupted.since[:10]}..{interrupted.until[:10]}")
    if since is not None:
        start = _utc(since, end=False)
    else:
        ends = [e for e in (store.last_until(lib.db, c) for c in cats) if e]
        # from where the category pulled least recently stopped; a category never pulled: the last week
        start = min(map(_moment, ends)) if len(ends) == len(cats) else end - dt.timedelta(days=DEFAULT_DAYS)
    report.since = _iso(start)
    if start < end and not (since is not None and any(p.finished for p in same)):
        with lib.writing("feed pull"):
            fresh = store.start_pull(lib.db, cats, _iso(start), _iso(end))
        _read_pages(lib, client, fresh, report)
    report.embedded = embed_candidates(lib)
    return report


def _read_pages(lib: Library, client: ArxivClient, p: store.Pull, report: PullReport) -> None:
    size = max(1, lib.settings.feed_page_size)
    empty_tries = 0
    while True:
        try:
            page = client.listing(p.categories, _moment(p.since), _moment(p.until), p.next_start, size)
        except ArxivError as exc:
            listed = f"{p.next_start} of {p.total}" if p.total is not None else f"{p.next_start}"
            raise ArxivError(f"{exc}; the pull kept what it had read ({listed} papers listed, {p.kept} new); "
                             "run `paperlab feed pull` again to continue") from exc
        if page.entries == 0 and p.next_start < page.total and empty_tries < EMPTY_PAGE_RETRIES:
            empty_tries += 1
            continue
        empty_tries = 0
        found = [candidate_from(m) for m in page.papers]
        with lib.writing("feed pull"):
            report.new += store.advance_pull(lib.db, p, found, p.next_start + page.entries, page.total)
        report.listed += page.entries
        lib.ui.progress("Pulling listings", p.next_start, page.total or None, "papers")
        if page.entries == 0 or p.next_start >= page.total:
            break
    with lib.writing("feed pull"):
        store.finish_pull(lib.db, p)


def refresh_terms(lib: Library) -> int:
    """Compute again the stored features of candidates pulled by an earlier version of
    feed.terms (once, after an upgrade); returns how many."""
    from paperlab.feed import terms

    stale = store.stale_terms(lib.db, terms.MARK)
    if stale:
        rows = [(i, terms.pack(*terms.hashed(terms.features(t, a, au)))) for i, t, a, au in stale]
        with lib.writing("feed"):
            store.put_terms(lib.db, rows)
    return len(stale)


def embed_candidates(lib: Library) -> int:
    """Embed the candidates (title and abstract) that have no vector for the library's model yet
    (and refresh features an earlier version stored); returns how many were embedded."""
    refresh_terms(lib)
    rows = store.unembedded(lib.db, lib.settings.embedding_model)
    return len(embed_and_store(lib, {h: document(title, abstract) for h, title, abstract in rows}))


def embed_and_store(lib: Library, texts: dict[str, str], batch: int = 32) -> dict[str, bytes]:
    """Embed texts (by content hash) with the library's model, committing each batch of vectors as
    it is done (a command killed between batches keeps the ones before); returns them by hash."""
    from paperlab.fsutil import failpoint
    from paperlab.retrieval.embedding import get_embedder
    from paperlab.store.chunks import put_embeddings

    if not texts:
        return {}
    model = lib.settings.embedding_model
    embedder = get_embedder(model, lib.settings.index_precision)
    todo = list(texts.items())
    out: dict[str, bytes] = {}
    for i in range(0, len(todo), batch):
        part = todo[i:i + batch]
        vectors = embedder.embed([text for _, text in part])
        rows = [(h, v.astype("float32").tobytes()) for (h, _), v in zip(part, vectors, strict=True)]
        with lib.writing("feed"):
            put_embeddings(lib.db, model, rows)
        failpoint("feed:embedded")
        out.update(rows)
        lib.ui.progress("Embedding abstracts", len(out), len(todo), "abstracts")
    return out
