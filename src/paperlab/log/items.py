"""Items in the reading log: add (a link, a local PDF, an arXiv-stamped PDF), status, rating, tags,
listing and showing one."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from paperlab.arxiv.ids import ArxivId
from paperlab.errors import InvalidInput, PaperlabError
from paperlab.fsutil import atomic_copy, remove_empty_dir, sha256_file
from paperlab.library import Library
from paperlab.log import notes
from paperlab.models import CONTENT_TYPES, IndexReport, Item, StageProgress, check_status
from paperlab.store import items as store
from paperlab.store.replications import get_replication
from paperlab.store.schema import now, transaction


def slugify(text: str, max_len: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > max_len:  # cut at a word boundary
        slug = slug[: max_len + 1].rsplit("-", 1)[0] if "-" in slug[:max_len] else slug[:max_len]
    return slug.rstrip("-") or "item"


def unique_slug(lib: Library, base: str) -> str:
    slug, n = base, 2
    while store.item_exists(lib.db, slug):
        slug = f"{base}-{n}"
        n += 1
    return slug


# --- adding ----------------------------------------------------------------------------------------


@dataclass
class Added:
    item: Item
    index: IndexReport | None = None  # set when a PDF was added and indexed


def add(
    lib: Library, target: str, title: str | None = None, type_: str = "paper", status: str = "to-read",
    tags: list[str] | None = None, lookup: bool | None = None,
    confirm: Callable[[str], bool] | None = None, progress: StageProgress | None = None,
) -> Added:
    """Add a local PDF (then index it) or a link. A PDF stamped with an arXiv id keeps that id, with
    its metadata looked up on arXiv when `lookup` is true; None asks `confirm`."""
    path = Path(target).expanduser()
    if path.suffix.lower() == ".pdf" or path.exists():
        from paperlab.arxiv.fetch import lookup_item, stamped_arxiv_id
        from paperlab.retrieval.ingest import index_new_items

        stamped = stamped_arxiv_id(path) if path.is_file() else None
        if stamped and lookup is None:
            lookup = confirm is not None and confirm(
                f"{path.name} looks like arXiv paper {stamped}. Look up its metadata on arXiv?")
        if stamped and lookup:
            item = add_pdf(lib, path, item=lookup_item(lib, stamped))
        else:  # a stamped PDF is keyed by its arXiv id, so `fetch --update` can fill in the metadata
            item = add_pdf(lib, path, title=title, arxiv_id=stamped)
        return Added(item, index_new_items(lib, [item.id], progress))
    if "://" not in target and not title:
        raise InvalidInput(f"{target} is not a file; to add a link pass a URL with --title")
    return Added(add_link(lib, title=title or target, type_=type_, link=target, status=status, tags=tags))


def add_link(
    lib: Library, title: str, type_: str, link: str = "", status: str = "to-read",
    tags: list[str] | None = None,
) -> Item:
    if type_ not in CONTENT_TYPES:
        raise InvalidInput(f"unknown type '{type_}'; choose one of: {', '.join(CONTENT_TYPES)}")
    if not title.strip():
        raise InvalidInput("a title is needed: pass --title 'The title'")
    check_status(status)
    item = Item(
        id=unique_slug(lib, slugify(title)), title=title.strip(), type=type_, link=link,
        status=status, tags=sorted(set(tags or [])), added_at=now(), text_status="none",
    )
    _stamp_status_dates(item, status)
    with transaction(lib.db):
        store.insert_item(lib.db, item)
        store.add_log(lib.db, item.id, "added", f"{type_}: {item.title}")
    return item


def add_pdf(
    lib: Library, pdf: Path, title: str | None = None, item: Item | None = None,
    arxiv_id: ArxivId | None = None,
) -> Item:
    """Copy a local PDF into `papers/<slug>/paper.pdf` and record it; `item` carries known metadata."""
    from paperlab.retrieval.pdf import validate_pdf

    if not pdf.is_file():
        raise InvalidInput(f"{pdf} does not exist or is not a file")
    info = validate_pdf(pdf)
    if item is None and arxiv_id is not None:
        item = Item(id=arxiv_id.id, title=title or info.title or pdf.stem, arxiv_id=arxiv_id.id,
                    version=arxiv_id.version, link=f"https://arxiv.org/abs/{arxiv_id.id}")
    if item is None:
        name = title or info.title or pdf.stem
        item = Item(id=unique_slug(lib, slugify(name)), title=name, type="paper", link=pdf.resolve().as_uri())
    elif store.item_exists(lib.db, item.id):
        raise InvalidInput(f"'{item.id}' is already in the library; see `paperlab show {item.id}`")
    item.added_at = item.added_at or now()
    dest = lib.pdf_path(item.id)
    item.pdf_path = lib.relative(dest)
    item.pdf_sha256 = sha256_file(pdf)
    try:
        atomic_copy(pdf, dest)
    except OSError as exc:
        raise PaperlabError(f"cannot write {dest}: {exc.strerror or exc}") from exc
    try:
        with transaction(lib.db):
            store.insert_item(lib.db, item)
            store.add_log(lib.db, item.id, "added", f"pdf: {pdf.name}")
    except BaseException:
        dest.unlink(missing_ok=True)
        remove_empty_dir(dest.parent)
        raise
    return item


# --- changing ------------------------------------------------------------------------------------


def _stamp_status_dates(item: Item, status: str) -> dict[str, str]:
    today = date.today().isoformat()
    changes: dict[str, str] = {}
    if status in ("reading", "read") and not item.started_at:
        changes["started_at"] = today
    if status == "read" and not item.finished_at:
        changes["finished_at"] = today
    for k, v in changes.items():
        setattr(item, k, v)
    return changes


def set_status(lib: Library, ref: str, status: str) -> Item:
    check_status(status)
    item = store.get_item(lib.db, lib.resolve_id(ref))
    old = item.status
    changes: dict[str, object] = {"status": status, **_stamp_status_dates(item, status)}
    with transaction(lib.db):
        store.update_item(lib.db, item.id, **changes)
        store.add_log(lib.db, item.id, "status", f"{old} -> {status}")
    item.status = status
    return item


def rate(lib: Library, ref: str, rating: int) -> Item:
    if not 1 <= rating <= 10:
        raise InvalidInput(f"rating must be between 1 and 10, got {rating}")
    item = store.get_item(lib.db, lib.resolve_id(ref))
    with transaction(lib.db):
        store.update_item(lib.db, item.id, rating=rating)
        store.add_log(lib.db, item.id, "rated", str(rating))
    item.rating = rating
    return item


_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,39}$")


def tag(lib: Library, ref: str, changes: list[str]) -> Item:
    """Apply `+tag` / `-tag` changes (a bare `tag` means add)."""
    if not changes:
        raise InvalidInput("give tags to change, e.g. `paperlab tag ID +rl -old`")
    item = store.get_item(lib.db, lib.resolve_id(ref))
    tags = set(item.tags)
    for change in changes:
        op, name = (change[0], change[1:]) if change[:1] in "+-" else ("+", change)
        if not _TAG.match(name):
            raise InvalidInput(f"'{name}' is not a valid tag: letters, digits and _.:/- only")
        if op == "+":
            tags.add(name)
        else:
            tags.discard(name)
    item.tags = sorted(tags)
    with transaction(lib.db):
        store.update_item(lib.db, item.id, tags=item.tags)
        store.add_log(lib.db, item.id, "tagged", " ".join(changes))
    return item


# --- reading -------------------------------------------------------------------------------------


def list_items(
    lib: Library, status: str | None = None, type_: str | None = None, tag: str | None = None,
    since: date | None = None,
) -> list[Item]:
    if status:
        check_status(status)
    return store.list_items(lib.db, status=status, type_=type_, tag=tag,
                            since=since.isoformat() if since else None)


def item_date(item: Item) -> str:
    """The log's Date: when the item was finished, else started, else added."""
    return (item.finished_at or item.started_at or item.added_at)[:10]


def item_link(item: Item) -> str:
    return f"https://arxiv.org/abs/{item.arxiv_id}" if item.arxiv_id else item.link


@dataclass
class ItemView:
    """One item with what the user wrote about it and where its replication stands."""

    item: Item
    notes_path: Path
    notes: notes.ParsedNotes
    replication: str | None

    def record(self, with_notes_text: bool = True) -> dict[str, Any]:
        """The item as `show --json` and `export json` print it."""
        row = {**self.item.to_dict(), "summary": self.notes.summary, "key_learnings": self.notes.learnings}
        if with_notes_text:
            row["notes"] = self.notes.text
        row["replication"] = self.replication
        return row


def view(lib: Library, item: Item) -> ItemView:
    path = lib.notes_path(item.id)
    found = get_replication(lib.db, item.id)
    return ItemView(item, path, notes.parse(path), found["status"] if found else None)


def show(lib: Library, ref: str) -> ItemView:
    return view(lib, store.get_item(lib.db, lib.resolve_id(ref)))
