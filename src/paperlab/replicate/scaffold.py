"""Create `replications/<id>/` from a task template: a plain Python project the user owns.

A project is the shared harness (`templates/harness/`: train.py, check.py, reproduce.sh, claims.toml,
README.md) plus one task family's folder (`templates/<name>/`: task.py, config/, template.toml).
The template is chosen from the paper's extracted text: each family lists evidence words with
weights in its template.toml, and the family with the highest score wins; `--template` overrides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

from paperlab.errors import InvalidInput, ReplicationError
from paperlab.fsutil import atomic_write_text
from paperlab.library import Library
from paperlab.store.chunks import paper_pages
from paperlab.store.items import get_item
from paperlab.store.replications import set_status

TEMPLATES = Path(__file__).parent / "templates"
HARNESS = TEMPLATES / "harness"
TEXT_SUFFIXES = {".py", ".toml", ".md", ".sh", ".txt"}


@dataclass
class Template:
    name: str
    description: str
    requires: list[str]
    example_metric: str
    evidence: dict[str, float]
    caveats: dict[str, str] = field(default_factory=dict)

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
                                        data["example_metric"], dict(data["evidence"]), dict(data.get("caveats", {})))
    return out


@dataclass
class Choice:
    template: Template
    reason: str  # which words of the paper decided it, or that the user did
    caveats: list[str] = field(default_factory=list)


def _count(text: str, word: str) -> int:
    return len(re.findall(r"(?<![a-z0-9])" + re.escape(word.lower()), text))


def choose(text: str) -> Choice:
    """The task family whose evidence words the paper's text uses most (weighted)."""
    lower = text.lower()
    known = templates()
    found = {name: {w: n for w in t.evidence if (n := _count(lower, w))} for name, t in known.items()}
    scores = {name: sum(known[name].evidence[w] * n for w, n in words.items()) for name, words in found.items()}
    best = max(scores, key=lambda name: scores[name])
    if not scores[best]:
        raise InvalidInput("the paper's text names no task family paperlab knows; choose one with "
                           f"--template ({', '.join(known)})")
    template = known[best]
    top = sorted(found[best].items(), key=lambda kv: -kv[1] * template.evidence[kv[0]])[:4]
    runner_up = max((s for n, s in scores.items() if n != best), default=0)
    reason = (f"the paper mentions {', '.join(f'{w!r} x{n}' for w, n in top)} "
              f"(score {scores[best]:g}; next best {runner_up:g})")
    caveats = [msg for word, msg in template.caveats.items() if _count(lower, word)]
    return Choice(template, reason, caveats)


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
    if template is not None:
        choice = Choice(known[template], "chosen with --template")
    else:
        text = " ".join(t for _, t in paper_pages(lib.db, item.id))
        if not text:
            raise InvalidInput(f"{item.id} has no extracted text to choose a template from; run "
                               f"`paperlab index {item.id}`, or choose one with --template ({', '.join(known)})")
        choice = choose(text)
    chosen = choice.template
    values = {
        "{{id}}": item.id, "{{arxiv_id}}": item.arxiv_id or item.id, "{{title}}": item.title,
        "{{link}}": item.link or f"https://arxiv.org/abs/{item.arxiv_id}",
        "{{version}}": str(item.version or 1),
        "{{version_suffix}}": f"v{item.version}" if item.version else "",
        "{{template}}": chosen.name, "{{template_description}}": chosen.description,
        "{{template_reason}}": "Chosen because " + choice.reason.removeprefix("chosen ") + "."
        + "".join(f" Note: {c}." for c in choice.caveats),
        "{{example_metric}}": chosen.example_metric,
        "{{claims_table}}": "Run `paperlab replicate check` to fill this table.",
    }
    files = [(p, p.relative_to(HARNESS)) for p in HARNESS.rglob("*")]
    files += [(p, p.relative_to(chosen.folder)) for p in chosen.folder.rglob("*") if p.name != "template.toml"]
    try:
        for path, relative in sorted(files, key=lambda f: str(f[1])):
            target = dest / relative
            if path.is_dir() or "__pycache__" in path.parts or target.exists():
                continue  # never overwrite the user's files
            if path.suffix in TEXT_SUFFIXES:
                text = path.read_text()
                for key, value in values.items():
                    text = text.replace(key, value)
                atomic_write_text(target, text)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
            target.chmod(path.stat().st_mode & 0o777)
        requirements = dest / "requirements.txt"
        if not requirements.exists():
            atomic_write_text(requirements, "\n".join(chosen.requires) + "\n")
    except OSError as exc:
        raise ReplicationError(f"cannot write {dest}: {exc.strerror or exc}") from exc
    if not existed:  # --force on a project only adds files: its status stays what it was
        set_status(lib.db, item.id, "scaffolded", lib.relative(dest), detail=f"template {chosen.name}")
    return Scaffolded(dest, choice, not existed)
