"""The paper's reported numbers: `claims.toml` (read with line-numbered errors), and accepting the
candidates `replicate.suggest` finds in the paper."""

from __future__ import annotations

import json
import re
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

import tomllib

from paperlab.errors import ClaimsError, InvalidInput
from paperlab.fsutil import atomic_write_text
from paperlab.library import Library
from paperlab.models import Claim, Item, Suggestion
from paperlab.replicate.measures import KINDS, SPLITS, UNITS, better, kind_of
from paperlab.store.chunks import paper_pages
from paperlab.store.items import get_item

# a [[claim]]'s fields are the Claim record's (models.py), plus `scale`, the older name of `unit`
FIELDS = {**{f.name: float if str(f.type).startswith("float") else str for f in dataclass_fields(Claim)},
          "scale": str}
REQUIRED = ("name", "metric", "reported")
CHOICES = {"unit": ("", *UNITS), "scale": ("fraction", "percent", "raw"), "direction": ("higher", "lower", "equal"),
           "tolerance_kind": ("absolute", "relative", "std"), "split": ("", *SPLITS),
           "compare": ("value", "at-least", "at-most")}


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
        claims.append(_checked(values, f"{path.name} line {line}"))
    return claims


def _checked(values: dict, where: str) -> Claim:
    """A claim from its parsed fields, refusing what cannot be judged as written."""
    scale = values.pop("scale", None)  # the older name of `unit`
    if scale is not None:
        if values.get("unit", scale) != scale:
            raise ClaimsError(f"{where}: 'scale' and 'unit' disagree; keep 'unit'")
        values["unit"] = scale
    if values.get("tolerance", 0.0) < 0:
        raise ClaimsError(f"{where}: tolerance cannot be negative")
    if values.get("tolerance_kind") == "std" and "reported_std" not in values:
        raise ClaimsError(f"{where}: tolerance_kind 'std' needs reported_std")
    if values.get("unit") == "percent" and not 0 <= values["reported"] <= 100:
        raise ClaimsError(f"{where}: a percentage must be within 0-100, got {values['reported']}")
    if "of" in values and (values.get("unit") != "count" or values["of"] <= 0):
        raise ClaimsError(f"{where}: 'of' (what a count is out of) needs unit = \"count\" and a positive number")
    kind = values.get("kind", "")
    if kind and not kind_of(kind):
        raise ClaimsError(f"{where}: unknown kind {kind!r}; known: {', '.join(KINDS)}")
    expected = better(kind) if kind else None
    if expected and values.setdefault("direction", expected) != expected:
        raise ClaimsError(f"{where}: direction {values['direction']!r} for {kind.replace('_', ' ')}, "
                          f"which is better when {expected}")
    if values.get("compare", "value") != "value" and values.get("direction") == "equal":
        raise ClaimsError(f"{where}: compare = {values['compare']!r} states a bound; direction cannot be 'equal'")
    return Claim(**values)


def claim_name(s: Suggestion) -> str:
    """A claim's name, the same for the same candidate, so accepting it twice adds it once."""
    where = s.source if s.source.startswith("Table") else "text"
    return f"{s.metric.replace('_', ' ')} {s.value:g}{s.unit} ({where}, p. {s.page})"


SHARES = {"accuracy", "error", "top1_accuracy", "top1_error", "top5_accuracy", "top5_error", "f1",
          "exact_match", "ndcg", "map", "auc", "wer"}


def claim_unit(s: Suggestion) -> tuple[str, str]:
    """The unit of a candidate's number, and how it was read when the paper did not print it."""
    if s.unit == "%":
        return "percent", ""
    if s.metric == "bits_per_character":
        return "bits", ""
    if s.metric == "log_likelihood" or s.metric == "loss":
        named = re.search(r"\b(nats|bits)\b", s.context, re.IGNORECASE)
        return (named.group(1).lower(), "") if named else ("raw", "")
    if s.metric not in SHARES:
        return "raw", ""
    if s.value <= 1:
        return "fraction", "a share written without a % sign, at most 1: read as a fraction"
    if s.value > 100 or re.search(r"#|\bnumber of\b|\berrors\b", s.context, re.IGNORECASE):
        return "count", "a count (of errors or examples), not a share"
    return "percent", "a share above 1 written without a % sign: read as a percentage"


def claim_from(s: Suggestion, version: int | None, metric: str) -> tuple[Claim, list[str]]:
    """The claim a candidate makes (checked as a claims.toml entry is), with the comments that say
    what was read and what was not."""
    unit, how = claim_unit(s)
    kind = kind_of(s.metric) or "other"
    tolerance = {"percent": 1.0, "fraction": 0.01}.get(unit, 0.0)
    where = f"{s.source}, p. {s.page}" + (f", arXiv v{version}" if version else "")
    fields: dict[str, Any] = {"name": claim_name(s), "metric": metric, "reported": s.value, "unit": unit,
                              "kind": kind, "direction": better(kind) or ("equal" if s.metric == "score" else
                                                                          "lower" if s.lower else "higher"),
                              "dataset": s.dataset, "split": s.split, "model": s.model}
    if s.std is not None:
        fields["reported_std"] = s.std
    fields.update(tolerance=tolerance or (0.05 if s.value else 0.0),
                  tolerance_kind="absolute" if tolerance else "relative", source=f"{where}: {s.context}")
    notes = [f"unit: {how}"] if how else []
    if s.metric == "score":
        notes.append("kind: the paper names no metric beside this number, so neither what it measures nor which "
                     "way is better is known: set kind and direction before you trust a verdict")
    if not s.dataset:
        notes.append("dataset: not named beside the number; until you say which, the check sets this claim aside")
    return _checked(fields, "claims.toml"), notes


def claim_toml(s: Suggestion, version: int | None, metric: str | None = None) -> str:
    """A [[claim]] for a candidate; `metric` is the key the project's train.py writes, when known."""
    claim, notes = claim_from(s, version, metric or s.metric)
    if metric is None:
        notes.append("metric: no key of this project measures it; name the key your task.py writes")
    lines = ["", "[[claim]]", *(f"# {n}" for n in notes)]
    for key, value in claim_entry(claim).items():
        lines.append(f"{key} = {_toml_string(value) if isinstance(value, str) else f'{value:g}'}")
    return "\n".join(lines) + "\n"


# written even when empty or the default: what a reader checks, or fills in where the paper did not say
ALWAYS_WRITTEN = ("name", "metric", "reported", "unit", "kind", "direction", "dataset", "split", "model",
                  "tolerance", "tolerance_kind", "source")


def claim_entry(claim: Claim) -> dict[str, Any]:
    """A claim's [[claim]] fields: those a reader checks, and the others it sets (a ±, a bound)."""
    default = Claim(claim.name, claim.metric, claim.reported)
    return {f.name: value for f in dataclass_fields(Claim) if (value := getattr(claim, f.name)) is not None
            and (f.name in ALWAYS_WRITTEN or value != getattr(default, f.name))}


def declared_metrics(folder: Path) -> dict[str, tuple[str, str, str]]:
    """What each metrics.json key of a project measures, (kind, unit, split), as its task.py
    declares in METRICS (read without running it), plus the harness's own `steps`."""
    import ast

    out = {"steps": ("steps", "count", "")}
    try:
        tree = ast.parse((folder / "task.py").read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return out
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "METRICS" for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return out
            out.update({k: tuple(v) for k, v in value.items() if isinstance(v, (tuple, list)) and len(v) == 3})
    return out


def comparable(claim: Claim, key: str, declared: tuple[str, str, str] | None) -> str | None:
    """None when `claim` can be judged on metric `key` as declared; else why not, and what would fix it."""
    from paperlab.replicate.measures import Incomparable, factor, same_kind

    if declared is None:
        return f"{key} is not declared in task.py's METRICS (what it measures, in which unit): declare it"
    kind, unit, split = declared
    problem = same_kind(claim.kind, kind)
    if problem:
        return f"{problem} ({key}): have task.py write {claim.kind.replace('_', ' ')} under a key of its own"
    if claim.split and split and claim.split != split:
        return f"the claim is on the {claim.split} split and {key} on the {split} split"
    try:
        factor(claim.unit or unit, unit, claim.of)
    except Incomparable as exc:
        return f"{key}: {exc}"
    return None


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
    """The item and every candidate claim in its PDF (tables and sentences), ranked; without a PDF,
    from the sentences of its indexed text."""
    from paperlab.replicate.suggest import from_sentences, rank, suggest_pdf

    item = get_item(lib.db, lib.resolve_id(ref))
    pdf = lib.home / item.pdf_path if item.pdf_path else None
    if pdf is not None and pdf.exists():
        return item, suggest_pdf(pdf, item.version, limit=None)
    pages = paper_pages(lib.db, item.id)
    if not pages:
        from paperlab.retrieval.search import no_text_advice

        raise InvalidInput(no_text_advice(lib, item.id, 0).replace(" to compare", " to read numbers from"))
    return item, rank([f for page, text in pages for f in from_sentences(page, text, False)], item.version, None)


def accept(lib: Library, ref: str, numbers: list[int], metric: str | None = None) -> tuple[Path, int]:
    """Append the numbered suggestions not already there to `claims.toml` in one atomic write,
    refusing a file that does not load before or would not after, and a claim whose number cannot
    be put on the project's metric (another kind, unit or split); returns its path and how many
    were added. `metric` maps them onto that key instead of the template's choice."""
    item, found = suggest_for(lib, ref)
    by_number = {s.number: s for s in found}
    missing = [n for n in numbers if n not in by_number]
    if missing:
        raise InvalidInput(f"no suggestion numbered {missing[0]}; there are {len(found)}")
    path = claims_path(lib, item.id)
    have = {c.name for c in load(path)}  # refuse to append to a malformed file; never add one twice
    new = [by_number[n] for n in numbers if claim_name(by_number[n]) not in have]
    text = path.read_text(encoding="utf-8")
    keys, declared = _project_metrics(text), declared_metrics(path.parent)
    for s in new:
        key = metric or keys.get(s.metric)
        if key is None:
            continue  # written with the paper's name for it: MISSING until task.py writes it
        claim, _ = claim_from(s, item.version, key)
        problem = comparable(claim, key, declared.get(key))
        if problem:
            raise InvalidInput(f"suggestion {s.number} ({s.value:g}{s.unit} {s.metric.replace('_', ' ')}) cannot be "
                               f"checked against {key}: {problem}; nothing was added")
    text += "".join(claim_toml(s, item.version, metric or keys.get(s.metric)) for s in new)
    parse(text, path)  # what is written must load: checked before the file changes
    atomic_write_text(path, text)
    return path, len(new)
