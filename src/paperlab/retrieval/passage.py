"""Where in a found passage the answer lies: the sentence that holds the most of the query's weight
(each word weighs its rarity in the library), shown with its neighbours, and the page it is on.

A chunk is about 250 word pieces and often spans a page break; a search cites the page of its best
sentence when the chunk says where its pages start (chunks.page_breaks, written since chunker
layout-10), and no single page when it cannot tell (no query word in the passage, or a chunk
written before). Pure: no third-party imports.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# a sentence ends at . ! or ? before a capital, a digit or an opening bracket, at a paragraph break,
# and (in notes) before a Markdown heading or list item
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n|\n(?=[ \t]*(?:#{1,6}|[-*+])\s)")
_MARKUP = re.compile(r"(?m)^[ \t]*(?:#{1,6}|[-*+])[ \t]+")  # heading and list marks, not shown
# abbreviations a paper's sentences go on after ("Fig. 2", "et al. (2019)", "e.g. Adam")
_ABBREVIATION = re.compile(r"(?:\b(?:figs?|eqs?|secs?|tabs?|al|e\.g|i\.e|cf|vs|resp|approx|refs?|alg|app|ch"
                           r"|no|nos|vol|pp?)|\b[A-Z])\.$", re.IGNORECASE)
NEIGHBOUR = 0.25  # a query word found only in the sentences either side counts a quarter
SENTENCE_WORDS = 25
LENGTH_B = 0.75  # a query word found only in the sentences either side counts half


@dataclass
class Located:
    page: int | None  # None: the passage does not say which of its pages
    snippet: str
    score: float  # the weight of the query words the best sentence (and its neighbours) holds
    sentence: str = ""  # that sentence alone, markup removed ("" when no sentence holds a query word)


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, blank ones left out."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if "\n" not in m.group() and _ABBREVIATION.search(text, max(0, m.start() - 8), m.start()):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def stem(term: str) -> str:
    """A query word as it may begin a word of the text, with any ending ("layer" finds "layers",
    "normalization" finds "normalizing"): words of six letters or more lose their last two."""
    return term[:-2] if len(term) >= 6 and term.isalpha() else term


@lru_cache(maxsize=64)
def _query(terms: tuple[str, ...]) -> tuple[re.Pattern[str], dict[str, frozenset[int]]] | None:
    """One pattern for all the query's words at a word start, longest first, and for each stem it
    matches, the query words (their indexes) that stem holds: "normaliz" holds "norm" too."""
    stems = tuple(stem(t).lower() for t in terms)
    if not any(stems):
        return None
    order = sorted({s for s in stems if s}, key=len, reverse=True)
    holds = {word: frozenset(i for i, x in enumerate(stems) if x and word.startswith(x)) for word in order}
    return re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, order)) + ")", re.IGNORECASE), holds


def _found(text: str, spans: list[tuple[int, int]],
           query: tuple[re.Pattern[str], dict[str, frozenset[int]]]) -> list[set[int]]:
    """The query words (their indexes) each sentence holds: one scan of the text."""
    pattern, holds = query
    starts = [a for a, _ in spans]
    found: list[set[int]] = [set() for _ in spans]
    for m in pattern.finditer(text):
        s = bisect_right(starts, m.start()) - 1
        if s < 0 or m.start() >= spans[s][1]:
            continue
        found[s] |= holds.get(m.group().lower(), frozenset())  # (a case folding lower() does not make)
    return found


def parse_breaks(value: str) -> list[tuple[int, int]]:
    out = []
    for pair in value.split():
        offset, _, page = pair.partition(":")
        if offset.isdigit() and page.isdigit():
            out.append((int(offset), int(page)))
    return out


def page_at(row: Mapping[str, Any], offset: int) -> int | None:
    """The page of a character of a chunk's text, or None when the chunk does not say."""
    if row["page_start"] == row["page_end"]:
        return int(row["page_start"])
    breaks = parse_breaks(row.get("page_breaks") or "")
    if not breaks:
        return None
    i = bisect_right([o for o, _ in breaks], offset) - 1
    return int(row["page_start"]) if i < 0 else breaks[i][1]


def locate(rows: Sequence[Mapping[str, Any]], terms: Sequence[str], weights: Sequence[float],
           width: int = 240) -> Located:
    """The best sentence of a passage's chunks (rows of chunk_details, in reading order) for these
    query words and their weights, with its page and a snippet of about `width` characters."""
    query = _query(tuple(terms))
    best: tuple[float, int, int] | None = None  # (score, row, sentence)
    cut = [sentences(row["text"]) for row in rows]
    for r, (row, spans) in enumerate(zip(rows, cut, strict=True)):
        if query is None:
            break
        found = _found(row["text"], spans, query)
        for s, own in enumerate(found):
            if not own:
                continue  # the cited sentence holds a query word itself
            near = (found[s - 1] if s else set()) | (found[s + 1] if s + 1 < len(found) else set())
            # a long "sentence" (a table, a list) holds many words by chance: its own words are
            # weighed by its length as bm25 weighs a document's (b = LENGTH_B, against 25 words)
            a, b = spans[s]
            length = 1 - LENGTH_B + LENGTH_B * len(row["text"][a:b].split()) / SENTENCE_WORDS
            # summed in word order: sentences holding the same words score the same, to the last bit
            score = (sum(weights[i] for i in sorted(own)) / length
                     + NEIGHBOUR * sum(weights[i] for i in sorted(near - own)))
            if score > 0 and (best is None or score > best[0]):
                best = (score, r, s)
    if best is None or query is None:
        pages = {int(row["page_start"]) for row in rows} | {int(row["page_end"]) for row in rows}
        text = " ".join(_MARKUP.sub("", rows[0]["text"]).split())
        return Located(pages.pop() if len(pages) == 1 else None,
                       text[:width] + ("..." if len(text) > width else ""), 0.0)
    score, r, s = best
    row, spans = rows[r], cut[r]
    a, b = spans[s]
    return Located(page_at(row, a), _around(row["text"], spans, s, width, query[0]), score,
                   " ".join(_MARKUP.sub("", row["text"][a:b]).split()))


def _around(text: str, spans: list[tuple[int, int]], s: int, width: int, pattern: re.Pattern[str]) -> str:
    """Sentence s with as many of its neighbours as fit in `width` (the next one first); a sentence
    longer than that is cut to the window that starts a little before its first query word."""
    def flat(a: int, b: int) -> str:
        return " ".join(_MARKUP.sub("", text[a:b]).split())

    def heading(i: int) -> bool:  # a notes heading is not a neighbour: the result shows its section
        return text[spans[i][0]:spans[i][1]].lstrip().startswith("#")

    first = last = s
    while True:
        grown = False
        for nxt in ((first, last + 1), (first - 1, last)):
            added = nxt[1] if nxt[1] != last else nxt[0]
            if nxt[0] >= 0 and nxt[1] < len(spans) and not heading(added) \
                    and len(flat(spans[nxt[0]][0], spans[nxt[1]][1])) <= width:
                first, last = nxt
                grown = True
                break
        if not grown:
            break
    piece = flat(spans[first][0], spans[last][1])
    before = "..." if first > 0 else ""
    after = "..." if last + 1 < len(spans) else ""
    if len(piece) > width:
        hit = pattern.search(piece)
        start = max(0, (hit.start() if hit else 0) - width // 4)
        start = piece.rfind(" ", 0, start) + 1 if start else 0
        end = piece.rfind(" ", start, start + width)
        end = start + width if end <= start else end
        before = "..." if start else before
        after = "..." if end < len(piece) else after
        piece = piece[start:end]
    return before + piece + after
