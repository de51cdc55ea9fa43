"""Create `replications/<id>/` from a template: a plain Python project the user owns."""

from __future__ import annotations

from pathlib import Path

from paperlab.errors import InvalidInput, ReplicationError
from paperlab.fsutil import atomic_write_text
from paperlab.library import Library
from paperlab.store.items import get_item
from paperlab.store.replications import set_status

TEMPLATES = Path(__file__).parent / "templates"
TEXT_SUFFIXES = {".py", ".toml", ".md", ".sh", ".txt"}


def templates() -> list[str]:
    return sorted(p.name for p in TEMPLATES.iterdir() if p.is_dir() and not p.name.startswith("_"))


def scaffold(lib: Library, ref: str, template: str = "default", force: bool = False) -> Path:
    """Write `replications/<id>/` from a template, never overwriting a file the user has."""
    if template not in templates():
        raise InvalidInput(f"unknown template '{template}'; available: {', '.join(templates())}")
    item = get_item(lib.db, lib.resolve_id(ref))
    dest = lib.replication_dir(item.id)
    if dest.exists() and any(dest.iterdir()) and not force:
        raise ReplicationError(f"{lib.relative(dest)} already exists; it is yours to edit "
                               "(use --force to add missing template files)")
    values = {
        "{{id}}": item.id, "{{arxiv_id}}": item.arxiv_id or item.id, "{{title}}": item.title,
        "{{link}}": item.link or f"https://arxiv.org/abs/{item.arxiv_id}",
        "{{version}}": str(item.version or 1),
        "{{version_suffix}}": f"v{item.version}" if item.version else "",
        "{{claims_table}}": "Run `paperlab replicate check` to fill this table.",
    }
    source = TEMPLATES / template
    try:
        for path in sorted(source.rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts:
                continue
            target = dest / path.relative_to(source)
            if target.exists():
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
    except OSError as exc:
        raise ReplicationError(f"cannot write {dest}: {exc.strerror or exc}") from exc
    set_status(lib.db, item.id, "scaffolded", lib.relative(dest), detail=f"template {template}")
    return dest

