"""`paperlab fetch`: arXiv papers into the library."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from paperlab import library
from paperlab.cli.common import console, err_console, print_json
from paperlab.cli.common import library as get_library


def fetch(
    ctx: typer.Context,
    ids: Annotated[list[str], typer.Argument(
        metavar="ID...", help="arXiv ids or links: 2201.02177, arXiv:2201.02177v2, "
        "https://arxiv.org/abs/2201.02177, hep-th/9901001.")],
    update: Annotated[bool, typer.Option(help="Fetch a newer arXiv version if there is one.")] = False,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Download the PDF.")] = True,
    index: Annotated[bool, typer.Option("--index/--no-index", help="Extract and index after.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcomes as JSON.")] = False,
) -> None:
    """Fetch arXiv metadata and PDFs into the library and record them in the log."""
    from paperlab.fetch import fetch_many

    lib = get_library(ctx)
    database = library.open_db(lib)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        TimeRemainingColumn(), console=err_console, transient=True, disable=as_json,
    ) as bars:

        def progress_for(arxiv_id: str):  # type: ignore[no-untyped-def]
            task = bars.add_task(f"PDF {arxiv_id}", total=None)

            def update_bar(done: int, total: int | None) -> None:
                bars.update(task, completed=done, total=total)

            return update_bar

        if not as_json:
            err_console.print(f"Looking up {len(ids)} id(s) on arXiv...")
        outcomes = fetch_many(lib, database, ids, update=update, with_pdf=pdf,
                              progress_for=progress_for)
    index_errors: dict[str, str] = {}
    new_ids = [o.item_id for o in outcomes if o.status in ("fetched", "updated") and o.item_id]
    if index and pdf and new_ids:
        from paperlab.cli.search_cmds import index_items

        index_errors = index_items(lib, database, new_ids, quiet_errors=True, show=not as_json)
    if as_json:
        print_json([{**o.__dict__, "index_error": index_errors.get(o.item_id or "")} for o in outcomes])
    else:
        table = Table(header_style="bold")
        for col in ("ID", "Result", "Details"):
            table.add_column(col, overflow="fold")
        for o in outcomes:
            style = {"failed": "red", "fetched": "green", "updated": "green"}.get(o.status, "")
            table.add_row(o.item_id or o.ref, f"[{style}]{o.status}[/]" if style else o.status,
                          o.message)
        console.print(table)
        for item_id, error in index_errors.items():
            err_console.print(f"Warning: {item_id} was fetched but not indexed: {error}. "
                              f"Retry with `paperlab index {item_id}`.", soft_wrap=True)
    failed = [o for o in outcomes if not o.ok]
    if failed:
        if not as_json:
            err_console.print(f"Error: {len(failed)} of {len(outcomes)} failed", soft_wrap=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(fetch)
