"""The weekly recap ("My week in ML") and the study streak, from the reading log's dated entries."""

from __future__ import annotations

from datetime import date, timedelta

from paperlab.library import Library
from paperlab.log import notes
from paperlab.log.export import TYPE_LABELS
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


def week(lib: Library, end: date) -> str:
    database = lib.db
    start = end - timedelta(days=6)
    since, until = start.isoformat(), (end + timedelta(days=1)).isoformat()
    entries = log_entries(database, since=since, until=until)
    items = {i.id: i for i in list_items(database)}
    read_ids = [e.item_id for e in entries if e.kind == "status" and e.detail.endswith("-> read")]
    read_ids += [
        i.id for i in items.values() if i.finished_at and since <= i.finished_at[:10] < until
    ]
    noted_ids = [e.item_id for e in entries if e.kind == "note"]
    rep_ids = [e.item_id for e in entries if e.kind.startswith("replication")]
    active_days = {e.at[:10] for e in entries}

    lines = [f"# My week in ML: {start.isoformat()} to {end.isoformat()}", ""]
    lines.append(f"Study streak: {streak(activity_days(database), end)} day(s). "
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
        parsed = notes.parse(lib.notes_path(item_id))
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
    reps = list_replications(database)
    active = [r for r in reps if r["item_id"] in set(rep_ids)]
    for r in active:
        title = items[r["item_id"]].title if r["item_id"] in items else r["item_id"]
        extra = f": {r['summary']}" if r["summary"] else ""
        lines.append(f"- **{title}**: {r['status']}{extra}")
    if not active:
        lines.append("- no replication work this week")
    return "\n".join(lines) + "\n"
