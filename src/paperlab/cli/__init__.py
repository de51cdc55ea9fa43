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

from paperlab.errors import PaperlabError, environment_error

# Click's UsageError as Typer ships it (Typer vendors Click; BadParameter is its public subclass).
_USAGE_ERROR: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


class ErrorBoundary(TyperGroup):
    """Domain errors and what the machine does (a read-only or full disk, a locked or damaged
    database, a missing program, the network) become one `Error: ...` line and a non-zero exit;
    bugs keep their traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PaperlabError as exc:
            raise _fail(str(exc), exc.exit_code) from None
        except KeyboardInterrupt:
            raise _fail("interrupted; nothing half-written was kept", 130) from None
        except _USAGE_ERROR as exc:  # a bad option or argument: one line, and where help is
            ctx_ = getattr(exc, "ctx", None)
            where = ctx_.command_path if ctx_ is not None else "paperlab"
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            raise _fail(f"{message} (see `{where} -h`)", 2) from None
        except Exception as exc:
            message = environment_error(exc)
            if message is None:
                raise
            raise _fail(message, 1) from None


def _fail(message: str, code: int) -> typer.Exit:
    print(f"Error: {' '.join(message.split())}", file=sys.stderr)
    return typer.Exit(code)


def _plain_argument_help() -> None:
    """Typer 0.2x writes a required argument as `{ID}` in the usage line and adds its Python type
    (`ID <str>`, `<list[str]>`) in the help; paperlab's help says `ID`, as man pages do."""
    from typer.core import TyperArgument

    def usage_name(self: TyperArgument) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 and not name.endswith("...") else "")

    if hasattr(TyperArgument, "_usage_display_name"):
        TyperArgument._usage_display_name = usage_name  # type: ignore[method-assign]
    if hasattr(TyperArgument, "display_type_rich"):
        TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]


_plain_argument_help()

app = typer.Typer(
    cls=ErrorBoundary,
    help="Read, search and replicate ML papers: a reading log, arXiv fetch, hybrid search, "
    "replication projects.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"paperlab {version('paperlab')}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option("--home", help="Library folder (default: $PAPERLAB_HOME, then the nearest "
                     "parent folder holding paperlab.toml).", show_default=False),
    ] = None,
    _version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                           help="Print the version and exit.")] = False,
) -> None:
    from paperlab.cli.render import start_command

    start_command()
    ctx.obj = {"home": home}


def _register() -> None:
    from paperlab.cli import (
        doctor_cmds,
        export_cmds,
        fetch_cmds,
        import_cmds,
        log_cmds,
        replicate_cmds,
        search_cmds,
    )

    log_cmds.register(app)
    fetch_cmds.register(app)
    search_cmds.register(app)
    doctor_cmds.register(app)
    app.add_typer(import_cmds.app, name="import")
    app.add_typer(export_cmds.app, name="export")
    app.add_typer(replicate_cmds.app, name="replicate")


_register()


def main() -> None:
    app(prog_name="paperlab")
