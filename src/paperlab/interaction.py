"""How the core reaches the person running it: one small protocol, implemented by the CLI
(`cli/render.Terminal`), by tests, and by any other front end. The core never prints, prompts or
starts an editor itself; it asks its library's `ui`.

- `confirm(question)`: True or False, or None when there is no one to ask (the core then does the
  safe thing and says how to choose: a flag).
- `progress(stage, done, total, unit, note)`: long work, per stage ("extracting", "PDF 2201.02177",
  "seed 0"); `unit` is "items" or "bytes"; `note` a short line of what the stage is doing now.
- `waiting(message)`: the command is blocked (another writer holds the library's lock).
- `edit(path)`: let the person edit a file and return when they are done.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from paperlab.errors import InvalidInput


class Interaction(Protocol):
    def confirm(self, question: str) -> bool | None: ...

    def progress(self, stage: str, done: int, total: int | None, unit: str = "items", note: str = "") -> None: ...

    def waiting(self, message: str) -> None: ...

    def edit(self, path: Path) -> None: ...


class Silent:
    """No one is there: nothing is asked, shown or edited. A library opened by a script gets this."""

    def confirm(self, question: str) -> bool | None:
        return None

    def progress(self, stage: str, done: int, total: int | None, unit: str = "items", note: str = "") -> None:
        pass

    def waiting(self, message: str) -> None:
        pass

    def edit(self, path: Path) -> None:
        raise InvalidInput(f"no editor can be opened here; edit {path} directly, or pass the text")
