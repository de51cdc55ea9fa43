"""What the command modules share: opening the library, consoles, tables, progress bars, JSON and
file output, and parsing dates."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from paperlab.errors import InvalidInput
from paperlab.library import Library, open_library
from paperlab.models import IndexReport, StageProgress

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def library(ctx: typer.Context) -> Library:
    obj = ctx.find_root().obj or {}
    return open_library(obj.get("home"))


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def table(columns: Iterable[str], rows: Iterable[Iterable[str]], **options: Any) -> Table:
    """A table whose cells fold rather than get cut."""
    out = Table(header_style="bold", **options)
    for column in columns:
        out.add_column(column, overflow="fold")
    for row in rows:
        out.add_row(*row)
    return out


def write_or_print(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from paperlab.fsutil import atomic_write_text

    try:
        atomic_write_text(output, text)
    except OSError as exc:
        raise InvalidInput(f"cannot write {output}: {exc.strerror}") from exc
    err_console.print(f"Wrote {output}")


def parse_date(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{flag} must be a date like 2026-11-21, got '{text}'") from exc


@contextmanager
def stage_bars(show: bool = True) -> Iterator[StageProgress]:
    """A progress bar per stage of long work (extracting, embedding, keywords). The display starts
    with the first report, so a prompt before the work is not drawn over."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    bars = Progress(TextColumn("{task.description:<11}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err_console, transient=True, disable=not show)
    tasks: dict[str, TaskID] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if not tasks:
            bars.start()
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=total)
        bars.update(tasks[stage], completed=done, total=total)

    try:
        yield progress
    finally:
        if tasks:
            bars.stop()


def index_summary(report: IndexReport | None) -> None:
    """One line saying what indexing did; nothing when it did not run or stopped early."""
    if report is None or report.stopped:
        return
    err_console.print(
        f"Indexed {report.items} item(s): {report.extracted} PDF(s) and {report.notes} notes "
        f"file(s) read, {report.chunks_added} chunk(s) added, {report.chunks_removed} removed, "
        f"{report.embedded} embedded, {report.vectors} vectors in the index.", soft_wrap=True)
