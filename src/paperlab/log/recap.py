"""The weekly recap ("My week in ML") and the study streak, from the reading log's dated entries."""

from __future__ import annotations

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


def week(lib: Library, end: date) -> str:
    database = lib.db
    start = end - timedelta(days=6)
    since, until = start.isoformat(), (end + timedelta(days=1)).isoformat()
    entries = log_entries(database, since=since, until=until)
    items = {i.id: i for i in list_items(database)}
    statuses = week_statuses(entries, items, since, until)
    noted_ids = [e.item_id for e in entries if e.kind == "note"]
    rep_ids = [e.item_id for e in entries if e.kind.startswith("replication")]
    active_days = {e.at[:10] for e in entries}

    lines = [f"# My week in ML: {start.isoformat()} to {end.isoformat()}", ""]
    lines.append(f"Study streak: {streak(activity_days(database), end)} day(s). "
                 f"Active on {len(active_days)} of 7 days this week.")
    for status, heading, empty in SECTIONS:
        ids = [i for i, s in statuses.items() if s == status and i in items]
        if not ids and empty is None:
            continue
        lines += ["", f"## {heading}"]
        for item_id in ids:
            shown_item = items[item_id]
            rating = f", {shown_item.rating}/10" if shown_item.rating and status == "read" else ""
            lines.append(f"- **{shown_item.title}** ({type_label(shown_item.type)}{rating})")
        if not ids:
            lines.append(f"- {empty}")
    lines += ["", "## Notes and key learnings"]
    shown = False
    read_ids = [i for i, s in statuses.items() if s == "read"]
    for item_id in dict.fromkeys(noted_ids + read_ids):
        item = items.get(item_id)
        if not item:
            continue
        parsed = notes.parse(lib.notes_path(item_id))
        dated = [(d, t) for d, t in parsed.dated() if since <= d < until]
        if not (parsed.summary or parsed.learnings or dated):
            continue
        shown = True
        lines += ["", f"### {item.title}"]
        if parsed.summary:
            lines += ["", parsed.summary]
        if parsed.learnings:
            lines += ["", *[f"- {x}" for x in parsed.learnings]]
        for day, text in dated:
            lines += ["", f"{day}: {text}"]
    if not shown:
        lines.append("- no notes this week")
    lines += ["", "## Replication progress"]
    reps = list_replications(database)
    active = [r for r in reps if r.item_id in set(rep_ids)]
    for r in active:
        title = items[r.item_id].title if r.item_id in items else r.item_id
        extra = f": {r.summary}" if r.summary else ""
        lines.append(f"- **{title}**: {r.status}{extra}")
    if not active:
        lines.append("- no replication work this week")
    return "\n".join(lines) + "\n"
