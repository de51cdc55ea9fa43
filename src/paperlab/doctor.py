"""`paperlab doctor`: is the library consistent, and can paperlab's parts run? Each check says what
it found; `--fix` repairs what can be repaired without losing anything the user made (temp files
of killed writers are deleted, folders no item owns go to papers/.trash/, the index is re-synced,
replications a killed run left `running` go back to their status)."""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from paperlab.fsutil import half_written
from paperlab.library import Library, folder_name
from paperlab.store import chunks as chunk_store
from paperlab.store.items import list_items
from paperlab.store.migrations import PendingMigration, pending
from paperlab.store.schema import get_meta, integrity_check


@dataclass
class Finding:
    check: str
    ok: bool
    detail: str
    fixed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def consistency(lib: Library) -> list[str]:
    """What is inconsistent in the library (empty when nothing is): the promise the crash and fuzz
    tests check after every fault. A folder no item owns is not an inconsistency (an interrupted
    `rm` leaves one: nothing points to it and nothing is lost), nor is a PDF without text (it came
    that way); `doctor` reports both."""
    return [f"{f.check}: {f.detail}" for f in _library_checks(lib)
            if not f.ok and f.check not in ("folders", "text")]


def _library_checks(lib: Library) -> list[Finding]:
    database = lib.db
    integrity = integrity_check(database)
    items = list_items(database)
    missing = [i.id for i in items if i.pdf_path and not (lib.home / i.pdf_path).is_file()]
    unreadable = [i for i in items if i.pdf_path and (i.text_status == "no-text" or i.text_error)]
    orphans = chunk_store.orphan_chunk_count(database)
    model = get_meta(database, "index_model")
    unembedded = len(chunk_store.texts_missing_embedding(database, model)) if model else 0
    vectors = _vector_count(lib, model) if model else None
    chunk_count = chunk_store.count_chunks(database)
    leftovers = half_written(lib.home)
    owned = {folder_name(i.id) for i in items}
    stray = sorted(p for p in lib.papers_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
                   and p.name not in owned) if lib.papers_dir.is_dir() else []
    return [
        Finding("database", integrity == "ok", "integrity ok" if integrity == "ok" else integrity),
        Finding("pdfs", not missing, "every item's PDF is there" if not missing else
                f"{len(missing)} item(s) point to a missing PDF: {', '.join(missing[:5])} "
                "(`paperlab fetch --update ID` or `paperlab rm ID`)"),
        Finding("text", not unreadable, "every PDF's text was read" if not unreadable else
                f"{len(unreadable)} PDF(s) whose text could not be read, or only in part: "
                + "; ".join(f"{i.id} ({i.text_error})" for i in unreadable[:5])
                + " (`paperlab fetch --update ID` downloads an arXiv paper again)"),
        Finding("chunks", orphans == 0, "every chunk has its item" if not orphans else
                f"{orphans} chunk(s) of removed items"),
        Finding("index", unembedded == 0, "every chunk is embedded" if not unembedded else
                f"{unembedded} chunk text(s) have no vector for {model} (`paperlab index`)"),
        Finding("vectors", vectors in (None, chunk_count), "the FAISS file holds every chunk" if vectors in
                (None, chunk_count) else f"the FAISS file holds {vectors} vectors for {chunk_count} chunks "
                "(`paperlab index`)"),
        Finding("temp files", not leftovers, "none left" if not leftovers else
                f"{len(leftovers)} half-written file(s) of an interrupted command: "
                + ", ".join(lib.relative(p) for p in leftovers[:3])),
        Finding("folders", not stray, "every folder in papers/ has its item" if not stray else
                f"{len(stray)} folder(s) no item owns: {', '.join(p.name for p in stray[:5])}"),
        _stuck_runs(lib),
    ]


def _vector_count(lib: Library, model: str) -> int | None:
    """Vectors in the FAISS file, from its metadata; None when there is no file (nothing indexed)."""
    from paperlab.retrieval.vectors import VectorIndex

    vectors = VectorIndex(lib.index_dir, model)
    return int(vectors.meta().get("count", -1)) if vectors.path.exists() else None


def _stuck_runs(lib: Library) -> Finding:
    from paperlab.fsutil import is_locked
    from paperlab.replicate.runs import RUN_LOCK
    from paperlab.store.replications import list_replications

    stuck = [r.item_id for r in list_replications(lib.db) if r.status == "running"
             and not is_locked(lib.replication_dir(r.item_id) / RUN_LOCK)]
    return Finding("replications", not stuck, "no run left 'running' by a killed process" if not stuck
                   else f"{', '.join(stuck)} left 'running' by a run that was killed")


def _model_checks(lib: Library) -> list[Finding]:
    from paperlab.errors import PaperlabError
    from paperlab.retrieval.embedding import BUNDLED_NAMES, ONNX_NAME, SentenceTransformerEmbedder, bundled_model_path

    name = lib.settings.embedding_model
    out = []
    if name in BUNDLED_NAMES:
        try:
            out.append(Finding("model", True, f"{bundled_model_path()} (sha256 checked)"))
        except PaperlabError as exc:
            out.append(Finding("model", False, str(exc)))
    else:
        out.append(Finding("model", True, f"{name} (not bundled: its files are not checked)"))
    if name.startswith("hash:"):
        return out
    try:
        plain = SentenceTransformerEmbedder(name).spec is not None
    except PaperlabError:
        return out  # the missing model is reported above
    if plain:
        out.append(Finding("onnx", True, "queries are embedded in numpy from the model's own weights"))
        return out
    onnx, stamp = lib.index_dir / ONNX_NAME, lib.index_dir / f"{ONNX_NAME}.model"
    fresh = onnx.is_file() and stamp.is_file() and stamp.read_text().strip() == name
    out.append(Finding("onnx", fresh, "the fast query encoder is there" if fresh else
                       "no ONNX query encoder for this model: each search loads torch (seconds slower)"))
    return out


def doctor(lib: Library, fix: bool = False) -> list[Finding]:
    """Every check, after repairing what `fix` may."""
    if fix:
        with lib.writing("doctor --fix"):
            _repair(lib)  # taking the lock already removed temp files of killed writers
    return _library_checks(lib) + _model_checks(lib)


def _repair(lib: Library) -> None:
    from paperlab.replicate.runs import recover_stale
    from paperlab.retrieval.ingest import ensure_onnx_for, forget_removed, index_library

    recover_stale(lib)
    owned = {folder_name(i.id) for i in list_items(lib.db)}
    if lib.papers_dir.is_dir():
        trash = lib.papers_dir / ".trash"
        for folder in lib.papers_dir.iterdir():
            if folder.is_dir() and not folder.name.startswith(".") and folder.name not in owned:
                trash.mkdir(exist_ok=True)
                shutil.move(str(folder), trash / f"{folder.name}-{datetime.now():%Y%m%d-%H%M%S}")
    chunk_store.delete_orphan_chunks(lib.db)
    forget_removed(lib)
    model = get_meta(lib.db, "index_model")
    if model and chunk_store.texts_missing_embedding(lib.db, model):
        index_library(lib)
    ensure_onnx_for(lib)


def pending_migrations(lib: Library) -> list[PendingMigration]:
    """What opening the library with this paperlab would migrate, read without migrating it."""
    return pending(lib.db_path)


def describe(findings: list[Finding]) -> tuple[int, int]:
    """(checks that pass, checks that do not)."""
    bad = sum(1 for f in findings if not f.ok)
    return len(findings) - bad, bad


