"""Check runs against claims.toml without paperlab installed (reproduce.sh uses it).

    python check.py runs/run-a runs/run-b ...

Same rules as `paperlab replicate check`: a claim whose metric is missing from any run is MISSING;
exit code 0 only if there is at least one claim and every claim matches.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import tomllib
from pathlib import Path


def main(run_dirs: list[str]) -> int:
    claims = tomllib.loads(Path("claims.toml").read_text()).get("claim", [])
    if not claims:
        print("claims.toml has no [[claim]] yet: add the paper's numbers first")
        return 1
    metrics = [json.loads((Path(d) / "metrics.json").read_text()) if (Path(d) / "metrics.json").exists() else {}
               for d in run_dirs]
    ok = bool(metrics)
    print(f"{'claim':<40} {'reported':>10} {'obtained':>10} verdict")
    for c in claims:
        scale = 100.0 if c.get("scale") == "percent" else 1.0
        values = [m.get(c["metric"]) for m in metrics]
        reported = c["reported"] / scale
        kind = c.get("tolerance_kind", "absolute")
        tol = c.get("tolerance", 0.0)
        allowed = tol * abs(reported) if kind == "relative" else \
            tol * c.get("reported_std", 0.0) / scale if kind == "std" else tol / scale
        if not values or any(not isinstance(v, (int, float)) or isinstance(v, bool) or math.isnan(v) for v in values):
            verdict, shown = "MISSING", "-"
        else:
            mean = statistics.fmean(values)
            gap = {"higher": reported - mean, "lower": mean - reported}.get(
                c.get("direction", "higher"), abs(mean - reported))
            verdict = "MATCH" if gap <= allowed + 1e-12 else "CLOSE" if gap <= 2 * allowed + 1e-12 else "MISS"
            shown = f"{mean * scale:.4g}"
        ok &= verdict == "MATCH"
        print(f"{c['name'][:40]:<40} {c['reported']:>10.4g} {shown:>10} {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
