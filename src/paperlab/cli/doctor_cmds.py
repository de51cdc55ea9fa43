"""`paperlab doctor [--fix]`: check the library and what paperlab needs to run; repair what is safe."""

from __future__ import annotations

from typing import Annotated

import typer

from paperlab.cli.render import console, print_json, table
from paperlab.cli.render import library as get_library


def doctor(
    ctx: typer.Context,
    fix: Annotated[bool, typer.Option("--fix", help="Repair what can be repaired without losing anything.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    pending: Annotated[bool, typer.Option("--pending", help="Only list the database migrations this "
                                          "version would apply, changing nothing.")] = False,
) -> None:
    """Check the database, index, PDFs, folders, replications, model files and ONNX encoder."""
    from paperlab.doctor import describe, pending_migrations
    from paperlab.doctor import doctor as run_checks

    if pending:
        waiting = pending_migrations(get_library(ctx))
        if as_json:
            print_json(waiting)
        elif not waiting:
            console.print("The database is up to date: no migration is pending.")
        else:
            console.print(table(("Version", "Migration", "What it does"),
                                [(str(m.version), m.name, m.what) for m in waiting]))
            console.print(f"{len(waiting)} migration(s) will be applied the next time paperlab opens this "
                          "library for writing (any command but this one).", soft_wrap=True)
        return

    findings = run_checks(get_library(ctx), fix=fix)
    good, bad = describe(findings)
    if as_json:
        print_json([f.to_dict() for f in findings])
    else:
        console.print(table(("Check", "", "Found"), [
            (f.check, "[green]ok[/]" if f.ok else "[red]problem[/]", f.detail) for f in findings]))
        hint = "" if fix or not bad else "; `paperlab doctor --fix` repairs what it safely can"
        console.print(f"{good} check(s) passed, {bad} found a problem{hint}.", soft_wrap=True)
    if bad:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(doctor)
