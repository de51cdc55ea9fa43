"""`replicate report`: a Markdown report with learning curves and reported-vs-obtained plots."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from paperlab.errors import PaperlabError
from paperlab.fsutil import atomic_write_text
from paperlab.library import Library
from paperlab.models import CheckResult, Item, Replication, Run
from paperlab.replicate.check import explain, load_and_evaluate, markdown_table
from paperlab.store.items import get_item


def curves(folder: Path, runs: list[Run]) -> dict[str, list[dict]]:
    out = {}
    for r in runs:
        path = folder / r.run_dir / "metrics.jsonl"
        if path.exists():
            out[r.id] = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return out


def _save(fig, path: Path) -> None:  # type: ignore[no-untyped-def]
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    os.replace(tmp, path)


def report(lib: Library, ref: str, config: str | None = None) -> Path:
    """Write `report.md` with learning curves and reported-vs-obtained plots. It evaluates the claims
    but records nothing: the status in the log moves only with `replicate check`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    item = get_item(lib.db, lib.resolve_id(ref))
    folder = lib.replication_dir(item.id)
    result = load_and_evaluate(lib, item.id, config)
    verdicts, status, used = result.verdicts, result.status, result.runs
    rows_by_run = curves(folder, used)
    images = []
    keys = sorted({k for rows in rows_by_run.values() for row in rows for k in row
                   if k not in ("step", "time_s") and not k.endswith("loss")})
    if rows_by_run and keys:
        fig, axes = plt.subplots(1, len(keys), figsize=(5 * len(keys), 3.6), squeeze=False)
        for ax, key in zip(axes[0], keys, strict=True):
            for run_id, rows in rows_by_run.items():
                ax.plot([r["step"] for r in rows], [r[key] for r in rows], label=run_id, lw=1.2)
            for v in verdicts:
                if v.claim.metric.removeprefix("final_") == key:
                    ax.axhline(v.claim.reported / v.factor, color="black", ls="--", lw=1,
                               label=f"reported: {v.claim.name}")
            ax.set_xscale("log")
            ax.set_xlabel("step")
            ax.set_title(key)
            ax.legend(fontsize=7)
        _save(fig, folder / "curves.png")
        plt.close(fig)
        images.append(("Learning curves (reported values dashed)", "curves.png"))
    measured = [v for v in verdicts if v.obtained is not None]
    if measured:
        fig, axes = plt.subplots(1, len(measured), figsize=(3 * len(measured), 3.2), squeeze=False)
        for ax, v in zip(axes[0], measured, strict=True):
            ax.bar(["reported", "obtained"], [v.claim.reported, v.obtained or 0.0],
                   yerr=[0, v.obtained_std or 0], color=["#888", "#3a7"])
            ax.set_title(f"{v.claim.name[:28]}\n{v.verdict}", fontsize=8)
        _save(fig, folder / "claims.png")
        plt.close(fig)
        images.append(("Reported vs obtained", "claims.png"))
    lines = [f"# Replication report: {item.title}", "",
             f"arXiv {item.arxiv_id or item.id} · status **{status}** · {len(used)} run(s)", "",
             *([f"Not reproduced: {result.why}.", ""] if result.why else []),
             "## Claims", "", markdown_table(verdicts), "", "## Why each run was compared or set aside", "",
             "```", *explain(result), "```", "", "## Runs", "",
             "| Run | Seed | Device | Duration (s) | Exit |", "|---|---|---|---|---|"]
    lines += [f"| {r.id} | {r.seed} | {r.device} | {r.duration_s} | {r.exit_status} |"
              for r in used]
    from paperlab.replicate.rubric import write as write_rubric

    graded, _ = write_rubric(lib, item.id, config, (result, ""))
    lines += ["", "## Rubric (rubric.json)", "",
              f"Score **{graded.score:.0%}** on PaperBench's kind of rubric, graded from the runs above: "
              + "; ".join(f"{b.requirements.lower()} {b.score:.0%} ({b.explanation}, weight {b.weight})"
                          for b in graded.sub_tasks) + (f" ({graded.explanation})" if graded.explanation else "") + "."]
    for title, name in images:
        lines += ["", f"## {title}", "", f"![{title}]({name})"]
    path = folder / "report.md"
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


@dataclass
class Overview:
    """A replication as the web app shows it: the recorded status, the claims judged now against the
    runs (or why they cannot be), every run, and the learning curves of the runs judged."""

    item: Item
    replication: Replication | None
    runs: list[Run]
    result: CheckResult | None
    problem: str = ""  # why nothing could be judged
    curves: dict[str, list[dict]] = field(default_factory=dict)
    configs: dict[str, str] = field(default_factory=dict)  # config name -> its TOML text


def overview(lib: Library, ref: str) -> Overview:
    """Read only: the status is the one `check` recorded; the judgement shown is today's evaluation."""
    from paperlab.store.replications import get_replication, runs_for

    item = get_item(lib.db, lib.resolve_id(ref))
    found = get_replication(lib.db, item.id)
    if found is None:
        raise PaperlabError(f"{item.id} has no replication project; "
                            f"`paperlab replicate scaffold {item.id}` makes one")
    folder = lib.replication_dir(item.id)
    runs = runs_for(lib.db, item.id)
    view = Overview(item, found, runs, None)
    try:
        view.result = load_and_evaluate(lib, item.id)
        view.curves = curves(folder, view.result.runs)
    except PaperlabError as exc:
        view.problem = str(exc)
    for name in sorted({r.config for r in runs}):
        path = folder / "config" / f"{name}.toml"
        if path.is_file():
            view.configs[name] = path.read_text(encoding="utf-8", errors="replace")
    return view
