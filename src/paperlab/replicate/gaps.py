"""What a replication run needs that the paper does not state.

Every key of the project's `config/default.toml` (what a run is configured by) is one of:
- "from the paper": `config/paper.toml` sets it, its comment giving the page and sentence;
- "missing": a training setting papers state (learning rate, batch size, optimizer and its
  constants, schedule, warmup, length, model sizes) that paperlab did not find in this paper's text
  (the paper may not state it, or state it in a way the reader misses): the run keeps the template's
  value, and the paper itself, its appendix, its code or the work it builds on may give it;
- "not taken": read from the paper, but only for another experiment than the one `config/paper.toml`
  is written for, or in a form the run cannot take (a batch in tokens); its comment and README.md
  say so;
- "template default": the template's own knob (evaluation interval, the task's data), not a setting
  papers state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import tomllib

from paperlab.errors import InvalidInput, ReplicationError
from paperlab.library import Library
from paperlab.models import Record
from paperlab.replicate.scaffold import NOT_TAKEN, paper_keys
from paperlab.store.chunks import paper_chunks

_PAGE = re.compile(r"#\s*(p\.\s*\d+[^:]*)")
_CODE = re.compile(r"(?:https?://)?(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org)/[\w.-]+/[\w.-]+[\w-]",
                   re.IGNORECASE)


@dataclass
class Gap(Record):
    key: str
    value: object  # what a run with --config paper uses
    status: str  # "from the paper", "missing", "not taken" or "template default"
    where: str  # the page it came from, or where to look for it


def _pages(path: Path) -> dict[str, str]:
    """config/paper.toml's key -> the page its comment names."""
    out = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            key, sep, rest = line.partition("=")
            found = _PAGE.search(rest)
            if sep and not line.lstrip().startswith("#") and found:
                out[key.strip()] = found.group(1).strip()
    return out


_NOT_TAKEN = re.compile("^" + re.escape(NOT_TAKEN) + "(.*)$", re.M)


def _not_taken(path: Path) -> set[str]:
    """The keys config/paper.toml's "Not taken" comment names."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return {key for m in _NOT_TAKEN.finditer(text) for key in re.findall(r"(\w+) \(", m.group(1))}


def where_to_look(lib: Library, item_id: str) -> str:
    """Where in or beyond the paper a setting it does not state may be: its appendix, its code."""
    rows = paper_chunks(lib.db, item_id)
    places = []
    appendix = [(a, b) for zone, a, b, _ in rows if zone == "appendix"]
    code = sorted({m.group(0).rstrip(".") for *_, text in rows for m in _CODE.finditer(text)})
    if appendix:
        places.append(f"the appendix (pp. {min(a for a, _ in appendix)}-{max(b for _, b in appendix)}), "
                      "which paperlab's reader may have missed")
    if code:
        places.append("the authors' code (" + ", ".join(code[:2]) + ")")
    places.append("the papers it follows for its setup")
    return "; ".join(places)


def gaps(lib: Library, ref: str) -> list[Gap]:
    item_id = lib.resolve_id(ref)
    project = lib.replication_dir(item_id)
    default = project / "config" / "default.toml"
    if not default.exists():
        raise InvalidInput(f"{item_id} has no replication project; create it with "
                           f"`paperlab replicate scaffold {item_id}`")
    try:
        base = tomllib.loads(default.read_text(encoding="utf-8"))
        paper_path = project / "config" / "paper.toml"
        paper = tomllib.loads(paper_path.read_text(encoding="utf-8")) if paper_path.exists() else {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ReplicationError(f"a config of {lib.relative(project)} is not valid TOML: {exc}; fix it") from exc
    pages, not_taken = _pages(paper_path), _not_taken(paper_path)
    stated = paper_keys()
    look = where_to_look(lib, item_id)
    out = []
    for key in dict.fromkeys([*base, *paper]):
        if key in paper:
            out.append(Gap(key, paper[key], "from the paper", pages.get(key, "config/paper.toml")))
        elif key in not_taken:
            out.append(Gap(key, base[key], "not taken", "README.md: the paper states it for another experiment, "
                           "or in a form this run cannot take"))
        elif key in stated:
            out.append(Gap(key, base[key], "missing", look))
        else:
            out.append(Gap(key, base[key], "template default", "config/default.toml"))
    return out
