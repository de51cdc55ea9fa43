"""Text out of PDFs with PyMuPDF: validation, and per-page text in reading order.

Reading order comes from text blocks: a page is cut into horizontal bands at full-width blocks, and
inside a band the left column is read before the right one. Blocks are read with their spans' font
size and weight (`get_text("dict")`; the whole extraction costs about 1.8x plain `get_text()` on the
shared papers) so that paperlab.retrieval.layout can find headings and zones.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperlab.errors import PdfError
from paperlab.retrieval.figures import figure_boxes, in_figure
from paperlab.retrieval.frontmatter import LIGATURES, case_forms, in_capitals, smart_title
from paperlab.retrieval.layout import Block, Heading, Span, body_size, classify, is_bold, opens_paper, zone_after

_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")
_SPACES = re.compile(r"[ \t\u00a0]{2,}|[\t\u00a0]")  # what is not already one plain space
_BLANK_LINES = re.compile(r"\n{3,}")
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(r"\s*\d{1,4}\s*")
_ARXIV_STAMP = re.compile(
    r"^\s*arXiv:\s*\S+\s+\[[\w.\-]+\]\s+\d{1,2}\s+\w{3}\s+\d{4}\s*$", re.IGNORECASE
)
@dataclass
class PdfInfo:
    pages: int
    title: str


@dataclass
class PageText:
    number: int  # 1-based
    text: str
    # (char offset, section label, zone) where a heading opens a section; page 1 starts with one
    headings: list[tuple[int, str, str]] = field(default_factory=list)
    repaired: bool = False  # MuPDF had to repair the file: it is damaged, and pages may be missing


def open_pdf(path: Path):  # type: ignore[no-untyped-def]
    """The PDF opened with PyMuPDF, or a PdfError that says what is wrong with it (damaged, encrypted,
    no pages)."""
    from paperlab.retrieval import mupdf

    pymupdf = mupdf.load()

    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:  # PyMuPDF raises several types for damaged files
        raise PdfError(f"{path.name} cannot be opened as a PDF ({exc}); the file is damaged or "
                       "not a PDF") from exc
    if doc.needs_pass:
        doc.close()
        raise PdfError(f"{path.name} is encrypted with a password; save a decrypted copy and add that")
    if doc.page_count < 1:
        doc.close()
        raise PdfError(f"{path.name} has no readable pages (truncated or damaged); download it again")
    return doc


def check_header(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(1024)
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    if b"%PDF-" not in head:
        sniff = head[:200].lower()
        if b"<html" in sniff or b"<!doctype" in sniff:
            raise PdfError(f"{path.name} is an HTML page, not a PDF")
        raise PdfError(f"{path.name} is not a PDF (it does not start with %PDF-)")
    if b"%%EOF" not in tail:
        raise PdfError(f"{path.name} is truncated (no end-of-file marker); download it again")


def validate_pdf(path: Path) -> PdfInfo:
    """Raise PdfError unless `path` is a PDF that opens and has at least one page."""
    check_header(path)
    doc = open_pdf(path)
    try:
        title = (doc.metadata or {}).get("title") or ""
        return PdfInfo(pages=doc.page_count, title=title.strip())
    finally:
        doc.close()


def first_page_text(path: Path) -> str:
    doc = open_pdf(path)
    try:
        return str(doc[0].get_text("text"))
    finally:
        doc.close()


def clean_text(text: str) -> str:
    """Ligatures expanded, words split by an end-of-line hyphen joined, whitespace tidied."""
    text = text.translate(LIGATURES)
    if "\u00ad" in text:
        text = text.replace("\u00ad\n", "").replace("\u00ad", "")
    if "-\n" in text:
        text = _HYPHEN_BREAK.sub(r"\1\2", text)
    if "  " in text or "\t" in text or "\u00a0" in text:
        text = _SPACES.sub(" ", text)
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def _order_blocks(blocks: list[Block], width: float) -> list[Block]:
    """Reading order for one- and two-column pages."""
    mid = width / 2
    ordered: list[Block] = []
    band: list[Block] = []

    def flush() -> None:
        left = sorted((b for b in band if b.x0 < mid), key=lambda b: (b.y0, b.x0))
        right = sorted((b for b in band if b.x0 >= mid), key=lambda b: (b.y0, b.x0))
        ordered.extend(left + right)
        band.clear()

    for block in sorted(blocks, key=lambda b: (b.y0, b.x0)):
        if block.x0 < mid - 0.05 * width and block.x1 > mid + 0.05 * width:  # spans both columns
            flush()
            ordered.append(block)
        else:
            band.append(block)
    flush()
    return ordered


def _line_numbers(raws: list[dict[str, Any]]) -> set[tuple[int, int]]:
    """(block, line) of each of a review copy's line numbers (`lineno`) on a page: integers set in
    the page's outer margins, clear of all its text, that count up down the page in equal steps of
    1, 2, 5 or 10 (at least three on a side)."""
    numbers: list[tuple[int, int, tuple[float, ...], int]] = []
    left, right = float("inf"), float("-inf")
    for b, raw in enumerate(raws):
        for n, line in enumerate(raw["lines"]):
            text = "".join(s["text"] for s in line["spans"]).strip()
            if re.fullmatch(r"[0-9]{1,4}", text):  # not str.isdigit: it takes "284²", which int() refuses
                numbers.append((b, n, line["bbox"], int(text)))
            elif text:
                left, right = min(left, line["bbox"][0]), max(right, line["bbox"][2])
    dropped: set[tuple[int, int]] = set()
    for side in ([x for x in numbers if x[2][2] <= left + 1], [x for x in numbers if x[2][0] >= right - 1]):
        values = [value for *_, value in sorted(side, key=lambda x: x[2][1])]
        steps = {later - earlier for earlier, later in zip(values, values[1:], strict=False)}
        if len(values) >= 3 and len(steps) == 1 and steps <= {1, 2, 5, 10}:
            dropped.update((b, n) for b, n, _, _ in side)
    return dropped


def _first_words(raw: dict[str, Any]) -> str:
    """The start of a raw block's text: enough to tell a caption ("Figure 3:")."""
    return "".join(s["text"] for s in raw["lines"][0]["spans"]) if raw["lines"] else ""


def _page_blocks(page: Any, flags: int, figures: bool) -> list[Block]:
    blocks = []
    raws = [raw for raw in page.get_text("dict", flags=flags)["blocks"] if raw.get("type") == 0]
    if not figures and (boxes := figure_boxes(page, [(*raw["bbox"], _first_words(raw)) for raw in raws])):
        raws = [raw for raw in raws if not in_figure(raw["bbox"], boxes)]
    dropped = _line_numbers(raws)
    for b, raw in enumerate(raws):
        lines = [_spans(line["spans"]) for n, line in enumerate(raw["lines"]) if (b, n) not in dropped]
        x0, y0, x1, y1 = raw["bbox"]
        block = Block(x0, y0, x1, y1, lines)
        if block.text.strip():
            blocks.append(block)
    return blocks


_EXPONENT = re.compile(r"[−-]?\d{1,2}")


def _spans(raws: list[dict[str, Any]]) -> list[Span]:
    """A line's spans; a superscript number set against a number is its exponent, written "2^23"
    and "10^−4" (the text layer alone gives "223" and "10−4", and "104" for 10^4)."""
    out: list[Span] = []
    for s in raws:
        text = s["text"]
        if s["flags"] & 1 and out and out[-1].text[-1:].isdigit() and _EXPONENT.fullmatch(text):
            text = "^" + text
        out.append(Span(text, s["size"], is_bold(s["font"], s["flags"])))
    return out


def _normalise_repeat(line: str) -> str:
    return _DIGITS.sub("#", line.strip().lower())


def extract_pages(path: Path, figures: bool = True) -> list[PageText]:
    """Per-page text in reading order, cleaned, with the headings and zones found in the layout;
    without the text inside the captioned figures (retrieval.figures) when `figures` is False."""
    from paperlab.retrieval import mupdf

    pymupdf = mupdf.load()

    doc = open_pdf(path)
    flags = pymupdf.TEXT_DEHYPHENATE | pymupdf.TEXT_MEDIABOX_CLIP  # ligatures expanded by MuPDF
    raw_pages: list[list[Block]] = []
    try:
        for page in doc:
            ordered = _order_blocks(_page_blocks(page, flags, figures), page.rect.width)
            raw_pages.append([b for b in ordered if not _ARXIV_STAMP.match(b.text)])
        repaired = bool(doc.is_repaired)
    finally:
        doc.close()
    # Running headers and footers: first/last blocks that repeat on at least 40% of the pages (not
    # half: many styles set the title on odd pages and the authors on even ones, and none on page 1).
    repeats: Counter[str] = Counter()
    for blocks in raw_pages:
        for t in {b.text for b in [*blocks[:2], *blocks[-2:]]}:
            repeats[_normalise_repeat(t)] += 1
    threshold = max(2, -(-2 * len(raw_pages) // 5))
    running = {k for k, n in repeats.items() if n >= threshold and len(k) < 120} \
        if len(raw_pages) > 1 else set()
    kept = [[b for b in blocks if not (running and _normalise_repeat(b.text) in running)
             and not _PAGE_NUMBER.fullmatch(b.text)] for blocks in raw_pages]
    pages = _structure(kept)
    if not any(p.text.strip() for p in pages):
        if repaired:
            raise PdfError(f"{path.name} is damaged (MuPDF had to repair it) and no text could be read "
                           "from it; download it again")
        raise PdfError(f"{path.name} has no text layer (blank or scanned images); "
                       "run OCR on it (e.g. ocrmypdf) and add the result")
    for page in pages:
        page.repaired = repaired
    return pages


def text_problem(pages: list[PageText]) -> str:
    """What is wrong with a PDF whose text could be read, in part: '' when nothing is."""
    empty = sum(not p.text.strip() for p in pages)
    if pages and pages[0].repaired:
        return (f"damaged: MuPDF had to repair the file and read text from {len(pages) - empty} of its "
                f"{len(pages)} page(s); download it again")
    if len(pages) >= 3 and empty * 2 >= len(pages):
        return f"only {len(pages) - empty} of {len(pages)} pages have text (scanned pages?); run OCR on it"
    return ""


def _title_case(heading: Heading, forms: dict[str, str]) -> str:
    """A heading set in capitals, in title case (its words in `forms` as the text writes them); its
    number as printed (II, not Ii)."""
    number, _, rest = heading.text.partition(" ")
    return f"{number} {smart_title(rest, forms)}" if heading.numbered and rest else smart_title(heading.text, forms)


def _affiliation(heading: Heading) -> bool:
    """A numbered line at the top of page 1 that is an address, not a section: sections start at 1
    (or 0, or I), and a heading is a phrase, not a list of places."""
    number = heading.text.split()[0].rstrip(".").split(".")[0]
    return heading.numbered and number not in ("0", "1", "I") and heading.text.count(",") >= 1


def _structure(pages_blocks: list[list[Block]]) -> list[PageText]:
    """Page texts with (offset, section label, zone) marks where headings open sections."""
    body = body_size(pages_blocks)
    found = [[classify(b, body) for b in blocks] for blocks in pages_blocks]
    full = [h for page in found for h in page if h and not h.run_in]
    capitals = sum(in_capitals(h.text) for h in full)
    all_caps = len(full) >= 3 and capitals >= 0.6 * len(full)
    forms = case_forms("\n".join(b.text for blocks, heads in zip(pages_blocks, found, strict=True)
                                for b, h in zip(blocks, heads, strict=True) if h is None)) if all_caps else {}
    has_front = any(h is not None and opens_paper(h) for h in found[0]) if found else False
    zone = "front" if has_front else "body"
    section = ""
    previous: Heading | None = None  # the heading block just before, for headings set on two blocks
    pages: list[PageText] = []
    for number, (blocks, headings) in enumerate(zip(pages_blocks, found, strict=True), start=1):
        page = PageText(number=number, text="")
        parts: list[str] = []
        offset = 0
        previous = None
        if number == 1:
            page.headings.append((0, "", zone))
        for block, heading in zip(blocks, headings, strict=True):
            cleaned = clean_text(block.text)
            if not cleaned:
                continue
            if heading is not None and zone == "front" and not opens_paper(heading):
                heading = None  # the title, authors and affiliations of page 1
            if heading is not None and number == 1 and _affiliation(heading):
                heading = None  # "6 King's College Rd, Toronto": front matter, not section 6
            if heading is not None:
                label = _title_case(heading, forms) if all_caps else heading.text
                if heading.run_in:
                    label = f"{section} \u203a {label}" if section else label
                elif previous is not None and not heading.numbered \
                        and abs(previous.size - heading.size) < 0.3:
                    label = f"{section} {label}"  # one heading set as two blocks
                    page.headings.pop()
                zone = zone_after(heading, zone)
                if not heading.run_in:
                    section = label
                page.headings.append((offset, label, zone))
            # a heading continues only in the next block of the same page
            previous = heading if heading is not None and not heading.run_in else None
            parts.append(cleaned)
            offset += len(cleaned) + 2
        page.text = "\n\n".join(parts)
        pages.append(page)
    return pages
