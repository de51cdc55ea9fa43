"""Headline numbers of the shared corpus's labels that `replicate claims suggest` proposes at their
page (among the 40 it shows, in the top 10, and at any rank: `--all`), the held-out part first.

    python bench/corpus_numbers.py [../shared/data/corpus]

The held-out part is every third paper by name, from the third (convnext, gated-conv-lm, gshard,
large-batch, mixtral, ngpt, quip, swish): keep it out of tuning.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from paperlab.replicate.suggest import MAX_CANDIDATES, suggest_pdf

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpus"


def held_out(names: list[str]) -> set[str]:
    return set(sorted(names)[2::3])


def papers(corpus: Path) -> tuple[list[str], set[str]]:
    """The corpus's paper names, sorted, and the held-out ones among them; exits if it has none."""
    names = sorted(p.stem for p in (corpus / "labels").glob("*.json"))
    if not names:
        sys.exit(f"no labels in {corpus}/labels")
    return names, held_out(names)


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    names, held = papers(corpus)
    parts: dict[str, list] = {"held-out": [0, 0, 0, 0, []], "development": [0, 0, 0, 0, []]}
    for name in names:
        labels = json.loads((corpus / "labels" / f"{name}.json").read_text())
        found = suggest_pdf(corpus / "pdfs" / f"{name}.pdf", limit=None)
        part = parts["held-out" if name in held else "development"]
        for label in (r for r in labels["reported"] if r.get("headline")):
            try:
                value = float(label["value"])
            except (TypeError, ValueError):
                continue
            at = [s.number for s in found if abs(s.value - value) < 1e-9 and s.page == label["page"]]
            part[0] += 1
            part[1] += any(n <= MAX_CANDIDATES for n in at)
            part[2] += any(n <= 10 for n in at)
            part[3] += bool(at)
        part[4].append(min(len(found), MAX_CANDIDATES))
    for label, (n, shown, top, anywhere, counts) in parts.items():
        counts.sort()
        print(f"{label}: {len(counts)} papers, {n} headline numbers: {shown} proposed at their page among "
              f"the {MAX_CANDIDATES} shown ({shown / max(1, n):.0%}), {top} in the top 10 ({top / max(1, n):.0%}), "
              f"{anywhere} at any rank ({anywhere / max(1, n):.0%}); median candidates shown "
              f"{counts[len(counts) // 2]}")


if __name__ == "__main__":
    main()
