"""extract -> chunk -> embed -> index, incrementally.

Work is skipped wherever its inputs are unchanged: a PDF is re-extracted only when its sha256 or
the chunking settings change, notes only when the file changes, and a chunk is embedded only when
no vector exists for (model, content hash). On an unchanged library nothing is embedded and the
model is never loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from paperlab.errors import Interrupted, PaperlabError, PdfError
from paperlab.fsutil import failpoint, sha256_file, sha256_text
from paperlab.library import Library
from paperlab.models import IndexReport, StageProgress
from paperlab.retrieval import chunking, keywords
from paperlab.retrieval.embedding import (
    Embedder,
    HashEmbedder,
    SentenceTransformerEmbedder,
    encoder_for,
    ensure_onnx,
    get_embedder,
)
from paperlab.retrieval.reader import PdfReader
from paperlab.retrieval.vectors import VectorIndex, as_matrix
from paperlab.store import chunks as store
from paperlab.store.items import all_item_ids, delete_note_meta, get_item, note_hash, set_note_meta, update_item
from paperlab.store.meta import Floor, get_floor, set_floor
from paperlab.store.schema import Database, get_meta, set_meta, transaction
from paperlab.store.terms import chunks_version

if TYPE_CHECKING:

    from paperlab.retrieval.pdf import PageText

EMBED_BATCH = 64
SMALL_JOB = 16


# Bumped when extraction or chunking changes what a PDF or a notes file becomes: the next `index`
# re-chunks it.
# 3: notes by section; 4: empty headings label no chunk; 5: reference lists told by their text;
# 6: the title block chunked with the abstract; 7: a review copy's line numbers dropped;
# 8: running headers found on 40% of the pages, not half; 9: unnumbered LNCS entries end a reference;
# 10: where each page starts inside a chunk (its text, and so its vector, is unchanged)
CHUNKER = "layout-10"


def chunk_rows(pieces: list[chunking.Piece]) -> list[dict[str, object]]:
    return [
        {"page_start": p.page_start, "page_end": p.page_end, "section": p.section, "text": p.text,
         "content_hash": sha256_text(p.text), "n_tokens": p.n_tokens, "zone": p.zone,
         "page_breaks": " ".join(f"{offset}:{page}" for offset, page in p.page_breaks)}
        for p in pieces
    ]


def _chunk_key(lib: Library, embedder: Embedder, content_sha: str) -> str:
    s = lib.settings
    return f"{content_sha}:{embedder.name}:{s.chunk_tokens}:{s.chunk_overlap}:{CHUNKER}"


@dataclass
class _PaperJob:
    item_id: str
    pdf: Path
    key: str


def _paper_job(lib: Library, embedder: Embedder, item_id: str, rebuild: bool, report: IndexReport) -> _PaperJob | None:
    """The PDF of this item to extract, unless it is missing or its chunks are current."""
    item = get_item(lib.db, item_id)
    pdf = lib.home / item.pdf_path if item.pdf_path else None
    if pdf is None or not pdf.exists():
        if item.pdf_path:
            report.errors[item_id] = f"{item.pdf_path} is missing; fetch or add the PDF again"
        return None
    key = _chunk_key(lib, embedder, item.pdf_sha256 or sha256_file(pdf))
    if not rebuild and get_meta(lib.db, f"extract:{item_id}") == key:
        return None
    return _PaperJob(item_id, pdf, key)


def _store_paper(lib: Library, embedder: Embedder, job: _PaperJob, pages: list[PageText] | PdfError,
                 report: IndexReport) -> list[int]:
    """Chunk the pages and store the chunks; returns the new chunks' ids."""
    database = lib.db
    if isinstance(pages, PdfError):
        _, removed = store.replace_chunks(database, job.item_id, "paper", [])
        report.chunks_removed += len(removed)
        with transaction(database):
            update_item(database, job.item_id, text_status="no-text", text_error=str(pages))
            set_meta(database, f"extract:{job.item_id}", job.key)
        report.errors[job.item_id] = str(pages)
        return []
    doc = chunking.join_pages([(p.number, p.text, p.headings) for p in pages])
    pieces = chunking.chunk(doc, embedder.token_spans, lib.settings.chunk_tokens,
                            lib.settings.chunk_overlap)
    added, removed = store.replace_chunks(database, job.item_id, "paper", chunk_rows(pieces))
    from paperlab.retrieval.pdf import text_problem

    problem = text_problem(pages)
    if problem:
        report.warnings.append(f"{job.item_id}: {problem}")
    with transaction(database):
        update_item(database, job.item_id, text_status="ok", text_error=problem)
        set_meta(database, f"extract:{job.item_id}", job.key)
    report.extracted += 1
    report.chunks_added += len(added)
    report.chunks_removed += len(removed)
    return added


def _index_notes(lib: Library, embedder: Embedder, item_id: str, rebuild: bool, report: IndexReport) -> None:
    database = lib.db
    path = lib.notes_path(item_id)
    if not path.exists():
        if note_hash(database, item_id) is not None or store.chunk_hashes(database, item_id, "notes"):
            _, removed = store.replace_chunks(database, item_id, "notes", [])
            report.chunks_removed += len(removed)
            delete_note_meta(database, item_id)
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    key = _chunk_key(lib, embedder, sha256_text(text))
    if not rebuild and note_hash(database, item_id) == key:
        return
    pieces = chunking.chunk(chunking.markdown_document(text), embedder.token_spans,
                            lib.settings.chunk_tokens, lib.settings.chunk_overlap)
    added, removed = store.replace_chunks(database, item_id, "notes", chunk_rows(pieces))
    set_note_meta(database, item_id, lib.relative(path), key)
    report.notes += 1
    report.chunks_added += len(added)
    report.chunks_removed += len(removed)


def embed_missing(
    database: Database, embedder: Embedder, progress: StageProgress | None, index_dir: Path | None = None,
) -> int:
    """Embed every chunk text that has no vector for this model yet; returns how many."""
    import numpy as np

    # longest first, so each batch of EMBED_BATCH holds texts of about one length (less padding)
    missing = sorted(store.texts_missing_embedding(database, embedder.name), key=lambda m: -len(m[1]))
    small = missing and len(missing) <= SMALL_JOB and index_dir is not None
    # a notes edit: `paperlab note` stays fast
    embed = encoder_for(embedder.name, index_dir, "few", embedder).embed if small and index_dir is not None \
        else embedder.embed
    for start in range(0, len(missing), EMBED_BATCH):
        batch = missing[start:start + EMBED_BATCH]
        vectors = embed([t for _, t in batch]).astype(np.float32)
        store.put_embeddings(database, embedder.name,
                          [(h, v.tobytes()) for (h, _), v in zip(batch, vectors, strict=True)])
        if progress:
            progress("embedding", min(start + EMBED_BATCH, len(missing)), len(missing))
    return len(missing)


def sync_vectors(lib: Library, model: str, rebuild: bool) -> int:
    """Make the FAISS file hold exactly the chunk vectors in the database; returns its size."""
    database = lib.db
    vi = VectorIndex(lib.index_dir, model, lib.settings.approx_index_above)
    version = chunks_version(database)
    meta = vi.meta()
    if not rebuild and vi.path.exists() and meta.get("model") == model \
            and meta.get("chunks_version") == version:
        return int(meta.get("count", 0))
    all_ids = store.all_chunk_ids(database)
    if not rebuild:
        count = vi.save_delta(all_ids, lambda ids: as_matrix(store.chunk_vectors(database, model, ids)),
                              chunks_version=version)
        if count is not None:
            return count
    wanted = set(all_ids)
    if rebuild or not vi.load():
        vi.build(*as_matrix(store.chunk_vectors(database, model)))
    else:
        have = vi.ids()
        vi.remove(sorted(have - wanted))
        vi.add(*as_matrix(store.chunk_vectors(database, model, sorted(wanted - have))))
        too_big = vi.kind == "flat" and vi.count > lib.settings.approx_index_above
        if too_big:
            vi.build(*as_matrix(store.chunk_vectors(database, model)))
    vi.save(chunks_version=version)
    return vi.count


def floor_is_current(database: Database, model: str, vectors: int) -> bool:
    """A floor measured for this model when the library had within 10% of its vectors today: a
    notes edit does not pay for a new measurement, a library grown by a tenth does."""
    floor = get_floor(database)
    if floor is None or floor.model != model:
        return False
    return 0.9 * floor.vectors <= vectors <= 1.1 * floor.vectors


def calibrate_floor(lib: Library, embedder: Embedder, probes: int = 64) -> float:
    """Measure the cosine below which a semantic hit means nothing, for this model on this library,
    and keep it in the database (store.meta.Floor).

    Strings of random letters (seeded: the same every time) match nothing a paper says, so the best
    score each gets against the library is what "no match" looks like for this model; models differ
    widely (MiniLM's unrelated texts score near 0.1-0.3, other models' much higher). The floor is the
    highest of those best scores: a query must beat every nonsense string to count as a semantic match.
    """
    import random

    rng = random.Random(13)
    letters = "abcdefghijklmnopqrstuvwxyz"
    texts = [" ".join("".join(rng.choice(letters) for _ in range(rng.randint(4, 10)))
                      for _ in range(rng.randint(1, 3))) for _ in range(probes)]
    vi = VectorIndex(lib.index_dir, embedder.name, lib.settings.approx_index_above)
    if not vi.load():
        return -1.0
    if isinstance(embedder, HashEmbedder):
        floor = 0.0  # bag of hashed words: a score above 0 means a shared word; nothing to measure
    else:
        # after a batch job its session is built: 64 texts take ~0.25 s there, ~0.65 s in numpy
        # (the vectors agree to ~1e-7, far below what moves a floor); encoder_for knows
        embed = encoder_for(embedder.name, lib.index_dir, "few", embedder).embed
        best = [hits[0][1] for v in embed(texts) if (hits := vi.search(v, 1))]
        floor = max(best) if best else -1.0
    set_floor(lib.db, Floor(floor, vi.count, embedder.name))
    return floor


def forget_removed(lib: Library) -> None:
    """After items were removed: take their chunks' vectors out of the FAISS file and the keyword
    snapshot, without loading the embedding model."""
    model = get_meta(lib.db, "index_model")
    if model and VectorIndex(lib.index_dir, model).path.exists():
        sync_vectors(lib, model, rebuild=False)
    if keywords.saved_version(lib.index_dir) is not None:
        keywords.sync(lib.db, lib.index_dir, None)


def ensure_onnx_for(lib: Library) -> list[str]:
    """Export the ONNX query encoder of the library's model if it is missing; the problems, if any."""
    problems: list[str] = []
    if not lib.settings.embedding_model.startswith("hash:"):
        ensure_onnx(get_embedder(lib.settings.embedding_model), lib.index_dir, problems)
    return problems


def index_library(
    lib: Library, item_ids: list[str] | None = None, rebuild: bool = False, embedder: Embedder | None = None,
) -> IndexReport:
    """Extract, chunk and embed these items (default: all), then sync the FAISS file and keywords,
    holding the library's writer lock: a second `index` waits, then finds nothing left to embed.
    Progress goes to `lib.ui`, per stage."""
    with lib.writing("index"):
        try:
            return _index_library(lib, item_ids, rebuild, lib.ui.progress, embedder)
        except Interrupted:
            raise
        except KeyboardInterrupt:
            raise interrupted(lib, "while indexing") from None


def _index_library(
    lib: Library, item_ids: list[str] | None, rebuild: bool, progress: StageProgress | None,
    embedder: Embedder | None,
) -> IndexReport:
    """The stages of indexing, in order: read and chunk, embed, then the vector and keyword files."""
    database = lib.db
    embedder = embedder or get_embedder(lib.settings.embedding_model, lib.settings.index_precision)
    report = IndexReport()
    if get_meta(database, "index_model") not in (None, embedder.name):
        rebuild = True  # a model change re-embeds everything
    report.chunks_removed += len(store.delete_orphan_chunks(database))
    ids = item_ids if item_ids is not None else all_item_ids(database)
    _extract(lib, embedder, ids, rebuild, progress, report)
    report.embedded = embed_missing(database, embedder, progress, lib.index_dir)
    failpoint("index:embedded")
    _sync_files(lib, embedder, rebuild, progress, report)
    return report


def _extract(
    lib: Library, embedder: Embedder, ids: list[str], rebuild: bool, progress: StageProgress | None,
    report: IndexReport,
) -> None:
    """Read the PDFs that changed (a worker process reads ahead) and the notes, and store their chunks.
    Once the text stored so far is more than a small job (which numpy embeds with nothing to load),
    this process loads the model while the worker reads the rest."""
    database = lib.db
    jobs = {i: job for i in ids if (job := _paper_job(lib, embedder, i, rebuild, report))}
    loading = embedder if isinstance(embedder, SentenceTransformerEmbedder) and jobs \
        and not embedder.batches_ready else None
    unembedded = 0
    with PdfReader([job.pdf for job in jobs.values()], ahead=loading is not None) as reader:
        for n, item_id in enumerate(ids, start=1):
            if item_id in jobs:
                added = _store_paper(lib, embedder, jobs[item_id], reader.read(), report)
                failpoint("index:stored")
                if loading is not None:
                    unembedded += store.unembedded_count(database, embedder.name, added)
                    if unembedded > SMALL_JOB:
                        _prepare(loading, progress)
                        loading = None
            _index_notes(lib, embedder, item_id, rebuild, report)
            if progress:
                progress("extracting", n, len(ids))
    report.items = len(ids)


def _sync_files(
    lib: Library, embedder: Embedder, rebuild: bool, progress: StageProgress | None, report: IndexReport,
) -> None:
    """The FAISS file and the keyword snapshot brought up to the database; the semantic floor
    calibrated for a new model or a grown index; the ONNX query encoder made when missing."""
    database = lib.db
    report.vectors = sync_vectors(lib, embedder.name, rebuild)
    failpoint("index:vectors")
    keywords.sync(database, lib.index_dir, progress)
    set_meta(database, "index_model", embedder.name)
    if report.vectors and not floor_is_current(database, embedder.name, report.vectors):
        calibrate_floor(lib, embedder)
    if report.vectors:
        ensure_onnx(embedder, lib.index_dir, report.warnings)


def _prepare(embedder: SentenceTransformerEmbedder, progress: StageProgress | None) -> None:
    if progress:
        progress("loading", 0, 1)
    try:
        embedder.prepare_batches()
    except PaperlabError:
        pass  # raised again where the model is needed, after the text is stored
    if progress:
        progress("loading", 1, 1)


def index(lib: Library, refs: list[str] | None = None, rebuild: bool = False) -> IndexReport:
    """`paperlab index [ID]...`: the items the user named (any form of their ids), or all."""
    item_ids = [lib.resolve_id(r) for r in refs] if refs else None
    return index_library(lib, item_ids, rebuild=rebuild)


def unfinished(lib: Library) -> str:
    """What indexing has left to do (PDFs not read, chunks without a vector), or '' when nothing."""
    database = lib.db
    pending = sum(1 for i in all_item_ids(database) if _pending(lib, i))
    model = get_meta(database, "index_model") or lib.settings.embedding_model
    missing = len(store.texts_missing_embedding(database, model))
    parts = ([f"{pending} item(s) not indexed yet"] if pending else []) + \
        ([f"{missing} chunk text(s) without a vector (semantic search misses them)"] if missing else [])
    return "; ".join(parts)


def _pending(lib: Library, item_id: str) -> bool:
    item = get_item(lib.db, item_id)
    return bool(item.pdf_path) and item.text_status == "pending"


def interrupted(lib: Library, what: str) -> Interrupted:
    """Ctrl-C during `what`: what it finished is kept (each step is atomic); say what is left."""
    left = unfinished(lib)
    if not left:
        return Interrupted(f"interrupted {what}; what it finished is kept, nothing half-written")
    return Interrupted(f"interrupted {what}; what it finished is kept, nothing half-written, but {left}: "
                       "run `paperlab index` to finish")


def index_new_items(lib: Library, item_ids: list[str]) -> IndexReport:
    """Index what a command just added or changed. A failure does not undo that command: it is
    reported, for each of these items, in `errors`, and `stopped` says why."""
    try:
        return index_library(lib, item_ids)
    except PaperlabError as exc:
        return IndexReport(errors={i: str(exc) for i in item_ids}, stopped=str(exc))
