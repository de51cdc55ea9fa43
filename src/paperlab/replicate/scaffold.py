"""Create `replications/<id>/` from a task template: a plain Python project the user owns.

A project is the shared harness (`templates/harness/`: train.py, check.py, reproduce.sh, claims.toml,
README.md) plus one task family's folder (`templates/<name>/`: task.py, config/, template.toml).
The template is chosen from the paper's extracted text: each family lists evidence words with
weights in its template.toml, and the family with the highest score wins; `--template` overrides.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

from paperlab.errors import InvalidInput, ReplicationError, StorageError
from paperlab.fsutil import atomic_write_text
from paperlab.library import Library
from paperlab.models import Hparam
from paperlab.store.chunks import paper_pages
from paperlab.store.items import get_item
from paperlab.store.replications import set_status

TEMPLATES = Path(__file__).parent / "templates"
HARNESS = TEMPLATES / "harness"
TEXT_SUFFIXES = {".py", ".toml", ".md", ".sh", ".txt"}
RENDERED = {"README.md", "claims.toml"}  # Jinja2 templates; the other files are copied as they are


def render(path: Path, values: dict[str, str]) -> str:
    """A template file rendered by Jinja2; a placeholder with no value is an error, never left in."""
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    return env.from_string(path.read_text()).render(values)


@dataclass
class Template:
    name: str
    description: str
    requires: list[str]
    example_metric: str
    evidence: dict[str, float]
    caveats: dict[str, str] = field(default_factory=dict)
    hparams: dict[str, str] = field(default_factory=dict)  # the paper's setting -> this task's config key
    prefer: list[str] = field(default_factory=list)  # the experiment to write, in order of choice (lower case)
    metrics: dict[str, str] = field(default_factory=dict)  # a paper's metric -> the key train.py writes

    @property
    def folder(self) -> Path:
        return TEMPLATES / self.name


def templates() -> dict[str, Template]:
    """Every task family, by name."""
    out = {}
    for folder in sorted(TEMPLATES.iterdir()):
        meta = folder / "template.toml"
        if meta.exists():
            data = tomllib.loads(meta.read_text(encoding="utf-8"))
            out[folder.name] = Template(folder.name, data["description"], list(data["requires"]),
                                        data["example_metric"], dict(data["evidence"]), dict(data.get("caveats", {})),
                                        dict(data.get("hparams", {})), list(data.get("prefer", [])),
                                        dict(data.get("metrics", {})))
    return out


@dataclass
class Choice:
    template: Template
    reason: str  # which words of the paper decided it, or that the user did
    caveats: list[str] = field(default_factory=list)


def _count(text: str, word: str) -> int:
    return len(re.findall(r"(?<![a-z0-9])" + re.escape(word.lower()), text))


def unsupported() -> dict[str, dict[str, float]]:
    """The kinds of paper no template trains: name -> evidence words and weights."""
    data = tomllib.loads((TEMPLATES / "unsupported.toml").read_text(encoding="utf-8"))
    return {name: {w: float(x) for w, x in words.items()} for name, words in data.items()}


def _scores(lower: str, families: dict[str, dict[str, float]]) -> dict[str, tuple[float, dict[str, int]]]:
    """Each family's weighted count of its evidence words in the text, and the words found."""
    out = {}
    for name, evidence in families.items():
        found = {w: n for w in evidence if (n := _count(lower, w))}
        out[name] = (sum(evidence[w] * n for w, n in found.items()), found)
    return out


def misfit(text: str, score: float) -> str | None:
    """What the paper reads as when a kind of paper no template trains scores at least `score`."""
    lower = text.lower()
    scored = _scores(lower, unsupported())
    kind = max(scored, key=lambda name: scored[name][0])
    points, found = scored[kind]
    if not points or points < score:
        return None
    words = ", ".join(f"{w!r} x{n}" for w, n in sorted(found.items(), key=lambda kv: -kv[1])[:3])
    return f"the paper reads as {kind} ({words}; score {points:g}), which no template trains"


def choose(text: str) -> Choice:
    """The task family whose evidence words the paper's text uses most (weighted), unless a kind of
    paper no template trains scores as high: then no template fits, and it says so."""
    lower = text.lower()
    known = templates()
    scored = _scores(lower, {name: t.evidence for name, t in known.items()})
    scores = {name: points for name, (points, _) in scored.items()}
    found = {name: words for name, (_, words) in scored.items()}
    best = max(scores, key=lambda name: scores[name])
    if not scores[best]:
        raise InvalidInput("the paper's text names no task family paperlab knows; choose one with "
                           f"--template ({', '.join(known)})")
    wrong = misfit(text, scores[best])
    if wrong:
        raise InvalidInput(f"no template fits: {wrong} (the best, {best}, scores {scores[best]:g}); "
                           f"choose one anyway with --template ({', '.join(known)})")
    template = known[best]
    top = sorted(found[best].items(), key=lambda kv: -kv[1] * template.evidence[kv[0]])[:4]
    runner_up = max((s for n, s in scores.items() if n != best), default=0)
    reason = (f"the paper mentions {', '.join(f'{w!r} x{n}' for w, n in top)} "
              f"(score {scores[best]:g}; next best {runner_up:g})")
    caveats = [msg for word, msg in template.caveats.items() if _count(lower, word)]
    return Choice(template, reason, caveats)


# The paper's settings the harness's own config takes (train.py), for every template.
HARNESS_KEYS = {"learning_rate": "lr", "batch_size": "batch_size", "momentum": "momentum",
                "weight_decay": "weight_decay", "beta1": "beta1", "beta2": "beta2", "eps": "eps",
                "warmup_steps": "warmup_steps", "steps": "max_steps", "iterations": "max_steps",
                "optimizer": "optimizer", "schedule": "schedule", "milestones": "milestones",
                "grad_clip": "grad_clip"}  # train.py clips the gradients' global norm, as papers mean it
INTEGER_KEYS = {"batch_size", "warmup_steps", "max_steps", "n_layers", "d_model", "n_heads", "lora_r"}


def paper_keys() -> set[str]:
    """The config keys that are settings papers state, across the harness and every template."""
    keys = set(HARNESS_KEYS.values())
    for template in templates().values():
        keys |= set(template.hparams.values())
    return keys


NOT_TAKEN = "# take them (README.md lists them); a run keeps the template's value: "  # `gaps` reads it
MAX_BATCH = 65_536  # the largest batch of sequences (or images) a paper's batch_size is read as


def _config_value(key: str, value: float | str) -> str | None:
    """`value` written as TOML for config `key`, or None when this harness cannot take it."""
    if key == "optimizer":
        return f'"{str(value).lower()}"' if str(value).lower() in ("adamw", "adam", "sgd") else None
    if key == "schedule":
        return f'"{value}"' if value in ("cosine", "linear", "step") else None
    if key == "milestones":
        return f'"{value}"'
    if key == "batch_size" and isinstance(value, float) and value > MAX_BATCH:
        return None  # sequences a step: millions are a batch counted in tokens, its unit unsaid
    if key in INTEGER_KEYS:
        return str(int(value)) if isinstance(value, float) and value.is_integer() and value > 0 else None
    return f"{value:g}" if isinstance(value, float) else None


def _keys(template: Template) -> dict[str, str]:
    """A paper's setting -> the config key this template's run takes it as."""
    return {**HARNESS_KEYS, **template.hparams}


def experiment(template: Template, found: list[Hparam]) -> str:
    """The one experiment config/paper.toml is written for, as the paper names it ('' when it names
    none): the first of the template's preferred setups the paper names, else the named setup (a
    dataset, a phase, a model) with the most values this template takes; a tie goes to the first read."""
    keys = _keys(template)
    counts: Counter[str] = Counter()
    named: dict[str, str] = {}
    for h in found:
        if h.setup and h.name in keys and _config_value(keys[h.name], h.value) is not None:
            counts[h.setup.lower()] += 1
            named.setdefault(h.setup.lower(), h.setup)
    for preferred in template.prefer:
        if candidates := [s for s in counts if preferred in s]:
            return named[max(candidates, key=lambda s: counts[s])]
    return named[max(counts, key=lambda s: counts[s])] if counts else ""


def paper_setup(template: Template, found: list[Hparam], source: str) -> tuple[str | None, list[Hparam]]:
    """config/paper.toml from the values the paper states that this template can take (each with
    its page and sentence), for one experiment (`experiment`): its own values first, then those the
    paper states for no experiment in particular; the values it could not place, the other
    experiments' among them, are returned. None when nothing could be placed."""
    keys = _keys(template)
    chosen_experiment = experiment(template, found).lower()
    own = [h for h in found if h.setup and h.setup.lower() == chosen_experiment]
    chosen: dict[str, Hparam] = {}
    for h in own + [h for h in found if not h.setup]:
        key = keys.get(h.name)
        if key and key not in chosen and _config_value(key, h.value) is not None:
            chosen[key] = h
    if not chosen:
        return None, found
    lines = [f"# The paper's setup as paperlab read it from the text ({source}): each value names its",
             "# page and sentence; check them before you trust a run. Settings not here keep train.py's",
             "# and task.py's defaults, which are the template's, not the paper's.",
             "# Run it with `paperlab replicate run ID --config paper`."]
    if chosen_experiment and any(h.setup and h.setup.lower() != chosen_experiment for h in found):
        lines.append(f"# One experiment: {own[0].setup}, and what the paper states for none in particular; "
                     "the values of its other experiments are in README.md, not here.")
    for key, h in chosen.items():
        where = f"p. {h.page}" + (f", {h.setup}" if h.setup else "")
        sentence = " ".join(h.sentence.split())[:110]
        lines.append(f"{key} = {_config_value(key, h.value)}  # {where}: {sentence}")
    lines += _unstated(template, set(chosen), {keys[h.name] for h in found if h.name in keys})
    placed = set(map(id, chosen.values()))
    return "\n".join(lines) + "\n", [h for h in found if id(h) not in placed]


def _unstated(template: Template, placed: set[str], read: set[str]) -> list[str]:
    """paper.toml's closing comment: every other key of the run's config, missing from the paper,
    read from it but not taken (`read`: the keys of every value read), or the template's own."""
    base = tomllib.loads((template.folder / "config" / "default.toml").read_text(encoding="utf-8"))
    stated = paper_keys()
    unset = [k for k in base if k not in placed and k in stated]
    missing = [f"{k} ({_toml(base[k])})" for k in unset if k not in read]
    not_taken = [f"{k} ({_toml(base[k])})" for k in unset if k in read]
    own = [k for k in base if k not in placed and k not in stated]
    out = []
    if missing:
        out += ["# Missing: paperlab did not find these in the paper's text; a run keeps the template's",
                "# value (`paperlab replicate gaps ID` says where to look): " + ", ".join(missing)]
    if not_taken:
        out += ["# Not taken: the paper states these for another experiment only, or as this run cannot",
                NOT_TAKEN + ", ".join(not_taken)]
    if own:
        out.append("# Template defaults, not settings a paper states: " + ", ".join(own))
    return out


def _toml(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


def _setup_notes(text: str | None, rest: list[Hparam]) -> str:
    """The README's account of what was read from the paper."""
    if text is None and not rest:
        return "paperlab found no training setup in the paper's text; `config/default.toml` is the template's."
    out = ["`config/paper.toml` holds the values paperlab read from the paper, each with its page."] if text else []
    if rest:
        out += ["", "Found in the paper but not placed in a config (another experiment, or a setting this "
                "template does not take):", ""]
        for h in rest[:30]:
            value = f"{h.value:g}" if isinstance(h.value, float) else h.value
            out.append(f"- {h.name} = {value} (p. {', '.join(map(str, h.pages))}{', ' + h.setup if h.setup else ''})")
        if len(rest) > 30:
            out.append(f"- ... and {len(rest) - 30} more: `paperlab replicate hparams ID` lists every one, "
                       "with its sentence")
    return "\n".join(out)


@dataclass
class Scaffolded:
    path: Path
    choice: Choice
    created: bool  # False: --force added missing files to an existing project


def scaffold(lib: Library, ref: str, template: str | None = None, force: bool = False) -> Scaffolded:
    """Write `replications/<id>/` from the template that fits the paper (or the one named), never
    overwriting a file the user has."""
    known = templates()
    if template is not None and template not in known:
        raise InvalidInput(f"unknown template '{template}'; available: {', '.join(known)}")
    item = get_item(lib.db, lib.resolve_id(ref))
    dest = lib.replication_dir(item.id)
    existed = dest.exists() and any(dest.iterdir())
    if existed and not force:
        raise ReplicationError(f"{lib.relative(dest)} already exists; it is yours to edit "
                               "(use --force to add missing template files)")
    text = " ".join(t for _, t in paper_pages(lib.db, item.id))
    if template is not None:
        own = _scores(text.lower(), {template: known[template].evidence})[template][0]
        wrong = misfit(text, max(own, 1e-9)) if text else None
        choice = Choice(known[template], "chosen with --template",
                        [f"{wrong}: its setup and numbers may not carry over"] if wrong else [])
    else:
        if not text:
            raise InvalidInput(f"{item.id} has no extracted text to choose a template from; run "
                               f"`paperlab index {item.id}`, or choose one with --template ({', '.join(known)})")
        choice = choose(text)
    chosen = choice.template
    paper_toml: str | None = None
    rest: list[Hparam] = []
    if item.pdf_path and (lib.home / item.pdf_path).exists():
        from paperlab.replicate.settings import read_parts

        source = f"arXiv {item.arxiv_id}v{item.version or 1}" if item.arxiv_id else item.id
        stated, in_tables = read_parts(lib.home / item.pdf_path)
        paper_toml, rest = paper_setup(chosen, stated, source)
        rest += in_tables  # a table's rows are several models: which one to train is the user's choice
    values = {
        "id": item.id, "arxiv_id": item.arxiv_id or item.id, "title": item.title,
        "link": item.link or item.url, "version": str(item.version or 1),
        "version_suffix": f"v{item.version}" if item.version else "",
        "template": chosen.name, "template_description": chosen.description,
        "template_reason": "Chosen because " + choice.reason.removeprefix("chosen ") + "."
        + "".join(f" Note: {c}." for c in choice.caveats),
        "example_metric": chosen.example_metric,
        "claims_table": "Run `paperlab replicate check` to fill this table.",
        "paper_setup": _setup_notes(paper_toml, rest),
    }
    files = [(p, p.relative_to(HARNESS)) for p in HARNESS.rglob("*")]
    files += [(p, p.relative_to(chosen.folder)) for p in chosen.folder.rglob("*") if p.name != "template.toml"]
    try:
        for path, relative in sorted(files, key=lambda f: str(f[1])):
            target = dest / relative
            if path.is_dir() or "__pycache__" in path.parts or target.exists():
                continue  # never overwrite the user's files
            if path.name in RENDERED:
                atomic_write_text(target, render(path, values))
            elif path.suffix in TEXT_SUFFIXES:
                atomic_write_text(target, path.read_text())
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
            target.chmod(path.stat().st_mode & 0o777)
        requirements = dest / "requirements.txt"
        if not requirements.exists():
            atomic_write_text(requirements, "\n".join(chosen.requires) + "\n")
        if paper_toml and not (dest / "config" / "paper.toml").exists():
            atomic_write_text(dest / "config" / "paper.toml", paper_toml)
    except OSError as exc:
        raise StorageError(f"cannot write {dest}: {exc.strerror or exc}") from exc
    if not existed:  # --force on a project only adds files: its status stays what it was
        with lib.writing("replicate scaffold"):
            set_status(lib.db, item.id, "scaffolded", lib.relative(dest), detail=f"template {chosen.name}")
    return Scaffolded(dest, choice, not existed)
