"""Cut a document into chunks that follow its structure and fit the embedding model. Pure: no
third-party imports.

A chunk never mixes zones (the body and the reference list are chunked apart; a reference list
whose heading was not found is told by its text, `reference_lists`), except that the title block
(title, authors) is chunked with the abstract: alone, its few words of pure topic outranked the
passage that answers a question about the paper. A chunk ends at a paragraph break when one lies in
its second half (the next chunk then starts there, with no overlap), else at a sentence end, and
overlaps the next by `overlap` word pieces. Its section is the heading it falls under, carried
across pages, or one inside its first quarter (at most 48 word pieces).

Two ideas were measured on the real-paper questions of `make bench` and left out: embedding each
chunk with its title and section as context (`bench/context_eval.py`; the figures are in the
docs/benchmarks.md), and cutting at every section heading (MRR@10 0.82 against 0.86 when only zones cut, at the
time: many small chunks).

Lengths are counted in the model's own word pieces (a tokenizer's character spans are passed in), not
in words: a 200-word chunk of a paper is often over 256 word pieces and would be cut silently.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from paperlab.retrieval.layout import ListText

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
    zone: str = "body"
    page_breaks: tuple[tuple[int, int], ...] = ()  # (offset in `text`, the page that starts there)


@dataclass
class Document:
    text: str
    page_offsets: list[int]  # start offset of each page in `text`
    page_numbers: list[int]
    headings: list[tuple[int, str, str]]  # (offset, section label, zone), sorted
    by_section: bool = False  # cut at every heading that follows some text (notes)


def join_pages(pages: Sequence[tuple[int, str, Sequence[tuple[int, str, str]]]]) -> Document:
    """Join (page number, text, headings) into one text that remembers where each page starts."""
    parts: list[str] = []
    offsets: list[int] = []
    numbers: list[int] = []
    headings: list[tuple[int, str, str]] = []
    pos = 0
    for number, text, page_headings in pages:
        offsets.append(pos)
        numbers.append(number)
        headings.extend((pos + off, label, zone) for off, label, zone in page_headings)
        parts.append(text)
        pos += len(text) + 2
    return Document("\n\n".join(parts), offsets, numbers, sorted(headings))


_MD_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)


def markdown_document(text: str) -> Document:
    """A notes file as a document: one 'page' (number 0), Markdown headings as sections, each its
    own chunk (with any empty sections before it): a dated entry is one thought, and adding one
    re-embeds only that entry."""
    headings = [(m.start(), m.group(1), "body") for m in _MD_HEADING.finditer(text)]
    return Document(text, [0], [0], headings, by_section=True)


_PARAGRAPH = re.compile(r"\n\n+")
_AHEAD = 700  # characters: about 100 words, room for 3-7 entries of a reference list


def reference_lists(doc: Document) -> list[tuple[int, int]]:
    """(start, end) of each reference list in the body or appendix, told by its text where its
    heading was not found: from the first paragraph that is not prose and whose next 100 words are a
    list (`layout.ListText.is_list`), to the next heading, or the first paragraph after which neither
    the next nor the last 100 words are a list, or which is prose followed by no list. Prose: six
    words or more, mostly in lower case (an entry's author line is mostly capitalised names), and no
    entry in it."""
    text, lists = doc.text, []
    judge = ListText(text)
    starts = [0] + [m.end() for m in _PARAGRAPH.finditer(text)]
    offsets = [h[0] for h in doc.headings]
    begun = -1
    for i, a in enumerate(starts):
        h = bisect_right(offsets, a) - 1
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        words = text[a:end].split()
        prose = len(words) >= 6 and sum(w[:1].isupper() for w in words) < 0.45 * len(words) \
            and not judge.is_list(a, end, at_least=1)
        # the windows stay inside the section: a list does not start in the one before its heading
        section_start = offsets[h] if h >= 0 else 0
        section_end = offsets[h + 1] if h + 1 < len(offsets) else len(text)
        ahead = judge.is_list(a, min(a + _AHEAD, section_end))
        if begun >= 0 and (section_start > begun or not ahead and (
                prose or not judge.is_list(max(section_start, end - _AHEAD), end))):
            lists.append((begun, min(a, section_start) if section_start > begun else a))
            begun = -1
        open_zone = (doc.headings[h][2] if h >= 0 else "body") in ("body", "appendix")
        if begun < 0 and ahead and not prose and open_zone:
            begun = a
    if begun >= 0:
        lists.append((begun, len(text)))
    return lists


def _with_reference_lists(doc: Document) -> Document:
    """The document with a heading where each reference list found by its text starts, and one where
    it ends (unless a heading of the paper's own ends it) that goes back to the section it interrupted."""
    found = reference_lists(doc)
    if not found:
        return doc
    offsets = [h[0] for h in doc.headings]
    added = []
    for start, end in found:
        before = bisect_right(offsets, start) - 1
        label, zone = (doc.headings[before][1], doc.headings[before][2]) if before >= 0 else ("", "body")
        added.append((start, "References", "references"))  # in place of a heading found at its start
        if end < len(doc.text) and end not in offsets:
            added.append((end, label, zone))
    replaced = {start for start, _ in found}
    return replace(doc, headings=sorted([h for h in doc.headings if h[0] not in replaced] + added))


def _snap_end(text: str, spans: Spans, start: int, end: int, pages: set[int]) -> tuple[int, bool]:
    """Move a window end back to a paragraph break in its second half (a page break is not one),
    else to a sentence end, else to a word boundary, within reach; and whether it is a paragraph
    break."""
    for j in range(end - 1, start + max(1, (end - start) // 2), -1):
        if "\n\n" in text[spans[j - 1][1]:spans[j][0]] and spans[j][0] not in pages:
            return j, True
    floor = start + max(1, (end - start) * 3 // 4)
    for j in range(end - 1, floor - 1, -1):
        if text[spans[j][0]:spans[j][1]] in {".", "?", "!"}:
            return j + 1, False
    for j in range(end, floor, -1):
        # a piece that starts right where the previous ended continues the same word
        if j >= len(spans) or spans[j][0] > spans[j - 1][1]:
            return j, False
    return end, False


def _zones(doc: Document, spans: Spans) -> list[tuple[int, int]]:
    """(first token, end token) of each run of one zone (the title block and the abstract count as
    one): a chunk never mixes body and references."""
    starts = [s for s, _ in spans]
    zones = [{"front": "abstract"}.get(zone, zone) for _, _, zone in doc.headings]
    cuts = [0] + [bisect_left(starts, offset) for h, (offset, _, _) in enumerate(doc.headings)
                  if h and (zones[h] != zones[h - 1] or doc.by_section and _has_text(doc, h - 1))]
    bounds = [*sorted(set(cuts)), len(spans)]
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def _has_text(doc: Document, h: int) -> bool:
    """Whether heading h has text under it before the next heading."""
    start = doc.text.find("\n", doc.headings[h][0])
    end = doc.headings[h + 1][0] if h + 1 < len(doc.headings) else len(doc.text)
    return start != -1 and bool(doc.text[start:end].strip())


def _zone(doc: Document, h: int) -> str:
    return doc.headings[h][2] if h >= 0 else "body"


def chunk(doc: Document, spans_fn: SpanFn, max_tokens: int = 256, overlap: int = 32) -> list[Piece]:
    if not doc.by_section:  # a paper, not notes
        doc = _with_reference_lists(doc)
    text = doc.text
    spans = spans_fn(text)
    if not spans:
        return []
    heading_offsets = [h[0] for h in doc.headings]
    pieces: list[Piece] = []
    budget = max(8, max_tokens - SPECIAL_TOKENS)
    page_starts = set(doc.page_offsets)
    for first, last in _zones(doc, spans):
        start = first
        while start < last:
            a = spans[start][0]
            end = min(start + budget, last)
            at_paragraph = False
            if end < last:
                end, at_paragraph = _snap_end(text, spans, start, end, page_starts)
            b = spans[end - 1][1]
            # the section is the heading at or before the chunk, or one inside its first part
            h = bisect_right(heading_offsets, a) - 1
            reach = min(spans[min(start + 48, end - 1)][0], a + (b - a) // 4)
            while h + 1 < len(heading_offsets) and heading_offsets[h + 1] < reach:
                h += 1
            # headings with nothing under them ("# Title", "## Notes") label no text: the chunk's
            # section is the first heading inside it that has some
            while 0 <= h < len(heading_offsets) - 1 and heading_offsets[h + 1] < b and not _has_text(doc, h):
                h += 1
            section = doc.headings[h][1] if h >= 0 else ""
            lead = len(text[a:b]) - len(text[a:b].lstrip())
            pieces.append(Piece(
                text=text[a:b].strip(),
                page_start=doc.page_numbers[bisect_right(doc.page_offsets, a) - 1],
                page_end=doc.page_numbers[bisect_right(doc.page_offsets, max(a, b - 1)) - 1],
                section=section, n_tokens=end - start, zone=_zone(doc, h),
                page_breaks=tuple((offset - a - lead, doc.page_numbers[j])
                                  for j, offset in enumerate(doc.page_offsets) if a + lead < offset < b),
            ))
            if end >= last:
                break
            start = end if at_paragraph else max(end - min(overlap, budget // 2), start + 1)
    return pieces
