"""Compare runs with the paper's claims, and say why each run was or was not compared.

A run is compared with a claim only when it shows it trained what the claim is about: its run.json
(written by train.py) names real or generated data, not a stand-in; the claim's dataset; the claim's
model when the claim names its table row; a metric that measures the claim's quantity in a unit
that converts; and, when `config/paper.toml` gives the paper's budget, at least 90% of it.

Verdicts are two-sided: MATCH within the tolerance on either side; BETTER when the run beats the
paper by more than it (worth a look: a leak, another split, a bug; never a reproduction); CLOSE
and MISS when it falls short by up to twice the tolerance or more; INCOMPLETE when the only runs
that fit stopped short of the paper's budget; MISSING when they did not write the metric;
UNTESTED when no run can be compared (each one's reason is in the verdict's notes). A claim that
states a bound (`compare = "at-least"` / `"at-most"`) is met by any result on its side.

`evaluate` is pure: claims and runs in, verdicts out. `check` loads them, evaluates and records the
verdicts and the replication's status; `replicate report` evaluates without recording.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import Any

import tomllib

from paperlab.errors import ReplicationError
from paperlab.library import Library
from paperlab.models import CheckResult, Claim, Run, Verdict, VerdictKind, shown
from paperlab.replicate import claims as claims_mod
from paperlab.replicate.measures import factor, same_dataset, same_model
from paperlab.store import replications as store
from paperlab.store.schema import now

VERDICTS = tuple(VerdictKind)
BUDGET_SHARE = 0.9  # a run must train on at least this share of the paper's budget (samples, else steps)
PIPELINE_SHARE = 0.1  # a run cut to under this share of its own config's steps is a pipeline test


def allowed_gap(claim: Claim) -> float:
    """The tolerance, in the claim's own unit."""
    if claim.tolerance_kind == "relative":
        return claim.tolerance * abs(claim.reported)
    if claim.tolerance_kind == "std":
        return claim.tolerance * (claim.reported_std or 0.0)
    return claim.tolerance


def judge(claim: Claim, values: list[float]) -> Verdict:
    """The verdict on `values` (in the claim's unit): two-sided for a reported value, one-sided
    for a bound the paper states."""
    allowed = allowed_gap(claim)
    if not values:
        return Verdict(claim, None, None, 0, None, allowed, "MISSING")
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    diff = mean - claim.reported
    eps = 1e-12 * max(1.0, abs(claim.reported))
    if claim.compare == "at-least":
        shortfall = -diff
    elif claim.compare == "at-most":
        shortfall = diff
    else:
        gain = {"higher": diff, "lower": -diff}.get(claim.direction)
        if abs(diff) > allowed + eps and gain is not None and gain > 0:
            return Verdict(claim, mean, std, len(values), diff, allowed, "BETTER")
        shortfall = abs(diff)
    verdict = "MATCH" if shortfall <= allowed + eps else "CLOSE" if shortfall <= 2 * allowed + eps else "MISS"
    return Verdict(claim, mean, std, len(values), diff, allowed, verdict)


def pipeline_test(trained: dict[str, Any]) -> str | None:
    """Why a run only tests the pipeline (fake data, or far fewer steps than its own config's),
    whatever its config is called; None when it does not."""
    data, budget = trained.get("data", {}), trained.get("budget", {})
    if data.get("kind") == "fake":
        return f"fake data ({data.get('source') or data.get('name')}): it tests the pipeline, not the paper"
    own, steps = budget.get("config_max_steps"), budget.get("steps")
    if own and steps is not None and budget.get("stopped") != "task" and steps < PIPELINE_SHARE * own:
        return f"cut short to {steps} of its config's {own} steps: a pipeline test"
    return None


def run_problem(run: Run) -> str | None:
    """Why no claim can be judged on `run`, or None."""
    if run.exit_status != 0:
        return f"failed (exit {run.exit_status}); see {run.run_dir}/train.log"
    if not run.trained:
        return ("no run.json: its train.py does not record what it trained on (data, model, steps); "
                "run it again with the current harness")
    return pipeline_test(run.trained)


def claim_problem(claim: Claim, run: Run) -> str | None:
    """Why `run` cannot be compared with `claim` (another dataset, model or quantity), or None."""
    trained = run.trained
    data = trained.get("data", {}).get("name", "")
    if not same_dataset(claim.dataset, data):
        return f"trained on {data!r}; the claim is on {claim.dataset!r}"
    model = trained.get("model", {}).get("name", "")
    if claim.model and not same_model(claim.model, model):
        return f"its model is {model!r}; the claim's row is {claim.model!r}"
    meta = trained.get("metrics", {}).get(claim.metric)
    if claim.metric in run.metrics and meta is None:
        return f"its task does not declare what {claim.metric} measures (task.py's METRICS)"
    if meta is not None:
        return claims_mod.comparable(claim, claim.metric, tuple(meta))  # type: ignore[arg-type]
    return None


def short_of_budget(run: Run, budget: dict[str, Any] | None) -> str | None:
    """How far `run` fell short of the paper's training budget, when it is known and it did."""
    if not budget or not budget.get("max_steps"):
        return None
    done = run.trained.get("budget", {})
    if budget.get("batch_size") and done.get("samples") is not None:
        need, have, what = budget["max_steps"] * budget["batch_size"], done["samples"], "samples"
    else:
        need, have, what = budget["max_steps"], done.get("steps", 0), "steps"
    if have >= BUDGET_SHARE * need:
        return None
    return (f"trained {have:,} {what}, {100 * have / need:.3g}% of the paper's {need:,} "
            f"(config/paper.toml); at least {BUDGET_SHARE:.0%} is needed")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    return float(value)


def _judge_claim(claim: Claim, runs: list[Run], set_aside: dict[str, str],
                 budget: dict[str, Any] | None) -> Verdict:
    notes = [f"{r.id}: {set_aside[r.id]}" for r in runs if r.id in set_aside]
    candidates = [r for r in runs if r.id not in set_aside]
    if not claim.dataset:
        trained_on = sorted({r.trained["data"].get("name", "") for r in candidates})
        hint = f" (the runs trained on {', '.join(map(repr, trained_on))})" if trained_on else ""
        return Verdict(claim, None, None, 0, None, allowed_gap(claim), "UNTESTED",
                       notes=[f"the claim names no dataset: add dataset = \"...\"{hint}", *notes])
    usable, short = [], []
    for r in candidates:
        why = claim_problem(claim, r)
        if why is None and (gap := short_of_budget(r, budget)):
            short.append(r.id)
            why = f"incomplete: {gap}"
        if why:
            notes.append(f"{r.id}: {why}")
        else:
            usable.append(r)
    if not usable:
        return Verdict(claim, None, None, 0, None, allowed_gap(claim), "INCOMPLETE" if short else "UNTESTED",
                       notes=notes)
    values: list[float] = []
    scale = 1.0
    for r in usable:
        value = _number(r.metrics.get(claim.metric))
        meta = r.trained["metrics"].get(claim.metric)
        if value is None or meta is None:
            notes.append(f"{r.id}: wrote no number for {claim.metric}")
            values = []
            break
        scale = factor(claim.unit or meta[1], meta[1], claim.of)  # convertible: claim_problem checked it
        values.append(value * scale)
    verdict = judge(claim, values)
    verdict.used, verdict.notes, verdict.factor = [r.id for r in usable], notes, scale
    return verdict


def latest_per_seed(runs: list[Run], config: str | None) -> tuple[str | None, list[Run]]:
    """The config judged (default: the latest run's) and its runs, the latest of each seed: a seed
    run again replaces its earlier run."""
    if config is None and runs:
        config = runs[-1].config
    latest: dict[int, Run] = {}
    for r in runs:
        if r.config == config:
            latest[r.seed] = r
    return config, sorted(latest.values(), key=lambda r: r.seed)


def evaluate(claims: list[Claim], runs: list[Run], config: str | None = None,
             budget: dict[str, Any] | None = None) -> CheckResult:
    """Judge every claim on the runs of `config` that can be compared with it; `budget` is the
    paper's (config/paper.toml's max_steps and batch_size), when known."""
    config, chosen = latest_per_seed(runs, config)
    set_aside = {r.id: why for r in chosen if (why := run_problem(r))}
    verdicts = [_judge_claim(c, chosen, set_aside, budget) for c in claims]
    status, why = status_for(verdicts, len(chosen))
    return CheckResult(verdicts, status, chosen, config, set_aside, why, budget)


def status_for(verdicts: list[Verdict], seeds: int) -> tuple[str, str]:
    """The replication's status, and why it is not `reproduced` when it is not: reproduced only
    when every claim is MATCH on every seed that was run."""
    kinds = {v.verdict for v in verdicts}
    if kinds == {"MATCH"}:
        fewer = [v for v in verdicts if v.n_runs < seeds]
        if not fewer:
            return "reproduced", ""
        return "partial", (f"'{fewer[0].claim.name}' was compared on {fewer[0].n_runs} of the {seeds} "
                           "seed(s) run; the others were set aside")
    why = f"{summary_of(verdicts)}: not every claim is MATCH"
    if kinds & {"MATCH", "CLOSE"}:
        return "partial", why
    if "MISS" in kinds:
        return "failed", why
    return "inconclusive", f"{summary_of(verdicts)}: no claim could be judged on a comparable, complete run"


def paper_budget(folder: Path) -> dict[str, Any] | None:
    """The paper's training budget from config/paper.toml (max_steps, batch_size), if it says."""
    path = folder / "config" / "paper.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    budget = {k: data[k] for k in ("max_steps", "batch_size") if isinstance(data.get(k), int) and data[k] > 0}
    return budget if "max_steps" in budget else None


def load_and_evaluate(lib: Library, item_id: str, config: str | None = None) -> CheckResult:
    """Claims and runs from the library, evaluated; an error when there is nothing to judge."""
    folder = lib.replication_dir(item_id)
    claim_list = claims_mod.load(claims_mod.claims_path(lib, item_id))
    if not claim_list:
        raise ReplicationError(f"no claims yet: {folder.name}/claims.toml has no [[claim]]; "
                               f"add the paper's numbers, or run `paperlab replicate claims suggest {item_id}`")
    runs = store.runs_for(lib.db, item_id)
    result = evaluate(claim_list, runs, config, paper_budget(folder))
    if not result.runs:
        which = f"of config '{config}' " if config else ""
        raise ReplicationError(f"no runs {which}to check yet; run `paperlab replicate run {item_id} --config default`")
    return result


def summary_of(verdicts: list[Verdict]) -> str:
    """`2 MATCH, 1 MISS`: how many claims got each verdict."""
    counts = [(k, sum(v.verdict == k for v in verdicts)) for k in VERDICTS]
    return ", ".join(f"{n} {k}" for k, n in counts if n)


def summary(result: CheckResult) -> str:
    return summary_of(result.verdicts)


def record(lib: Library, item_id: str, result: CheckResult) -> None:
    """Store each claim's verdict and move the replication's status in the log."""
    stamp = now()
    store.replace_claims(lib.db, item_id, [
        {"name": v.claim.name, "metric": v.claim.metric, "reported": v.claim.reported,
         "scale": v.claim.unit, "direction": v.claim.direction, "tolerance": v.claim.tolerance,
         "tolerance_kind": v.claim.tolerance_kind, "source": v.claim.source,
         "verdict": v.verdict, "obtained": v.obtained, "checked_at": stamp, "detail": "; ".join(v.notes)}
        for v in result.verdicts])
    text = summary(result)
    store.set_status(lib.db, item_id, result.status,
                     summary=f"{text} ({len(result.runs)} run(s), config {result.config})", detail=text)


def check(lib: Library, ref: str, config: str | None = None) -> CheckResult:
    """`replicate check`: evaluate the runs against claims.toml and record the outcome."""
    item_id = lib.resolve_id(ref)
    result = load_and_evaluate(lib, item_id, config)
    with lib.writing("replicate check"):
        record(lib, item_id, result)
    return result


def rechecked(lib: Library) -> dict[str, str]:
    """Replications whose status the current rules changed when the library was upgraded (id ->
    the status they had), told once."""
    return store.take_rechecked(lib.db)


VERDICT_COLUMNS = ("Claim", "Reported", "Obtained", "Difference", "Tolerance", "Verdict")


def verdict_rows(verdicts: list[Verdict], with_n: bool = False) -> list[list[str]]:
    """One row of VERDICT_COLUMNS per claim, in the claim's unit; the CLI and report.md both use it."""
    rows = []
    for v in verdicts:
        c = v.claim
        obtained = "-" if v.obtained is None else f"{shown(v.obtained)}{c.suffix} ± {shown(v.obtained_std)}"
        if with_n and v.obtained is not None:
            obtained += f" (n={v.n_runs})"
        side = {"at-least": "at least", "at-most": "at most"}.get(c.compare, c.direction)
        rows.append([c.name, c.stated, obtained, shown(v.difference), f"{shown(v.allowed)} ({side})", v.verdict])
    return rows


def markdown_table(verdicts: list[Verdict]) -> str:
    header = list(VERDICT_COLUMNS)
    header[2] = "Obtained (mean ± std, n)"
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in verdict_rows(verdicts, with_n=True)]
    return "\n".join(lines)


def trained_line(trained: dict[str, Any]) -> str:
    """What a run trained, in one line: data, model, steps and why it stopped."""
    if not trained:
        return "no run.json"
    data, model, budget = trained.get("data", {}), trained.get("model", {}), trained.get("budget", {})
    steps = f"{budget.get('steps', 0):,} of {budget.get('max_steps', 0):,} steps"
    why = " (ended by the task's stop rule)" if budget.get("stopped") == "task" else ""
    return (f"{data.get('name', '?')} ({data.get('kind', '?')} data, sha256 {str(data.get('sha256', ''))[:12]}), "
            f"{model.get('name', '?')} ({model.get('parameters', 0):,} parameters), {steps}{why}")


def explain(result: CheckResult) -> list[str]:
    """`check --explain`: per claim, what it is about, which runs were compared and which were set
    aside, and why; then the status and why."""
    lines = [f"Config {result.config}: {len(result.runs)} run(s), the latest of each seed."]
    lines += [f"  {r.id}: {trained_line(r.trained)}" for r in result.runs]
    b = result.budget
    if b:
        batch = f" at batch size {b['batch_size']}" if "batch_size" in b else ""
        lines.append(f"The paper's budget: {b['max_steps']:,} steps{batch} (config/paper.toml).")
    else:
        lines.append("The paper's budget is not known (config/paper.toml gives no max_steps): "
                     "completeness not checked.")
    for v in result.verdicts:
        c = v.claim
        about = ", ".join(x for x in (c.kind.replace("_", " ") if c.kind else "", c.unit,
                                      f"dataset {c.dataset}" if c.dataset else "no dataset",
                                      f"{c.split} split" if c.split else "", f"row {c.model}" if c.model else "") if x)
        lines += ["", f"{v.verdict}  {c.name}", f"  claim: {c.stated} as {c.metric} ({about})"]
        if v.used:
            lines.append(f"  compared: {', '.join(v.used)} -> {shown(v.obtained)}{c.suffix} "
                         f"(tolerance {shown(v.allowed)})")
        lines += [f"  set aside: {note}" for note in v.notes]
    lines += ["", f"Status: {result.status}" + (f" ({result.why})" if result.why else "")]
    return lines
