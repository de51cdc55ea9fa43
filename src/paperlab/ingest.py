"""extract -> chunk -> embed -> index, incrementally.

Work is skipped wherever its inputs are unchanged: a PDF is re-extracted only when its sha256 or
the chunking settings change, notes only when the file changes, and a chunk is embedded only when
no vector exists for (model, content hash). On an unchanged library nothing is embedded and the
model is never loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from paperlab import chunking, db, keywords
from paperlab.config import Library
from paperlab.db import sqlite_utils
from paperlab.embedding import Embedder, OnnxQueryEncoder, ensure_onnx, get_embedder, query_encoder
from paperlab.errors import PaperlabError
from paperlab.fsutil import sha256_file, sha256_text
from paperlab.index import VectorIndex

ProgressFn = Callable[[str, int, int], None]
EMBED_BATCH = 64
SMALL_JOB = 16


@dataclass
class IndexReport:
    items: int = 0
    extracted: int = 0
    notes: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    embedded: int = 0
    vectors: int = 0
    errors: dict[str, str] = field(default_factory=dict)


def _rows(pieces: list[chunking.Piece]) -> list[dict[str, object]]:
    return [
        {"page_start": p.page_start, "page_end": p.page_end, "section": p.section, "text": p.text,
         "content_hash": sha256_text(p.text), "n_tokens": p.n_tokens}
        for p in pieces
    ]


def _chunk_key(lib: Library, embedder: Embedder, content_sha: str) -> str:
    s = lib.settings
    return f"{content_sha}:{embedder.name}:{s.chunk_tokens}:{s.chunk_overlap}"


def _index_paper(
    lib: Library, database: sqlite_utils.Database, embedder: Embedder, item_id: str,
    rebuild: bool, report: IndexReport,
) -> None:
    from paperlab.pdf import extract_pages

    item = db.get_item(database, item_id)
    pdf = lib.home / item.pdf_path if item.pdf_path else None
    if pdf is None or not pdf.exists():
        if item.pdf_path:
            report.errors[item_id] = f"{item.pdf_path} is missing; fetch or add the PDF again"
        return
    key = _chunk_key(lib, embedder, item.pdf_sha256 or sha256_file(pdf))
    if not rebuild and db.get_meta(database, f"extract:{item_id}") == key:
        return
    try:
        pages = extract_pages(pdf)
    except PaperlabError as exc:
        _, removed = db.replace_chunks(database, item_id, "paper", [])
        report.chunks_removed += len(removed)
        with db.transaction(database):
            db.update_item(database, item_id, text_status="no-text", text_error=str(exc))
            db.set_meta(database, f"extract:{item_id}", key)
        report.errors[item_id] = str(exc)
        return
    doc = chunking.join_pages([(p.number, p.text, p.headings) for p in pages])
    pieces = chunking.chunk(doc, embedder.token_spans, lib.settings.chunk_tokens,
                            lib.settings.chunk_overlap)
    added, removed = db.replace_chunks(database, item_id, "paper", _rows(pieces))
    with db.transaction(database):
        db.update_item(database, item_id, text_status="ok", text_error="")
        db.set_meta(database, f"extract:{item_id}", key)
    report.extracted += 1
    report.chunks_added += len(added)
    report.chunks_removed += len(removed)


def _index_notes(
    lib: Library, database: sqlite_utils.Database, embedder: Embedder, item_id: str,
    rebuild: bool, report: IndexReport,
) -> None:
    path = lib.item_dir(item_id) / "notes.md"
    if not path.exists():
        if db.note_hash(database, item_id) is not None or db.chunk_hashes(database, item_id, "notes"):
            _, removed = db.replace_chunks(database, item_id, "notes", [])
            report.chunks_removed += len(removed)
            db.execute_delete_note(database, item_id)
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    key = _chunk_key(lib, embedder, sha256_text(text))
    if not rebuild and db.note_hash(database, item_id) == key:
        return
    pieces = chunking.chunk(chunking.markdown_document(text), embedder.token_spans,
                            lib.settings.chunk_tokens, lib.settings.chunk_overlap)
    added, removed = db.replace_chunks(database, item_id, "notes", _rows(pieces))
    db.set_note_meta(database, item_id, str(path.relative_to(lib.home)), key)
    report.notes += 1
    report.chunks_added += len(added)
    report.chunks_removed += len(removed)


def _embed_missing(
    database: sqlite_utils.Database, embedder: Embedder, progress: ProgressFn | None,
    index_dir: Path | None = None,
) -> int:
    import numpy as np

    missing = db.texts_missing_embedding(database, embedder.name)
    embed = embedder.embed
    if missing and len(missing) <= SMALL_JOB and index_dir is not None:
        # A few chunks (a notes edit): the exported ONNX encoder gives the same vectors (tested to
        # 1e-5) without importing torch, so `paperlab note` stays fast.
        fast = query_encoder(embedder.name, index_dir)
        if isinstance(fast, OnnxQueryEncoder):
            embed = fast.embed
    for start in range(0, len(missing), EMBED_BATCH):
        batch = missing[start:start + EMBED_BATCH]
        vectors = embed([t for _, t in batch]).astype(np.float32)
        db.put_embeddings(database, embedder.name,
                          [(h, v.tobytes()) for (h, _), v in zip(batch, vectors, strict=True)])
        if progress:
            progress("embedding", min(start + EMBED_BATCH, len(missing)), len(missing))
    return len(missing)


def _vectors(rows: list[tuple[int, bytes]]):  # type: ignore[no-untyped-def]
    import numpy as np

    ids = np.array([r[0] for r in rows], dtype=np.int64)
    if not rows:
        return ids, np.zeros((0, 1), dtype=np.float32)
    return ids, np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])


def sync_vectors(lib: Library, database: sqlite_utils.Database, model: str, rebuild: bool) -> int:
    """Make the FAISS file hold exactly the chunk vectors in the database; returns its size."""
    vi = VectorIndex(lib.index_dir, model, lib.settings.approx_index_above)
    version = db.chunks_version(database)
    meta = vi.meta()
    if not rebuild and vi.path.exists() and meta.get("model") == model \
            and meta.get("chunks_version") == version:
        return int(meta.get("count", 0))
    wanted = set(db.all_chunk_ids(database))
    if rebuild or not vi.load():
        vi.build(*_vectors(db.chunk_vectors(database, model)))
    else:
        have = vi.ids()
        vi.remove(sorted(have - wanted))
        vi.add(*_vectors(db.chunk_vectors(database, model, sorted(wanted - have))))
        too_big = vi.kind == "flat" and vi.index.ntotal > lib.settings.approx_index_above
        if too_big:
            vi.build(*_vectors(db.chunk_vectors(database, model)))
    vi.save(chunks_version=version)
    return int(vi.index.ntotal)


def index_library(
    lib: Library, database: sqlite_utils.Database, item_ids: list[str] | None = None,
    rebuild: bool = False, progress: ProgressFn | None = None, embedder: Embedder | None = None,
) -> IndexReport:
    embedder = embedder or get_embedder(lib.settings.embedding_model)
    report = IndexReport()
    if db.get_meta(database, "index_model") not in (None, embedder.name):
        rebuild = True  # a model change re-embeds everything
    report.chunks_removed += len(db.delete_orphan_chunks(database))
    ids = item_ids if item_ids is not None else db.all_item_ids(database)
    for n, item_id in enumerate(ids, start=1):
        _index_paper(lib, database, embedder, item_id, rebuild, report)
        _index_notes(lib, database, embedder, item_id, rebuild, report)
        if progress:
            progress("extracting", n, len(ids))
    report.items = len(ids)
    report.embedded = _embed_missing(database, embedder, progress, lib.index_dir)
    report.vectors = sync_vectors(lib, database, embedder.name, rebuild)
    keywords.sync(database, lib.index_dir, progress)
    db.set_meta(database, "index_model", embedder.name)
    if report.vectors:
        ensure_onnx(embedder, lib.index_dir)
    return report
