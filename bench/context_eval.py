"""Does embedding each chunk with its paper's title and section as context help search? Measured,
not built in: in each run so far it did not (docs/benchmarks.md).

    python bench/context_eval.py LIBRARY_HOME

LIBRARY_HOME holds the five shared papers, indexed by this tree (`make bench` leaves one in
.bench-cache/papers5-after); it is not changed. For each variant a copy is re-indexed, and
bench/search_eval.py's questions are asked of it. A context takes room in the model's 256 word
pieces, so the context variants are chunked at 232; plain text is measured at both sizes, to tell
the context's effect from the smaller chunks'. Keyword search sees the same text in every variant.
Prints one JSON object per variant.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
VARIANTS = [("plain", 256), ("plain", 232), ("section", 232), ("title", 232), ("title+section", 232)]


def with_context(variant: str, text: str, section: str, title: str) -> str:
    section, title = section[:90], title[:110]  # at most ~24 word pieces together
    context = {"plain": "", "section": section, "title": title,
               "title+section": f"{title}. {section}" if section else title}[variant]
    return f"{context}\n\n{text}" if context else text


def reembed(home: Path, vectors_for: Callable[[list[tuple[str, str, str]]], Any]) -> None:
    """Replace every chunk's vector in this library by `vectors_for` of its (text, section, paper
    title) rows, and write the vector file again from them."""
    with sqlite3.connect(home / "paperlab.db") as conn:
        rows = conn.execute("SELECT c.content_hash, c.text, c.section, i.title FROM chunks c "
                            "JOIN items i ON i.id = c.item_id").fetchall()
        vectors = vectors_for([(t, s or "", ti or "") for _, t, s, ti in rows])
        conn.executemany("UPDATE embeddings SET vector = ? WHERE content_hash = ?",
                         [(v.tobytes(), h) for (h, *_), v in zip(rows, vectors, strict=True)])
    for path in (home / "index").glob("vectors*"):
        path.unlink()
    subprocess.run([sys.executable, "-m", "paperlab", "--home", str(home), "index"], check=True, capture_output=True)


def questions(home: Path) -> dict[str, float]:
    """bench/search_eval.py's question metrics on this library."""
    out = subprocess.run([sys.executable, str(BENCH / "search_eval.py"), str(home)], capture_output=True,
                         text=True, check=True).stdout
    got = json.loads(out)
    return {k: round(got[k], 3) for k in ("recall@1", "recall@5", "mrr@10", "nonsense_empty")}


def run(variant: str, budget: int, source: Path, work: Path) -> dict[str, object]:
    home = work / f"{variant}-{budget}"
    shutil.copytree(source, home)
    settings = home / "paperlab.toml"
    settings.write_text(re.sub(r"(?m)^chunk_tokens\s*=\s*\d+", f"chunk_tokens = {budget}", settings.read_text()))
    subprocess.run([sys.executable, "-m", "paperlab", "--home", str(home), "index", "--rebuild"], check=True,
                   capture_output=True)
    if variant != "plain":
        from paperlab.retrieval.embedding import get_embedder

        embedder = get_embedder("all-MiniLM-L6-v2")
        reembed(home, lambda rows: embedder.embed([with_context(variant, *row) for row in rows]))
    return {"variant": variant, "chunk_tokens": budget, **questions(home)}


def main() -> None:
    source = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as work:
        for variant, budget in VARIANTS:
            print(json.dumps(run(variant, budget, source, Path(work))), flush=True)


if __name__ == "__main__":
    main()
