"""Vector search for large libraries on real embeddings: paperlab's two-pass search (bfloat16 parts
in the vectors' principal subspace scored in parallel, then exact rescoring; retrieval/vectors.py)
and, measured but not built in, an HNSW graph and an IVF index: recall against the exact search,
and time (docs/benchmarks.md).

    python bench/vector_eval.py [--n 74000] [--queries 300] [--libraries HOME ...] [--no-graphs]

The database is the shared feed pool's abstracts embedded with all-MiniLM-L6-v2 (real scientific
text, the default model: bench/feed_data.py's cache, embedded on first use), the queries SciFact's
questions embedded with the same model: short questions against long passages, as in `paperlab
search`. For each query the exact top 10 and top 100 come from one BLAS product (what the flat
index does); recall@k is the share of those each approximate index returns in its own top k, and
its time is the median of single queries (as a search asks them).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from feed_data import embeddings, load_pool  # noqa: E402

from paperlab.retrieval import vectors  # noqa: E402
from paperlab.retrieval.vectors import VectorIndex  # noqa: E402

SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "data" / "scifact"


def single(search, queries: np.ndarray, k: int) -> tuple[float, list[np.ndarray]]:  # type: ignore[no-untyped-def]
    times, found = [], []
    for q in queries:
        start = time.perf_counter()
        found.append(search(q, k))
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times)), found


def recall(found: list[np.ndarray], truth: np.ndarray, k: int) -> float:
    shares = [len(set(f[:k].tolist()) & set(t[:k].tolist())) / k for f, t in zip(found, truth, strict=True)]
    return float(np.mean(shares))


def main() -> None:
    import faiss

    from paperlab.retrieval.embedding import get_embedder

    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=74_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--libraries", type=Path, nargs="*",
                        help="the vectors of these paperlab libraries instead of the feed pool's (which takes "
                             "~40 min to embed here): e.g. the benches' SciFact and corpus libraries")
    parser.add_argument("--no-graphs", action="store_true", help="paperlab's search only")
    args = parser.parse_args()
    if args.libraries:
        import sqlite3

        rows = []
        for home in args.libraries:
            with sqlite3.connect(home / "paperlab.db") as conn:
                rows += [np.frombuffer(v, dtype=np.float32) for (v,) in conn.execute(
                    "SELECT vector FROM embeddings WHERE model = 'all-MiniLM-L6-v2'")]
        x = np.ascontiguousarray(np.stack(rows)[:args.n])
    else:
        x = np.ascontiguousarray(embeddings(load_pool(), "all-MiniLM-L6-v2", "2026-07-01")[:args.n], dtype=np.float32)
    with (SCIFACT / "queries.jsonl").open() as fh:
        texts = [json.loads(line)["text"] for line in fh][:args.queries]
    queries = get_embedder("all-MiniLM-L6-v2").embed(texts).astype(np.float32)
    truth = np.argsort(-(queries @ x.T), axis=1)[:, :100]

    def exact(q: np.ndarray, k: int) -> np.ndarray:
        s = x @ q
        top = np.argpartition(-s, k - 1)[:k]
        return top[np.argsort(-s[top])]

    ms, _ = single(exact, queries, 100)
    print(f"{len(x)} real vectors, {len(queries)} SciFact questions; exact (numpy, BLAS): {ms:.2f} ms")
    print(f"{'index':34} {'recall@10':>9} {'recall@100':>10} {'p50 ms':>7}")
    vectors.COARSE_ABOVE = min(vectors.COARSE_ABOVE, len(x) - 1)  # the two passes at any size
    with tempfile.TemporaryDirectory() as tmp:
        index = VectorIndex(Path(tmp), "m")
        index.build(np.arange(len(x), dtype=np.int64), x)
        start = time.perf_counter()
        index.prepare_for_many()
        prepared = time.perf_counter() - start
        ms, found = single(lambda q, k: np.array([c for c, _ in index.search(q, k)]), queries, 100)
        kept = x.shape[1] if index.basis is None else index.basis.shape[1]
        print(f"{'paperlab: first pass + exact':34} {recall(found, truth, 10):9.4f} "
              f"{recall(found, truth, 100):10.4f} {ms:7.2f}   (parts of {kept} dimensions made in {prepared:.2f} s)")
    if args.no_graphs:
        return
    for m, construction in ((32, 64), (32, 200), (48, 300)):
        graph = faiss.IndexHNSWFlat(x.shape[1], m, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = construction
        start = time.perf_counter()
        graph.add(x)
        built = time.perf_counter() - start
        for ef in (128, 512, 1024, 1536):
            graph.hnsw.efSearch = ef
            ms, found = single(lambda q, k, g=graph: g.search(q.reshape(1, -1), k)[1][0], queries, 100)
            print(f"{f'HNSW M {m}, efC {construction}, ef {ef}':34} {recall(found, truth, 10):9.4f} "
                  f"{recall(found, truth, 100):10.4f} {ms:7.2f}   (built in {built:.1f} s)")
    for nlist in (256, 1024):
        ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(x.shape[1]), x.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.train(x)
        ivf.add(x)
        for nprobe in (32, 128):
            ivf.nprobe = nprobe
            ms, found = single(lambda q, k, i=ivf: i.search(q.reshape(1, -1), k)[1][0], queries, 100)
            print(f"{f'IVF {nlist} lists, nprobe {nprobe}':34} {recall(found, truth, 10):9.4f} "
                  f"{recall(found, truth, 100):10.4f} {ms:7.2f}")


if __name__ == "__main__":
    main()
