"""Exports of the reading log: the learner's Markdown table with their notes, BibTeX, JSON.

The Markdown is the format `import markdown` reads (log/imports.py), so an export imported into an
empty library exports again to the same file; the BibTeX is written with bibtexparser, so it always
parses back.
"""

from __future__ import annotations

import json
import re

from paperlab.library import Library
from paperlab.log import notes
from paperlab.log.items import item_date, view
from paperlab.models import Item
from paperlab.store.items import list_items

TYPE_LABELS = {
    "paper": "Paper", "book": "Book", "tutorial": "Tutorial", "podcast": "Podcast",
    "course": "Course", "blog": "Blog Post", "video": "Video",
}
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
    dated = parsed.dated()
    if dated:
        lines.append("  - Notes:")
        for day, text in dated:
            lines += _bullet(f"{day}: {text}", 4)
    return lines


def markdown(lib: Library) -> str:
    items = list_items(lib.db)
    lines = ["# Reading log", "", HEADER, "|---|---|---|---|---|"]
    for item in items:
        rating = f"{item.rating}/10" if item.rating else ""
        link = item.url
        lines.append(
            f"| {item_date(item)} | {cell(item.title)} | {TYPE_LABELS.get(item.type, item.type)} "
            f"| {cell(f'<{link}>') if link else ''} | {rating} |"
        )
    noted = [(i, notes.parse(lib.notes_path(i.id))) for i in items]
    noted = [(i, n) for i, n in noted if n.summary or n.learnings or n.dated()]
    if noted:
        lines += ["", "## Notes", ""]
        for item, parsed in noted:
            lines += notes_block(item, parsed)
    return "\n".join(lines).rstrip() + "\n"


_STOPWORDS = {"a", "an", "the", "on", "of", "in", "for", "and", "to", "with", "is", "are"}


def item_year(item: Item) -> str:
    """The year an item was published, when known (never the year it was added)."""
    return item.published[:4] if re.match(r"^\d{4}", item.published) else ""


def _bib_key(item: Item, taken: set[str]) -> str:
    """`vaswani2017attention`; without authors the title's first words; without a year, none."""
    words = [w for w in re.findall(r"[a-z0-9]+", _ascii(item.title).lower()) if w not in _STOPWORDS]
    last = re.sub(r"[^a-z0-9]", "", _ascii(item.authors[0].split()[-1]).lower()) if item.authors else ""
    if last:
        base = last + item_year(item) + (words[0] if words else "")
    else:
        base = (words[0] if words else "item") + item_year(item) + "".join(words[1:2])
    key, n = base, 1
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
        fields += [("eprint", item.arxiv_id), ("archivePrefix", "arXiv"),
                   ("primaryClass", item.primary_category or "cs.LG")]
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


def bibtex(lib: Library) -> str:
    """Every item as a BibTeX entry, written by bibtexparser: text is LaTeX-encoded (so braces,
    `%`, `&` and accents are escaped) and URLs are left verbatim, so the file parses back whatever
    the titles hold."""
    import bibtexparser
    from bibtexparser.model import Entry, Field
    from pylatexenc.latexencode import unicode_to_latex

    taken: set[str] = set()
    library = bibtexparser.Library()
    for item in list_items(lib.db):
        kind = "book" if item.type == "book" else "article" if item.venue else "misc"
        fields = [Field(k, v if k in VERBATIM_FIELDS else "{" + unicode_to_latex(v) + "}" if k == "title"
                        else unicode_to_latex(v)) for k, v in _fields(item)]
        library.add(Entry(kind, _bib_key(item, taken), fields))
    if not library.entries:
        return ""
    return bibtexparser.write_string(library).strip() + "\n"


def as_json(lib: Library) -> str:
    """Every item with its notes summary, key learnings and replication status."""
    records = [view(lib, item).record(with_notes_text=False) for item in list_items(lib.db)]
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
