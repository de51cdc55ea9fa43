"""`paperlab index`, `paperlab search`, `paperlab similar`."""

from __future__ import annotations

from typing import Annotated

import typer

from paperlab.cli.render import console, err_console, index_summary, print_json, table, working
from paperlab.cli.render import library as get_library


def index(
    ctx: typer.Context,
    ids: Annotated[list[str] | None, typer.Argument(metavar="ID", help="Only these items.")] = None,
    rebuild: Annotated[bool, typer.Option(help="Re-extract everything and rebuild the FAISS file "
                                          "from the database.")] = False,
) -> None:
    """Extract, chunk and embed papers and notes (incremental: unchanged text is never re-embedded)."""
    from paperlab.retrieval.ingest import index as run_index

    lib = get_library(ctx)
    with working(lib):
        report = run_index(lib, ids, rebuild=rebuild)
    index_summary(report)
    for item_id, error in report.errors.items():
        err_console.print(f"Warning: {item_id}: {error}", soft_wrap=True)


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(metavar="QUERY", help="What to look for.")],
    k: Annotated[int, typer.Option("-k", min=1, max=1000, help="Number of results.")] = 10,
    mode: Annotated[str, typer.Option(help="hybrid, keyword or semantic.")] = "hybrid",
    paper: Annotated[str | None, typer.Option(help="Only this item.")] = None,
    notes: Annotated[bool, typer.Option("--notes", help="Only your notes.")] = False,
    status: Annotated[str | None, typer.Option(help="Only items with this status.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only items with this tag.")] = None,
    references: Annotated[bool, typer.Option("--references", help="Include the papers' reference "
                                             "lists (left out by default).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search papers and notes; shows paper, the page of the passage's best sentence (its page range
    where it cannot tell), section and that sentence with its neighbours. Passages that
    match neither a query word nor, semantically, better than nonsense does are not shown."""
    from paperlab.retrieval.search import Filters, query_terms
    from paperlab.retrieval.search import search as run_search

    filters = Filters(paper=paper, notes_only=notes, status=status, tag=tag, references=references)
    hits = run_search(get_library(ctx), query, k=k, mode=mode, filters=filters)
    if as_json:
        print_json(hits)
        return
    if not hits:
        console.print(f"No results for \"{query}\": no passage holds its words or comes close in "
                      "meaning." + ("" if references else " (Reference lists were not searched: "
                                    "--references.)"))
        return
    from rich.table import Table
    from rich.text import Text

    terms = query_terms(query)
    out = Table(header_style="bold", show_lines=True)
    out.add_column("#", justify="right")
    out.add_column("Where", overflow="fold", max_width=40)
    out.add_column("Passage", overflow="fold")
    for hit in hits:
        pages = f"p. {hit.page}" if hit.page is not None else f"pp. {hit.page_start}-{hit.page_end}"
        where = Text(f"{hit.title}\n", style="bold")
        where.append(f"{hit.item_id}  ", style="cyan")
        where.append("notes" if hit.source == "notes" else pages, style="magenta")
        if hit.zone == "references":
            where.append("  references", style="magenta")
        if hit.section:
            where.append(f"\n{hit.section}", style="dim")
        passage = Text(hit.snippet)
        passage.highlight_words(terms, style="bold yellow", case_sensitive=False)
        out.add_row(str(hit.rank), where, passage)
    console.print(out)


def similar(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(metavar="ID")],
    k: Annotated[int, typer.Option("-k", min=1, max=1000, help="Number of papers.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The papers closest to this one."""
    from paperlab.retrieval.search import similar as run_similar

    results = run_similar(get_library(ctx), item_id, k=k)
    if as_json:
        print_json(results)
        return
    rows = [(r.item_id, r.title, f"{r.score:.3f}") for r in results]
    console.print(table(("ID", "Title", "Similarity"), rows) if results else "No other indexed papers.")


def register(app: typer.Typer) -> None:
    app.command()(index)
    app.command()(search)
    app.command()(similar)
