"""`paperlab replicate rubric`: the replication graded as PaperBench grades one, from the project's
real state.

The rubric is PaperBench's weighted tree (`id`, `requirements`, `weight`, `sub_tasks`,
`task_category`, `finegrained_task_category`), each node with the `score` it earns (0 or 1 at a
leaf; a parent's is its children's weighted mean) and an `explanation`. Its leaves are of three
kinds, each citing where the paper says it:
- Code Development: the judged runs trained with a setting as the paper states it (one leaf per
  setting `config/paper.toml` read from the paper, with its page; what a run trained with is what
  train.py recorded in its env.json; the template's own knobs are never leaves);
- Code Execution: complete runs, comparable with a claim, wrote the metric it needs;
- Result Analysis: the claim is MATCH (`check`'s verdict, today's rules; BETTER, CLOSE and the rest
  earn 0, as they do not make a replication `reproduced`).
Nothing is scored from what a template would do: a leaf without evidence in the runs scores 0 and
says why.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib

from paperlab.errors import PaperlabError, ReplicationError
from paperlab.fsutil import atomic_write_text
from paperlab.library import Library
from paperlab.models import CheckResult, Verdict

WEIGHTS = {"setup": 1, "execution": 1, "results": 2}  # results weigh most: they are the paper's claims
_COMMENT = re.compile(r"#\s*(p\.\s*\d+[^:]*):\s*(.*)$")


@dataclass
class Node:
    id: str
    requirements: str
    weight: int = 1
    sub_tasks: list[Node] = field(default_factory=list)
    task_category: str | None = None
    finegrained_task_category: str | None = None
    source: str = ""  # where the paper says it (a leaf): "p. 4: ...sentence..." or a claim's source
    score: float = 0.0
    explanation: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "requirements": self.requirements, "weight": self.weight,
                "sub_tasks": [n.to_dict() for n in self.sub_tasks], "task_category": self.task_category,
                "finegrained_task_category": self.finegrained_task_category,
                **({"source": self.source} if self.source else {}),
                "score": round(self.score, 4), "explanation": self.explanation}

    def leaves(self) -> list[Node]:
        return [self] if not self.sub_tasks else [leaf for n in self.sub_tasks for leaf in n.leaves()]

    def graded(self) -> Node:
        """Its score from its children's (a leaf keeps its own)."""
        if self.sub_tasks:
            total = sum(n.weight for n in self.sub_tasks)
            self.score = sum(n.graded().score * n.weight for n in self.sub_tasks) / total if total else 0.0
        return self


def paper_settings(project: Path) -> list[tuple[str, Any, str]]:
    """(key, value, "p. N: sentence") for each setting config/paper.toml read from the paper."""
    path = project / "config" / "paper.toml"
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReplicationError(f"{path.name} is not valid TOML: {exc}; fix it") from exc
    out = []
    for line in text.splitlines():
        key, sep, rest = line.partition("=")
        found = _COMMENT.search(rest)
        if sep and not line.lstrip().startswith("#") and found and key.strip() in values:
            out.append((key.strip(), values[key.strip()], f"{found.group(1).strip()}: {found.group(2).strip()}"))
    return out


def _trained_with(project: Path, result: CheckResult | None) -> tuple[list[dict[str, Any]], str]:
    """The settings each judged run trained with, as train.py recorded them (its env.json), or none
    with why they cannot be read."""
    if result is None or not result.runs:
        return [], "no runs to judge"
    configs = []
    for run in result.runs:
        try:
            configs.append(json.loads((project / run.run_dir / "env.json").read_text(encoding="utf-8"))["config"])
        except (OSError, ValueError, KeyError, TypeError):
            return [], f"run {run.id} recorded no readable env.json: what it trained is not known"
    return configs, f"{len(configs)} run(s) of config {result.config}"


def _setup(project: Path, result: CheckResult | None) -> Node | None:
    settings = paper_settings(project)
    if not settings:
        return None
    used, where = _trained_with(project, result)
    leaves = []
    for key, value, source in settings:
        leaf = Node(f"setup/{key}", f"The runs train with {key} = {value!r}, as the paper states",
                    task_category="Code Development", finegrained_task_category="Experimental Setup",
                    source=source)
        values = [c.get(key) for c in used]
        wrong = sorted({repr(v) for v in values if not _same(v, value)})
        if not used:
            leaf.explanation = where
        elif wrong:
            leaf.explanation = f"{where} trained with {key} = {', '.join(wrong)}, not the paper's {value!r}"
        else:
            leaf.score, leaf.explanation = 1.0, f"{where} trained with {key} = {values[0]!r}"
        leaves.append(leaf)
    return Node("setup", "The runs train the setup the paper states", WEIGHTS["setup"], leaves)


def _same(run_value: Any, paper_value: Any) -> bool:
    if isinstance(paper_value, str) or isinstance(run_value, str):
        return str(run_value).lower() == str(paper_value).lower()
    if isinstance(paper_value, bool) or isinstance(run_value, bool) or run_value is None:
        return run_value == paper_value
    return abs(float(run_value) - float(paper_value)) <= 1e-9 * max(1.0, abs(float(paper_value)))


def _execution_leaf(n: int, v: Verdict) -> Node:
    c = v.claim
    leaf = Node(f"execution/{n}", f"Complete runs comparable with '{c.name}' write {c.metric}",
                task_category="Code Execution", finegrained_task_category="Evaluation, Metrics & Benchmarking",
                source=c.source)
    if v.obtained is not None:
        leaf.score = 1.0
        leaf.explanation = f"{v.n_runs} run(s) compared: {', '.join(v.used)}"
    else:
        leaf.explanation = f"{v.verdict}: " + ("; ".join(v.notes) or "no comparable run wrote it")
    return leaf


def _result_leaf(n: int, v: Verdict) -> Node:
    c = v.claim
    leaf = Node(f"results/{n}", f"'{c.name}': the runs obtain the reported {c.stated}",
                task_category="Result Analysis", finegrained_task_category="Evaluation, Metrics & Benchmarking",
                source=c.source)
    leaf.score = 1.0 if v.verdict == "MATCH" else 0.0
    obtained = "-" if v.obtained is None else f"{v.obtained:.4g}{c.suffix}"
    leaf.explanation = f"{v.verdict}: obtained {obtained}" + (f" ({'; '.join(v.notes)})" if v.notes else "")
    return leaf


def build(lib: Library, ref: str, config: str | None = None,
          evaluated: tuple[CheckResult | None, str] | None = None) -> Node:
    """The graded rubric of the replication, from its claims and the recorded runs of `config`
    (default: the config of the latest run, as `check` judges). `evaluated`: the caller's own
    evaluation of them (`load_and_evaluate`'s result, or None and why it could not be made)."""
    from paperlab.replicate import claims as claims_mod
    from paperlab.replicate.check import load_and_evaluate
    from paperlab.store.items import get_item

    item = get_item(lib.db, lib.resolve_id(ref))
    project = lib.replication_dir(item.id)
    if not (project / "train.py").exists():
        raise ReplicationError(f"{item.id} has no replication project; `paperlab replicate scaffold {item.id}`")
    result, problem = evaluated if evaluated is not None else (None, "")
    if evaluated is None:
        try:
            result = load_and_evaluate(lib, item.id, config)
        except PaperlabError as exc:
            problem = str(exc)
    root = Node("root", f"Replicate \"{item.title}\" (arXiv {item.arxiv_id or item.id})")
    setup = _setup(project, result)
    if setup is not None:
        root.sub_tasks.append(setup)
    verdicts = result.verdicts if result else []
    if not verdicts:  # no runs yet: every claim is still a leaf, unearned
        verdicts = [Verdict(c, None, None, 0, None, 0.0, "UNTESTED", notes=[problem or "no runs"])
                    for c in claims_mod.load(claims_mod.claims_path(lib, item.id))]
    if verdicts:
        root.sub_tasks.append(Node("execution", "Runs complete and write the metrics the claims need",
                                   WEIGHTS["execution"], [_execution_leaf(n, v) for n, v in enumerate(verdicts, 1)]))
        root.sub_tasks.append(Node("results", "The runs obtain the numbers the paper reports",
                                   WEIGHTS["results"], [_result_leaf(n, v) for n, v in enumerate(verdicts, 1)]))
    missing = [what for what, node in (("settings read from the paper", setup), ("claims", verdicts)) if not node]
    root.explanation = ("; ".join(f"no {m}: that part is not graded" for m in missing)) if missing else \
        f"config {result.config}, {len(result.runs)} run(s)" if result else problem
    for node in root.sub_tasks:
        node.explanation = f"{sum(leaf.score == 1 for leaf in node.leaves())} of {len(node.leaves())} leaves earned"
    return root.graded()


def write(lib: Library, ref: str, config: str | None = None,
          evaluated: tuple[CheckResult | None, str] | None = None) -> tuple[Node, Path]:
    """Build the rubric and write it as the project's rubric.json."""
    rubric = build(lib, ref, config, evaluated)
    path = lib.replication_dir(lib.resolve_id(ref)) / "rubric.json"
    atomic_write_text(path, json.dumps(rubric.to_dict(), indent=2, ensure_ascii=False) + "\n")
    return rubric, path
