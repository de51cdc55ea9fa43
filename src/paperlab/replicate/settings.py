"""The setup a paper states, as `replicate hparams` shows it: the settings of its text
(hparams.find) and of its tables of settings, a table whose headers or row labels name at least two
settings (tables.read_tables lays the tables out). A table of settings as name and value lines
("Optimizer  AdamW", "LR  3.2 × 10−4", "Stochastic depth  0.1/0.4/0.5") is read line by line
(`key_values`): a value in words, in a paper's notation or as a list, which the grid of numbers
leaves out."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from paperlab.library import Library
from paperlab.models import Hparam, Item
from paperlab.replicate.hparams import find, plausible
from paperlab.replicate.measures import metric_of
from paperlab.replicate.names import NAMES, OPTIMIZER
from paperlab.replicate.notation import NUM, number, sentences
from paperlab.replicate.symbols import Table as SymbolTable
from paperlab.replicate.symbols import symbol_named, symbols
from paperlab.replicate.tables import Cell, Table, item_pdf, tables_and_lines

if TYPE_CHECKING:
    from paperlab.retrieval.pdf import PageText

# Settings as tables name them in a header or a row label (after `_setting_named` lower-cases the
# text and drops "#", "num", "n_" and a unit in brackets); the longer names of hparams.NAMES also count.
# Not "hidden dim": some configurations call the model's width that, others the feed-forward layer's.
SHORT = {
    "layers": "n_layers", "depth": "n_layers", "heads": "n_heads", "attention heads": "n_heads",
    "attn heads": "n_heads", "kv heads": "n_kv_heads", "dmodel": "d_model", "d model": "d_model",
    "width": "d_model", "dim": "d_model", "model dim": "d_model", "dff": "d_ff",
    "d ff": "d_ff", "ffn dim": "d_ff", "ffn": "d_ff", "head dim": "head_dim", "d head": "head_dim",
    "dhead": "head_dim", "batch": "batch_size", "bs": "batch_size", "peak lr": "learning_rate",
    "max lr": "learning_rate", "seq len": "seq_len", "context len": "seq_len", "ctx len": "seq_len",
    "vocab": "vocab_size", "warmup": "warmup_steps", "steps": "steps", "train steps": "steps",
    "epochs": "epochs", "wd": "weight_decay", "experts": "num_experts", "top k": "top_k",
    "image size": "image_size", "resolution": "image_size", "input size": "image_size", "crop size": "crop_size",
    "nlayers": "n_layers", "nheads": "n_heads", "intermediate size": "d_ff", "intermediate dim": "d_ff",
    "top k experts": "top_k", "experts per token": "top_k", "total steps": "steps", "max steps": "steps",
    "total training steps": "steps", "training iterations": "iterations", "iterations": "iterations",
    "max sequence length": "seq_len", "max seq len": "seq_len", "label smoothing": "label_smoothing",
    "min lr": "min_learning_rate", "final lr": "min_learning_rate", "min learning rate": "min_learning_rate",
    "minimum learning rate": "min_learning_rate", "final learning rate": "min_learning_rate",
    "grad clip": "grad_clip", "gradient clip": "grad_clip", "clip norm": "grad_clip", "max grad norm": "grad_clip",
    "train tokens": "train_tokens", "training tokens": "train_tokens", "ema": "ema_decay",
    # the Transformer's notation, which many papers keep: h heads of size dk, Pdrop, εls
    "h": "n_heads", "dk": "head_dim", "d k": "head_dim", "pdrop": "dropout", "p drop": "dropout",
    "εls": "label_smoothing", "ε ls": "label_smoothing", "label smoothing ε": "label_smoothing",
    "lora r": "lora_rank", "lora α": "lora_alpha",  # a table of a LoRA setup's rows ("LoRA r  8", "LoRA α  16")
    # optimizers' constants, with or without the optimizer's name before them ("Adam β2", "AdamW ε")
    "β1": "beta1", "β 1": "beta1", "beta1": "beta1", "β2": "beta2", "β 2": "beta2", "beta2": "beta2",
    "ε": "eps", "epsilon": "eps", "β": "betas", "betas": "betas", "β1, β2": "betas", "β 1, β 2": "betas",
    "momentum β1, β2": "betas", "b1": "beta1", "b2": "beta2",  # optax's names: adam_b1
    # settings whose value is a word
    "optimizer": "optimizer", "optimiser": "optimizer", "schedule": "schedule", "lr schedule": "schedule",
    "learning rate schedule": "schedule", "lr scheduler": "schedule", "learning rate scheduler": "schedule",
    "lr decay schedule": "schedule", "decay schedule": "schedule",
}
_OPTIMIZER_NAME = re.compile(r"^(?:" + OPTIMIZER.strip("()").lower()
                             + r"|optimizer)\s+(?=[βε]|beta|eps|momentum|b[12]\b)")


def _normal(label: str) -> str:
    """A header or row label in NFKC form, lower case, without what it says in brackets (a unit)."""
    return re.sub(r"\([^)]*\)", " ", unicodedata.normalize("NFKC", label).lower())


def _setting_named(text: str) -> str | None:
    """The setting a header or row label names ("# Layers", "n_heads", "Batch Size (Sequence)",
    "exp. mov. avg. (EMA)"), if any."""
    t = _normal(text)
    t = " ".join(re.sub(r"\b(?:num|number of|no\.?|n)\b", " ", re.sub(r"[#_/:-]|\.(?!\d)", " ", t)).split())
    t = _OPTIMIZER_NAME.sub("", t)
    if t in SHORT:
        return SHORT[t]
    named = next((name for name, phrase in NAMES if re.fullmatch(phrase, t, re.IGNORECASE)), None)
    # else what it says in brackets, where that names a setting: "exp. mov. avg. (EMA)"
    return named or next((n for inner in re.findall(r"\(([^()]+)\)", text) if (n := _setting_named(inner))), None)


_NOT_SETTINGS = re.compile(r"param|flop|\bops\b|\bmacs\b|complexity|throughput|time|memory|speed|cost|\bgpus?\b|"
                           r"hours|days|tokens?/s", re.I)


def _own_words(label: str) -> str | None:
    """A row label or header of a table of settings that names a setting no list knows ("Label
    smoothing", "Stochastic depth"): the setting, in snake_case; not a result's or a size's, nor a
    symbol ("dv", "N": a word of three letters or more first)."""
    words = re.findall(r"[a-z][a-z0-9]*", _normal(label))
    if not words or len(words[0]) < 3 or len(words) > 4 or _NOT_SETTINGS.search(label) or metric_of(label) \
            or re.search(r"[a-z]{3}\.\s", label):  # the end of a sentence: a caption's words, not a header
        return None
    return "_".join(words)


def _named(text: str, defined: SymbolTable) -> str | None:
    """The setting a header, row label or line's name names: a symbol the text defines first ("H" is
    the hidden size where the paper says so), else a setting's name."""
    return symbol_named(text, defined) or _setting_named(text)


def settings(tables: list[Table], defined: SymbolTable | None = None) -> list[Hparam]:
    """The settings the paper's tables state: a table whose columns (or row labels) name at least two
    settings ("Layers", "dmodel"; or rows "Heads", "Hidden size") gives each of its numbers under
    (or beside) such a name, with the row's label (or the column's header) as the experiment; its
    other headers (or labels) name settings in the paper's words ("Label smoothing": `label_smoothing`)
    unless they name a result or a size. A table that names one setting is an ablation or a result,
    not a setup, and gives none."""
    whole = re.compile(r"\s*(?:" + NUM + r")\s*")
    out: list[Hparam] = []
    defined = defined or {}
    for t in tables:
        by_column = [_named(c, defined) for c in t.columns]
        by_row = [_named(r.label, defined) for r in t.rows]
        pairs: list[tuple[str, str, Cell, str, str]] = []  # (setting, experiment, cell, row, column)
        if len({n for n in by_column if n}) >= 2:  # a table of settings: its other headers name settings too
            by_column = [n or _own_words(c) for n, c in zip(by_column, t.columns, strict=True)]
        if len({n for n in by_row if n}) >= 2:
            by_row = [n or _own_words(r.label) for n, r in zip(by_row, t.rows, strict=True)]
        if len({n for n in by_column if n}) >= 2:
            pairs += [(n, r.label, c, r.label, t.columns[i]) for r in t.rows
                      for i, (n, c) in enumerate(zip(by_column, r.cells, strict=True)) if n]
        if len({n for n in by_row if n}) >= 2:
            pairs += [(n, t.columns[i], c, r.label, t.columns[i]) for r, n in zip(t.rows, by_row, strict=True)
                      if n for i, c in enumerate(r.cells)]
        for name, experiment, cell, row, column in pairs:
            m = whole.fullmatch(cell.text)  # (a pair of betas is `key_values`' to read: one number is neither)
            if m and name != "betas" and plausible(name, value := number(m)):
                out.append(Hparam(name, value, t.page, f"Table {t.number}: {row} | {column}: {cell.text}",
                                  "" if experiment.lower() in ("value", "values") else experiment))
    return out


# a schedule as a table of settings writes it ("cosine decay", "linear warmup, cosine"): the decay's kind
_SCHEDULES = [("cosine", r"\bcosine\b"), ("inverse square root", r"inverse[\s-]?(?:square[\s-]root|sqrt)|\brsqrt\b"),
              ("step", r"\b(?:multi-?)?step\b"), ("linear", r"\blinear(?:ly)?\s+decay|\blinear$"),
              ("constant", r"^constant\b")]
# Adam's pair: "(0.9, 0.95)", "0.9/0.999", "β1, β2 = 0.9, 0.999"
_BETAS = re.compile(r"^\(?\s*(?:β\s?1\s*,\s*β\s?2\s*\)?\s*=\s*)?\(?(" + NUM + r")\s*[,/]\s*("
                    + NUM.replace("(?P<", "(?P<b_") + r")\s*\)?$")


def _values(name: str, text: str) -> list[tuple[str, float | str]]:
    """The settings one phrase of a line of a table of settings gives: a number as papers set it
    ("3.2 × 10−4", "4M"), a list ("0.1/0.4/0.5"), an optimizer's or a schedule's name, and the pair
    of "Adam β  (0.9, 0.95)" or "β1, β2 = 0.9, 0.999" as beta1 and beta2."""
    text = unicodedata.normalize("NFKC", text).strip()
    words: list[tuple[str, float | str]] = []
    if name == "optimizer":  # as the text reader names it: "adamw" is AdamW
        said = re.search(r"\b" + OPTIMIZER + r"\b", text, re.I)
        words += [(name, o) for o in OPTIMIZER.strip("()").split("|") if said and said.group(1).lower() == o.lower()]
    if name == "schedule":
        words += [(name, kind) for kind, pattern in _SCHEDULES if re.search(pattern, text, re.I)][:1]
    if name in ("optimizer", "schedule"):
        return words
    if name == "betas" or text.startswith(("β1", "β 1", "(β1", "(β 1")):
        return [("beta1", number(m)), ("beta2", number(m, "b_"))] if (m := _BETAS.match(text)) else []
    if unit := _UNIT.search(text):  # "10k steps", "256 images": a length or a batch in its unit
        text = text[:unit.start()]
        name = _in_unit(name, unit.group(1).lower())
    parts = [re.fullmatch(r"\s*(?:" + NUM + r")\s*", part) for part in text.strip("()").split("/")]
    return [(name, number(m)) for m in parts if m] if all(parts) else []


_UNIT = re.compile(r"\s+(steps?|updates|iterations|epochs?|tokens|images|sequences|examples|samples)\s*$", re.I)


def _in_unit(name: str, unit: str) -> str:
    """A line's setting as its value's unit says it: a warmup of "5 epochs" is `warmup_epochs`, a
    training of "300 epochs" `epochs`, a batch of "4M tokens" `batch_size_tokens`; a unit that says
    nothing new leaves it."""
    steps = ("step", "steps", "updates", "iterations")
    length = "epochs" if unit.startswith("epoch") else "steps" if unit in steps else ""
    if length and name in ("warmup_steps", "warmup_epochs"):
        return f"warmup_{length}"
    if length and (name in ("steps", "epochs", "iterations") or name.startswith(("training", "train_"))):
        return name if name == "iterations" and length == "steps" else length  # "Training  300 epochs"
    return f"batch_size_{unit}" if name == "batch_size" and unit == "tokens" else name


def key_values(table: Table, lines: list[list[str]], defined: SymbolTable | None = None) -> list[Hparam]:
    """A table of settings written as lines of a name and its values (two lines or more name a
    setting): each value of a line whose name is a setting, or a word the table's other names are
    (`_own_words`); a slash list under a slash header ("ConvNeXt-T/S/B" over "0.1/0.4/0.5") pairs up."""
    defined = defined or {}
    named = [(_named(line[0], defined) if len(line) >= 2 else None, line) for line in lines]
    if len({n for n, _ in named if n}) < 2:
        return []
    out: list[Hparam] = []
    for j, (name, line) in enumerate(named):
        name = name or (_own_words(line[0]) if len(line) >= 2 else None)
        if not name:
            continue
        # the columns' names: the nearest line above that names no setting, holds no number, and has
        # a phrase over each value, after a name's or not ("input size | VGG-19 | model A", "Base | Large")
        header = next((h[len(h) - len(line) + 1:] for n, h in reversed(named[:j])
                       if len(line) - 1 <= len(h) <= len(line) and not n
                       and not any(re.fullmatch(r"\s*(?:" + NUM + r")\s*", p) for p in h)), None)
        for i, cell in enumerate(line[1:]):
            column = header[i] if header else ""
            column = "" if column.lower() in ("value", "values") else column
            values = _values(name, cell)
            parts = [p.strip() for p in column.split("/")]
            for k, (setting, value) in enumerate(values):
                listed = len(values) > 1 and len(parts) == len(values) and setting == name
                if plausible(setting, value):
                    out.append(Hparam(setting, value, table.page, f"Table {table.number}: {' | '.join(line)}",
                                      parts[k] if listed else column))
    return out


# a line of a configuration or of code that sets one number: "lr: 3e-4", "momentum: float = 0.95,",
# "warmup_steps = 2000", "'batch_size': 256,", "weight_decay=0.1,"
_ASSIGNMENT = re.compile(r"^\s*[\"']?(?P<key>[A-Za-z_][A-Za-z0-9_.]*)[\"']?\s*(?P<typed>:\s*[A-Za-z_][\w.\[\], ]*?\s*)?"
                         r"(?P<sign>[=:])\s*(?P<v>" + NUM.replace("(?P<", "(?P<v_") + r")\s*(?P<comma>,)?\s*(?:#.*)?$")


_FUNCTION = re.compile(r"^\s*(?:def|class)\s+([A-Za-z_]\w*)", re.M)
_SECTION = re.compile(r"^\s*([A-Za-z_][\w.-]*):\s*$", re.M)
_PROSE = re.compile(r"(?:\b[A-Za-z]+[,;]?\s+){11}[A-Za-z]+\.(?:\s|$)")  # twelve words and a full stop


def listings(pages: list[tuple[int, str]]) -> list[Hparam]:
    """The settings of a configuration or code listing: two or more lines of one paragraph that each
    set a number. A key that names a setting ("lr", "n_heads", "weight_decay") gives it; another
    identifier is the paper's own name for a setting where the line is a configuration's or an
    argument's ("ns_steps: int = 5,", "base_scale: 0.2"), not a statement of a function's body
    ("count = 0"). Their experiment is the configuration's section ("training:"), else the function
    they are arguments of ("scale_by_muon()"), else "listing": a code default is not the paper's run
    unless nothing else says what that was."""
    out: list[Hparam] = []
    function = ""  # the last function defined, until prose: a listing may go on over a page
    for page, text in pages:
        for paragraph in re.split(r"\n\s*\n", text):
            if _PROSE.search(paragraph):
                function = ""
            function = (_FUNCTION.findall(paragraph) or [function])[-1]
            found = [m for line in paragraph.splitlines() if (m := _ASSIGNMENT.match(line))]
            if len(found) < 2:
                continue
            section = _SECTION.findall(paragraph, 0, paragraph.find(found[0].group()))
            if section:  # a configuration's section ("training:") names its experiment
                function = ""
            setup = section[-1] if section else f"{function}()" if function else "listing"
            for m in found:
                key = m.group("key").rsplit(".", 1)[-1]
                name = _setting_named(key)
                if name is None and len(key) >= 3 and (m.group("sign") == ":" or m.group("typed") or m.group("comma")):
                    name = key.lower()
                value = number(m, "v_")
                if name and plausible(name, value):
                    out.append(Hparam(name, value, page, " ".join(m.group().split()), setup))
    return out


def outside_references(pages: list[PageText]) -> list[tuple[int, str]]:
    """Each page's number and text without the parts in the reference list (a cited title's "four
    research groups" is no setting); an appendix after it is kept."""
    out, zone = [], "body"
    for page in pages:
        kept, last = [], 0
        for offset, _, next_zone in page.headings:
            if zone != "references":
                kept.append(page.text[last:offset])
            last, zone = offset, next_zone
        if zone != "references":
            kept.append(page.text[last:])
        out.append((page.number, "".join(kept)))
    return out


def read_parts(pdf: Path) -> tuple[list[Hparam], list[Hparam]]:
    """The settings the PDF's text states (`find`), and those only its tables of settings state
    (`settings`): the same value on the same page once, and a value stated again on another page
    for the same experiment is its first reading, with that page in `also`. A table's line that the
    text reader read as prose is the table's reading (it has the line's name)."""
    from paperlab.retrieval.pdf import extract_pages

    first: dict[tuple[str, float | str, str], Hparam] = {}
    seen: set[tuple[str, float | str, int]] = set()

    def new(h: Hparam) -> bool:
        if (h.name, h.value, h.page) in seen:
            return False
        seen.add((h.name, h.value, h.page))
        said = first.setdefault((h.name, h.value, h.setup), h)
        if said is not h:
            said.also += (h.page,)
        return said is h

    pages = outside_references(extract_pages(pdf, figures=False))
    defined = symbols(sentence for _, page in pages for sentence in sentences(page))
    found = tables_and_lines(pdf)
    table = settings([t for t, _ in found], defined) + [h for t, rows in found for h in key_values(t, rows, defined)]
    # a table's line the text reader took for prose ("Warmup 10k steps" as 10k steps of training):
    # the table's reading of its value, which has the line's name, is the one
    named = {(h.page, h.value) for h in table}
    lines = {(t.page, " ".join(line)) for t, rows in found for line in rows if len(line) >= 2}
    text = [h for h in find(pages, defined) + listings(pages)
            if not ((h.page, h.value) in named and any(page == h.page and line in h.sentence for page, line in lines))
            and new(h)]
    return text, [h for h in table if new(h)]


def read(pdf: Path) -> list[Hparam]:
    """Every setting the PDF states: its text's, then its tables'."""
    text, tables = read_parts(pdf)
    return text + tables


def for_item(lib: Library, ref: str) -> tuple[Item, list[Hparam]]:
    """The item and the hyperparameters its PDF states, in its text and its tables."""
    item, pdf = item_pdf(lib, ref, "setup")
    return item, read(pdf)
