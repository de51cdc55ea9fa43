"""The paper's setup and numbers read from the five shared real papers, against expected.json.

    python bench/paper_setup.py [../shared/data/papers]

For each paper: the share of expected.json's hyperparameters found with their value at one of
their pages (`replicate hparams`), how many settings were reported in all, and, for the reported
numbers, the share that `replicate claims --suggest` proposes at their pages, how many candidates it
proposes, and the precision of its top 10: the share that are numbers the paper reports as results,
by the hand-made labels in bench/fixtures/reported_results.json (a candidate not labelled counts as
not a result).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from paperlab.replicate.hparams import find
from paperlab.replicate.suggest import suggest_pdf
from paperlab.retrieval.pdf import extract_pages

PAPERS = Path(__file__).resolve().parents[2] / "shared" / "data" / "papers"
LABELS = Path(__file__).resolve().parent / "fixtures" / "reported_results.json"


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def evaluate(folder: Path) -> dict[str, dict[str, float]]:
    expected = json.loads((folder / "expected.json").read_text())
    labels = json.loads(LABELS.read_text())
    out: dict[str, dict[str, float]] = {}
    for arxiv_id, paper in expected.items():
        if arxiv_id.startswith("_"):
            continue
        pages = [(p.number, p.text) for p in extract_pages(folder / f"{arxiv_id}.pdf")]
        stated = find(pages)
        hits = sum(any(h.name == e["name"] and isinstance(h.value, float) and close(h.value, e["value"])
                       and h.page in e["pages"] for h in stated) for e in paper["hyperparameters"])
        candidates = suggest_pdf(folder / f"{arxiv_id}.pdf")
        found = sum(any(close(c.value, r["value"]) and c.page in r["pages"] for c in candidates)
                    for r in paper["reported"])
        top = candidates[:10]
        real = sum(any(close(c.value, v) and c.page == p for v, p in labels.get(arxiv_id, [])) for c in top)
        out[arxiv_id] = {"hparams_expected": len(paper["hyperparameters"]), "hparams_found": hits,
                         "settings_reported": len(stated), "numbers_expected": len(paper["reported"]),
                         "numbers_found": found, "candidates": len(candidates),
                         "top10_real": real, "top10": len(top)}
    return out


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else PAPERS
    results = evaluate(folder)
    print(f"{'paper':<12} {'hparams found':>14} {'settings':>9} {'numbers found':>14} {'candidates':>11} "
          f"{'top-10 real':>12}")
    for arxiv_id, r in results.items():
        print(f"{arxiv_id:<12} {r['hparams_found']:>6.0f} of {r['hparams_expected']:<5.0f} "
              f"{r['settings_reported']:>9.0f} {r['numbers_found']:>6.0f} of {r['numbers_expected']:<5.0f} "
              f"{r['candidates']:>11.0f} {r['top10_real']:>6.0f} of {r['top10']:<3.0f}")
    h = sum(r["hparams_found"] for r in results.values()) / sum(r["hparams_expected"] for r in results.values())
    n = sum(r["numbers_found"] for r in results.values()) / sum(r["numbers_expected"] for r in results.values())
    p = sum(r["top10_real"] for r in results.values()) / sum(r["top10"] for r in results.values())
    print(f"hyperparameters found at their pages: {h:.0%}; reported numbers proposed at their pages: {n:.0%}; "
          f"top-10 candidates that are results: {p:.0%}")


if __name__ == "__main__":
    main()
