"""`paperlab feed pull` of one month of real listings (the shared pool's October 2025, 4,732
papers) served by the local arXiv test server with no delay between requests, into a new library:
the time to pull, store and embed them, and abstracts/s; then the time of `paperlab feed` (a cold
command, ranking the month for a profile's papers added with `feed add`).

    python bench/feed_pull.py [--month 2025-10]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from feed_data import load_pool, load_profiles  # noqa: E402
from tests.arxiv_server import ArxivServer, ServedPaper  # noqa: E402

CATS = ["cs.AI", "cs.CL", "cs.CV", "cs.GR"]  # what the pool's crawler followed


def served(row: dict) -> ServedPaper:
    cats = row["categories"] if isinstance(row["categories"], list) else str(row["categories"]).split()
    return ServedPaper(row["id"], 1, row["title"], b"", authors=row["authors"] or ["Unknown"],
                       abstract=row["abstract"], category=cats[0] if cats else "cs.LG", cross_lists=cats[1:],
                       published=f"{row['date']}T12:00:00Z")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--month", default="2025-10")
    parser.add_argument("--profile", default="efficient_reasoning")
    args = parser.parse_args()
    pool = load_pool()
    month = [r for r in pool if r["date"].startswith(args.month)]
    liked_ids = [i for i in load_profiles()[args.profile]["ids"]]
    by_id = {r["id"]: r for r in pool}
    liked = [by_id[i] for i in liked_ids if i in by_id and by_id[i]["date"] < f"{args.month}-01"][-20:]
    server = ArxivServer().start()
    server.listed = [served(r) for r in month]
    month = [r for r, p in zip(month, server.listed, strict=True) if {p.category, *p.cross_lists} & set(CATS)]
    for r in month + liked:
        server.papers[r["id"]] = served(r)
    cats = CATS
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp) / "lib"
            env = {**os.environ, "PAPERLAB_ARXIV_API_URL": server.api_url, "PAPERLAB_ARXIV_DELAY": "0"}

            def paperlab(*cli: str) -> subprocess.CompletedProcess[str]:
                return subprocess.run([sys.executable, "-m", "paperlab", "--home", str(home), *cli], env=env,
                                      capture_output=True, text=True, check=True)

            subprocess.run([sys.executable, "-m", "paperlab", "init", str(home)], check=True, capture_output=True)
            with (home / "paperlab.toml").open("a") as fh:
                fh.write("feed_page_size = 500\n")
            start = time.perf_counter()
            out = paperlab("feed", "pull", *[a for c in cats for a in ("--category", c)], "--since",
                           f"{args.month}-01", "--until", f"{args.month}-31").stdout
            pulled_s = time.perf_counter() - start
            print(out.strip())
            print(f"pull + store + embed {len(month)} listings: {pulled_s:.0f} s, "
                  f"{len(month) / pulled_s:.0f} abstracts/s (goal >= 40/s)")
            for r in liked:
                paperlab("feed", "add", r["id"], "--no-pdf", "--tag", "mine")
            times = []
            for _ in range(3):
                start = time.perf_counter()
                ranked = json.loads(paperlab("feed", "--tag", "mine", "--json", "-k", "50").stdout)
                times.append(time.perf_counter() - start)
            relevant = set(liked_ids)
            print(f"paperlab feed --tag (a cold command, {len(month)} candidates, {len(liked)} liked): "
                  f"median {sorted(times)[1]:.2f} s (goal < 1 s); {sum(r['id'] in relevant for r in ranked)} of the "
                  f"profile's papers of the month in the top 50")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
