"""The reader's highlight on real papers: each labelled quote of ../shared/data/corpus (settings and
reported numbers, verbatim, with their page) looked for on its page, and on the same page of another
paper (where finding it would be a false highlight). The matcher was written before this was run;
nothing in it was tuned on these papers."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from paperlab.web.reader import passage_boxes, tokens

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpus"


def quotes(label: Path) -> list[tuple[str, int]]:
    data = json.loads(label.read_text())
    return [(e["quote"], int(e["page"])) for e in data["hyperparameters"] + data["reported"]
            if e.get("quote") and e.get("page") and len(tokens(e["quote"])) >= 4]


def main() -> None:
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} not found")
    labels = [p for p in sorted((CORPUS / "labels").glob("*.json")) if (CORPUS / "pdfs" / f"{p.stem}.pdf").exists()]
    start = time.perf_counter()
    found = wrong = total = 0
    for label, other in zip(labels, labels[1:] + labels[:1], strict=True):
        own_pdf, other_pdf = CORPUS / "pdfs" / f"{label.stem}.pdf", CORPUS / "pdfs" / f"{other.stem}.pdf"
        for quote, page in quotes(label):
            total += 1
            found += bool(passage_boxes(own_pdf, page, quote))
            wrong += bool(passage_boxes(other_pdf, page, quote))
    ms = 1000 * (time.perf_counter() - start) / max(2 * total, 1)
    print(f"quotes highlighted on their page: {found}/{total} ({found / total:.1%}) in {len(labels)} papers")
    print(f"highlighted on another paper's page (false): {wrong}/{total} ({wrong / total:.1%}); {ms:.1f} ms a page")


if __name__ == "__main__":
    main()
