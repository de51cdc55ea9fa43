"""The feed's ranking against the methods other tools use, on the shared feed data's real arXiv
listings and curated profiles (../shared/data/feed; its README gives the protocol).

    python bench/feed_eval.py [--windows 2025-05,...]

For each month window [T0, T1) and profile: the profile's papers listed before T0 are the liked
ones, every pool paper listed in the window is ranked, the profile's papers in the window are the
relevant ones. Side by side, on the same data:
- arxiv-sanity-lite: tf-idf of title + abstract + authors (word 1-2-grams, 20,000 features,
  sublinear tf, max_df 0.1, min_df 5, English stop words), a linear SVM (C = 0.01, balanced) trained
  on the liked papers against every other paper of the database (the pool up to T1);
- zotero-arxiv-daily: mean cosine to the liked papers' embeddings, weighted by recency rank
  1 / (1 + log10(i + 1)) (most recently added first), normalised;
- a logistic regression on the same embeddings (liked against the pool before T0);
- paperlab (paperlab.feed.rank.score), its background the 10,000 pool papers listed last before T0.

Development windows: 2025-05..10 and 2026-01..03, every one of them looked at while the method was
chosen (2025-06, 2025-10 and 2026-01..03 were held out from the first method, and so were seen when
it missed its goal there). Held out from the second method, and run once after it was fixed: the
months no earlier run had touched, 2025-04, 2025-11, 2025-12, 2026-04 and 2026-06 (2026-05 has no
profile paper). Held-out parts are reported first. Embeddings come from bench/feed_data.py's cache
(the first run embeds the whole pool, ~74,000 abstracts: about 15 minutes on two cores).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from feed_data import embeddings, load_pool, load_profiles  # noqa: E402

from paperlab.feed import terms  # noqa: E402
from paperlab.feed.rank import Docs, score  # noqa: E402

HELD_OUT = ["2025-04", "2025-11", "2025-12", "2026-04", "2026-06"]  # run once, after the method was fixed
DEVELOPMENT = ["2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2026-01", "2026-02", "2026-03"]
BACKGROUND = 10_000
K = 50


def month_after(month: str) -> str:
    y, m = map(int, month.split("-"))
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return f"{y:04d}-{m:02d}-01"


def metrics(scores: np.ndarray, relevant: np.ndarray) -> tuple[float, float, float]:
    """recall@50, nDCG@50 (binary gains) and average precision of a ranking of the window."""
    hits = relevant[np.argsort(-scores, kind="stable")]
    n = int(relevant.sum())
    recall = hits[:K].sum() / n
    dcg = (hits[:K] / np.log2(np.arange(2, min(K, len(hits)) + 2))).sum()
    idcg = (1 / np.log2(np.arange(2, min(K, n) + 2))).sum()
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(recall), float(dcg / idcg), float((precision * hits).sum() / n)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--windows", default=",".join(HELD_OUT + DEVELOPMENT))
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--background", type=int, default=BACKGROUND,
                        help="paperlab's background: the papers listed last before the window (0: all)")
    args = parser.parse_args()
    windows = args.windows.split(",")
    until = max(month_after(w) for w in windows)
    pool = [r for r in load_pool() if r["date"] < until]
    profiles = load_profiles()
    vectors = embeddings(pool, args.model, until)
    dates = np.array([r["date"] for r in pool])
    where = {r["id"]: i for i, r in enumerate(pool)}

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    start = time.perf_counter()
    hashed = [terms.hashed(terms.features(r["title"], r["abstract"], r["authors"])) for r in pool]
    texts = [f"{r['title']} {r['abstract']} {' '.join(r['authors'])}" for r in pool]
    print(f"# {len(pool)} pool papers to {until}; features in {time.perf_counter() - start:.0f} s", flush=True)

    methods = ["arxiv-sanity-lite", "zotero-arxiv-daily", "embedding LR", "paperlab", "paperlab SVM only"]
    table: dict[str, dict[str, list]] = {}
    rank_times: list[float] = []
    for window in windows:
        t0, t1 = f"{window}-01", month_after(window)
        cand = np.where((dates >= t0) & (dates < t1))[0]
        before = np.where(dates < t0)[0]
        database = np.where(dates < t1)[0]  # arxiv-sanity-lite's tf-idf is fitted on its database
        tfidf = TfidfVectorizer(ngram_range=(1, 2), max_features=20000, sublinear_tf=True, max_df=0.1,
                                min_df=5, stop_words="english")
        x = tfidf.fit_transform([texts[i] for i in database])  # rows: the database, in pool order
        for name, profile in sorted(profiles.items()):
            liked = [where[i] for i in profile["ids"] if i in where and dates[where[i]] < t0]
            relevant = np.isin(cand, [where[i] for i in profile["ids"] if i in where])
            if not liked or not relevant.any():
                continue
            liked_arr = np.array(liked)
            scores: dict[str, np.ndarray] = {}
            svm = LinearSVC(C=0.01, class_weight="balanced", max_iter=10000)
            svm.fit(x, np.isin(database, liked_arr))
            scores["arxiv-sanity-lite"] = svm.decision_function(x[cand])  # database rows are pool rows
            added = profile["added_to_list"]
            recent = sorted(liked, key=lambda i: added.get(pool[i]["id"], ""), reverse=True)
            w = np.array([1 / (1 + math.log10(i + 1)) for i in range(len(recent))])
            scores["zotero-arxiv-daily"] = (vectors[cand] @ vectors[recent].T) @ (w / w.sum())
            lr = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
            lr.fit(vectors[before], np.isin(before, liked_arr))
            scores["embedding LR"] = lr.decision_function(vectors[cand])
            others = np.setdiff1d(before, liked_arr)[-args.background:]
            started = time.perf_counter()
            scores["paperlab"] = score(Docs(vectors[cand], [hashed[i] for i in cand]),
                                       Docs(vectors[liked_arr], [hashed[i] for i in liked_arr]),
                                       Docs(vectors[others], [hashed[i] for i in others])).scores
            rank_times.append(time.perf_counter() - started)
            scores["paperlab SVM only"] = score(Docs(vectors[cand], [hashed[i] for i in cand]),
                                                Docs(vectors[liked_arr], [hashed[i] for i in liked_arr]),
                                                Docs(vectors[others], [hashed[i] for i in others]), fused=False).scores
            part = "held-out" if window in HELD_OUT else "development"
            for method in methods:
                table.setdefault(part, {}).setdefault(method, []).append(
                    (window, name, len(liked), int(relevant.sum()), *metrics(scores[method], relevant)))

    for part in ("held-out", "development"):
        if part not in table:
            continue
        rows = table[part]
        heading = {"held-out": "held-out (run once, after the method was fixed)"}.get(part, part)
        print(f"\n## {heading} windows ({', '.join(sorted({r[0] for r in rows['paperlab']}))})")
        print(f"{'window':8} {'profile':22} {'liked':>5} {'rel':>4}  " +
              "  ".join(f"{m[:18]:>18}" for m in methods) + "   (nDCG@50 / recall@50)")
        for i, first in enumerate(rows["paperlab"]):
            cells = "  ".join(f"{rows[m][i][5]:.3f} / {rows[m][i][4]:.3f}".rjust(18) for m in methods)
            print(f"{first[0]:8} {first[1]:22} {first[2]:5} {first[3]:4}  {cells}")
        means = {m: np.array([r[4:] for r in rows[m]]).mean(axis=0) for m in methods}
        for label, col in (("recall@50", 0), ("nDCG@50", 1), ("MAP", 2)):
            print(f"{'mean ' + label:42}" + "  ".join(f"{means[m][col]:18.3f}" for m in methods))
        best = max(means[m][1] for m in methods[:3])
        best_recall = max(means[m][0] for m in methods[:3])
        for ours in methods[3:]:
            print(f"{ours} nDCG@50 / best other: {means[ours][1] / best:.2f}x (goal >= 1.15); "
                  f"recall@50 {means[ours][0]:.3f} against the best other {best_recall:.3f}")
    print(f"\npaperlab ranking time per profile and window: median {np.median(rank_times):.2f} s, "
          f"max {max(rank_times):.2f} s")


if __name__ == "__main__":
    main()
