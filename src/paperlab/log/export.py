"""Exports of the reading log: the Markdown table with notes, BibTeX, JSON."""

from __future__ import annotations

import json
import re

from paperlab.library import Library
from paperlab.log import notes
from paperlab.log.items import item_date, item_link, view
from paperlab.models import Item
from paperlab.store.items import list_items

TYPE_LABELS = {
    "paper": "Paper", "book": "Book", "tutorial": "Tutorial", "podcast": "Podcast",
    "course": "Course", "blog": "Blog Post", "video": "Video",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def markdown(lib: Library) -> str:
    items = list_items(lib.db)
    lines = [
        "# Reading log", "",
        "| Date | Title | Content Type | Link | Personal Rating |",
        "|---|---|---|---|---|",
    ]
    for item in sorted(items, key=item_date):
        rating = f"{item.rating}/10" if item.rating else ""
        link = item_link(item)
        lines.append(
            f"| {item_date(item)} | {_cell(item.title)} | {TYPE_LABELS.get(item.type, item.type)} "
            f"| {f'<{link}>' if link else ''} | {rating} |"
        )
    noted = [(i, notes.parse(lib.notes_path(i.id))) for i in items]
    noted = [(i, n) for i, n in noted if n.summary or n.learnings]
    if noted:
        lines += ["", "## Notes"]
        for item, parsed in noted:
            lines += ["", f"### {item.title}", ""]
            if parsed.summary:
                lines += [f"**Summary:** {parsed.summary}", ""]
            if parsed.learnings:
                lines += ["**Key learnings:**", *[f"- {x}" for x in parsed.learnings]]
    return "\n".join(lines).rstrip() + "\n"


_BIB_ESCAPE = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_"}
_STOPWORDS = {"a", "an", "the", "on", "of", "in", "for", "and", "to", "with", "is", "are"}


def _bib(text: str) -> str:
    return "".join(_BIB_ESCAPE.get(ch, ch) for ch in re.sub(r"\s+", " ", text).strip())


def _bib_key(item: Item, taken: set[str]) -> str:
    last = item.authors[0].split()[-1] if item.authors else "anon"
    year = (item.published or item.added_at)[:4]
    words = [w for w in re.findall(r"[a-z0-9]+", item.title.lower()) if w not in _STOPWORDS]
    base = re.sub(r"[^a-z0-9]", "", last.lower()) + year + (words[0] if words else "")
    key, n = base, 1
    while key in taken:
        key = f"{base}{chr(ord('a') + n)}"
        n += 1
    taken.add(key)
    return key


def bibtex(lib: Library) -> str:
    taken: set[str] = set()
    items = list_items(lib.db)
    entries = []
    for item in items:
        kind = "book" if item.type == "book" else "misc"
        fields: list[tuple[str, str]] = [("title", f"{{{_bib(item.title)}}}")]
        if item.authors:
            fields.append(("author", _bib(" and ".join(item.authors))))
        year = (item.published or item.added_at)[:4]
        if year:
            fields.append(("year", year))
        if item.arxiv_id:
            fields += [
                ("eprint", item.arxiv_id), ("archivePrefix", "arXiv"),
                ("primaryClass", item.primary_category or "cs.LG"),
                ("doi", f"10.48550/arXiv.{item.arxiv_id}"),
            ]
            if item.journal_ref:
                fields.append(("note", _bib(item.journal_ref)))
        link = item_link(item)
        if link:
            fields.append(("url", link))
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
        entries.append(f"@{kind}{{{_bib_key(item, taken)},\n{body},\n}}")
    return "\n\n".join(entries) + ("\n" if entries else "")


def as_json(lib: Library) -> str:
    """Every item with its notes summary, key learnings and replication status."""
    records = [view(lib, item).record(with_notes_text=False) for item in list_items(lib.db)]
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
