"""Create `replications/<id>/` from a template: a plain Python project the user owns."""

from __future__ import annotations

from pathlib import Path

from paperlab import db
from paperlab.config import Library, folder_name
from paperlab.db import sqlite_utils
from paperlab.errors import InvalidInput, ReplicationError
from paperlab.fsutil import atomic_write_text

TEMPLATES = Path(__file__).parent / "templates"
TEXT_SUFFIXES = {".py", ".toml", ".md", ".sh", ".txt"}


def templates() -> list[str]:
    return sorted(p.name for p in TEMPLATES.iterdir() if p.is_dir() and not p.name.startswith("_"))


def replication_dir(lib: Library, item_id: str) -> Path:
    return lib.replications_dir / folder_name(item_id)


def scaffold(
    lib: Library, database: sqlite_utils.Database, item_id: str, template: str = "default",
    force: bool = False,
) -> Path:
    if template not in templates():
        raise InvalidInput(f"unknown template '{template}'; available: {', '.join(templates())}")
    item = db.get_item(database, item_id)
    dest = replication_dir(lib, item_id)
    if dest.exists() and any(dest.iterdir()) and not force:
        raise ReplicationError(f"{dest.relative_to(lib.home)} already exists; it is yours to edit "
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
    set_status(database, item.id, "scaffolded", str(dest.relative_to(lib.home)),
               detail=f"template {template}")
    return dest


def set_status(
    database: sqlite_utils.Database, item_id: str, status: str, path: str | None = None,
    summary: str | None = None, detail: str = "",
) -> None:
    with db.transaction(database):
        db.upsert_replication(database, item_id, status, path, summary)
        db.add_log(database, item_id, f"replication:{status}", detail)
