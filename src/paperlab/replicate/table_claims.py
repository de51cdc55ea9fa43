"""Candidate claims from a page's tables, and the record every candidate is read into (`Found`).

A table comes from word positions (layout.table_regions); a cell counts when its column header, else
its row's label ("Pile (Loss)"), else the caption names a metric (the caption only where no column
names one: left of a column of BLEU, the columns N and d_model are settings; right of it, results in
a metric the header does not name). In a table of results whose column or row is a benchmark or an
average and names no metric ("PIQA HellaSwag Avg"), or whose caption and headers name no metric at
all, the cell is a "score", whose direction the paper did not state. A cell's row is the text left of
it, its column header the text above it; a cell set in bold, in a table that is not bold throughout,
is marked: the paper's pick of its column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from paperlab.replicate.headers import column_headers, header_over
from paperlab.replicate.layout import (
    CELL,
    Word,
    axis_ticks,
    bold_boxes,
    cell_value,
    in_boxes,
    table_regions,
    value_cells,
)
from paperlab.replicate.measures import datasets_in, metric_of, one_dataset, split_in


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
    source: str  # "abstract", "intro" (the introduction), "text", or "Table N, row R, column C"
    score: float = 0.0
    dataset: str = ""  # the one benchmark its row, column, caption or sentence names
    split: str = ""
    model: str = ""  # its table row
    bold: bool = False  # a table cell set in bold among cells that mostly are not: the paper's pick


# A table of results (its caption says so, or a column averages others) whose benchmark columns or
# rows name no metric: LM evaluations ("ARC-E PIQA HellaSwag Avg"), a task per row ("Arc-E 77.6 75.4").
# Their cells are the metric "score", whose direction the paper did not state.
RESULTS = re.compile(r"\b(?:results?|performance|evaluations?|benchmarks?|compar(?:e|es|ed|ing|ison))\b"
                     r"|\b(?:zero|few|one|\d+)-shot\b", re.IGNORECASE)
AVERAGE = re.compile(r"\b(?:avg|average|overall)\b", re.IGNORECASE)
SETTINGS_CAPTION = re.compile(r"hyper-?param|settings?\b|config|architectur|statistic|detail|sizes?\b|dimension",
                              re.IGNORECASE)
SCORE = ("score", False)


def benchmark(text: str) -> bool:
    """Whether a header or row label names a benchmark or an average over them."""
    return bool(datasets_in(text) or AVERAGE.search(text))


_SKIP_COLUMNS = re.compile(r"#|param|flop|time|cost|layers?\b|heads?\b|size|depth|speed|days|memory|\bk\b",
                           re.IGNORECASE)


def from_tables(page_number: int, page, running: frozenset[str] = frozenset()) -> list[Found]:  # type: ignore[no-untyped-def]
    regions = table_regions(page, running)
    bold = bold_boxes(page) if regions else []
    return [f for number, caption, rows in regions for f in _cells(page_number, number, caption, rows, bold)]


_BARE_TOP = re.compile(r"\btop-?([15])\b", re.IGNORECASE)


def _top_k(numbers: list[list[tuple[int, Word, str]]]) -> Callable[[str], tuple[str, bool] | None]:
    """The metric of columns headed "top-1" and "top-5" alone: errors where a row's top-1 is the larger
    (a top-5 error is never above the top-1 error), accuracies where it is the smaller."""
    votes = 0
    for cells in numbers:
        by_k = {m.group(1): cell_value(w.text) for _, w, h in cells if (m := _BARE_TOP.search(h)) and not metric_of(h)}
        if len(by_k) == 2 and by_k["1"] != by_k["5"]:
            votes += 1 if by_k["1"] > by_k["5"] else -1

    def metric(header: str) -> tuple[str, bool] | None:
        m = _BARE_TOP.search(header)
        if m is None or votes == 0 or metric_of(header):
            return None
        return (f"top{m.group(1)}_error", True) if votes > 0 else (f"top{m.group(1)}_accuracy", False)
    return metric


def _cells(page_number: int, number: str, caption: str, rows: list[list[Word]],
           bold: Sequence[tuple[float, float, float, float]] = ()) -> list[Found]:
    out: list[Found] = []
    values = [value_cells(row) for row in rows]
    header_rows = column_headers(rows, values)

    ticks = axis_ticks([row[i] for row, at in zip(rows, values, strict=True) for i in at])
    numbers = [[(i, w, header_over([h for h in header_rows if h[0].yc < w.yc], w.x0, w.x1))
                for i, w in ((i, row[i]) for i in at) if id(w) not in ticks]
               for row, at in zip(rows, values, strict=True)]
    topk = _top_k(numbers)
    # The caption's metric stands for columns that name none, unless some column names its own: then
    # those left of the first such column hold settings (N, d_model, dropout), and those right of it
    # results in a metric the header does not name (scores).
    first_metric = min((w.x0 for cells in numbers for _, w, h in cells if metric_of(h) or topk(h)), default=None)
    caption_metric = None if first_metric is not None else metric_of(caption)
    results_table = RESULTS.search(caption) or any(AVERAGE.search(h) for cells in numbers for _, _, h in cells)
    # a results table whose caption and headers name no metric (nor a benchmark we know): its cells
    # are scores too, unless the caption says it lists settings
    unnamed = results_table and first_metric is None and caption_metric is None and not SETTINGS_CAPTION.search(caption)
    group = ""  # a label that spans rows ("ResNet" above "20", "32", "110")
    for row, cells in zip(rows, numbers, strict=True):
        # a row that names its metric ("Pile (Loss)") where the columns name models
        row_label = " ".join(w.text for w in row[:cells[0][0]]) if cells else ""
        row_metric = metric_of(row_label)
        row_score = bool(results_table) and benchmark(row_label)
        results: list[tuple[Word, str, tuple[str, bool]]] = []  # the row's cells that hold a result
        for _, cell, head in cells:
            named = None if _SKIP_COLUMNS.search(head) else \
                metric_of(head) or topk(head) or row_metric or caption_metric \
                or (SCORE if row_score or unnamed or (results_table and benchmark(head))
                    or (first_metric is not None and cell.x0 >= first_metric) else None)
            if named is not None:
                results.append((cell, head, named))
        if not results:
            continue
        first = results[0][0]
        label = " ".join(w.text for w in row if w.x1 <= first.x0)  # everything left of the results
        label = re.sub(r"\s*\[[\d, ]+\]", "", label).strip()
        if label and not CELL.match(label.split()[0]):
            group = label.split()[0]
        elif label and group:
            label = f"{group} {label}"
        for cell, header, (metric, lower) in results:
            m = CELL.match(cell.text)
            assert m is not None
            value = cell_value(cell.text)
            std = float(m.group(4)) if m.group(4) else None
            unit = "%" if m.group(2) or "%" in header or "(%)" in caption else ""
            source = (f"Table {number}" + (f", row '{label[:40]}'" if label else "")
                      + (f", column '{header[:30]}'" if header else ""))
            out.append(Found(value, unit, std, metric, lower, page_number,
                             f"{caption[:120]} | {label} | {header}: {cell.text}", source,
                             dataset=one_dataset(header, label, caption), split=split_in(f"{header} {caption}"),
                             model=label[:60], bold=in_boxes(cell, bold)))
    if 2 * sum(f.bold for f in out) > len(out):  # a table set in bold throughout marks no pick
        for f in out:
            f.bold = False
    return out
