"""The learner's Markdown log: a table `| Date | Title | Content Type | Link | Personal Rating |`, then
a notes list, one bullet per item with its title in bold and nested `Date:`, `Summary:`,
`Key Learnings:` and `Notes:` bullets (the format `export markdown` writes)."""

from __future__ import annotations

import re

from paperlab.errors import InvalidInput
from paperlab.log.dates import parse_written
from paperlab.log.incoming import UNDATED, Incoming, arxiv_id_in, normal_title

TYPE_ALIASES = {
    "paper": "paper", "papers": "paper", "research paper": "paper", "preprint": "paper",
    "book": "book", "books": "book", "textbook": "book", "book chapter": "book",
    "tutorial": "tutorial", "tutorials": "tutorial", "guide": "tutorial",
    "podcast": "podcast", "podcast episode": "podcast", "course": "course", "mooc": "course",
    "blog": "blog", "blog post": "blog", "blogpost": "blog", "post": "blog", "article": "blog",
    "video": "video", "videos": "video", "lecture": "video", "talk": "video", "youtube": "video",
}


def content_type(text: str, where: str) -> str:
    found = TYPE_ALIASES.get(" ".join(text.lower().split()))
    if found is None:
        raise InvalidInput(f"{where}: unknown content type '{text}'; use one of: "
                           f"{', '.join(sorted(set(TYPE_ALIASES.values())))}")
    return found


def _cells(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip())
    if cells and not cells[0].strip():
        cells = cells[1:]
    if cells and not cells[-1].strip():
        cells = cells[:-1]
    return [c.replace("\\|", "|").strip() for c in cells]


def _link(text: str) -> str:
    m = re.search(r"\[[^\]]*\]\(([^)\s]+)\)", text) or re.search(r"<([^>\s]+)>", text) \
        or re.search(r"(https?://\S+|file://\S+)", text)
    return m.group(1) if m else text.strip()


def _rating(text: str, where: str) -> int | None:
    text = text.strip()
    if not text or text in ("-", "—", "n/a", "N/A"):
        return None
    m = re.fullmatch(r"(\d{1,2})(?:\.0)?\s*(?:/\s*10)?", text)
    if not m or not 1 <= int(m.group(1)) <= 10:
        raise InvalidInput(f"{where}: rating '{text}' is not a number from 1 to 10")
    return int(m.group(1))


def _table(lines: list[str]) -> tuple[list[Incoming], int]:
    """The log's table rows, and the index of the first line after the table."""
    def heads_of(line: str) -> list[str]:
        return [h.lower() for h in _cells(line)] if line.lstrip().startswith("|") else []

    start = next((n for n, line in enumerate(lines) if {"title", "date"} <= set(heads_of(line))), None)
    if start is None:
        raise InvalidInput("no log table found: expected a Markdown table with at least Date and Title columns")
    heads = heads_of(lines[start])
    col = {name: heads.index(name) for name in heads}

    def pick(cells: list[str], *names: str) -> str:
        for name in names:
            if name in col and col[name] < len(cells):
                return cells[col[name]]
        return ""

    rows: list[Incoming] = []
    end = start + 1
    for end in range(start + 1, len(lines) + 1):
        if end == len(lines) or not lines[end].lstrip().startswith("|"):
            break
        cells = _cells(lines[end])
        if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
            continue
        where = f"line {end + 1}"
        title = pick(cells, "title")
        if not title:
            continue
        raw_date = pick(cells, "date")
        day = parse_written(raw_date) if raw_date else None
        if raw_date and day is None:
            raise InvalidInput(f"{where}: '{raw_date}' is not a date (write 2020-06-20, 6/20/2020 or Jun 20, 2020)")
        kind = pick(cells, "content type", "type")
        link = _link(pick(cells, "link", "url"))
        rows.append(Incoming(title=title, type=content_type(kind, where) if kind else "paper", link=link,
                             rating=_rating(pick(cells, "personal rating", "rating"), where), day=day,
                             arxiv_id=arxiv_id_in(link), origin=where))
    return rows, end


_FIELD = re.compile(r"^(date|summary|key\s*learnings?|learnings|takeaways|notes?)\s*:\s*(.*)$", re.IGNORECASE)
_NOTE_HEAD = re.compile(r"^[-*+]\s+\*\*(.+)\*\*\s*:?\s*(.*)$")


def _indent(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip())


def _bullet_text(line: str) -> tuple[bool, str]:
    text = line.strip()
    m = re.match(r"^[-*+]\s+(.*)$", text)
    return (True, m.group(1)) if m else (False, text)


def _notes(lines: list[str], first: int) -> list[Incoming]:
    """The notes list: `- **Title**` then nested `Date:`, `Summary:`, `Key Learnings:` bullets."""
    blocks: list[tuple[Incoming, list[str]]] = []
    for number, line in enumerate(lines[first:], start=first + 1):
        head = _NOTE_HEAD.match(line.strip()) if _indent(line) <= 1 else None
        if head:
            title = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", head.group(1)).replace("\\|", "|").strip()
            blocks.append((Incoming(title=title, origin=f"line {number}"), []))
            if head.group(2):
                blocks[-1][1].append("  - " + head.group(2))
        elif blocks and (line.strip() == "" or _indent(line) > 1):
            blocks[-1][1].append(line.rstrip())
        elif blocks and line.strip():
            blocks.append((Incoming(title=""), []))  # text outside any note ends the last one
    return [_fill(note, body) for note, body in blocks if note.title]


def _fill(note: Incoming, body: list[str]) -> Incoming:
    content = [ln for ln in body if ln.strip()]
    if not content:
        return note
    top = min(_indent(ln) for ln in content)
    groups: list[tuple[str, list[str]]] = []
    for line in body:
        if line.strip() and _indent(line) == top:
            groups.append((_bullet_text(line)[1], []))
        elif groups:
            groups[-1][1].append(line)
    for head, children in groups:
        m = _FIELD.match(head)
        key = m.group(1).lower().replace(" ", "") if m else ""
        value = m.group(2).strip() if m else head
        items = _child_items(children)
        if key == "date":
            note.day = parse_written(value)
            if note.day is None and value:
                note.warnings.append(f"{note.origin}: '{value}' is not a date")
        elif key == "summary":
            note.summary = "\n".join([value, *(ln.strip() for ln in children)]).strip()
        elif key in ("keylearnings", "keylearning", "learnings", "takeaways"):
            note.learnings += ([value] if value else []) + items
        elif key in ("notes", "note"):
            for entry in ([value] if value else []) + items:
                m2 = re.match(rf"^(\d{{4}}-\d{{2}}-\d{{2}}|{UNDATED}):\s*(.*)$", entry, re.DOTALL)
                note.entries.append((m2.group(1), m2.group(2)) if m2 else ("", entry))
        else:  # a bullet paperlab has no field for: kept as a note, never dropped
            note.entries.append(("", "\n".join([head, *items]).strip()))
    return note


def _dedent(lines: list[str]) -> list[str]:
    content = [ln for ln in lines if ln.strip()]
    cut = min((_indent(ln) for ln in content), default=0)
    return [ln.expandtabs(4)[cut:] if ln.strip() else "" for ln in lines]


def _child_items(lines: list[str]) -> list[str]:
    """Nested bullets as texts; a continuation line belongs to the bullet above it."""
    items: list[list[str]] = []
    lines = _dedent(lines)
    for line in lines:
        if line.strip() and _indent(line) == 0:
            is_bullet, text = _bullet_text(line)
            if is_bullet or not items:
                items.append([text])
                continue
        if items:
            items[-1].append(line[2:] if line.startswith("  ") else line.strip())
    return ["\n".join(i).strip() for i in items if "\n".join(i).strip()]


def parse_markdown(text: str) -> list[Incoming]:
    """The log's rows, each with its notes. A note whose title is not a row's is matched as a
    person would: a book's chapter goes under the book as a dated entry; a shortened or extended
    title ("... Tutorial", "... Podcast", a subtitle left out) joins the row whose title words it
    shares, the date and content type settling near ties. A note that fits two rows, or none,
    becomes an item of its own, and the import says so."""
    lines = text.splitlines()
    rows, end = _table(lines)
    by_title = {normal_title(r.title): r for r in reversed(rows)}
    extra: list[Incoming] = []
    for note in _notes(lines, end):
        # what a note says without a date of its own has the note's date ("undated:" stays undated)
        note.entries = [(d or (note.day.isoformat() if note.day else UNDATED), t) for d, t in note.entries]
        row = by_title.get(normal_title(note.title))
        chapter = None if row else book_of(note.title, rows)
        if chapter is not None:
            when = note.day or chapter.day
            chapter.entries.append((when.isoformat() if when else UNDATED, _as_entry(note)))
            chapter.attached += 1
            chapter.warnings += note.warnings
            continue
        fits = [row] if row else same_item(note, rows)
        if len(fits) == 1:
            row = fits[0]
            if note.summary and note.summary not in row.summary:
                row.summary = "\n\n".join(p for p in (row.summary, note.summary) if p)
            row.learnings += [x for x in note.learnings if x not in row.learnings]
            row.entries += [e for e in note.entries if e not in row.entries]
            row.day = row.day or note.day
            row.warnings += note.warnings
            row.attached += normal_title(note.title) != normal_title(row.title)
            continue
        note.from_notes = True
        note.type = next((kind for word, kind in TYPE_WORDS.items() if word in _tokens(note.title)), "paper")
        why = (f"it fits {len(fits)} rows ({'; '.join(repr(r.title) for r in fits)}), so it joins none"
               if fits else "no row of the table has its title")
        note.warnings.append(f"{note.origin}: the note {note.title!r} became an item of its own: {why}")
        extra.append(note)
    return rows + extra


def _as_entry(note: Incoming) -> str:
    parts = [f"**{note.title}**"]
    if note.summary:
        parts.append(note.summary)
    if note.learnings:
        parts.append("\n".join("- " + x.replace("\n", "\n  ") for x in note.learnings))
    parts += [f"{d}: {t}" for d, t in note.entries]
    return "\n\n".join(parts)


_PART_OF = re.compile(r"^\s*(?:[-–—:,(|/]|chapters?\b|ch\b\.?|part\b|section\b|\d)", re.IGNORECASE)
# The content type a title names ("... Tutorial", "... Podcast"): the log's one-word type names.
TYPE_WORDS = {w: kind for w, kind in TYPE_ALIASES.items() if " " not in w and w != "article"} | {"episode": "podcast"}
_STOP = {"a", "an", "the", "of", "on", "in", "to", "and", "for", "with", "by", "at", "from", "is", "are"}


def book_of(title: str, rows: list[Incoming]) -> Incoming | None:
    """The row whose title the note's starts with, going on with a chapter or part
    (`Deep Learning - Chapter 6`)."""
    raw = title.casefold()
    parts = [r for r in rows if raw.startswith(r.title.casefold()) and len(normal_title(r.title)) >= 4
             and _PART_OF.match(raw[len(r.title):])]
    return max(parts, key=lambda r: len(r.title)) if parts else None


def _tokens(title: str) -> set[str]:
    """A title's words for matching: lower case, a plural's s dropped, function words out."""
    words = {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
             for w in normal_title(title).split()}
    return words - _STOP


def same_item(note: Incoming, rows: list[Incoming]) -> list[Incoming]:
    """The rows a differently titled note may be about: the shorter title's words (content-type
    words aside) all but one in the longer's, at least two shared (all of a one-word title); the
    date and a content type named in the note's title rank them. More than one left: ambiguous."""
    words = _tokens(note.title)
    kinds = {TYPE_WORDS[w] for w in words if w in TYPE_WORDS}
    scored = []
    for row in rows:
        theirs = _tokens(row.title) - set(TYPE_WORDS)
        mine = words - set(TYPE_WORDS)
        common = mine & theirs
        shorter = min(len(mine), len(theirs))
        if not shorter or len(common) < min(2, shorter) or len(common) < shorter - (shorter >= 4):
            continue
        score = len(common) / shorter + 0.5 * (note.day is not None and note.day == row.day) \
            + 0.3 * (row.type in kinds)
        scored.append((score, row))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    return [row for score, row in scored if score > best - 0.25]
