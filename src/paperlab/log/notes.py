"""The user's notes: `papers/<id>/notes.md`, plain Markdown they own and may edit by hand.

paperlab only ever appends to this file (a dated entry, a summary paragraph, a key-learning bullet);
it never rewrites what the user wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from paperlab.errors import Conflict, StorageError
from paperlab.fsutil import atomic_write_text, sha256_file
from paperlab.models import NoteResult

if TYPE_CHECKING:
    from paperlab.library import Library

UNDATED = "undated"
SUMMARY = "Summary"
LEARNINGS = "Key learnings"
NOTES = "Notes"


@dataclass
class ParsedNotes:
    summary: str = ""
    learnings: list[str] = field(default_factory=list)  # top-level bullets, their nested lines kept
    entries: str = ""
    text: str = ""
    other: list[tuple[str, str]] = field(default_factory=list)  # sections of the user's own: (name, body)

    def dated(self) -> list[tuple[str, str]]:
        """The dated entries (`### 2020-06-20` then text) as (day, text), in the file's order."""
        out: list[tuple[str, str]] = []
        for part in re.split(r"^###[ \t]+", self.entries, flags=re.MULTILINE)[1:]:
            head, _, body = part.partition("\n")
            out.append((head.strip(), body.strip()))
        return out

    def all_entries(self) -> list[tuple[str, str]]:
        """Every note the file holds besides its summary and learnings, as (day, text): text written
        by hand under Notes before any dated entry, and sections of the user's own, are `undated`."""
        loose = re.split(r"^###[ \t]+", self.entries, flags=re.MULTILINE)[0].strip()
        return ([(UNDATED, loose)] if loose else []) + \
            [(UNDATED, f"{name}: {body}") for name, body in self.other if body] + self.dated()


def template(title: str) -> str:
    return f"# {title}\n\n## {SUMMARY}\n\n## {LEARNINGS}\n\n## {NOTES}\n"


def ensure(path: Path, title: str) -> None:
    if not path.exists():
        atomic_write_text(path, template(title))


_HEADING = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)


def _sections(text: str) -> list[tuple[str, int, int]]:
    """(name, start of body, end of body) for each `## ` section."""
    marks = list(_HEADING.finditer(text))
    out = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        out.append((m.group(1).strip(), m.end(), end))
    return out


def append_to_section(text: str, section: str, addition: str) -> str:
    """Insert `addition` at the end of `## section`, creating the section if it is missing."""
    for name, _start, end in _sections(text):
        if name.lower() == section.lower():
            head, tail = text[:end].rstrip("\n"), text[end:]
            return f"{head}\n\n{addition.rstrip()}\n" + (f"\n{tail}" if tail else "")
    return f"{text.rstrip()}\n\n## {section}\n\n{addition.rstrip()}\n"


def add_entry(path: Path, title: str, message: str, day: date | None = None) -> None:
    ensure(path, title)
    stamp = (day or date.today()).isoformat()
    text = path.read_text(encoding="utf-8")
    atomic_write_text(path, append_to_section(text, NOTES, f"### {stamp}\n\n{message.strip()}"))


def add_summary(path: Path, title: str, summary: str) -> None:
    ensure(path, title)
    text = path.read_text(encoding="utf-8")
    atomic_write_text(path, append_to_section(text, SUMMARY, summary.strip()))


def add_learning(path: Path, title: str, learning: str) -> None:
    ensure(path, title)
    text = path.read_text(encoding="utf-8")
    atomic_write_text(path, append_to_section(text, LEARNINGS, f"- {learning.strip()}"))


def parse(path: Path) -> ParsedNotes:
    if not path.exists():
        return ParsedNotes()
    return parse_text(path.read_text(encoding="utf-8", errors="replace"))


def parse_text(text: str) -> ParsedNotes:
    parsed = ParsedNotes(text=text)
    for name, start, end in _sections(text):
        body = text[start:end].strip()
        if name.lower() == SUMMARY.lower():
            parsed.summary = body
        elif name.lower() == LEARNINGS.lower():
            parsed.learnings = bullets(body)
        elif name.lower() == NOTES.lower():
            parsed.entries = body
        else:
            parsed.other.append((name, body))
    return parsed


def bullets(body: str) -> list[str]:
    """The top-level bullets of a Markdown list, each with the lines nested under it (dedented to
    the bullet's text), so nesting survives a round trip."""
    lines = body.splitlines()
    marks = [len(ln) - len(ln.lstrip()) for ln in lines if re.match(r"^\s*[-*+]\s+\S", ln)]
    if not marks:
        return []
    top = min(marks)
    items: list[list[str]] = []
    for line in lines:
        if len(line) - len(line.lstrip()) == top and re.match(r"^\s*[-*+]\s+\S", line):
            items.append([line.strip()[1:].strip()])
        elif items:
            items[-1].append(line[top + 2:] if line[:top + 2].strip() == "" else line.strip())
    return ["\n".join(i).strip() for i in items if "\n".join(i).strip()]



def write_note(
    lib: Library, ref: str, message: str | None = None, summary: str | None = None,
    learned: list[str] | None = None, editor: bool = False, day: date | None = None,
) -> NoteResult:
    """Append to an item's notes (or let the person edit them: `lib.ui.edit`) and log it; the
    result says whether the file changed (usecases.note indexes it again). The appends hold the
    writer lock; an editor session does not (it may stay open for hours)."""
    from paperlab.log.dates import stamp
    from paperlab.store.items import add_log, get_item

    item = get_item(lib.db, lib.resolve_id(ref))
    path = lib.notes_path(item.id)
    before = sha256_file(path) if path.exists() else None
    try:
        if editor:
            ensure(path, item.title)
            lib.ui.edit(path)
        with lib.writing("note"):
            if summary:
                add_summary(path, item.title, summary)
            for learning in learned or []:
                add_learning(path, item.title, learning)
            if message:
                add_entry(path, item.title, message, day)
            changed = (sha256_file(path) if path.exists() else None) != before
            result = NoteResult(path, changed, item_id=item.id)
            if changed:
                kinds = [k for k, v in (("summary", summary), ("learned", learned), ("note", message)) if v]
                add_log(lib.db, item.id, "note", ", ".join(kinds) or "edited", at=stamp(day))
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return result


def version(path: Path) -> str:
    """What an editor saw: the file's sha256, or "" when there was no file."""
    return sha256_file(path) if path.exists() else ""


def replace_notes(lib: Library, ref: str, text: str, seen: str) -> NoteResult:
    """Write the whole notes file as edited in a form (the web app's editor), unless it changed since
    the editor read it (`seen`, its `version` then): a hand edit in between is never overwritten."""
    from paperlab.log.dates import stamp
    from paperlab.store.items import add_log, get_item

    item = get_item(lib.db, lib.resolve_id(ref))
    path = lib.notes_path(item.id)
    text = text.replace("\r\n", "\n")
    if text and not text.endswith("\n"):
        text += "\n"
    try:
        with lib.writing("note"):
            if version(path) != seen:
                raise Conflict(f"{lib.relative(path)} changed since this page read it (edited elsewhere?); "
                                    "nothing was overwritten: reload it and edit again")
            changed = (path.read_text(encoding="utf-8") if path.exists() else None) != text
            if changed:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_text(path, text)
                add_log(lib.db, item.id, "note", "edited", at=stamp(None))
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return NoteResult(path, changed, item_id=item.id)
