"""BibTeX in: entries as Zotero (Better BibTeX), papis, arXiv and biblatex write them, read with
bibtexparser 2.x; LaTeX escapes and protective braces become plain text, `file` fields find the PDF."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from paperlab.errors import InvalidInput
from paperlab.log.dates import parse_written
from paperlab.log.incoming import Incoming, arxiv_id_in
from paperlab.models import TAG_LENGTH

BOOK_TYPES = {"book", "inbook", "incollection", "booklet", "mvbook"}
WEB_TYPES = {"online", "electronic", "www", "webpage"}
VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "publisher", "institution", "school", "howpublished")


def plain(text: str) -> str:
    """`{{Attention}} Is All You Need`, `Schmidhuber, J{\\"u}rgen`, `50\\%` as plain text."""
    from pylatexenc.latex2text import LatexNodes2Text

    try:
        out = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=False).latex_to_text(text)
    except Exception:  # pylatexenc gives up on some malformed input; keep the text as it is  # noqa: BLE001
        out = text.replace("{", "").replace("}", "")
    return " ".join(out.split())


def _name(parts: Any) -> str:
    words = [*parts.first, *parts.von, *parts.last, *parts.jr]
    return plain(" ".join(words))


def _files(value: str, base: Path) -> list[Path]:
    """Paths in a `file` field: `a.pdf`, `a.pdf;b.pdf`, Zotero's `Description:path:mime`, with
    Windows drive colons escaped as `\\:`. Relative paths are read from the .bib file's folder."""
    out = []
    for part in value.replace("\\:", "\0").split(";"):
        part = part.strip()
        m = re.fullmatch(r"([^:]*):(.+):([\w.+-]+/[\w.+-]+|pdf|PDF)", part)
        path = (m.group(2) if m else part).replace("\0", ":").strip()
        if path:
            candidate = Path(path).expanduser()
            out.append(candidate if candidate.is_absolute() else base / candidate)
    return out


def _tags(value: str) -> tuple[list[str], list[str]]:
    """Tags from a `keywords` field, whole ("Computer Science - Computation and Language" is
    `computer-science-computation-and-language`), and the keywords too long to be one: never cut."""
    tags, skipped = [], []
    for word in re.split(r"[,;]", plain(value)):
        tag = re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9_.:/-]+", "-", word.strip().lower())).strip("-")
        if len(tag) > TAG_LENGTH:
            skipped.append(word.strip())
        elif tag and tag not in tags:
            tags.append(tag)
    return tags, skipped


def _line(block: Any) -> str:
    return "an entry" if block.start_line is None else f"line {block.start_line + 1}"


def parse_bibtex(text: str, base: Path, strict: bool = False) -> tuple[list[Incoming], list[str]]:
    """The entries that parse, and one line for each that does not ("line 12: entry x has no
    title"), as Zotero, JabRef and papis import; `strict` refuses the whole file instead."""
    import bibtexparser
    from bibtexparser.middlewares import SeparateCoAuthors, SplitNameParts

    library = bibtexparser.parse_string(text, append_middleware=[SeparateCoAuthors(), SplitNameParts()])
    unread = [f"{_line(block)}: cannot be parsed as BibTeX" for block in library.failed_blocks]
    out = []
    for entry in library.entries:
        fields = {f.key.lower(): f.value for f in entry.fields}
        where = f"entry {entry.key}"
        title = plain(str(fields.get("title", "")))
        if not title:
            unread.append(f"{_line(entry)}: {where} has no title")
            continue
        kind = entry.entry_type.lower()
        found = Incoming(title=title, origin=where, bibtex=(entry.raw or "").strip(),
                         type="book" if kind in BOOK_TYPES else "blog" if kind in WEB_TYPES else "paper")
        authors = fields.get("author") or fields.get("editor") or []
        found.authors = [_name(a) for a in authors] if isinstance(authors, list) else [plain(str(authors))]
        when = str(fields.get("date") or "")
        day = parse_written(when)
        found.published = day.isoformat() if day else when[:4] if when else str(fields.get("year", "")).strip()[:4]
        found.venue = next((plain(str(fields[k])) for k in VENUE_FIELDS if fields.get(k)), "")
        found.doi = str(fields.get("doi", "")).strip()
        found.link = str(fields.get("url", "")).strip()
        found.abstract = plain(str(fields.get("abstract", "")))
        eprint_type = str(fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
        eprint = str(fields.get("eprint", "")).strip()
        found.arxiv_id = (arxiv_id_in(f"arXiv:{eprint}") if eprint and eprint_type == "arxiv" else None) \
            or arxiv_id_in(found.link) or arxiv_id_in(found.venue) or arxiv_id_in(found.doi)
        if found.arxiv_id and re.search(r"arxiv", found.venue, re.IGNORECASE):
            found.venue = ""  # Zotero's `journal = {arXiv:1512.03385 [cs]}` is not a venue
        found.tags, long = _tags(str(fields.get("keywords", "")))
        found.warnings += [f"{where}: keyword {k!r} is longer than a tag may be ({TAG_LENGTH}); not made a tag"
                           for k in long]
        files = _files(str(fields.get("file", "")), base)
        pdfs = [p for p in files if p.suffix.lower() == ".pdf" and p.is_file()]
        found.pdf = pdfs[0] if pdfs else None
        if files and not pdfs:
            found.warnings.append(f"{where}: no PDF found at {', '.join(str(p) for p in files)}")
        out.append(found)
    if strict and unread:
        raise InvalidInput(f"{len(unread)} BibTeX entr{'y' if len(unread) == 1 else 'ies'} cannot be imported "
                           f"({unread[0]}); fix or remove them, or import without --strict to skip them")
    if not out and not unread and text.strip():
        raise InvalidInput("the file holds no BibTeX entry (@article{...}); for a Markdown log use "
                           "`paperlab import markdown`")
    return out, unread
