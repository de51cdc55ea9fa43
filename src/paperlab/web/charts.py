"""Inline SVG charts for the replication page: learning curves from metrics.jsonl and reported vs
obtained values. Drawn here (a few lines of SVG) rather than with matplotlib, which takes a second
to import; every label is escaped."""

from __future__ import annotations

import math
from html import escape
from typing import Any

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
W, H, LEFT, RIGHT, TOP, BOTTOM = 420, 240, 56, 12, 24, 36


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def line_chart(title: str, series: dict[str, list[tuple[float, float]]],
               reference: list[tuple[str, float]] | None = None, log_x: bool = True) -> str:
    """One metric over steps, a line per run; `reference` values (a paper's) are dashed lines."""
    points = [(x, y) for pts in series.values() for x, y in pts if math.isfinite(y)]
    refs = [(name, v) for name, v in reference or [] if math.isfinite(v)]
    if not points:
        return ""
    log_x = log_x and all(x > 0 for x, _ in points)
    fx = (lambda x: math.log10(x)) if log_x else (lambda x: x)
    xs = [fx(x) for x, _ in points]
    ys = [y for _, y in points] + [v for _, v in refs]
    x_lo, x_hi = min(xs), max(xs)
    y_lo, y_hi = min(ys), max(ys)
    if x_hi == x_lo:
        x_hi = x_lo + 1
    if y_hi == y_lo:
        y_hi = y_lo + 1
    pad = (y_hi - y_lo) * 0.05
    y_lo, y_hi = y_lo - pad, y_hi + pad

    def px(x: float) -> float:
        return LEFT + (fx(x) - x_lo) / (x_hi - x_lo) * (W - LEFT - RIGHT)

    def py(y: float) -> float:
        return TOP + (y_hi - y) / (y_hi - y_lo) * (H - TOP - BOTTOM)

    out = [f'<svg class="chart curves" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">',
           f'<text x="{W / 2}" y="16" text-anchor="middle" class="chart-title">{escape(title)}</text>',
           f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" height="{H - TOP - BOTTOM}" class="frame"/>']
    for y in (y_lo + pad, (y_lo + y_hi) / 2, y_hi - pad):
        out.append(f'<text x="{LEFT - 4}" y="{py(y) + 4:.1f}" text-anchor="end" class="tick">{_fmt(y)}</text>')
    lo_x, hi_x = min(x for x, _ in points), max(x for x, _ in points)
    out.append(f'<text x="{LEFT}" y="{H - 18}" class="tick">{_fmt(lo_x)}</text>')
    out.append(f'<text x="{W - RIGHT}" y="{H - 18}" text-anchor="end" class="tick">{_fmt(hi_x)}</text>')
    out.append(f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 4}" text-anchor="middle" class="tick">'
               f'step{" (log)" if log_x else ""}</text>')
    for n, (name, value) in enumerate(refs):
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{py(value):.1f}" y2="{py(value):.1f}" '
                   f'class="reference"><title>reported: {escape(name)} = {_fmt(value)}</title></line>')
        out.append(f'<text x="{W - RIGHT - 2}" y="{py(value) - 3 - 10 * n:.1f}" text-anchor="end" '
                   f'class="tick">reported {_fmt(value)}</text>')
    for n, (name, pts) in enumerate(series.items()):
        kept = [(x, y) for x, y in pts if math.isfinite(y) and (not log_x or x > 0)]
        if not kept:
            continue
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in kept)
        out.append(f'<polyline points="{path}" fill="none" stroke="{COLOURS[n % len(COLOURS)]}" '
                   f'stroke-width="1.5"><title>{escape(name)}</title></polyline>')
    out.append("</svg>")
    return "".join(out)


def bars(title: str, reported: float, obtained: float, spread: float | None, verdict: str) -> str:
    """Two bars: the paper's value and the runs' mean (with its standard deviation)."""
    top = max(abs(reported), abs(obtained) + (spread or 0.0), 1e-12) * 1.1
    width, height, base = 180, 200, 170
    scale = (base - 30) / top
    out = [f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
           f'<text x="{width / 2}" y="14" text-anchor="middle" class="chart-title"><title>{escape(title)}</title>'
           f'{escape(title if len(title) <= 24 else title[:23] + "…")}</text>',
           f'<text x="{width / 2}" y="{height - 2}" text-anchor="middle" class="verdict">{escape(verdict)}</text>']
    for i, (label, value, css) in enumerate((("reported", reported, "bar-reported"),
                                             ("obtained", obtained, "bar-obtained"))):
        h = abs(value) * scale
        x = 30 + i * 70
        out.append(f'<rect x="{x}" y="{base - h:.1f}" width="50" height="{h:.1f}" class="{css}">'
                   f'<title>{label}: {_fmt(value)}</title></rect>')
        out.append(f'<text x="{x + 25}" y="{base - h - 4:.1f}" text-anchor="middle" class="tick">{_fmt(value)}</text>')
        out.append(f'<text x="{x + 25}" y="{base + 12}" text-anchor="middle" class="tick">{label}</text>')
    if spread:
        x, y = 30 + 70 + 25, base - abs(obtained) * scale
        out.append(f'<line x1="{x}" x2="{x}" y1="{y - spread * scale:.1f}" y2="{y + spread * scale:.1f}" class="err"/>')
    out.append("</svg>")
    return "".join(out)


def curves_for(rows_by_run: dict[str, list[dict[str, Any]]],
               references: dict[str, list[tuple[str, float]]]) -> list[str]:
    """A chart per metric that metrics.jsonl logs (loss curves included), each with the reported
    values of the claims on that metric."""
    keys = sorted({k for rows in rows_by_run.values() for row in rows for k, v in row.items()
                   if k not in ("step", "time_s") and isinstance(v, (int, float)) and not isinstance(v, bool)})
    charts = []
    for key in keys:
        series = {run: [(float(r["step"]), float(r[key])) for r in rows
                        if isinstance(r.get(key), (int, float)) and isinstance(r.get("step"), (int, float))]
                  for run, rows in rows_by_run.items()}
        chart = line_chart(key, series, references.get(key))
        if chart:
            charts.append(chart)
    return charts


def legend(names: list[str]) -> str:
    """Which colour is which run, in the order the curves drew them."""
    return "".join(f'<span class="key"><svg width="14" height="10" aria-hidden="true"><rect width="14" height="10" '
                   f'fill="{COLOURS[n % len(COLOURS)]}"/></svg> {escape(name)}</span>' for n, name in enumerate(names))
