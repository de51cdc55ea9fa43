"""Talking to arXiv: metadata lookups (Atom, parsed by the `arxiv` package) and PDF downloads.

`arxiv.Client` has no request timeout, no backoff, ignores Retry-After and retries HTTP 400, so the
HTTP side is ours (requests, a clear User-Agent, one API request per `arxiv_delay_s`) and the `arxiv`
package turns each response into `arxiv.Result`s.
"""

from __future__ import annotations

import datetime
import email.utils
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from paperlab.arxiv.ids import ArxivId, parse_arxiv_id
from paperlab.config import Settings
from paperlab.errors import ArxivError, InvalidInput, NoSuchArxivPaper, PaperlabError
from paperlab.models import ByteProgress

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_WAIT_S = 120.0


@dataclass
class Metadata:
    arxiv_id: str
    version: int | None
    title: str
    authors: list[str]
    abstract: str
    categories: list[str]
    primary_category: str
    published: str
    updated: str
    doi: str
    journal_ref: str
    comment: str
    pdf_url: str


@dataclass
class ListingPage:
    """One page of a listing query: where it starts, how many papers the whole query matches
    (arXiv's opensearch:totalResults), and the papers on it."""

    start: int
    total: int
    entries: int  # the entries on the page, papers that could not be read included
    papers: list[Metadata]


def arxiv_stamp(when: datetime.datetime) -> str:
    """A moment as the API's submittedDate ranges write it (YYYYMMDDHHMM, UTC)."""
    return when.astimezone(datetime.timezone.utc).strftime("%Y%m%d%H%M")


def _metadata(result: Any) -> Metadata:
    parsed = parse_arxiv_id(result.get_short_id())
    return Metadata(
        arxiv_id=parsed.id, version=parsed.version,
        title=" ".join(result.title.split()),
        authors=[a.name for a in result.authors],
        abstract=" ".join(result.summary.split()),
        categories=list(result.categories), primary_category=result.primary_category or "",
        published=result.published.isoformat(), updated=result.updated.isoformat(),
        doi=result.doi or "", journal_ref=result.journal_ref or "", comment=result.comment or "",
        pdf_url=result.pdf_url or f"https://arxiv.org/pdf/{parsed.versioned}",
    )


class ArxivClient:
    def __init__(self, settings: Settings, sleep: Callable[[float], None] = time.sleep) -> None:
        import requests

        self.settings = settings
        self.sleep = sleep
        self.session = requests.Session()
        self.session.headers["User-Agent"] = settings.user_agent
        self._last_api_call: float | None = None

    # --- HTTP with retries -------------------------------------------------------------------

    def _wait_for_slot(self) -> None:
        if self._last_api_call is not None:
            wait = self.settings.arxiv_delay_s - (time.monotonic() - self._last_api_call)
            if wait > 0:
                self.sleep(wait)
        self._last_api_call = time.monotonic()

    def _backoff(self, attempt: int, response: Any = None) -> float:
        retry_after = response.headers.get("Retry-After") if response is not None else None
        if retry_after:
            try:
                return min(MAX_WAIT_S, max(0.0, float(retry_after)))
            except ValueError:
                try:
                    when = email.utils.parsedate_to_datetime(retry_after)
                except (TypeError, ValueError, IndexError):  # neither seconds nor a date: back off
                    when = None
                if when is not None:
                    if when.tzinfo is None:
                        when = when.replace(tzinfo=datetime.timezone.utc)
                    return min(MAX_WAIT_S, max(0.0, when.timestamp() - time.time()))
        return float(min(MAX_WAIT_S, self.settings.backoff_s * 2**attempt))

    def _request(self, url: str, *, api: bool, stream: bool = False) -> Any:
        """GET with retries on timeouts, connection errors, 429 and 5xx; returns the response."""
        import requests

        attempts = self.settings.http_retries + 1
        last: str = ""
        for attempt in range(attempts):
            if api:
                self._wait_for_slot()
            response = None
            try:
                response = self.session.get(url, timeout=self.settings.http_timeout_s, stream=stream)
            except requests.Timeout:
                last = f"timed out after {self.settings.http_timeout_s:g} s"
            except requests.ConnectionError as exc:
                last = f"connection failed: {type(exc).__name__}"
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                last = f"HTTP {response.status_code}"
                response.close()
            if attempt + 1 < attempts:
                self.sleep(self._backoff(attempt, response))
        who = "arXiv" if api else "the server"
        raise ArxivError(f"{who} did not answer: {last}; check your network and retry later",
                         url=url, attempts=attempts)

    # --- metadata ----------------------------------------------------------------------------

    def query_url(self, ids: Iterable[ArxivId]) -> str:
        id_list = [i.versioned for i in ids]
        query = urlencode({"id_list": ",".join(id_list), "max_results": len(id_list)})
        return f"{self.settings.arxiv_api_url}?{query}"

    def lookup(self, ids: list[ArxivId]) -> dict[ArxivId, Metadata | PaperlabError]:
        """Metadata for several ids in one API request; each id maps to its metadata or error."""
        if not ids:
            return {}
        url = self.query_url(ids)
        response = self._request(url, api=True)
        if response.status_code == 400:
            if len(ids) == 1:
                return {ids[0]: NoSuchArxivPaper(ids[0].versioned)}
            out: dict[ArxivId, Metadata | PaperlabError] = {}
            for one in ids:  # find which id arXiv rejected
                out.update(self.lookup([one]))
            return out
        if response.status_code != 200:
            raise ArxivError(f"arXiv answered HTTP {response.status_code}", url=url, attempts=1)
        from arxiv import _feed

        feed = _feed.parse(response.content)
        if feed.malformed and not feed.results:
            raise ArxivError("arXiv sent a response that is not an Atom feed", url=url, attempts=1)
        found: dict[str, Metadata] = {}
        for result in feed.results:
            if "/api/errors" in result.entry_id:
                continue
            try:
                meta = _metadata(result)
            except InvalidInput:
                continue
            found[meta.arxiv_id] = meta
        return {i: found.get(i.id) or NoSuchArxivPaper(i.versioned) for i in ids}

    def listing_url(self, categories: list[str], since: datetime.datetime, until: datetime.datetime,
                    start: int, size: int) -> str:
        """The API query for the papers of `categories` submitted in [since, until], oldest first (an
        ascending order keeps earlier pages' offsets stable while arXiv adds papers)."""
        cats = " OR ".join(f"cat:{c}" for c in categories)
        query = f"({cats}) AND submittedDate:[{arxiv_stamp(since)} TO {arxiv_stamp(until)}]"
        params = {"search_query": query, "sortBy": "submittedDate", "sortOrder": "ascending",
                  "start": start, "max_results": size}
        return f"{self.settings.arxiv_api_url}?{urlencode(params)}"

    def listing(self, categories: list[str], since: datetime.datetime, until: datetime.datetime,
                start: int, size: int) -> ListingPage:
        """One page of new papers in `categories`; entries arXiv could not describe are skipped."""
        url = self.listing_url(categories, since, until, start, size)
        response = self._request(url, api=True)
        if response.status_code != 200:
            raise ArxivError(f"arXiv answered HTTP {response.status_code} to a listing query", url=url, attempts=1)
        from arxiv import _feed

        feed = _feed.parse(response.content)
        if feed.malformed and not feed.results:
            raise ArxivError("arXiv sent a response that is not an Atom feed", url=url, attempts=1)
        papers = []
        for result in feed.results:
            if "/api/errors" in result.entry_id:
                raise ArxivError(f"arXiv rejected the listing query: {' '.join(result.summary.split())}",
                                 url=url, attempts=1)
            try:
                papers.append(_metadata(result))
            except InvalidInput:
                continue
        return ListingPage(start=start, total=int(feed.header.total_results or 0), entries=len(feed.results),
                           papers=papers)

    # --- PDF ---------------------------------------------------------------------------------

    def download(self, url: str, dest: Path, progress: ByteProgress | None = None) -> str:
        """Stream `url` into `dest`; returns the sha256. Retries a broken transfer from scratch."""
        import requests

        attempts = self.settings.http_retries + 1
        last = ""
        for attempt in range(attempts):
            response = self._request(url, api=False, stream=True)
            if response.status_code != 200:
                response.close()
                raise ArxivError(f"PDF download failed with HTTP {response.status_code}",
                                 url=url, attempts=attempt + 1)
            total = int(response.headers.get("Content-Length") or 0) or None
            digest = hashlib.sha256()
            done = 0
            try:
                with dest.open("wb") as fh:
                    for block in response.iter_content(chunk_size=1 << 16):
                        fh.write(block)
                        digest.update(block)
                        done += len(block)
                        if progress:
                            progress(done, total)
                if total is not None and done < total:
                    raise requests.ConnectionError(f"got {done} of {total} bytes")
                return digest.hexdigest()
            except (requests.ConnectionError, requests.Timeout,
                    requests.exceptions.ChunkedEncodingError) as exc:
                last = f"transfer broken after {done} bytes ({type(exc).__name__})"
            finally:
                response.close()
            if attempt + 1 < attempts:
                self.sleep(self._backoff(attempt))
        raise ArxivError(f"PDF download failed: {last}", url=url, attempts=attempts)
