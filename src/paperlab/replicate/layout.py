"""Where text lies on a PDF page, and the tables it makes.

Lines are rebuilt from their characters sorted by x (PDFs often draw a decimal point as a separate,
lower glyph after the digits). Running heads and feet, the lines that repeat in the margins of a
document's pages (its title, page numbers), are not part of any table however close to one they
sit. A caption `Table N` (or `TABLE II`, `Tab. 2`; with the lines of its block that follow at a
line's spacing as one run of words) anchors a table: the run of rows above or below it, up to a gap
or a line of prose, that holds more numbers. In those rows, a number that stands alone is a value;
one inside a run of words ("10 epochs") is a header's word; three or more whole numbers evenly
spaced at one x or one y are a plot's axis ticks, not values.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MARGIN = 0.1  # the top and bottom tenth of a page, where running heads and feet sit


@dataclass
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2


def page_lines(page) -> list[tuple[int, list[Word]]]:  # type: ignore[no-untyped-def]
    """Each text line as words rebuilt from its characters sorted by x, with its block's number."""
    lines: list[tuple[int, list[Word]]] = []
    for block_no, block in enumerate(page.get_text("rawdict")["blocks"]):
        for line in block.get("lines", []):
            chars = sorted((c for span in line["spans"] for c in span["chars"]), key=lambda c: c["bbox"][0])
            words: list[Word] = []
            for c in chars:
                x0, y0, x1, y1 = c["bbox"]
                if c["c"].isspace():
                    if words and words[-1].text:
                        words.append(Word(x1, y0, x1, y1, ""))  # ends the word before the space
                    continue
                size = max(1.0, y1 - y0)
                if words and words[-1].text and x0 - words[-1].x1 < 0.25 * size:
                    w = words[-1]
                    words[-1] = Word(w.x0, min(w.y0, y0), x1, max(w.y1, y1), w.text + c["c"])
                else:
                    words.append(Word(x0, y0, x1, y1, c["c"]))
            words = [w for w in words if w.text]
            if words:
                lines.append((block_no, words))
    return lines


def _key(text: str, y: float) -> str:
    """A line's text as it repeats from page to page, at its height (in steps of 12 points): its
    letters (page numbers change), or `#` for digits alone (a page number)."""
    letters = re.sub(r"[^a-z]", "", text.lower()) or ("#" if re.fullmatch(r"[\d\s.–-]+", text.strip()) else "")
    return f"{letters}@{round(y / 12)}"


def _in_margin(y0: float, y1: float, height: float) -> bool:
    return y1 < MARGIN * height or y0 > (1 - MARGIN) * height


def _is_kept(key: str, running: frozenset[str]) -> bool:
    text, _, step = key.rpartition("@")
    return not any(f"{text}@{int(step) + d}" in running for d in (-1, 0, 1))  # a point or two off


Block = tuple[float, float, float, float, str]  # a text block: x0, y0, x1, y1, its text


def page_blocks(page: Any, figures: bool = False) -> tuple[float, list[Block]]:
    """A page's height and its text blocks, read once for `running_lines` and `body_text`; without
    the text inside its captioned figures (axis ticks, legends: retrieval.figures) unless `figures`
    (the running heads need only the margins, and finding figures costs a pass over the drawings)."""
    from paperlab.retrieval.figures import figure_boxes, in_figure

    blocks = [b[:5] for b in page.get_text("blocks") if b[6] == 0]
    boxes = [] if figures else figure_boxes(page, blocks)
    return page.rect.height, [b for b in blocks if not in_figure(b[:4], boxes)]


def running_lines(pages: list[tuple[float, list[Block]]]) -> frozenset[str]:
    """The keys of the lines that sit at the same height in the margins of at least a quarter of the
    pages (`page_blocks` of each; of three at least): running heads and feet."""
    seen: Counter[str] = Counter()
    for height, blocks in pages:
        keys = {_key(text, (y0 + y1) / 2) for x0, y0, x1, y1, text in blocks
                for text in text.splitlines() if _in_margin(y0, y1, height) and text.strip()}
        seen.update(k for k in keys if not k.startswith("@"))
    return frozenset(k for k, n in seen.items() if n >= max(3, len(pages) / 4))


def body_text(page: tuple[float, list[Block]], running: frozenset[str]) -> str:
    """The page's text (`page_blocks`) without its running heads and feet."""
    height, blocks = page
    return "".join(text for x0, y0, x1, y1, text in blocks if not _in_margin(y0, y1, height)
                   or _is_kept(_key(text.replace("\n", " "), (y0 + y1) / 2), running))


def is_running(words: list[Word], running: frozenset[str], height: float) -> bool:
    """Whether a line is one of the document's running heads or feet, where they sit."""
    return _in_margin(words[0].y0, words[0].y1, height) and \
        not _is_kept(_key(" ".join(w.text for w in words), words[0].yc), running)


def bold_boxes(page: Any) -> list[tuple[float, float, float, float]]:
    """The boxes of the page's characters set in a bold face."""
    from paperlab.retrieval.layout import is_bold

    boxes = []
    for block in page.get_text("dict").get("blocks", []):
        for line in block.get("lines", []):
            for span in line["spans"]:
                if span["text"].strip() and is_bold(span["font"], span["flags"]):
                    boxes.append(tuple(span["bbox"]))
    return boxes


def in_boxes(word: Word, boxes: Sequence[tuple[float, float, float, float]]) -> bool:
    """Whether a word's centre lies in one of the boxes (a point of slack)."""
    return any(b[0] - 1 <= (word.x0 + word.x1) / 2 <= b[2] + 1 and b[1] - 1 <= word.yc <= b[3] + 1 for b in boxes)


# --- tables: the rows of words under or over a caption ---------------------------------------------


# a cell's number: up to four digits before the point (not a year: 1900-2030 without a decimal part)
CELL = re.compile(r"^\(?(?!(?:19\d\d|20[0-2]\d|2030)\b(?!\.))(\d{1,4}(?:\.\d+)?)(%)?\)?$"
                  r"|^\(?(\d{1,4}(?:\.\d+)?)(?:±|\+-)(\d+(?:\.\d+)?)\)?$"
                  r"|^(\d(?:\.\d+)?[eE][−-]?\d{1,2})$"  # 4.2e-4: a setting's table writes rates so
                  # a setting's larger counts: "32,000", "14336", "7M", "1.3B", "500K" (a year is 4 digits)
                  r"|^(\d{1,3}(?:,\d{3})+|\d{5,12})$|^(\d{1,4}(?:\.\d+)?)([KMBT])$")


def _script(w: Word, row: list[Word]) -> bool:
    """Whether `w` is a subscript of the row above, set smaller within its lines ("AP" over "50")."""
    height = max(v.y1 - v.y0 for v in row)
    return w.y1 - w.y0 < 0.8 * height and min(v.y0 for v in row) < w.yc < max(v.y1 for v in row)


def _rows(words: list[Word]) -> list[list[Word]]:
    """Words grouped into visual rows (overlapping in y), each sorted by x, with numbers whose
    decimal point was drawn as a separate, lower glyph put back together ("8" "." "75" -> "8.75")."""
    rows: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.yc, w.x0)):
        if rows and (abs(rows[-1][0].yc - w.yc) < 0.45 * (w.y1 - w.y0) or _script(w, rows[-1])):
            rows[-1].append(w)
        else:
            rows.append([w])
    out = []
    for row in rows:
        merged: list[Word] = []
        for w in sorted(row, key=lambda w: w.x0):
            prev = merged[-1] if merged else None
            touching = prev is not None and w.x0 - prev.x1 < 0.3 * (w.y1 - w.y0)
            if prev is not None and touching and re.fullmatch(r"\(?\d+\.?", prev.text) and \
                    re.fullmatch(r"\.\d*%?\)?|\d+%?\)?", w.text) and (prev.text.endswith(".") or w.text[0] == "."):
                merged[-1] = Word(prev.x0, min(prev.y0, w.y0), w.x1, max(prev.y1, w.y1), prev.text + w.text)
            else:
                merged.append(w)
        out.append(merged)
    return out


# a table's caption or a mention of one: "Table 3", "TABLE II" (IEEE's Roman numbers), "Tab. 2"
TABLE_MENTION = re.compile(r"\b(?:Table|TABLE|Tab\.)\s+(?:\d|[IVX]{1,6}\b)")


_LOWER = re.compile(r"[a-z][a-z’'-]*[,.;:]?")


def table_regions(page, running: frozenset[str] = frozenset()) -> list[tuple[str, str, list[list[Word]]]]:  # type: ignore[no-untyped-def]
    """The page's captioned tables: (number, caption text, the rows of words of the table, top to
    bottom), the table being the run of rows above or below its caption that holds more numbers; the
    document's running heads and feet (`layout.running_lines`) are not rows."""
    lines = [(b, ln) for b, ln in page_lines(page) if not is_running(ln, running, page.rect.height)]
    captions = [(block, ln) for block, ln in lines if len(ln) > 1 and ln[0].text in ("Table", "TABLE", "Tab.")
                and re.match(r"^(?:\d+|[IVX]{1,6})[:.]?$", ln[1].text)]
    out: list[tuple[str, str, list[list[Word]]]] = []
    if not captions:
        return out
    middle = page.rect.width / 2
    # prose that runs across the page's middle, and none that starts just right of it (a right
    # column's; a figure's caption may run across two): one column, where a short caption in the
    # left half may head a table wider than that half
    prose = [ln for _, ln in lines if sum(bool(_LOWER.fullmatch(w.text)) for w in ln) >= 5]
    one_column = sum(ln[0].x0 < middle - 40 < middle + 40 < ln[-1].x1 for ln in prose) >= 3 and \
        sum(middle < ln[0].x0 < middle + 40 for ln in prose) < 3
    for cap_block, caption in captions:
        number = caption[1].text.rstrip(":.")
        # its lines: those of its block, then those under it that start where it starts, with the
        # pieces beside them as far as its column goes (a formula in a caption may start a block of
        # its own; a table's values beside a label under it make that line a row, not the caption's)
        reach = (caption[0].x0 - 3, max(w.x1 for w in caption) + 3)
        column_edge = middle if reach[1] < middle else page.rect.width
        under = [(block, ln) for block, ln in lines if ln[0].yc > caption[0].yc
                 and reach[0] <= ln[0].x0 and ln[-1].x1 <= column_edge]
        starts = [ln for _, ln in under if ln[0].x0 <= reach[0] + 6 and ln[-1].x1 <= reach[1]]
        below = sorted((ln for block, ln in under if block != cap_block
                        and any(s[0].y0 < ln[0].yc < s[0].y1 for s in starts)), key=lambda ln: ln[0].yc)
        cap_lines = _caption_lines(caption, [ln for block, ln in lines if block == cap_block] + below)
        cap_text = " ".join(w.text for ln in cap_lines for w in ln)
        left, right = min(w.x0 for w in caption), max(w.x1 for ln in cap_lines for w in ln)
        x0, x1 = left - 30, right + 30
        # a caption in one half of a page of two columns: a column's table, not the other column's words
        half = right < middle and not one_column
        x0, x1 = (x0, min(x1, middle)) if half else (max(x0, middle), x1) if left > middle else (x0, x1)
        edge = middle if half else page.rect.width  # how far right a row may go on
        taken = {id(ln) for ln in cap_lines}  # the PDF may put the table in the caption's block
        words = [w for _, ln in lines if id(ln) not in taken for w in ln]
        # the table above the caption's first line, or below its last: the one with more rows of numbers
        best = max([[]] + [_region([w for w in words if x0 <= w.x1 and w.x0 <= x1], at, way)
                           for way, at in ((-1, caption[0].yc), (1, cap_lines[-1][0].yc))],
                   key=lambda rows: sum(any(CELL.match(w.text) for w in row) for row in rows))
        outside = [w for w in words if w.x1 < left and (w.x0 >= middle or left <= middle)]  # in the caption's half
        after = [w for w in words if x1 < (w.x0 + w.x1) / 2 and w.x1 <= edge]
        rows = _with_labels([_widened(r, after) for r in sorted(best, key=lambda r: r[0].yc)], outside)
        out.append((number, cap_text, rows))
    return out


def _region(inside: list[Word], y: float, direction: int) -> list[list[Word]]:
    """The rows of `inside` above (direction -1) or below (1) `y`, nearest first, up to a gap of more
    than 30 points or a line of prose (five lowercase words in one phrase); a header of several
    columns ("10 epochs  100 epochs  and softmax layers") is none, nor a row of a table of settings
    ("learning rate schedule  cosine decay")."""
    rows = sorted(_rows([w for w in inside if (w.yc - y) * direction > 0]), key=lambda r: abs(r[0].yc - y))
    region: list[list[Word]] = []
    last = y
    for row in rows:
        groups = word_groups(row)
        prose = len(groups) <= 2 and any(sum(bool(_LOWER.fullmatch(w.text)) for w in g) >= 5 for g in groups)
        if abs(row[0].yc - last) > 30 or prose:
            break
        region.append(row)
        last = row[0].yc
    return region


def _caption_lines(caption: list[Word], block: list[list[Word]]) -> list[list[Word]]:
    """The caption's lines: from its `Table N` line, the lines of its block that follow at a line's
    spacing as one run of words (a table's header or row, which the PDF may put in the same block, has
    gaps between its columns) and not a row of numbers."""
    out = [caption]
    rest = block[block.index(caption) + 1:]
    for ln in rest:
        if any(ln is o for o in out):
            continue
        height = max(1.0, max(o[0].y1 - o[0].y0 for o in out))  # a line's box may be squat (h3's Table 4)
        if abs(ln[0].yc - out[-1][0].yc) < 0.5 * height and ln[0].x0 > out[-1][-1].x1 + height:
            continue  # the other column's line beside the caption
        # the lines at its height, a taller one (a root sign, a fraction) among them
        row = [o for o in rest if abs(o[0].yc - ln[0].yc) < 0.5 * height or o[0].y0 < ln[0].yc < o[0].y1]
        words = sorted((w for o in row for w in o), key=lambda w: w.x0)
        cells = sum(bool(CELL.match(w.text)) for w in words)  # a formula's few numbers do not make a row
        if ln[0].yc - out[-1][0].yc > 1.8 * height or len(phrases(words)) > 1 or \
                (cells >= 2 and 3 * cells >= len(words)):
            break
        out += row
    return out


def _widened(row: list[Word], after: list[Word]) -> list[Word]:
    """A row with the cells on its line right of the caption's reach: a table may be wider than its
    (short) caption; the words that go on from the row's last one, each within eight letter heights
    of the one before (a table's column gap, not the gutter to a page's other column, which a
    caption in one half never reaches past)."""
    height = max(1.0, row[0].y1 - row[0].y0)
    edge = max(w.x1 for w in row)
    more = []
    for w in sorted((w for w in after if abs(w.yc - row[0].yc) < 0.45 * height and w.x0 >= edge),
                    key=lambda w: w.x0):
        if w.x0 - edge > 8 * height:
            break
        more.append(w)
        edge = w.x1
    return sorted(row + more, key=lambda w: w.x0) if more else row


def _with_labels(rows: list[list[Word]], outside: list[Word]) -> list[list[Word]]:
    """The rows with their labels put back where the table is wider than its caption: on each row's
    line, the short phrase (four words at most: a model's name, not the prose of a column beside
    the table) just left of it, each word within five letter heights of the next; or, where the
    words left of two rows or more start at one x (a column of labels set flush left, far from
    their values: "dim", "weight decay"), all of a row's words left of it, six at most (its label
    and the cells before the caption's reach)."""
    nearest: list[list[Word]] = []
    left: list[list[Word]] = []
    for row in rows:
        height = max(1.0, row[0].y1 - row[0].y0)
        beside = sorted((w for w in outside if abs(w.yc - row[0].yc) < 0.45 * height and w.x1 <= row[0].x0),
                        key=lambda w: -w.x1)
        label: list[Word] = []
        edge = row[0].x0
        for w in beside:
            if edge - w.x1 > 5 * height:
                break
            label.insert(0, w)
            edge = w.x0
        nearest.append(label if len(label) <= 4 else [])
        left.append(beside[::-1] if len(beside) <= 6 else [])
    starts = [round(words[0].x0) for words in left if words]
    flush = {x for x in starts if sum(abs(x - y) <= 2 for y in starts) >= 2}
    return [(words if words and any(abs(round(words[0].x0) - x) <= 2 for x in flush) else label) + row
            for row, label, words in zip(rows, nearest, left, strict=True)]


def word_groups(row: list[Word]) -> list[list[Word]]:
    """A row's words in runs: neighbours closer than a word gap ("error (%)", "10 epochs")."""
    out: list[list[Word]] = []
    for w in row:
        if out and w.x0 - out[-1][-1].x1 < 0.8 * (w.y1 - w.y0):
            out[-1].append(w)
        else:
            out.append([w])
    return out


def joined(words: list[Word]) -> Word:
    return Word(words[0].x0, min(w.y0 for w in words), words[-1].x1, max(w.y1 for w in words),
                " ".join(w.text for w in words))


def phrases(row: list[Word]) -> list[Word]:
    """A header row's words joined into phrases ("error (%)"): neighbours closer than a word gap."""
    return [joined(g) for g in word_groups(row)]


ASIDE = re.compile(r"^\([+-]?[\d.]+%?\)$")  # "(0.010)", "(+1.2)"


def value_cells(row: list[Word]) -> list[int]:
    """The positions in the row of its numbers that stand alone as cells: not 2.3 · 1019 (scientific
    notation), not the 10 of "10 epochs" (a header's words), not the 4 of "N = 4" (a header's
    setting) and not a number in brackets set just after another, "1.944 (0.010)": a spread over
    runs or a change, said of its neighbour."""
    out, i = [], 0
    for g in word_groups(row):
        worded = any(re.search(r"[^\W\d_]{2}", w.text) for w in g)
        out += [i + j for j, w in enumerate(g) if not worded and CELL.match(w.text)
                and not (i + j + 1 < len(row) and row[i + j + 1].text[:1] in "·×")
                and not (j and ASIDE.match(w.text) and CELL.match(g[j - 1].text))
                and not (j and g[j - 1].text.endswith(("=", "<", ">", "≤", "≥")))]
        i += len(g)
    return out


_SCALE = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def cell_value(text: str) -> float:
    m = CELL.match(text)
    assert m is not None
    if m.group(6):
        return float(m.group(6).replace(",", ""))
    if m.group(7):
        return float(f"{float(m.group(7)) * _SCALE[m.group(8)]:.12g}")
    return float(m.group(1) or m.group(3) or m.group(5).replace("−", "-"))


def axis_ticks(words: list[Word]) -> set[int]:
    """The ids of the words that are a plot's axis ticks (a figure beside the table): three or more
    whole numbers at one x (or one y), evenly spaced in value."""
    out: set[int] = set()
    for along, key in ((lambda w: w.yc, lambda w: w.x1), (lambda w: w.x1, lambda w: w.yc)):
        lines: list[list[Word]] = []
        for w in sorted(words, key=key):
            if lines and key(w) - key(lines[-1][-1]) < 2:
                lines[-1].append(w)
            else:
                lines.append([w])
        for line in lines:
            v = [cell_value(w.text) for w in sorted(line, key=along)]
            steps = {b - a for a, b in zip(v, v[1:], strict=False)}
            if len(v) >= 3 and all(x.is_integer() for x in v) and len(steps) == 1 and 0 not in steps:
                out.update(id(w) for w in line)
    return out
