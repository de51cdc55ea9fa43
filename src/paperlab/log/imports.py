"""Bring an old log in: the learner's Markdown log (a table, then notes per item) and BibTeX as
Zotero (Better BibTeX), papis and arXiv write it. Parsing gives `Incoming` records; `apply` adds
what the library does not have yet, all in one transaction, or shows it with `dry_run`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from paperlab.errors import InvalidInput, StorageError
from paperlab.fsutil import failpoint, sha256_file
from paperlab.library import Library
from paperlab.log import notes
from paperlab.log.dates import parse_written, stamp
from paperlab.log.identity import Identity
from paperlab.log.incoming import UNDATED, Incoming
from paperlab.log.items import Reading, slugify, unique_slug
from paperlab.models import IndexReport, Item, arxiv_abs_url, check_status
from paperlab.store import items as store

FORMATS = ("markdown", "bibtex")


def import_file(
    lib: Library, kind: str, path: Path, status: str, dry_run: bool = False,
    strict: bool = False,
) -> ImportReport:
    """`paperlab import markdown|bibtex FILE`: parse it, then add what is new (see `apply`)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InvalidInput(f"{path} does not exist") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path} is not UTF-8 text; save it as UTF-8 and import again") from exc
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from exc
    if kind == "markdown":
        from paperlab.log.markdown_log import parse_markdown

        incoming = parse_markdown(text)
    else:
        from paperlab.log.bibtex import parse_bibtex

        incoming, unread = parse_bibtex(text, path.resolve().parent, strict)
        report = apply(lib, incoming, path.name, status, dry_run)
        report.unread = unread
        return report
    return apply(lib, incoming, path.name, status, dry_run)


@dataclass
class ImportReport:
    added: list[tuple[Incoming, Item]] = field(default_factory=list)
    skipped: list[tuple[Incoming, str]] = field(default_factory=list)  # with the existing item's id
    merged: list[tuple[str, str]] = field(default_factory=list)  # (existing id, its notes with the new ones)
    warnings: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # entries of the file that could not be imported, and why
    index: IndexReport | None = None
    dry_run: bool = False

    def to_index(self) -> list[str]:
        """The items with new text to index: a PDF or notes."""
        if self.dry_run:
            return []
        added = [item.id for inc, item in self.added if inc.pdf or inc.summary or inc.learnings or inc.entries]
        return added + [item_id for item_id, _ in self.merged]

    def summary(self, source: str) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        noted = sum(1 for inc, _ in self.added if inc.summary or inc.learnings or inc.entries)
        pdfs = sum(1 for inc, _ in self.added if inc.pdf)
        own = sum(1 for inc, _ in self.added if inc.from_notes)
        attached = sum(inc.attached for inc, _ in self.added)
        parts = [f"{verb} {len(self.added)} item(s) from {source}: {noted} with notes"]
        if pdfs:
            parts.append(f"{pdfs} with a PDF")
        if attached:
            parts.append(f"{attached} note(s) under another title attached to their item")
        if own:
            parts.append(f"{own} note(s) matching no row added as items")
        parts.append(f"{len(self.skipped)} already in the library")
        if self.merged:
            parts.append(f"new notes {'would be ' if self.dry_run else ''}added to {len(self.merged)} of those")
        if self.warnings:
            parts.append(f"{len(self.warnings)} warning(s)")
        if self.unread:
            parts.append(f"{len(self.unread)} entr{'y' if len(self.unread) == 1 else 'ies'} skipped "
                         f"({'; '.join(self.unread)})")
        return "; ".join(parts) + "."


def notes_text(title: str, inc: Incoming, text: str | None = None) -> str:
    """The item's notes.md with the incoming summary, learnings and dated notes: a new file, or
    `text` (the file the item has) with only what it does not hold yet."""
    text = text if text is not None else notes.template(title)
    have = notes.parse_text(text)
    if inc.summary and inc.summary not in text:
        text = notes.append_to_section(text, notes.SUMMARY, inc.summary)
    learnings = [x for x in inc.learnings if x not in have.learnings]  # compared as parsed: nesting too
    if learnings:
        bullets = "\n".join("- " + x.replace("\n", "\n  ") for x in learnings)
        text = notes.append_to_section(text, notes.LEARNINGS, bullets)
    for day, entry in inc.entries:
        if (day, entry.strip()) not in have.all_entries() and entry.strip() not in text:
            text = notes.append_to_section(text, notes.NOTES, f"### {day}\n\n{entry.strip()}")
    return text


def apply(
    lib: Library, incoming: list[Incoming], source: str, status: str, dry_run: bool = False,
) -> ImportReport:
    """Add the incoming items the library does not have yet, with their notes, log entries and
    PDFs, in one transaction (files written on the way are removed if it fails). Not indexed:
    usecases.import_file indexes `report.to_index()`."""
    check_status(status)
    report = ImportReport(dry_run=dry_run, warnings=[w for inc in incoming for w in inc.warnings])
    seen = Identity(store.list_items(lib.db))
    taken: set[str] = set()
    for inc in incoming:
        sha = sha256_file(inc.pdf) if inc.pdf else ""
        match = seen.find(title=inc.title, arxiv_id=inc.arxiv_id, link=inc.link, doi=inc.doi, sha=sha)
        existing = match[0] if match else None
        if existing:
            report.skipped.append((inc, existing))
            _merge_notes(lib, inc, existing, report)
            continue
        item = _item(lib, inc, status, taken, sha)
        seen.add(item.id, title=inc.title, arxiv_id=inc.arxiv_id, link=inc.link, doi=inc.doi, sha=sha)
        report.added.append((inc, item))
    if dry_run or not (report.added or report.merged):
        return report
    with lib.writing("import"):
        _write(lib, report, source)
    failpoint("import:written")
    return report


def _merge_notes(lib: Library, inc: Incoming, item_id: str, report: ImportReport) -> None:
    """Notes for an item the library already has are added to its notes.md, never dropped; what the
    file already says is not repeated (so importing the same log twice changes nothing)."""
    if not (inc.summary or inc.learnings or inc.entries) or item_id in (i for i, _ in report.merged):
        return
    earlier = next((first for first, item in report.added if item.id == item_id), None)
    if earlier is not None:  # the same item twice in one file: one item, both notes
        earlier.summary = "\n\n".join(p for p in (earlier.summary, inc.summary) if p and p not in earlier.summary)
        earlier.learnings += [x for x in inc.learnings if x not in earlier.learnings]
        earlier.entries += [e for e in inc.entries if e not in earlier.entries]
        return
    path = lib.notes_path(item_id)
    current = path.read_text(encoding="utf-8") if path.exists() else None
    title = store.get_item(lib.db, item_id).title
    merged = notes_text(title, inc, current)
    if merged != current and merged != notes.template(title):
        report.merged.append((item_id, merged))


def _item(lib: Library, inc: Incoming, status: str, taken: set[str], sha: str) -> Item:
    item_id = inc.arxiv_id or unique_slug(lib, slugify(inc.title), taken)
    taken.add(item_id)
    item = Item(id=item_id, title=inc.title, type=inc.type, status=status, rating=inc.rating,
                tags=sorted(set(inc.tags)), added_at=stamp(inc.day), authors=inc.authors,
                abstract=inc.abstract, arxiv_id=inc.arxiv_id, published=inc.published, doi=inc.doi,
                venue=inc.venue, text_status="pending" if inc.pdf else "none", bibtex=inc.bibtex,
                link=arxiv_abs_url(inc.arxiv_id) if inc.arxiv_id else inc.link)
    if inc.day and status in ("reading", "read"):
        item.started_at = inc.day.isoformat()
        item.finished_at = inc.day.isoformat() if status == "read" else None
    if inc.pdf:
        item.pdf_path, item.pdf_sha256 = lib.relative(lib.pdf_path(item_id)), sha
    return item


def _write(lib: Library, report: ImportReport, source: str) -> None:
    try:
        with lib.files_and_rows() as files:
            for item_id, text in report.merged:
                files.write_text(lib.notes_path(item_id), text)
                store.add_log(lib.db, item_id, "note", f"imported from {source}")
            for inc, item in report.added:
                store.insert_item(lib.db, item)
                Reading(item.status, item.tags, item.rating, inc.day).log(lib, item, f"imported from {source}")
                for day, _ in inc.entries:
                    if day != UNDATED:
                        store.add_log(lib.db, item.id, "note", "imported", at=stamp(parse_written(day)))
                if inc.pdf:
                    files.copy(inc.pdf, lib.pdf_path(item.id))
                if inc.summary or inc.learnings or inc.entries:
                    files.write_text(lib.notes_path(item.id), notes_text(item.title, inc))
    except StorageError as exc:
        raise StorageError(f"{exc}; nothing was imported") from exc
