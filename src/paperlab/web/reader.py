"""The reader's page: a PDF page rendered by PyMuPDF, and where a cited passage lies on it.

The passage's text comes from the index (the chunk's best sentence for the query, as search chose
it); its place on the page comes from the page's own words: the longest run of the page's words
that the sentence's words follow in order. Hyphenation, ligatures and the index's clean-up change a
few words, not the run, so the boxes are found without matching characters exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from paperlab.errors import NotFound, PaperlabError

ZOOM = 1.5  # 108 dpi: a page fills a laptop's window width
_WORD = re.compile(r"[^\W_]+")


@dataclass
class Box:
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Page:
    number: int  # 1-based
    count: int
    width: float  # in PDF points: the boxes' coordinates
    height: float


def _open(pdf: Path):  # type: ignore[no-untyped-def]
    import pymupdf

    if not pdf.exists():
        raise NotFound("this item has no PDF in the library")
    try:
        return pymupdf.open(pdf)
    except Exception as exc:  # a damaged file: say so, as `paperlab index` does
        raise PaperlabError(f"cannot open the PDF ({exc}); `paperlab doctor` checks the library") from exc


def page_info(pdf: Path, number: int, sentence: str = "") -> tuple[Page, list[Box]]:
    """The page's size, and the boxes of `sentence` on it (see passage_boxes), the PDF opened once."""
    with _open(pdf) as doc:
        if not 1 <= number <= doc.page_count:
            raise NotFound(f"page {number} does not exist; the PDF has {doc.page_count} pages")
        page = doc[number - 1]
        rect = page.rect
        return Page(number, doc.page_count, rect.width, rect.height), _boxes(page, sentence)


def render_png(pdf: Path, number: int, zoom: float = ZOOM) -> bytes:
    import pymupdf

    with _open(pdf) as doc:
        if not 1 <= number <= doc.page_count:
            raise NotFound(f"page {number} does not exist; the PDF has {doc.page_count} pages")
        pix = doc[number - 1].get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
        return bytes(pix.tobytes("png"))


def tokens(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def passage_boxes(pdf: Path, number: int, sentence: str) -> list[Box]:
    """The boxes (one per line) of the page's words that `sentence` follows, or none when fewer than
    half of its words (and fewer than three) are found there in order."""
    with _open(pdf) as doc:
        return _boxes(doc[number - 1], sentence) if 1 <= number <= doc.page_count else []


def _boxes(page, sentence: str) -> list[Box]:  # type: ignore[no-untyped-def]
    wanted = tokens(sentence)
    if not wanted:
        return []
    words = page.get_text("words")  # in the PDF's own order: columns kept whole
    # each page word may hold several tokens ("x-ray", "1.5"): one entry per token, with the words it
    # came from; a word hyphenated at a line's end ("differe-" + "nt") is one token from both words
    flat: list[tuple[str, tuple[int, ...]]] = []
    i = 0
    while i < len(words):
        text, owners = words[i][4], (i,)  # type: tuple[str, tuple[int, ...]]
        if text.endswith("-") and i + 1 < len(words) and words[i + 1][5:7] != words[i][5:7]:
            text, owners = text[:-1] + words[i + 1][4], (i, i + 1)
        flat.extend((t, owners) for t in tokens(text))
        i += len(owners)
    matcher = SequenceMatcher(None, [t for t, _ in flat], wanted, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if not blocks:
        return []
    # the densest stretch: blocks in order whose page positions stay within the sentence's length
    best: list = []
    for start in range(len(blocks)):
        run = [blocks[start]]
        for b in blocks[start + 1:]:
            if b.a - run[0].a > 2 * len(wanted) + 10:
                break
            run.append(b)
        if sum(b.size for b in run) > sum(b.size for b in best):
            best = run
    found = sum(b.size for b in best)
    if found < min(3, len(wanted)) or found < len(wanted) / 2:
        return []
    chosen = sorted({w for b in best for k in range(b.size) for w in flat[b.a + k][1]})
    lines: dict[tuple[int, int], Box] = {}
    for i in chosen:
        x0, y0, x1, y1, _text, block, line = words[i][:7]
        box = lines.get((block, line))
        if box is None:
            lines[(block, line)] = Box(x0, y0, x1, y1)
        else:
            box.x0, box.y0, box.x1, box.y1 = min(box.x0, x0), min(box.y0, y0), max(box.x1, x1), max(box.y1, y1)
    return list(lines.values())
