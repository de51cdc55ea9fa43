"""Tables read against PyMuPDF's own table finder, on the shared corpus, the held-out part first.

    python bench/corpus_tables.py [../shared/data/corpus]

For each headline number that the labels place in a table, whether it is the value of a cell of a
table found on its page: by paperlab's layout.table_regions, and by PyMuPDF's `page.find_tables()`
(its default strategy, from ruling lines, and its "text" strategy), with the seconds each took.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

from corpus_numbers import CORPUS, papers

from paperlab.replicate.layout import CELL, cell_value, page_blocks, running_lines, table_regions
from paperlab.retrieval import mupdf


def pymupdf_values(page, strategy: str) -> set[float]:  # type: ignore[no-untyped-def]
    found = page.find_tables(strategy=strategy)
    return {float(x) for table in found.tables for row in table.extract() for cell in row
            for x in re.findall(r"\d+(?:\.\d+)?", cell or "")}


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    pymupdf = mupdf.load()
    names, held = papers(corpus)
    for part in ("held-out", "development"):
        hits = {"paperlab": 0, "lines": 0, "text": 0}
        seconds = dict.fromkeys(hits, 0.0)
        total = 0
        for name in (n for n in names if (n in held) == (part == "held-out")):
            labels = json.loads((corpus / "labels" / f"{name}.json").read_text())["reported"]
            with pymupdf.open(corpus / "pdfs" / f"{name}.pdf") as doc:
                running = running_lines([page_blocks(page) for page in doc])
                for label in labels:
                    if not label.get("headline") or not str(label.get("where", "")).startswith("Table"):
                        continue
                    try:
                        value = float(label["value"])
                    except (TypeError, ValueError):
                        continue
                    page, total = doc[label["page"] - 1], total + 1
                    start = time.perf_counter()
                    ours = {cell_value(w.text) for _, _, rows in table_regions(page, running)
                            for row in rows for w in row if CELL.match(w.text)}
                    seconds["paperlab"] += time.perf_counter() - start
                    hits["paperlab"] += value in ours
                    for strategy in ("lines", "text"):
                        start = time.perf_counter()
                        hits[strategy] += value in pymupdf_values(page, strategy)
                        seconds[strategy] += time.perf_counter() - start
        print(f"{part}: {total} headline numbers in tables; a cell's value on its page: paperlab "
              f"{hits['paperlab']} ({seconds['paperlab']:.1f} s), PyMuPDF find_tables {hits['lines']} "
              f"({seconds['lines']:.1f} s), with strategy 'text' {hits['text']} ({seconds['text']:.1f} s)")


if __name__ == "__main__":
    main()
