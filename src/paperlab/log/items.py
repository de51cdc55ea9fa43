"""Items in the reading log: add (a link, a local PDF, an arXiv-stamped PDF), status, rating, tags,
listing and showing one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from paperlab.arxiv.ids import ArxivId
from paperlab.errors import InvalidInput, PaperlabError
from paperlab.fsutil import sha256_file
from paperlab.library import Library
from paperlab.log import notes
from paperlab.log.dates import stamp
from paperlab.models import (
    Item,
    arxiv_abs_url,
    check_rating,
    check_status,
    check_tag,
    check_type,
)
from paperlab.store import items as store
from paperlab.store.replications import get_replication
from paperlab.store.schema import transaction


def slugify(text: str, max_len: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > max_len:  # cut at a word boundary
        slug = slug[: max_len + 1].rsplit("-", 1)[0] if "-" in slug[:max_len] else slug[:max_len]
    return slug.rstrip("-") or "item"


def unique_slug(lib: Library, base: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A new item id: free in the database, in `taken` (a batch's own), and with no folder of that
    name in `papers/`."""
    slug, n = base, 2
    while slug in taken or store.item_exists(lib.db, slug) or lib.item_dir(slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


# --- adding ----------------------------------------------------------------------------------------


@dataclass
class Reading:
    """What the reader says about an item as it is added: its status, tags, rating and the day."""

    status: str = "to-read"
    tags: list[str] = field(default_factory=list)
    rating: int | None = None
    day: date | None = None

    def check(self) -> None:
        check_status(self.status)
        check_rating(self.rating)
        for name in self.tags:
            check_tag(name)

    def apply(self, item: Item) -> None:
        item.status, item.rating = self.status, self.rating
        item.tags = sorted(set(self.tags))
        item.added_at = stamp(self.day)
        _stamp_status_dates(item, self.status, self.day)

    def log(self, lib: Library, item: Item, detail: str) -> None:
        at = stamp(self.day)
        store.add_log(lib.db, item.id, "added", detail, at=at)
        if self.status != "to-read":
            store.add_log(lib.db, item.id, "status", f"to-read -> {self.status}", at=at)
        if self.rating:
            store.add_log(lib.db, item.id, "rated", str(self.rating), at=at)


def is_url(target: str) -> bool:
    return bool(re.match(r"^https?://\S+$", target.strip(), re.IGNORECASE))


def add(
    lib: Library, target: str, title: str | None = None, type_: str = "paper",
    reading: Reading | None = None, lookup: bool | None = None, force: bool = False,
) -> Item:
    """Add a local PDF, a PDF at a URL or a link (not indexed: usecases.add indexes). A PDF
    stamped with an arXiv id keeps that id, with its metadata looked up on arXiv when `lookup` is
    true; None asks `lib.ui.confirm` (no one to ask: not looked up). The same file or paper twice
    is refused unless `force`."""
    reading = reading or Reading()
    reading.check()
    check_type(type_)
    with lib.writing("add"):
        return _add(lib, target, title, type_, reading, lookup, force)


def _add(
    lib: Library, target: str, title: str | None, type_: str, reading: Reading, lookup: bool | None,
    force: bool,
) -> Item:
    path = Path(target).expanduser()
    if is_url(target) and type_ == "paper" and (not title or _url_is_pdf(target)):
        from paperlab.arxiv.client import ArxivClient
        from paperlab.arxiv.fetch import download_pdf

        tmp, _ = download_pdf(lib, ArxivClient(lib.settings), target.strip(),
                              f"{target.strip()} did not give a usable PDF (to log a web page, pass --title "
                              "and --type)")
        try:
            return add_file(lib, tmp, target.strip(), title, reading, lookup, force)
        finally:
            tmp.unlink(missing_ok=True)
    if not is_url(target) and (path.suffix.lower() == ".pdf" or path.exists()):
        if not path.is_file():
            raise InvalidInput(f"{path} does not exist or is not a file")
        return add_file(lib, path, "", title, reading, lookup, force)
    if "://" not in target and not title:
        raise InvalidInput(f"{target} is not a file; to add a link pass a URL with --title")
    return add_link(lib, title=title or target, type_=type_, link=target, reading=reading, force=force)


def _url_is_pdf(url: str) -> bool:
    from urllib.parse import urlparse

    return urlparse(url).path.lower().endswith(".pdf")


def _refuse_same(lib: Library, **parts: str | None) -> None:
    """Refuse an item the library already holds (log/identity.py says what "the same" is)."""
    from paperlab.log.identity import KEY_NAMES, same_item

    found = same_item(lib, **parts)
    if found is not None:
        existing, key = found
        what = f"arXiv paper {parts['arxiv_id']}" if key == "arxiv" else KEY_NAMES[key]
        raise InvalidInput(f"{what} is already in the library as '{existing.id}' ({existing.title}); "
                           "pass --force to add it anyway")


def add_file(
    lib: Library, path: Path, link: str = "", title: str | None = None, reading: Reading | None = None,
    lookup: bool | None = False, force: bool = False,
) -> Item:
    """Record the PDF at `path` (not indexed yet): its title and authors from the PDF, its arXiv
    stamp as its id, refused when the library already holds it."""
    from paperlab.arxiv.fetch import lookup_item, stamped_arxiv_id
    from paperlab.retrieval.frontmatter import read_front_matter
    from paperlab.retrieval.pdf import validate_pdf

    reading = reading or Reading()
    link = link or path.resolve().as_uri()
    validate_pdf(path)
    sha = sha256_file(path)
    stamped = stamped_arxiv_id(path)
    if not force:
        _refuse_same(lib, sha=sha, arxiv_id=stamped.id if stamped else None)
    elif stamped and store.item_by_arxiv_id(lib.db, stamped.id):
        stamped = None  # a second copy of that paper, kept as a plain PDF
    if stamped and lookup is None:
        lookup = bool(lib.ui.confirm(f"{path.name} looks like arXiv paper {stamped}. Look up its "
                                     "metadata on arXiv?"))
    if stamped and lookup:
        item = lookup_item(lib, stamped)
    else:
        front = read_front_matter(path)
        name = title or front.title or _file_stem(link) or stamped_name(stamped)
        if stamped:  # keyed by its arXiv id, so `fetch --update` can fill in the metadata
            item = Item(id=stamped.id, title=name, arxiv_id=stamped.id, version=stamped.version,
                        link=arxiv_abs_url(stamped.id), authors=front.authors)
        else:
            item = Item(id=unique_slug(lib, slugify(name)), title=name, link=link, authors=front.authors)
    if title:
        item.title = title
    reading.apply(item)
    return _store_pdf(lib, path, item, sha, reading)


def _file_stem(link: str) -> str:
    from urllib.parse import unquote, urlparse

    return Path(unquote(urlparse(link).path)).stem


def stamped_name(stamped: ArxivId | None) -> str:
    return f"arXiv {stamped.id}" if stamped else "Untitled PDF"


def add_link(
    lib: Library, title: str, type_: str, link: str = "", reading: Reading | None = None,
    force: bool = False,
) -> Item:
    reading = reading or Reading()
    reading.check()
    check_type(type_)
    if not title.strip():
        raise InvalidInput("a title is needed: pass --title 'The title'")
    if not force:
        _refuse_same(lib, link=link, title=title)
    item = Item(id=unique_slug(lib, slugify(title)), title=title.strip(), type=type_, link=link,
                text_status="none")
    reading.apply(item)
    with transaction(lib.db):
        store.insert_item(lib.db, item)
        reading.log(lib, item, f"{type_}: {item.title}")
    return item


def _store_pdf(lib: Library, pdf: Path, item: Item, sha256: str, reading: Reading) -> Item:
    """Copy a PDF into `papers/<id>/paper.pdf` and record `item` for it, or neither."""
    if store.item_exists(lib.db, item.id):
        raise InvalidInput(f"'{item.id}' is already in the library; see `paperlab show {item.id}`")
    dest = lib.pdf_path(item.id)
    if dest.exists():
        raise PaperlabError(f"{lib.relative(dest)} exists but no item owns it; move it away "
                            "(or run `paperlab doctor`) and add again")
    item.pdf_path = lib.relative(dest)
    item.pdf_sha256 = sha256
    with lib.files_and_rows() as files:
        files.copy(pdf, dest)
        store.insert_item(lib.db, item)
        reading.log(lib, item, f"pdf: {pdf.name}")
    return item


# --- changing ------------------------------------------------------------------------------------


def _stamp_status_dates(item: Item, status: str, day: date | None = None) -> dict[str, str]:
    """The start and finish dates a status sets: today's unless `day` says when (then it replaces
    the date the status had, so a backdated `status read --date` corrects the log)."""
    when = (day or date.today()).isoformat()
    changes: dict[str, str] = {}
    if status == "reading" and (day or not item.started_at):
        changes["started_at"] = when
    if status == "read":
        if day or not item.finished_at:
            changes["finished_at"] = when
        if not item.started_at or item.started_at > when:
            changes["started_at"] = when
    for k, v in changes.items():
        setattr(item, k, v)
    return changes


def set_status(lib: Library, ref: str, status: str, day: date | None = None) -> Item:
    check_status(status)
    with lib.writing("status"):
        item = store.get_item(lib.db, lib.resolve_id(ref))
        old = item.status
        changes: dict[str, object] = {"status": status, **_stamp_status_dates(item, status, day)}
        with transaction(lib.db):
            store.update_item(lib.db, item.id, **changes)
            store.add_log(lib.db, item.id, "status", f"{old} -> {status}", at=stamp(day), from_status=old,
                          to_status=status)
    item.status = status
    return item


def rate(lib: Library, ref: str, rating: int, day: date | None = None) -> Item:
    check_rating(rating)
    with lib.writing("rate"):
        item = store.get_item(lib.db, lib.resolve_id(ref))
        with transaction(lib.db):
            store.update_item(lib.db, item.id, rating=rating)
            store.add_log(lib.db, item.id, "rated", str(rating), at=stamp(day))
    item.rating = rating
    return item


def tag(lib: Library, ref: str, changes: list[str]) -> Item:
    """Apply `+tag` / `-tag` changes (a bare `tag` means add)."""
    if not changes:
        raise InvalidInput("give tags to change, e.g. `paperlab tag ID +rl -old`")
    parsed = [(change[0], change[1:]) if change[:1] in "+-" else ("+", change) for change in changes]
    for _, name in parsed:
        check_tag(name)
    with lib.writing("tag"):  # read, change and write under the lock: two `tag`s never lose one's change
        item = store.get_item(lib.db, lib.resolve_id(ref))
        tags = set(item.tags)
        for op, name in parsed:
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
    since: date | None = None, until: date | None = None,
) -> list[Item]:
    """Items in the order of the log's Date, filtered on it by `since`/`until` (both included)."""
    if status:
        check_status(status)
    if type_:
        check_type(type_)
    if since and until and since > until:
        raise InvalidInput(f"--since {since} is after --until {until}")
    return store.list_items(lib.db, status=status, type_=type_, tag=tag,
                            since=since.isoformat() if since else None,
                            until=until.isoformat() if until else None)


def item_date(item: Item) -> str:
    """The log's Date: when the item was finished, else started, else added."""
    return (item.finished_at or item.started_at or item.added_at)[:10]


@dataclass
class ItemView:
    """One item with what the user wrote about it and where its replication stands."""

    item: Item
    notes_path: Path
    notes: notes.ParsedNotes
    replication: str | None

    def record(self) -> dict[str, Any]:
        """The item as `show --json` and `export json` print it: its notes whole (`notes`, the file
        as written) and in parts (summary, key learnings, dated notes)."""
        return {**self.item.to_dict(), "summary": self.notes.summary, "key_learnings": self.notes.learnings,
                "dated_notes": [{"date": day, "text": text} for day, text in self.notes.dated()],
                "notes": self.notes.text, "replication": self.replication}


def view(lib: Library, item: Item) -> ItemView:
    path = lib.notes_path(item.id)
    found = get_replication(lib.db, item.id)
    return ItemView(item, path, notes.parse(path), found.status if found else None)


def show(lib: Library, ref: str) -> ItemView:
    return view(lib, store.get_item(lib.db, lib.resolve_id(ref)))
