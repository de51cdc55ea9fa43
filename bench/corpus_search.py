"""Passage search on the shared corpus's questions: a library holding its 26 papers, each question
asked of all of them; a hit is right when it is the question's paper and its pages hold a page the
label says states the answer; "(cited page)" counts it right only when the one page it cites (the
page of its best sentence) is such a page. The held-out part (every third paper by name, from the third, as in
bench/corpus_numbers.py) is printed first: keep it out of tuning.

    python bench/corpus_search.py [../shared/data/corpus] [--home DIR]

The library is built once in DIR (default .bench-cache/corpus-library) with the default model and
reused (indexed again each run, which costs seconds when nothing changed).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from corpus_numbers import CORPUS, papers

from paperlab.library import Library, init_library, open_library
from paperlab.retrieval.search import Searcher, search

CACHE = Path(__file__).resolve().parents[1] / ".bench-cache" / "corpus-library"


def build(home: Path, corpus: Path, names: list[str]) -> dict[str, str]:
    """The library of the corpus's papers (made once, then indexed again: a no-op unless extraction
    or chunking changed, which re-chunks without re-embedding), and each paper's item id."""
    from paperlab.log.items import add
    from paperlab.retrieval.ingest import index_library

    ids_file = home / "corpus-ids.json"
    if ids_file.exists():
        lib = open_library(home)
        index_library(lib)
        lib.close()
        return json.loads(ids_file.read_text())
    lib, _ = init_library(home)
    ids = {name: add(lib, str(corpus / "pdfs" / f"{name}.pdf"), lookup=False, force=True).id for name in names}
    report = index_library(lib)
    print(f"indexed {report.items} papers: {report.chunks_added} chunks", file=sys.stderr)
    ids_file.write_text(json.dumps(ids))
    return ids


def ranks_of(lib: Library, searcher: Searcher, question: str, item_id: str,
             pages: list[int]) -> tuple[int | None, int | None]:
    """The rank of the first right hit counting its page range, and counting its cited page only."""
    hits = [h for h in search(lib, question, k=10, searcher=searcher) if h.item_id == item_id]
    in_range = next((h.rank for h in hits if any(h.page_start <= p <= h.page_end for p in pages)), None)
    cited = next((h.rank for h in hits if h.page in pages), None)
    return in_range, cited


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--home", type=Path, default=CACHE)
    args = parser.parse_args()
    names, held = papers(args.corpus)
    ids = build(args.home, args.corpus, names)
    lib = open_library(args.home)
    searcher = Searcher(lib)
    results: dict[str, dict[str, list[tuple[int | None, int | None]]]] = {"held-out": {}, "development": {}}
    for name in names:
        labels = json.loads((args.corpus / "labels" / f"{name}.json").read_text())
        part = results["held-out" if name in held else "development"]
        for q in labels["questions"]:
            part.setdefault(q["kind"], []).append(ranks_of(lib, searcher, q["q"], ids[name], q["pages"]))
    out = {}
    for part, by_kind in results.items():
        pairs = [r for rs in by_kind.values() for r in rs]
        out[part] = {"questions": len(pairs)}
        for label, which in (("", 0), (" (cited page)", 1)):
            ranks = [pair[which] for pair in pairs]
            out[part] |= {
                f"recall@1{label}": round(statistics.fmean(r == 1 for r in ranks), 3),
                f"recall@5{label}": round(statistics.fmean(r is not None and r <= 5 for r in ranks), 3),
                f"mrr@10{label}": round(statistics.fmean(1 / r if r else 0.0 for r in ranks), 3),
            }
        out[part]["recall@1 by kind"] = {
            k: f"{sum(r[0] == 1 for r in rs)}/{len(rs)}" for k, rs in sorted(by_kind.items())}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
