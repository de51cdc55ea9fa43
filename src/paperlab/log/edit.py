"""Changing what the log knows about an item (`edit`, including a new id) and removing it (`rm`)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from paperlab.errors import InvalidInput, StorageError
from paperlab.fsutil import failpoint
from paperlab.library import Library, folder_name
from paperlab.models import Item, check_type
from paperlab.store import items as store
from paperlab.store.schema import transaction

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


@dataclass
class Changes:
    """What `edit` sets; None leaves a field as it is."""

    title: str | None = None
    authors: list[str] | None = None
    year: int | None = None
    link: str | None = None
    type: str | None = None
    venue: str | None = None

    def fields(self, item: Item) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.title is not None:
            if not self.title.strip():
                raise InvalidInput("--title cannot be empty")
            out["title"] = " ".join(self.title.split())
        if self.authors is not None:
            out["authors"] = self.authors
        if self.year is not None:
            if not 1000 <= self.year <= date.today().year + 1:
                raise InvalidInput(f"--year must be a year like 2017, got {self.year}")
            keep = item.published if item.published[:4] == str(self.year) else ""
            out["published"] = keep or str(self.year)
        if self.link is not None:
            out["link"] = self.link.strip()
        if self.type is not None:
            check_type(self.type)
            out["type"] = self.type
        if self.venue is not None:
            out["venue"] = " ".join(self.venue.split())
        return {k: v for k, v in out.items() if getattr(item, k) != v}


def split_authors(text: str) -> list[str]:
    """`Ada Lovelace, Alan Turing`, `Lovelace, Ada and Turing, Alan` or `A; B` as a list of names."""
    if " and " in text or ";" in text:
        parts = re.split(r"\s+and\s+|;", text)
        return [" ".join(reversed([x.strip() for x in p.split(",", 1)])) if "," in p else p.strip()
                for p in parts if p.strip()]
    return [p.strip() for p in text.split(",") if p.strip()]


def edit(lib: Library, ref: str, changes: Changes, new_id: str | None = None) -> tuple[Item, list[str]]:
    """Apply `changes` (and a new id) to an item; returns it and the names of what changed."""
    item = store.get_item(lib.db, lib.resolve_id(ref))
    values = changes.fields(item)
    changed = sorted(values)
    if new_id is not None and new_id != item.id:
        rename(lib, item.id, new_id)
        item = store.get_item(lib.db, new_id)
        changed.append("id")
    if not changed:
        raise InvalidInput("nothing to change: pass --title, --authors, --year, --link, --type, --venue or --id")
    if values:
        with lib.writing("edit"), transaction(lib.db):
            store.update_item(lib.db, item.id, **values)
            store.add_log(lib.db, item.id, "edited", ", ".join(sorted(values)))
    return store.get_item(lib.db, item.id), changed


def rename(lib: Library, old: str, new: str) -> None:
    """A new id for an item: its folders (`papers/`, `replications/`) and every row, or nothing."""
    if not _ID.match(new):
        raise InvalidInput(f"'{new}' cannot be an id: use letters, digits and . _ - (at most 80)")
    if store.item_exists(lib.db, new):
        raise InvalidInput(f"'{new}' is already in the library")
    moves = [(lib.item_dir(old), lib.item_dir(new)), (lib.replication_dir(old), lib.replication_dir(new))]
    for _src, dest in moves:
        if dest.exists():
            raise InvalidInput(f"{lib.relative(dest)} already exists; move it away first")
    with lib.writing("edit"):
        _rename(lib, old, new, moves)


def _rename(lib: Library, old: str, new: str, moves: list[tuple[Path, Path]]) -> None:
    with lib.files_and_rows() as files:
        for src, dest in moves:
            if src.exists():
                files.move(src, dest)
        store.rename_item(lib.db, old, new, folder_name(old), folder_name(new))
        store.add_log(lib.db, new, "edited", f"id {old} -> {new}")


@dataclass
class Removed:
    item: Item
    trash: Path | None  # where the notes (and any other file of the user's) went
    replication: Path | None  # a replication project, kept: it is the user's code


def remove(lib: Library, ref: str) -> Removed:
    """Remove an item's rows, chunks, vectors and PDF. The folder's other files (the user's
    notes.md) go to `papers/.trash/`, never deleted; a replication project stays where it is.
    The rows go first: an interruption after that leaves a folder no item owns, never an item
    without its files."""
    with lib.writing("rm"):
        return _remove(lib, store.get_item(lib.db, lib.resolve_id(ref)))


def _remove(lib: Library, item: Item) -> Removed:
    folder = lib.item_dir(item.id)
    store.delete_item(lib.db, item.id)
    failpoint("rm:rows-deleted")
    trash: Path | None = None
    try:
        pdf = folder / "paper.pdf"
        pdf.unlink(missing_ok=True)
        if folder.is_dir() and any(folder.iterdir()):
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            trash = lib.papers_dir / ".trash" / f"{folder.name}-{stamp}"
            trash.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(folder), trash)
        elif folder.is_dir():
            folder.rmdir()
    except OSError as exc:
        raise StorageError(f"{item.id} was removed from the log, but {lib.relative(folder)} could not "
                            f"be cleared ({exc.strerror or exc}); remove it by hand") from exc
    from paperlab.retrieval.ingest import forget_removed

    forget_removed(lib)
    replication = lib.replication_dir(item.id)
    return Removed(item, trash, replication if replication.exists() else None)
