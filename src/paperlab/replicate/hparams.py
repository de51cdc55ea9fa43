"""The paper's training setup, read from its text: learning rate, batch size, optimizer and its
constants, schedule, warmup, training length, regularisation, model sizes, each with its page, its
sentence and the experiment it belongs to.

A setting is read where its common name meets a value ("the hidden dimension to 2048", "12 attention
heads", "weight decay λ = 0.1"), and through the paper's symbol table: a symbol named with a setting
anywhere ("the learning rate η", "τ denotes the temperature") makes a bare "η = 0.01" that setting.
Any other setting is read by the word its name ends in ("balance factor of 0.001", "64 routed
experts") and named in the paper's words, and a symbol no definition names by its own name where the
paper's verb sets it ("we set wload = 0.1"). A value may be qualified ("for the 16B model is set to")
and go on as a list; a setting counted in a unit of its own takes the unit's name
(`batch_size_tokens`). The names are replicate/names.py's; replicate/settings.py adds the settings
the paper's tables name.

Numbers are read as papers typeset them (replicate/notation.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from paperlab.models import Hparam
from paperlab.replicate.experiments import TRAILING, model_of, opening_model, respective, setup_of
from paperlab.replicate.names import (
    ACTIVATIONS,
    AFTER,
    DATA,
    GENERIC,
    IS,
    MILESTONES,
    NAMES,
    OPTIMIZER,
    RESULT_WORD,
    SCHEDULES,
    SET_VERBS,
    WITHOUT,
    count_name,
    owned,
    per,
    percents,
)
from paperlab.replicate.notation import NUM, NUMBER_WORDS, number, quote, sentences, tabular
from paperlab.replicate.notation import with_value as _v
from paperlab.replicate.symbols import ASSIGNS, EXAMPLE, meaning, named_before, symbols
from paperlab.replicate.symbols import Table as SymbolTable

# name -> patterns whose `v` group is the value; order: the most specific first.
PATTERNS: dict[str, list[re.Pattern[str]]] = {
    "learning_rate": [_v(r"\blr_?(?:max|peak)?\s*=\s*{v}"),
                      _v(r"learning[\s-]rates?\b[^.;]{0,20}?\b(?:a\s+)?(?:peak|maximum|max)\s+(?:value\s+)?of\s+{v}"),
                      _v(r"learning[\s-]rate\s+(?:\w+\s+){0,2}?(?:starting|starts?)\s+(?:from|at)\s+{v}"),
                      # the linear scaling rule: "a learning rate of 1.5e-4 × batch size / 256" (its base)
                      re.compile(r"learning[\s-]rate\s+(?:of\s+|is\s+|=\s*)?(?P<v>" + NUM.replace("(?P<", "(?P<v_")
                                 + r")\s*[×x·*]\s*(?:the\s+)?(?:total\s+)?batch[\s_-]?size\s*/\s*\d", re.I),
                      _v(r"learning[\s-]rate\s+(?:is\s+|was\s+)?(?:linearly\s+)?(?:warmed|ramped|increased)[\s-]?(?:up\s+)?"
                         r"(?:linearly\s+)?(?:from\s+[\d.]+\s+)?to\s+{v}")],
    "batch_size": [_v(r"(?:mini-?)?batch(?:es)? (?:consists? )?of (?:size )?{v}"),
                   _v(r"{v} (?:examples|images|sequences) per (?:mini-?)?batch")],
    # "β1, β2 = 0.9, 0.95": each its own, in order (β2 is not the first)
    "beta1": [_v(r"(?:β|beta)\s?_?1" + IS + "{v}"), _v(r"(?:β|beta)\s?_?1\s*=\s*(?:β|beta)\s?_?2\s*=\s*{v}"),
              _v(r"(?:β|beta)\s?_?1\s*,\s*(?:β|beta)\s?_?2\s*=\s*\(?{v}")],
    "beta2": [_v(r"(?<!β1,\s)(?<!β1,)(?<!beta1,\s)(?<!beta1,)(?:β|beta)\s?_?2" + IS + "{v}"),
              _v(r"(?:β|beta)\s?_?1\s+(?:set\s+)?to\s+[\d.]+,?\s+and\s+(?:β|beta)\s?_?2\s+to\s+{v}"),
              _v(r"(?:β|beta)\s?_?1\s*,\s*(?:β|beta)\s?_?2\s*=\s*\(?[\d.]+\s*,\s*{v}")],
    "eps": [_v(r"(?:ϵ|ε|epsilon)\s*=\s*{v}")],
    "eps1": [_v(r"(?:ϵ|ε|epsilon)\s?_?1\s*=\s*{v}")], "eps2": [_v(r"(?:ϵ|ε|epsilon)\s?_?2\s*=\s*{v}")],
    "warmup_steps": [_v(r"warmup_steps\s*=\s*{v}"),  # "warmed up to 3e-4 over 2000 steps"
                     _v(r"\bwarm(?:ed|s)?[\s-]up\s+to\s+[^\s,;]+\s+(?:over|in|for|during)\s+(?:the\s+first\s+)?{v}\s+"
                        r"(?:steps|updates|iterations)")],
    "dropout": [_v(r"p_?drop\s*=\s*{v}"), _v(r"\bdrop_?prob\s*=\s*{v}")],
    # where the learning rate ends, as a share of its peak: "cosine decay to 0.1 of the max learning rate"
    "min_lr_ratio": [_v(r"\bdecay\w*\s+to\s+{v}\s*(?:of|×|x)\s+(?:its|the)\s+(?:peak|max(?:imum)?|initial|base)\b")],
    "label_smoothing": [_v(r"label smoothing (?:of (?:value )?)?(?:(?:ϵ|ε)\s?ls\s*=\s*)?{v}"),
                        _v(r"label[\s-]smooth\w*\b[^.;]{0,80}?(?:ϵ|ε|epsilon)(?:_?ls)?\s*=\s*{v}")],
    # the conventions of attention and routing papers: "h = 12 and dk = dv = 64", "top-k ... with k = 4",
    # "rotary embeddings (RoPE) with θ = 500000"
    "head_dim": [_v(r"\bd_?k\s*=\s*(?:d_?v\s*=\s*)?{v}")],
    # ("et al." and "2.1" may stand inside a sentence)
    "top_k": [_v(r"\btop-?k\b(?!\s*(?:accuracy|error|acc)\b)[^;]{0,80}?\bk\s*=\s*{v}"),
              _v(r"\b(?:use[sd]?|using|with|adopts?|employs?)\s+(?:a\s+|the\s+)?top-{v}\s+(?:expert\s+)?(?:routing|gating)\b"),
              _v(r"\b(?:routed|sent|dispatched|assigned)\s+to\s+(?:the\s+|its\s+|their\s+)?top-{v}\s+experts\b")],
    "rope_theta": [_v(r"\b(?:RoPE|rotary)\b[^;]{0,80}?(?:θ|theta|base(?:\s+frequency)?)\s*(?:=|of)\s*{v}")],
    "steps": [_v(r"(?:for|trained for|train for) {v} (?:training )?steps")],
    "iterations": [_v(r"(?:at|for|up to|terminate training at) {v} iterations")],
    "epochs": [_v(r"(?:for|trained for|train for) {v} epochs")],
    "n_layers": [_v(r"\bN\s*=\s*{v} identical layers")],
    "d_model": [_v(r"\bwidth {v}")],
    # a square image or crop, "a 224×224 crop", "resized to 32×32", "at a resolution of 640 × 640"
    "crop_size": [_v(r"{v}\s*[×x]\s*\d+\s+(?:random(?:ly)?\s+|center\s+|centre\s+)?(?:crops?|patch(?:es)?)\b"),
                  _v(r"\bcrops?\s+(?:of\s+)?(?:size\s+)?{v}\s*[×x]\s*\d")],
    "image_size": [_v(r"\b(?:resolution|image\s+size|input\s+size)\s+(?:(?:is|was|of)\s+)?{v}\s*[×x]\s*\d"),
                   _v(r"\b(?:resized?|rescaled?|fixed|cropped|downsampled?)\s+(?:\w+\s+)?to\s+{v}\s*[×x]\s*\d"),
                   _v(r"{v}\s*[×x]\s*\d+\s+(?:images|resolution)\b")],  # not "pixels": a patch may be 16×16 pixels
    "n_heads": [_v(r"\bh\s*=\s*{v} parallel attention"), _v(r"\b(?:attention|heads?)\b[^.;]{0,40}?\bh\s*=\s*{v}")],
}
# "the learning rate for the 16B model is set to 4.2e-4": which model, in a few words, before the verb
_FOR = (r"\s+(?:for|of|in|on)\s+(?:[\w.-]+\s+){1,4}?(?:is|was|are|were)\s+(?:" + SET_VERBS + r"\s+)?"
        r"(?:to\s+be\s+|to\s+|at\s+)?(?:an?\s+|about\s+|approximately\s+|around\s+)?")
# "128 batch size, 2048 sequence length": a value before its (singular) name, as an item of a list
_BEFORE = r"(?:^|[,;:(]\s*|\b(?:with|and|an?|uses?|used|using)\s+){v}\s+(?:NAME)(?=\s*(?:[,;.)]|and\b|$))"
for _name, _phrase in NAMES:
    PATTERNS.setdefault(_name, []).extend([
        _v(r"\b(?:" + _phrase + ")" + IS + r"{v}"), _v(r"\b(?:" + _phrase + ")" + _FOR + r"{v}"),
        _v(_BEFORE.replace("NAME", re.sub(r"(?<!\\)s\?", "", _phrase)))])
# Settings whose name takes the unit they are counted in: a batch of 4M tokens is no batch of 4M
# sequences, a warmup over 122K samples no warmup of 122K steps.
# (the value restated roughly before the unit: "2^23 ≈ 8 million tokens"; `_read` takes the unit
# only when the two agree, as "512 (about 1M tokens)" is sequences, restated in tokens)
_ROUGHLY = (r"(?:\s*(?:≈|~|∼|\(?(?:about|approximately|roughly)\s)\s*(?P<again>" + NUM.replace("(?P<", "(?P<r_")
            + r")\)?)?")
UNITS = [("batch_size", re.compile(_ROUGHLY + r"\s*(?P<unit>tokens|words|bytes|characters)\b", re.I)),
         ("seq_len", re.compile(_ROUGHLY + r"\s*(?P<unit>bytes|characters)\b", re.I))]
_PER_WORKER = re.compile(r"\bper[-\s](?:GPU|device|core|TPU|worker|replica|node|accelerator)\s+(?:mini-?)?$", re.I)
PER_DEVICE = re.compile(r"\s*(?:sequences|examples|images|samples)?\s*(?:per|on\s+each|for\s+each)\s+"
                        r"(?:GPU|device|core|TPU|worker|replica|node|accelerator)\b", re.I)
# (name, pattern): a name with "{unit}" takes the unit the pattern read
UNIT_PATTERNS = [
    ("warmup_{unit}", _v(r"warm-?\s?up\s+(?:of|over|for|during)\s+(?:the\s+first\s+)?{v}\s+"
                         r"(?P<unit>samples|tokens|examples|sequences|epochs?|images)\b")),
    # "we train ... on 350B tokens", "models are trained for 50B tokens"; not "X trained on 1T tokens achieves"
    ("train_{unit}", _v(r"\b(?:we|are|were|is|was|be|been)\s+(?:\w+\s+)?(?:pre-?)?train(?:ed|ing)?\s+"
                        r"(?:[\w-]+\s+){0,3}?"
                 r"(?:on|with|for)\s+(?:an?\s+)?(?:additional\s+|another\s+|further\s+)?{v}\s+(?P<unit>tokens)\b")),
    # "an input of 512 tokens and an output of 114 tokens": a length
    ("{unit}_length", _v(r"\b(?P<unit>input|output|prompt|target|source)s?\s+(?:length\s+)?of\s+"
                         r"(?:up\s+to\s+|at\s+most\s+)?{v}\s+tokens\b")),
    # "each batch contained approximately 25,000 source tokens", "sentences totaling roughly 300,000 words"
    ("batch_size_{unit}", _v(r"\bbatch(?:es)?\s+(?:\w+\s+)?(?:consist(?:s|ed)?\s+of|contain(?:s|ed)?)\b[^.;\d]{0,60}?"
                             r"\b{v}\s+(?:\w+\s+)?(?P<unit>tokens|words)\b")),
    ("min_learning_rate", _v(r"\blearning[\s-]rates?\b(?:[^.;]|\.(?=\d)){0,60}?\b(?:minimum|min|final)\s+"
                             r"(?:value\s+)?of\s+{v}")),
    # "the learning rate ... decays linearly to 1.28e-5": where the decay ends
    ("min_learning_rate", _v(r"\blearning[\s-]rates?\b(?:[^.;]|\.(?=\d)){0,80}?\b(?:decays?|decayed|decaying|"
                             r"anneal(?:s|ed|ing)?)\s+(?:\w+\s+){0,2}?to\s+{v}(?![.,]?\d)"
                             r"(?!\s*(?:of|[×x])\b)")),  # not "to 0.1 of the peak"
]
# a warmup's length named as such: the steps or epochs the sentence then gives are the warmup's
WARMUP_SUBJECT = re.compile(r"\bwarm-?\s?up\s+(?:duration|period|length|phase|stage)s?\b", re.I)
_WARMUP_OF = {"steps": "warmup_steps", "updates": "warmup_steps", "iterations": "warmup_steps",
              "epochs": "warmup_epochs"}
# "6e-4 for the 125M model and 3e-4 for the 355M model", "learning rates of 1e-4 and 3e-4": more
# values of the setting just read, after a value that says which model it is for or a plural name
_MORE = re.compile(r"(?P<which>\s+(?:for|in|on)\s+(?:the\s+)?(?:[\w.-]+\s+){0,3}?[\w.-]+)?"
                   r"\s*(?:,\s*(?:and\s+)?|\s+and\s+|\s*/\s*)(?P<v>" + NUM.replace("(?P<", "(?P<v_")
                   + r")(?=\s*(?:[,;.)]|$|(?:for|in|on|and|respectively)\b))")
# "600 and 1200 steps", "2, 4 or 8 experts": the values a list gives before the one its name follows;
# not the bounds of a range ("between 10 and 20 epochs") nor the numbers of what a paper refers to
_LIST_BEFORE = re.compile(r"(?<![\w.,/×-])(?P<list>\d[\d.,]*[kKMBT]?(?:\s*,\s*\d[\d.,]*[kKMBT]?)*)"
                          r"\s*,?\s+(?:and|or)\s+$")
_NOT_LISTS = re.compile(r"(?:between|from|tables?|figs?\.?|figures?|sections?|eqs?\.?|equations?|appendix)", re.I)
_PLURAL = re.compile(r"(?:rates|sizes|lengths|dimensions|widths|depths|decays)\b", re.I)
_MINIMUM = re.compile(r"\b(?:minimum|min|minimal|final|end|lowest|terminal)\s+$", re.I)
_TO = re.compile(r"\s+to\s+(?P<v>" + NUM.replace("(?P<", "(?P<v_") + ")")
OTHER_CLAUSE = re.compile(r"[.;]\s|,?\s+(?:and|while|whereas|but)\s+(?:the|our)\s+(?:\S+\s+){1,3}models?\b|"
                          r",\s+(?:the|our)\s+(?:\S+\s+){1,3}models?\s+(?:are|is|were|was|use[sd]?|ha(?:ve|s))\b")
_GROWN = re.compile(r"\b(?:increas|expand|extend|rais|grow|doubl)\w*\b[^.;]{0,40}$", re.I)
for _name, _phrase in AFTER:
    PATTERNS.setdefault(_name, []).append(_v(r"(?<![\w.-])" + _phrase))  # not the 2 of "Mamba-2 layers"
# "β = 0.9, 0.95", "(β1, β2) = (0.9, 0.95)", "0.9 and 0.95 for Adam β1 and β2"
BETAS = re.compile(r"(?:\(?(?:β|beta)\s?_?1\s*,\s*(?:β|beta)\s?_?2\)?|(?:β|beta)s?)"
                   r"(?:\s*=\s*|\s+(?:to\s+be|to|of|are|is)\s+)\(?(?P<a>0?\.\d+)\s*,\s*(?P<b>0?\.\d+)"
                   r"|(?P<c>0?\.\d+)\s*(?:,|and)\s*(?P<d>0?\.\d+)\s+for\s+(?:\w+\s+)?(?:β|beta)\s?_?1\s+and\s+(?:β|beta)\s?_?2",
                   re.IGNORECASE)
# Counts written as words: "two layers", "four attention heads".
WORDS = {w: n for n, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split(), 1)}
COUNTED = re.compile(r"\b(?P<n>" + "|".join(WORDS) + r")\s+(?:(?:transformer|hidden|decoder|encoder)\s+)?"
                     r"(?P<what>layers|(?:attention\s+)?heads)\b", re.IGNORECASE)
# A rate written as a percentage: "50% dropout", "dropout (50%)", "a dropout rate of 10%".
PERCENT_DROPOUT = re.compile(r"(?<![\w.])(?P<a>\d+(?:\.\d+)?)\s?%\s+dropout|dropout(?:\s+(?:rate|probability))?"
                             r"(?:\s+of|\s*\(|\s+is|\s+was)?\s*(?P<b>\d+(?:\.\d+)?)\s?%", re.IGNORECASE)


# "we set wimportance = 0.1 and wload = 0.1", "we use ai = 0.25": a symbol no definition names, set
# by the paper's own verb, is a setting by that symbol's name
_NAMED_SYMBOL = r"[A-Za-zα-ωΑ-Ω][A-Za-z0-9α-ω]{0,15}"
_SET_VALUE = (r"\s*=\s*(?P<v>" + NUM.replace("(?P<", "(?P<v_") + r")(?![.,]?\d)"
              r"(?=\s*(?:[,;.()]|and\b|for\b|in\b|as\b|$))")  # a number, not a formula's first term
SET_SYMBOL = re.compile(r"\b(?:we\s+(?:set|use|choose|chose|fix|take)|(?:is|are|was|were)\s+set\s+to|setting|using)\s+"
                        r"(?P<s>" + _NAMED_SYMBOL + r")" + _SET_VALUE, re.I)
SET_MORE = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+)(?P<s>" + _NAMED_SYMBOL + r")" + _SET_VALUE, re.I)
# An optimizer is a setting when the paper says it used it ("We use SGD", "we train the model with Adam", "the
# AdamW optimizer") or sets its constants ("0.9 and 0.95 for Adam β1 and β2"), not when it only names
# it; "stochastic gradient descent" (or back-propagation) that trained the paper's network ("were
# optimized with", not "networks trained by SGD [12]") is SGD.
OPTIMIZERS = re.compile(r"(?:\bus(?:e|es|ed|ing)|\b(?:[Ww]e|are|is|were|was)\s+(?:\w+\s+)?"
                        r"(?:train(?:s|ed)?|optimi[sz]ed?)\s+(?:\w+\s+){0,2}?(?:with|using)"
                        r"|trained (?:with|using)|optimi[sz]ed (?:with|using)"
                        r"|(?:performed|done|carried\s+out)\s+(?:with|using))\s+"
                        r"(?:(?:the|an?|a version of)\s+)?" + OPTIMIZER
                        + r"(?![\w-])|\b" + OPTIMIZER + r" optimi[sz]er\b|\boptimi[sz]er\s*[:=]?\s*" + OPTIMIZER + r"\b"
                        r"|\b" + OPTIMIZER + r"(?:'s)?\s+(?:with\s+|\(\s*)?"
                        r"(?:β|beta|ϵ|ε|epsilon|(?:Nesterov\s+)?momentum\s+(?:of\s+)?\d)")
# the optimizer a comparison sets aside: "instead of using Adafactor, we opt for Adam"
NOT_USED = re.compile(r"\b(?:instead\s+of|rather\s+than|compared\s+(?:to|with)|unlike|than)\s+(?:\w+\s+)?$", re.I)
SGD = re.compile(r"\b(?:we|were|was|are|is)\s+(?:\w+\s+)?(?:optimi[sz]ed|trained)\s+(?:with|using|by)\s+"
                 r"(?:mini-?batch\s+)?stochastic\s+(?:gradient\s+descent|back-?propagation)", re.I)
# The values each setting can take, by what it is (a rate, a probability, a count); a value outside is
# another quantity that stood near the setting's name (a parameter count by "hidden size", a year,
# a percentage) and is not read. Counts must be whole numbers.
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "learning_rate": (0.0, 10.0), "min_learning_rate": (0.0, 10.0), "weight_decay": (0.0, 10.0),
    "momentum": (0.0, 1.0), "beta1": (0.0, 1.0), "beta2": (0.0, 1.0), "eps": (0.0, 1.0), "dropout": (0.0, 0.99),
    "eps1": (0.0, 1.0), "eps2": (0.0, 1.0), "label_smoothing": (0.0, 0.5),
    "grad_clip": (1e-4, 1e4), "temperature": (1e-5, 1e4), "epochs": (0.01, 1e5),
    "warmup_epochs": (0.0, 1e4), "lora_alpha": (0.0, 1e4), "lora_dropout": (0.0, 0.99),
}
COUNTS: dict[str, tuple[float, float]] = {
    "batch_size": (1, 1e8), "warmup_steps": (0, 1e8), "n_layers": (1, 1000), "d_model": (4, 1e5), "n_heads": (1, 1024),
    "head_dim": (4, 8192), "d_ff": (4, 1e6), "seq_len": (2, 1e8), "vocab_size": (2, 1e8), "steps": (1, 1e10),
    "iterations": (1, 1e10), "queue_size": (1, 1e9), "top_k": (1, 1024), "rope_theta": (100, 1e9),
    "crop_size": (8, 1e4), "image_size": (8, 1e4), "lora_rank": (1, 1e5),
}


def plausible(name: str, value: float | str) -> bool:
    """Whether `value` can be setting `name` at all (a word setting, or one without bounds, always)."""
    if isinstance(value, str):
        return True
    if name in COUNTS:
        low, high = COUNTS[name]
        return value == int(value) and low <= value <= high
    low, high = PLAUSIBLE.get(name, (float("-inf"), float("inf")))
    return low <= value <= high


def _read(name: str, m: re.Match[str], sentence: str) -> list[tuple[str, float | str, int, str]]:
    """The value a setting's pattern matched, and the values a list goes on with ("6e-4 for the 125M
    model and 3e-4 for the 355M model"), each with the model a qualifier names (`_model`); "increased
    from 512 to 1024" is 1024. The name takes its unit ("batch_size_tokens") or its bound ("minimum
    learning rate": "min_learning_rate")."""
    value, end = number(m, "v_"), m.end()
    head = sentence[m.start():m.start("v")]
    if re.search(r"\bfrom\s+$", head) and _GROWN.search(sentence[:m.start("v")]) and (to := _TO.match(sentence, end)):
        value, end = number(to, "v_"), to.end()
    if name == "learning_rate" and _MINIMUM.search(sentence[:m.start()]):
        name = "min_learning_rate"
    qualified = re.search(r"\s(?:for|of|in|on)\s.+?(?=\s+(?:is|was|are|were)\s)", head)  # "for the 16B model is"
    values, models = [value], [model_of(qualified.group()) if qualified else ""]
    while (more := _MORE.match(sentence, end)) and (more.group("which") or _PLURAL.search(head)) \
            and plausible(name, number(more, "v_")):  # not "20 heads for the 125M, 355M ..."
        models[-1] = models[-1] or model_of(more.group("which"))  # "24 for Transformer and 12 ..."
        values.append(number(more, "v_"))
        models.append("")
        end = more.end()
    if len(values) > 1 and (last := TRAILING.match(sentence, end)):
        models[-1] = model_of(last.group())  # "... and 12 for DIFF Transformer"
    if name == "batch_size" and (PER_DEVICE.match(sentence, end) or _PER_WORKER.search(sentence, 0, m.start())):
        name = "batch_size_per_device"  # "128 per GPU", "a per-worker mini-batch size of 32": not the whole batch
    for setting, unit in UNITS:
        if name != setting:
            continue
        for at, said in ((m.end(), value), (end, values[-1])):
            if (u := unit.match(sentence, at)) and (not u.group("again")
                                                     or 0.8 <= number(u, "r_") / max(said, 1e-12) <= 1.25):
                name = f"{setting}_{u.group('unit').lower()}"
                break
    return [(name, v, m.start(), model) for v, model in zip(values, models, strict=True)]


def listed_before(sentence: str, at: int) -> list[float]:
    """The values of a list that ends just before the value at `at` ("600 and" before "1200 steps")."""
    m = _LIST_BEFORE.search(sentence, max(0, at - 80), at)
    if m is None or _NOT_LISTS.fullmatch((sentence[:m.start()].split() or [""])[-1]):
        return []
    return [number(n) for n in re.finditer(NUM, m.group("list"))]


_INITIALIZES = re.compile(r"\binitiali[sz](?:e[sd]?|ing)\s+(?:the\s+|all\s+|its\s+|our\s+)?$", re.I)
# a word without which none of a setting's patterns can match: sentences without it skip them
_WARMUP_WORD = re.compile(r"warm|linear|increas|rise|rising|grow", re.I)
NEEDS = {"warmup_steps": _WARMUP_WORD, "warmup_epochs": _WARMUP_WORD,
         "batch_size_per_device": re.compile(r"\bper\b|\beach\b", re.I), "init": re.compile(r"initiali", re.I),
         "bn_momentum": re.compile(r"momentum", re.I), "attention_dropout": re.compile(r"dropout", re.I),
         "embedding_dropout": re.compile(r"dropout", re.I), "ema_decay": re.compile(r"EMA|moving", re.I),
         "rope_theta": re.compile(r"RoPE|rotary", re.I), "num_experts": re.compile(r"expert", re.I),
         "top_k": re.compile(r"top", re.I)}
_STEPS = {"iterations": "steps", "updates": "steps"}  # a warmup's steps, as the text counts them
# a digit or a number word: what every value (notation.NUM) holds
VALUED = re.compile(r"\d|\b(?:" + "|".join(NUMBER_WORDS) + r"|hundred|thousand|million|billion|trillion)\b", re.I)


def find(pages: Iterable[tuple[int, str]], table: SymbolTable | None = None) -> list[Hparam]:
    """Every hyperparameter stated in the text, in reading order; the same value on the same page
    once. `table`: the text's symbols, when the caller has them (`symbols` of the same sentences)."""
    out: list[Hparam] = []
    seen: set[tuple[str, object, int]] = set()
    context = ""
    paper = [(page, sentence) for page, text in pages for sentence in sentences(text)]
    table = symbols(sentence for _, sentence in paper) if table is None else table
    for at, (page, sentence) in enumerate(paper):
        found: list[tuple[str, float | str, int]] = []  # (setting, value, where in the sentence)
        listed: list[tuple[str, float | str, int]] = []  # a list's values before a value named after it
        models: dict[tuple[str, float | str, int], str] = {}  # the model a value is for, where said
        valued = VALUED.search(sentence) is not None  # else no pattern with a value can match
        for name, patterns in PATTERNS.items() if valued else ():
            if name in NEEDS and not NEEDS[name].search(sentence):
                continue  # (speed: none of its patterns can match)
            for pattern in patterns:
                for m in pattern.finditer(sentence):
                    read = _read(name, m, sentence)
                    found += [(setting, value, where) for setting, value, where, _ in read]
                    models |= {(setting, value, where): model for setting, value, where, model in read if model}
                    if not sentence[m.start():m.start("v")].strip():  # "600 and" before "1200 steps"
                        listed += [(read[0][0], x, m.start()) for x in listed_before(sentence, m.start("v"))]
        for name, pattern in UNIT_PATTERNS if valued else ():
            found += [(name.format(unit=re.sub(r"^epoch$", "epochs", (m.groupdict().get("unit") or "").lower())),
                       number(m, "v_"), m.start())
                      for m in pattern.finditer(sentence)]
        found += [("optimizer", next(g for g in m.groups() if g), m.start()) for m in OPTIMIZERS.finditer(sentence)
                  if not NOT_USED.search(sentence[max(0, m.start() - 25):m.start()])]
        found += [("optimizer", "SGD", m.start()) for m in SGD.finditer(sentence)]
        found += [("activation", m.group("a") or m.group("b"), m.start()) for m in ACTIVATIONS.finditer(sentence)
                  if not NOT_USED.search(sentence[max(0, m.start() - 25):m.start()])]
        found += [("_".join((m.group("a") or m.group("b")).lower().split()), 0.0, m.start())
                  for m in WITHOUT.finditer(sentence)]
        for name, pattern in SCHEDULES:
            if said := pattern.search(sentence):
                found.append(("schedule", name, said.start()))
        found += [("dropout", float(f"{float(m.group('a') or m.group('b')) / 100:.6g}"), m.start())
                  for m in PERCENT_DROPOUT.finditer(sentence)]
        found += percents(sentence)
        found += [("n_layers" if m.group("what").lower() == "layers" else "n_heads",
                   float(WORDS[m.group("n").lower()]), m.start()) for m in COUNTED.finditer(sentence)]
        for m in BETAS.finditer(sentence):
            found += [("beta1", float(m.group("a") or m.group("c")), m.start()),
                      ("beta2", float(m.group("b") or m.group("d")), m.start())]
        for m in [] if EXAMPLE.match(sentence) else ASSIGNS.finditer(sentence):  # "η = 0.01", η defined before
            if meant := meaning(table, m.group("s"), at):
                found.append((meant, number(m, "v_"), m.start()))
                if model := named_before(sentence, m.start()):  # "BERTBASE (L=12, H=768)"
                    models[(meant, number(m, "v_"), m.start())] = model
        stated = {value for _, value, _ in found}
        for m in SET_SYMBOL.finditer(sentence):  # unless a name of its own read the value
            each: re.Match[str] | None = m
            while each is not None:
                symbol = each.group("s")
                if number(each, "v_") not in stated:
                    found.append((meaning(table, symbol, at) or symbol, number(each, "v_"), m.start()))
                each = SET_MORE.match(sentence, each.end())
        for m in MILESTONES.finditer(sentence):  # in steps for the harness; in epochs named so
            if unit := (m.group("pre") or m.group("post") or "").lower():
                cuts = ",".join(f"{number(n):g}" for n in re.finditer(NUM, re.sub(r"-?(?:th|st|nd|rd)\b", "",
                                                                                  m.group("list"))))
                found.append(("milestone_epochs" if unit.startswith("epoch") else "milestones", cuts, m.start()))
                found.append(("schedule", "step", m.start()))  # a rate cut at points is a step schedule
        smoothing = {value for name, value, _ in found if name == "label_smoothing"}  # "label smoothing ϵ = 0.1"
        found = [f for f in found if not (f[0] == "eps" and f[1] in smoothing)]
        known = {value for _, value, _ in found} | {
            float(x) for n, v, _ in found if n in ("milestones", "milestone_epochs") for x in str(v).split(",")}
        for kind, pattern in [] if tabular(sentence) or not valued else GENERIC:  # in the paper's own words
            if kind in NEEDS and not NEEDS[kind].search(sentence):
                continue
            counted = kind in ("count", "active", "dim")  # a whole number of something
            for m in pattern.finditer(sentence):
                amount = number(m, "v_")
                before = sentence[:m.start("name")].split()[-1:]  # "error" in "the error rate of 3.1"
                if before and RESULT_WORD.fullmatch(before[0]) and not counted:
                    continue
                # "300B tokens", "1.28 million training images": how much data, not a setting (while
                # "100B training tokens" is how long a model trained)
                noun = m.group("name").lower()
                bare = counted and (noun in DATA or noun.split()[-1] in DATA - {"tokens"})
                # a count in words ("the three steps of our method") tells the method, not its setup
                if m.group("v_nw") and counted:
                    continue
                if amount not in known and not bare and (not counted or (amount == int(amount) and amount >= 1)):
                    words = "_".join(re.findall(r"[a-z0-9]+", noun))
                    named = count_name(noun) if kind == "count" else {
                        "active": f"active_{words}", "dim": f"{words}_dim", "init": f"{words}_init"}.get(kind, words)
                    if kind == "named":  # "sequences of length 20", "dropout with probability 0.1": whose
                        named = owned(sentence[:m.start("name")], noun) or named
                        if _INITIALIZES.search(sentence, 0, m.start("name")):  # "we initialized the biases to be 0"
                            named = re.sub(r"(?<=[^s])s$|(?<=s)es$", "", named) + "_init"
                    found.append((named, amount, m.start()))
                    if kind == "count":
                        listed += [(named, x, m.start()) for x in listed_before(sentence, m.start("v"))
                                   if x == int(x) and x >= 1]
        # a list's value that another setting of the sentence holds is that one's ("a hidden size of
        # 768 and 12 heads")
        found += [f for f in listed if f[1] not in {value for _, value, _ in found}]
        if warm := WARMUP_SUBJECT.search(sentence):  # "the warmup duration ... was 600 steps"
            found = [(_WARMUP_OF.get(n, n) if where >= warm.start() else n, v, where) for n, v, where in found]
        found = [(per(n, v, sentence), v, w) for n, v, w in found]  # "every 5000 steps" is no length
        warmup = [(n[len("warmup_"):], v, w) for n, v, w in found if n in ("warmup_steps", "warmup_epochs")]
        found = [f for f in found  # "we warm up for 5 epochs", "for 10,000 iterations": not the length in all
                 if not any(_STEPS.get(f[0], f[0]) == n and f[1] == v and 0 <= f[2] - w <= 20 for n, v, w in warmup)]
        paired = respective(sentence)  # "600 and 1200 steps for the 360M and 660M models, respectively"
        about = opening_model(sentence)  # "For the largest model, we train for 20,000 steps", up to a
        said = OTHER_CLAUSE.search(sentence)  # stop in a run-on "sentence", or a clause on another model
        for name, value, where in found:
            if (name, value, page) in seen or not plausible(name, value):
                continue
            seen.add((name, value, page))
            out.append(Hparam(name, value, page, quote(sentence, where),
                              models.get((name, value, where)) or paired.get(value)
                              or (about if not said or where < said.start() else "") or setup_of(sentence, context)))
        context = (context + " " + sentence)[-2000:]
    return out
