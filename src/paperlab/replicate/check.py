"""Compare runs with the paper's claims: MATCH, CLOSE, MISS or MISSING per claim.

`evaluate` is pure: claims and runs in, verdicts out. `check` loads them, evaluates, and records the
verdicts and the replication's status in the log; `replicate report` evaluates without recording.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

from paperlab.errors import InvalidInput, ReplicationError
from paperlab.library import Library
from paperlab.models import CheckResult, Claim, Verdict
from paperlab.replicate import claims as claims_mod
from paperlab.replicate.runs import is_smoke
from paperlab.store import replications as store
from paperlab.store.schema import now


def allowed_gap(claim: Claim) -> float:
    """The tolerance in the metric's own (fraction) scale."""
    if claim.tolerance_kind == "relative":
        return claim.tolerance * abs(claim.reported_value)
    if claim.tolerance_kind == "std":
        return claim.tolerance * (claim.reported_std or 0.0) / claim.factor
    return claim.tolerance / claim.factor


def judge(claim: Claim, values: list[float]) -> Verdict:
    """MATCH within tolerance (or better, for higher/lower claims), CLOSE within twice it."""
    allowed = allowed_gap(claim)
    if not values:
        return Verdict(claim, None, None, 0, None, allowed, "MISSING")
    reported = claim.reported_value
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


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    return float(value)


def evaluate(claims: list[Claim], runs: list[dict[str, Any]], config: str | None = None) -> CheckResult:
    """Judge every claim on the successful runs of `config` (default: the latest checkable run's
    config, so configs never mix). Smoke runs are never judged. A claim whose metric is missing
    from any of the runs, or is not a number there, is MISSING."""
    checkable = [r for r in runs if not is_smoke(r["config"])]
    if config is None and checkable:
        config = checkable[-1]["config"]
    used = [r for r in checkable if r["config"] == config and r["exit_status"] == 0]
    verdicts = []
    for claim in claims:
        values = [_number(r["metrics"].get(claim.metric)) for r in used]
        present = [v for v in values if v is not None]
        verdicts.append(judge(claim, present if len(present) == len(values) else []))
    return CheckResult(verdicts, status_for(verdicts), used, config)


def load_and_evaluate(lib: Library, item_id: str, config: str | None = None) -> CheckResult:
    """Claims and runs from the library, evaluated; an error when there is nothing to judge."""
    if config is not None and is_smoke(config):
        raise InvalidInput(f"'{config}' is a smoke config: its runs test the pipeline, not the paper, and "
                           "are never checked")
    claim_list = claims_mod.load(claims_mod.claims_path(lib, item_id))
    if not claim_list:
        raise ReplicationError(f"no claims yet: {lib.replication_dir(item_id).name}/claims.toml has no [[claim]]; "
                               f"add the paper's numbers, or run `paperlab replicate claims {item_id} --suggest`")
    runs = store.runs_for(lib.db, item_id)
    result = evaluate(claim_list, runs, config)
    if not result.runs:
        smoke = sum(is_smoke(r["config"]) for r in runs)
        which = f"of config '{config}' " if config else ""
        raise ReplicationError(
            f"no successful runs {which}to check yet" + (f" ({smoke} smoke run(s) do not count)" if smoke else "")
            + f"; run `paperlab replicate run {item_id} --config default`")
    return result


def summary(result: CheckResult) -> str:
    """`2 MATCH, 1 MISS`: how many claims got each verdict."""
    counts = [(k, sum(v.verdict == k for v in result.verdicts)) for k in ("MATCH", "CLOSE", "MISS", "MISSING")]
    return ", ".join(f"{n} {k}" for k, n in counts if n)


def record(lib: Library, item_id: str, result: CheckResult) -> None:
    """Store each claim's verdict and move the replication's status in the log."""
    stamp = now()
    store.replace_claims(lib.db, item_id, [
        {"name": v.claim.name, "metric": v.claim.metric, "reported": v.claim.reported,
         "scale": v.claim.scale, "direction": v.claim.direction, "tolerance": v.claim.tolerance,
         "tolerance_kind": v.claim.tolerance_kind, "source": v.claim.source,
         "verdict": v.verdict, "obtained": v.obtained, "checked_at": stamp}
        for v in result.verdicts])
    text = summary(result)
    store.set_status(lib.db, item_id, result.status,
                     summary=f"{text} ({len(result.runs)} run(s), config {result.config})", detail=text)


def check(lib: Library, ref: str, config: str | None = None) -> CheckResult:
    """`replicate check`: evaluate the runs against claims.toml and record the outcome."""
    item_id = lib.resolve_id(ref)
    result = load_and_evaluate(lib, item_id, config)
    record(lib, item_id, result)
    return result


VERDICT_COLUMNS = ("Claim", "Reported", "Obtained", "Difference", "Tolerance", "Verdict")


def verdict_rows(verdicts: list[Verdict], with_n: bool = False) -> list[list[str]]:
    """One row of VERDICT_COLUMNS per claim, in the paper's scale; the CLI and report.md both use it."""
    rows = []
    for v in verdicts:
        c = v.claim
        obtained = "-" if v.obtained is None else f"{c.shown(v.obtained)}{c.unit} ± {c.shown(v.obtained_std)}"
        if with_n and v.obtained is not None:
            obtained += f" (n={v.n_runs})"
        rows.append([c.name, f"{c.reported:g}{c.unit}", obtained, c.shown(v.difference),
                     f"{c.shown(v.allowed)} ({c.direction})", v.verdict])
    return rows


def markdown_table(verdicts: list[Verdict]) -> str:
    header = list(VERDICT_COLUMNS)
    header[2] = "Obtained (mean ± std, n)"
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in verdict_rows(verdicts, with_n=True)]
    return "\n".join(lines)
