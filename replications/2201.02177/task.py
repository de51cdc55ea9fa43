"""The task: a small transformer learns a binary operation modulo p (x + y mod 97, ...) from half of
all equations, and is tested on the other half (the setting of Power et al., "Grokking").

train.py runs the loop; this file says what is learned and how it is measured. Metrics: train and
validation accuracy and loss; from the history, the steps to 99% accuracy on each and their ratio.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from batches import Batches

NAME = "algorithmic"
DEFAULTS = {
    "modulus": 97,            # x op y (mod p)
    "operation": "add",       # add | sub | mul
    "train_fraction": 0.5,    # share of all p*p equations used for training
    "n_layers": 2,
    "d_model": 128,
    "n_heads": 4,
    "dropout": 0.0,
    "stop_after_val_acc": 0.0,  # stop once validation accuracy reaches this (0: never)
}
# What each metrics.json key measures: (kind, unit, split). paperlab checks a claim against a key
# only when they agree; declare every key you add.
METRICS = {
    "final_train_acc": ("accuracy", "fraction", "train"),
    "final_val_acc": ("accuracy", "fraction", "val"),
    "final_val_loss": ("loss", "nats", "val"),
    "steps_to_train_acc_0.99": ("steps", "count", "train"),
    "steps_to_val_acc_0.99": ("steps", "count", "val"),
    "generalization_delay": ("ratio", "raw", "val"),
}
SYMBOLS = {"add": "+", "sub": "-", "mul": "*"}


def make_dataset(p: int, operation: str, train_fraction: float, seed: int):
    """Every equation `x op y =` with its answer, split into train and validation by a seeded shuffle."""
    x, y = torch.cartesian_prod(torch.arange(p), torch.arange(p)).T
    answers = {"add": (x + y) % p, "sub": (x - y) % p, "mul": (x * y) % p}
    if operation not in answers:
        raise ValueError(f"unknown operation {operation!r}: add, sub or mul")
    op_token, eq_token = p, p + 1
    inputs = torch.stack([x, torch.full_like(x, op_token), y, torch.full_like(x, eq_token)], dim=1)
    order = torch.randperm(len(inputs), generator=torch.Generator().manual_seed(seed))
    n_train = int(train_fraction * len(inputs))
    train, val = order[:n_train], order[n_train:]
    return inputs[train], answers[operation][train], inputs[val], answers[operation][val]


class Block(nn.Module):
    def __init__(self, d_model: int, n_heads: int, dropout: float) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, batch_first=True)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(),
                                 nn.Linear(4 * d_model, d_model), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class Transformer(nn.Module):
    """A decoder-only transformer that reads `x op y =` and predicts the answer token."""

    def __init__(self, vocab: int, d_model: int, n_heads: int, n_layers: int, dropout: float,
                 n_out: int, context: int = 4) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(context, d_model)
        self.blocks = nn.ModuleList(Block(d_model, n_heads, dropout) for _ in range(n_layers))
        self.ln = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, n_out)
        mask = torch.triu(torch.ones(context, context, dtype=torch.bool), diagonal=1)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        t = idx.shape[1]
        x = self.tok(idx) + self.pos(torch.arange(t, device=idx.device))
        for block in self.blocks:
            x = block(x, self.mask[:t, :t])
        return self.head(self.ln(x[:, -1]))  # the answer is read at the `=` position


class Work:
    def __init__(self, cfg: dict, device: str, seed: int) -> None:
        self.cfg = cfg
        # the split depends on the run's seed, not on the process's rank
        split = make_dataset(cfg["modulus"], cfg["operation"], cfg["train_fraction"], seed=cfg["seed"])
        self.train_x, self.train_y, self.val_x, self.val_y = (t.to(device) for t in split)
        self.model = Transformer(vocab=cfg["modulus"] + 2, d_model=cfg["d_model"], n_heads=cfg["n_heads"],
                                 n_layers=cfg["n_layers"], dropout=cfg["dropout"], n_out=cfg["modulus"])
        self.batches = Batches(len(self.train_y), cfg)

    def describe(self) -> dict:
        """What this run trains on and with: the data is generated, as in the paper."""
        c = self.cfg
        return {
            "data": {"name": f"{c['operation']} mod {c['modulus']}", "kind": "generated",
                     "generator": f"every x {SYMBOLS.get(c['operation'], c['operation'])} y (mod {c['modulus']}), "
                                  f"{c['train_fraction']:g} of them for training, split seed {c['seed']}",
                     "sizes": {"train": len(self.train_y), "val": len(self.val_y)},
                     "tensors": [self.train_x, self.train_y, self.val_x, self.val_y]},
            "model": {"name": f"{c['n_layers']}-layer transformer", "d_model": c["d_model"], "n_heads": c["n_heads"]},
        }

    def train_batch(self, step: int, micro: int = 0):
        idx = self.batches.indices(step, micro).to(self.train_x.device)
        return self.train_x[idx], self.train_y[idx]

    def loss(self, model: nn.Module, batch) -> torch.Tensor:
        x, y = batch
        return F.cross_entropy(model(x).float(), y)

    def _accuracy(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        losses, correct = 0.0, 0
        for i in range(0, len(x), 4096):
            logits = model(x[i : i + 4096]).float()
            losses += F.cross_entropy(logits, y[i : i + 4096], reduction="sum").item()
            correct += (logits.argmax(-1) == y[i : i + 4096]).sum().item()
        return losses / len(x), correct / len(x)

    def evaluate(self, model: nn.Module) -> dict:
        _, train_acc = self._accuracy(model, self.train_x, self.train_y)
        val_loss, val_acc = self._accuracy(model, self.val_x, self.val_y)
        return {"train_acc": train_acc, "val_loss": val_loss, "val_acc": val_acc}

    def should_stop(self, row: dict) -> bool:
        return bool(self.cfg["stop_after_val_acc"]) and row["val_acc"] >= self.cfg["stop_after_val_acc"]

    def summary(self, history: list[dict]) -> dict:
        def first(key: str) -> int | None:
            return next((r["step"] for r in history if r[key] >= 0.99), None)

        to_train, to_val = first("train_acc"), first("val_acc")
        return {"steps_to_train_acc_0.99": to_train, "steps_to_val_acc_0.99": to_val,
                "generalization_delay": to_val / to_train if to_val and to_train else None}


def build(cfg: dict, device: str, seed: int) -> Work:
    return Work(cfg, device, seed)
