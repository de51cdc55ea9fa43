"""`paperlab export markdown|bibtex|json`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from paperlab.cli.render import library, write_or_print
from paperlab.log import export

app = typer.Typer(help="Export the reading log.", no_args_is_help=True)

Output = Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file.")]


@app.command()
def markdown(ctx: typer.Context, output: Output = None) -> None:
    """The log as a Markdown table (Date | Title | Content Type | Link | Personal Rating) plus notes."""
    write_or_print(export.markdown(library(ctx)), output)


@app.command()
def bibtex(ctx: typer.Context, output: Output = None) -> None:
    """BibTeX entries (arXiv entries carry eprint, archivePrefix, primaryClass and the arXiv DOI)."""
    write_or_print(export.bibtex(library(ctx)), output)


@app.command(name="json")
def json_(ctx: typer.Context, output: Output = None) -> None:
    """Every item with its notes summary, key learnings and replication status, as JSON."""
    write_or_print(export.as_json(library(ctx)), output)
