"""Everyday reading-log commands: init, add, status, rate, tag, note, log, show, week."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from paperlab import db, export, library, notes
from paperlab.cli.common import console, err_console, print_json
from paperlab.cli.common import library as get_library
from paperlab.errors import InvalidInput
from paperlab.models import CONTENT_TYPES, STATUSES


def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new library.")] = Path("."),
) -> None:
    """Create a library: paperlab.toml, paperlab.db, papers/, index/, replications/."""
    lib, created = library.init_library(directory)
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
    database = library.open_db(lib)
    path = Path(target).expanduser()
    if path.suffix.lower() == ".pdf" or path.exists():
        from paperlab import fetch

        stamped = fetch.stamped_arxiv_id(path) if path.is_file() else None
        if stamped and lookup is None:
            lookup = typer.confirm(
                f"{path.name} looks like arXiv paper {stamped}. Look up its metadata on arXiv?",
                default=True,
            )
        if stamped and lookup:
            item = fetch.add_local_arxiv_pdf(lib, database, path, stamped)
        elif stamped:  # keyed by its arXiv id, so `fetch --update` can fill in the metadata later
            item = library.add_pdf(lib, database, path, title=title, arxiv_id=stamped)
        else:
            item = library.add_pdf(lib, database, path, title=title)
        console.print(f"Added {item.id}: {item.title}")
        _index_after(lib, database, item.id)
        return
    if "://" not in target and not title:
        raise InvalidInput(f"{target} is not a file; to add a link pass a URL with --title")
    item = library.add_link(lib, database, title=title or target, type_=type_, link=target,
                            status=status, tags=tag)
    console.print(f"Added {item.id}: {item.title} ({item.type})")


def _index_after(lib, database, item_id: str) -> None:  # type: ignore[no-untyped-def]
    from paperlab.cli.search_cmds import index_items

    index_items(lib, database, [item_id], quiet_errors=True)


def status(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    new_status: Annotated[str, typer.Argument(metavar="STATUS", help=", ".join(STATUSES))],
) -> None:
    """Set an item's status: to-read, reading, read, abandoned."""
    database = library.open_db(get_library(ctx))
    item = library.set_status(database, item_id, new_status)
    console.print(f"{item.id}: {item.status}")


def rate(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    rating: Annotated[int, typer.Argument(help="1 to 10.")],
) -> None:
    """Rate an item from 1 to 10."""
    database = library.open_db(get_library(ctx))
    item = library.rate(database, item_id, rating)
    console.print(f"{item.id}: {item.rating}/10")


def tag(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    changes: Annotated[list[str], typer.Argument(help="+tag to add, -tag to remove.")],
) -> None:
    """Add (+tag) or remove (-tag) tags."""
    database = library.open_db(get_library(ctx))
    item = library.tag(database, item_id, changes)
    console.print(f"{item.id}: {' '.join(item.tags) or '(no tags)'}")


def note(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    message: Annotated[str | None, typer.Option("-m", "--message", help="Append a dated entry.")] = None,
    summary: Annotated[str | None, typer.Option(help="Add to the Summary section.")] = None,
    learned: Annotated[list[str] | None, typer.Option(help="Add a key learning (repeatable).")] = None,
) -> None:
    """Write notes: opens $EDITOR on papers/<id>/notes.md, or appends with -m/--summary/--learned."""
    lib = get_library(ctx)
    database = library.open_db(lib)
    use_editor = not (message or summary or learned)
    result = library.write_note(lib, database, item_id, message=message, summary=summary,
                                learned=learned, editor=use_editor)
    console.print(f"{'Saved' if result.changed else 'No change to'} {result.path.relative_to(lib.home)}")
    if result.changed:
        from paperlab.cli.search_cmds import index_notes_quietly

        index_notes_quietly(lib, database, library.resolve_id(database, item_id))


def log(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="Only this content type.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only items with this tag.")] = None,
    since: Annotated[str | None, typer.Option(help="Only items added on or after YYYY-MM-DD.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the reading log as a table."""
    if status:
        library.check_status(status)
    if since:
        _parse_date(since, "--since")
    lib = get_library(ctx)
    database = library.open_db(lib)
    items = db.list_items(database, status=status, type_=type_, tag=tag, since=since)
    if as_json:
        print_json([i.to_dict() for i in items])
        return
    if not items:
        console.print("No items. Add one with `paperlab fetch <arxiv-id>` or `paperlab add`.")
        return
    table = Table(show_lines=False, header_style="bold")
    for col in ("Date", "ID", "Title", "Type", "Status", "Rating", "Tags"):
        table.add_column(col, overflow="fold", no_wrap=col in ("Date", "Rating"),
                         min_width=30 if col == "Title" else None, ratio=1 if col == "Title" else None)
    for item in items:
        table.add_row(export.item_date(item), item.id, item.title, item.type, item.status,
                      f"{item.rating}/10" if item.rating else "", " ".join(item.tags))
    console.print(table)


def show(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one item with its notes and replication status."""
    lib = get_library(ctx)
    database = library.open_db(lib)
    item = db.get_item(database, library.resolve_id(database, item_id))
    note_path = library.notes_path(lib, item.id)
    parsed = notes.parse(note_path)
    replication = export.replication_status(database, item.id)
    if as_json:
        print_json({**item.to_dict(), "summary": parsed.summary, "key_learnings": parsed.learnings,
                    "notes": parsed.text, "replication": replication})
        return
    console.print(f"[bold]{item.title}[/bold]")
    rows = [
        ("ID", item.id), ("Type", item.type), ("Status", item.status),
        ("Rating", f"{item.rating}/10" if item.rating else "-"),
        ("Tags", " ".join(item.tags) or "-"), ("Added", item.added_at[:10]),
        ("Authors", ", ".join(item.authors)), ("Link", export.item_link(item)),
        ("Version", f"v{item.version}" if item.version else ""),
        ("Text", item.text_status + (f" ({item.text_error})" if item.text_error else "")),
        ("Replication", replication or "none"),
    ]
    for key, value in rows:
        if value:
            console.print(f"  {key:<12} {value}", soft_wrap=True)
    if parsed.text.strip():
        console.print(f"\n[dim]{note_path.relative_to(lib.home)}[/dim]")
        console.print(parsed.text.rstrip(), markup=False)


def week(
    ctx: typer.Context,
    day: Annotated[str | None, typer.Option("--date", help="Last day of the week, YYYY-MM-DD.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file.")] = None,
) -> None:
    """A Markdown recap of the 7 days ending at --date (default today): 'My week in ML'."""
    end = _parse_date(day, "--date") if day else date.today()
    lib = get_library(ctx)
    text = export.week(lib, library.open_db(lib), end)
    _write_or_print(text, output)


def _write_or_print(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from paperlab.fsutil import atomic_write_text

    try:
        atomic_write_text(output, text)
    except OSError as exc:
        raise InvalidInput(f"cannot write {output}: {exc.strerror}") from exc
    err_console.print(f"Wrote {output}")


def _parse_date(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{flag} must be a date like 2026-11-21, got '{text}'") from exc


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
