"""A paper's structure from its layout: headings and the zones they open. Pure: no third-party imports.

PyMuPDF gives each text block's lines as spans with a font size and weight. Against the body text's
size (the size most characters are set in) a heading is a block set larger or bold, short, that
starts like a heading: `3.1\\nEncoder and Decoder Stacks` (the number on its own line), `2.1\\nADAM'S
UPDATE RULE` (all caps), `Training and Inference with Batch-\\nNormalized Networks` (two lines). A
*run-in* heading is the bold start of a paragraph: "**Label Smoothing** During training, ...".

Zones: `front` (title, authors: page 1 before the first heading), `abstract`, `body`, `references`
(after a References heading) and `appendix` (an Appendix or lettered heading, or any heading after
the references). A reference list whose heading is not found is still told by its text
(`ListText`): entries that end with their year, or numbered entries.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property, lru_cache

_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi|medi|\bbx|cmbx|-bx", re.IGNORECASE)
_NUMBERED = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[A-Z](?:\.\d{1,2}){0,2}\.?|[IVX]{1,4}\.)\s+\S")
_LETTERED = re.compile(r"^[A-Z]\.\d{1,2}\.?\s+[A-Z]")  # A.1 Proofs
_NOT_HEADING = re.compile(
    r"^(?:table|tab\.|figure|fig\.|algorithm|alg\.|input:|output:|require:|ensure:|procedure|"
    r"equation|eq\.|proof|step|note|where|e-?mail|arxiv)(?![a-z])", re.IGNORECASE)
_REFERENCES = re.compile(r"^(?:\d{1,2}\.?\s+)?(?:references(?: and notes| cited)?|reference list|bibliography"
                         r"|literature cited|works cited|cited literature)$", re.IGNORECASE)
_APPENDIX = re.compile(r"^(?:appendix|appendices|supplementary|supplemental)\b", re.IGNORECASE)
_ABSTRACT = re.compile(r"^abstract[.:]?$", re.IGNORECASE)
_OPENS_PAPER = re.compile(r"^(?:abstract|(?:1\.?|I\.)?\s*introduction)[.:]?$|^1\.?\s+\S", re.IGNORECASE)
# A plain single line can still be a heading when it is numbered like one (generated PDFs, some styles;
# IEEE sets "II. RELATED WORK" in small capitals at the body's size, neither larger nor bold).
_PLAIN_HEADING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,2}\.?|[A-Z]\.\d{0,2}\.?|[IVX]{1,4}\.)\s+[A-Z][^.;:=]{1,70}$"
                            r"|^(?:Abstract|References|Bibliography|Acknowledge?ments?|Appendix"
                            r"|ABSTRACT|REFERENCES|BIBLIOGRAPHY|ACKNOWLEDGE?MENTS?|APPENDIX)$")


@dataclass
class Span:
    text: str
    size: float
    bold: bool


@dataclass
class Block:
    x0: float
    y0: float
    x1: float
    y1: float
    lines: list[list[Span]]

    @cached_property
    def text(self) -> str:  # asked for several times per block: stamps, running headers, cleaning
        return "\n".join("".join(s.text for s in line) for line in self.lines)


@dataclass
class Heading:
    text: str
    run_in: bool  # the bold start of a paragraph rather than a block of its own
    size: float
    numbered: bool


@lru_cache(maxsize=512)  # a paper sets thousands of spans in a dozen fonts
def is_references_heading(line: str) -> bool:
    """Whether a line of text is the heading of a reference list ("References", "7 Bibliography")."""
    return bool(_REFERENCES.match(line.strip().rstrip(" .:")))


def is_bold(font: str, flags: int) -> bool:
    return bool(flags & 16) or bool(_BOLD_FONT.search(font))


def body_size(blocks: list[list[Block]]) -> float:
    """The font size most characters are set in, to the half point."""
    weight: dict[float, int] = {}
    for page in blocks:
        for block in page:
            for line in block.lines:
                for span in line:
                    key = round(span.size * 2) / 2
                    weight[key] = weight.get(key, 0) + len(span.text.strip())
    return max(weight, key=lambda k: weight[k]) if weight else 10.0


def join_lines(lines: list[str]) -> str:
    """Heading lines as one line: `Batch-` + `Normalized` keeps its hyphen, `Net-` + `works` loses it."""
    out = ""
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        if out.endswith("-") and line[:1].islower():
            out = out[:-1] + line
        elif out.endswith("-"):
            out += line
        else:
            out = f"{out} {line}" if out else line
    return out


def _looks_like_heading(text: str, run_in: bool) -> bool:
    if not text or not (text[0].isupper() or text[0].isdigit()):
        return False
    if _NOT_HEADING.match(text) or "=" in text or "@" in text:
        return False
    letters = sum(c.isalpha() for c in text)
    if letters < 2 or letters < 0.5 * len(text.replace(" ", "")):
        return False
    words = text.split()
    if run_in:
        return len(words) <= 9 and len(text) <= 70
    if len(words) > 16 or len(text) > 120 or text.endswith((",", ";")):
        return False
    # a sentence is not a heading: at most a final full stop, and not after a long line
    inner = text[:-1] if text.endswith(".") else text
    return not re.search(r"[a-z]{2,}\. [A-Z]", inner) and not (text.endswith(".") and len(words) > 10)


def _paragraph_follows(block: Block, rest: str) -> bool:
    """After a run-in heading comes running text, not a table's cells or a formula."""
    if not rest or rest[:1] in ",;)":
        return False
    letters = sum(c.isalpha() for c in rest)
    lines = block.text.splitlines()
    return letters >= 0.6 * len(rest.replace(" ", "")) and len(rest.split()) >= 4 \
        and sum(len(line) for line in lines) / len(lines) >= 20


def classify(block: Block, body: float) -> Heading | None:
    """The heading this block is or starts with, if any."""
    spans = [(s, n) for n, line in enumerate(block.lines) for s in line]
    if not any(s.text.strip() for s, _ in spans):
        return None
    big = body + max(0.9, body * 0.08)

    def styled(span: Span, before: Span | None) -> bool:  # spaces take any style
        if span.bold or span.size >= big or not span.text.strip():
            return True
        # small capitals: A + BSTRACT set smaller, after a larger capital
        caps = span.text.strip().replace("-", "").isupper()
        return caps and before is not None and before.size >= big and span.size >= 0.7 * before.size

    cut, before = 0, None
    while cut < len(spans) and styled(spans[cut][0], before):
        if spans[cut][0].text.strip():
            before = spans[cut][0] if spans[cut][0].size >= big else before
        cut += 1
    lead = [(s, n) for s, n in spans[:cut] if s.text.strip()]
    if not lead:
        text = " ".join(block.text.split())
        plain_ok = len(block.lines) == 1 and spans[0][0].size >= body - 0.5
        if plain_ok and _PLAIN_HEADING.match(text) and _looks_like_heading(text, False):
            return Heading(text, False, spans[0][0].size, bool(_NUMBERED.match(text)))
        return None
    if max(s.size for s, _ in lead) < body - 0.6:  # small bold print: figure labels, table heads
        return None
    by_line: dict[int, str] = {}
    for span, n in spans[:cut]:
        by_line[n] = by_line.get(n, "") + span.text
    text = join_lines([by_line[n] for n in sorted(by_line)])
    references = bool(_REFERENCES.match(text.rstrip(" .:")))
    if references:  # also in bold at the head of the list's first entry: it opens the list all the same
        text = text.rstrip(" .:")
    run_in = cut < len(spans) and not references
    if run_in:
        rest = "".join(s.text for s, _ in spans[cut:]).strip()
        text = text.rstrip(" .:\u2014\u2013-")
        if not _paragraph_follows(block, rest) or not _looks_like_heading(text, True):
            return None
    elif not _looks_like_heading(text, False):
        return None
    elif text.endswith(".") and " " in text:
        text = text[:-1]
    size = max(s.size for s, _ in lead)
    return Heading(text, run_in, size, bool(_NUMBERED.match(text)))


def zone_after(heading: Heading, current: str) -> str:
    """The zone a heading opens, given the zone it appears in."""
    if heading.run_in:
        return "abstract" if _ABSTRACT.match(heading.text) else current
    if _REFERENCES.match(heading.text):
        return "references"
    if _APPENDIX.match(heading.text) or _LETTERED.match(heading.text):
        return "appendix"
    if _ABSTRACT.match(heading.text):
        return "abstract"
    if current in ("references", "appendix"):
        return "appendix"
    return "body"


def opens_paper(heading: Heading) -> bool:
    """Abstract, Introduction or section 1: what ends the title and authors on page 1."""
    return bool(_OPENS_PAPER.match(heading.text))


# Where a reference entry ends: its year and a full stop after a comma or a full stop ("..., 2016.",
# "..., July 2011.", ACL's "Ba. 2016. Layer normalization"), or a year in brackets after an initial or
# page numbers (APA's "Ba, J. (2016).", Nature's "436-444 (2015)."), or, with no full stop, a year in
# brackets that ends a line whose next line starts with an author ("Springer, Cham (2016)\nBa, J.:",
# LNCS unnumbered). Running text that cites papers ("Ba et al. (2016) show", "(Ba et al., 2016).",
# "released in 2016.") rarely has one.
_ENTRY_END = re.compile(r"[,.]\s*(?:[A-Z][a-z]+\.?\s+)?(?:1[89]|20)\d\d[a-z]?\.(?=\s|$)"
                        r"|(?<=[A-Z]\.\s)\((?:1[89]|20)\d\d[a-z]?\)[.,]"
                        r"|(?<=\d\s)\((?:1[89]|20)\d\d[a-z]?\)\."
                        r"|\((?:1[89]|20)\d\d[a-z]?\)(?=[ \t]*\n[ \t]*[A-Z][\w'\-]+,\s+[A-Z]\.)")
# Where a numbered entry starts: "[12] A. Author" or LNCS's "12. Author, A.:" (a citation that a line
# of running text starts with goes on in lower case: "[12] showed", "[12] and [13]").
_ENTRY_START = re.compile(r"(?:^|\n)\s*(?:\[\d{1,3}\]\s+(?![a-z])\w|\d{1,3}\.\s+[A-Z][\w'\-]+,\s+[A-Z]\.)")


_WORD = re.compile(r"\S+")


class ListText:
    """A text's reference-list entries and words, found once: any passage of it is then judged in
    O(log n) (a paper is judged paragraph by paragraph, 100 words ahead and behind)."""

    def __init__(self, text: str) -> None:
        self.ends = [m.end() for m in _ENTRY_END.finditer(text)]
        self.starts = [m.end() for m in _ENTRY_START.finditer(text)]
        self.words = [m.start() for m in _WORD.finditer(text)]

    def is_list(self, a: int, b: int, at_least: int = 2) -> bool:
        """Whether text[a:b] is part of a reference list: at least two entries (`at_least`), and one
        in every 50 words. A reference list of any common style packs 3-7 entries into 100 words;
        running text that cites papers rarely has an entry end (on the five shared papers, chunk by
        chunk: none outside the lists, at least 2.3 per 100 words inside; a test checks the margin)."""
        entries = max(bisect_right(self.ends, b) - bisect_right(self.ends, a),
                      bisect_right(self.starts, b) - bisect_right(self.starts, a))
        return entries >= at_least and entries * 50 >= bisect_left(self.words, b) - bisect_left(self.words, a)
