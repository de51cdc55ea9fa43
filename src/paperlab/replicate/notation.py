"""Numbers and sentences as papers typeset them, for the setup reader (replicate/hparams.py).

PDF text flattens superscripts, so notation is read as papers typeset it: `10−3` (U+2212) is 1e-3,
`60 × 104` is 60 x 10^4, `2 · 10−4` is 2e-4, `64k` is 64,000, `4M` and "4 million" 4,000,000, `1T` 10^12,
`1e-4`, `4e −4`, `1,000,000`, "20, 000" (a thousands comma set in math mode) 20,000, and numbers in words from
two ("size ten", "one thousand"; not "one", nor "two-layer"). Where the PDF marks a superscript
set against a number, extraction keeps it as an exponent (retrieval/pdf.py): `2^23` is 8,388,608
and `10^9` 10^9 (other bases are a square's side, "224^2", and read as 224). A bare `105` stays 105:
without a minus sign, a caret or a multiplication before it, nothing says it was an exponent. A "sentence" of
table cells or axis ticks is told from prose (`tabular`), and a long one quoted in part (`quote`).
"""

from __future__ import annotations

import re
import unicodedata

# number words from two ("one" is mostly not a count: "one of the", "one-hot"), and a hundred, a thousand
_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                     "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_WORDS |= {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}
NUMBER_WORDS = tuple(_WORDS)
_SMALL = "(?:" + "|".join(sorted((w for w in _WORDS if _WORDS[w] >= 2), key=len, reverse=True)) + ")"
# One number as papers typeset it; the groups are read by `number()`.
NUM = (r"(?:(?P<m>\d+(?:\.\d+)?)\s*[×x·]\s*10\s?\^?(?P<e1>[−-]?\d{1,2})(?!\d)"   # 60 × 104, 2 · 10−4, 3 × 10^4
       r"|10\^?(?P<e2>−\d{1,2})(?!\d)"                                       # 10−3 (a hyphen would be a range)
       r"|(?<![\d.])(?P<pb>2|10)\^(?P<pe>[−-]?\d{1,2})(?!\d)"                  # 2^23, 10^9: a superscript the text kept
       r"|(?P<sci>\d+(?:\.\d+)?[eE](?:\s?[−+-])?\d+)"                          # 1e-4, 5e-5, 4e −4
       r"|(?P<k>\d+(?:\.\d+)?)(?P<unit>[kKMBT])(?![a-zA-Z])"                   # 64k, 4M, 2B, 1T
       r"|(?P<w>\d+(?:\.\d+)?)\s(?P<word>thousand|million|billion|trillion)\b"  # 2.5 million
       r"|(?P<plain>(?:\d{1,3}(?:,\d{3})+|\d*\.\d+|\d+)(?![\da-zA-Z]|\.\d))"  # 1,000,000  0.0001  512; not 5e, 0 of 0.1
       r"|(?<![\w-])(?P<nw>(?:(?:a|one|" + _SMALL + r")\s+(?:hundred|thousand|million)|" + _SMALL + r")(?![\w-])))")


def number(match: re.Match[str], group: str = "") -> float:
    """The value of a NUM match (its groups may carry a prefix when NUM was embedded as `v`)."""
    return float(f"{_number(match, group):.12g}")  # 3 × 10−4 is 0.0003, not 0.00030000000000000003


def _number(match: re.Match[str], group: str) -> float:
    def g(name: str) -> str:
        return (match.group(group + name) or "").replace("−", "-")

    if g("m"):
        return float(g("m")) * 10 ** int(g("e1"))
    if g("e2"):
        return float(10 ** int(g("e2")))
    if g("pb"):
        return float(int(g("pb")) ** int(g("pe")))
    if g("sci"):
        return float(g("sci").replace(" ", ""))
    if g("w"):
        return float(g("w")) * {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}[g("word").lower()]
    if g("nw"):
        *count, scale = g("nw").lower().split()
        if not count:
            return float(_WORDS[scale])
        return float(_WORDS.get(count[0], 1)) * {"hundred": 1e2, "thousand": 1e3, "million": 1e6}[scale]
    if g("k"):
        return float(g("k")) * {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}[g("unit").upper()]
    return float(g("plain").replace(",", ""))


def with_value(pattern: str) -> re.Pattern[str]:
    """A pattern with `{v}` where the value goes; a value followed by `times`, `fold` or `%` is a
    ratio, one followed by `/` and no number a fraction's numerator ("ε = 1/(m − 1)"), not a
    setting ("7e-4/1.5e-3" are two values), one followed by ", . . ." an index ("h = 1, . . . , H"),
    and one followed by a minus sign, a dot or a times sign and a letter a formula's term ("β2 1−βt",
    "lr = 1 · st"), as is one followed by a minus sign and a number ("size 4−1/k")."""
    value = ("(?P<v>" + NUM.replace("(?P<", "(?P<v_")
             + r")(?!\s*(?:times|-?fold|%|/\s*(?![\d.])|,\s*(?:\.\s?){3}|,\s*…|[−·×]\s*[A-Za-zα-ωΑ-Ω√]|−\s?\d))")
    return re.compile(pattern.replace("{v}", value), re.IGNORECASE)


_SENTENCE = re.compile(r"(?<=[.;!?])\s+(?=[A-Z•(])")
# "20, 000 steps": a thousands comma typeset in math mode, whose spacing the text layer keeps as a
# space; only before "000", as "256, 512" may be a list
_SPACED_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})*), (?=000(?![\d.]))")


def sentences(text: str) -> list[str]:
    """The text's sentences, in NFKC form: a PDF's mathematical italic 𝛽 is β, a ligature two letters,
    "500, 000" 500,000."""
    text = unicodedata.normalize("NFKC", " ".join(text.split()))
    text = _SPACED_THOUSANDS.sub(r"\1,", text)
    return [s for s in _SENTENCE.split(text) if s]


_NUMERIC_WORD = re.compile(r"^[\d.,%×x−+-]+$")


def tabular(sentence: str) -> bool:
    """Whether a "sentence" is a run of table cells or axis ticks rather than prose: more than a
    quarter of its words are numbers."""
    words = sentence.split()
    return len(words) >= 8 and sum(bool(_NUMERIC_WORD.match(w)) for w in words) > len(words) / 4


def quote(sentence: str, at: int, before: int = 50, size: int = 160) -> str:
    """The sentence, or where it is long (a PDF's run-on text), the part that states the setting at
    `at`: from a word start up to `before` characters ahead of it."""
    if len(sentence) <= size:
        return sentence
    start = 0 if at <= before else sentence.find(" ", at - before) + 1
    end = min(len(sentence), start + size)
    return ("..." if start else "") + sentence[start:end] + ("..." if end < len(sentence) else "")
