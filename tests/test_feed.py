"""`paperlab feed`: pulling listings from the local arXiv server (paging, versions, faults, a kill
mid-pull), ranking with why, `add`, `no`, tags and the Markdown digest."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from paperlab.feed import rank, terms
from paperlab.fsutil import FAILPOINT
from tests.arxiv_server import ArxivServer, ServedPaper
from tests.conftest import TEST_SETTINGS

TOPICS = {
    "rl": ("cs.LG", "reinforcement learning policy reward agent value function exploration environment "
           "actor critic trajectory return bandit q-learning"),
    "vision": ("cs.CV", "image segmentation pixel convolution detection backbone object mask camera "
               "resolution video depth scene"),
    "language": ("cs.CL", "language model token translation sentence parsing corpus dialogue grammar "
                 "summarization vocabulary text speech"),
}


def synthetic(n_per_topic: int = 12, seed: int = 3) -> list[ServedPaper]:
    """Papers of three topics, a few days apart in December 2026, with words drawn from each
    topic's vocabulary (and some shared words)."""
    rng = random.Random(seed)
    shared = "we study results method experiments data training show improves benchmark".split()
    out = []
    number = 1
    for day in range(n_per_topic):
        for topic, (category, vocab) in TOPICS.items():
            words = vocab.split()
            title = " ".join(rng.sample(words, 4)).capitalize()
            abstract = " ".join(rng.choice(words) if rng.random() < 0.7 else rng.choice(shared) for _ in range(60))
            out.append(ServedPaper(f"2612.{number:05d}", 1, f"{title} ({topic} {number})", b"", abstract=abstract,
                                   authors=[f"Author {topic.title()}"], category=category,
                                   published=f"2026-11-{1 + day % 28:02d}T{10 + number % 10:02d}:00:00Z"))
            number += 1
    return out


@pytest.fixture
def listing(lib, tmp_path) -> ArxivServer:
    server = ArxivServer().start()
    server.listed = synthetic()
    for paper in server.listed:
        server.papers[paper.arxiv_id] = paper
    (lib.home / "paperlab.toml").write_text(TEST_SETTINGS.format(api=server.api_url) + "feed_page_size = 5\n")
    yield server
    server.stop()


def db_rows(lib, sql: str) -> list[tuple]:
    con = sqlite3.connect(lib.db_path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


ALL = ("--category", "cs.LG", "--category", "cs.CV", "--category", "cs.CL", "--since", "2026-11-01",
       "--until", "2026-11-30")


# --- pull ------------------------------------------------------------------------------------


def test_pull_pages_through_a_listing_oldest_first(lib, listing, cli) -> None:
    r = cli("feed", "pull", *ALL)
    assert r.exit_code == 0, r.stderr
    assert "36 new candidate(s), 36 embedded" in r.stdout
    asked = listing.api_requests()
    assert [int(q.query["start"][0]) for q in asked] == list(range(0, 40, 5))
    first = asked[0].query
    assert first["sortBy"] == ["submittedDate"] and first["sortOrder"] == ["ascending"]
    assert first["max_results"] == ["5"]
    assert "(cat:cs.CL OR cat:cs.CV OR cat:cs.LG) AND " in first["search_query"][0]
    assert "submittedDate:[202611010000 TO 202611302359]" in first["search_query"][0]
    assert db_rows(lib, "SELECT count(*) FROM candidates") == [(36,)]
    assert db_rows(lib, "SELECT count(*) FROM feed_pulls WHERE finished_at IS NOT NULL") == [(1,)]


def test_a_second_pull_starts_where_the_first_ended_and_keeps_one_row_per_paper(lib, listing, cli) -> None:
    cli("feed", "pull", "--category", "cs.LG", "--since", "2026-11-01", "--until", "2026-11-05")
    listing.listed.append(ServedPaper("2612.00001", 3, "A newer version", b"", category="cs.LG",
                                      published="2026-11-20T10:00:00Z"))
    listing.requests.clear()
    r = cli("feed", "pull", "--category", "cs.LG")
    assert r.exit_code == 0, r.stderr
    query = listing.api_requests()[0].query["search_query"][0]
    assert "submittedDate:[202611052359 TO " in query  # from where the last pull of cs.LG ended
    assert db_rows(lib, "SELECT version, title FROM candidates WHERE arxiv_id = '2612.00001'") == \
        [(3, "A newer version")]
    # an older version listed again never replaces the newer one
    listing.listed.append(ServedPaper("2612.00001", 1, "Old", b"", category="cs.LG", published="2026-11-21T10:00:00Z"))
    cli("feed", "pull", "--category", "cs.LG", "--since", "2026-11-20", "--until", "2026-11-30")
    assert db_rows(lib, "SELECT version FROM candidates WHERE arxiv_id = '2612.00001'") == [(3,)]


def test_server_errors_are_retried_and_an_empty_page_is_asked_again(lib, listing, cli) -> None:
    listing.faults["api"].extend(["500", "emptypage"])
    r = cli("feed", "pull", *ALL)
    assert r.exit_code == 0, r.stderr
    assert db_rows(lib, "SELECT count(*) FROM candidates") == [(36,)]


def test_a_network_failure_mid_pull_keeps_the_pages_read_and_the_next_pull_continues(lib, listing, cli) -> None:
    listing.faults["api"].extend([None, None, "500", "500", "500"])  # page 3 fails 3 times (2 retries)
    r = cli("feed", "pull", *ALL)
    assert r.exit_code == 4
    error = r.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: arXiv did not answer: HTTP 500")
    assert "kept what it had read (10 of 36 papers listed, 10 new)" in error
    assert "run `paperlab feed pull` again to continue" in error
    assert db_rows(lib, "SELECT count(*) FROM candidates") == [(10,)]
    listing.requests.clear()
    r = cli("feed", "pull", *ALL[:6])  # same categories, no dates: the interrupted pull first
    assert r.exit_code == 0, r.stderr
    assert "Finished the interrupted pull of 2026-11-01..2026-11-30" in r.stderr
    assert int(listing.api_requests()[0].query["start"][0]) == 10
    assert db_rows(lib, "SELECT count(*) FROM candidates") == [(36,)]


@pytest.mark.parametrize("point", ["feed:page-stored#3", "feed:embedded#1"])
def test_a_pull_killed_mid_write_leaves_whole_pages_and_the_next_pull_finishes(lib, listing, point) -> None:
    marker = lib.home.parent / "reached"
    env = {**os.environ, FAILPOINT: point, f"{FAILPOINT}_FILE": str(marker)}
    proc = subprocess.Popen([sys.executable, "-m", "paperlab", "--home", str(lib.home), "feed", "pull", *ALL],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read().decode()[-400:] if proc.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    (count,), = db_rows(lib, "SELECT count(*) FROM candidates")
    (progress,), = db_rows(lib, "SELECT next_start FROM feed_pulls")
    assert count == progress and (count % 5 == 0 or count == 36)  # whole pages; the progress says how many
    if point.startswith("feed:embedded"):
        assert db_rows(lib, "SELECT count(*) FROM embeddings") == [(32,)]  # one batch of 32 stored
    assert db_rows(lib, "PRAGMA integrity_check") == [("ok",)]
    done = subprocess.run([sys.executable, "-m", "paperlab", "--home", str(lib.home), "feed", "pull", *ALL[:6]],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert db_rows(lib, "SELECT count(*) FROM candidates") == [(36,)]
    assert db_rows(lib, "SELECT count(*) FROM embeddings") == [(36,)]


def test_pull_errors_are_one_line(lib, listing, cli) -> None:
    r = cli("feed", "pull", "--category", "cs.XX")
    assert r.exit_code == 2 and r.stderr.startswith("Error: 'cs.XX' is not an arXiv category")
    r = cli("feed", "pull", "--category", "cs.lg", "--since", "2026-11-05", "--until", "2026-11-01")
    assert r.exit_code == 2 and "--since 2026-11-05 is after --until 2026-11-01" in r.stderr
    r = cli("feed", "pull")  # no category given and no arXiv paper in the library
    assert r.exit_code == 2 and "pass --category" in r.stderr
    assert "Traceback" not in r.stderr


# --- ranking ---------------------------------------------------------------------------------


@pytest.fixture
def pulled(lib, listing, cli) -> ArxivServer:
    assert cli("feed", "pull", *ALL).exit_code == 0
    return listing


def topic_of(title: str) -> str:
    return title.rsplit("(", 1)[1].split()[0]


def test_the_feed_ranks_what_is_like_the_papers_added_from_it(lib, pulled, cli) -> None:
    for arxiv_id in ("2612.00001", "2612.00004"):  # two rl papers
        r = cli("feed", "add", arxiv_id, "--no-pdf")
        assert r.exit_code == 0, r.stderr
    r = cli("feed", "--json", "-k", "10")
    assert r.exit_code == 0, r.stderr
    ranked = json.loads(r.stdout)
    assert [x["rank"] for x in ranked] == list(range(1, 11))
    assert {"id", "title", "score", "why"} <= set(ranked[0])
    assert all(topic_of(x["title"]) == "rl" for x in ranked[:8])
    assert not {"2612.00001", "2612.00004"} & {x["id"] for x in ranked}  # in the library now
    assert ranked[0]["score"] >= ranked[-1]["score"]
    liked_titles = {p.title for p in pulled.listed if p.arxiv_id in ("2612.00001", "2612.00004")}
    assert any(c["title"] in liked_titles for c in ranked[0]["closest"])
    assert ranked[0]["why"].startswith("close to ")
    assert "words: " in ranked[0]["why"]
    abstract = next(p.abstract for p in pulled.listed if p.arxiv_id == ranked[0]["id"])
    assert set(ranked[0]["words"]) <= set(terms.features(ranked[0]["title"], abstract))  # its own words


def test_features_an_earlier_version_stored_are_computed_again(lib, pulled, cli) -> None:
    """Candidates pulled before feed.terms changed rank with today's features, stored once."""
    import numpy as np

    old = terms.hashed(["word"])
    old_blob = old[0].astype("<u4").tobytes() + old[1].astype("<u2").tobytes()  # the unmarked layout
    lib.db.execute("UPDATE candidates SET terms = ?", [old_blob])
    lib.db.conn.commit()
    cli("feed", "add", "2612.00001", "--no-pdf")
    assert cli("feed", "--json").exit_code == 0
    rows = db_rows(lib, "SELECT title, abstract, authors, terms FROM candidates")
    assert rows and all(terms.current(r[3]) for r in rows)
    title, abstract, authors, blob = rows[0]
    ids, counts = terms.unpack(blob)
    want = terms.hashed(terms.features(title, abstract, json.loads(authors)))
    assert np.array_equal(ids, want[0]) and np.array_equal(counts, want[1])
    with pytest.raises(ValueError):
        terms.unpack(old_blob)


def test_not_interested_hides_a_paper_and_lowers_its_like(lib, pulled, cli) -> None:
    cli("feed", "add", "2612.00001", "--no-pdf")
    before = json.loads(cli("feed", "--json", "-k", "40").stdout)
    top = before[0]["id"]
    r = cli("feed", "no", top)
    assert r.exit_code == 0 and "not interested" in r.stdout
    assert "already marked" in cli("feed", "no", top).stdout
    after = json.loads(cli("feed", "--json", "-k", "40").stdout)
    assert top not in {x["id"] for x in after} and len(after) == len(before) - 1
    assert cli("feed", "no", "2612.00001").exit_code == 2  # in the library: rate it instead
    assert cli("feed", "no", "2612.99999").exit_code == 3


def test_a_tag_ranks_for_its_topic(lib, pulled, cli) -> None:
    cli("feed", "add", "2612.00002", "--no-pdf", "--tag", "vision")  # a vision paper
    cli("feed", "add", "2612.00001", "--no-pdf")  # an rl paper, untagged
    ranked = json.loads(cli("feed", "--tag", "vision", "--json", "-k", "5").stdout)
    assert all(topic_of(x["title"]) == "vision" for x in ranked)
    r = cli("feed", "--tag", "nope")
    assert r.exit_code == 2 and "no item is tagged 'nope'; the tags in the library: vision" in r.stderr


def test_the_feed_says_how_to_teach_it(lib, pulled, cli) -> None:
    r = cli("feed")
    assert r.exit_code == 2
    assert "nothing to learn from" in r.stderr and "paperlab rate ID 8" in r.stderr and "feed add" in r.stderr


def test_the_feed_without_candidates_says_to_pull(lib, cli) -> None:
    r = cli("feed")
    assert r.exit_code == 2 and "paperlab feed pull" in r.stderr


def test_the_table_says_how_many_more_and_the_digest_is_markdown(lib, pulled, cli) -> None:
    cli("feed", "add", "2612.00003", "--no-pdf")  # a language paper
    r = cli("feed", "-k", "3")
    assert r.exit_code == 0, r.stderr
    assert "3 of 35 new papers" in r.stdout and "32 more below" in r.stdout
    md = cli("feed", "--markdown", "-k", "3").stdout
    assert md.startswith("## New this week for you (2026-11-06 to 2026-11-12)")
    assert md.count("\n1. **[") == 1 and "(https://arxiv.org/abs/2612." in md and "   - Why: close to " in md


# --- the ranker on its own -------------------------------------------------------------------


def test_the_ranker_puts_papers_like_the_liked_first_and_learns_from_the_disliked() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(2, 32))
    vocab = {0: [f"alpha{i}" for i in range(30)], 1: [f"beta{i}" for i in range(30)]}

    def docs(centre: int, n: int) -> rank.Docs:
        v = centres[centre] + 0.6 * rng.normal(size=(n, 32))
        v = (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)
        texts = [" ".join(rng.choice(vocab[centre], 3)) for _ in range(n)]
        return rank.Docs(v, [terms.hashed(terms.features(t, t)) for t in texts])

    candidates = rank.Docs.joined(docs(0, 20), docs(1, 20))
    background = rank.Docs.joined(docs(0, 40), docs(1, 40))
    scored = rank.score(candidates, docs(0, 5), background)
    assert set(np.argsort(-scored.scores)[:20]) == set(range(20))
    assert rank.top_words("alpha1 alpha2", "alpha1", scored.word_weight)[0].startswith("alpha")
    assert rank.top_words("beta1 beta2", "beta1", scored.word_weight) == []  # nothing liked in it
    # liked in both topics, but many of one turned down: the other comes first
    both = rank.score(candidates, rank.Docs.joined(docs(0, 3), docs(1, 3)), background, docs(1, 10))
    assert both.scores[:20].mean() > both.scores[20:].mean()


def test_lbfgs_finds_the_minimum_of_a_quadratic() -> None:
    a = np.diag(np.arange(1.0, 11.0))
    b = np.ones(10)
    found = rank.lbfgs(lambda t: (0.5 * t @ a @ t - b @ t, a @ t - b), np.zeros(10), tol=1e-8, ftol=1e-14)
    assert np.allclose(found, np.linalg.solve(a, b), atol=1e-5)


@pytest.mark.parametrize("background", [0, 3])
def test_the_background_setting_bounds_what_the_ranker_learns_against(lib, pulled, cli, background) -> None:
    with (lib.home / "paperlab.toml").open("a") as fh:
        fh.write(f"feed_background = {background}\n")
    cli("feed", "add", "2612.00001", "--no-pdf")
    ranked = json.loads(cli("feed", "--json", "-k", "5", "--since", "2026-11-06").stdout)
    assert len(ranked) == 5 and topic_of(ranked[0]["title"]) == "rl"
