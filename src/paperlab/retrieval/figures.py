"""The figures of a PDF page: the drawings and images a `Figure N` caption sits under (or over), so
that the text inside them (axis ticks, legends, panel titles) is not read as the paper's prose.

A figure is anchored by its caption, a text block that starts "Figure 3:", "Fig. 3." or "FIGURE 3|"
(a sentence that starts "Figure 3 shows" is none). Its graphics are the page's images and PyMuPDF's
clusters of vector drawings (`Page.cluster_drawings`) that overlap the caption's width and lie within
GAP points above it, then each further one within GAP of those taken that overlaps their width, or a
panel within PANEL_GAP beside one taken (a figure of several panels); when none lies above, those
below (a caption set over its figure). The box is the graphics' union widened by MARGIN a side (tick
labels sit outside the axes' lines), down to the caption. Tables (`Table N`) and algorithm boxes
(`Algorithm N`) are no figures, and a graphic nearer to their caption than to any figure's (a
table's rules, an algorithm's frame) is theirs: their text states settings and results.
"""

from __future__ import annotations

import re
from typing import Any

Box = tuple[float, float, float, float]  # x0, y0, x1, y1

GAP = 40.0
MARGIN = 12.0
PANEL_GAP = 15.0
CAPTION = re.compile(r"^\s*(?:Figure|FIGURE|Fig\.|FIG\.)\s*(?:\d+|[IVX]{1,6})\s*[:.|]")
OTHER_CAPTION = re.compile(r"^\s*(?:Table|TABLE|Tab\.|Algorithm|ALGORITHM)\s*(?:\d+|[IVX]{1,6})\s*[:.|]?")


def figure_boxes(page: Any, blocks: list[tuple[float, float, float, float, str]]) -> list[Box]:
    """The boxes of the page's captioned figures; `blocks` are its text blocks (x0, y0, x1, y1, text).
    A page without a figure caption costs nothing more."""
    figures = [b[:4] for b in blocks if CAPTION.match(b[4])]
    if not figures:
        return []
    graphics = [tuple(info["bbox"]) for info in page.get_image_info()]
    graphics += [tuple(rect) for rect in page.cluster_drawings()]
    graphics = [g for g in graphics if g[2] - g[0] > 10 and g[3] - g[1] > 10]
    others = [b[:4] for b in blocks if OTHER_CAPTION.match(b[4])]
    # a table's rules or an algorithm's frame, nearer its own caption than any figure's, is theirs
    free = [g for g in graphics if min([_distance(g, c) for c in others] or [float("inf")])
            >= min(_distance(g, c) for c in figures)]
    return [box for caption in figures if (box := figure_of(caption, free)) is not None]


def _distance(g: Box, caption: Box) -> float:
    """How far a graphic lies above or below a caption it overlaps in width (inf: it does not)."""
    if min(g[2], caption[2]) <= max(g[0], caption[0]):
        return float("inf")
    return max(caption[1] - g[3], g[1] - caption[3], 0.0)


def figure_of(caption: Box, graphics: list[Box]) -> Box | None:
    """The box of the figure a caption names: its graphics above it, else below it (None: none)."""
    for above in (True, False):
        box: Box | None = None
        grown = True
        while grown:
            grown = False
            for g in graphics:
                if box is not None and _inside(g, box):
                    continue
                left = min(caption[0], box[0]) if box else caption[0]
                right = max(caption[2], box[2]) if box else caption[2]
                if min(g[2], right) <= max(g[0], left) and not (box and _beside(g, box)):
                    continue  # neither over (or under) the caption or the figure, nor a panel beside it
                if above:  # its bottom above the caption, within GAP of the caption or the figure
                    beside, gap = g[3] <= caption[1] + 2, (box[1] if box else caption[1]) - g[3]
                else:
                    beside, gap = g[1] >= caption[3] - 2, g[1] - (box[3] if box else caption[3])
                if beside and gap <= GAP:
                    box = g if box is None else (min(box[0], g[0]), min(box[1], g[1]), max(box[2], g[2]),
                                                 max(box[3], g[3]))
                    grown = True
        if box is not None:
            x0, y0, x1, y1 = box
            return (x0 - MARGIN, y0 - MARGIN, x1 + MARGIN, caption[1]) if above else \
                (x0 - MARGIN, caption[3], x1 + MARGIN, y1 + MARGIN)
    return None


def _beside(g: Box, box: Box) -> bool:
    """A panel next to the figure's: within PANEL_GAP of it across, over at least half its height."""
    across = max(g[0] - box[2], box[0] - g[2])
    over = min(g[3], box[3]) - max(g[1], box[1])
    return across <= PANEL_GAP and over >= 0.5 * min(g[3] - g[1], box[3] - box[1])


def _inside(inner: Box, outer: Box) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def in_figure(bbox: Box, boxes: list[Box]) -> bool:
    """Whether a text block's centre lies in one of the figure boxes."""
    x, y = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    return any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)
