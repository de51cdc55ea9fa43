"""Candidate claims: the numbers a paper reports as results, from its tables and its sentences.

Tables are read from word positions: each line is rebuilt from its characters sorted by x (PDFs often
draw a decimal point as a separate, lower glyph after the digits), a caption `Table N` anchors the
region, a cell's row is the text left of it and its column header the text above it. Sentences count
when a metric stands next to the number ("3.57% top-5 error", "BLEU score of 28.4", "accuracy to
86.7%"), and so do claims relative to another method ("2.4x faster", "25% fewer", metric
`relative`). Citations, section/table/figure numbers, years, axis ticks, layer counts and the numbers
inside metric names (the 5 of top-5) are dropped. Candidates are ranked so the headline results come
first (the abstract, numbers the text repeats from a table, the best value in a column); the first
MAX_CANDIDATES are what `claims suggest` shows, `--all` every one (the numbering is the same).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from paperlab.models import Suggestion
from paperlab.replicate.measures import one_dataset, split_in

MAX_CANDIDATES = 40
# metric words -> (canonical name, lower is better)
METRICS = [
    (r"top-?1 (?:test |val(?:idation)? )?err(?:or|\.)", "top1_error", True),
    (r"top-?5 (?:test |val(?:idation)? )?err(?:or|\.)", "top5_error", True),
    (r"top-?1 (?:test |val(?:idation)? )?acc(?:uracy)?", "top1_accuracy", False),
    (r"top-?5 (?:test |val(?:idation)? )?acc(?:uracy)?", "top5_accuracy", False),
    (r"(?<!standard )(?<!std\. )(?:test |val(?:idation)? |training )?(?:error(?: rate)?|err\.)", "error", True),
    (r"(?:test |val(?:idation)? )?acc(?:uracy)?", "accuracy", False),
    (r"bleu(?: score)?", "bleu", False), (r"glue score", "glue_score", False), (r"f1(?: score)?", "f1", False),
    (r"perplexity|ppl", "perplexity", True), (r"exact match|\bem\b", "exact_match", False),
    (r"ndcg", "ndcg", False), (r"map\b|mean average precision", "map", False), (r"auc", "auc", False),
    (r"rouge(?:-[12l])?", "rouge", False), (r"fid", "fid", True), (r"wer|word error rate", "wer", True),
    (r"(?:test |val(?:idation)? )?loss", "loss", True), (r"mse", "mse", True), (r"psnr", "psnr", False),
    (r"negative log-?likelihood|nll", "loss", True), (r"log-?likelihood", "log_likelihood", False),
    (r"bits per (?:character|char|byte)|bpc", "bits_per_character", True),
    (r"(?-i:AP(?:50|75|_?[SML])?)", "ap", False),  # average precision, as detection papers write it
]
METRIC = re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p, _, _ in METRICS) + r")", re.IGNORECASE)
RAW = {"bleu", "glue_score", "perplexity", "fid", "rouge", "psnr", "loss", "mse", "log_likelihood",
       "bits_per_character"}  # scores, not shares
NUMBER = re.compile(r"(?<![\w.\[\-])(\d{1,3}(?:\.\d+)?)(\s*%)?(?:\s*(?:±|\+-|\+/-)\s*(\d+(?:\.\d+)?))?(?![\w\-])")
VERB = r"(?:of|is|was|to|at|=|:|reaches|reaching|achieves|achieving|obtains|obtaining|improves|with)"
REFERENCE_BEFORE = re.compile(r"(?:Table|Tab\.|Figure|Fig\.|Section|Sec\.|Eq\.|Appendix|§)\s*$", re.IGNORECASE)


def metric_of(text: str) -> tuple[str, bool] | None:
    """The canonical metric named in `text` (the most specific first), and whether lower is better."""
    for pattern, name, lower in METRICS:
        if re.search(r"\b(?:" + pattern + r")", text, re.IGNORECASE):
            return name, lower
    return None


@dataclass
class Found:
    """A number with where it came from, before ranking."""

    value: float
    unit: str
    std: float | None
    metric: str
    lower: bool
    page: int
    context: str
    source: str  # "abstract", "text", or "Table N, row R, column C"
    score: float = 0.0
    dataset: str = ""  # the one benchmark its row, column, caption or sentence names
    split: str = ""
    model: str = ""  # its table row


# --- sentences -------------------------------------------------------------------------------------


COUNT_AFTER = re.compile(r"\s*(?:-|\s)?(?:optimi[sz]ation\s+)?(?:steps|updates|iterations|epochs|examples|samples|"
                         r"images|tokens|parameters|times|fold|x\b|×)", re.IGNORECASE)


def _is_noise(text: str, start: int, end: int, value: float, unit: str) -> bool:
    before, after = text[max(0, start - 30):start], text[end:end + 20]
    if re.search(r"\bby\s+(?:over\s+|more than\s+|about\s+|up to\s+|nearly\s+|almost\s+)?$", before):
        return True  # an improvement ("by over 2 BLEU"), not a result
    clause = text[text.rfind(",", 0, start) + 1:start]  # "the number of steps until ... reaches 99%"
    if re.search(r"\b(?:until|to reach|to achieve)\b", clause) or re.search(r"(?:[<>≥≤]|\bat least|\babove|"
                                                                          r"\bbelow|\bless than)\s*$", before):
        return True  # a threshold ("time to reach 99%", "until accuracy > 99%"), not a result
    if not unit and (re.search(r"\d\s+$", before) or re.match(r"\s+\d", after)):
        return True  # one of a run of bare numbers: axis ticks, a row of a table flattened into text
    if COUNT_AFTER.match(after) or (not unit and re.fullmatch(r"10[1-9]", text[start:end].strip())):
        return True  # a count, a ratio, or a power of ten whose exponent the PDF flattened
    if re.search(r"\[[^\]]*$", text[max(0, start - 20):start]):  # inside [11, 42]
        return True
    if REFERENCE_BEFORE.search(before) or (not unit and "." in text[start:end] and re.match(r"\s*[A-Z][a-z]", after)):
        return True  # Table 3, Figure 2, a section number before its heading
    if re.search(r"top-?$", before, re.IGNORECASE) or re.match(r"-?\s*(?:layers?|layer\b|k\b|M\b|x\b)", after):
        return True  # the 5 of top-5; 34-layer; 25M parameters
    return not unit and value.is_integer() and 1900 <= value <= 2030  # a year


# A claim relative to another method, as abstracts state their headline: "2.4x faster", "25% fewer
# toxic outputs", "preferred 85 ± 3% of the time", "about 65% of the model size", "reduces the
# iterations by over 40%". Its metric is "relative": a run checks it only against a baseline's run.
COMPARATIVE = (r"(?:faster|slower|fewer|less|more|higher|lower|better|smaller|larger|cheaper|speed-?ups?|"
               r"reductions?|improvements?|gains?|of\s+the\s+time|of\s+(?:the\s+|its\s+)?(?:computations?|compute|"
               r"flops|model\s+size|parameters|training\s+tokens|cost|performance))\b")
RELATIVE = re.compile(
    r"(?<![\w.\[\-])(?P<v>\d{1,4}(?:\.\d+)?)(?:\s*±\s*\d+(?:\.\d+)?)?(?P<u>\s?%|\s?×|x(?=\s)|-fold|\s+times)"
    r"\s+(?:[\w-]+\s+){0,3}?" + COMPARATIVE
    + r"|\bby\s+(?:over\s+|about\s+|around\s+|up\s+to\s+|nearly\s+|almost\s+|approximately\s+|more\s+than\s+"
    r"|roughly\s+|as\s+much\s+as\s+)?(?P<v2>\d{1,4}(?:\.\d+)?)(?P<u2>\s?%|\s?×|x(?=\s)|-fold)", re.IGNORECASE)


SELF_COMPARING = re.compile(r"faster|slower|fewer|less|more|higher|lower|better|smaller|larger|cheaper|speed-?up|"
                            r"reduction|improvement|gain", re.IGNORECASE)
# what makes "80% of the time" or "by 25%" a comparison rather than a procedure or a description
AGAINST = re.compile(r"\b(?:than|compared|versus|vs\b|relative\s+to|baselines?|outperform\w*|improv\w*|preferred|"
                     r"reduc\w*|speed\w*|only)", re.IGNORECASE)


def relative_claims(page: int, sentence: str, abstract: bool, taken: set[int]) -> list[Found]:
    """The relative claims of a sentence (numbers at positions in `taken` are already read)."""
    out = []
    for m in RELATIVE.finditer(sentence):
        group = "v" if m.group("v") else "v2"
        if m.start(group) in taken or not (SELF_COMPARING.search(m.group(0)) or AGAINST.search(sentence)):
            continue
        unit = "%" if "%" in (m.group("u") or m.group("u2") or "") else ""
        out.append(Found(float(m.group(group)), unit, None, "relative", False, page, sentence[:240],
                         "abstract" if abstract else "text", dataset=one_dataset(sentence)))
    return out


def from_sentences(page: int, text: str, abstract: bool) -> list[Found]:
    out: list[Found] = []
    flat = " ".join(text.split())
    for sentence in re.split(r"(?<=[.;])\s+(?=[A-Z])", flat):
        taken: set[int] = set()
        for m in NUMBER.finditer(sentence):
            value, unit = float(m.group(1)), "%" if m.group(2) else ""
            if _is_noise(sentence, m.start(), m.end(), value, unit):
                continue
            after = sentence[m.end():m.end() + 40]
            before = sentence[max(0, m.start() - 45):m.start()]
            # "BLEU score of 28.4", "accuracy to 86.7%" | "3.57% top-5 error", "28.4 BLEU"
            hit = re.search(r"(" + METRIC.pattern + r")(?:\s+[\w.()-]+){0,3}?\s+" + VERB + r"\s*(?:about\s+)?$",
                            before, re.IGNORECASE)
            if hit is None:
                hit = re.match(r"\s*(?:(?!and\b|or\b|but\b|while\b|than\b)[\w-]+\s+){0,2}?(" + METRIC.pattern + r")",
                               after, re.IGNORECASE)
            if hit is None:
                continue
            found = metric_of(hit.group(1))
            if found is None:
                continue
            std = float(m.group(3)) if m.group(3) else None
            taken.add(m.start())
            out.append(Found(value, unit, std, found[0], found[1], page, sentence[:240],
                             "abstract" if abstract else "text", dataset=one_dataset(sentence),
                             split=split_in(hit.group(1)) or split_in(sentence)))
        out += relative_claims(page, sentence, abstract, taken)
    return out


# --- tables ----------------------------------------------------------------------------------------


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


_CELL = re.compile(r"^\(?(\d{1,3}(?:\.\d+)?)(%)?\)?$|^\(?(\d{1,3}(?:\.\d+)?)(?:±|\+-)(\d+(?:\.\d+)?)\)?$")
_SKIP_COLUMNS = re.compile(r"#|param|flop|time|cost|layers?\b|size|depth|speed|days|memory|k\b", re.IGNORECASE)


def _rows(words: list[Word]) -> list[list[Word]]:
    """Words grouped into visual rows (overlapping in y), each sorted by x, with numbers whose
    decimal point was drawn as a separate, lower glyph put back together ("8" "." "75" -> "8.75")."""
    rows: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.yc, w.x0)):
        if rows and abs(rows[-1][0].yc - w.yc) < 0.45 * (w.y1 - w.y0):
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


def from_tables(page_number: int, page) -> list[Found]:  # type: ignore[no-untyped-def]
    return [f for number, caption, rows in table_regions(page) for f in _cells(page_number, number, caption, rows)]


def table_regions(page) -> list[tuple[str, str, list[list[Word]]]]:  # type: ignore[no-untyped-def]
    """The page's captioned tables: (number, caption text, the rows of words of the table, top to
    bottom), the table being the run of rows above or below its caption that holds more numbers."""
    lines = page_lines(page)
    captions = [(block, ln) for block, ln in lines if len(ln) > 1 and ln[0].text in ("Table", "TABLE")
                and re.match(r"^\d+[:.]?$", ln[1].text)]
    out: list[tuple[str, str, list[list[Word]]]] = []
    for cap_block, caption in captions:
        number = caption[1].text.rstrip(":.")
        cap_lines = [ln for block, ln in lines if block == cap_block]
        cap_text = " ".join(w.text for ln in cap_lines[cap_lines.index(caption):] for w in ln)
        x0, x1 = min(w.x0 for w in caption) - 30, max(w.x1 for ln in cap_lines for w in ln) + 30
        inside = [w for block, ln in lines if block != cap_block for w in ln if x0 <= (w.x0 + w.x1) / 2 <= x1]
        best: list[list[Word]] = []
        # the table above the caption's first line, or below its last
        for direction, y in ((-1, caption[0].yc), (1, cap_lines[-1][0].yc)):
            rows = _rows([w for w in inside if (w.yc - y) * direction > 0])
            rows.sort(key=lambda r: abs(r[0].yc - y))
            region: list[list[Word]] = []
            last = y
            for row in rows:
                prose = sum(bool(re.fullmatch(r"[a-z][a-z’'-]*[,.;:]?", w.text)) for w in row) >= 5
                if abs(row[0].yc - last) > 30 or prose:
                    break
                region.append(row)
                last = row[0].yc
            if sum(any(_CELL.match(w.text) for w in r) for r in region) > \
                    sum(any(_CELL.match(w.text) for w in r) for r in best):
                best = region
        outside = [w for block, ln in lines if block != cap_block for w in ln if w.x1 < x0 + 30]
        rows = [_with_label(r, outside) for r in sorted(best, key=lambda r: r[0].yc)]
        out.append((number, cap_text, rows))
    return out


def _with_label(row: list[Word], outside: list[Word]) -> list[Word]:
    """A row with its label put back where the table is wider than its caption: the words on its
    line just left of it (each within five letter heights of the next), when they are a short phrase
    (four words at most: a model's name, not the prose of a column beside the table)."""
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
    return label + row if 0 < len(label) <= 4 else row


def _phrases(row: list[Word]) -> list[Word]:
    """A header row's words joined into phrases ("error (%)"): neighbours closer than a word gap."""
    out: list[Word] = []
    for w in row:
        if out and w.x0 - out[-1].x1 < 0.8 * (w.y1 - w.y0):
            p = out[-1]
            out[-1] = Word(p.x0, min(p.y0, w.y0), w.x1, max(p.y1, w.y1), f"{p.text} {w.text}")
        else:
            out.append(w)
    return out


def _cells(page_number: int, number: str, caption: str, rows: list[list[Word]]) -> list[Found]:
    out: list[Found] = []
    caption_metric = metric_of(caption)
    header_rows = [_phrases(r) for r in rows if not any(_CELL.match(w.text) for w in r)]
    group = ""  # a label that spans rows ("ResNet" above "20", "32", "110")
    for row in rows:
        results: list[tuple[Word, str, tuple[str, bool]]] = []  # the row's cells that hold a result
        for i, cell in enumerate(row):
            if not _CELL.match(cell.text) or (i + 1 < len(row) and row[i + 1].text[:1] in "·×"):
                continue  # not a number, or 2.3 · 1019 (scientific notation, not a score)
            above = [h for r in header_rows if r[0].yc < cell.yc for h in r
                     if h.x0 - 6 <= cell.x1 and cell.x0 <= h.x1 + 6]
            header = " ".join(h.text for h in above[-3:])
            named = None if _SKIP_COLUMNS.search(header) else metric_of(header) or caption_metric
            if named is not None:
                results.append((cell, header, named))
        if not results:
            continue
        first = results[0][0]
        label = " ".join(w.text for w in row if w.x1 <= first.x0)  # everything left of the results
        label = re.sub(r"\s*\[[\d, ]+\]", "", label).strip()
        if label and not _CELL.match(label.split()[0]):
            group = label.split()[0]
        elif label and group:
            label = f"{group} {label}"
        for cell, header, (metric, lower) in results:
            m = _CELL.match(cell.text)
            assert m is not None
            value = float(m.group(1) or m.group(3))
            std = float(m.group(4)) if m.group(4) else None
            unit = "%" if m.group(2) or "%" in header or "(%)" in caption else ""
            source = (f"Table {number}" + (f", row '{label[:40]}'" if label else "")
                      + (f", column '{header[:30]}'" if header else ""))
            out.append(Found(value, unit, std, metric, lower, page_number,
                             f"{caption[:120]} | {label} | {header}: {cell.text}", source,
                             dataset=one_dataset(header, label, caption), split=split_in(f"{header} {caption}"),
                             model=label[:60]))
    return out


# --- all of it, ranked -----------------------------------------------------------------------------


def suggest_pdf(pdf: Path, version: int | None = None, limit: int | None = MAX_CANDIDATES) -> list[Suggestion]:
    """Ranked candidate claims from a PDF's tables and sentences: the first `limit` (None: all)."""
    from paperlab.retrieval import mupdf

    pymupdf = mupdf.load()

    found: list[Found] = []
    with pymupdf.open(pdf) as doc:
        for index, page in enumerate(doc):
            text = page.get_text()
            if index == 0:  # the abstract: page 1 before the introduction
                intro = re.search(r"\n\s*(?:1\.?\s+)?Introduction\b", text)
                cut = intro.start() if intro else len(text)
                found += from_sentences(1, text[:cut], True) + from_sentences(1, text[cut:], False)
            else:
                found += from_sentences(index + 1, text, False)
            if re.search(r"\bTable\s+\d", text):
                found += from_tables(index + 1, page)
    return rank(found, version, limit)


def rank(found: list[Found], version: int | None = None, limit: int | None = MAX_CANDIDATES) -> list[Suggestion]:
    text_values = {(f.value, f.metric) for f in found if not f.source.startswith("Table")}
    for f in found:
        f.score = {"abstract": 4.0, "text": 1.0}.get(f.source, 1.5)
        if f.metric == "relative":  # after the paper's own measurements: a run cannot check it alone
            f.score /= 2
        if f.source.startswith("Table") and (f.value, f.metric) in text_values:
            f.score += 2.0  # the text repeats it: a result the authors point to
    best: dict[tuple[str, str], float] = {}  # the best value in each table column
    for f in found:
        if f.source.startswith("Table"):
            column = (f.source.split(", row")[0] + f.source.rsplit("column", 1)[-1], f.metric)
            if column not in best or (f.value < best[column] if f.lower else f.value > best[column]):
                best[column] = f.value
    for f in found:
        if f.source.startswith("Table"):
            column = (f.source.split(", row")[0] + f.source.rsplit("column", 1)[-1], f.metric)
            if best.get(column) == f.value:
                f.score += 1.0
    unique: dict[tuple[float, str, int], Found] = {}
    for f in sorted(found, key=lambda f: -f.score):
        unique.setdefault((f.value, f.metric, f.page), f)
    ordered = sorted(unique.values(), key=lambda f: (-f.score, f.page))[:limit]
    return [Suggestion(n, f.metric, f.value, f.unit, f.page, f.context, source=f.source, std=f.std,
                       lower=f.lower, raw=f.metric in RAW and not f.unit, dataset=f.dataset, split=f.split,
                       model=f.model)
            for n, f in enumerate(ordered, start=1)]
