"""The paper's setup and numbers read from the five shared real papers, against expected.json.

    python bench/paper_setup.py [../shared/data/papers]

For each paper: the share of expected.json's hyperparameters found with their value at one of
their pages (`replicate hparams`), how many settings were reported in all, and, for the reported
numbers, the share that `replicate claims --suggest` proposes at their pages and how many candidates
it proposes. Precision of the top candidates needs a labelled list of every result a paper reports,
which expected.json does not have (it lists the headline numbers only): it is not measured here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from paperlab.replicate.claims import suggest
from paperlab.replicate.hparams import find
from paperlab.retrieval.pdf import extract_pages

PAPERS = Path(__file__).resolve().parents[2] / "shared" / "data" / "papers"


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def evaluate(folder: Path) -> dict[str, dict[str, float]]:
    expected = json.loads((folder / "expected.json").read_text())
    out: dict[str, dict[str, float]] = {}
    for arxiv_id, paper in expected.items():
        if arxiv_id.startswith("_"):
            continue
        pages = [(p.number, p.text) for p in extract_pages(folder / f"{arxiv_id}.pdf")]
        stated = find(pages)
        hits = sum(any(h.name == e["name"] and isinstance(h.value, float) and close(h.value, e["value"])
                       and h.page in e["pages"] for h in stated) for e in paper["hyperparameters"])
        candidates = suggest(pages)
        found = sum(any(close(c.value, r["value"]) and c.page in r["pages"] for c in candidates)
                    for r in paper["reported"])
        out[arxiv_id] = {"hparams_expected": len(paper["hyperparameters"]), "hparams_found": hits,
                         "settings_reported": len(stated), "numbers_expected": len(paper["reported"]),
                         "numbers_found": found, "candidates": len(candidates)}
    return out


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else PAPERS
    results = evaluate(folder)
    print(f"{'paper':<12} {'hparams found':>14} {'settings':>9} {'numbers found':>14} {'candidates':>11}")
    for arxiv_id, r in results.items():
        print(f"{arxiv_id:<12} {r['hparams_found']:>6.0f} of {r['hparams_expected']:<5.0f} "
              f"{r['settings_reported']:>9.0f} {r['numbers_found']:>6.0f} of {r['numbers_expected']:<5.0f} "
              f"{r['candidates']:>11.0f}")
    h = sum(r["hparams_found"] for r in results.values()) / sum(r["hparams_expected"] for r in results.values())
    n = sum(r["numbers_found"] for r in results.values()) / sum(r["numbers_expected"] for r in results.values())
    print(f"hyperparameters found at their pages: {h:.0%}; reported numbers proposed at their pages: {n:.0%}")


if __name__ == "__main__":
    main()
