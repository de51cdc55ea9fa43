"""`paperlab import markdown | bibtex FILE`: bring an old reading log or a reference library in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from paperlab.cli.render import console, err_console, index_summary, print_json, table, working
from paperlab.cli.render import library as get_library
from paperlab.log.imports import ImportReport
from paperlab.models import STATUSES

app = typer.Typer(help="Import an old reading log (Markdown) or a reference library (BibTeX).",
                  no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]})

FileArg = Annotated[Path, typer.Argument(metavar="FILE", help="The file to import.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what would be added; change nothing.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _run(ctx: typer.Context, kind: str, path: Path, status: str, dry_run: bool, as_json: bool,
         strict: bool = False) -> None:
    from paperlab import usecases

    lib = get_library(ctx, show_progress=not as_json)
    with working(lib):
        report = usecases.import_file(lib, kind, path, status, dry_run=dry_run, strict=strict)
    if as_json:
        print_json({"dry_run": dry_run, "added": [item for _, item in report.added],
                    "skipped": [{"title": inc.title, "existing": found} for inc, found in report.skipped],
                    "unread": report.unread, "warnings": report.warnings})
        return
    _render(report)
    console.print(report.summary(path.name), soft_wrap=True, markup=False)


def _render(report: ImportReport) -> None:
    if report.added and report.dry_run:
        console.print(table(("Date", "ID", "Title", "Type", "Notes"), [
            (item.finished_at or item.added_at[:10], item.id, item.title, item.type,
             ", ".join(k for k, v in (("summary", inc.summary), ("learnings", inc.learnings),
                                      ("dated", inc.entries), ("PDF", inc.pdf)) if v))
            for inc, item in report.added]))
    for inc, found in report.skipped:
        err_console.print(f"Skipped {inc.title!r} ({inc.origin}): already in the library as {found}",
                          soft_wrap=True, markup=False)
    for warning in report.warnings:
        err_console.print(f"Warning: {warning}", soft_wrap=True, markup=False)
    index_summary(report.index, "the imported items were saved but not indexed for search")


@app.command()
def markdown(
    ctx: typer.Context, path: FileArg, dry_run: DryRun = False, as_json: AsJson = False,
    status: Annotated[str, typer.Option(help=f"Status of the imported rows: {', '.join(STATUSES)}.")] = "read",
) -> None:
    """A Markdown log: | Date | Title | Content Type | Link | Personal Rating |, then notes per item."""
    _run(ctx, "markdown", path, status, dry_run, as_json)


@app.command()
def bibtex(
    ctx: typer.Context, path: FileArg, dry_run: DryRun = False, as_json: AsJson = False,
    status: Annotated[str, typer.Option(help=f"Status of the imported entries: {', '.join(STATUSES)}.")] = "to-read",
    strict: Annotated[bool, typer.Option("--strict", help="Import nothing if any entry cannot be "
                                         "imported (default: import the rest and name those).")] = False,
) -> None:
    """BibTeX from Zotero (Better BibTeX), papis or arXiv; PDFs in `file` fields are copied in. Entries
    that cannot be parsed are skipped and named with their line."""
    _run(ctx, "bibtex", path, status, dry_run, as_json, strict)
