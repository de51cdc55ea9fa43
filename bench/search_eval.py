"""Search quality on real papers, for whichever `paperlab` is first on sys.path (`make bench` runs it
once with this tree and once with the baseline's source, side by side).

    python bench/search_eval.py LIBRARY_HOME

LIBRARY_HOME holds the five shared papers, indexed. Prints one JSON object:
- section labels: share of the papers' chunks whose section names a heading that is current at the
  chunk's first page (bench/fixtures/headings.json, listed by hand: a heading on that page or the last
  one before it; a page-1 chunk before the abstract may have none), and the share of the listed
  headings that label at least one chunk;
- references: chunks that hold a reference list but are labelled as something else are not counted;
- questions (bench/fixtures/search_questions.json): recall@1, recall@5 and MRR@10 of default searches;
- nonsense queries answered with no results.
"""

from __future__ import annotations

import json
import re
import sqlite3
import statistics
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NONSENSE = ["zzzqqq", "qwxv plorkt", "fnord blarghle wug", "xkcdzz vrrp", "jjjjj kkkkk"]


def norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def label_accuracy(db: Path) -> dict[str, float]:
    listed = json.loads((FIXTURES / "headings.json").read_text())["papers"]
    conn = sqlite3.connect(db)
    right = total = 0
    found: set[tuple[str, str]] = set()
    for paper, headings in listed.items():
        rows = conn.execute("SELECT page_start, section FROM chunks WHERE item_id = ? AND source = 'paper' "
                            "ORDER BY id", [paper]).fetchall()
        for page, section in rows:
            before = [h["heading"] for h in headings if h["page"] < page][-1:]
            current = before + [h["heading"] for h in headings if h["page"] == page]
            label = norm(section)
            ok = any(norm(h) in label for h in current) if label else page == 1
            right += ok
            total += 1
            for h in headings:
                if label and norm(h["heading"]) in label:
                    found.add((paper, h["heading"]))
    wanted = sum(len(h) for h in listed.values())
    return {"label_accuracy": right / total if total else 0.0, "headings_found": len(found) / wanted,
            "chunks": total}


def question_metrics(home: Path) -> dict[str, float]:
    from paperlab.library import Library
    from paperlab.retrieval.search import Searcher, search

    lib = Library(home)
    searcher = Searcher(lib)
    questions = json.loads((FIXTURES / "search_questions.json").read_text())["questions"]
    r1, r5, rr = [], [], []
    for q in questions:
        hits = search(lib, q["question"], k=10, searcher=searcher)
        first = None
        for n, hit in enumerate(hits, start=1):
            for answer in q["answers"]:
                if hit.item_id == answer["paper"] and any(hit.page_start <= p <= hit.page_end for p in answer["pages"]):
                    first = first or n
        r1.append(first == 1)
        r5.append(first is not None and first <= 5)
        rr.append(1 / first if first else 0.0)
    empty = sum(not search(lib, q, k=10, searcher=searcher) for q in NONSENSE)
    return {"recall@1": statistics.fmean(r1), "recall@5": statistics.fmean(r5), "mrr@10": statistics.fmean(rr),
            "questions": len(questions), "nonsense_empty": empty, "nonsense": len(NONSENSE)}


def main() -> None:
    home = Path(sys.argv[1])
    out = label_accuracy(home / "paperlab.db")
    out.update(question_metrics(home))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
