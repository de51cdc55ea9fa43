"""What a command does when it takes more than one part of the core: add, fetch, import or write a
note, then index what changed. The core functions each do one job (log/items.add records an item,
arxiv/fetch.fetch downloads, ...); this layer composes them, so the CLI and the web app run the
same steps. An indexing failure never undoes what was added: it is reported with the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from paperlab.library import Library
from paperlab.models import FetchOutcome, IndexReport, Item, NoteResult

if TYPE_CHECKING:  # each use case imports what it runs: `paperlab note` never loads the fetcher
    from paperlab.log.imports import ImportReport
    from paperlab.log.items import Reading


@dataclass
class Added:
    item: Item
    index: IndexReport | None = None  # set when a PDF was added and indexed


def add(
    lib: Library, target: str, title: str | None = None, type_: str = "paper",
    reading: Reading | None = None, lookup: bool | None = None, force: bool = False,
) -> Added:
    """`paperlab add`: record the item, then index its PDF (a link has nothing to index)."""
    from paperlab.log import items
    from paperlab.retrieval.ingest import index_new_items

    with lib.writing("add"):
        item = items.add(lib, target, title=title, type_=type_, reading=reading, lookup=lookup, force=force)
        return Added(item, index_new_items(lib, [item.id]) if item.pdf_path else None)


def fetch(
    lib: Library, refs: list[str], update: bool = False, with_pdf: bool = True, index: bool = True,
) -> tuple[list[FetchOutcome], IndexReport | None]:
    """`paperlab fetch`: the papers, then their new PDFs indexed (a failure there is each outcome's
    `index_error`). Returns the outcomes and the indexing report, if it ran."""
    from paperlab.arxiv import fetch as arxiv_fetch
    from paperlab.retrieval.ingest import index_new_items

    with lib.writing("fetch"):
        outcomes = arxiv_fetch.fetch(lib, refs, update=update, with_pdf=with_pdf)
        new_ids = [o.item_id for o in outcomes if o.status in ("fetched", "updated") and o.item_id]
        if not (index and with_pdf and new_ids):
            return outcomes, None
        report = index_new_items(lib, new_ids)
    for o in outcomes:
        o.index_error = report.errors.get(o.item_id or "")
    return outcomes, report


def import_file(
    lib: Library, kind: str, path: Path, status: str, dry_run: bool = False, strict: bool = False,
) -> ImportReport:
    """`paperlab import`: what is new in the file, then its PDFs and notes indexed."""
    from paperlab.log import imports
    from paperlab.retrieval.ingest import index_new_items

    report = imports.import_file(lib, kind, path, status, dry_run=dry_run, strict=strict)
    if ids := report.to_index():
        report.index = index_new_items(lib, ids)
    return report


def note(
    lib: Library, ref: str, message: str | None = None, summary: str | None = None,
    learned: list[str] | None = None, editor: bool = False, day: date | None = None,
) -> NoteResult:
    """`paperlab note`: write to the notes, then index them again when they changed."""
    from paperlab.log import notes
    from paperlab.retrieval.ingest import index_new_items

    result = notes.write_note(lib, ref, message=message, summary=summary, learned=learned, editor=editor, day=day)
    if result.changed:
        result.index_error = index_new_items(lib, [result.item_id]).errors.get(result.item_id)
    return result


def save_notes(lib: Library, ref: str, text: str, seen: str) -> NoteResult:
    """The web app's notes editor: the file replaced (unless edited since `seen`), then indexed."""
    from paperlab.log import notes
    from paperlab.retrieval.ingest import index_new_items

    result = notes.replace_notes(lib, ref, text, seen)
    if result.changed:
        result.index_error = index_new_items(lib, [result.item_id]).errors.get(result.item_id)
    return result


def feed_add(
    lib: Library, ref: str, tag: str | None = None, with_pdf: bool = True,
) -> tuple[FetchOutcome, IndexReport | None]:
    """`paperlab feed add`: fetch the paper (status to-read), tag it, and record that it came from
    the feed (the feed then counts it among the papers the user liked)."""
    from paperlab.arxiv.ids import parse_arxiv_id
    from paperlab.feed.recommend import record_added
    from paperlab.log import items

    arxiv_id = parse_arxiv_id(ref).id
    with lib.writing("feed add"):
        outcomes, report = fetch(lib, [arxiv_id], with_pdf=with_pdf)
        outcome = outcomes[0]
        if outcome.ok and outcome.item_id:
            if tag:
                items.tag(lib, outcome.item_id, [f"+{tag}"])
            record_added(lib, outcome.item_id)
    return outcome, report
