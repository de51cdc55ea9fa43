"""A table's column headers, from the rows above its values: a phrase set tight over several
columns is split where its pieces stand over them (its words, its settings "N = 1 N = 2", or pieces
centred over each), and a column's header is the phrase most over it in each header row."""

from __future__ import annotations

from paperlab.replicate.layout import Word, joined, word_groups


def column_headers(rows: list[list[Word]], values: list[list[int]]) -> list[list[Word]]:
    """The phrases of the rows without values; a phrase over as many columns of values as it has
    words ("Perplexity BLEU" set tight over two columns) is taken word by word, and one over as many
    as it has settings ("N = 1 N = 2") setting by setting."""
    centres = sorted((w.x0 + w.x1) / 2 for row, at in zip(rows, values, strict=True) for w in (row[i] for i in at))
    columns = [x for k, x in enumerate(centres) if k == 0 or x - centres[k - 1] > 6]
    clusters: list[list[float]] = []  # the values' centres, a column's within 10 points of each other
    for x in centres:
        if clusters and x - clusters[-1][-1] <= 10:
            clusters[-1].append(x)
        else:
            clusters.append([x])
    middles = [sum(c) / len(c) for c in clusters]
    out = []
    for row, at in zip(rows, values, strict=True):
        if at:
            continue
        heads: list[Word] = []
        for g in word_groups(row):
            spanned = sum(g[0].x0 <= x <= g[-1].x1 for x in columns)
            settings = _assignments(g)
            if len(g) > 1 and spanned == len(g):
                heads += g
            elif spanned > 1 and len(settings) == spanned:
                heads += [joined(s) for s in settings]
            elif spanned > 1 and (pieces := _aligned(g, middles)):
                heads += [joined(p) for p in pieces]
            else:
                heads.append(joined(g))
        out.append(heads)
    return out


def _aligned(words: list[Word], middles: list[float]) -> list[list[Word]]:
    """A phrase set tight over several columns as the headers of each ("# Layers Hidden Size # Heads"):
    its words joined by the column (`middles`: the columns' centres) each stands over, when every
    piece is centred over its column within 2 points, as typesetting centres a header; [] for a
    phrase that spans them ("Attention to Answer"): of those the development papers have, each had
    a piece 3-8 points off its column's centre. One whose pieces happen to sit centred is split."""
    inside = [x for x in middles if words[0].x0 - 8 <= x <= words[-1].x1 + 8]
    if len(inside) < 2:
        return []
    for lead in range(min(3, len(words) - len(inside)) + 1):  # the row labels' own header first ("# Shot")
        if pieces := _centred(words[lead:], inside):
            return [words[:lead]] * bool(lead) + pieces
    return []


def _centred(words: list[Word], inside: list[float]) -> list[list[Word]]:
    """`words` as one piece centred over each column of `inside` (their centres), within 2 points; []."""
    pieces: list[tuple[int, list[Word]]] = []
    for w in words:
        at = min(range(len(inside)), key=lambda i: abs((w.x0 + w.x1) / 2 - inside[i]))
        if pieces and pieces[-1][0] == at:
            pieces[-1][1].append(w)
        else:
            pieces.append((at, [w]))
    if len(pieces) != len(inside) or any(abs((p[0].x0 + p[-1].x1) / 2 - inside[at]) > 2 for at, p in pieces):
        return []
    return [p for _, p in pieces]


def _assignments(words: list[Word]) -> list[list[Word]]:
    """A phrase of settings, "N = 1 N = 2 N = 4", as its settings (each "name = value"); [] for any
    other phrase."""
    out: list[list[Word]] = []
    for i in range(0, len(words) - 2, 3):
        if words[i + 1].text != "=":
            return []
        out.append(words[i:i + 3])
    return out if 3 * len(out) == len(words) else []


def header_over(headers: list[list[Word]], x0: float, x1: float) -> str:
    """The header of a column spanning x0..x1: in each header row (`column_headers`) with a phrase over
    it (six points of slack), the phrase most over it; the lowest three rows, top to bottom."""
    def overlap(h: Word) -> float:
        return min(h.x1, x1 + 6) - max(h.x0, x0 - 6)
    above = [max(r, key=overlap) for r in headers if max(map(overlap, r)) >= 0]
    return " ".join(h.text for h in above[-3:])
