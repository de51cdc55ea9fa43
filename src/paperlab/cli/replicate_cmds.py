"""`paperlab replicate ...`: scaffold, claims, run, check, status, report."""

from __future__ import annotations

import typer

app = typer.Typer(help="Replicate a paper: scaffold a project, record its claims, run, check.",
                  no_args_is_help=True)
