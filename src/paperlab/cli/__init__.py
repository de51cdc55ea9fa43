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

from paperlab.errors import Interrupted, PaperlabError, StorageError, environment_error

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
        except KeyboardInterrupt as exc:
            raise _fail(str(exc) if isinstance(exc, Interrupted) else "interrupted; nothing half-written "
                        "was kept", 130) from None
        except _USAGE_ERROR as exc:  # a bad option or argument: one line, and where help is
            ctx_ = getattr(exc, "ctx", None)
            where = ctx_.command_path if ctx_ is not None else "paperlab"
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            raise _fail(f"{message} (see `{where} -h`)", 2) from None
        except Exception as exc:
            message = environment_error(exc)
            if message is None:
                raise
            raise _fail(message, StorageError.ENVIRONMENT) from None


def _fail(message: str, code: int) -> typer.Exit:
    print(f"Error: {' '.join(message.split())}", file=sys.stderr)
    return typer.Exit(code)


def _plain_argument_help() -> None:
    """Typer writes a required argument as `{ID}` in the usage line; paperlab's help says `ID`, as
    man pages do."""
    from typer.core import TyperArgument

    typer_metavar = TyperArgument.make_metavar

    def make_metavar(self: TyperArgument, ctx: Any, *, usage: bool = False) -> str:
        name = typer_metavar(self, ctx, usage=usage)
        return name[1:-1] if name.startswith("{") and name.endswith("}") else name

    TyperArgument.make_metavar = make_metavar  # type: ignore[method-assign]


_plain_argument_help()

_app = typer.Typer(
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


@_app.callback()
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


# The module of each command: a command line imports only the module it names (a cold `search` then
# skips the other commands' imports and Typer's work on them); help and unknown names load them all.
COMMAND_MODULES = {
    **dict.fromkeys(("init", "add", "status", "rate", "tag", "note", "log", "show", "week", "edit", "rm"),
                    "log_cmds"),
    "fetch": "fetch_cmds", "index": "search_cmds", "search": "search_cmds", "similar": "search_cmds",
    "doctor": "doctor_cmds", "import": "import_cmds", "export": "export_cmds", "replicate": "replicate_cmds",
    "feed": "feed_cmds", "serve": "serve_cmds",
}
_registered: set[str] = set()


def _register(modules: list[str]) -> None:
    import importlib

    for name in modules:
        if name in _registered:
            continue
        _registered.add(name)
        module = importlib.import_module(f"paperlab.cli.{name}")
        if hasattr(module, "register"):
            module.register(_app)
        else:  # a group of subcommands: `paperlab import ...`
            _app.add_typer(module.app, name=name.removesuffix("_cmds"))


def _every_module() -> list[str]:
    return list(dict.fromkeys(COMMAND_MODULES.values()))


def command_name(args: list[str]) -> str | None:
    """The command these arguments name; None for help, --version or a name that is not a command
    (Click then lists every command, or suggests the nearest)."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--home":
            skip = True
        elif not arg.startswith("-"):
            return arg if arg in COMMAND_MODULES else None
        elif not arg.startswith("--home="):
            return None
    return None


def __getattr__(name: str) -> Any:
    """`paperlab.cli.app`: the root app with every command (tests drive it with CliRunner)."""
    if name == "app":
        _register(_every_module())
        return _app
    raise AttributeError(name)


def main() -> None:
    name = command_name(sys.argv[1:])
    _register([COMMAND_MODULES[name]] if name else _every_module())
    if name:
        # Typer builds a Click command from the signature of every registered function before it
        # runs one: keep only the one named (`note` then skips ten others' signatures)
        _app.registered_commands = [c for c in _app.registered_commands if _name_of(c) == name]
    _app(prog_name="paperlab")


def _name_of(info: Any) -> str:
    """A registered command's name as Typer gives it: its own, else its function's."""
    return str(info.name or info.callback.__name__.replace("_", "-"))
