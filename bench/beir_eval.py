"""Retrieval quality of paperlab's keyword, semantic and hybrid search on any BEIR-format folder.

    python bench/beir_eval.py ../shared/data/scifact [--split test] [--model all-MiniLM-L6-v2]
                              [--precision auto|float32]

Documents go into a real paperlab library (cached in .bench-cache/, so embeddings are computed once)
through the same chunker, FTS5 table, embedding cache and FAISS index that `paperlab index` uses;
queries go through the same ranking functions as `paperlab search`. Prints nDCG@10 and recall@100.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
import sys
import time
from pathlib import Path

from paperlab.config import Settings
from paperlab.library import Library, init_library
from paperlab.models import Item
from paperlab.retrieval import chunking, keywords
from paperlab.retrieval.embedding import ensure_onnx, get_embedder
from paperlab.retrieval.ingest import calibrate_floor, chunk_rows, embed_missing, sync_vectors
from paperlab.retrieval.search import Filters, Searcher, fuse
from paperlab.store.chunks import chunk_owners, count_chunks, replace_chunks
from paperlab.store.items import insert_item
from paperlab.store.schema import now, set_meta, transaction

CACHE = Path(__file__).resolve().parents[1] / ".bench-cache"


def load_beir(folder: Path, split: str) -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, int]]]:
    corpus = {}
    with (folder / "corpus.jsonl").open() as fh:
        for line in fh:
            doc = json.loads(line)
            corpus[doc["_id"]] = f"{doc.get('title', '')}\n\n{doc['text']}".strip()
    qrels: dict[str, dict[str, int]] = {}
    with (folder / "qrels" / f"{split}.tsv").open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    queries = {}
    with (folder / "queries.jsonl").open() as fh:
        for line in fh:
            q = json.loads(line)
            if q["_id"] in qrels:
                queries[q["_id"]] = q["text"]
    return corpus, queries, qrels


def build_library(folder: Path, model: str, corpus: dict[str, str], precision: str = "auto") -> Library:
    """`precision` is the index_precision setting the documents are embedded with."""
    home = CACHE / f"beir-{folder.name}-{model.replace('/', '_').replace(':', '_')}-{precision}"
    lib, _ = init_library(home)
    settings = Settings.from_mapping({"embedding_model": model, "index_precision": precision})
    lib = Library(lib.home, settings)
    database = lib.db
    embedder = get_embedder(model, precision)
    if count_chunks(database) == 0:
        t0 = time.perf_counter()
        with transaction(database):
            for doc_id, text in corpus.items():
                insert_item(database, Item(id=doc_id, title=text[:80], added_at=now()))
                pieces = chunking.chunk(chunking.markdown_document(text), embedder.token_spans,
                                        settings.chunk_tokens, settings.chunk_overlap)
                replace_chunks(database, doc_id, "paper", chunk_rows(pieces))
        print(f"  chunked {len(corpus)} documents in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    t0 = time.perf_counter()
    embedded = embed_missing(database, embedder, None)
    if embedded:
        rate = embedded / (time.perf_counter() - t0)
        print(f"  embedded {embedded} chunks at {rate:.1f} chunks/s", file=sys.stderr)
    set_meta(database, "index_model", model)
    sync_vectors(lib, model, rebuild=False)
    keywords.sync(database, lib.index_dir)
    ensure_onnx(embedder, lib.index_dir)
    calibrate_floor(lib, embedder)  # as `paperlab index` does: semantic hits below it are dropped
    return lib


def ndcg_at(ranked: list[str], rels: dict[str, int], k: int = 10) -> float:
    dcg = sum(rels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(rels.values(), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], rels: dict[str, int], k: int = 100) -> float:
    relevant = {d for d, r in rels.items() if r > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def evaluate(folder: Path, split: str = "test", model: str = "all-MiniLM-L6-v2",
             precision: str = "auto") -> dict[str, dict[str, float]]:
    corpus, queries, qrels = load_beir(folder, split)
    lib = build_library(folder, model, corpus, precision)
    searcher = Searcher(lib)
    owner = chunk_owners(lib.db)
    depth = 200
    results: dict[str, dict[str, float]] = {}
    per_mode: dict[str, list[tuple[float, float]]] = {"keyword": [], "semantic": [], "hybrid": []}
    latency: dict[str, list[float]] = {m: [] for m in per_mode}
    for qid, text in queries.items():
        t0 = time.perf_counter()
        kw_scored = searcher.keyword.scored(text, depth, Filters(), None)
        t1 = time.perf_counter()
        sem_scored = searcher.semantic.scored(text, depth, None)
        t2 = time.perf_counter()
        fused = [cid for cid, _ in fuse([kw_scored, sem_scored])]
        kw, sem = [c for c, _ in kw_scored], [c for c, _ in sem_scored]
        t3 = time.perf_counter()
        latency["keyword"].append(t1 - t0)
        latency["semantic"].append(t2 - t1)
        latency["hybrid"].append(t3 - t0)
        for mode, chunks in (("keyword", kw), ("semantic", sem), ("hybrid", fused)):
            docs = list(dict.fromkeys(owner[c] for c in chunks))
            per_mode[mode].append((ndcg_at(docs, qrels[qid]), recall_at(docs, qrels[qid])))
    for mode, scores in per_mode.items():
        results[mode] = {
            "ndcg@10": statistics.fmean(s[0] for s in scores),
            "recall@100": statistics.fmean(s[1] for s in scores),
            "p50_ms": 1000 * statistics.median(latency[mode]),
        }
    results["_meta"] = {"queries": len(queries), "documents": len(corpus)}  # type: ignore[dict-item]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--split", default="test")
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--precision", default="auto", choices=("auto", "float32"))
    args = parser.parse_args()
    results = evaluate(args.folder, args.split, args.model, args.precision)
    meta = results.pop("_meta")
    print(f"{args.folder.name} ({meta['queries']} queries, {meta['documents']} documents), model {args.model}")
    print(f"{'mode':<10} {'nDCG@10':>8} {'recall@100':>11} {'p50 ms':>8}")
    for mode, r in results.items():
        print(f"{mode:<10} {r['ndcg@10']:>8.3f} {r['recall@100']:>11.3f} {r['p50_ms']:>8.1f}")


if __name__ == "__main__":
    main()
