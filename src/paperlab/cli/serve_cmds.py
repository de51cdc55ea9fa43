"""`paperlab serve`: the library in a browser (paperlab.web)."""

from __future__ import annotations

from typing import Annotated

import typer

from paperlab.cli.render import console
from paperlab.cli.render import library as get_library


def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free one).")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to listen on. Anything but this machine's own "
                                      "(127.0.0.1, localhost, ::1) requires the token printed at start.")]
    = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option("--open", help="Open the library in the default browser.")] = False,
) -> None:
    """Serve the library as a local web app: the log, notes, the PDF reader, search, the feed and
    replications. Stop it with Ctrl-C."""
    from paperlab.web.server import serve as run_server

    lib = get_library(ctx, show_progress=False)
    lib.db  # noqa: B018  # opened (and migrated) once here: a damaged library fails before the server starts
    lib.close()
    run_server(lib.home, host, port, open_browser, say=lambda line: console.print(line, soft_wrap=True))


def register(app: typer.Typer) -> None:
    app.command()(serve)
