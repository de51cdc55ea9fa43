"""`paperlab feed`: new arXiv papers ranked for you; `feed pull`, `feed add`, `feed no`."""

from __future__ import annotations

from typing import Annotated

import typer

from paperlab.cli.render import console, err_console, index_summary, parse_date, print_json, table, working
from paperlab.cli.render import library as get_library

app = typer.Typer(help="New arXiv papers ranked for you from what you read, rate and tag: "
                  "`feed pull` first, then `feed`.", invoke_without_command=True)

SinceOpt = Annotated[str | None, typer.Option(help="From this day (first version's date).")]
UntilOpt = Annotated[str | None, typer.Option(help="To this day, included.")]


@app.callback()
def feed(
    ctx: typer.Context,
    tag: Annotated[str | None, typer.Option(help="Rank for this topic: the items tagged T are the "
                                            "ones liked.")] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=10000, help="How many to show.")] = 20,
    since: SinceOpt = None,
    until: UntilOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: a list in rank order.")] = False,
    as_markdown: Annotated[bool, typer.Option("--markdown", help="Print a digest in Markdown (the last "
                                              "7 days pulled, unless --since).")] = False,
) -> None:
    """The pulled candidates not in your library, best first, each with why: the liked papers it is
    closest to and the words that weighed most."""
    if ctx.invoked_subcommand is not None:
        return
    from paperlab.feed.recommend import markdown, recommend

    lib = get_library(ctx, show_progress=not (as_json or as_markdown))
    with working(lib):
        result = recommend(lib, tag=tag, k=k, since=parse_date(since, "--since", future=True),
                           until=parse_date(until, "--until", future=True), digest=as_markdown)
    if as_json:
        print_json([{"id": r.id, "title": r.title, "score": r.score, "why": r.why, "rank": r.rank,
                     "closest": r.closest, "words": r.words, "published": r.published,
                     "authors": r.authors, "categories": r.categories, "link": r.link} for r in result.items])
        return
    if as_markdown:
        print(markdown(result), end="")
        return
    console.print(table(("#", "ID", "Title", "Why"),
                        [(str(r.rank), r.id, r.title, r.why) for r in result.items], show_lines=True))
    more = f"; {result.more} more below (-k {result.ranked} shows all)" if result.more else ""
    console.print(f"{len(result.items)} of {result.ranked} new papers, ranked from {result.basis}{more}. "
                  "`paperlab feed add ID` keeps one, `paperlab feed no ID` hides one.", soft_wrap=True)


@app.command()
def pull(
    ctx: typer.Context,
    category: Annotated[list[str] | None, typer.Option(
        "--category", help="arXiv category, e.g. cs.LG (repeat it; default: the feed_categories setting, "
        "else the categories of the library's papers).")] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> None:
    """Pull new papers from arXiv as candidates (from where the last pull ended, else the last 7 days),
    then embed their titles and abstracts. An interrupted pull is continued."""
    from paperlab.feed.pull import pull as run_pull

    lib = get_library(ctx)
    with working(lib):
        report = run_pull(lib, category, since=parse_date(since, "--since"), until=parse_date(until, "--until"))
    for span in report.continued:
        err_console.print(f"Finished the interrupted pull of {span}.")
    console.print(f"Pulled {', '.join(report.categories)} from {report.since[:10]} to {report.until[:10]}: "
                  f"{report.listed} listed, {report.new} new candidate(s), {report.embedded} embedded.",
                  soft_wrap=True)


@app.command()
def add(
    ctx: typer.Context,
    arxiv_id: Annotated[str, typer.Argument(metavar="ID", help="The candidate's arXiv id.")],
    tag: Annotated[str | None, typer.Option(help="Tag it (its topic's feed learns from it).")] = None,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Download the PDF.")] = True,
) -> None:
    """Fetch a paper from the feed into the library (status to-read): the feed counts it as liked."""
    from paperlab.usecases import feed_add

    lib = get_library(ctx)
    with working(lib):
        outcome, report = feed_add(lib, arxiv_id, tag=tag, with_pdf=pdf)
    index_summary(report)
    if not outcome.ok:
        raise typer.Exit(_fail(f"{arxiv_id}: {outcome.message}"))
    console.print(table(("ID", "Result", "Details"), [(outcome.item_id or arxiv_id, outcome.status, outcome.message)]))


@app.command("no")
def no(ctx: typer.Context, arxiv_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Not interested: the paper leaves the feed and papers like it rank lower."""
    from paperlab.feed.recommend import dismiss

    found, new = dismiss(get_library(ctx), arxiv_id)
    console.print(f"{found}: not interested" + ("" if new else " (already marked)") + ".")


def _fail(message: str) -> int:
    err_console.print(f"Error: {message}", soft_wrap=True, markup=False)
    return 1
