"""A PDF's title and authors, for a paper added from a file or a URL: from the PDF's metadata when it
holds a real title, else from page 1's layout (the largest text near the top; the author row below).
When neither is convincing the answer is empty and the caller falls back to the file name: a wrong
title is worse than an honest one."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_FILE_LIKE = re.compile(
    r"(\.(pdf|dvi|tex|docx?|pptx?|ps|eps)$)|(^(untitled|microsoft word|slide|arxiv:|doi:|paper\b|"
    r"manuscript\b|main\b|draft\b))", re.IGNORECASE)
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or",
                "the", "to", "via", "vs", "with"}
_MARKS = "*∗†‡§¶⋆♯♮♭#"
_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "la", "le", "del", "dos", "du", "bin", "al"}
LIGATURES = str.maketrans({
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st",
})
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")  # "don't" is one word


@dataclass
class FrontMatter:
    title: str = ""
    authors: list[str] = field(default_factory=list)


def looks_like_title(text: str) -> bool:
    """A real title, not a file name, a tool's placeholder or an identifier."""
    text = " ".join(text.split())
    words = text.split()
    return (8 <= len(text) <= 300 and len(words) >= 2 and sum(c.isalpha() for c in text) >= 6
            and not _FILE_LIKE.search(text) and not re.search(r"\w_\w", text))


def _name_part(part: str) -> bool:
    letters = part.replace("-", "").replace("'", "").replace("’", "").replace(".", "")
    return part in _PARTICLES or (part[0].isupper() and letters.isalpha()
                                  and not (letters.isupper() and len(letters) > 3))


def looks_like_name(text: str) -> bool:
    """`Ada Lovelace`, `Aidan N. Gomez`, `Łukasz Kaiser`, `Ming-Wei Chang`: 2-5 capitalised words."""
    parts = text.split()
    return 2 <= len(parts) <= 5 and all(_name_part(p) for p in parts)


def split_names(text: str) -> list[str]:
    """People in an author line: `A, B and C`, `A; B`, with footnote marks and numbers removed."""
    text = re.sub(rf"[{re.escape(_MARKS)}\d]+", " ", text)
    parts = re.split(r"\s*(?:,|;|\band\b|&)\s*", text)
    return [" ".join(p.split()) for p in parts if p.strip()]


def case_forms(text: str) -> dict[str, str]:
    """The words `text` writes with capitals past their first letter (SOAP, ImageNet, nGPT), in
    their most frequent form, by their lower case: what a title printed in capitals cannot show.
    Lines set in capitals themselves (a running head repeating the title) are not read."""
    seen: dict[str, Counter[str]] = {}
    for line in text.splitlines():
        if sum(c.isupper() for c in line) >= 0.5 * sum(c.isalpha() for c in line):
            continue
        for word in _WORD.findall(line):
            seen.setdefault(word.lower(), Counter())[word] += 1
    forms = {lower: counts.most_common(1)[0][0] for lower, counts in seen.items()}
    return {lower: form for lower, form in forms.items() if any(c.isupper() for c in form[1:])}


def in_capitals(text: str) -> bool:
    return sum(c.isupper() for c in text) >= 0.8 * sum(c.isalpha() for c in text)


def smart_title(text: str, forms: Mapping[str, str] | None = None) -> str:
    """Title case for a title printed in capitals, but a word in `forms` (case_forms of the rest of
    the paper) as the paper writes it: "SOAP: IMPROVING ... USING ADAM" is "SOAP: Improving ...
    Using Adam", not "Soap". Any other title is kept as written."""
    text = " ".join(text.split())
    if not in_capitals(text):
        return text
    forms = forms or {}
    out: list[str] = []
    for n, word in enumerate(text.lower().split(" ")):
        after_colon = n > 0 and out[-1].endswith(":")
        keep_small = n > 0 and not after_colon and word in _SMALL_WORDS
        out.append(word if keep_small else _WORD.sub(
            lambda m: forms.get(m.group()) or m.group()[:1].upper() + m.group()[1:], word))
    return " ".join(out)


def from_metadata(metadata: dict[str, Any]) -> FrontMatter:
    title = " ".join((metadata.get("title") or "").translate(LIGATURES).split())
    authors = [n for n in split_names(metadata.get("author") or "") if looks_like_name(n)]
    return FrontMatter(title if looks_like_title(title) else "", authors)


def _lines(page: Any) -> list[tuple[float, float, float, float, str]]:
    """(y0, x0, y1, size, text) of the page's horizontal text lines, top to bottom."""
    out: list[tuple[float, float, float, float, str]] = []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            if abs(line["dir"][0] - 1) > 1e-3:  # the rotated arXiv stamp in the margin
                continue
            text = "".join(s["text"] for s in line["spans"]).translate(LIGATURES).strip()
            if not text:
                continue
            size = max(s["size"] for s in line["spans"] if s["text"].strip())
            out.append((line["bbox"][1], line["bbox"][0], line["bbox"][3], size, text))
    return sorted(out)


def from_layout(page: Any) -> FrontMatter:
    every = _lines(page)
    lines = [ln for ln in every if ln[0] <= page.rect.height * 0.5 and sum(c.isalpha() for c in ln[4]) >= 2]
    if not lines:
        return FrontMatter()
    biggest = max(ln[3] for ln in lines)
    body = sorted(ln[3] for ln in lines)[len(lines) // 2]
    if biggest < body * 1.15:  # no text stands out: no title to read
        return FrontMatter()
    title_lines: list[tuple[float, float, float, float, str]] = []
    for line in lines:
        if abs(line[3] - biggest) <= 0.6:
            if title_lines and line[0] - title_lines[-1][2] > biggest * 1.5:
                break
            title_lines.append(line)
        elif title_lines:
            break
    title = ""
    for line in sorted(title_lines, key=lambda ln: (round(ln[0]), ln[1])):
        text = line[4]
        title = title[:-1] + text if title.endswith("-") and text[:1].isalpha() else f"{title} {text}"
    title = title.strip()
    if in_capitals(title):
        title = smart_title(title, case_forms("\n".join(ln[4] for ln in every if ln not in title_lines)))
    bottom = max(ln[2] for ln in title_lines)
    return FrontMatter(title if looks_like_title(title) else "", _authors(lines, bottom))


def _authors(lines: list[tuple[float, float, float, float, str]], below: float) -> list[str]:
    """Names from the first row of each author block under the title (the rows after a name are
    affiliations and e-mail addresses), up to the abstract."""
    rows: list[list[tuple[float, float, float, float, str]]] = []
    for line in (ln for ln in lines if ln[0] >= below - 1):
        if re.fullmatch(r"(?i)abstract|a\s*b\s*s\s*t\s*r\s*a\s*c\s*t", line[4]) or len(line[4]) > 90:
            break
        if rows and abs(line[0] - rows[-1][0][0]) <= 4:
            rows[-1].append(line)
        else:
            rows.append([line])
    names: list[str] = []
    previous_bottom = None
    for row in rows:
        top, height = row[0][0], max(ln[2] - ln[0] for ln in row)
        starts_block = previous_bottom is None or top - previous_bottom > 1.2 * height
        previous_bottom = max(ln[2] for ln in row)
        if not starts_block or any("@" in ln[4] for ln in row):
            continue
        for line in sorted(row, key=lambda ln: ln[1]):
            names += [n for n in split_names(line[4]) if looks_like_name(n) and n not in names]
    return names


def read_front_matter(path: Path) -> FrontMatter:
    """Title and authors of the PDF at `path` (empty when they cannot be told)."""
    from paperlab.retrieval import mupdf

    pymupdf = mupdf.load()

    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception:  # PyMuPDF raises several types for damaged files  # noqa: BLE001
        return FrontMatter()
    try:
        if doc.needs_pass or not doc.page_count:
            return FrontMatter()
        found = from_metadata(doc.metadata or {})
        if found.title and in_capitals(found.title):  # cased as page 1 writes its words
            found.title = smart_title(found.title, case_forms(doc[0].get_text().translate(LIGATURES)))
        if not (found.title and found.authors):
            try:
                layout = from_layout(doc[0])
            except Exception:  # a damaged page: no layout to read  # noqa: BLE001
                layout = FrontMatter()
            found = FrontMatter(found.title or layout.title, found.authors or layout.authors)
        return found
    finally:
        doc.close()
