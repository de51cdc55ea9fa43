"""The reading log's everyday operations: create a library, add items, status, rating, tags, notes."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from paperlab import db, notes
from paperlab.arxiv_ids import ArxivId, parse_arxiv_id
from paperlab.config import CONFIG_NAME, DEFAULT_CONFIG, Library, Settings
from paperlab.db import sqlite_utils
from paperlab.errors import InvalidInput, ItemNotFound, PaperlabError
from paperlab.fsutil import atomic_copy, atomic_write_text, remove_empty_dir, sha256_file
from paperlab.models import CONTENT_TYPES, STATUSES, Item


def init_library(home: Path) -> tuple[Library, bool]:
    """Create the library folders, settings and database; returns (library, created)."""
    home = home.expanduser().resolve()
    created = not (home / CONFIG_NAME).exists()
    try:
        home.mkdir(parents=True, exist_ok=True)
        for sub in ("papers", "index", "replications"):
            (home / sub).mkdir(exist_ok=True)
        if created:
            atomic_write_text(home / CONFIG_NAME, DEFAULT_CONFIG)
    except OSError as exc:
        raise PaperlabError(f"cannot write to {home}: {exc.strerror or exc}; pick a writable folder") from exc
    lib = Library(home=home, settings=Settings.load(home / CONFIG_NAME))
    db.connect(lib.db_path).close()
    return lib, created


def open_db(lib: Library) -> sqlite_utils.Database:
    return db.connect(lib.db_path)


def resolve_id(database: sqlite_utils.Database, ref: str) -> str:
    """Accept an item id, its folder name, or any arXiv form of it."""
    ref = ref.strip()
    if db.item_exists(database, ref):
        return ref
    candidates = []
    try:
        candidates.append(parse_arxiv_id(ref).id)
    except InvalidInput:
        pass
    if "_" in ref:
        candidates.append(ref.replace("_", "/", 1))
    for candidate in candidates:
        if db.item_exists(database, candidate):
            return candidate
    raise ItemNotFound(f"no item '{ref}' in the library; `paperlab log` lists what is there")


def slugify(text: str, max_len: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > max_len:  # cut at a word boundary
        slug = slug[: max_len + 1].rsplit("-", 1)[0] if "-" in slug[:max_len] else slug[:max_len]
    return slug.rstrip("-") or "item"


def unique_slug(database: sqlite_utils.Database, base: str) -> str:
    slug, n = base, 2
    while db.item_exists(database, slug):
        slug = f"{base}-{n}"
        n += 1
    return slug


def add_link(
    lib: Library, database: sqlite_utils.Database, title: str, type_: str, link: str = "",
    status: str = "to-read", tags: list[str] | None = None,
) -> Item:
    if type_ not in CONTENT_TYPES:
        raise InvalidInput(f"unknown type '{type_}'; choose one of: {', '.join(CONTENT_TYPES)}")
    if not title.strip():
        raise InvalidInput("a title is needed: pass --title 'The title'")
    check_status(status)
    item = Item(
        id=unique_slug(database, slugify(title)), title=title.strip(), type=type_, link=link,
        status=status, tags=sorted(set(tags or [])), added_at=db.now(), text_status="none",
    )
    _stamp_status_dates(item, status)
    with db.transaction(database):
        db.insert_item(database, item)
        db.add_log(database, item.id, "added", f"{type_}: {item.title}")
    return item


def add_pdf(
    lib: Library, database: sqlite_utils.Database, pdf: Path, title: str | None = None,
    item: Item | None = None, arxiv_id: ArxivId | None = None,
) -> Item:
    """Copy a local PDF into `papers/<slug>/paper.pdf` and record it; `item` carries known metadata."""
    from paperlab.pdf import validate_pdf

    if not pdf.is_file():
        raise InvalidInput(f"{pdf} does not exist or is not a file")
    info = validate_pdf(pdf)
    if item is None and arxiv_id is not None:
        item = Item(id=arxiv_id.id, title=title or info.title or pdf.stem, arxiv_id=arxiv_id.id,
                    version=arxiv_id.version, link=f"https://arxiv.org/abs/{arxiv_id.id}")
    if item is None:
        name = title or info.title or pdf.stem
        item = Item(id=unique_slug(database, slugify(name)), title=name, type="paper",
                    link=pdf.resolve().as_uri())
    elif db.item_exists(database, item.id):
        raise InvalidInput(f"'{item.id}' is already in the library; see `paperlab show {item.id}`")
    item.added_at = item.added_at or db.now()
    dest = lib.item_dir(item.id) / "paper.pdf"
    item.pdf_path = str(dest.relative_to(lib.home))
    item.pdf_sha256 = sha256_file(pdf)
    try:
        atomic_copy(pdf, dest)
    except OSError as exc:
        raise PaperlabError(f"cannot write {dest}: {exc.strerror or exc}") from exc
    try:
        with db.transaction(database):
            db.insert_item(database, item)
            db.add_log(database, item.id, "added", f"pdf: {pdf.name}")
    except BaseException:
        dest.unlink(missing_ok=True)
        remove_empty_dir(dest.parent)
        raise
    return item


def check_status(status: str) -> None:
    if status not in STATUSES:
        raise InvalidInput(f"unknown status '{status}'; choose one of: {', '.join(STATUSES)}")


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


def set_status(database: sqlite_utils.Database, ref: str, status: str) -> Item:
    check_status(status)
    item = db.get_item(database, resolve_id(database, ref))
    old = item.status
    changes: dict[str, object] = {"status": status, **_stamp_status_dates(item, status)}
    with db.transaction(database):
        db.update_item(database, item.id, **changes)
        db.add_log(database, item.id, "status", f"{old} -> {status}")
    item.status = status
    return item


def rate(database: sqlite_utils.Database, ref: str, rating: int) -> Item:
    if not 1 <= rating <= 10:
        raise InvalidInput(f"rating must be between 1 and 10, got {rating}")
    item = db.get_item(database, resolve_id(database, ref))
    with db.transaction(database):
        db.update_item(database, item.id, rating=rating)
        db.add_log(database, item.id, "rated", str(rating))
    item.rating = rating
    return item


_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,39}$")


def tag(database: sqlite_utils.Database, ref: str, changes: list[str]) -> Item:
    """Apply `+tag` / `-tag` changes (a bare `tag` means add)."""
    if not changes:
        raise InvalidInput("give tags to change, e.g. `paperlab tag ID +rl -old`")
    item = db.get_item(database, resolve_id(database, ref))
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
    with db.transaction(database):
        db.update_item(database, item.id, tags=item.tags)
        db.add_log(database, item.id, "tagged", " ".join(changes))
    return item


@dataclass
class NoteResult:
    path: Path
    changed: bool


def notes_path(lib: Library, item_id: str) -> Path:
    return lib.item_dir(item_id) / "notes.md"


def write_note(
    lib: Library, database: sqlite_utils.Database, ref: str, message: str | None = None,
    summary: str | None = None, learned: list[str] | None = None, editor: bool = False,
) -> NoteResult:
    item = db.get_item(database, resolve_id(database, ref))
    path = notes_path(lib, item.id)
    before = sha256_file(path) if path.exists() else None
    try:
        if summary:
            notes.add_summary(path, item.title, summary)
        for learning in learned or []:
            notes.add_learning(path, item.title, learning)
        if message:
            notes.add_entry(path, item.title, message)
        if editor:
            notes.ensure(path, item.title)
            open_editor(path)
    except OSError as exc:
        raise PaperlabError(f"cannot write {path}: {exc.strerror or exc}") from exc
    after = sha256_file(path) if path.exists() else None
    changed = after != before
    if changed:
        kinds = [k for k, v in (("summary", summary), ("learned", learned), ("note", message)) if v]
        db.add_log(database, item.id, "note", ", ".join(kinds) or "edited")
    return NoteResult(path, changed)


def open_editor(path: Path) -> None:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise InvalidInput(f"set $EDITOR to edit notes, or edit {path} directly, or use -m 'text'")
    import shlex

    try:
        result = subprocess.run([*shlex.split(editor), str(path)], check=False)
    except FileNotFoundError as exc:
        raise InvalidInput(f"editor '{editor}' was not found; check $EDITOR") from exc
    if result.returncode != 0:
        raise PaperlabError(f"editor '{editor}' exited with status {result.returncode}")
