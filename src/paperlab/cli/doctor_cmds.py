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
) -> None:
    """Check the database, index, PDFs, folders, replications, model files and ONNX encoder."""
    from paperlab.doctor import describe
    from paperlab.doctor import doctor as run_checks

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
