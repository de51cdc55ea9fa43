"""Compare runs with the paper's claims: MATCH, CLOSE, MISS or MISSING per claim."""

from __future__ import annotations

import statistics

from paperlab import db
from paperlab.config import Library
from paperlab.db import sqlite_utils
from paperlab.errors import ReplicationError
from paperlab.models import Claim, Verdict
from paperlab.replicate import claims as claims_mod
from paperlab.replicate.scaffold import replication_dir, set_status


def allowed_gap(claim: Claim) -> float:
    """The tolerance in the metric's own (fraction) scale."""
    scale = 100.0 if claim.scale == "percent" else 1.0
    if claim.tolerance_kind == "relative":
        return claim.tolerance * abs(claim.reported / scale)
    if claim.tolerance_kind == "std":
        return claim.tolerance * (claim.reported_std or 0.0) / scale
    return claim.tolerance / scale


def judge(claim: Claim, values: list[float]) -> Verdict:
    """MATCH within tolerance (or better, for higher/lower claims), CLOSE within twice it."""
    scale = 100.0 if claim.scale == "percent" else 1.0
    allowed = allowed_gap(claim)
    if not values:
        return Verdict(claim, None, None, 0, None, allowed, "MISSING")
    reported = claim.reported / scale
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    gap = {"higher": reported - mean, "lower": mean - reported}.get(claim.direction, abs(mean - reported))
    eps = 1e-12
    verdict = "MATCH" if gap <= allowed + eps else "CLOSE" if gap <= 2 * allowed + eps else "MISS"
    return Verdict(claim, mean, std, len(values), mean - reported, allowed, verdict)


def status_for(verdicts: list[Verdict]) -> str:
    kinds = {v.verdict for v in verdicts}
    if kinds == {"MATCH"}:
        return "reproduced"
    if kinds & {"MATCH", "CLOSE"}:
        return "partial"
    return "failed"


def check(
    lib: Library, database: sqlite_utils.Database, item_id: str, config: str | None = None
) -> tuple[list[Verdict], str, list[dict]]:
    folder = replication_dir(lib, item_id)
    claim_list = claims_mod.load(folder / "claims.toml")
    if not claim_list:
        raise ReplicationError(f"{folder.name}/claims.toml has no [[claim]] yet; add the paper's "
                               f"numbers or run `paperlab replicate claims {item_id} --suggest`")
    runs = db.runs_for(database, item_id)
    if config is None and runs:
        config = runs[-1]["config"]  # the latest run's config: never mix smoke and full runs
    used = [r for r in runs if r["config"] == config and r["exit_status"] == 0]
    verdicts = []
    for claim in claim_list:
        values = [float(r["metrics"][claim.metric]) for r in used
                  if r["metrics"].get(claim.metric) is not None]
        verdicts.append(judge(claim, values))
    status = status_for(verdicts)
    summary = ", ".join(f"{sum(v.verdict == k for v in verdicts)} {k}"
                        for k in ("MATCH", "CLOSE", "MISS", "MISSING") if any(v.verdict == k for v in verdicts))
    stamp = db.now()
    db.replace_claims(database, item_id, [
        {"name": v.claim.name, "metric": v.claim.metric, "reported": v.claim.reported,
         "scale": v.claim.scale, "direction": v.claim.direction, "tolerance": v.claim.tolerance,
         "tolerance_kind": v.claim.tolerance_kind, "source": v.claim.source,
         "verdict": v.verdict, "obtained": v.obtained, "checked_at": stamp}
        for v in verdicts])
    set_status(database, item_id, status, summary=f"{summary} ({len(used)} run(s), config {config})",
               detail=summary)
    return verdicts, status, used


def shown(value: float | None, claim: Claim) -> str:
    """A metric value in the claim's own scale, for tables."""
    if value is None:
        return "-"
    return f"{value * (100.0 if claim.scale == 'percent' else 1.0):.4g}"


def markdown_table(verdicts: list[Verdict]) -> str:
    lines = ["| Claim | Reported | Obtained (mean ± std, n) | Difference | Tolerance | Verdict |",
             "|---|---|---|---|---|---|"]
    for v in verdicts:
        c = v.claim
        unit = "%" if c.scale == "percent" else ""
        obtained = "-" if v.obtained is None else \
            f"{shown(v.obtained, c)}{unit} ± {shown(v.obtained_std, c)} (n={v.n_runs})"
        lines.append(f"| {c.name} | {c.reported:g}{unit} | {obtained} | {shown(v.difference, c)} "
                     f"| {shown(v.allowed, c)} ({c.direction}) | {v.verdict} |")
    return "\n".join(lines)
