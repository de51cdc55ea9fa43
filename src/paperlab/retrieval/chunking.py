"""Cut a document into overlapping chunks that fit the embedding model. Pure: no third-party imports.

Lengths are counted in the model's own word pieces (a tokenizer's character spans are passed in), not
in words: a 200-word chunk of a paper is often over 256 word pieces and would be cut silently.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Spans = list[tuple[int, int]]
SpanFn = Callable[[str], Spans]

SPECIAL_TOKENS = 2  # [CLS] and [SEP]


@dataclass
class Piece:
    """A chunk before it has an id: character range in the joined text plus location."""

    text: str
    page_start: int
    page_end: int
    section: str
    n_tokens: int


@dataclass
class Document:
    text: str
    page_offsets: list[int]  # start offset of each page in `text`
    page_numbers: list[int]
    headings: list[tuple[int, str]]  # (offset, heading), sorted


def join_pages(pages: Sequence[tuple[int, str, Sequence[tuple[int, str]]]]) -> Document:
    """Join (page number, text, headings) into one text that remembers where each page starts."""
    parts: list[str] = []
    offsets: list[int] = []
    numbers: list[int] = []
    headings: list[tuple[int, str]] = []
    pos = 0
    for number, text, page_headings in pages:
        offsets.append(pos)
        numbers.append(number)
        headings.extend((pos + off, h) for off, h in page_headings)
        parts.append(text)
        pos += len(text) + 2
    return Document("\n\n".join(parts), offsets, numbers, sorted(headings))


_MD_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)


def markdown_document(text: str) -> Document:
    """A notes file as a document: one 'page' (number 0), Markdown headings as sections."""
    headings = [(m.start(), m.group(1)) for m in _MD_HEADING.finditer(text)]
    return Document(text, [0], [0], headings)


def _snap_end(text: str, spans: Spans, start: int, end: int) -> int:
    """Move a window end back to a sentence end, else to a word boundary, within reach."""
    floor = start + max(1, (end - start) * 3 // 4)
    for j in range(end - 1, floor - 1, -1):
        if text[spans[j][0]:spans[j][1]] in {".", "?", "!"}:
            return j + 1
    for j in range(end, floor, -1):
        # a piece that starts right where the previous ended continues the same word
        if j >= len(spans) or spans[j][0] > spans[j - 1][1]:
            return j
    return end


def chunk(doc: Document, spans_fn: SpanFn, max_tokens: int = 256, overlap: int = 32) -> list[Piece]:
    text = doc.text
    spans = spans_fn(text)
    if not spans:
        return []
    budget = max(8, max_tokens - SPECIAL_TOKENS)
    overlap = min(overlap, budget // 2)
    heading_offsets = [h[0] for h in doc.headings]
    pieces: list[Piece] = []
    start = 0
    while start < len(spans):
        end = min(start + budget, len(spans))
        if end < len(spans):
            end = _snap_end(text, spans, start, end)
        a, b = spans[start][0], spans[end - 1][1]
        h = bisect_right(heading_offsets, a) - 1
        # a heading inside the first part of the chunk names it better than the one before
        nxt = h + 1
        if nxt < len(heading_offsets) and heading_offsets[nxt] < a + (b - a) // 4:
            h = nxt
        pieces.append(Piece(
            text=text[a:b].strip(),
            page_start=doc.page_numbers[bisect_right(doc.page_offsets, a) - 1],
            page_end=doc.page_numbers[bisect_right(doc.page_offsets, max(a, b - 1)) - 1],
            section=doc.headings[h][1] if h >= 0 else "",
            n_tokens=end - start,
        ))
        if end >= len(spans):
            break
        start = max(end - overlap, start + 1)
    return pieces
