"""The task: language modelling. A decoder-only transformer (GPT-style: causal self-attention,
pre-norm blocks, tied embeddings) learns to predict the next token of a text file, read character
by character or with a `tokenizer.json` you have (Hugging Face tokenizers). Smoke runs use a
generated text.

Metrics on the held-out tail of the text: loss per token (nats), perplexity, and bits per
character (the loss spread over the characters the tokens cover).
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from batches import windows

NAME = "language-model"
DEFAULTS = {
    "data_file": "data/input.txt",  # plain UTF-8 text; or train.bin (nanoGPT's layout: uint16 token ids,
                                    # val.bin beside it, read from disk, never loaded); "" generates a text
    "vocab_size": 0,                # the tokenizer's vocabulary, for .bin files (GPT-2's BPE: 50257)
    "dataset": "",                  # the corpus's name as the paper gives it ("WikiText-103"); "": the file's
    "tokenizer": "char",            # char | path to a tokenizer.json
    "val_fraction": 0.1,            # the last 10% of the text is held out
    "block_size": 256,              # context length in tokens
    "n_layers": 6,
    "n_heads": 6,
    "d_model": 384,
    "dropout": 0.2,
    "eval_batches": 50,
}


def generated_text(chars: int, seed: int = 0) -> str:
    """Sentences from a tiny grammar: enough structure for a model to learn in seconds."""
    rng = random.Random(seed)
    nouns = ["model", "paper", "network", "gradient", "result", "dataset", "student", "reader"]
    verbs = ["improves", "reports", "trains", "measures", "explains", "repeats", "checks"]
    out: list[str] = []
    while sum(len(s) for s in out) < chars:
        out.append(f"the {rng.choice(nouns)} {rng.choice(verbs)} the {rng.choice(nouns)}. ")
    return "".join(out)


def tokenize(cfg: dict, text: str) -> tuple[list[int], int]:
    """Token ids and vocabulary size."""
    if cfg["tokenizer"] == "char":
        vocab = sorted(set(text))
        index = {ch: i for i, ch in enumerate(vocab)}
        return [index[ch] for ch in text], len(vocab)
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(cfg["tokenizer"])
    return tok.encode(text).ids, tok.get_vocab_size()


# What each metrics.json key measures: (kind, unit, split). paperlab checks a claim against a key
# only when they agree; declare every key you add.
METRICS = {
    "final_val_loss": ("loss", "nats", "val"),
    "final_val_ppl": ("perplexity", "raw", "val"),
    "final_val_bpc": ("bits_per_character", "bits", "val"),
    "best_val_loss": ("loss", "nats", "val"),
    "best_val_ppl": ("perplexity", "raw", "val"),
    "best_step": ("steps", "count", "val"),
}


class Block(nn.Module):
    def __init__(self, d_model: int, n_heads: int, dropout: float) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.ln1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))
        self.dropout = dropout
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.n_heads, c // self.n_heads).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=self.dropout if self.training else 0.0)
        x = x + self.drop(self.proj(y.transpose(1, 2).reshape(b, t, c)))
        return x + self.drop(self.mlp(self.ln2(x)))


class GPT(nn.Module):
    def __init__(self, vocab: int, block_size: int, d_model: int, n_heads: int, n_layers: int, dropout: float) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(block_size, d_model)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.Sequential(*(Block(d_model, n_heads, dropout) for _ in range(n_layers)))
        self.ln = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab, bias=False)
        self.head.weight = self.tok.weight  # tied input and output embeddings
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        t = idx.shape[1]
        x = self.drop(self.tok(idx) + self.pos(torch.arange(t, device=idx.device)))
        return self.head(self.ln(self.blocks(x)))


def token_files(cfg: dict) -> tuple[np.memmap, np.memmap, int]:
    """train.bin and val.bin (nanoGPT's layout: uint16 token ids, end to end) memory-mapped: a corpus of
    billions of tokens stays on disk and each batch reads only its windows."""
    train = Path(cfg["data_file"])
    val = train.with_name("val.bin")
    if not val.exists():
        sys.exit(f"error: {val} does not exist; a token file's held-out tokens go in val.bin beside it")
    if not cfg["vocab_size"]:
        sys.exit("error: set vocab_size to the tokenizer's vocabulary (50257 for GPT-2's) for .bin token files")
    return np.memmap(train, dtype=np.uint16, mode="r"), np.memmap(val, dtype=np.uint16, mode="r"), int(cfg["vocab_size"])


class Work:
    def __init__(self, cfg: dict, device: str, seed: int) -> None:
        self.cfg = cfg
        self.device = device
        self.chars_per_token: float | None = None
        if cfg["data_file"].endswith(".bin"):
            self.train, self.val, vocab = token_files(cfg)
        else:
            if cfg["data_file"]:
                path = Path(cfg["data_file"])
                if not path.exists():
                    sys.exit(f"error: {path} does not exist; put the paper's corpus there as plain text (or "
                             "nanoGPT's train.bin and val.bin), or set data_file = \"\" to train on a generated text")
                text = path.read_text(encoding="utf-8")
            else:
                text = generated_text(20_000)
            ids, vocab = tokenize(cfg, text)
            data = torch.tensor(ids, dtype=torch.long)
            split = int(len(data) * (1 - cfg["val_fraction"]))
            self.train, self.val = data[:split].to(device), data[split:].to(device)
            self.chars_per_token = len(text) / max(1, len(ids))
        if len(self.val) <= cfg["block_size"]:
            sys.exit(f"error: the held-out text has {len(self.val)} tokens; it needs more than block_size "
                     f"({cfg['block_size']}): use a longer text or a smaller block_size")
        self.model = GPT(vocab, cfg["block_size"], cfg["d_model"], cfg["n_heads"], cfg["n_layers"], cfg["dropout"])

    def _batch(self, data: torch.Tensor, size: int, generator: torch.Generator):
        starts = torch.randint(len(data) - self.cfg["block_size"] - 1, (size,), generator=generator)
        return self._windows(data, starts)

    def _windows(self, data, starts: torch.Tensor):
        starts = starts.tolist()
        if isinstance(data, np.memmap):  # read from disk; pinned, so the copy to the GPU overlaps the step
            block = self.cfg["block_size"]
            rows = torch.from_numpy(np.stack([data[i:i + block + 1].astype(np.int64) for i in starts]))
            if self.device.startswith("cuda"):
                rows = rows.pin_memory().to(self.device, non_blocking=True)
            return rows[:, :-1].contiguous(), rows[:, 1:].contiguous()
        x = torch.stack([data[i:i + self.cfg["block_size"]] for i in starts])
        y = torch.stack([data[i + 1:i + 1 + self.cfg["block_size"]] for i in starts])
        return x, y

    def describe(self) -> dict:
        """What this run trains on and with: a generated text is a stand-in that tests the pipeline."""
        c = self.cfg
        real = bool(c["data_file"])
        return {
            "data": {"name": (c["dataset"] or Path(c["data_file"]).stem) if real else "generated text",
                     "kind": "real" if real else "fake", "source": c["data_file"] or "a tiny generated grammar",
                     "sizes": {"train_tokens": len(self.train), "val_tokens": len(self.val)},
                     "tensors": [self.train, self.val]},
            "model": {"name": "gpt", "n_layers": c["n_layers"], "d_model": c["d_model"], "n_heads": c["n_heads"],
                      "tokenizer": c["tokenizer"], "block_size": c["block_size"]},
        }

    def train_batch(self, step: int, micro: int = 0):
        return self._windows(self.train, windows(len(self.train) - self.cfg["block_size"] - 1, self.cfg, step, micro,
                                                 self.cfg["seed"]))

    def loss(self, model: nn.Module, batch) -> torch.Tensor:
        x, y = batch
        logits = model(x).float()
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1))

    def evaluate(self, model: nn.Module) -> dict:
        generator = torch.Generator().manual_seed(1234)  # the same held-out windows at every evaluation
        losses = [self.loss(model, self._batch(self.val, self.cfg["batch_size"], generator)).item()
                  for _ in range(self.cfg["eval_batches"])]
        val_loss = sum(losses) / len(losses)
        out = {"val_loss": val_loss, "val_ppl": math.exp(min(val_loss, 50.0))}
        if self.chars_per_token:  # token files do not say how many characters a token held
            out["val_bpc"] = val_loss / math.log(2) / self.chars_per_token
        return out

    def should_stop(self, row: dict) -> bool:
        return False

    def summary(self, history: list[dict]) -> dict:
        if not history:
            return {}
        best = min(history, key=lambda r: r["val_loss"])
        return {"best_val_loss": best["val_loss"], "best_val_ppl": best["val_ppl"], "best_step": best["step"]}


def stand_in(cfg: dict) -> tuple[dict, str]:
    """For estimate.py: the corpus when it is here, else the generated text (its vocabulary may be
    smaller than the corpus's, and the embedding and output layers with it)."""
    if cfg["data_file"] and Path(cfg["data_file"]).exists():
        return {}, f"the corpus {cfg['data_file']}"
    return {"data_file": ""}, "the generated text (the real corpus is not here: its vocabulary may differ)"


def build(cfg: dict, device: str, seed: int) -> Work:
    return Work(cfg, device, seed)
