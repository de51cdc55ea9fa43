"""What a number measures: its kind (error, accuracy, log-likelihood...), its unit (a fraction, a
percentage, a count, nats...), and the dataset, split and model it belongs to.

A claim and a run's metric are comparable only when their kinds agree and their units convert into
one another without a guess: a percentage into a fraction, bits into nats, a count into a fraction
when the claim says what it counted over (`of`). Everything else is refused with what would make
it comparable. Names of datasets and models are compared in a normal form (lower case, letters and
digits only), so "CIFAR-10" is "cifar10" and "ResNet-110" is "resnet110". A metric as papers
write it ("top-5 err.", "BLEU score", "bpb") has a canonical name (`metric_of`).
"""

from __future__ import annotations

import math
import re

# kind -> the direction in which it is better (None: the claim says)
KINDS: dict[str, str | None] = {
    "accuracy": "higher", "error": "lower", "top5_accuracy": "higher", "top5_error": "lower",
    "loss": "lower", "perplexity": "lower", "log_likelihood": "higher", "bits_per_character": "lower",
    "bleu": "higher", "f1": "higher", "exact_match": "higher", "ndcg": "higher", "map": "higher",
    "auc": "higher", "rouge": "higher", "psnr": "higher", "fid": "lower", "wer": "lower", "mse": "lower",
    "glue_score": "higher", "steps": None, "ratio": None, "other": None,
}
KIND_ALIASES = {"top1_error": "error", "top1_accuracy": "accuracy", "bpc": "bits_per_character",
                "ppl": "perplexity", "nll": "loss", "log-likelihood": "log_likelihood"}

# unit -> (family, factor into the family's base unit)
UNITS: dict[str, tuple[str, float]] = {
    "fraction": ("share", 1.0), "percent": ("share", 0.01), "count": ("count", 1.0),
    "nats": ("nats", 1.0), "bits": ("nats", math.log(2)), "raw": ("raw", 1.0),
}
UNIT_WORDS = {"fraction": "a fraction (0-1)", "percent": "a percentage", "count": "a count",
              "nats": "nats", "bits": "bits", "raw": "a number compared as written"}
SPLITS = ("train", "val", "test")


def kind_of(name: str) -> str:
    """The canonical kind for a metric name or kind ('top1_error' -> 'error'); '' when unknown."""
    name = name.strip().lower()
    name = KIND_ALIASES.get(name, name)
    return name if name in KINDS else ""


def better(kind: str) -> str | None:
    return KINDS.get(kind_of(kind))


class Incomparable(ValueError):
    """A claim's number cannot be put on a metric's scale; the message says what would fix it."""


def to_base(value: float, unit: str, of: float | None = None) -> float:
    """`value` in its family's base unit (a fraction, nats, a count); a count with `of` is a fraction."""
    if unit == "count" and of:
        return value / of
    return value * UNITS[unit][1]


def family(unit: str, of: float | None = None) -> str:
    return "share" if unit == "count" and of else UNITS[unit][0]


def factor(claim_unit: str, metric_unit: str, of: float | None = None) -> float:
    """The number that turns a metric value (in `metric_unit`) into the claim's unit: obtained x
    factor is on the claim's scale. Raises Incomparable with what would make the two comparable."""
    if family(claim_unit, of) != family(metric_unit):
        if claim_unit == "count" and family(metric_unit) == "share":
            raise Incomparable(f"the claim is {UNIT_WORDS['count']} and the metric {UNIT_WORDS[metric_unit]}: "
                               "add `of = N` to the claim (how many examples the paper counted over), "
                               "or have task.py write a count")
        raise Incomparable(f"the claim is {UNIT_WORDS[claim_unit]} and the metric {UNIT_WORDS[metric_unit]}: "
                           "no conversion between them; have task.py write the paper's quantity under a "
                           "key of its own, or change the claim's unit")
    return to_base(1.0, metric_unit) / to_base(1.0, claim_unit, of)


def same_kind(claim_kind: str, metric_kind: str) -> str | None:
    """None when the kinds agree (or the claim names none); else why not."""
    a, b = kind_of(claim_kind), kind_of(metric_kind)
    if not claim_kind or a == b or (a == "other" and not b):
        return None
    return f"the claim measures {claim_kind.replace('_', ' ')} and the metric {metric_kind.replace('_', ' ')}"


def normal(name: str) -> str:
    """'CIFAR-10' -> 'cifar10': the form names are compared in."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


DATASET_ALIASES = {"ptb": "penntreebank", "imagenet1k": "imagenet", "ilsvrc2012": "imagenet",
                   "ilsvrc": "imagenet", "sst": "sst2", "mnlim": "mnli", "lm1b": "onebillionword",
                   "cifar": "cifar10", "wikitext": "wikitext103"}


def same_dataset(claim: str, run: str) -> bool:
    a, b = normal(claim), normal(run)
    return bool(a) and DATASET_ALIASES.get(a, a) == DATASET_ALIASES.get(b, b)


def name_tokens(text: str) -> list[str]:
    """A model name's words, a short number joined to the word before it: 'ResNet-110 (1.7M)' is
    ['resnet110', '1', '7m'], 'GPT-2 1542M' is ['gpt2', '1542m'], '2-layer transformer' is
    ['2', 'layer', 'transformer']."""
    out: list[str] = []
    for token in re.findall(r"[a-z]+|\d+[a-z]*", text.lower()):
        if out and re.fullmatch(r"\d{1,3}", token) and out[-1].isalpha():
            out[-1] += token
        else:
            out.append(token)
    return out


def same_model(claim: str, run: str) -> bool:
    """The run's model is the claim's row when the row names it, word for word ('ResNet-110 (1.7M)'
    names 'resnet110'); a row less specific than the run ('ResNet'), another size or version
    ('GPT-2 1542M' is not 'gpt'), or another model does not."""
    a, b = name_tokens(claim), name_tokens(run)
    return bool(a) and bool(b) and any(a[i:i + len(b)] == b for i in range(len(a) - len(b) + 1))


# Benchmarks by the names papers give them: to tie a number to its dataset from its table or sentence.
DATASETS = [
    ("MNIST", r"(?<!fashion-)(?<!fashion )mnist"), ("Fashion-MNIST", r"fashion[- ]?mnist"),
    ("CIFAR-100", r"cifar[- ]?100"), ("CIFAR-10", r"cifar[- ]?10(?!0)"), ("SVHN", r"svhn"),
    ("STL-10", r"stl[- ]?10"), ("TFD", r"\btfd\b|toronto face"), ("ImageNet", r"imagenet|ilsvrc"),
    ("COCO", r"\bcoco\b"), ("Pascal VOC", r"pascal voc|\bvoc ?20\d\d"), ("ADE20K", r"ade20k"),
    ("Cityscapes", r"cityscapes"), ("CelebA", r"celeba"), ("LSUN", r"\blsun\b"),
    ("SST-2", r"\bsst-?2\b"), ("MNLI", r"\bmnli\b|multinli"), ("QNLI", r"\bqnli\b"), ("QQP", r"\bqqp\b"),
    ("RTE", r"\brte\b"), ("MRPC", r"\bmrpc\b"), ("CoLA", r"\bcola\b"), ("STS-B", r"\bsts-?b\b"),
    ("SQuAD", r"\bsquad"), ("GLUE", r"\bglue\b"), ("SuperGLUE", r"superglue"),
    ("WikiText-103", r"wikitext-?103"), ("WikiText-2", r"wikitext-?2\b"), ("Penn Treebank", r"penn tree ?bank|\bptb\b"),
    ("enwik8", r"enwik8"), ("text8", r"\btext8\b"), ("One Billion Word", r"one billion word|\blm1b\b"),
    ("LAMBADA", r"lambada"), ("WMT14 En-De", r"wmt ?'?14 english-german|wmt ?'?14 en-de"),
    ("WMT14 En-Fr", r"wmt ?'?14 english-french|wmt ?'?14 en-fr"), ("The Pile", r"the pile\b"),
    ("C4", r"\bc4\b"), ("OpenWebText", r"openwebtext"), ("HellaSwag", r"hellaswag"), ("PIQA", r"\bpiqa\b"),
    ("MMLU", r"\bmmlu\b"), ("GSM8K", r"gsm8k"), ("HumanEval", r"humaneval"), ("TriviaQA", r"triviaqa"),
    ("WinoGrande", r"winogrande"), ("BoolQ", r"boolq"), ("ARC", r"\barc-(?:e|c|easy|challenge)\b"),
    ("LibriSpeech", r"librispeech"), ("TIMIT", r"\btimit\b"),
    # language models' evaluations; the acronyms that are also words ("DROP", "MATH", "RACE") in capitals only
    ("OpenBookQA", r"openbookqa|\bobqa\b"), ("SIQA", r"\bsiqa\b|social ?iqa"), ("Natural Questions",
     r"natural questions|(?-i:\bNQ\b)"), ("MATH", r"(?-i:\bMATH\b)"), ("MBPP", r"\bmbpp\b"),
    ("BBH", r"\bbbh\b|big-?bench hard"), ("GPQA", r"\bgpqa\b"), ("DROP", r"(?-i:\bDROP\b)"),
    ("RACE", r"(?-i:\bRACE\b)"), ("TruthfulQA", r"truthfulqa"), ("WSC", r"\bwsc\b"), ("WiC", r"\bwic\b"),
    ("COPA", r"\bcopa\b"), ("MultiRC", r"multirc"), ("ReCoRD", r"\brecord\b(?-i:(?<=ReCoRD))"),
    ("StoryCloze", r"story ?cloze"), ("XNLI", r"\bxnli\b"), ("AGIEval", r"agieval"),
    # vision's
    ("LVIS", r"\blvis\b"), ("Kinetics", r"kinetics-?\d*"), ("iNaturalist", r"inaturalist"),
    ("Places365", r"places ?365"),
]
_DATASET_PATTERNS = [(name, re.compile(p, re.IGNORECASE)) for name, p in DATASETS]


def datasets_in(text: str) -> list[str]:
    """The benchmarks `text` names, in the order of the list above (each once)."""
    return [name for name, pattern in _DATASET_PATTERNS if pattern.search(text)]


def datasets_at(text: str) -> list[tuple[int, str]]:
    """Every mention of a benchmark in `text`, in the text's order: (offset, name)."""
    found = sorted((m.start(), name) for name, pattern in _DATASET_PATTERNS for m in pattern.finditer(text))
    return [(at, name) for i, (at, name) in enumerate(found) if i == 0 or at != found[i - 1][0]]


def one_dataset(*texts: str) -> str:
    """The one benchmark the nearest text that names any names ('' when none, or when it names
    several: then the number's dataset is not established)."""
    for text in texts:
        found = datasets_in(text)
        if found:
            return found[0] if len(found) == 1 else ""
    return ""


def split_in(text: str) -> str:
    """'test', 'val' or 'train' when `text` names exactly one of them; '' otherwise."""
    found = {s for s, p in (("test", r"\btest"), ("val", r"\b(?:val(?:idation)?|dev(?:elopment)?)\b"),
                            ("train", r"\btrain(?:ing)? (?:error|accuracy|loss|set)")) if re.search(p, text, re.I)}
    return found.pop() if len(found) == 1 else ""


# metric words -> (canonical name, lower is better)
METRICS = [
    (r"top-?1 (?:test |val(?:idation)? )?err(?:or|\.)", "top1_error", True),
    (r"top-?5 (?:test |val(?:idation)? )?err(?:or|\.)", "top5_error", True),
    (r"top-?1 (?:test |val(?:idation)? )?acc(?:uracy)?(?![a-z])", "top1_accuracy", False),
    (r"top-?5 (?:test |val(?:idation)? )?acc(?:uracy)?(?![a-z])", "top5_accuracy", False),
    (r"pass@\d+", "pass_at_k", False), (r"maj(?:ority)?@\d+", "majority_at_k", False),
    (r"win[\s-]?rate", "win_rate", False), (r"cer\b|character error rate", "cer", True),
    (r"(?<!standard )(?<!std\. )(?:test |val(?:idation)? |training )?(?:error(?: rate)?|err\.)", "error", True),
    (r"(?:test |val(?:idation)? )?acc(?:uracy)?(?![a-z])", "accuracy", False),  # not "according", "accompanied"
    (r"bleu(?: score)?", "bleu", False), (r"glue score", "glue_score", False), (r"f1(?: score)?", "f1", False),
    (r"perplexity|ppl", "perplexity", True), (r"exact match|\bem\b", "exact_match", False),
    (r"ndcg", "ndcg", False), (r"map\b|mean average precision", "map", False),
    (r"auc\b", "auc", False),
    (r"rouge(?:-[12l])?", "rouge", False), (r"fid\b", "fid", True),
    (r"wer\b|word error rate", "wer", True),  # not "were"
    (r"(?:test |val(?:idation)? )?loss", "loss", True), (r"mse\b", "mse", True), (r"psnr", "psnr", False),
    (r"negative log-?likelihood|nll", "loss", True), (r"log-?likelihood", "log_likelihood", False),
    (r"bits per (?:character|char)|bpc", "bits_per_character", True), (r"bits per byte|bpb", "bits_per_byte", True),
    (r"(?-i:AP(?:50|75|_?[SML])?)", "ap", False),  # average precision, as detection papers write it
    (r"(?-i:R)@\d+|recall(?:@\d+)?", "recall", False), (r"bits?(?:/| per )dim(?:ension)?|bpd\b", "bits_per_dim", True),
    (r"nats\b", "nats", True),  # a log-likelihood or its bound, in nats
    (r"m?iou\b", "miou", False), (r"ssim", "ssim", False), (r"cider", "cider", False), (r"meteor", "meteor", False),
    (r"mrr\b|mean reciprocal rank", "mrr", False),
    (r"(?:spearman|pearson)(?:'s)?(?: (?:rank )?correlation)?|kendall(?:'s)? (?:tau|τ)", "correlation", False),
    (r"inception score", "inception_score", False), (r"lpips\b", "lpips", True),
    (r"rmse\b", "rmse", True),  # not MAE: in vision papers, masked autoencoders
]
METRIC_WORDS = r"(?:" + "|".join(f"(?:{p})" for p, _, _ in METRICS) + r")"
METRIC = re.compile(r"\b" + METRIC_WORDS, re.IGNORECASE)
RAW = {"bleu", "glue_score", "perplexity", "fid", "rouge", "psnr", "loss", "mse", "log_likelihood", "nats", "cider",
       "bits_per_dim", "bits_per_character", "bits_per_byte", "inception_score", "lpips", "rmse"}  # scores, not shares


def metric_of(text: str) -> tuple[str, bool] | None:
    """The canonical metric named in `text` (the most specific first), and whether lower is better."""
    for pattern, name, lower in METRICS:
        if re.search(r"\b(?:" + pattern + r")", text, re.IGNORECASE):
            return name, lower
    return None
