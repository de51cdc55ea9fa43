"""Which experiment a setting's value belongs to, for the setup reader (replicate/hparams.py): the
dataset or training phase named in or before its sentence (`setup_of`), the model a qualifier names
("for the 16B model": `model_of`), and the model each value of a list is for when the sentence pairs
them "respectively" (`respective`: "600 and 1200 steps for the 360M and 660M models, respectively").
"""

from __future__ import annotations

import re

from paperlab.replicate.names import OPTIMIZER
from paperlab.replicate.notation import NUM, number

# What an experiment is called, when a paper has several: datasets, then training phases.
SETUPS = re.compile(r"\b(ImageNet|CIFAR-10(?!0)|CIFAR-100|MNIST|SVHN|WMT ?2014|GLUE|SQuAD|Penn Treebank|"
                    r"WikiText-?103|pre-?training|fine-?tuning)\b", re.I)


def setup_of(sentence: str, context: str) -> str:
    """The experiment a value belongs to: named in its sentence, else the last one named before it."""
    found = SETUPS.findall(sentence) or SETUPS.findall(context)[-1:]
    return found[0] if found else ""


def model_of(phrase: str | None) -> str:
    """The model a qualifier names ("for the 16B model", "for DIFF Transformer"): a phrase that ends
    in model or variant, holds a size (125M, 7B), or is a name (capitalised, not a table's or a
    section's); '' for any other ("for 100 epochs")."""
    m = re.match(r"\s*(?:for|in|on)\s+(?:the\s+|our\s+)?(.+?)\s*$", phrase or "")
    if m is None:
        return ""
    said = m.group(1).rstrip(".")
    if re.search(r"\b(?:models?|variants?|ones?)$|\b\d+(?:\.\d+)?[MBKT]\b", said) or (
            said[0].isupper() and not re.match(r"(?:Table|Figure|Fig|Section|Sec|Eq|Appendix)\b", said)):
        return said
    return ""


TRAILING = re.compile(r"\s+(?:for|in|on)\s+(?:the\s+|our\s+)?(?:[\w.-]+\s+){0,3}?[\w.-]+(?=\s*(?:[,;.)]|$))")

# "respectively" pairs a list of values with a list of models, in order: the models are sizes
# ("125M, 355M, 1.3B, and 2.7B") or names followed by "models" ("the Base and Large models")
_SIZE = r"\d+(?:\.\d+)?[MBKTmbkt]\b"
_ITEM = r"(?:" + _SIZE + r"|[A-Z][\w.-]*)"
_MODELS = re.compile(r"(?:\b(?:for|of|in|on)\s+(?:the\s+|our\s+)?|^(?:The|Our)\s+)"
                     r"(?P<list>" + _ITEM + r"(?:\s*,\s*" + _ITEM + r")*,?\s+and\s+" + _ITEM + r")"
                     r"(?P<kind>\s+(?:models?|variants?))?")
_VALUES = re.compile(r"(?:" + NUM + r")(?:\s*,\s*(?:" + NUM.replace("(?P<", "(?P<b_") + r"))*,?\s+(?:and|or)\s+(?:"
                     + NUM.replace("(?P<", "(?P<c_") + r")")
_RESPECTIVELY = re.compile(r"\brespectively\b", re.I)


def respective(sentence: str) -> dict[float | str, str]:
    """Each value of a list the sentence pairs "respectively" with as many models (or datasets), and
    the model(s) it is for ({600: "360m model", 1200: "660m model"}); {} where the sentence pairs
    none, or where the two lists differ in length."""
    if not _RESPECTIVELY.search(sentence) or (m := _MODELS.search(sentence)) is None:
        return {}
    models = re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", m.group("list").strip())
    datasets = all(SETUPS.fullmatch(n) for n in models)  # "on ImageNet and CIFAR-10"
    if not m.group("kind") and not datasets and not all(re.fullmatch(_SIZE, n) for n in models):
        return {}
    out: dict[float | str, list[str]] = {}
    for run in _VALUES.finditer(sentence):
        values = [number(v) for v in re.finditer(NUM, run.group())]
        if len(values) == len(models) and not (run.start() < m.end("list") and m.start("list") < run.end()):
            for value, model in zip(values, models, strict=True):
                out.setdefault(value, []).append(model)
    kind = "" if datasets else " models" if len(models) > 1 else " model"
    return {value: " and ".join(names) + (kind if len(names) > 1 else kind.rstrip("s")) for value, names in out.items()}


# A sentence about one of the paper's models: "For the largest model (about 3.7B parameters), we
# train for ...", "For BERT-Large, ...", "The smallest model in the family has ...", "Our base models
# use ..."; not a sentence about them all ("All models use", "Our model uses", "For all experiments")
_OPENS_FOR = re.compile(r"^(?:For|In|On)\s+(?!(?:all|both|each|every|any|most|some|these|those|such)\b)"
                        r"((?:[\w.+-]+\s+){0,4}?[\w.+-]+)(?:\s*\([^)]*\))?\s*,")
_NOT_MODELS = re.compile(r"\b(?:we|us|is|are|was|were|use[sd]?|paper|work|optimi[sz]er|" + OPTIMIZER.strip("()")
                         + r")\b", re.I)
_OPENS_WITH = re.compile(r"^(?:The|Our)\s+(?!(?:proposed|resulting|final|full|same|entire|overall|trained|original|"
                         r"two|three|four|both|other)\b)((?:[\w.-]+\s+){1,2}?models?)\s+(?:in\s+(?:the|this|our)\s+"
                         r"\w+\s+)?(?:has|have|uses?|used|is|was|are|were|consists?|contains?)\b")


def opening_model(sentence: str) -> str:
    """The model a sentence opens on, when it opens on one ("largest model", "BERT-Large"); '' (and
    for a dataset or a phase, which `setup_of` names)."""
    if m := _OPENS_FOR.match(sentence):
        return "" if SETUPS.search(m.group(1)) or _NOT_MODELS.search(m.group(1)) else model_of(f"for {m.group(1)}")
    if m := _OPENS_WITH.match(sentence):
        return m.group(1)
    return ""
