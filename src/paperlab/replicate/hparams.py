"""The paper's training setup, read from its text: learning rate, batch size, optimizer and its
constants, schedule, warmup, training length, regularisation, model sizes, each with its page, its
sentence and the experiment it belongs to.

PDF text flattens superscripts, so notation is read as papers typeset it: `10−3` (U+2212) is 1e-3,
`60 × 104` is 60 x 10^4, `2 · 10−4` is 2e-4, `64k` is 64,000, `1e-4`, `1,000,000`. A bare `105` stays
105: without a minus sign or a multiplication before it, nothing says it was an exponent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from paperlab.errors import InvalidInput
from paperlab.library import Library
from paperlab.models import Hparam, Item
from paperlab.store.items import get_item

# One number as papers typeset it; the groups are read by `number()`.
NUM = (r"(?:(?P<m>\d+(?:\.\d+)?)\s*[×x·]\s*10\s?(?P<e1>[−-]?\d{1,2})(?!\d)"   # 60 × 104, 2 · 10−4
       r"|10(?P<e2>−\d{1,2})(?!\d)"                                          # 10−3 (a hyphen would be a range)
       r"|(?P<sci>\d+(?:\.\d+)?[eE][−+-]?\d+)"                                # 1e-4, 5e-5
       r"|(?P<k>\d+(?:\.\d+)?)[kK](?![a-zA-Z])"                               # 64k
       r"|(?P<plain>\d{1,3}(?:,\d{3})+(?!\d)|\d*\.\d+|\d+))")                 # 1,000,000  0.0001  512


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
    if g("sci"):
        return float(g("sci"))
    if g("k"):
        return float(g("k")) * 1000
    return float(g("plain").replace(",", ""))


def _v(pattern: str) -> re.Pattern[str]:
    """A pattern with `{v}` where the value goes; a value followed by `times`, `fold` or `%` is a
    ratio, not a setting."""
    value = "(?P<v>" + NUM.replace("(?P<", "(?P<v_") + r")(?!\s*(?:times|-?fold|%))"
    return re.compile(pattern.replace("{v}", value), re.IGNORECASE)


# name -> patterns whose `v` group is the value; order: the most specific first.
PATTERNS: dict[str, list[re.Pattern[str]]] = {
    "learning_rate": [_v(r"learning rates? (?:of |was |is |= ?|starts? (?:from|at) |set to |to )?(?:an? )?{v}"),
                      _v(r"\blr\s*=\s*{v}")],
    "batch_size": [_v(r"(?:mini-?)?batch(?:es)? (?:size )?(?:of |= ?|was |is )?{v}"),
                   _v(r"(?:mini-?)?batch(?:es)? of {v}"), _v(r"(?:mini-?)?batch size (?:of )?{v}"),
                   _v(r"{v} (?:examples|images|sequences) per (?:mini-?)?batch")],
    "momentum": [_v(r"momentum (?:of |= ?|was |is )?{v}")],
    "weight_decay": [_v(r"weight decay (?:of |= ?|was |is )?{v}")],
    "beta1": [_v(r"(?:β|beta)\s?_?1\s*=\s*{v}")],
    "beta2": [_v(r"(?:β|beta)\s?_?2\s*=\s*{v}")],
    "eps": [_v(r"(?:ϵ|ε|epsilon)\s*=\s*{v}")],
    "warmup_steps": [_v(r"warmup_steps\s*=\s*{v}"),
                     _v(r"warm-?up (?:over|for) (?:the first )?{v} (?:steps|updates|iterations)")],
    "dropout": [_v(r"p_?drop\s*=\s*{v}"), _v(r"dropout (?:rate |probability )?(?:of |= ?|was |is )?{v}")],
    "label_smoothing": [_v(r"label smoothing (?:of (?:value )?)?(?:(?:ϵ|ε)\s?ls\s*=\s*)?{v}")],
    "steps": [_v(r"(?:for|trained for|train for) {v} (?:training )?steps")],
    "iterations": [_v(r"(?:at|for|up to|terminate training at) {v} iterations")],
    "epochs": [_v(r"(?:for|trained for|train for) {v} epochs")],
    "n_layers": [_v(r"\bN\s*=\s*{v} identical layers"), _v(r"\bwith {v} layers")],
    "d_model": [_v(r"d_?model\s*=\s*{v}"), _v(r"\bwidth {v}")],
    "n_heads": [_v(r"\bh\s*=\s*{v} parallel attention"), _v(r"{v} (?:attention )?heads")],
    "d_ff": [_v(r"d_?ff\s*=\s*{v}")],
}
MILESTONES = re.compile(r"divided? (?:it )?by 10 at (" + NUM.replace("(?P<", "(?P<a_") + r")(?: and (" +
                        NUM.replace("(?P<", "(?P<b_") + r"))? iterations", re.IGNORECASE)
# An optimizer is a setting when the paper says it used it ("We use SGD", "trained with Adam", "the
# AdamW optimizer"), not when it only names it.
OPTIMIZERS = re.compile(r"(?:\bus(?:e|es|ed|ing)|trained (?:with|using)|optimi[sz]ed (?:with|using))\s+"
                        r"(?:(?:the|an?|a version of)\s+)?(AdamW|Adam|SGD|RMSProp|Adagrad|Adafactor|LAMB)\b"
                        r"|\b(AdamW|Adam|SGD|RMSProp|Adagrad|Adafactor|LAMB) optimi[sz]er\b")
SCHEDULES = [("cosine", re.compile(r"cosine (?:annealing|decay|schedule)", re.I)),
             ("linear", re.compile(r"linear(?:ly)? decay", re.I)),
             ("step", re.compile(r"divided? (?:it )?by 10|decay(?:ed)? by a factor", re.I)),
             ("inverse square root", re.compile(r"inverse square root", re.I))]
# What an experiment is called, when a paper has several: datasets, then training phases.
SETUPS = re.compile(r"\b(ImageNet|CIFAR-10(?!0)|CIFAR-100|MNIST|SVHN|WMT ?2014|GLUE|SQuAD|Penn Treebank|"
                    r"WikiText-?103|pre-?training|fine-?tuning)\b", re.I)
_SENTENCE = re.compile(r"(?<=[.;!?])\s+(?=[A-Z•(])")


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(" ".join(text.split())) if s]


def _setup(sentence: str, context: str) -> str:
    """The experiment a value belongs to: named in its sentence, else the last one named before it."""
    found = SETUPS.findall(sentence) or SETUPS.findall(context)[-1:]
    return found[0] if found else ""


def find(pages: Iterable[tuple[int, str]]) -> list[Hparam]:
    """Every hyperparameter stated in the text, in reading order; the same value on the same page
    once."""
    out: list[Hparam] = []
    seen: set[tuple[str, object, int]] = set()
    context = ""
    for page, text in pages:
        for sentence in sentences(text):
            found: list[tuple[str, float | str]] = []
            for name, patterns in PATTERNS.items():
                for pattern in patterns:
                    for m in pattern.finditer(sentence):
                        found.append((name, number(m, "v_")))
            found += [("optimizer", m.group(1) or m.group(2)) for m in OPTIMIZERS.finditer(sentence)]
            found += [("schedule", name) for name, pattern in SCHEDULES if pattern.search(sentence)]
            for m in MILESTONES.finditer(sentence):  # "divide it by 10 at 32k and 48k iterations"
                steps = [number(m, "a_")] + ([number(m, "b_")] if m.group("b_plain") or m.group("b_k") else [])
                found.append(("milestones", ",".join(f"{x:g}" for x in steps)))
            for name, value in found:
                if (name, value, page) in seen:
                    continue
                seen.add((name, value, page))
                out.append(Hparam(name, value, page, sentence[:300], _setup(sentence, context)))
            context = (context + " " + sentence)[-2000:]
    return out


def for_item(lib: Library, ref: str) -> tuple[Item, list[Hparam]]:
    """The item and the hyperparameters its PDF states."""
    from paperlab.retrieval.pdf import extract_pages

    item = get_item(lib.db, lib.resolve_id(ref))
    pdf = lib.home / item.pdf_path if item.pdf_path else None
    if pdf is None or not pdf.exists():
        raise InvalidInput(f"{item.id} has no PDF to read its setup from; fetch or add the paper first")
    return item, find((p.number, p.text) for p in extract_pages(pdf))
