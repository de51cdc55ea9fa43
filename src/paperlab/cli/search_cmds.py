"""`paperlab index`, `paperlab search`, `paperlab similar`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from paperlab import library
from paperlab.cli.common import console, err_console, print_json
from paperlab.cli.common import library as get_library
from paperlab.config import Library
from paperlab.db import sqlite_utils
from paperlab.errors import PaperlabError


def index_items(
    lib: Library, database: sqlite_utils.Database, item_ids: list[str] | None,
    rebuild: bool = False, quiet_errors: bool = False, show: bool = True,
) -> dict[str, str]:
    """Index with progress bars; returns {item id: error} for items whose text could not be read."""
    from paperlab.ingest import index_library

    with Progress(TextColumn("{task.description:<11}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=True,
                  disable=not show) as bars:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=total)
            bars.update(tasks[stage], completed=done, total=total)

        try:
            report = index_library(lib, database, item_ids, rebuild=rebuild, progress=progress)
        except PaperlabError as exc:
            if not quiet_errors:
                raise
            return {i: str(exc) for i in item_ids or []}
    if show:
        err_console.print(
            f"Indexed {report.items} item(s): {report.extracted} PDF(s) and {report.notes} notes "
            f"file(s) read, {report.chunks_added} chunk(s) added, {report.chunks_removed} removed, "
            f"{report.embedded} embedded, {report.vectors} vectors in the index.", soft_wrap=True)
    return report.errors


def index_notes_quietly(lib: Library, database: sqlite_utils.Database, item_id: str) -> None:
    """Keep notes searchable right after `paperlab note`; a failure only warns."""
    errors = index_items(lib, database, [item_id], quiet_errors=True, show=False)
    if item_id in errors and "notes" in errors[item_id]:
        err_console.print(f"Warning: notes not indexed: {errors[item_id]}")


def index(
    ctx: typer.Context,
    ids: Annotated[list[str] | None, typer.Argument(metavar="[ID]...", help="Only these items.")] = None,
    rebuild: Annotated[bool, typer.Option(help="Re-extract everything and rebuild the FAISS file "
                                          "from the database.")] = False,
) -> None:
    """Extract, chunk and embed papers and notes (incremental: unchanged text is never re-embedded)."""
    lib = get_library(ctx)
    database = library.open_db(lib)
    item_ids = [library.resolve_id(database, i) for i in ids] if ids else None
    errors = index_items(lib, database, item_ids, rebuild=rebuild)
    for item_id, error in errors.items():
        err_console.print(f"Warning: {item_id}: {error}", soft_wrap=True)


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", help="Number of results.")] = 10,
    mode: Annotated[str, typer.Option(help="hybrid, keyword or semantic.")] = "hybrid",
    paper: Annotated[str | None, typer.Option(help="Only this item.")] = None,
    notes: Annotated[bool, typer.Option("--notes", help="Only your notes.")] = False,
    status: Annotated[str | None, typer.Option(help="Only items with this status.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only items with this tag.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search papers and notes; shows paper, page, section and a highlighted snippet."""
    from paperlab.search import Filters, query_terms
    from paperlab.search import search as run_search

    lib = get_library(ctx)
    database = library.open_db(lib)
    if status:
        library.check_status(status)
    filters = Filters(paper=library.resolve_id(database, paper) if paper else None,
                      notes_only=notes, status=status, tag=tag)
    hits = run_search(lib, database, query, k=k, mode=mode, filters=filters)
    if as_json:
        print_json([asdict(h) for h in hits])
        return
    if not hits:
        console.print("No results.")
        return
    terms = query_terms(query)
    table = Table(header_style="bold", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("Where", overflow="fold", max_width=40)
    table.add_column("Passage", overflow="fold")
    for hit in hits:
        pages = f"p. {hit.page_start}" if hit.page_start == hit.page_end else \
            f"pp. {hit.page_start}-{hit.page_end}"
        where = Text(f"{hit.title}\n", style="bold")
        where.append(f"{hit.item_id}  ", style="cyan")
        where.append("notes" if hit.source == "notes" else pages, style="magenta")
        if hit.section:
            where.append(f"\n{hit.section}", style="dim")
        passage = Text(hit.snippet)
        passage.highlight_words(terms, style="bold yellow", case_sensitive=False)
        table.add_row(str(hit.rank), where, passage)
    console.print(table)


def similar(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    k: Annotated[int, typer.Option("-k", help="Number of papers.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The papers closest to this one."""
    from paperlab.search import similar as run_similar

    lib = get_library(ctx)
    database = library.open_db(lib)
    results = run_similar(lib, database, library.resolve_id(database, item_id), k=k)
    if as_json:
        print_json([asdict(r) for r in results])
        return
    table = Table(header_style="bold")
    for col in ("ID", "Title", "Similarity"):
        table.add_column(col, overflow="fold")
    for r in results:
        table.add_row(r.item_id, r.title, f"{r.score:.3f}")
    console.print(table if results else "No other indexed papers.")


def register(app: typer.Typer) -> None:
    app.command()(index)
    app.command()(search)
    app.command()(similar)
