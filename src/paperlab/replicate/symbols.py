"""The paper's symbol table, for the setup reader: a setting named with its symbol anywhere in the
text ("the learning rate η", "a temperature (τ)", "η denotes the learning rate", "We denote the
number of layers as L, the hidden size as H", "where N is the number of layers") makes a bare
assignment elsewhere ("η = 0.01", "(L=12, H=768)") or a table's column headed by the symbol that
setting.

A Greek letter stands for little but a quantity, so its definition holds anywhere in the paper (the
last one before a sentence, else the first after: an algorithm box often comes before the text that
defines its symbols). A Latin letter is also a word, an index, a count of anything: it is a symbol
only where a definition makes it one (a letter alone, or with a digit or an underscore subscript,
followed by punctuation, "and" or the end), it is read only after its definition, and "a" is never
one. Pure: no third-party imports.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from paperlab.replicate.names import NAMES, SYMBOL
from paperlab.replicate.notation import NUM

LATIN = r"(?<![\w.])(?!(?-i:a)\b)[A-Za-z](?:_?\d)?(?![\w'’-]|\.[^\W\d])"  # ("A.3": a footnote's mark)
_ENDS = r"(?=\s*(?:[,;.)]|and\b|$))"  # what may follow a Latin letter that a definition names
_PHRASES = "|".join(f"(?P<{name}_{n}>{phrase})" for n, (name, phrase) in enumerate(NAMES))
_ASIDE = r"(?:\s*\([^()]{0,40}\))?"  # "the number of layers (i.e., Transformer blocks) as L"
# "the learning rate η", "a temperature (τ)", "denoted by η"; "the hidden size H," (a Latin letter
# right after the name: after a comma or in brackets it is a list's item or a label, "momentum (B)")
_NAME_THEN_SYMBOL = (r"\b(?:" + _PHRASES + r")(?:\s*(?:,\s*|\(\s*)?(?:(?:denoted|written)\s+(?:by|as)\s+)?"
                     r"(?P<g1>" + SYMBOL + r")(?![\w=])(?!\s*=)|\s+(?:(?:denoted|written)\s+(?:by|as)\s+)?"
                     r"(?P<l1>" + LATIN + r")" + _ENDS + r")")
# "η denotes the learning rate", "N is the number of layers", "let η be the learning rate"; as captions
# and notation tables write it, "#L = the number of layers", "d: model dimension"
# (which ends the clause there: "h = dmodel/2d" is a formula)
_SYMBOL_THEN_NAME = (r"#?(?:(?P<g2>" + SYMBOL + r")|(?P<l2>" + LATIN + r"))(?:\s+(?:is|denotes?|represents|be|"
                     r"stands\s+for|corresponds\s+to)\s+(?:the\s+)?(?:" + _PHRASES.replace("(?P<", "(?P<b_")
                     + r")|\s*[=:]\s*(?:the\s+)?(?:" + _PHRASES.replace("(?P<", "(?P<e_") + r")" + _ENDS + r")")
DEFINES = re.compile(_NAME_THEN_SYMBOL + "|" + _SYMBOL_THEN_NAME, re.IGNORECASE)
# "We denote the number of layers as L, the hidden size as H, and ...": in a sentence that says it names
DENOTES = re.compile(r"\b(?:denot|writ|refer|call)", re.IGNORECASE)
AS_SYMBOL = re.compile(r"\b(?:" + _PHRASES.replace("(?P<", "(?P<c_") + r")" + _ASIDE + r"\s+(?:as|by)\s+"
                       r"(?:(?P<g3>" + SYMBOL + r")(?![\w=])|(?P<l3>" + LATIN + r")" + _ENDS + r")", re.IGNORECASE)
ASSIGNS = re.compile(r"(?<![\w.])(?P<s>" + SYMBOL + r"|[A-Za-z](?:_?\d)?)\s*=\s*(?P<v>"
                     + NUM.replace("(?P<", "(?P<v_") + r")(?!\s*%)")

# a worked example's values are no setup: "Let d = 8, m = 2, H = 4", "For example, with N = 3"
EXAMPLE = re.compile(r"\W*(?:let|suppose|assume|consider|for\s+(?:example|instance))\b", re.IGNORECASE)
_MODEL_BEFORE = re.compile(r"(?<![\w-])(?P<model>[A-Z][\w.-]*[A-Z0-9][\w.-]*(?:\s+[A-Z0-9][\w.-]*)?)\s*\([^()]*$")

Table = dict[str, list[tuple[int, str, bool]]]  # symbol -> [(sentence index, setting, Latin)]


def _setting(m: re.Match[str]) -> str:
    named = next(k for k, v in m.groupdict().items() if v and not re.fullmatch(r"[gl]\d", k))
    return re.sub(r"^[bce]_", "", named).rsplit("_", 1)[0]


def symbols(paper: Iterable[str]) -> Table:
    """The definitions of the paper's sentences, by symbol, in reading order."""
    table: Table = {}
    for at, sentence in enumerate(paper):
        found = list(DEFINES.finditer(sentence))
        if DENOTES.search(sentence):
            found += AS_SYMBOL.finditer(sentence)
        for m in found:
            groups = m.groupdict()
            greek = groups.get("g1") or groups.get("g2") or groups.get("g3")
            symbol = greek or groups.get("l1") or groups.get("l2") or groups.get("l3") or ""
            table.setdefault(symbol, []).append((at, _setting(m), not greek))
    return table


def meaning(table: Table, symbol: str, at: int) -> str | None:
    """What a symbol stands for at a sentence: the last definition before it (or in it), else, for a
    Greek letter, the first after."""
    found = table.get(symbol, [])
    before = [setting for where, setting, _ in found if where <= at]
    if before:
        return before[-1]
    return next((setting for _, setting, latin in found if not latin), None)


def named_before(sentence: str, at: int) -> str:
    """The model a parenthesis that holds position `at` follows ("BERTBASE (L=12, H=768)"): a name
    with a capital or a digit past its first letter, or ''."""
    m = _MODEL_BEFORE.search(sentence, 0, at)
    return m.group("model") if m else ""


def symbol_named(header: str, table: Table) -> str | None:
    """The setting a table's header or row label names when it is a symbol the text defines ("L", "H",
    "τ", "#L"): its last definition."""
    found = table.get(header.strip().removeprefix("#").strip())  # "#L": the count L
    return found[-1][1] if found else None
