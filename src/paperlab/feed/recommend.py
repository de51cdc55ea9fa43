"""`paperlab feed`: the candidates not in the library, ranked for the user, each with why.

What the ranker learns from (feed.rank.score):
- liked: with `--tag T`, the items tagged T; else the items rated 7 or more, and the unrated ones
  read, being read or added from the feed;
- disliked: papers marked "not interested" (`feed no`), items rated 4 or less, items abandoned;
- the background: the other candidates pulled (the `feed_background` most recent of them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from paperlab.errors import InvalidInput, PaperlabError
from paperlab.feed import rank, terms
from paperlab.models import Item
from paperlab.store import feed as store

if TYPE_CHECKING:
    import numpy as np

    from paperlab.library import Library

LIKED_RATING = 7
DISLIKED_RATING = 4
DIGEST_DAYS = 7


@dataclass
class Closest:
    id: str
    title: str
    similarity: float


@dataclass
class Recommendation:
    rank: int
    id: str  # the arXiv id, without version
    title: str
    score: float
    why: str
    closest: list[Closest] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    published: str = ""  # the day of its first version
    link: str = ""


@dataclass
class Feed:
    items: list[Recommendation]
    ranked: int  # candidates ranked (the shown ones included)
    liked: int
    disliked: int
    basis: str  # what "liked" meant
    since: str | None = None
    until: str | None = None

    @property
    def more(self) -> int:
        return self.ranked - len(self.items)


def _liked_and_disliked(lib: Library, tag: str | None) -> tuple[list[Item], list[Item], str]:
    from paperlab.store.items import list_items

    items = list_items(lib.db)
    from_feed = store.feed_added(lib.db)
    disliked = [i for i in items if (i.rating is not None and i.rating <= DISLIKED_RATING) or i.status == "abandoned"]
    if tag is not None:
        liked = [i for i in items if tag in i.tags]
        if not liked:
            tags = sorted({t for i in items for t in i.tags})
            raise InvalidInput(f"no item is tagged '{tag}'; " + (f"the tags in the library: {', '.join(tags)}"
                               if tags else "no item has a tag yet: add one with `paperlab tag ID +topic`"))
        basis = f"the {len(liked)} item(s) tagged '{tag}'"
        disliked = [i for i in disliked if tag not in i.tags]
    else:
        liked = [i for i in items if (i.rating is not None and i.rating >= LIKED_RATING) or (
            i.rating is None and (i.status in ("read", "reading") or i.id in from_feed))]
        if not liked:
            raise InvalidInput("the feed has nothing to learn from yet: rate papers you liked "
                               "(`paperlab rate ID 8`), tag them and use --tag, or add papers from the feed "
                               "(`paperlab feed add ID`)")
        basis = (f"the {len(liked)} item(s) you liked (rated {LIKED_RATING}+, or read, reading or added "
                 "from the feed)")
    return liked, disliked, basis


def _item_text(lib: Library, item: Item) -> str:
    """An item's title and abstract; without an abstract, the start of its indexed text."""
    if item.abstract.strip():
        return rank.document(item.title, item.abstract)
    return rank.document(item.title, store.first_text(lib.db, item.id)[:1500])


def _embedded(lib: Library, texts: list[str]) -> np.ndarray:
    """Unit vectors of `texts` with the library's model, from the stored ones where they exist; the
    others are embedded and stored."""
    import numpy as np

    from paperlab.feed.pull import embed_and_store

    model = lib.settings.embedding_model
    hashes = [store.content_hash(t) for t in texts]
    have = store.vectors_by_hash(lib.db, model, hashes)
    have.update(embed_and_store(lib, {h: t for h, t in zip(hashes, texts, strict=True) if h not in have}))
    return np.stack([np.frombuffer(have[h], dtype=np.float32) for h in hashes]) if hashes else np.zeros((0, 0))


def _docs(lib: Library, candidates: list[store.Candidate]) -> rank.Docs:
    import numpy as np

    model = lib.settings.embedding_model
    have = store.vectors_by_hash(lib.db, model, [c.content_hash for c in candidates])
    missing = [c for c in candidates if c.content_hash not in have]
    if missing:
        raise PaperlabError(f"{len(missing)} candidate(s) have no vector for '{model}'; run "
                            "`paperlab feed pull` to embed them")
    vectors = np.stack([np.frombuffer(have[c.content_hash], dtype=np.float32) for c in candidates]) \
        if candidates else np.zeros((0, 0), np.float32)
    return rank.Docs(vectors, [terms.unpack(c.terms) for c in candidates])


def _item_docs(lib: Library, items: list[Item]) -> rank.Docs:
    texts = [_item_text(lib, i) for i in items]
    vectors = _embedded(lib, texts)
    return rank.Docs(vectors, [terms.hashed(terms.features(i.title, t, i.authors)) for i, t in zip(items, texts,
                                                                                                   strict=True)])


def _short(title: str, width: int = 60) -> str:
    return title if len(title) <= width else title[: width - 1].rstrip() + "…"


def recommend(lib: Library, tag: str | None = None, k: int = 20, since: date | None = None,
              until: date | None = None, digest: bool = False) -> Feed:
    """The top `k` candidates first published in [since, until] (all when not given; for a digest,
    the last DIGEST_DAYS days of what was pulled), not in the library and not dismissed."""
    import numpy as np

    from paperlab.feed.pull import embed_candidates

    if store.candidate_count(lib.db) == 0:
        raise InvalidInput("no candidates yet: pull new papers first with `paperlab feed pull`")
    liked_items, disliked_items, basis = _liked_and_disliked(lib, tag)
    if digest and since is None:
        latest = store.latest_published(lib.db)
        until = until or (date.fromisoformat(latest[:10]) if latest else date.today())
        since = until - timedelta(days=DIGEST_DAYS - 1)
    low = since.isoformat() if since else None
    high = (until + timedelta(days=1)).isoformat() if until else None
    embed_candidates(lib)
    owned, dismissed = store.library_arxiv_ids(lib.db), store.dismissed(lib.db)
    pool = [c for c in store.candidates(lib.db, low, high) if c.arxiv_id not in owned and c.arxiv_id not in dismissed]
    if not pool:
        window = f" first published {low or '...'} to {until or '...'}" if low or high else ""
        raise InvalidInput(f"no new candidates{window} that are not already in the library or dismissed; "
                           "pull more with `paperlab feed pull`" + (" or widen --since/--until" if window else ""))
    dismissed_candidates = store.candidates(lib.db, ids=sorted(dismissed)) if dismissed else []
    limit = lib.settings.feed_background
    background = [c for c in store.background(lib.db, low, high, limit if limit > 0 else -1)  # not the liked
                  if c.arxiv_id not in dismissed and c.arxiv_id not in owned]  # nor the turned-down twice
    liked = _item_docs(lib, liked_items)
    disliked = rank.Docs.joined(_item_docs(lib, disliked_items), _docs(lib, dismissed_candidates))
    scored = rank.score(_docs(lib, pool), liked, _docs(lib, background), disliked)
    order = np.argsort(-scored.scores, kind="stable")[:k]
    out = []
    for n, i in enumerate(order, start=1):
        c = pool[i]
        closest = [Closest(liked_items[j].id, liked_items[j].title, round(float(s), 3))
                   for j, s in zip(scored.closest[i], scored.closest_sim[i], strict=False)]
        words = rank.top_words(c.title, c.abstract, scored.word_weight)
        why = "close to " + "; ".join(f"{_short(x.title, 50)} ({x.similarity:.2f})" for x in closest[:2])
        if words:
            why += "; words: " + ", ".join(words)
        out.append(Recommendation(n, c.arxiv_id, c.title, round(float(scored.scores[i]), 4), why, closest, words,
                                  c.authors, c.categories, c.published[:10], f"https://arxiv.org/abs/{c.arxiv_id}"))
    return Feed(out, len(pool), len(liked_items), len(disliked_items) + len(dismissed_candidates), basis, low,
                until.isoformat() if until else None)


def markdown(feed: Feed, today: date | None = None) -> str:
    """The digest, written the way a learner writes a weekly recap."""
    today = today or date.today()
    span = f"{feed.since or 'the start'} to {feed.until or today.isoformat()}"
    lines = [f"## New this week for you ({span})", "",
             f"{len(feed.items)} of {feed.ranked} new papers, ranked from {feed.basis}.", ""]
    for r in feed.items:
        authors = ", ".join(r.authors[:3]) + (" et al." if len(r.authors) > 3 else "")
        lines.append(f"{r.rank}. **[{r.title}]({r.link})** ({r.published}; {authors})")
        lines.append(f"   - Why: {r.why}")
    return "\n".join(lines) + "\n"


def record_added(lib: Library, item_id: str) -> None:
    """Note in the log that the item came from the feed (the feed counts it as liked)."""
    with lib.writing("feed add"):
        store.record_feed_add(lib.db, item_id)


def dismiss(lib: Library, ref: str) -> tuple[str, bool]:
    """`feed no ID`: the paper is not shown again and counts against papers like it. Returns the
    arXiv id and whether it was newly dismissed."""
    from paperlab.arxiv.ids import parse_arxiv_id
    from paperlab.errors import NotFound

    arxiv_id = parse_arxiv_id(ref).id
    if arxiv_id in store.library_arxiv_ids(lib.db):
        raise InvalidInput(f"{arxiv_id} is in your library; to teach the feed, rate it low "
                           f"(`paperlab rate {arxiv_id} 2`) or mark it abandoned")
    if not store.candidates(lib.db, ids=[arxiv_id]):
        raise NotFound(f"{arxiv_id} is not among the pulled candidates; `paperlab feed` lists them")
    with lib.writing("feed no"):
        return arxiv_id, store.dismiss(lib.db, arxiv_id)
