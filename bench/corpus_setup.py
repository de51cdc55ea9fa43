"""The training settings of the shared corpus's labels that `replicate` reads from each paper, the
held-out part first.

    python bench/corpus_setup.py [../shared/data/corpus]

A label counts as found when a setting of its name (`lr_schedule` is paperlab's `schedule`) and value
(for a word, one the label's text holds: "cosine" in "linear warmup then cosine decay") is read on its
page (a reading holds every page that states its value for its experiment); "value at its page"
ignores the name. Precision: the settings read whose value some label of one of their pages holds
(labels are not exhaustive, so this is a floor). The held-out part is
every third paper by name, from the third, as in bench/corpus_numbers.py: keep it out of tuning.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from corpus_numbers import CORPUS, papers

from paperlab.replicate.settings import read

ALIASES = {"lr_schedule": "schedule"}


def same(read: object, label: object) -> bool:
    """A number equal to the label's; a word (an optimizer, a schedule) that the label's text holds:
    the schedule "cosine" for the label "linear warmup then cosine decay"."""
    if isinstance(read, (int, float)) and isinstance(label, (int, float)):
        return abs(float(read) - float(label)) <= 1e-9 * max(1.0, abs(float(label)))
    if isinstance(read, str) and isinstance(label, str):
        return re.search(r"\b" + re.escape(read.strip().lower()) + r"\b", label.lower()) is not None
    return False


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    names, held = papers(corpus)
    parts = {part: {"labels": 0, "found": 0, "value at its page": 0, "read": 0, "read and labelled": 0}
             for part in ("held-out", "development")}
    for name in names:
        labels = json.loads((corpus / "labels" / f"{name}.json").read_text())["hyperparameters"]
        found = read(corpus / "pdfs" / f"{name}.pdf")
        part = parts["held-out" if name in held else "development"]
        for label in labels:
            at_page = [h for h in found if label["page"] in h.pages and same(h.value, label["value"])]
            part["labels"] += 1
            part["value at its page"] += bool(at_page)
            part["found"] += any(h.name == ALIASES.get(label["name"], label["name"]) for h in at_page)
        part["read"] += len(found)
        part["read and labelled"] += sum(
            any(label["page"] in h.pages and same(h.value, label["value"]) for label in labels) for h in found)
    for label, p in parts.items():
        print(f"{label}: {p['labels']} labelled settings: {p['found']} found with their name "
              f"({p['found'] / max(1, p['labels']):.0%}), {p['value at its page']} by value at their page "
              f"({p['value at its page'] / max(1, p['labels']):.0%}); {p['read']} read, "
              f"{p['read and labelled']} of them labelled ({p['read and labelled'] / max(1, p['read']):.0%})")


if __name__ == "__main__":
    main()
