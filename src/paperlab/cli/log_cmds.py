"""Everyday reading-log commands: init, add, status, rate, tag, note, log, show, week."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from paperlab.cli.render import console, err_console, index_summary, parse_date, print_json, stage_bars, write_or_print
from paperlab.cli.render import library as get_library
from paperlab.library import init_library
from paperlab.log import items, recap
from paperlab.models import CONTENT_TYPES, STATUSES


def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new library.")] = Path("."),
) -> None:
    """Create a library: paperlab.toml, paperlab.db, papers/, index/, replications/."""
    lib, created = init_library(directory)
    verb = "Created" if created else "Library already exists at"
    console.print(f"{verb} {lib.home}")


def add(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="A local PDF, or a link (with --title and --type).")],
    title: Annotated[str | None, typer.Option(help="Title (read from the PDF if omitted).")] = None,
    type_: Annotated[str, typer.Option("--type", help=f"One of: {', '.join(CONTENT_TYPES)}.")] = "paper",
    status: Annotated[str, typer.Option(help=f"One of: {', '.join(STATUSES)}.")] = "to-read",
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Tag (repeatable).")] = None,
    lookup: Annotated[bool | None, typer.Option(
        "--lookup/--no-lookup", help="Look up arXiv metadata for a PDF stamped with an arXiv id "
        "(asks when not given).")] = None,
) -> None:
    """Add a local PDF or a link (book, tutorial, podcast, course, blog, video, paper)."""
    lib = get_library(ctx)
    with stage_bars() as progress:
        added = items.add(lib, target, title=title, type_=type_, status=status, tags=tag, lookup=lookup,
                          confirm=lambda question: typer.confirm(question, default=True), progress=progress)
    item = added.item
    if added.index is None:
        console.print(f"Added {item.id}: {item.title} ({item.type})")
        return
    console.print(f"Added {item.id}: {item.title}")
    index_summary(added.index)


def status(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    new_status: Annotated[str, typer.Argument(metavar="STATUS", help=", ".join(STATUSES))],
) -> None:
    """Set an item's status: to-read, reading, read, abandoned."""
    item = items.set_status(get_library(ctx), item_id, new_status)
    console.print(f"{item.id}: {item.status}")


def rate(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    rating: Annotated[int, typer.Argument(help="1 to 10.")],
) -> None:
    """Rate an item from 1 to 10."""
    item = items.rate(get_library(ctx), item_id, rating)
    console.print(f"{item.id}: {item.rating}/10")


def tag(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    changes: Annotated[list[str], typer.Argument(help="+tag to add, -tag to remove.")],
) -> None:
    """Add (+tag) or remove (-tag) tags."""
    item = items.tag(get_library(ctx), item_id, changes)
    console.print(f"{item.id}: {' '.join(item.tags) or '(no tags)'}")


def note(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    message: Annotated[str | None, typer.Option("-m", "--message", help="Append a dated entry.")] = None,
    summary: Annotated[str | None, typer.Option(help="Add to the Summary section.")] = None,
    learned: Annotated[list[str] | None, typer.Option(help="Add a key learning (repeatable).")] = None,
) -> None:
    """Write notes: opens $EDITOR on papers/<id>/notes.md, or appends with -m/--summary/--learned."""
    from paperlab.log.notes import write_note

    lib = get_library(ctx)
    use_editor = not (message or summary or learned)
    result = write_note(lib, item_id, message=message, summary=summary, learned=learned, editor=use_editor)
    console.print(f"{'Saved' if result.changed else 'No change to'} {lib.relative(result.path)}")
    if result.index_error and "notes" in result.index_error:
        err_console.print(f"Warning: notes not indexed: {result.index_error}")


def log(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="Only this content type.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only items with this tag.")] = None,
    since: Annotated[str | None, typer.Option(help="Only items added on or after YYYY-MM-DD.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the reading log as a table."""
    found = items.list_items(get_library(ctx), status=status, type_=type_, tag=tag,
                             since=parse_date(since, "--since") if since else None)
    if as_json:
        print_json([i.to_dict() for i in found])
        return
    if not found:
        console.print("No items. Add one with `paperlab fetch <arxiv-id>` or `paperlab add`.")
        return
    table = Table(show_lines=False, header_style="bold")
    for col in ("Date", "ID", "Title", "Type", "Status", "Rating", "Tags"):
        table.add_column(col, overflow="fold", no_wrap=col in ("Date", "Rating"),
                         min_width=30 if col == "Title" else None, ratio=1 if col == "Title" else None)
    for item in found:
        table.add_row(items.item_date(item), item.id, item.title, item.type, item.status,
                      f"{item.rating}/10" if item.rating else "", " ".join(item.tags))
    console.print(table)


def show(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one item with its notes and replication status."""
    lib = get_library(ctx)
    shown = items.show(lib, item_id)
    if as_json:
        print_json(shown.record())
        return
    item, parsed, replication = shown.item, shown.notes, shown.replication
    console.print(f"[bold]{item.title}[/bold]")
    rows = [
        ("ID", item.id), ("Type", item.type), ("Status", item.status),
        ("Rating", f"{item.rating}/10" if item.rating else "-"),
        ("Tags", " ".join(item.tags) or "-"), ("Added", item.added_at[:10]),
        ("Authors", ", ".join(item.authors)), ("Link", items.item_link(item)),
        ("Version", f"v{item.version}" if item.version else ""),
        ("Text", item.text_status + (f" ({item.text_error})" if item.text_error else "")),
        ("Replication", replication or "none"),
    ]
    for key, value in rows:
        if value:
            console.print(f"  {key:<12} {value}", soft_wrap=True)
    if parsed.text.strip():
        console.print(f"\n[dim]{lib.relative(shown.notes_path)}[/dim]")
        console.print(parsed.text.rstrip(), markup=False)


def week(
    ctx: typer.Context,
    day: Annotated[str | None, typer.Option("--date", help="Last day of the week, YYYY-MM-DD.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file.")] = None,
) -> None:
    """A Markdown recap of the 7 days ending at --date (default today): 'My week in ML'."""
    end = parse_date(day, "--date") if day else date.today()
    write_or_print(recap.week(get_library(ctx), end), output)


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(add)
    app.command()(status)
    app.command()(rate)
    app.command(context_settings={"ignore_unknown_options": True})(tag)
    app.command()(note)
    app.command()(log)
    app.command()(show)
    app.command()(week)
