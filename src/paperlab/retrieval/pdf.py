"""Text out of PDFs with PyMuPDF: validation, and per-page text in reading order.

Reading order comes from text blocks: a page is cut into horizontal bands at full-width blocks, and
inside a band the left column is read before the right one. That costs little more than plain
`get_text()` (see `make bench`), unlike `sort=True` or layout analysis.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from paperlab.errors import PdfError

LIGATURES = {
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
    "\ufb05": "st", "\ufb06": "st",
}
_LIGATURE_RE = re.compile("|".join(LIGATURES))
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")
_ARXIV_STAMP = re.compile(
    r"^\s*arXiv:\s*\S+\s+\[[\w.\-]+\]\s+\d{1,2}\s+\w{3}\s+\d{4}\s*$", re.IGNORECASE
)
_HEADING = re.compile(
    r"^(?:(?:\d{1,2}(?:\.\d{1,2}){0,2}\.?|[A-Z]\.(?:\d{1,2}\.?)?|[IVX]{1,4}\.)\s+[A-Z][^\n]{1,70}"
    r"|Abstract|Introduction|Related Work|Background|Method(?:s|ology)?|Experiments?|Results"
    r"|Discussion|Conclusions?|References|Bibliography|Acknowledge?ments?|Appendix(?:\s+[A-Z])?"
    r"(?:[:.]?\s+[A-Z][^\n]{0,60})?)$"
)


@dataclass
class PdfInfo:
    pages: int
    title: str


@dataclass
class PageText:
    number: int  # 1-based
    text: str
    headings: list[tuple[int, str]] = field(default_factory=list)  # (char offset, heading)


def _open(path: Path):  # type: ignore[no-untyped-def]
    import pymupdf

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
    doc = _open(path)
    try:
        title = (doc.metadata or {}).get("title") or ""
        return PdfInfo(pages=doc.page_count, title=title.strip())
    finally:
        doc.close()


def first_page_text(path: Path) -> str:
    doc = _open(path)
    try:
        return str(doc[0].get_text("text"))
    finally:
        doc.close()


def clean_text(text: str) -> str:
    """Ligatures expanded, words split by an end-of-line hyphen joined, whitespace tidied."""
    text = _LIGATURE_RE.sub(lambda m: LIGATURES[m.group(0)], text)
    text = text.replace("\u00ad\n", "").replace("\u00ad", "")
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _order_blocks(blocks: list[tuple[float, float, float, float, str]], width: float) -> list[str]:
    """Reading order for one- and two-column pages."""
    mid = width / 2
    ordered: list[str] = []
    band: list[tuple[float, float, float, float, str]] = []

    def flush() -> None:
        left = sorted((b for b in band if b[0] < mid), key=lambda b: (b[1], b[0]))
        right = sorted((b for b in band if b[0] >= mid), key=lambda b: (b[1], b[0]))
        ordered.extend(b[4] for b in left + right)
        band.clear()

    for block in sorted(blocks, key=lambda b: (b[1], b[0])):
        x0, _y0, x1, _y1, _text = block
        spans_both = x0 < mid - 0.05 * width and x1 > mid + 0.05 * width
        if spans_both:
            flush()
            ordered.append(block[4])
        else:
            band.append(block)
    flush()
    return ordered


def _normalise_repeat(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip().lower())


def extract_pages(path: Path) -> list[PageText]:
    """Per-page text in reading order, cleaned, with recognised section headings."""
    import pymupdf

    doc = _open(path)
    flags = pymupdf.TEXT_DEHYPHENATE | pymupdf.TEXT_MEDIABOX_CLIP  # ligatures expanded by MuPDF
    raw_pages: list[list[str]] = []
    try:
        for page in doc:
            width = page.rect.width
            blocks = [
                (b[0], b[1], b[2], b[3], b[4])
                for b in page.get_text("blocks", flags=flags)
                if b[6] == 0 and b[4].strip()
            ]
            texts = [t for t in _order_blocks(blocks, width) if not _ARXIV_STAMP.match(t)]
            raw_pages.append(texts)
    finally:
        doc.close()
    # Running headers and footers: first/last blocks that repeat on at least half of the pages.
    repeats: Counter[str] = Counter()
    for texts in raw_pages:
        for t in {*texts[:2], *texts[-2:]}:
            repeats[_normalise_repeat(t)] += 1
    threshold = max(2, (len(raw_pages) + 1) // 2)
    running = {k for k, n in repeats.items() if n >= threshold and len(k) < 120} \
        if len(raw_pages) > 1 else set()
    pages: list[PageText] = []
    for number, texts in enumerate(raw_pages, start=1):
        kept = [t for t in texts if _normalise_repeat(t) not in running
                and not re.fullmatch(r"\s*\d{1,4}\s*", t)]
        page = PageText(number=number, text="")
        parts: list[str] = []
        offset = 0
        for block in kept:
            cleaned = clean_text(block)
            if not cleaned:
                continue
            one_line = " ".join(cleaned.split())
            if "\n" not in cleaned and _HEADING.match(one_line):
                page.headings.append((offset, one_line))
            parts.append(cleaned)
            offset += len(cleaned) + 2
        page.text = "\n\n".join(parts)
        pages.append(page)
    if not any(p.text.strip() for p in pages):
        raise PdfError(f"{path.name} has no text layer (blank or scanned images); "
                       "run OCR on it (e.g. ocrmypdf) and add the result")
    return pages
