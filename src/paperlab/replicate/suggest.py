"""Candidate claims: the numbers a paper reports as results, from its tables (`table_claims`) and
its sentences, ranked.

Sentences count when a metric stands next to the
number ("3.57% top-5 error", "BLEU score of 28.4", "accuracy to 86.7%") or earlier in its clause
before a verb of achieving ("the BLEU score of the model ... can only achieve 8.45"), the other
numbers of a list one of them is ("28.4 and 41.8 BLEU"; each with its benchmark where the sentence pairs
them "respectively", or where each item says it: "37.2 on WikiText-103 and 31.9 on ..."), where a
drop or a rise ends ("drops from 25.3% to 23.7%"), a share "with 70.6% on MMLU", and claims relative
to another method ("2.4x faster", "25% fewer", "gains of 1.34 BLEU", "by 0.9% for A and 0.6% for B",
"by a factor of 4 to 20", "a speedup of 2.5x", "retains 98.5% of the accuracy", "closes 60% of the
gap", metric `relative`), and "an average score of 68.9" (a `score`). Citations,
section/table/figure numbers, years, axis ticks, layer counts and the numbers inside metric names
(the 5 of top-5) are dropped. Candidates are ranked so the headline results come first (the
abstract, numbers the text repeats from a table, the best value in a column (for a score, whose
direction is unknown, the cell the paper set in bold), the abstract's relative claims, the paper's
own method's rows, averages; the appendix lower); the first MAX_CANDIDATES are what `claims suggest`
shows, `--all` every one (the numbering is the same).
"""

from __future__ import annotations

import re
from pathlib import Path

from paperlab.models import Suggestion
from paperlab.replicate.layout import TABLE_MENTION, body_text, page_blocks, running_lines
from paperlab.replicate.measures import (
    METRIC,
    RAW,
    datasets_at,
    datasets_in,
    metric_of,
    one_dataset,
    split_in,
)
from paperlab.replicate.notation import tabular
from paperlab.replicate.relative import BY, GAIN, continued, relative_claims
from paperlab.replicate.table_claims import AVERAGE, SCORE, Found, from_tables

MAX_CANDIDATES = 40
NUMBER = re.compile(r"(?<![\w.\[\-])(\d{1,3}(?:\.\d+)?)(\s*%)?(?:\s*(?:±|\+-|\+/-)\s*(\d+(?:\.\d+)?))?(?![\w\-])")
VERB = r"(?:of|is|was|are|were|to|at|=|:|reaches|reaching|achieves|achieving|obtains|obtaining|improves|with)"
ACHIEVE = r"(?:achieves?|achieved|reach(?:es|ed)?|obtains?|obtained|attains?|attained|yields?|scores?)"
REFERENCE_BEFORE = re.compile(r"(?:Table|Tab\.|Figure|Fig\.|Section|Sec\.|Eq\.|Appendix|§)\s*$", re.IGNORECASE)


# --- sentences -------------------------------------------------------------------------------------


COUNT_AFTER = re.compile(r"\s*(?:-|\s)?(?:optimi[sz]ation\s+)?(?:steps|updates|iterations|epochs|examples|samples|"
                         r"images|tokens|parameters|times|fold|x\b|×)", re.IGNORECASE)


def _is_noise(text: str, start: int, end: int, value: float, unit: str) -> bool:
    before, after = text[max(0, start - 30):start], text[end:end + 20]
    if re.search(BY + r"$", before):
        return True  # an improvement ("by over 2 BLEU"): a relative claim, not a measured result
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


_RESPECTIVELY = re.compile(r"\brespectively\b", re.IGNORECASE)
_RUN = re.compile(r"\d+(?:\.\d+)?\s*%?(?:\s*,\s*\d+(?:\.\d+)?\s*%?)*,?\s+and\s+\d+(?:\.\d+)?\s*%?")


def respective(sentence: str) -> dict[int, str]:
    """Where a sentence pairs a list of numbers with as many benchmarks "respectively" ("84.3% and
    91.2% on ImageNet and CIFAR-10, respectively"): each number's offset, and its benchmark."""
    named = datasets_at(sentence) if _RESPECTIVELY.search(sentence) else []
    for run in _RUN.finditer(sentence) if len(named) > 1 else ():
        starts = [n.start() for n in NUMBER.finditer(sentence, run.start(), run.end())]
        if len(starts) == len(named):
            return {at: name for at, (_, name) in zip(starts, named, strict=True)}
    return {}


def from_sentences(page: int, text: str, abstract: bool) -> list[Found]:
    out: list[Found] = []
    flat = " ".join(text.split())
    for sentence in re.split(r"(?<=[.;])\s+(?=[A-Z])", flat):
        taken: set[int] = set()
        paired = respective(sentence)
        made: dict[int, Found] = {}  # by the number's offset
        for gain in GAIN.finditer(sentence):
            for n in NUMBER.finditer(sentence, gain.start("list"), gain.end("list")):
                taken.add(n.start())
                out.append(Found(float(n.group(1)), "", None, "relative", False, page, sentence[:240],
                                 "abstract" if abstract else "text",
                                 dataset=paired.get(n.start()) or one_dataset(sentence)))
        for m in NUMBER.finditer(sentence):
            if m.start() in taken:
                continue
            value, unit = float(m.group(1)), "%" if m.group(2) else ""
            if _is_noise(sentence, m.start(), m.end(), value, unit):
                continue
            after = sentence[m.end():m.end() + 40]
            before = sentence[max(0, m.start() - 45):m.start()]
            # "BLEU score of 28.4", "accuracy to 86.7%" | "3.57% top-5 error", "28.4 BLEU"
            hit = re.search(r"(" + METRIC.pattern + r")(?:\s+[\w.()%-]+){0,5}?\s+" + VERB + r"\s*(?:about\s+)?$",
                            _singular(before), re.IGNORECASE)
            if hit is None:
                hit = re.match(r"\s*(?:(?!and\b|or\b|but\b|while\b|than\b)[\w-]+\s+){0,2}?(" + METRIC.pattern + r")",
                               after, re.IGNORECASE)
            if hit is None:  # "the BLEU score of the model trained without warm-up can only achieve 8.45"
                hit = re.search(r"(" + METRIC.pattern + r")[^,;:]{0,80}?\b" + ACHIEVE + r"\s+(?:\w+\s+)?$",
                                sentence[max(0, m.start() - 120):m.start()], re.IGNORECASE)
            if hit is None and AVERAGE_SCORE.search(before):  # "an average score of 68.9 across the benchmarks"
                taken.add(m.start())
                made[m.start()] = Found(value, unit, None, SCORE[0], SCORE[1], page, sentence[:240],
                                        "abstract" if abstract else "text", dataset=one_dataset(sentence))
                out.append(made[m.start()])
                continue
            if hit is None:
                if benchmark_on := _on_benchmark(sentence, m.start(), m.end()):
                    for at, score, score_unit in [(m.start(), value, unit)] + continued(sentence, m.end(1)):
                        if at not in taken:  # "scoring 63.4 on MMLU and 52.1 on GSM8K": each on its own
                            taken.add(at)
                            made[at] = Found(score, score_unit, None, SCORE[0], SCORE[1], page, sentence[:240],
                                             "abstract" if abstract else "text", dataset=paired.get(at) or (
                                                 benchmark_on if at == m.start() else one_dataset(sentence[at:])))
                            out.append(made[at])
                continue
            found = metric_of(hit.group(1))
            if found is None:
                continue
            std = float(m.group(3)) if m.group(3) else None
            taken.add(m.start())
            made[m.start()] = Found(value, unit, std, found[0], found[1], page, sentence[:240],
                                    "abstract" if abstract else "text",
                                    dataset=paired.get(m.start()) or one_dataset(sentence),
                                    split=split_in(hit.group(1)) or split_in(sentence))
            out.append(made[m.start()])
            items = continued(sentence, m.end(1))  # "37.2 on WikiText-103 and 31.9 on the Google Billion Words"
            if items and not made[m.start()].dataset:  # each item's benchmark is the one it says
                made[m.start()].dataset = one_dataset(sentence[m.end():items[0][0]])
            for at, more, more_unit in items:
                if at not in taken:
                    taken.add(at)
                    made[at] = Found(more, more_unit, None, found[0], found[1], page, sentence[:240],
                                     "abstract" if abstract else "text",
                                     dataset=paired.get(at) or one_dataset(sentence[at:]) or one_dataset(sentence),
                                     split=split_in(hit.group(1)) or split_in(sentence))
                    out.append(made[at])
        out += _listed(sentence, made, paired, taken)
        out += _topk_after(sentence, page, "abstract" if abstract else "text", taken)
        for m in VERSUS.finditer(sentence):  # "a 21% vs. 41% hallucination rate": both are results
            named = metric_of(sentence[m.end():m.end() + 40]) or SCORE
            for group in ("a", "b"):
                if m.start(group) not in taken:
                    taken.add(m.start(group))
                    out.append(Found(float(m.group(group)), "%", None, named[0], named[1], page, sentence[:240],
                                     "abstract" if abstract else "text",
                                     dataset=paired.get(m.start(group)) or one_dataset(sentence)))
        out += relative_claims(page, sentence, abstract, taken)
    return out


AVERAGE_SCORE = re.compile(r"\b(?:average|mean|overall)\s+(?:[\w-]+\s+)?score\s+(?:of|is|was|=|:)\s*$", re.I)
_PLURALS = re.compile(r"\b(?:(accurac)ies|(error|rate|score)s|(loss)es|(perplexit)ies)\b", re.IGNORECASE)


def _singular(text: str) -> str:
    """Metric words in the singular ("the top-1 accuracies are" reads as "the top-1 accuracy are")."""
    return _PLURALS.sub(lambda m: {"accurac": "accuracy", "perplexit": "perplexity"}.get(
        (w := next(g for g in m.groups() if g)).lower(), w), text)


# "the top-1 and top-5 errors are 33.82% and 13.34%": one of each, in order
_TOPK_PAIR = re.compile(r"\btop-?([15])\s+and\s+top-?([15])\s+(err|acc)", re.IGNORECASE)
# top-1 and top-5 results set after their numbers: "76.1% and 92.9% top-1 and top-5 accuracy", or each
# after its own, the metric said once at the end: "82.1% top-1 and 95.4% top-5 accuracy"
_N = r"(\d+(?:\.\d+)?)\s*(%?)"
_TOPK_AFTER = [
    re.compile(r"(?<![\w.])" + _N + r"(?:\s*,\s*|\s+and\s+)" + _N + r"\s+(?:for\s+|on\s+)?(?:the\s+)?top-?([15])"
               r"\s+and\s+top-?([15])\s+(err|acc)", re.IGNORECASE),
    re.compile(r"(?<![\w.])" + _N + r"\s+top-?([15])(?:\s+(?:err|acc)\w*)?(?:\s*,\s*|\s+and\s+)" + _N
               + r"\s+top-?([15])\s+(err|acc)", re.IGNORECASE)]


def _topk_after(sentence: str, page: int, source: str, taken: set[int]) -> list[Found]:
    """The top-1 and top-5 numbers `_TOPK_AFTER` finds that nothing else read, each as its own metric."""
    out: list[Found] = []
    for order, pattern in enumerate(_TOPK_AFTER):
        for m in pattern.finditer(sentence):
            # groups: the two numbers (value, %) and their k, in the order each pattern sets them
            pairs = ((1, 5), (3, 6)) if order == 0 else ((1, 3), (4, 6))
            kind = "error" if m.group(7).lower() == "err" else "accuracy"
            for value_group, k_group in pairs:
                at = m.start(value_group)
                named = metric_of(f"top-{m.group(k_group)} {kind}")
                if at in taken or named is None:
                    continue
                taken.add(at)
                out.append(Found(float(m.group(value_group)), "%" if m.group(value_group + 1) else "", None,
                                 named[0], named[1], page, sentence[:240], source, dataset=one_dataset(sentence)))
    return out


def _listed(sentence: str, made: dict[int, Found], paired: dict[int, str], taken: set[int]) -> list[Found]:
    """The numbers of a list ("28.4 and 41.8 BLEU", "an accuracy of 84.3% and 91.2%") share the metric
    one of them was read with: the others, read as a score or not read, take it (not in a run of
    table cells or axis ticks read as a sentence, nor where the sentence names two metrics: "BLEU
    score and validation loss ... around 34 and 4")."""
    out: list[Found] = []
    metrics = {metric_of(m.group()) for m in METRIC.finditer(sentence)}
    for run in () if tabular(sentence) or len(metrics) > 1 else _RUN.finditer(sentence):
        members = list(NUMBER.finditer(sentence, run.start(), run.end()))
        named = [made[n.start()] for n in members if n.start() in made and made[n.start()].metric != "score"]
        pair = _TOPK_PAIR.search(sentence, 0, run.start()) if len(members) == 2 else None
        for i, n in enumerate(members if named else ()):
            value, unit = float(n.group(1)), "%" if n.group(2) else ""
            if (f := made.get(n.start())) is not None and f.metric == "score":
                f.metric, f.lower = named[0].metric, named[0].lower
            elif f is None and n.start() not in taken and not _is_noise(sentence, n.start(), n.end(), value, unit):
                taken.add(n.start())
                std = float(n.group(3)) if n.group(3) else None
                f = Found(value, unit, std, named[0].metric, named[0].lower, named[0].page, sentence[:240],
                          named[0].source, dataset=paired.get(n.start()) or one_dataset(sentence), split=named[0].split)
                out.append(f)
            if f is not None and pair is not None:
                kind = "error" if pair.group(3).lower() == "err" else "accuracy"
                f.metric, f.lower = metric_of(f"top-{pair.group(1 + i)} {kind}") or (f.metric, f.lower)
    return out


def _on_benchmark(sentence: str, start: int, end: int) -> str:
    """The benchmark a result that names no metric is on ("achieves 82.1% on ImageNet-1K", "scoring
    70.6 on MMLU", "with 70.6% on MMLU"): a number a result verb (or "with", for a share) gives,
    followed by "on" and one benchmark's name."""
    on = re.match(r"\s+(?:on|in)\s+(?:the\s+)?([\w-]+(?:\s+[\w-]+)?)", sentence[end:])
    named = datasets_in(on.group(1)) if on else []
    said = re.search(ACHIEVE + r"[^,;]{0,30}$|\b(?:scoring|reaching|achieving|obtaining)\s+(?:\w+\s+)?$"
                     + (r"|\bwith\s+$" if sentence[:end].rstrip().endswith("%") else ""),  # a share: "with 70.6%"
                     sentence[max(0, start - 40):start], re.IGNORECASE)
    return named[0] if len(named) == 1 and said else ""


# two shares set against each other, the paper's and another's: "a 21% vs. 41% hallucination rate"
VERSUS = re.compile(r"(?<![\w.])(?P<a>\d{1,3}(?:\.\d+)?)\s?%\s*(?:vs\.?|versus)\s*(?P<b>\d{1,3}(?:\.\d+)?)\s?%")


# --- all of it, ranked -----------------------------------------------------------------------------


# the heading of a paper's second section ("2 Related Work", "2. Method", "II. BACKGROUND"): the
# introduction ends there
SECOND_SECTION = re.compile(r"(?m)^[ \t]*(?:2|II)\.?[ \t]+[A-Z][A-Za-z-]+(?:[ \t]+[A-Za-z-]+){0,5}[ \t]*$")
INTRO_PAGES = 3
INTRO_SCORE = 2.0  # above a table's 1.5, below the abstract's 4


def suggest_pdf(pdf: Path, version: int | None = None, limit: int | None = MAX_CANDIDATES) -> list[Suggestion]:
    """Ranked candidate claims from a PDF's tables and sentences: the first `limit` (None: all)."""
    from paperlab.retrieval.frontmatter import from_layout
    from paperlab.retrieval.layout import is_references_heading
    from paperlab.retrieval.pdf import open_pdf

    found: list[Found] = []
    with open_pdf(pdf) as doc:
        pages = [page_blocks(page) for page in doc]
        running = running_lines(pages)
        own = own_names(from_layout(doc[0]).title if len(doc) else "", "")
        references = None  # the page whose heading starts the references: what follows is appendix
        in_intro = True  # until the second section's heading, at the latest page INTRO_PAGES
        for index, page in enumerate(doc):
            text = body_text(pages[index], running)
            if references is None and index > 0 and any(map(is_references_heading, text.splitlines())):
                references = index + 1
            start = 0
            if index == 0:  # the abstract: page 1 before the introduction
                intro = re.search(r"\n\s*(?:1\.?\s+)?Introduction\b", text)
                start = intro.start() if intro else len(text)
                own |= own_names("", text[:start])
                found += from_sentences(1, text[:start], True)
            end = start
            if in_intro:
                second = SECOND_SECTION.search(text, start)
                end = second.start() if second else len(text)
                in_intro = second is None and index + 1 < INTRO_PAGES
                for f in from_sentences(index + 1, text[start:end], False):
                    f.source = "intro"  # where a paper lists its findings
                    found.append(f)
            found += from_sentences(index + 1, text[end:], False)
            if TABLE_MENTION.search(text):
                found += from_tables(index + 1, page, running)
    return rank(found, version, limit, references, own)


# A method's name as papers coin it: a capital inside a word or a digit (YOLOv7, DeepSeekMoE, H3,
# Mamba-2-Hybrid, PReLU, BLT; not Real-Time), an acronym of six letters at most (not a title set in capitals).
_NAME = re.compile(r"(?<![\w-])(?=[\w-]*(?:[A-Za-z][A-Z]|\d))(?=[\w-]*[A-Z])[A-Za-z][\w-]{1,23}(?<!-)")
_COINS = re.compile(r"\b(?:we|this\s+(?:paper|work))\s+(?:\w+\s+)?(?:propose|introduce|present|develop|design|call|"
                    r"name|term|dub)|\b(?:called|named|dubbed|termed)\b", re.IGNORECASE)


def own_names(title: str, abstract: str) -> set[str]:
    """The names of the paper's own method: those in its title, and in the abstract's sentences that
    coin one ("We introduce the Byte Latent Transformer (BLT)")."""
    sentences = [title] + [s for s in re.split(r"(?<=[.;])\s+", " ".join(abstract.split())) if _COINS.search(s)]
    return {n for s in sentences for n in _NAME.findall(s) if not (n.isupper() and len(n) > 6)}


def rank(found: list[Found], version: int | None = None, limit: int | None = MAX_CANDIDATES,
         references: int | None = None, own: set[str] | frozenset[str] = frozenset()) -> list[Suggestion]:
    """Candidates, headline results first; the appendix's (pages after `references`) rank lower, the
    rows of the paper's own method (`own` names it, or "ours") higher."""
    mine = re.compile(r"(?i:\bours\b)" + ("|(?<![A-Za-z0-9])(?:" + "|".join(map(re.escape, sorted(own)))
                                          + r")(?![a-z])" if own else ""))
    text_values = {(f.value, f.metric) for f in found if not f.source.startswith("Table")}
    for f in found:
        f.score = {"abstract": 4.0, "intro": INTRO_SCORE, "text": 1.0}.get(f.source, 1.5)
        if f.metric == "relative":  # after the paper's own measurements: a run cannot check it alone
            f.score -= 1.0 if f.source == "abstract" else 0.5
        if f.source.startswith("Table") and (f.value, f.metric) in text_values:
            f.score += 2.0  # the text repeats it: a result the authors point to
        averaged = f.source.startswith("Table") and AVERAGE.search(f.source)
        if averaged:
            f.score += 0.5  # an average over tasks: what a paper's summary cites
        elif f.metric == "score":
            f.score -= 1.0  # one benchmark of many, in a metric the paper did not name
    best: dict[tuple[str, str], float] = {}  # the best value in each table column
    for f in found:
        if f.source.startswith("Table"):
            column = (f.source.split(", row")[0] + f.source.rsplit("column", 1)[-1], f.metric)
            if column not in best or (f.value < best[column] if f.lower else f.value > best[column]):
                best[column] = f.value
    for f in found:
        if f.source.startswith("Table"):
            column = (f.source.split(", row")[0] + f.source.rsplit("column", 1)[-1], f.metric)
            # the column's best: by the metric's direction, or for a "score", which has none, the
            # cell the paper sets in bold
            if (best.get(column) == f.value) if f.metric != "score" else f.bold:
                f.score += 1.0
        if f.source.startswith("Table") and mine.search(f.model):
            f.score += 0.5  # the paper's own method
        if references is not None and f.page > references:
            f.score -= 1.0  # the appendix: supplementary results, ablations
    unique: dict[tuple[float, str, int], Found] = {}
    for f in sorted(found, key=lambda f: -f.score):
        unique.setdefault((f.value, f.metric, f.page), f)
    named = {(f.value, f.page) for f in found if f.metric != "score"}  # a cell read twice: its metric's reading
    unique = {key: f for key, f in unique.items() if f.metric != "score" or (f.value, f.page) not in named}
    ordered = sorted(unique.values(), key=lambda f: (-f.score, f.page))[:limit]
    return [Suggestion(n, f.metric, f.value, f.unit, f.page, f.context, source=f.source, std=f.std,
                       lower=f.lower, raw=f.metric in RAW and not f.unit, dataset=f.dataset, split=f.split,
                       model=f.model)
            for n, f in enumerate(ordered, start=1)]
