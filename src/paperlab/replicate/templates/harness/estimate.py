"""What one training step of this project costs, measured before a run: parameters, the FLOPs of a
forward and backward pass on one real batch (counted by torch.utils.flop_counter), and the memory of
weights, gradients, optimizer state and the activations the backward pass keeps. Prints JSON;
`paperlab replicate estimate` turns it into total FLOPs and GPU-hours.

    python estimate.py [--config config/default.toml] [--key=value ...]   (train.py's overrides)

Where the task can build a batch of the same shapes without the real data (task.stand_in: a
dataset's fake images of its size, the generated text), it does, and says so in "data".
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

import task

# the harness keys a step depends on, with train.py's defaults
HARNESS = {"batch_size": 64, "max_steps": 1000, "optimizer": "adamw", "seed": 0}


def main(argv: list[str]) -> None:
    path = Path(argv[argv.index("--config") + 1]) if "--config" in argv else Path("config/default.toml")
    cfg = {**HARNESS, **task.DEFAULTS, **tomllib.loads(path.read_text())}
    for arg in argv:  # --key=value, as train.py takes them: a run with overrides is priced with them
        key, sep, value = arg[2:].partition("=")
        if arg.startswith("--") and sep and key in cfg:
            kind = type(cfg[key])
            cfg[key] = value.lower() in ("1", "true", "yes") if kind is bool else kind(value)
    overrides, data = task.stand_in(cfg) if hasattr(task, "stand_in") else ({}, "the task's own")
    cfg.update(overrides)
    torch.manual_seed(0)
    work = task.build(cfg, "cpu", 0)
    model = work.model
    kept = [0]

    def keep(t: torch.Tensor) -> torch.Tensor:
        kept[0] += t.numel() * t.element_size()
        return t

    batch = work.train_batch(0)
    # attention in its plain form: the fused CPU kernels have no FLOP formula and would count as 0
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter, \
            torch.autograd.graph.saved_tensors_hooks(keep, lambda t: t):
        work.loss(model, batch).backward()
    params = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    states = {"adamw": 2, "adam": 2, "sgd": 1}.get(str(cfg["optimizer"]), 2)  # moments kept per trainable weight
    print(json.dumps({
        "config": str(path), "task": task.NAME, "data": data,
        "parameters": params, "trainable": trainable,
        "batch_size": cfg["batch_size"], "max_steps": cfg["max_steps"],
        "tokens_per_example": int(cfg["block_size"]) if "block_size" in cfg else None,
        "flops_per_step": int(counter.get_total_flops()),
        "memory_bytes": {"weights": weight_bytes, "gradients": trainable * 4, "optimizer": trainable * 4 * states,
                         "activations": kept[0]},
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
