"""`paperlab fetch`: arXiv papers into the library."""

from __future__ import annotations

from typing import Annotated

import typer

from paperlab.cli.render import console, err_console, index_summary, print_json, table, working
from paperlab.cli.render import library as get_library


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
    from paperlab import usecases

    lib = get_library(ctx, show_progress=not as_json)
    if not as_json:
        err_console.print(f"Looking up {len(ids)} id(s) on arXiv...")
    with working(lib):
        outcomes, report = usecases.fetch(lib, ids, update=update, with_pdf=pdf, index=index)
    if as_json:
        print_json([o.__dict__ for o in outcomes])
    else:
        index_summary(report)
        styles = {"failed": "red", "fetched": "green", "updated": "green", "filled": "green"}
        console.print(table(("ID", "Result", "Details"), [
            (o.item_id or o.ref, f"[{styles[o.status]}]{o.status}[/]" if o.status in styles else o.status,
             o.message) for o in outcomes]))
        for o in outcomes:
            if o.index_error:
                err_console.print(f"Warning: {o.item_id} was fetched but not indexed: {o.index_error}. "
                                  f"Retry with `paperlab index {o.item_id}`.", soft_wrap=True)
    failed = [o for o in outcomes if not o.ok]
    if failed:
        if not as_json:
            err_console.print(f"Error: {len(failed)} of {len(outcomes)} failed", soft_wrap=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(fetch)
