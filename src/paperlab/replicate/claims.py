"""The paper's reported numbers: `claims.toml` (read with line-numbered errors) and suggestions
found in the paper's extracted text."""

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
                          "`paperlab replicate scaffold ID`")
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


METRIC_WORDS = (
    "accuracy", "error", "error rate", "bleu", "f1", "ndcg", "perplexity", "auc", "top-1", "top-5",
    "precision", "recall", "map", "rouge", "exact match", "loss", "wer", "fid", "mse", "psnr",
)
_METRIC = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(METRIC_WORDS, key=len, reverse=True))
                     + r")\b", re.IGNORECASE)
_HEADING_AFTER = re.compile(r"\s+[A-Z][a-z]+")
_REFERENCE_BEFORE = re.compile(r"(?:Table|Figure|Fig\.|Section|Sec\.|Eq\.|Appendix)\s*$")
_NUMBER = re.compile(r"(?<![\w.^])(\d{1,3}(?:\.\d+)?)\s*(%|percent)?(?![\w^])")


def suggest(pages: list[tuple[int, str]], window: int = 60) -> list[Suggestion]:
    """Numbers that stand near a metric word, in reading order, each with its page and context."""
    found: list[Suggestion] = []
    seen: set[tuple[str, float, int]] = set()
    for page, text in pages:
        flat = " ".join(text.split())
        for m in _METRIC.finditer(flat):
            lo, hi = max(0, m.start() - window), min(len(flat), m.end() + window)
            for num in _NUMBER.finditer(flat, lo, hi):
                value = float(num.group(1))
                unit = "%" if num.group(2) else ""
                before = max(0, num.start() - 16)
                if not unit and "." not in num.group(1) and (
                    _HEADING_AFTER.match(flat, num.end())
                    or _REFERENCE_BEFORE.search(flat, before, num.start())
                ):
                    continue  # a section, table or figure number, not a result
                key = (m.group(1).lower(), value, page)
                if key in seen:
                    continue
                seen.add(key)
                ctx = flat[max(0, num.start() - 50): num.end() + 30]
                found.append(Suggestion(0, m.group(1).lower(), value, unit, page, ctx))
    found.sort(key=lambda s: (s.page, flat_pos(pages, s)))
    for i, s in enumerate(found, start=1):
        s.number = i
    return found


def flat_pos(pages: list[tuple[int, str]], s: Suggestion) -> int:
    for page, text in pages:
        if page == s.page:
            return " ".join(text.split()).find(s.context)
    return 0


def claim_toml(s: Suggestion, version: int | None) -> str:
    metric = re.sub(r"[^a-z0-9]+", "_", s.metric).strip("_")
    percent = s.unit == "%"
    direction = "lower" if any(w in s.metric for w in ("error", "loss", "perplexity", "wer", "fid", "mse")) \
        else "higher"
    return (
        "\n[[claim]]\n"
        f"name = {_toml_string(f'{s.metric} {s.value:g}{s.unit} (p. {s.page})')}\n"
        f"metric = {_toml_string(metric)}  # rename to the key your train.py writes to metrics.json\n"
        f"reported = {s.value:g}\n"
        f'scale = "{"percent" if percent else "fraction"}"\n'
        f'direction = "{direction}"\n'
        f"tolerance = {1.0 if percent else 0.01:g}\n"
        'tolerance_kind = "absolute"\n'
        f"source = {_toml_string(f'p. {s.page}' + (f', v{version}' if version else '') + f': ...{s.context}...')}\n"
    )


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes (backslash, quote, control characters) are TOML's too."""
    return json.dumps(text, ensure_ascii=False)


def claims_path(lib: Library, item_id: str) -> Path:
    return lib.replication_dir(item_id) / "claims.toml"


def current(lib: Library, ref: str) -> list[Claim]:
    """The claims in the item's `claims.toml`."""
    return load(claims_path(lib, lib.resolve_id(ref)))


def suggest_for(lib: Library, ref: str) -> tuple[Item, list[Suggestion]]:
    """The item and the candidate claims found in its extracted text."""
    item = get_item(lib.db, lib.resolve_id(ref))
    pages = paper_pages(lib.db, item.id)
    if not pages:
        raise InvalidInput(f"{item.id} has no extracted text; run `paperlab index {item.id}` first")
    return item, suggest(pages)


def accept(lib: Library, ref: str, numbers: list[int]) -> Path:
    """Append the numbered suggestions to `claims.toml` in one atomic write, refusing a file that
    does not load before or would not after; returns its path."""
    item, found = suggest_for(lib, ref)
    by_number = {s.number: s for s in found}
    missing = [n for n in numbers if n not in by_number]
    if missing:
        raise InvalidInput(f"no suggestion numbered {missing[0]}; there are {len(found)}")
    path = claims_path(lib, item.id)
    load(path)  # refuse to append to a malformed file
    text = path.read_text(encoding="utf-8") + "".join(claim_toml(by_number[n], item.version) for n in numbers)
    parse(text, path)  # what is written must load: checked before the file changes
    atomic_write_text(path, text)
    return path
