"""What the command modules share: opening the library, consoles, tables, progress bars, JSON and
file output, and parsing dates."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from paperlab.errors import InvalidInput, PaperlabError, StorageError
from paperlab.library import Library, open_library
from paperlab.models import IndexReport

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID
    from rich.table import Table


class LazyConsole:
    """A Rich console, made when first used: a command that prints nothing or only plain lines
    (`say`) never imports Rich, about 0.06 s of a `paperlab note`."""

    def __init__(self, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    @property
    def rich(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False)
        return self._console

    def measure_again(self) -> None:
        """Ask the terminal (or $COLUMNS) for the width on every render: Rich fixes it at creation
        if $COLUMNS is set then, and one process (a test) runs many commands."""
        if self._console is not None:
            self._console.width = None  # type: ignore[assignment]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rich, name)


console = LazyConsole()
err_console = LazyConsole(stderr=True)


def say(line: str) -> None:
    """A plain line on stdout, without Rich."""
    sys.stdout.write(line + "\n")


def start_command() -> None:
    """Before each command: measure the terminal again (one process, a test, runs many commands)."""
    for each in (console, err_console):
        each.measure_again()


class Terminal:
    """The CLI's side of the interaction protocol (interaction.py): questions only when stdin is a
    terminal, progress bars on stderr (one live display at a time, started by the first report so a
    prompt before the work is not drawn over), the "waiting" line, and $VISUAL or $EDITOR."""

    def __init__(self, show: bool = True) -> None:
        self.show = show
        self._displays: dict[str, Progress] = {}  # unit -> its display
        self._tasks: dict[str, TaskID] = {}  # stage -> its bar
        self._live: str | None = None  # the unit whose display is on screen

    def confirm(self, question: str) -> bool | None:
        return typer.confirm(question, default=True) if sys.stdin.isatty() else None

    def progress(self, stage: str, done: int, total: int | None, unit: str = "items", note: str = "") -> None:
        if not self.show:
            return
        display = self._display(unit)
        if stage not in self._tasks:
            self._tasks[stage] = display.add_task(stage, total=total, note="")
        display.update(self._tasks[stage], completed=done, total=total, note=note[:70])

    def _display(self, unit: str) -> Progress:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        if self._live != unit:
            self.close()  # the downloads are over when indexing starts: one live display at a time
            if unit not in self._displays:
                columns = ((TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                            TransferSpeedColumn(), TimeRemainingColumn()) if unit == "bytes" else
                           (TextColumn("{task.description:<11}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TextColumn("{task.fields[note]}")))
                self._displays[unit] = Progress(*columns, console=err_console.rich, transient=True)
            self._displays[unit].start()
            self._live = unit
        return self._displays[unit]

    def close(self) -> None:
        """Take the progress display off the screen (before the command prints its result)."""
        if self._live is not None:
            self._displays[self._live].stop()
            self._live = None

    def waiting(self, message: str) -> None:
        err_console.print(message, soft_wrap=True, markup=False)

    def edit(self, path: Path) -> None:
        import os
        import shlex
        import subprocess

        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            raise InvalidInput(f"set $EDITOR to edit notes, or edit {path} directly, or use -m 'text'")
        try:
            result = subprocess.run([*shlex.split(editor), str(path)], check=False)
        except FileNotFoundError as exc:
            raise InvalidInput(f"editor '{editor}' was not found; check $EDITOR") from exc
        if result.returncode != 0:
            raise PaperlabError(f"editor '{editor}' exited with status {result.returncode}")


def library(ctx: typer.Context, show_progress: bool = True) -> Library:
    """The command's library, with the terminal as its `ui`."""
    obj = ctx.find_root().obj or {}
    return open_library(obj.get("home"), Terminal(show_progress))


@contextmanager
def working(lib: Library) -> Iterator[None]:
    """Around the core call of a command that shows progress: the bars leave the screen after it."""
    try:
        yield
    finally:
        if isinstance(lib.ui, Terminal):
            lib.ui.close()


def print_json(data: Any) -> None:
    """What a command prints for --json: records (dataclasses) as objects, anything else as text."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=_jsonable) + "\n")


def _jsonable(value: Any) -> Any:
    from dataclasses import asdict, is_dataclass

    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else str(value)


def _visible(text: str) -> str:
    import re

    return re.sub(r"\[/?[a-z ]+\]", "", text)  # Rich markup ([green]...[/]) takes no room


def column_widths(names: list[str], rows: list[list[str]], width: int) -> list[int] | None:
    """Widths for the columns of a table `width` wide: None when every cell fits on one line;
    else each column gets at least its longest word (a number, an id, a timestamp is never split)
    and the room left goes to the columns that wrap, in proportion to what they lack. Only when
    the words themselves cannot fit side by side do the longest ones fold."""
    cells = [[_visible(name), *(_visible(r[i]) for r in rows)] for i, name in enumerate(names)]
    natural = [max(len(line) for c in col for line in c.splitlines() or [""]) for col in cells]
    room = width - 1 - 3 * len(names)  # borders and padding
    if sum(natural) <= room:
        return None
    least = [max((len(w) for c in col for w in c.split()), default=1) for col in cells]
    prose = [any(" " in c.strip() for c in col[1:]) for col in cells]  # columns of text, not keys
    while sum(least) > room and max(least) > 4:
        # fold a word of prose before a key: the longest prose word down to 8, then any longest word
        folding = [i for i in range(len(least)) if prose[i] and least[i] > 8] or range(len(least))
        i = max(folding, key=lambda i: least[i])
        least[i] -= 1
    spare = max(0, room - sum(least))
    lack = [n - m for n, m in zip(natural, least, strict=True)]
    grow = [spare * x // max(1, sum(lack)) for x in lack]
    return [m + g for m, g in zip(least, grow, strict=True)]


def table(columns: Iterable[str], rows: Iterable[Iterable[str]], width: int | None = None,
          **options: Any) -> Table:
    """A table as wide as the terminal at most, wrapping text at spaces (see `column_widths`)."""
    from rich.table import Table

    names, body = list(columns), [list(r) for r in rows]
    widths = column_widths(names, body, width or console.width)
    out = Table(header_style="bold", **options)
    for i, name in enumerate(names):
        out.add_column(name, overflow="fold", width=widths[i] if widths else None)
    for row in body:
        out.add_row(*row)
    return out


def write_or_print(text: str, output: Path | None) -> None:
    """Print, or write `output` atomically; a folder that does not exist is an error, not made."""
    if output is None:
        sys.stdout.write(text)
        return
    from paperlab.fsutil import atomic_write_text

    if not output.parent.is_dir():
        raise InvalidInput(f"cannot write {output}: the folder {output.parent} does not exist")
    try:
        atomic_write_text(output, text, make_parents=False)
    except OSError as exc:
        raise StorageError(f"cannot write {output}: {exc.strerror}") from exc
    err_console.print(f"Wrote {output}")


def parse_date(text: str | None, flag: str = "--date", future: bool = False) -> date | None:
    """A day from the command line (ISO, `today`, `yesterday`), or None when the flag was not given."""
    from paperlab.log.dates import parse_day

    return None if text is None else parse_day(text, flag, future=future)


def fitted_table(columns: list[str], rows: list[list[str]], flex: str, drop_order: list[str],
                 width: int | None = None, flex_min: int = 20, caps: dict[str, int] | None = None) -> Table:
    """A table as wide as the terminal: `flex` folds to fit, a column in `caps` folds beyond its
    cap, and when that is not enough the columns in `drop_order` are left out, first one first; no
    column is ever cut."""
    width = width or console.width
    keep = list(columns)
    widths: dict[str, int] = {}
    for i, name in enumerate(columns):
        longest = max([len(name), *(len(r[i]) for r in rows)])
        widths[name] = min(longest, (caps or {}).get(name, longest)) + 3  # cell padding and border
    natural = widths.__getitem__

    fits = False
    for col in [None, *drop_order]:
        if col is not None:
            keep.remove(col)
        if sum(natural(c) for c in keep if c != flex) + min(flex_min, natural(flex)) + 1 <= width:
            fits = True
            break
    from rich.table import Table

    out = Table(header_style="bold", width=min(width, sum(natural(c) for c in keep) + 1))
    budget = width - 1 - 3 * len(keep)  # what the cells can have after padding and borders
    others = [c for c in keep if c != flex]
    squeeze = min(1.0, max(0.0, budget - 10) / max(1, sum(natural(c) - 3 for c in others)))
    for col in keep:  # when even the fewest columns do not fit, every column shrinks and folds
        size = None if col == flex else max(4, int((natural(col) - 3) * (1.0 if fits else squeeze)))
        out.add_column(col, overflow="fold", ratio=1 if col == flex else None, min_width=size, max_width=size)
    for row in rows:
        out.add_row(*(row[columns.index(c)] for c in keep))
    return out


def index_summary(report: IndexReport | None, stopped_warning: str = "") -> None:
    """One line saying what indexing did; nothing when it did not run, and when it stopped early,
    `stopped_warning` (if given) followed by why."""
    if report is None:
        return
    if report.stopped:
        if stopped_warning:
            err_console.print(f"Warning: {stopped_warning} ({report.stopped}); `paperlab index` finishes "
                              "it once that is fixed.", soft_wrap=True, markup=False)
        return
    for warning in report.warnings:
        err_console.print(f"Warning: {warning}", soft_wrap=True, markup=False)
    for item_id, why in report.errors.items():
        err_console.print(f"Warning: no text could be read from {item_id}'s PDF: {why}. It is in the log, "
                          "but search will not find its text.", soft_wrap=True, markup=False)
    err_console.print(
        f"Indexed {report.items} item(s): {report.extracted} PDF(s) and {report.notes} notes "
        f"file(s) read, {report.chunks_added} chunk(s) added, {report.chunks_removed} removed, "
        f"{report.embedded} embedded, {report.vectors} vectors in the index.", soft_wrap=True)
