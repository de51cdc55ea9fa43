"""The weekly recap ("My week in ML") and the study streak, from the reading log's dated entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from paperlab.library import Library
from paperlab.log import notes
from paperlab.models import Item, LogEntry, type_label
from paperlab.store.items import activity_days, list_items, log_entries
from paperlab.store.replications import list_replications


def streak(days: set[str], end: date) -> int:
    """Consecutive days with activity ending at `end` (or the day before, if `end` has none yet)."""
    day = end if end.isoformat() in days else end - timedelta(days=1)
    count = 0
    while day.isoformat() in days:
        count += 1
        day -= timedelta(days=1)
    return count


SECTIONS = (("read", "Read", "nothing finished this week"), ("reading", "Started", None),
            ("abandoned", "Abandoned", None))


def week_statuses(entries: list[LogEntry], items: dict[str, Item], since: str, until: str) -> dict[str, str]:
    """Each item's status at the end of the week, for the items whose status changed in it (or
    whose finish date falls in it): read then abandoned counts as abandoned."""
    out: dict[str, str] = {}
    for e in entries:
        if e.kind == "status" and e.to_status:
            out[e.item_id] = e.to_status
    for item in items.values():
        if item.id not in out and item.finished_at and since <= item.finished_at[:10] < until:
            out[item.id] = "read"
    return out


@dataclass
class NotedItem:
    title: str
    summary: str
    learnings: list[str]
    dated: list[tuple[str, str]]  # the week's dated notes: (day, text)


@dataclass
class WeekRecap:
    """One week of the log, as data: the CLI renders it as Markdown, the web app as a page."""

    start: date
    end: date
    streak: int
    active_days: int
    sections: list[tuple[str, list[str], str | None]]  # (heading, item lines, what to say when empty)
    noted: list[NotedItem] = field(default_factory=list)
    replications: list[tuple[str, str, str]] = field(default_factory=list)  # (title, status, summary)


def week_recap(lib: Library, end: date) -> WeekRecap:
    """What the learner did in the 7 days ending at `end`: finished, started and abandoned items,
    notes and key learnings, replication progress, and the study streak."""
    database = lib.db
    start = end - timedelta(days=6)
    since, until = start.isoformat(), (end + timedelta(days=1)).isoformat()
    entries = log_entries(database, since=since, until=until)
    items = {i.id: i for i in list_items(database)}
    statuses = week_statuses(entries, items, since, until)
    recap = WeekRecap(start, end, streak(activity_days(database), end), len({e.at[:10] for e in entries}), [])
    for status, heading, empty in SECTIONS:
        ids = [i for i, s in statuses.items() if s == status and i in items]
        if ids or empty is not None:
            lines = [f"**{items[i].title}** ({type_label(items[i].type)}"
                     f"{f', {items[i].rating}/10' if items[i].rating and status == 'read' else ''})" for i in ids]
            recap.sections.append((heading, lines, empty))
    noted_ids = [e.item_id for e in entries if e.kind == "note"]
    read_ids = [i for i, s in statuses.items() if s == "read"]
    for item_id in dict.fromkeys(noted_ids + read_ids):
        item = items.get(item_id)
        if not item:
            continue
        parsed = notes.parse(lib.notes_path(item_id))
        dated = [(d, t) for d, t in parsed.dated() if since <= d < until]
        if parsed.summary or parsed.learnings or dated:
            recap.noted.append(NotedItem(item.title, parsed.summary, parsed.learnings, dated))
    rep_ids = {e.item_id for e in entries if e.kind.startswith("replication")}
    recap.replications = [(items[r.item_id].title if r.item_id in items else r.item_id, r.status, r.summary)
                          for r in list_replications(database) if r.item_id in rep_ids]
    return recap


def render_week(recap: WeekRecap) -> str:
    """The recap as the learner's Markdown ("My week in ML")."""
    lines = [f"# My week in ML: {recap.start.isoformat()} to {recap.end.isoformat()}", "",
             f"Study streak: {recap.streak} day(s). Active on {recap.active_days} of 7 days this week."]
    for heading, items, empty in recap.sections:
        lines += ["", f"## {heading}", *[f"- {line}" for line in items]]
        if not items:
            lines.append(f"- {empty}")
    lines += ["", "## Notes and key learnings"]
    for noted in recap.noted:
        lines += ["", f"### {noted.title}"]
        if noted.summary:
            lines += ["", noted.summary]
        if noted.learnings:
            lines += ["", *[f"- {x}" for x in noted.learnings]]
        for day, text in noted.dated:
            lines += ["", f"{day}: {text}"]
    if not recap.noted:
        lines.append("- no notes this week")
    lines += ["", "## Replication progress"]
    lines += [f"- **{title}**: {status}{f': {summary}' if summary else ''}"
              for title, status, summary in recap.replications]
    if not recap.replications:
        lines.append("- no replication work this week")
    return "\n".join(lines) + "\n"


def week(lib: Library, end: date) -> str:
    """`paperlab week`: the recap, rendered."""
    return render_week(week_recap(lib, end))
