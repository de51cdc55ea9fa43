"""The paper's reported numbers: `claims.toml` (read with line-numbered errors), and accepting the
candidates `replicate.suggest` finds in the paper."""

from __future__ import annotations

import json
import re
from pathlib import Path

import tomllib

from paperlab.errors import ClaimsError, InvalidInput
from paperlab.fsutil import atomic_write_text
from paperlab.library import Library
from paperlab.models import Claim, Item, Suggestion
from paperlab.store.chunks import paper_pages
from paperlab.store.items import get_item

FIELDS = {"name": str, "metric": str, "reported": float, "scale": str, "direction": str,
          "tolerance": float, "tolerance_kind": str, "reported_std": float, "source": str}
REQUIRED = ("name", "metric", "reported")
CHOICES = {"scale": ("fraction", "percent", "raw"), "direction": ("higher", "lower", "equal"),
           "tolerance_kind": ("absolute", "relative", "std")}


def _claim_lines(text: str) -> list[int]:
    """Line number (1-based) of each [[claim]] header, to point errors at the right place."""
    return [i for i, line in enumerate(text.splitlines(), start=1) if line.strip() == "[[claim]]"]


def _field_line(text: str, header_line: int, name: str) -> int:
    """The line of `name = ...` inside the [[claim]] table that starts at `header_line`."""
    lines = text.splitlines()
    for i in range(header_line, len(lines)):  # index header_line is the line after the header
        if lines[i].lstrip().startswith("["):
            break
        if re.match(rf"\s*{re.escape(name)}\s*=", lines[i]):
            return i + 1
    return header_line


def load(path: Path) -> list[Claim]:
    if not path.exists():
        raise ClaimsError(f"{path} does not exist; scaffold the project with "
                          f"`paperlab replicate scaffold {path.parent.name}`")
    return parse(path.read_text(encoding="utf-8"), path)


def parse(text: str, path: Path) -> list[Claim]:
    """The claims in `text` (the contents of `path`), with line-numbered errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ClaimsError(f"{path.name}: {exc}") from exc
    raw = data.get("claim", [])
    if not isinstance(raw, list):
        raise ClaimsError(f"{path.name}: 'claim' must be an array of tables: write [[claim]]")
    starts = _claim_lines(text)
    claims = []
    for n, entry in enumerate(raw):
        line = starts[n] if n < len(starts) else 1
        for name in REQUIRED:
            if name not in entry:
                raise ClaimsError(f"{path.name} line {line}: claim #{n + 1} has no '{name}'")
        values = {}
        for name, value in entry.items():
            where = f"{path.name} line {_field_line(text, line, name)}"
            if name not in FIELDS:
                raise ClaimsError(f"{where}: unknown field '{name}'; known: {', '.join(FIELDS)}")
            kind = FIELDS[name]
            if kind is float and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ClaimsError(f"{where}: field '{name}' must be a number, got {value!r}")
            if kind is str and not isinstance(value, str):
                raise ClaimsError(f"{where}: field '{name}' must be a string, got {value!r}")
            if name in CHOICES and value not in CHOICES[name]:
                raise ClaimsError(f"{where}: field '{name}' must be one of "
                                  f"{', '.join(CHOICES[name])}, got {value!r}")
            values[name] = kind(value)
        if values.get("tolerance", 0.0) < 0:
            raise ClaimsError(f"{path.name} line {line}: tolerance cannot be negative")
        if values.get("tolerance_kind") == "std" and "reported_std" not in values:
            raise ClaimsError(f"{path.name} line {line}: tolerance_kind 'std' needs reported_std")
        if values.get("scale") == "percent" and not 0 <= values["reported"] <= 100:
            raise ClaimsError(f"{path.name} line {line}: a percentage must be within 0-100, "
                              f"got {values['reported']}")
        claims.append(Claim(**values))
    return claims


def claim_name(s: Suggestion) -> str:
    """A claim's name, the same for the same candidate, so accepting it twice adds it once."""
    where = s.source if s.source.startswith("Table") else "text"
    return f"{s.metric.replace('_', ' ')} {s.value:g}{s.unit} ({where}, p. {s.page})"


def claim_toml(s: Suggestion, version: int | None, metric: str | None = None) -> str:
    """A [[claim]] for a candidate; `metric` is the key the project's train.py writes, when known."""
    scale = "percent" if s.unit == "%" else "raw" if s.raw or s.value > 1 else "fraction"
    tolerance = {"percent": 1.0, "raw": 0.5, "fraction": 0.01}[scale]
    std = f"reported_std = {s.std:g}\n" if s.std is not None else ""
    where = f"{s.source}, p. {s.page}" + (f", arXiv v{version}" if version else "")
    note = f"{s.metric}, as this project's train.py names it" if metric else \
        "rename to the key your train.py writes to metrics.json"
    return (
        "\n[[claim]]\n"
        f"name = {_toml_string(claim_name(s))}\n"
        f"metric = {_toml_string(metric or s.metric)}  # {note}\n"
        f"reported = {s.value:g}\n"
        f"{std}"
        f'scale = "{scale}"\n'
        f'direction = "{"lower" if s.lower else "higher"}"\n'
        f"tolerance = {tolerance:g}\n"
        'tolerance_kind = "absolute"\n'
        f"source = {_toml_string(f'{where}: {s.context}')}\n"
    )


def _project_metrics(claims_text: str) -> dict[str, str]:
    """The metric keys of the template the project was made from (claims.toml's [paper] template)."""
    from paperlab.replicate.scaffold import templates

    name = tomllib.loads(claims_text).get("paper", {}).get("template")
    template = templates().get(name) if isinstance(name, str) else None
    return template.metrics if template else {}


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes (backslash, quote, control characters) are TOML's too."""
    return json.dumps(text, ensure_ascii=False)


def claims_path(lib: Library, item_id: str) -> Path:
    return lib.replication_dir(item_id) / "claims.toml"


def current(lib: Library, ref: str) -> list[Claim]:
    """The claims in the item's `claims.toml`."""
    return load(claims_path(lib, lib.resolve_id(ref)))


def suggest_for(lib: Library, ref: str) -> tuple[Item, list[Suggestion]]:
    """The item and the candidate claims in its PDF (tables and sentences), ranked; without a PDF,
    from the sentences of its indexed text."""
    from paperlab.replicate.suggest import from_sentences, rank, suggest_pdf

    item = get_item(lib.db, lib.resolve_id(ref))
    pdf = lib.home / item.pdf_path if item.pdf_path else None
    if pdf is not None and pdf.exists():
        return item, suggest_pdf(pdf, item.version)
    pages = paper_pages(lib.db, item.id)
    if not pages:
        raise InvalidInput(f"{item.id} has no extracted text; run `paperlab index {item.id}` first")
    return item, rank([f for page, text in pages for f in from_sentences(page, text, False)], item.version)


def accept(lib: Library, ref: str, numbers: list[int]) -> tuple[Path, int]:
    """Append the numbered suggestions not already there to `claims.toml` in one atomic write,
    refusing a file that does not load before or would not after; returns its path and how many
    were added."""
    item, found = suggest_for(lib, ref)
    by_number = {s.number: s for s in found}
    missing = [n for n in numbers if n not in by_number]
    if missing:
        raise InvalidInput(f"no suggestion numbered {missing[0]}; there are {len(found)}")
    path = claims_path(lib, item.id)
    have = {c.name for c in load(path)}  # refuse to append to a malformed file; never add one twice
    new = [by_number[n] for n in numbers if claim_name(by_number[n]) not in have]
    text = path.read_text(encoding="utf-8")
    text += "".join(claim_toml(s, item.version, _project_metrics(text).get(s.metric)) for s in new)
    parse(text, path)  # what is written must load: checked before the file changes
    atomic_write_text(path, text)
    return path, len(new)
