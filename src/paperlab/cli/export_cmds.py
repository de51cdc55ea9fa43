"""`paperlab export markdown|bibtex|json`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from paperlab import db, export, library
from paperlab.cli.common import library as get_library
from paperlab.cli.log_cmds import _write_or_print

app = typer.Typer(help="Export the reading log.", no_args_is_help=True)

Output = Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file.")]


@app.command()
def markdown(ctx: typer.Context, output: Output = None) -> None:
    """The log as a Markdown table (Date | Title | Content Type | Link | Personal Rating) plus notes."""
    lib = get_library(ctx)
    _write_or_print(export.markdown(lib, library.open_db(lib)), output)


@app.command()
def bibtex(ctx: typer.Context, output: Output = None) -> None:
    """BibTeX entries (arXiv entries carry eprint, archivePrefix, primaryClass and the arXiv DOI)."""
    lib = get_library(ctx)
    _write_or_print(export.bibtex(db.list_items(library.open_db(lib))), output)


@app.command(name="json")
def json_(ctx: typer.Context, output: Output = None) -> None:
    """Every item with its notes summary, key learnings and replication status, as JSON."""
    lib = get_library(ctx)
    database = library.open_db(lib)
    _write_or_print(export.as_json(lib, database, db.list_items(database)), output)
