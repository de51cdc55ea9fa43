"""Exports of the reading log: Markdown table + notes, BibTeX, JSON, and the weekly recap."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

from paperlab import db, notes
from paperlab.config import Library
from paperlab.db import sqlite_utils
from paperlab.models import Item

TYPE_LABELS = {
    "paper": "Paper", "book": "Book", "tutorial": "Tutorial", "podcast": "Podcast",
    "course": "Course", "blog": "Blog Post", "video": "Video",
}


def item_link(item: Item) -> str:
    if item.arxiv_id:
        return f"https://arxiv.org/abs/{item.arxiv_id}"
    return item.link


def item_date(item: Item) -> str:
    return (item.finished_at or item.started_at or item.added_at)[:10]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def markdown(lib: Library, database: sqlite_utils.Database, items: list[Item] | None = None) -> str:
    items = items if items is not None else db.list_items(database)
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
    noted = [(i, notes.parse(lib.item_dir(i.id) / "notes.md")) for i in items]
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


def bibtex(items: list[Item]) -> str:
    taken: set[str] = set()
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


def as_json(lib: Library, database: sqlite_utils.Database, items: list[Item]) -> str:
    out: list[dict[str, Any]] = []
    for item in items:
        parsed = notes.parse(lib.item_dir(item.id) / "notes.md")
        row = item.to_dict()
        row["summary"] = parsed.summary
        row["key_learnings"] = parsed.learnings
        row["replication"] = replication_status(database, item.id)
        out.append(row)
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


def replication_status(database: sqlite_utils.Database, item_id: str) -> str | None:
    found = db.get_replication(database, item_id)
    return found["status"] if found else None


def streak(days: set[str], end: date) -> int:
    """Consecutive days with activity ending at `end` (or the day before, if `end` has none yet)."""
    day = end if end.isoformat() in days else end - timedelta(days=1)
    count = 0
    while day.isoformat() in days:
        count += 1
        day -= timedelta(days=1)
    return count


def week(lib: Library, database: sqlite_utils.Database, end: date) -> str:
    start = end - timedelta(days=6)
    since, until = start.isoformat(), (end + timedelta(days=1)).isoformat()
    entries = db.log_entries(database, since=since, until=until)
    items = {i.id: i for i in db.list_items(database)}
    read_ids = [e.item_id for e in entries if e.kind == "status" and e.detail.endswith("-> read")]
    read_ids += [
        i.id for i in items.values() if i.finished_at and since <= i.finished_at[:10] < until
    ]
    noted_ids = [e.item_id for e in entries if e.kind == "note"]
    rep_ids = [e.item_id for e in entries if e.kind.startswith("replication")]
    active_days = {e.at[:10] for e in entries}

    lines = [f"# My week in ML: {start.isoformat()} to {end.isoformat()}", ""]
    lines.append(f"Study streak: {streak(db.activity_days(database), end)} day(s). "
                 f"Active on {len(active_days)} of 7 days this week.")
    lines += ["", "## Read"]
    for item_id in dict.fromkeys(read_ids):
        item = items.get(item_id)
        if item:
            rating = f", {item.rating}/10" if item.rating else ""
            lines.append(f"- **{item.title}** ({TYPE_LABELS.get(item.type, item.type)}{rating})")
    if not read_ids:
        lines.append("- nothing finished this week")
    lines += ["", "## Notes and key learnings"]
    shown = False
    for item_id in dict.fromkeys(noted_ids + read_ids):
        item = items.get(item_id)
        if not item:
            continue
        parsed = notes.parse(lib.item_dir(item_id) / "notes.md")
        if not (parsed.summary or parsed.learnings):
            continue
        shown = True
        lines += ["", f"### {item.title}"]
        if parsed.summary:
            lines += ["", parsed.summary]
        if parsed.learnings:
            lines += ["", *[f"- {x}" for x in parsed.learnings]]
    if not shown:
        lines.append("- no notes this week")
    lines += ["", "## Replication progress"]
    reps = db.list_replications(database)
    active = [r for r in reps if r["item_id"] in set(rep_ids)]
    for r in active:
        title = items[r["item_id"]].title if r["item_id"] in items else r["item_id"]
        extra = f": {r['summary']}" if r["summary"] else ""
        lines.append(f"- **{title}**: {r['status']}{extra}")
    if not active:
        lines.append("- no replication work this week")
    return "\n".join(lines) + "\n"
