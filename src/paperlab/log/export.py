"""Exports of the reading log: the learner's Markdown table with their notes, BibTeX, JSON.

The Markdown is the format `import markdown` reads (log/imports.py), so an export imported into an
empty library exports again to the same file; the BibTeX is written with bibtexparser, so it always
parses back.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from paperlab.library import Library
from paperlab.log import notes
from paperlab.log.items import item_date, view
from paperlab.models import Item, type_label
from paperlab.store.items import list_items

HEADER = "| Date | Title | Content Type | Link | Personal Rating |"


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _bullet(text: str, indent: int) -> list[str]:
    """A Markdown bullet whose continuation lines stay inside it."""
    lines = text.strip().splitlines() or [""]
    pad = " " * (indent + 2)
    return [f"{' ' * indent}- {lines[0]}", *[f"{pad}{ln}" if ln.strip() else "" for ln in lines[1:]]]


def notes_block(item: Item, parsed: notes.ParsedNotes) -> list[str]:
    """One item's notes as the learner's log writes them: its title in bold, then Date, Summary,
    Key Learnings and the dated notes as nested bullets."""
    lines = [f"- **{cell(item.title)}**", f"  - Date: {item_date(item)}"]
    if parsed.summary:
        lines += _bullet(f"Summary: {parsed.summary}", 2)
    if parsed.learnings:
        lines.append("  - Key Learnings:")
        for learning in parsed.learnings:
            lines += _bullet(learning, 4)
    entries = parsed.all_entries()
    if entries:
        lines.append("  - Notes:")
        for day, text in entries:
            lines += _bullet(f"{day}: {text}", 4)
    return lines


def markdown(lib: Library) -> str:
    items = list_items(lib.db)
    lines = ["# Reading log", "", HEADER, "|---|---|---|---|---|"]
    for item in items:
        rating = f"{item.rating}/10" if item.rating else ""
        link = item.url
        lines.append(
            f"| {item_date(item)} | {cell(item.title)} | {type_label(item.type)} "
            f"| {cell(f'<{link}>') if link else ''} | {rating} |"
        )
    noted = [(i, notes.parse(lib.notes_path(i.id))) for i in items]
    noted = [(i, n) for i, n in noted if n.summary or n.learnings or n.all_entries()]
    if noted:
        lines += ["", "## Notes", ""]
        for item, parsed in noted:
            lines += notes_block(item, parsed)
    return "\n".join(lines).rstrip() + "\n"


_STOPWORDS = {"a", "an", "the", "on", "of", "in", "for", "and", "to", "with", "is", "are", "at", "by",
              "from", "via", "its", "as", "or"}


def item_year(item: Item) -> str:
    """The year an item was published, when known (never the year it was added)."""
    return item.published[:4] if re.match(r"^\d{4}", item.published) else ""


def cite_key(item: Item, taken: set[str]) -> str:
    """A citation key in Better BibTeX's default form, `vaswaniAttentionAllYou2017` (first author's
    last name, three title words, year); `a`, `b`... when taken."""
    words = [w for w in re.findall(r"[A-Za-z0-9]+", _ascii(item.title)) if w.lower() not in _STOPWORDS]
    last = re.sub(r"[^a-z0-9]", "", _ascii(item.authors[0].split()[-1]).lower()) if item.authors else ""
    base = last + "".join(w[:1].upper() + w[1:].lower() for w in words[:3]) + item_year(item) or "item"
    key, n = base, 0
    while key in taken:
        key = f"{base}{chr(ord('a') + n)}"
        n += 1
    taken.add(key)
    return key


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _fields(item: Item) -> list[tuple[str, str]]:
    fields = [("title", item.title)]  # encoded, then braced once more: BibTeX keeps its capitals
    if item.authors:
        fields.append(("author", " and ".join(item.authors)))
    if item_year(item):
        fields.append(("year", item_year(item)))
    if item.venue:
        fields.append(("publisher" if item.type == "book" else "journal", item.venue))
    if item.arxiv_id:
        fields += [("eprint", item.arxiv_id), ("archivePrefix", "arXiv")]
        if item.primary_category:  # never a guess: a hep-th paper is not cs.LG
            fields.append(("primaryClass", item.primary_category))
    if item.doi or item.arxiv_id:
        fields.append(("doi", item.doi or f"10.48550/arXiv.{item.arxiv_id}"))
    if item.journal_ref:
        fields.append(("note", item.journal_ref))
    link = item.url
    if link.startswith(("http://", "https://")):
        fields.append(("url", link))
    if item.tags:
        fields.append(("keywords", ", ".join(item.tags)))
    return fields


VERBATIM_FIELDS = {"url", "doi", "eprint", "file"}
_MATH = re.compile(r"(\$[^$]+\$)")


def latex(text: str) -> str:
    """Text as LaTeX: special characters and accents encoded, `$...$` maths kept as written."""
    from pylatexenc.latexencode import unicode_to_latex

    return "".join(part if _MATH.fullmatch(part) else unicode_to_latex(part) for part in _MATH.split(text))


def _encoded(key: str, value: str) -> str:
    return value if key in VERBATIM_FIELDS else "{" + latex(value) + "}" if key == "title" else latex(value)


def _changed_fields(item: Item, entry_text: str) -> dict[str, str]:
    """What the user changed in paperlab since the entry was imported: field -> the new value."""
    from paperlab.log.bibtex import VENUE_FIELDS, parse_bibtex

    (was,), _ = parse_bibtex(entry_text, Path("."))
    changes = {}
    if item.title != was.title:
        changes["title"] = item.title
    if item.authors != was.authors:
        changes["author"] = " and ".join(item.authors)
    if item_year(item) != was.published[:4] and item_year(item):
        changes["year"] = item_year(item)
    if item.venue != was.venue:
        fields = {m.group(1).lower() for m in re.finditer(r"^\s*(\w+)\s*=", entry_text, re.MULTILINE)}
        changes[next((f for f in VENUE_FIELDS if f in fields), "journal")] = item.venue
    if item.doi != was.doi:
        changes["doi"] = item.doi
    if sorted(item.tags) != sorted(set(was.tags)):
        changes["keywords"] = ", ".join(item.tags)
    return changes


def _kept(item: Item) -> str:
    """An imported item's entry: as it was written when paperlab changed nothing, else the same
    entry (key, type, every other field) with the changed fields written anew."""
    import bibtexparser
    from bibtexparser.model import Field

    changes = _changed_fields(item, item.bibtex)
    if not changes:
        return item.bibtex
    library = bibtexparser.parse_string(item.bibtex)
    entry = library.entries[0]
    for key, value in changes.items():
        existing = next((f for f in entry.fields if f.key.lower() == key), None)
        if existing is not None:
            existing.value = _encoded(key, value)
        else:
            entry.fields.append(Field(key, _encoded(key, value)))
    return bibtexparser.write_string(library).strip()


def bibtex(lib: Library) -> str:
    """Every item as a BibTeX entry. An imported entry comes back as it was written (key, type,
    fields, LaTeX), with only what the user changed in paperlab written anew; other items get an
    entry written by bibtexparser (text LaTeX-encoded, maths and URLs as written) under a Better
    BibTeX-style key, the same at every export while their fields stay the same."""
    import bibtexparser
    from bibtexparser.model import Entry, Field

    items = sorted(list_items(lib.db), key=lambda i: (i.added_at, i.id))  # keys go to the earlier item
    taken = {m.group(1) for i in items if (m := re.match(r"@\w+\s*\{\s*([^,\s]+)", i.bibtex))}
    out = []
    for item in items:
        if item.bibtex:
            out.append(_kept(item))
            continue
        kind = "book" if item.type == "book" else "article" if item.venue else "misc"
        library = bibtexparser.Library()
        library.add(Entry(kind, cite_key(item, taken), [Field(k, _encoded(k, v)) for k, v in _fields(item)]))
        out.append(bibtexparser.write_string(library).strip())
    return "\n\n".join(out) + "\n" if out else ""


def as_json(lib: Library) -> str:
    """Every item with its notes (the whole file, and its summary, key learnings and dated notes
    apart) and replication status."""
    records = [view(lib, item).record() for item in list_items(lib.db)]
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
