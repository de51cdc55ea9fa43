"""The FAISS vector index in `index/`: a cache of the vectors in paperlab.db, ids = chunk ids.

Exact inner-product search up to `approx_index_above` vectors, an IVF index above; both are FAISS
files (an IndexIDMap2 over an IndexFlatIP or IndexIVFFlat), so removed chunks leave no stale vectors,
and both are saved atomically.

The exact one is held as numpy arrays and its file is written and read in FAISS's own layout
(`write_flat`, `read_flat`; `faiss.read_index` reads it, a test checks both ways): a cold `search`
or `note` then never imports FAISS (~0.06 s), and a query is one BLAS matrix-vector product on all
cores. A flat file in any other layout (another FAISS version) is read by FAISS.

A searcher that asks many queries of a large flat index (`prepare_for_many`, past COARSE_ABOVE
vectors) also holds a first-pass copy of the vectors: in their principal subspace where a few
directions hold most of them (`principal_basis`: sentence embeddings do), in bfloat16, split in one
part per core, which FAISS scores in parallel (MiniLM's 384 dimensions hold 90% in 160: a fifth of
the bytes of float32 read); the best RESCORE + k of those are then scored exactly from the float32 vectors, so
the scores are exact and the ranking is exact unless a vector of the true top k falls that far in
the first pass's order (`python bench/vector_eval.py` measures how often).

A few changed vectors (a `note`) do not rewrite the flat file: `vectors.delta.npz` beside it holds
the file's ids that are gone and the vectors added since (always the database against that file,
so a new delta replaces the old one), and `load` applies it: the same arrays, in the same order
(chunk ids only grow), as writing the whole file.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperlab.errors import PaperlabError

if TYPE_CHECKING:
    import numpy as np

INDEX_NAME = "vectors.faiss"
META_NAME = "vectors.json"
DELTA_NAME = "vectors.delta.npz"
COARSE_ABOVE = 50_000  # vectors; a many-query searcher scores a bfloat16 copy first past this
RESCORE = 300  # candidates beyond k that the first pass hands to the exact one
PRINCIPAL_ENERGY = 0.9  # the share of the vectors' second moment the first pass's subspace holds


def as_matrix(rows: list[tuple[int, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """(chunk ids, one float32 row per vector) from the database's (id, vector bytes) pairs."""
    import numpy as np

    ids = np.array([r[0] for r in rows], dtype=np.int64)
    if not rows:
        return ids, np.zeros((0, 1), dtype=np.float32)
    return ids, np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])


class VectorIndex:
    def __init__(self, index_dir: Path, model: str, approx_above: int = 200_000) -> None:
        self.dir = index_dir
        self.model = model
        self.approx_above = approx_above
        self.index: Any = None  # the FAISS index, for kind "ivf"
        self.flat: tuple[np.ndarray, np.ndarray] | None = None  # (ids, vectors), for kind "flat"
        self.kind = "flat"  # or "ivf"; set by load() and build()
        self.coarse: Any = None  # the bfloat16 parts of a flat index (prepare_for_many)
        self.basis: np.ndarray | None = None  # the subspace the parts are in, None: the whole space
        self._parts: list[Any] = []

    @property
    def path(self) -> Path:
        return self.dir / INDEX_NAME

    def meta(self) -> dict[str, Any]:
        try:
            return dict(json.loads((self.dir / META_NAME).read_text()))
        except (OSError, ValueError):
            return {}

    def load(self) -> bool:
        """Load the saved index if it was built for this model; False if it must be rebuilt."""
        meta = self.meta()
        if not self.path.exists() or meta.get("model") != self.model:
            return False
        self.kind = str(meta.get("kind", "flat"))
        if self.kind == "flat":
            self.flat = read_flat(self.path) or _flat_from_faiss(self.path)
            self._apply_delta()
            return True
        import faiss

        self.index = faiss.read_index(str(self.path))
        faiss.extract_index_ivf(self.index).nprobe = int(meta.get("nprobe", 16))
        return True

    @property
    def count(self) -> int:
        if self.kind == "flat":
            return 0 if self.flat is None else len(self.flat[0])
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        if self.kind == "flat":
            return 0 if self.flat is None else int(self.flat[1].shape[1])
        return int(self.index.d)

    def ids(self) -> set[int]:
        if self.kind == "flat":
            return set() if self.flat is None else set(self.flat[0].tolist())
        import faiss

        return set(faiss.vector_to_array(self.index.id_map).tolist()) if self.index.ntotal else set()

    def build(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        import numpy as np

        ids = ids.astype(np.int64)
        self.coarse = None
        if len(vectors) <= self.approx_above:
            self.kind, self.index = "flat", None
            self.flat = ids, np.ascontiguousarray(vectors, dtype=np.float32)
            return
        import faiss

        dim = vectors.shape[1]
        # about 4 sqrt(n) lists, but at least 39 training points per list, as FAISS wants
        nlist = max(1, min(int(4 * math.sqrt(len(vectors))), len(vectors) // 39))
        quantizer = faiss.IndexFlatIP(dim)
        inner: Any = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        inner.train(vectors[rng.choice(len(vectors), min(len(vectors), nlist * 64), replace=False)])
        inner.nprobe = 16
        self.kind, self.flat = "ivf", None
        self.index = faiss.IndexIDMap2(inner)
        self.index.add_with_ids(vectors, ids)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        import numpy as np

        if not len(ids):
            return
        if self.count == 0:
            self.build(ids, vectors)  # an empty index saved before any vector existed has no real width
            return
        if self.dim != vectors.shape[1]:
            raise PaperlabError(f"the vector index holds {self.dim}-dimensional vectors, not "
                                f"{vectors.shape[1]}; rebuild it with `paperlab index --rebuild`")
        self.coarse = None
        if self.kind == "flat" and self.flat is not None:
            have_ids, have = self.flat
            self.flat = (np.concatenate([have_ids, ids.astype(np.int64)]),
                         np.concatenate([have, vectors.astype(np.float32, copy=False)]))
        else:
            self.index.add_with_ids(vectors, ids.astype(np.int64))

    def remove(self, ids: list[int]) -> None:
        import numpy as np

        if not ids or self.count == 0:
            return
        self.coarse = None
        if self.kind == "flat" and self.flat is not None:
            have_ids, have = self.flat
            keep = ~np.isin(have_ids, np.asarray(ids, dtype=np.int64))
            self.flat = have_ids[keep], have[keep]
        else:
            self.index.remove_ids(np.asarray(ids, dtype=np.int64))

    def save(self, chunks_version: int) -> None:
        """Write the whole index and, beside it, what it was built from (the chunks_version counter)."""
        if self.flat is None and self.index is None:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        # the old delta first: it belongs to the old file (a crash in between leaves an older index,
        # whose chunks_version in the metadata sends the next `index` or `note` to sync it)
        (self.dir / DELTA_NAME).unlink(missing_ok=True)
        tmp = self.dir / f".{INDEX_NAME}.tmp"
        if self.kind == "flat" and self.flat is not None:
            write_flat(tmp, *self.flat)
        else:
            import faiss

            faiss.write_index(self.index, str(tmp))
        os.replace(tmp, self.path)
        self._write_meta(self.count, self.dim, chunks_version)

    def _write_meta(self, count: int, dim: int, chunks_version: int) -> None:
        meta = {"model": self.model, "kind": self.kind, "count": count, "dim": dim,
                "nprobe": 16, "chunks_version": chunks_version}
        from paperlab.fsutil import atomic_write_text

        atomic_write_text(self.dir / META_NAME, json.dumps(meta, indent=2) + "\n")

    def save_delta(self, wanted: list[int], vectors_of: Callable[[list[int]], tuple[np.ndarray, np.ndarray]],
                   chunks_version: int) -> int | None:
        """Bring the saved flat index to the chunks `wanted` (sorted) by writing only a delta: the
        file's ids that are gone, and the vectors (from `vectors_of`) of the chunks it lacks. The
        file's vectors are not even read. Returns the index's size; None, writing nothing, when it
        is not a flat file of this model or many vectors changed: then load, change and save the
        whole index."""
        import numpy as np

        meta = self.meta()
        if meta.get("model") != self.model or meta.get("kind", "flat") != "flat":
            return None
        file_ids = read_flat_ids(self.path)
        if file_ids is None:
            return None
        now = np.asarray(wanted, dtype=np.int64)
        removed = file_ids[~np.isin(file_ids, now)]
        added = now[~np.isin(now, file_ids)]
        if len(removed) + len(added) > max(256, len(file_ids) // 20) \
                or len(file_ids) - len(removed) + len(added) > self.approx_above:  # time for IVF
            return None
        ids, vectors = vectors_of(added.tolist())
        dim = int(meta.get("dim", 0))
        if len(ids) and (not len(file_ids) or vectors.shape[1] != dim):
            return None
        tmp = self.dir / f".{DELTA_NAME}.tmp.npz"
        np.savez(tmp, file_count=np.int64(len(file_ids)), file_id_sum=np.int64(file_ids.sum()), removed=removed,
                 ids=ids.astype(np.int64), vectors=vectors.astype(np.float32).reshape(len(ids), dim))
        os.replace(tmp, self.dir / DELTA_NAME)
        count = len(file_ids) - len(removed) + len(ids)
        self._write_meta(count, dim, chunks_version)
        return count

    def _apply_delta(self) -> None:
        import numpy as np

        if self.flat is None:
            return
        ids, vectors = self.flat
        try:
            with np.load(self.dir / DELTA_NAME) as f:
                if int(f["file_count"]) != len(ids) or int(f["file_id_sum"]) != int(ids.sum()):
                    return  # written for another file
                removed, new_ids, new_vectors = f["removed"], f["ids"], f["vectors"]
        except (OSError, KeyError, ValueError):
            return
        if len(new_vectors) and new_vectors.shape[1] != vectors.shape[1]:
            return
        keep = ~np.isin(ids, removed)
        self.flat = (np.concatenate([ids[keep], new_ids.astype(np.int64)]),
                     np.concatenate([vectors[keep], new_vectors.astype(np.float32)]))

    def prepare_for_many(self) -> None:
        """Before many queries of a flat index past COARSE_ABOVE vectors: build its first pass, the
        vectors in their principal subspace (`principal_basis`) as bfloat16 parts, one per core,
        searched in parallel (about 0.2 s at 100k vectors)."""
        if self.kind != "flat" or self.flat is None or len(self.flat[0]) <= COARSE_ABOVE or self.coarse is not None:
            return
        import os

        import faiss
        import numpy as np

        vectors = self.flat[1]
        basis = principal_basis(vectors)
        n = len(vectors)
        dim = vectors.shape[1] if basis is None else basis.shape[1]
        parts = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
        shards = faiss.IndexShards(dim, True, True)  # type: ignore[call-arg]  # threaded; ids shifted by the parts before
        kept = []
        for i in range(parts):
            part = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_bf16, faiss.METRIC_INNER_PRODUCT)
            rows = vectors[i * n // parts:(i + 1) * n // parts]
            part.add(np.ascontiguousarray(rows if basis is None else rows @ basis, dtype=np.float32))
            shards.add_shard(part)
            kept.append(part)
        self.basis, self.coarse, self._parts = basis, shards, kept  # the parts must outlive the shards

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The k best (chunk id, inner product); exact for a flat index, as IndexFlatIP computes it
        but as one BLAS product (FAISS runs a single query on one core: at 100k vectors on 2 cores
        ~16 ms instead of ~9)."""
        import numpy as np

        k = min(k, self.count)
        if k == 0:
            return []
        if self.kind == "flat" and self.flat is not None:
            ids, stored = self.flat
            if self.coarse is not None and k + RESCORE < len(ids):
                first = vector if self.basis is None else vector @ self.basis
                _, rows = self.coarse.search(np.ascontiguousarray(first, dtype=np.float32).reshape(1, -1), k + RESCORE)
                rows = rows[0][rows[0] >= 0]
                exact = stored[rows] @ vector.astype(np.float32, copy=False)
                best = np.argsort(-exact, kind="stable")[:k]
                return [(int(ids[rows[i]]), float(exact[i])) for i in best]
            scores = stored @ vector.astype(np.float32, copy=False)
            top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
            top = top[np.argsort(-scores[top], kind="stable")]
            return [(int(ids[i]), float(scores[i])) for i in top]
        found, where = self.index.search(vector.reshape(1, -1), k)
        return [(int(i), float(s)) for i, s in zip(where[0], found[0], strict=True) if i >= 0]


def principal_basis(vectors: np.ndarray, energy: float = PRINCIPAL_ENERGY) -> np.ndarray | None:
    """The fewest leading eigenvectors (a multiple of 32) of the vectors' second moment that hold
    `energy` of it (estimated from up to 20,000 of them), as a (dim, d) float32 matrix; None where
    they are most of the space (vectors spread evenly, where a subspace loses neighbours and saves
    little). A first pass in the subspace reads d/dim of the bytes."""
    import numpy as np

    n, dim = vectors.shape
    sample = np.asarray(vectors[::max(1, n // 20_000)], dtype=np.float64)
    values, directions = np.linalg.eigh(sample.T @ sample)  # ascending
    values, directions = values[::-1], directions[:, ::-1]
    held = np.cumsum(values) / max(float(values.sum()), 1e-12)
    d = 32 * math.ceil((int(np.searchsorted(held, energy)) + 1) / 32)
    if d > dim * 2 // 3:
        return None
    return np.ascontiguousarray(directions[:, :d], dtype=np.float32)


# FAISS's file of an IndexIDMap2 over an IndexFlatIP: "IxM2" + index header, "IxFI" + index header,
# the float count and the vectors, the id count and the ids. A header is d (int32), ntotal (int64),
# two int64 placeholders, is_trained (uint8) and the metric (int32; 0 is inner product).
_HEADER = 4 + 8 + 8 + 8 + 1 + 4


def _flat_layout(path: Path) -> tuple[int, int, int, int] | None:
    """(n, d, where the vectors start, where the ids start) of a flat FAISS file in exactly the
    layout `write_flat` writes; None for any other file."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(2 * (4 + _HEADER) + 8)
    except OSError:
        return None

    def header(at: int, magic: bytes) -> tuple[int, int] | None:
        if head[at:at + 4] != magic or len(head) < at + 4 + _HEADER:
            return None
        fields = head[at + 4:at + 4 + _HEADER]
        d, ntotal = int.from_bytes(fields[0:4], "little"), int.from_bytes(fields[4:12], "little")
        metric = int.from_bytes(fields[29:33], "little")
        return (d, ntotal) if metric == 0 and fields[28] == 1 else None

    outer, inner = header(0, b"IxM2"), header(4 + _HEADER, b"IxFI")
    if outer is None or outer != inner or len(head) < 2 * (4 + _HEADER) + 8:
        return None
    d, n = outer
    at = 2 * (4 + _HEADER)
    floats = int.from_bytes(head[at:at + 8], "little")
    ids_at = at + 8 + 4 * floats
    if floats != n * d or size != ids_at + 8 + 8 * n:
        return None
    with path.open("rb") as fh:
        fh.seek(ids_at)
        if int.from_bytes(fh.read(8), "little") != n:
            return None
    return n, d, at + 8, ids_at + 8


def read_flat(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """(ids, vectors) of a flat FAISS file, read without FAISS; None when the file is not exactly
    that layout (another FAISS version, another index type): FAISS then reads it. The arrays are
    read into fresh memory: in the file they sit at offsets BLAS cannot use (4x slower searches)."""
    import numpy as np

    layout = _flat_layout(path)
    if layout is None:
        return None
    n, d, vectors_at, ids_at = layout
    vectors = np.fromfile(path, dtype="<f4", count=n * d, offset=vectors_at).reshape(n, d)
    return np.fromfile(path, dtype="<i8", count=n, offset=ids_at), vectors


def read_flat_ids(path: Path) -> np.ndarray | None:
    """The ids of a flat FAISS file, without reading its vectors; None as for read_flat."""
    import numpy as np

    layout = _flat_layout(path)
    return None if layout is None else np.fromfile(path, dtype="<i8", count=layout[0], offset=layout[3])


def write_flat(path: Path, ids: np.ndarray, vectors: np.ndarray) -> None:
    """The file `faiss.write_index` writes for these vectors in an IndexIDMap2 over an IndexFlatIP."""
    import numpy as np

    n, d = vectors.shape
    header = (d.to_bytes(4, "little") + n.to_bytes(8, "little") + (1 << 20).to_bytes(8, "little") * 2
              + b"\x01" + (0).to_bytes(4, "little"))
    with path.open("wb") as fh:
        fh.write(b"IxM2" + header + b"IxFI" + header + (n * d).to_bytes(8, "little"))
        fh.write(np.ascontiguousarray(vectors, dtype="<f4").tobytes())
        fh.write(n.to_bytes(8, "little"))
        fh.write(np.ascontiguousarray(ids, dtype="<i8").tobytes())


def _flat_from_faiss(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(ids, vectors) of a flat index file in a layout `read_flat` does not know, read by FAISS."""
    import faiss

    index: Any = faiss.read_index(str(path))
    inner: Any = faiss.downcast_index(index.index)
    vectors = faiss.rev_swig_ptr(inner.get_xb(), inner.ntotal * inner.d).reshape(inner.ntotal, inner.d)
    return faiss.vector_to_array(index.id_map).astype("int64"), vectors.copy()
