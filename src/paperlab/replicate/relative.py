"""Claims relative to another method, as abstracts state their headline ("2.4x faster", "25% fewer
toxic outputs", "by over 2 BLEU", "gains of 1.34 and 1.12 BLEU", "a speedup of 2.5x"), metric
`relative`: a run checks one only against a baseline's run; and the items that go on a list of
results, each saying what it is on or for (`continued`)."""

from __future__ import annotations

import re

from paperlab.replicate.measures import METRIC_WORDS, one_dataset
from paperlab.replicate.table_claims import Found

# "by" and the hedge before an amount: "by over 2 BLEU", "by up to 40%"
BY = r"\bby\s+(?:(?:over|about|around|up\s+to|nearly|almost|approximately|more\s+than|roughly|as\s+much\s+as)\s+)?"


# A claim relative to another method, as abstracts state their headline: "2.4x faster", "a 4.5-point gain", "25% fewer
# toxic outputs", "preferred 85 ± 3% of the time", "about 65% of the model size", "reduces the
# iterations by over 40%". Its metric is "relative": a run checks it only against a baseline's run.
COMPARATIVE = (r"(?:faster|slower|fewer|less|more|higher|lower|better|smaller|larger|cheaper|speed-?ups?|"
               r"reductions?|improvements?|gains?|of\s+the\s+time|of\s+(?:the\s+|its\s+)?(?:[\w-]+\s+)?(?:computations?|"
               r"compute|flops|model\s+size|parameters|training\s+tokens|cost|performance|accuracy|quality|gap))\b")
RELATIVE = re.compile(
    r"(?<![\w.\[\-])(?:(?P<lo>\d{1,4}(?:\.\d+)?)\s?(?:%|×|x)?(?:\s?[–-]\s?|\s+to\s+))?"  # "10–15% fewer", "4 to 20"
    r"(?P<v>\d{1,4}(?:\.\d+)?)(?:\s*±\s*\d+(?:\.\d+)?)?(?P<u>\s?%|\s?×|x(?=\s)|-fold|\s+times|[\s-]points?\b)"
    r"(?:\s*\([^()]{0,40}\))?"  # an aside: "28.5% (maybe even 18.2%) of the compute"
    r"\s+(?:[\w-]+\s+){0,3}?" + COMPARATIVE
    + "|" + BY + r"(?P<v2>\d{1,4}(?:\.\d+)?)(?P<u2>\s?%|\s?×|x(?=\s)|-fold)"
    r"|(?<![\w.])\+(?P<v3>\d{1,3}(?:\.\d+)?)(?P<u3>\s?%|\s+(?:points?|pts?|pp)\b)"  # "+2.65 points"
    + "|" + BY + r"(?P<v4>\d{1,3}(?:\.\d+)?)\s+(?P<u4>(?:absolute\s+)?(?:points?|pts?|pp)\b|" + METRIC_WORDS + ")"
    + "|" + BY + r"a\s+factor\s+of\s+(?:about\s+|over\s+|up\s+to\s+)?(?P<v5>\d{1,4}(?:\.\d+)?)"
    r"(?:\s*(?:to|–|-)\s*(?P<hi>\d{1,4}(?:\.\d+)?))?"  # "by a factor of 4 to 20"
    r"|\b(?:speed-?ups?|reductions?|improvements?)\s+of\s+(?:about\s+|over\s+|up\s+to\s+|nearly\s+)?"
    r"(?P<v6>\d{1,4}(?:\.\d+)?)(?P<u6>\s?%|\s?×|x\b|-fold)",  # "a speedup of 2.5x"
    re.IGNORECASE)  # "by 1.0 PPL"


# a difference stated as a gain or a drop, in points or a metric's units: "gains of 1.34 and 1.12 BLEU",
# "an improvement of 2.1 points" (never a measured BLEU of 1.34); not in %: "a decrease of 1% of data"
GAIN = re.compile(r"\b(?:gains?|improvements?|increases?|drops?|reductions?|decreases?)\s+of\s+(?:about\s+|over\s+|"
                  r"up\s+to\s+|nearly\s+|around\s+)?(?P<list>\d{1,3}(?:\.\d+)?(?:\s*,\s*\d{1,3}(?:\.\d+)?)*"
                  r"(?:,?\s+and\s+\d{1,3}(?:\.\d+)?)?)\s*(?P<unit>(?:absolute\s+)?(?:points?|pts?|pp)\b|"
                  + METRIC_WORDS + ")", re.IGNORECASE)
SELF_COMPARING = re.compile(r"faster|slower|fewer|less|more|higher|lower|better|smaller|larger|cheaper|speed-?up|"
                            r"reduction|improvement|gain|\bgap\b", re.IGNORECASE)
# what makes "80% of the time" or "by 25%" a comparison rather than a procedure or a description
AGAINST = re.compile(r"\b(?:than|compared|versus|vs\b|relative\s+to|baselines?|outperform\w*|improv\w*|preferred|"
                     r"reduc\w*|speed\w*|only|retain\w*|recover\w*|preserv\w*)", re.IGNORECASE)


def relative_claims(page: int, sentence: str, abstract: bool, taken: set[int]) -> list[Found]:
    """The relative claims of a sentence (numbers at positions in `taken` are already read)."""
    out = []
    for m in RELATIVE.finditer(sentence):
        group = next(g for g in ("v", "v2", "v3", "v4", "v5", "v6") if m.group(g))
        if m.start(group) in taken or not (group in ("v3", "v4", "v5", "v6") or SELF_COMPARING.search(m.group(0))
                                           or AGAINST.search(sentence)):
            continue  # a gain in points ("+2.65 points", "by 1.0 PPL") is a comparison, and a factor one
        unit = "%" if "%" in (m.group("u") or m.group("u2") or m.group("u3") or m.group("u6") or "") else ""
        # a range's bounds are both claims: a run may be checked against either
        values = [float(m.group(group))] + [float(m.group(b)) for b in ("lo", "hi") if m.group(b)]
        for at, more, _ in continued(sentence, m.end(group)) if group == "v2" else ():  # "by 0.9% for A and 0.6% for B"
            taken.add(at)
            values.append(more)
        for value in values:
            out.append(Found(value, unit, None, "relative", False, page, sentence[:240],
                             "abstract" if abstract else "text", dataset=one_dataset(sentence)))
    return out


# a list whose items each say what they are on or for: "37.2 on WikiText-103 and 31.9 on the Google
# Billion Words", "by 0.9% for Mobile NASNet-A and 0.6% for Inception-ResNet-v2"
_ITEM = re.compile(r"\s*%?\s+(?:on|for|in)\s+[^,;]{1,50}?(?:,\s*(?:and\s+)?|\s+and\s+)"
                   r"(?P<v>\d{1,3}(?:\.\d+)?)(?P<u>\s*%)?(?=\s+(?:on|for|in)\s)", re.IGNORECASE)


def continued(sentence: str, end: int) -> list[tuple[int, float, str]]:
    """(offset, value, unit) of the items that go on a list after the number ending at `end`, each
    saying what it is on or for, as the first does."""
    out: list[tuple[int, float, str]] = []
    while m := _ITEM.match(sentence, end):
        out.append((m.start("v"), float(m.group("v")), "%" if m.group("u") else ""))
        end = m.end()
    return out
