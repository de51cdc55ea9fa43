"""Everyday reading-log commands: init, add, status, rate, tag, note, log, show, week, edit, rm."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from paperlab.cli.render import (
    console,
    err_console,
    fitted_table,
    index_summary,
    parse_date,
    print_json,
    say,
    working,
    write_or_print,
)
from paperlab.cli.render import library as get_library
from paperlab.errors import InvalidInput
from paperlab.library import init_library
from paperlab.log import items, recap
from paperlab.models import CONTENT_TYPES, STATUSES


def init(
    ctx: typer.Context,
    directory: Annotated[Path | None, typer.Argument(
        metavar="DIR", help="Folder for the new library (default: --home, then $PAPERLAB_HOME, then .).",
        show_default=False)] = None,
) -> None:
    """Create a library: paperlab.toml, paperlab.db, papers/, index/, replications/."""
    import os

    if directory is None:  # where the other commands will look for it
        home = (ctx.obj or {}).get("home") or os.environ.get("PAPERLAB_HOME")
        directory = Path(home).expanduser() if home else Path(".")
    lib, created = init_library(directory)
    verb = "Created" if created else "Library already exists at"
    console.print(f"{verb} {lib.home}")


DateOption = Annotated[str | None, typer.Option(
    "--date", help="When it happened: YYYY-MM-DD or 'yesterday' (default: today).", show_default=False)]


def add(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="PDF|URL", help="A local PDF, a PDF's URL, or a link "
                                          "(with --title and --type).")],
    title: Annotated[str | None, typer.Option(help="Title (read from the PDF if omitted).")] = None,
    type_: Annotated[str, typer.Option("--type", help=f"One of: {', '.join(CONTENT_TYPES)}.")] = "paper",
    status: Annotated[str, typer.Option(help=f"One of: {', '.join(STATUSES)}.")] = "to-read",
    tag: Annotated[list[str] | None, typer.Option("--tag", metavar="TAG", help="Tag (repeatable).")] = None,
    rating: Annotated[int | None, typer.Option(metavar="1-10", help="Your rating.")] = None,
    day: DateOption = None,
    force: Annotated[bool, typer.Option("--force", help="Add even if the library already has it.")] = False,
    lookup: Annotated[bool | None, typer.Option(
        "--lookup/--no-lookup", help="Look up arXiv metadata for a PDF stamped with an arXiv id "
        "(asks when not given and a terminal is attached).")] = None,
) -> None:
    """Add a local PDF, a PDF at a URL, or a link (book, tutorial, podcast, course, blog, video)."""
    lib = get_library(ctx)
    reading = items.Reading(status=status, tags=tag or [], rating=rating, day=parse_date(day))
    from paperlab import usecases

    with working(lib):
        added = usecases.add(lib, target, title=title, type_=type_, reading=reading, lookup=lookup, force=force)
    item = added.item
    if added.index is None:
        console.print(f"Added {item.id}: {item.title} ({item.type})")
        return
    console.print(f"Added {item.id}: {item.title}")
    if item.arxiv_id and not item.abstract:
        err_console.print(f"arXiv metadata not looked up; `paperlab fetch --update {item.id}` fills it in.")
    index_summary(added.index, f"{item.id} was added but not indexed for search")


def status(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    new_status: Annotated[str, typer.Argument(metavar="STATUS", help=", ".join(STATUSES))],
    day: DateOption = None,
) -> None:
    """Set an item's status: to-read, reading, read, abandoned (--date to backdate it)."""
    item = items.set_status(get_library(ctx), item_id, new_status, parse_date(day))
    when = item.finished_at if item.status == "read" else item.started_at if item.status == "reading" else None
    console.print(f"{item.id}: {item.status}" + (f" ({when})" if when else ""))


def rate(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    rating: Annotated[int, typer.Argument(metavar="RATING", help="1 to 10.")],
    day: DateOption = None,
) -> None:
    """Rate an item from 1 to 10."""
    item = items.rate(get_library(ctx), item_id, rating, parse_date(day))
    console.print(f"{item.id}: {item.rating}/10")


def tag(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    changes: Annotated[list[str], typer.Argument(metavar="[+TAG|-TAG]...", help="+tag to add, -tag to remove.")],
) -> None:
    """Add (+tag) or remove (-tag) tags."""
    item = items.tag(get_library(ctx), item_id, changes)
    console.print(f"{item.id}: {' '.join(item.tags) or '(no tags)'}")


def note(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    message: Annotated[str | None, typer.Option("-m", "--message", help="Append a dated entry.")] = None,
    summary: Annotated[str | None, typer.Option(help="Add to the Summary section.")] = None,
    learned: Annotated[list[str] | None, typer.Option(metavar="TEXT", help="Add a key learning (repeatable).")] = None,
    day: DateOption = None,
) -> None:
    """Write notes: opens $EDITOR on papers/<id>/notes.md, or appends with -m/--summary/--learned."""
    from paperlab import usecases

    lib = get_library(ctx, show_progress=False)  # one notes file: no bars (and no Rich to load)
    use_editor = not (message or summary or learned)
    result = usecases.note(lib, item_id, message=message, summary=summary, learned=learned, editor=use_editor,
                           day=parse_date(day))
    say(f"{'Saved' if result.changed else 'No change to'} {lib.relative(result.path)}")
    if result.index_error:
        err_console.print(f"Warning: the notes were saved but not indexed for search ({result.index_error}); "
                          f"`paperlab index {item_id}` retries.", soft_wrap=True)


def log(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="Only this content type.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only items with this tag.")] = None,
    since: Annotated[str | None, typer.Option(help="Only items dated on or after this day.")] = None,
    until: Annotated[str | None, typer.Option(help="Only items dated on or before this day.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the reading log; its Date is when an item was read (finished, else started, else added)."""
    found = items.list_items(get_library(ctx), status=status, type_=type_, tag=tag,
                             since=parse_date(since, "--since", future=True),
                             until=parse_date(until, "--until", future=True))
    if as_json:
        print_json(found)
        return
    if not found:
        console.print("No items. Add one with `paperlab fetch <arxiv-id>` or `paperlab add`.")
        return
    columns = ["Date", "ID", "Title", "Type", "Status", "Rating", "Tags"]
    rows = [[items.item_date(i), i.id, i.title, i.type, i.status, f"{i.rating}/10" if i.rating else "",
             " ".join(i.tags)] for i in found]
    console.print(fitted_table(columns, rows, flex="Title", drop_order=["Tags", "Type", "Status", "Rating"],
                               caps={"ID": 24, "Tags": 20}))


def edit(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    authors: Annotated[str | None, typer.Option(help="'Ada Lovelace, Alan Turing' (or ';'-separated).")] = None,
    year: Annotated[int | None, typer.Option(metavar="YEAR", help="Year of publication.")] = None,
    link: Annotated[str | None, typer.Option(help="URL or path.")] = None,
    type_: Annotated[str | None, typer.Option("--type", help=f"One of: {', '.join(CONTENT_TYPES)}.")] = None,
    venue: Annotated[str | None, typer.Option(help="Journal, conference or publisher.")] = None,
    new_id: Annotated[str | None, typer.Option("--id", metavar="NEW_ID",
                                               help="Rename the item (its folders and every row).")] = None,
) -> None:
    """Correct an item's title, authors, year, link, type or venue, or give it a new id."""
    from paperlab.log.edit import Changes, split_authors
    from paperlab.log.edit import edit as edit_item

    changes = Changes(title=title, authors=split_authors(authors) if authors is not None else None, year=year,
                      link=link, type=type_, venue=venue)
    item, changed = edit_item(get_library(ctx), item_id, changes, new_id)
    console.print(f"{item.id}: changed {', '.join(changed)}")


def rm(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Remove an item: its log rows, chunks, vectors and PDF. Its notes go to papers/.trash/."""
    from paperlab.log.edit import remove

    lib = get_library(ctx)
    shown = items.show(lib, item_id)
    if not yes:
        if not sys.stdin.isatty():
            raise InvalidInput(f"not removing {shown.item.id} without a terminal to ask; pass --yes")
        if not typer.confirm(f"Remove {shown.item.id} ({shown.item.title})?", default=False):
            raise typer.Exit(1)
    removed = remove(lib, shown.item.id)
    console.print(f"Removed {removed.item.id}: {removed.item.title}")
    if removed.trash:
        console.print(f"Its notes were moved to {lib.relative(removed.trash)}")
    if removed.replication:
        console.print(f"Its replication project was kept: {lib.relative(removed.replication)}")


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
        ("Started", item.started_at or ""), ("Finished", item.finished_at or ""),
        ("Authors", ", ".join(item.authors)), ("Link", item.url), ("Venue", item.venue),
        ("Year", item.published[:4]),
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
    end = parse_date(day) or date.today()
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
    app.command()(edit)
    app.command()(rm)
