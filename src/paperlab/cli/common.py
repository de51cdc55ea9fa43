"""Helpers shared by the command modules: finding the library, consoles, JSON output."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console

from paperlab.config import Library, open_library

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def library(ctx: typer.Context) -> Library:
    obj = ctx.find_root().obj or {}
    return open_library(obj.get("home"))


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
