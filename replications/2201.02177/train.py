"""Train a small transformer on modular arithmetic and write metrics paperlab can check.

Read top to bottom: config, device and precision, data, model, training loop, checkpoint, metrics.

    python train.py                                 # config/default.toml
    python train.py --config config/smoke.toml      # a tiny CPU run, seconds
    python train.py --config config/default.toml --weight_decay=0 --seed=1
    torchrun --nproc_per_node=2 train.py            # DDP: rank from the environment
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import torch
import torch.nn.functional as F

from data import make_dataset
from model import Transformer

# --- config: defaults, then a TOML file, then --key=value --------------------------------------
config = {
    "out_dir": "runs/latest",
    "seed": 0,
    "modulus": 97,            # x + y (mod p)
    "operation": "add",       # add | sub | mul
    "train_fraction": 0.5,    # share of all p*p pairs used for training
    "n_layers": 2,
    "d_model": 128,
    "n_heads": 4,
    "dropout": 0.0,
    "lr": 1e-3,
    "weight_decay": 1.0,
    "beta1": 0.9,
    "beta2": 0.98,
    "warmup_steps": 10,
    "batch_size": 512,
    "max_steps": 3000,
    "eval_interval": 100,
    "stop_after_val_acc": 0.0,  # stop early once validation accuracy stays at or above this (0: never)
    "device": "auto",           # auto | cpu | cuda | mps
    "dtype": "auto",            # auto | float32 | bfloat16 | float16
    "compile": False,
    "deterministic": False,
    "resume": False,
    "threads": 0,               # CPU threads (0: torch's default)
}


def load_config(argv: list[str]) -> dict:
    cfg = dict(config)
    args = list(argv)
    if "--config" in args:
        i = args.index("--config")
        cfg.update(tomllib.loads(Path(args[i + 1]).read_text()))
        cfg["config_file"] = args[i + 1]
        del args[i : i + 2]
    for arg in args:
        if arg == "--deterministic":
            cfg["deterministic"] = True
            continue
        if not arg.startswith("--") or "=" not in arg:
            sys.exit(f"error: expected --key=value, got {arg!r}")
        key, value = arg[2:].split("=", 1)
        if key not in config:
            sys.exit(f"error: unknown config key {key!r}; known: {', '.join(config)}")
        kind = type(config[key])
        cfg[key] = value.lower() in ("1", "true", "yes") if kind is bool else kind(value)
    return cfg


cfg = load_config(sys.argv[1:])

# --- distributed: DDP when started by torchrun -------------------------------------------------
ddp = int(os.environ.get("RANK", -1)) != -1
rank = int(os.environ.get("RANK", 0))
local_rank = int(os.environ.get("LOCAL_RANK", 0))
world_size = int(os.environ.get("WORLD_SIZE", 1))
master = rank == 0

# --- device and precision, chosen once ---------------------------------------------------------
if cfg["device"] == "auto":
    if torch.cuda.is_available():
        device = f"cuda:{local_rank}" if ddp else "cuda"
    elif getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        device = "mps"
    else:
        device = "cpu"
else:
    device = cfg["device"]
device_type = device.split(":")[0]
if device_type == "cuda":
    torch.cuda.set_device(device)
if ddp:
    torch.distributed.init_process_group(backend="nccl" if device_type == "cuda" else "gloo")
if cfg["threads"]:
    torch.set_num_threads(cfg["threads"])

if cfg["dtype"] == "auto":
    if device_type == "cuda":
        dtype = "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    else:
        dtype = "float32"
else:
    dtype = cfg["dtype"]
ptdtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]
use_amp = dtype != "float32"
torch.backends.cuda.matmul.allow_tf32 = True
torch.backends.cudnn.allow_tf32 = True

seed = cfg["seed"] + rank  # each rank sees different batches
torch.manual_seed(seed)
if cfg["deterministic"]:
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark = False

out_dir = Path(cfg["out_dir"])
if master:
    out_dir.mkdir(parents=True, exist_ok=True)

# --- data: every pair (x, y) with its answer; the split depends on the seed, not the rank -----
train_x, train_y, val_x, val_y = make_dataset(
    cfg["modulus"], cfg["operation"], cfg["train_fraction"], seed=cfg["seed"]
)
train_x, train_y, val_x, val_y = (t.to(device) for t in (train_x, train_y, val_x, val_y))

# --- model and optimizer ------------------------------------------------------------------------
model = Transformer(
    vocab=cfg["modulus"] + 2, d_model=cfg["d_model"], n_heads=cfg["n_heads"],
    n_layers=cfg["n_layers"], dropout=cfg["dropout"], n_out=cfg["modulus"],
).to(device)
optimizer = torch.optim.AdamW(
    model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"],
    betas=(cfg["beta1"], cfg["beta2"]),
)
scaler = torch.amp.GradScaler(enabled=dtype == "float16")
step = 0
ckpt_path = out_dir / "ckpt.pt"
if cfg["resume"] and ckpt_path.exists():
    ckpt = torch.load(ckpt_path, map_location=device, weights_only=True)
    model.load_state_dict(ckpt["model"])
    optimizer.load_state_dict(ckpt["optimizer"])
    step = int(ckpt["step"])
if cfg["compile"]:
    model = torch.compile(model)
raw_model = model
if ddp:
    model = torch.nn.parallel.DistributedDataParallel(model, device_ids=[local_rank] if device_type == "cuda" else None)


def lr_at(it: int) -> float:
    return cfg["lr"] * min(1.0, (it + 1) / max(1, cfg["warmup_steps"]))


def autocast():
    return torch.autocast(device_type=device_type, dtype=ptdtype, enabled=use_amp)


@torch.no_grad()
def evaluate(x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    model.eval()
    losses, correct = 0.0, 0
    for i in range(0, len(x), 4096):
        with autocast():
            logits = model(x[i : i + 4096])
        losses += F.cross_entropy(logits.float(), y[i : i + 4096], reduction="sum").item()
        correct += (logits.argmax(-1) == y[i : i + 4096]).sum().item()
    model.train()
    return losses / len(x), correct / len(x)


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


if master:
    env = {
        "torch": torch.__version__, "cuda": torch.version.cuda, "python": platform.python_version(),
        "device": device,
        "device_name": torch.cuda.get_device_name(device) if device_type == "cuda" else platform.processor() or "cpu",
        "precision": dtype, "tf32": True, "compile": cfg["compile"], "world_size": world_size,
        "seed": cfg["seed"], "deterministic": cfg["deterministic"], "git_commit": git_commit(),
        "config": cfg,
    }
    (out_dir / "env.json").write_text(json.dumps(env, indent=2) + "\n")
    log = (out_dir / "metrics.jsonl").open("a")

# --- training loop -------------------------------------------------------------------------------
generator = torch.Generator(device="cpu").manual_seed(seed)
first = {"train_acc_0.99": None, "val_acc_0.99": None}
train_acc = val_acc = 0.0
t0 = time.time()
while step < cfg["max_steps"]:
    idx = torch.randint(len(train_x), (cfg["batch_size"],), generator=generator).to(device)
    for group in optimizer.param_groups:
        group["lr"] = lr_at(step)
    with autocast():
        logits = model(train_x[idx])
        loss = F.cross_entropy(logits.float(), train_y[idx])
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    step += 1
    if step % cfg["eval_interval"] == 0 or step == cfg["max_steps"]:
        train_loss, train_acc = evaluate(train_x, train_y)
        val_loss, val_acc = evaluate(val_x, val_y)
        for name, acc in (("train_acc_0.99", train_acc), ("val_acc_0.99", val_acc)):
            if first[name] is None and acc >= 0.99:
                first[name] = step
        if master:
            row = {"step": step, "train_loss": train_loss, "train_acc": train_acc,
                   "val_loss": val_loss, "val_acc": val_acc, "time_s": round(time.time() - t0, 3)}
            log.write(json.dumps(row) + "\n")
            log.flush()
            print(f"step {step:>6}  train loss {train_loss:.4f} acc {train_acc:.3f}  "
                  f"val loss {val_loss:.4f} acc {val_acc:.3f}", flush=True)
            torch.save({"model": raw_model.state_dict(), "optimizer": optimizer.state_dict(),
                        "step": step, "config": {k: v for k, v in cfg.items() if isinstance(v, (int, float, str, bool))}},
                       ckpt_path)
        if cfg["stop_after_val_acc"] and val_acc >= cfg["stop_after_val_acc"]:
            break

# --- final metrics ---------------------------------------------------------------------------------
if master:
    elapsed = time.time() - t0
    steps_to_val = first["val_acc_0.99"]
    steps_to_train = first["train_acc_0.99"]
    metrics = {
        "final_train_acc": train_acc,
        "final_val_acc": val_acc,
        "steps": step,
        "steps_to_train_acc_0.99": steps_to_train,
        "steps_to_val_acc_0.99": steps_to_val,
        "generalization_delay": (steps_to_val / steps_to_train) if steps_to_val and steps_to_train else None,
        "steps_per_s": step / elapsed if elapsed else None,
        "duration_s": elapsed,
    }
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics))
if ddp:
    torch.distributed.destroy_process_group()
