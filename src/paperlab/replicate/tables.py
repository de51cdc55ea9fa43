"""The paper's tables as data: `paperlab replicate tables ID [--json|--csv]`.

Each captioned table is found as `claims suggest` finds it (layout.table_regions: the run of rows
above or below its `Table N` caption with the more numbers, running heads and feet left out), then
laid out as a grid: the x positions of the numbers that stand alone (not the 10 of a header's "10
epochs"), taken over all rows, make the columns; a row's label is its text left of the first column;
a column's header is, in each of the lowest three rows without numbers, the phrase most over it (top
to bottom, so a spanning header and the header under it both show; a phrase set tight over several
columns is split by them when its words, its settings ("N = 1 N = 2") or its pieces centred over
each stand one over each: headers.column_headers). A cell keeps the text the PDF
has and, where it is a number, its value, its ± part and whether it is a percentage; a cell set in a
bold face is marked (papers bold their best result). What is not read: merged cells spanning columns
below the header, rotated headers, tables without a caption, tables drawn as images, and the rows
of a table wider than its caption by more than 30 points a side whose words lie only outside it
(a row found inside goes on with the words that continue it on its line, each within a column gap
of the one before, and gets back its label: a short phrase just left of it, or farther left where
two rows' labels start at one x: layout._widened, layout._with_labels), or past the page's middle
when its caption lies in one half (a column's table: the other column's words are not its cells).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperlab.replicate.headers import column_headers, header_over
from paperlab.replicate.layout import (
    ASIDE,
    CELL,
    TABLE_MENTION,
    Word,
    bold_boxes,
    cell_value,
    in_boxes,
    page_blocks,
    phrases,
    running_lines,
    table_regions,
    value_cells,
)
from paperlab.replicate.measures import metric_of

_NUMBER_GAP = 6.0  # points between two numbers' centres below which they are one column


@dataclass
class Cell:
    text: str
    value: float | None = None
    std: float | None = None
    percent: bool = False
    bold: bool = False


@dataclass
class Row:
    label: str
    cells: list[Cell]


@dataclass
class Table:
    number: str
    page: int
    caption: str
    metric: str | None  # the metric the caption names, if one
    columns: list[str]
    rows: list[Row] = field(default_factory=list)


def _cell(word: Word, bold: bool) -> Cell:
    m = CELL.match(word.text)
    if m is None:
        return Cell(word.text, bold=bold)
    return Cell(word.text, cell_value(word.text), float(m.group(4)) if m.group(4) else None,
                bool(m.group(2)), bold)


def _grid(number: str, page_number: int, caption: str, rows: list[list[Word]],
          bold: list[tuple[float, float, float, float]]) -> Table | None:
    values = [value_cells(r) for r in rows]
    data = [r for r, at in zip(rows, values, strict=True) if at]
    if not data:
        return None
    headers = [h for h in column_headers(rows, values) if h[0].yc < data[0][0].yc]
    numbers = sorted((r[i] for r, at in zip(rows, values, strict=True) for i in at), key=lambda w: (w.x0 + w.x1) / 2)
    bands: list[list[Word]] = []
    for w in numbers:
        if bands and (w.x0 + w.x1) / 2 - (bands[-1][-1].x0 + bands[-1][-1].x1) / 2 < _NUMBER_GAP:
            bands[-1].append(w)
        else:
            bands.append([w])
    spans = [(min(w.x0 for w in b), max(w.x1 for w in b)) for b in bands]
    first = min(w.x0 for w in numbers)

    def column(w: Word) -> int:
        x = (w.x0 + w.x1) / 2
        return min(range(len(spans)), key=lambda i: 0 if spans[i][0] <= x <= spans[i][1]
                   else min(abs(x - spans[i][0]), abs(x - spans[i][1])))

    def is_bold(w: Word) -> bool:
        return in_boxes(w, bold)

    names = [header_over(headers, lo, hi) for lo, hi in spans]
    table = Table(number, page_number, caption, (metric_of(caption) or (None,))[0], names)
    for r in data:
        label = " ".join(w.text for w in r if w.x1 <= first)
        cells: list[list[Word]] = [[] for _ in spans]
        for w in r:
            if w.x1 > first:
                cells[column(w)].append(w)
        row = []
        for words in cells:
            if len(words) == 1:
                row.append(_cell(words[0], is_bold(words[0])))
            elif words and CELL.match(words[0].text) and all(ASIDE.match(w.text) for w in words[1:]):
                row.append(_cell(words[0], is_bold(words[0])))  # "1.944 (0.010)": the value, its aside kept
                row[-1].text = " ".join(w.text for w in words)
            else:
                row.append(Cell(" ".join(w.text for w in words), bold=bool(words) and all(map(is_bold, words))))
        table.rows.append(Row(re.sub(r"\s+", " ", label).strip(), row))
    return table


def read_tables(pdf: Path) -> list[Table]:
    """Every captioned table of the PDF, in page order."""
    return [table for table, _ in tables_and_lines(pdf)]


def tables_and_lines(pdf: Path) -> list[tuple[Table, list[list[str]]]]:
    """Every captioned table of the PDF, in page order, with each line of its region as its phrases
    (the words set a word gap apart), rows of words the grid leaves out ("Optimizer  AdamW") included."""
    from paperlab.retrieval.pdf import open_pdf

    out: list[tuple[Table, list[list[str]]]] = []
    with open_pdf(pdf) as doc:
        pages = [page_blocks(page, figures=True) for page in doc]
        running = running_lines(pages)
        for index, page in enumerate(doc):
            if not any(TABLE_MENTION.search(block[4]) for block in pages[index][1]):
                continue  # the blocks read for the running heads name no table
            bold = bold_boxes(page)
            for number, caption, rows in table_regions(page, running):
                table = _grid(number, index + 1, caption, rows, bold)
                if table is not None:
                    out.append((table, [[p.text for p in phrases(r)] for r in rows]))
    return out


def column_groups(table: Table, width: int) -> list[list[int]]:
    """The table's columns in groups that fit `width` characters beside the row labels, in order:
    a table wider than the terminal is shown a group at a time, so no number is split."""
    need = [max([len(c.text) for r in table.rows for c in r.cells[i:i + 1]] + [*map(len, name.split()), 5]) + 3
            for i, name in enumerate(table.columns)]
    labels = min(24, max([len(r.label) for r in table.rows] + [3])) + 4
    groups: list[list[int]] = [[]]
    for i, needed in enumerate(need):
        if groups[-1] and labels + sum(need[j] for j in groups[-1]) + needed > width:
            groups.append([])
        groups[-1].append(i)
    return groups


def to_csv(tables: list[Table]) -> str:
    """One line per cell: table, page, row, column, text, value, std, percent, bold."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["table", "page", "row", "column", "text", "value", "std", "percent", "bold"])
    for t in tables:
        for r in t.rows:
            for name, c in zip(t.columns, r.cells, strict=True):
                if c.text:
                    writer.writerow([t.number, t.page, r.label, name, c.text,
                                     "" if c.value is None else f"{c.value:g}", "" if c.std is None else f"{c.std:g}",
                                     int(c.percent), int(c.bold)])
    return buffer.getvalue()


def item_pdf(lib: Any, ref: str, what: str) -> tuple[Any, Path]:
    """The item and its PDF, or a one-line error saying there is no PDF to read `what` from."""
    from paperlab.errors import InvalidInput
    from paperlab.store.items import get_item

    item = get_item(lib.db, lib.resolve_id(ref))
    pdf = lib.home / item.pdf_path if item.pdf_path else None
    if pdf is None or not pdf.exists():
        raise InvalidInput(f"{item.id} has no PDF to read its {what} from; fetch or add the paper first")
    return item, pdf


def for_item(lib: Any, ref: str) -> tuple[Any, list[Table]]:
    """The item and the tables of its PDF."""
    item, pdf = item_pdf(lib, ref, "tables")
    return item, read_tables(pdf)
