"""The shared feed data (`../shared/data/feed`): the pool of real arXiv listings, the interest
profiles, and the pool's embeddings cached in .bench-cache (embedded once, with progress).

    python bench/feed_data.py [--until 2026-04-01]   # embeds the pool up to that date
"""

from __future__ import annotations

import argparse
import json
import lzma
import sys
import time
from pathlib import Path

import numpy as np

from paperlab.feed.rank import document

ROOT = Path(__file__).resolve().parents[1]
FEED = ROOT.parent / "shared" / "data" / "feed"
CACHE = ROOT / ".bench-cache"


def load_pool(feed: Path = FEED) -> list[dict]:
    """Every pool paper, oldest first (by the day it was listed, then id)."""
    if not (feed / "pool.jsonl.xz").exists():
        sys.exit(f"no feed pool at {feed}: the shared data is absent")
    with lzma.open(feed / "pool.jsonl.xz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    rows.sort(key=lambda r: (r["date"], r["id"]))
    return rows


def load_profiles(feed: Path = FEED) -> dict[str, dict]:
    return json.loads((feed / "profiles_dev.json").read_text())


def embeddings(pool: list[dict], model: str, until: str) -> np.ndarray:
    """Unit vectors of `document(title, abstract)` for the pool papers listed before `until`, in
    pool order; cached per model and date (a longer cache serves a shorter request)."""
    from paperlab.retrieval.embedding import get_embedder

    n = sum(1 for r in pool if r["date"] < until)
    CACHE.mkdir(exist_ok=True)
    stem = f"feed-pool-{model.replace('/', '_')}"
    have = np.zeros((0, 0), dtype=np.float32)
    for path in sorted(CACHE.glob(f"{stem}-*.npy")):
        cached = np.load(path, mmap_mode="r")
        if cached.shape[0] >= n:
            return np.asarray(cached[:n])
        if cached.shape[0] > have.shape[0]:
            have = np.asarray(cached)
    embedder = get_embedder(model)
    texts = [document(r["title"], r["abstract"]) for r in pool[len(have):n]]
    parts = [have] if len(have) else []
    start = time.perf_counter()
    for i in range(0, len(texts), 256):
        parts.append(embedder.embed(texts[i:i + 256]))
        done = min(len(texts), i + 256)
        rate = done / (time.perf_counter() - start)
        print(f"\rembedding the feed pool: {len(have) + done}/{n} ({rate:.0f} abstracts/s)", end="", file=sys.stderr)
    print(file=sys.stderr)
    out = np.concatenate(parts).astype(np.float32)
    np.save(CACHE / f"{stem}-{until}.npy", out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--until", default="2026-04-01")  # what feed_eval.py reads
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    args = parser.parse_args()
    pool = load_pool()
    start = time.perf_counter()
    vectors = embeddings(pool, args.model, args.until)
    print(f"{len(vectors)} pool papers embedded in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
