"""Ranking candidates for one user: three views of what they liked, fused, then smoothed over the
candidates' own neighbourhoods.

- a linear SVM (squared hinge) on tf-idf of title and abstract words, word pairs and authors,
  liked papers against everything else (arxiv-sanity-lite's model, on hashed features);
- a logistic regression on the embeddings, the same classes;
- the mean cosine of a candidate to its five closest liked papers.

Each is standardised over the candidates and summed; then each candidate's score is averaged, half
and half, with the mean score of its ten nearest candidates (a paper whose neighbours the user
would like is likelier liked itself). `bench/feed_eval.py` measures it against the three methods
other tools use. Both classifiers are fitted here with a small L-BFGS, so ranking needs no
scikit-learn import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from paperlab.feed import terms as lexical

if TYPE_CHECKING:
    import numpy as np

SVM_C = 0.01  # arxiv-sanity-lite's
LR_C = 1.0
NEIGHBOURS_LIKED = 5
NEIGHBOURS_SMOOTH = 10
SMOOTH = 0.5
MAX_FEATURES = 20_000
LR_BACKGROUND = 4000  # the embedding model learns from this many of the other papers, evenly spaced
NEGATIVE_WEIGHT = 3.0  # a paper the user turned down counts for three of the background


def document(title: str, abstract: str) -> str:
    """The text of a paper that the feed embeds and weighs: its title, then its abstract."""
    title = " ".join(title.split())
    abstract = " ".join(abstract.split())
    return f"{title}. {abstract}" if title and not title.endswith((".", "?", "!")) else f"{title} {abstract}".strip()


@dataclass
class Docs:
    """Papers as the ranker sees them: unit vectors and hashed term counts, row for row."""

    vectors: np.ndarray
    terms: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.terms)

    @staticmethod
    def joined(*parts: Docs) -> Docs:
        import numpy as np

        full = [p for p in parts if len(p)]
        if not full:
            return Docs(np.zeros((0, 0), np.float32), [])
        return Docs(np.concatenate([p.vectors for p in full]), [t for p in full for t in p.terms])


@dataclass
class Scored:
    scores: np.ndarray  # one per candidate, higher is better
    word_weight: dict[int, float]  # the lexical model's weight of each bucket (positive: liked)
    closest: np.ndarray  # per candidate, the indices of its two closest liked papers
    closest_sim: np.ndarray


def _zscore(x: np.ndarray) -> np.ndarray:
    import numpy as np

    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-12 else np.zeros_like(x)


def _tfidf(rows: list[tuple[np.ndarray, np.ndarray]], corpus_rows: int) -> tuple[object, np.ndarray]:
    """A CSR matrix of sublinear tf x smoothed idf, rows L2-normalised, and the bucket of each
    column. Document frequencies come from the first `corpus_rows` rows (the database); as
    arxiv-sanity-lite does, terms in fewer than min_df or more than 10% of those documents are left
    out, and of the rest the MAX_FEATURES most frequent are kept."""
    import numpy as np
    import scipy.sparse as sp

    lengths = np.array([len(r[0]) for r in rows], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    cols = np.concatenate([r[0] for r in rows]).astype(np.int64) if rows else np.zeros(0, np.int64)
    tf = np.concatenate([r[1] for r in rows]).astype(np.float32) if rows else np.zeros(0, np.float32)
    df = np.bincount(cols[: indptr[corpus_rows]], minlength=1 << lexical.BITS)
    min_df = 5 if corpus_rows >= 2000 else 2 if corpus_rows >= 50 else 1
    ok = np.flatnonzero((df >= min_df) & (df <= max(min_df, 0.1 * corpus_rows)))
    used = ok[np.argsort(-df[ok], kind="stable")[:MAX_FEATURES]]
    used.sort()
    column = np.full(1 << lexical.BITS, -1, dtype=np.int64)
    column[used] = np.arange(len(used))
    mapped = column[cols]
    kept = mapped >= 0
    row_of = np.repeat(np.arange(len(rows)), lengths)
    idf = (np.log((1 + corpus_rows) / (1 + df[used])) + 1.0).astype(np.float32)
    values = (1.0 + np.log(tf[kept])) * idf[mapped[kept]]
    m = sp.csr_matrix((values, (row_of[kept], mapped[kept])), shape=(len(rows), len(used)))
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    m = sp.diags((1.0 / np.maximum(norms, 1e-12)).astype(np.float32)) @ m
    return m.tocsr(), used


def fit_linear(x: object, y: np.ndarray, weight: np.ndarray, c: float, loss: str) -> tuple[np.ndarray, float]:
    """w, b minimising 0.5|w|^2 + c * sum(weight * loss(y (x w + b))), y in {-1, 1}; loss is
    "squared_hinge" (a linear SVM) or "logistic"."""
    import numpy as np

    d = x.shape[1]  # type: ignore[attr-defined]

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:d], theta[d]
        margin = y * (x @ w.astype(np.float32) + b)  # type: ignore[operator]
        if loss == "squared_hinge":
            gap = np.maximum(0.0, 1.0 - margin)
            value = 0.5 * w @ w + c * float(weight @ (gap * gap))
            coef = -2.0 * c * weight * gap * y
        else:
            value = 0.5 * w @ w + c * float(weight @ np.logaddexp(0.0, -margin))
            coef = -c * weight * y * np.exp(-np.logaddexp(0.0, margin))
        grad = np.empty(d + 1)
        grad[:d] = w + x.T @ coef.astype(np.float32)  # type: ignore[attr-defined]
        grad[d] = coef.sum()
        return value, grad

    theta = lbfgs(objective, np.zeros(d + 1))
    return theta[:d], float(theta[d])


def lbfgs(objective: object, theta: np.ndarray, memory: int = 10, max_iter: int = 200,
          tol: float = 1e-4, ftol: float = 1e-6) -> np.ndarray:
    """Minimise a smooth convex `objective(theta) -> (value, gradient)` by L-BFGS (two-loop
    recursion, backtracking line search); stops when the gradient's largest entry is below `tol`
    or a step lowers the value by less than `ftol` of it."""
    import numpy as np

    value, grad = objective(theta)  # type: ignore[operator]
    steps: list[tuple[np.ndarray, np.ndarray, float]] = []
    for _ in range(max_iter):
        if np.abs(grad).max() < tol:
            break
        direction = -grad
        alphas = []
        for s_, y_, rho in reversed(steps):
            a = rho * (s_ @ direction)
            alphas.append(a)
            direction = direction - a * y_
        if steps:
            s_, y_, _ = steps[-1]
            direction = direction * ((s_ @ y_) / (y_ @ y_))
        for (s_, y_, rho), a in zip(steps, reversed(alphas), strict=True):
            direction = direction + s_ * (a - rho * (y_ @ direction))
        slope = grad @ direction
        if slope >= 0:  # not a descent direction: start again from the gradient
            steps.clear()
            direction, slope = -grad, -(grad @ grad)
        step = 1.0 if steps else min(1.0, 1.0 / max(1e-12, float(np.abs(grad).sum())))
        while True:
            new_theta = theta + step * direction
            new_value, new_grad = objective(new_theta)  # type: ignore[operator]
            if new_value <= value + 1e-4 * step * slope:
                break
            step *= 0.5
            if step < 1e-8:  # no step decreases it within the sums' float32 precision: done
                return theta
        s_, y_ = new_theta - theta, new_grad - grad
        if s_ @ y_ > 1e-12:
            steps.append((s_, y_, 1.0 / (s_ @ y_)))
            if len(steps) > memory:
                steps.pop(0)
        done = value - new_value <= ftol * max(1.0, abs(value))
        theta, value, grad = new_theta, new_value, new_grad
        if done:
            break
    return theta


def balanced(y: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
    """Class weights n / (2 n_class), as scikit-learn's "balanced"; `extra` multiplies some rows."""
    import numpy as np

    n = len(y)
    pos = max(1, int((y > 0).sum()))
    neg = max(1, n - pos)
    weight = np.where(y > 0, n / (2 * pos), n / (2 * neg))
    return weight * extra if extra is not None else weight


def score(candidates: Docs, liked: Docs, background: Docs, disliked: Docs | None = None,
          fused: bool = True) -> Scored:
    """Scores for `candidates` from the papers the user `liked` against the `background` (other
    papers of the library and the feed) and those they `disliked` (weighted NEGATIVE_WEIGHT).
    `fused=False`: the tf-idf SVM's scores alone (arxiv-sanity-lite's method)."""
    import numpy as np

    disliked = disliked or Docs(np.zeros((0, 0), np.float32), [])
    n_c, n_l, n_b, n_d = len(candidates), len(liked), len(background), len(disliked)
    if n_c == 0:
        return Scored(np.zeros(0), {}, np.zeros((0, 2), int), np.zeros((0, 2)))
    # rows: background, candidates (together the database), then liked and disliked
    rows = background.terms + candidates.terms + liked.terms + disliked.terms
    x, used = _tfidf(rows, n_b + n_c)
    y = np.concatenate([-np.ones(n_b + n_c), np.ones(n_l), -np.ones(n_d)])
    extra = np.concatenate([np.ones(n_b + n_c + n_l), np.full(n_d, NEGATIVE_WEIGHT)])
    weight = balanced(y, extra)
    w, b = fit_linear(x, y, weight, SVM_C, "squared_hinge")
    cand_x = x[n_b: n_b + n_c]  # type: ignore[index]
    svm = cand_x @ w + b
    sims = candidates.vectors @ liked.vectors.T
    order = np.argsort(-sims, axis=1)[:, :2]
    weights = {int(u): float(v) for u, v in zip(used, w, strict=True) if v > 0}
    if not fused:
        return Scored(svm, weights, order, np.take_along_axis(sims, order, axis=1))

    dim = candidates.vectors.shape[1]
    vecs = np.concatenate([d.vectors.reshape(len(d), dim) for d in (background, candidates, liked, disliked)])
    rows_lr = _thinned(n_b + n_c, LR_BACKGROUND, n_b + n_c + n_l + n_d)
    wv, bv = fit_linear(vecs[rows_lr].astype(np.float32), y[rows_lr], balanced(y[rows_lr], extra[rows_lr]),
                        LR_C, "logistic")
    lr = candidates.vectors @ wv + bv

    top = min(NEIGHBOURS_LIKED, n_l)
    near = -np.sort(-sims, axis=1)[:, :top].mean(axis=1)

    total = _zscore(svm) + _zscore(lr) + _zscore(near)
    if n_c >= 20 * NEIGHBOURS_SMOOTH:  # among a few candidates, ten neighbours would be most of them
        total = (1 - SMOOTH) * total + SMOOTH * total[_neighbours(candidates.vectors)].mean(axis=1)
    return Scored(total, weights, order, np.take_along_axis(sims, order, axis=1))


def _thinned(n_background: int, keep: int, n_rows: int) -> np.ndarray:
    """Row numbers: at most `keep` of the first `n_background`, evenly spaced, then all the rest."""
    import numpy as np

    head = np.linspace(0, n_background - 1, keep).astype(int) if n_background > keep else np.arange(n_background)
    return np.concatenate([np.unique(head), np.arange(n_background, n_rows)])


def _neighbours(vectors: np.ndarray) -> np.ndarray:
    """Each row's NEIGHBOURS_SMOOTH nearest other rows by cosine (exact, with FAISS)."""
    import faiss
    import numpy as np

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
    _, found = flat.search(np.ascontiguousarray(vectors, dtype=np.float32), NEIGHBOURS_SMOOTH + 1)
    out = np.empty((len(vectors), NEIGHBOURS_SMOOTH), dtype=np.int64)
    for i, row in enumerate(found):  # drop the row itself (or, among duplicates, one copy)
        others = row[row != i][:NEIGHBOURS_SMOOTH]
        out[i] = others if len(others) == NEIGHBOURS_SMOOTH else row[1:]
    return out


def top_words(title: str, abstract: str, word_weight: dict[int, float], n: int = 4) -> list[str]:
    """The candidate's words (or word pairs) that weighed most toward the user's liking."""
    seen: dict[str, float] = {}
    for feat in lexical.features(title, abstract):
        weight = word_weight.get(lexical.bucket(feat), 0.0)
        if weight > 0:
            seen[feat] = weight
    best = sorted(seen, key=lambda f: -seen[f])
    out: list[str] = []
    for feat in best:  # a pair says more than its words: keep it, drop the words it holds
        if any(feat in kept.split(" ") for kept in out) or any(k in feat.split(" ") for k in out):
            continue
        out.append(feat)
        if len(out) == n:
            break
    return out
