"""The command line: Typer apps that parse, call one core function and render.

The root app holds the single error boundary; command modules import the core packages and
`cli.render`, never the storage layer or each other.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from paperlab.errors import PaperlabError


class ErrorBoundary(TyperGroup):
    """Domain errors become one `Error: ...` line and a non-zero exit; bugs keep their traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PaperlabError as exc:
            message = " ".join(str(exc).split())
            print(f"Error: {message}", file=sys.stderr)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            print("Error: interrupted; nothing half-written was kept", file=sys.stderr)
            raise typer.Exit(130) from None


app = typer.Typer(
    cls=ErrorBoundary,
    help="Read, search and replicate ML papers: a reading log, arXiv fetch, hybrid search, "
    "replication projects.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option("--home", help="Library folder (default: $PAPERLAB_HOME, then the nearest "
                     "parent folder holding paperlab.toml).", show_default=False),
    ] = None,
) -> None:
    ctx.obj = {"home": home}


def _register() -> None:
    from paperlab.cli import export_cmds, fetch_cmds, log_cmds, replicate_cmds, search_cmds

    log_cmds.register(app)
    fetch_cmds.register(app)
    search_cmds.register(app)
    app.add_typer(export_cmds.app, name="export")
    app.add_typer(replicate_cmds.app, name="replicate")


_register()


def main() -> None:
    app(prog_name="paperlab")
