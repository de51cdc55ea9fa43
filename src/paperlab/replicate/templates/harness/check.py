"""Check runs against claims.toml without paperlab installed (reproduce.sh uses it).

    python check.py runs/run-a runs/run-b ...

The core of `paperlab replicate check`'s rules: a run is compared with a claim only when its
run.json shows real or generated data (not fake), the claim's dataset and, when the claim names a
table row, that model; numbers are put in the claim's unit (a percentage or a fraction); MATCH is
within the tolerance on either side, BETTER beyond it on the good side (never a reproduction),
CLOSE and MISS short of it. `paperlab replicate check --explain` adds the paper's budget, the
metric's kind and split, and says why each run was set aside. Exit code 0 only if every claim matches
on every run given.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import sys
import tomllib
from pathlib import Path

SHARE = {"fraction": 1.0, "percent": 100.0}


def normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def words(name: str) -> list[str]:
    """A model name's words, a short number joined to the word before it ('ResNet-110' -> resnet110)."""
    out: list[str] = []
    for token in re.findall(r"[a-z]+|\d+[a-z]*", name.lower()):
        if out and re.fullmatch(r"\d{1,3}", token) and out[-1].isalpha():
            out[-1] += token
        else:
            out.append(token)
    return out


def read(run_dir: str, name: str) -> dict:
    path = Path(run_dir) / name
    return json.loads(path.read_text()) if path.exists() else {}


def usable(claim: dict, trained: dict) -> bool:
    data, model = trained.get("data", {}), trained.get("model", {})
    if not trained or data.get("kind") == "fake" or not claim.get("dataset"):
        return False
    if normal(claim["dataset"]) != normal(data.get("name", "")):
        return False
    row, run = words(claim.get("model", "")), words(model.get("name", ""))
    return not row or (bool(run) and any(row[i:i + len(run)] == run for i in range(len(row) - len(run) + 1)))


def verdict(claim: dict, values: list[float]) -> str:
    reported, tol = claim["reported"], claim.get("tolerance", 0.0)
    kind = claim.get("tolerance_kind", "absolute")
    allowed = tol * abs(reported) if kind == "relative" else tol * claim.get("reported_std", 0.0) if kind == "std" else tol
    diff = statistics.fmean(values) - reported
    compare, direction = claim.get("compare", "value"), claim.get("direction", "higher")
    if compare == "at-least":
        short = -diff
    elif compare == "at-most":
        short = diff
    else:
        gain = {"higher": diff, "lower": -diff}.get(direction)
        if abs(diff) > allowed + 1e-12 and gain is not None and gain > 0:
            return "BETTER"
        short = abs(diff)
    return "MATCH" if short <= allowed + 1e-12 else "CLOSE" if short <= 2 * allowed + 1e-12 else "MISS"


def main(run_dirs: list[str]) -> int:
    claims = tomllib.loads(Path("claims.toml").read_text()).get("claim", [])
    if not claims:
        print("claims.toml has no [[claim]] yet: add the paper's numbers first")
        return 1
    runs = [(read(d, "metrics.json"), read(d, "run.json")) for d in run_dirs]
    ok = bool(runs)
    print(f"{'claim':<40} {'reported':>10} {'obtained':>10} verdict")
    for c in claims:
        values, shown = [], "-"
        for metrics, trained in runs:
            value = metrics.get(c["metric"])
            meta = trained.get("metrics", {}).get(c["metric"])
            if not usable(c, trained) or meta is None or isinstance(value, bool) \
                    or not isinstance(value, (int, float)) or math.isnan(value):
                values = []
                break
            unit = c.get("unit", c.get("scale")) or meta[1]
            if unit != meta[1] and not (unit in SHARE and meta[1] in SHARE):
                values = []
                break
            values.append(value * SHARE.get(unit, 1.0) / SHARE.get(meta[1], 1.0))
        result = verdict(c, values) if values else "UNTESTED"
        if values:
            shown = f"{statistics.fmean(values):.4g}"
        ok &= result == "MATCH"
        print(f"{c['name'][:40]:<40} {c['reported']:>10.4g} {shown:>10} {result}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
