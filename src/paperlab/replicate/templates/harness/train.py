"""Train the task in task.py and write metrics paperlab can check. The same harness for every task.

Read top to bottom: config, distributed, device and precision, task, optimizer and schedule,
checkpoint, training loop, final metrics. What is particular to the paper (data, model, metrics)
lives in task.py; this file is the loop around it.

    python train.py                                  # config/default.toml
    python train.py --config config/smoke.toml       # a tiny CPU run, seconds
    python train.py --config config/default.toml --lr=0.05 --seed=1
    python train.py --stop_after=500 ... then --resume=true   # in slices, continuing exactly
    torchrun --nproc_per_node=2 train.py             # DDP: rank from the environment
"""

from __future__ import annotations

import contextlib
import hashlib
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

import task

# --- config: the harness's keys and the task's, then a TOML file, then --key=value --------------
config = {
    "out_dir": "runs/latest",
    "seed": 0,
    "max_steps": 1000,
    "eval_interval": 100,
    "batch_size": 64,           # per process and micro-step
    "grad_accum": 1,            # micro-steps a step: the batch of one update is batch_size x grad_accum x processes
    "optimizer": "adamw",       # adamw | adam | sgd
    "lr": 1e-3,
    "weight_decay": 0.0,
    "no_decay": "",             # left out of weight decay: any of "biases,norms,embeddings" ("": decay all)
    "momentum": 0.9,            # sgd
    "nesterov": False,          # sgd
    "beta1": 0.9,
    "beta2": 0.999,
    "eps": 1e-8,
    "schedule": "constant",     # constant | step | cosine | linear (after warmup)
    "warmup_steps": 0,
    "milestones": "",           # step schedule: "32000,48000"
    "gamma": 0.1,               # step schedule: lr factor at each milestone
    "grad_clip": 0.0,           # 0: off
    "device": "auto",           # auto | cpu | cuda | mps
    "dtype": "auto",            # auto | float32 | bfloat16 | float16
    "compile": False,
    "deterministic": False,
    "resume": False,
    "stop_after": 0,            # end this process after N steps, checkpointed (0: run to max_steps)
    "threads": 0,               # CPU threads (0: torch's default)
    **task.DEFAULTS,
}


def load_config(argv: list[str]) -> dict:
    cfg = dict(config)
    args = list(argv)
    if "--config" in args:
        i = args.index("--config")
        loaded = tomllib.loads(Path(args[i + 1]).read_text())
        unknown = sorted(set(loaded) - set(config))
        if unknown:
            sys.exit(f"error: {args[i + 1]}: unknown config key(s) {', '.join(unknown)}; known: {', '.join(config)}")
        cfg.update(loaded)
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

# --- distributed: DDP when started by torchrun ---------------------------------------------------
ddp = int(os.environ.get("RANK", -1)) != -1
rank = int(os.environ.get("RANK", 0))
local_rank = int(os.environ.get("LOCAL_RANK", 0))
world_size = int(os.environ.get("WORLD_SIZE", 1))
master = rank == 0

# --- device and precision, chosen once -----------------------------------------------------------
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
    dtype = ("bfloat16" if torch.cuda.is_bf16_supported() else "float16") if device_type == "cuda" else "float32"
else:
    dtype = cfg["dtype"]
ptdtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]
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

# --- the task: data, model, loss and evaluation (task.py) ----------------------------------------
cfg["rank"], cfg["world_size"] = rank, world_size  # batches.py: which slice of each global batch is ours
work = task.build(cfg, device, seed)
model = work.model.to(device)
params = [p for p in model.parameters() if p.requires_grad]


def param_groups() -> list[dict]:
    """Weight decay on every trained tensor but the kinds `no_decay` names (a tied tensor is counted once)."""
    kinds = {k.strip() for k in str(cfg["no_decay"]).split(",") if k.strip()}
    if kinds - {"biases", "norms", "embeddings"}:
        sys.exit(f"error: no_decay takes biases, norms, embeddings; got {cfg['no_decay']!r}")
    seen: set[int] = set()
    decay, keep = [], []
    for module in model.modules():
        is_norm = isinstance(module, (torch.nn.LayerNorm, torch.nn.GroupNorm, torch.nn.modules.batchnorm._BatchNorm)) \
            or "norm" in type(module).__name__.lower()
        for name, p in module.named_parameters(recurse=False):
            if not p.requires_grad or id(p) in seen:
                continue
            seen.add(id(p))
            skip = ("biases" in kinds and name == "bias") or ("norms" in kinds and is_norm) or \
                ("embeddings" in kinds and isinstance(module, torch.nn.Embedding))
            (keep if skip else decay).append(p)
    return [g for g in ({"params": decay, "weight_decay": cfg["weight_decay"]},
                        {"params": keep, "weight_decay": 0.0}) if g["params"]]


if cfg["optimizer"] == "sgd":
    optimizer = torch.optim.SGD(param_groups(), lr=cfg["lr"], momentum=cfg["momentum"], nesterov=cfg["nesterov"])
elif cfg["optimizer"] in ("adamw", "adam"):
    kind = torch.optim.AdamW if cfg["optimizer"] == "adamw" else torch.optim.Adam
    optimizer = kind(param_groups(), lr=cfg["lr"], betas=(cfg["beta1"], cfg["beta2"]), eps=cfg["eps"],
                     fused=device_type == "cuda" or None)  # one kernel for all tensors where the device has it
else:
    sys.exit(f"error: unknown optimizer {cfg['optimizer']!r}: adamw, adam or sgd")
milestones = [int(m) for m in str(cfg["milestones"]).replace(" ", "").split(",") if m]


def lr_at(it: int) -> float:
    """Linear warmup, then the schedule; `it` counts from 0."""
    if it < cfg["warmup_steps"]:
        return cfg["lr"] * (it + 1) / cfg["warmup_steps"]
    done = (it - cfg["warmup_steps"]) / max(1, cfg["max_steps"] - cfg["warmup_steps"])
    if cfg["schedule"] == "step":
        return cfg["lr"] * cfg["gamma"] ** sum(it >= m for m in milestones)
    if cfg["schedule"] == "cosine":
        return cfg["lr"] * 0.5 * (1 + math.cos(math.pi * min(1.0, done)))
    if cfg["schedule"] == "linear":
        return cfg["lr"] * max(0.0, 1 - done)
    return cfg["lr"]


scaler = torch.amp.GradScaler(enabled=dtype == "float16")
step = 0
history: list[dict] = []
train_loss_sum, train_loss_n, samples = 0.0, 0, 0
best = {"metric": "", "value": math.inf, "step": 0}  # the lowest evaluation loss so far
last_path, best_path = out_dir / "last.pt", out_dir / "best.pt"


def rng_state() -> dict:
    """Every random stream a step draws from: torch's (dropout), the device's, the task's batches."""
    return {"torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if device_type == "cuda" else [],
            "task": work.generator.get_state() if hasattr(work, "generator") else None}


def save_checkpoint(path: Path) -> None:
    """Written to a temporary file, then renamed: a run killed while saving keeps its last checkpoint."""
    state = {"model": raw_model.state_dict(), "optimizer": optimizer.state_dict(), "scaler": scaler.state_dict(),
             "step": step, "rng": rng_state(), "history": history, "best": best,
             "running_loss": [float(train_loss_sum), train_loss_n],
             "config": {k: v for k, v in cfg.items() if isinstance(v, (int, float, str, bool))}}
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


resume_from = last_path if last_path.exists() else out_dir / "ckpt.pt"  # ckpt.pt: projects made before last.pt
if cfg["resume"] and resume_from.exists():
    ckpt = torch.load(resume_from, map_location=device, weights_only=True)
    model.load_state_dict(ckpt["model"])
    optimizer.load_state_dict(ckpt["optimizer"])
    step = int(ckpt["step"])
    if "rng" in ckpt:
        scaler.load_state_dict(ckpt["scaler"])
        history, best = ckpt["history"], ckpt["best"]
        train_loss_sum, train_loss_n = ckpt["running_loss"]
        torch.set_rng_state(ckpt["rng"]["torch"].cpu())
        if ckpt["rng"]["cuda"] and device_type == "cuda":
            torch.cuda.set_rng_state_all([t.cpu() for t in ckpt["rng"]["cuda"]])
        if ckpt["rng"]["task"] is not None and hasattr(work, "generator"):
            work.generator.set_state(ckpt["rng"]["task"].cpu())
first_step = step
raw_model = model
if cfg["compile"]:
    model = torch.compile(model)
if ddp:
    model = torch.nn.parallel.DistributedDataParallel(
        model, device_ids=[local_rank] if device_type == "cuda" else None)


def autocast():
    return torch.autocast(device_type=device_type, dtype=ptdtype, enabled=dtype != "float32")


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
        "task": task.NAME, "config": cfg,
    }
    (out_dir / "env.json").write_text(json.dumps(env, indent=2) + "\n")
    log = (out_dir / "metrics.jsonl").open("a")

# --- what this run trains: the data it read (a fingerprint of it), the model, the budget ------------
def fingerprint(arrays: list) -> str:
    """sha256 over the bytes of the data the task holds (tensors, or token files mapped from disk, read
    in 64 MiB slices): two runs that read the same data agree."""
    digest = hashlib.sha256()
    for t in arrays:
        digest.update(str((tuple(t.shape), str(t.dtype))).encode())
        flat = t.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy() if isinstance(t, torch.Tensor) \
            else t.reshape(-1).view("uint8")
        for i in range(0, len(flat), 1 << 26):
            digest.update(flat[i:i + (1 << 26)].tobytes())
    return digest.hexdigest()


def trained(steps: int, stopped_by_task: bool) -> dict:
    """run.json: what `paperlab replicate check` needs to know before it compares this run with a
    claim. `data.kind` is "real" (read from files), "generated" (the task's data is defined by a
    generator, as the paper's is) or "fake" (a stand-in that tests the pipeline)."""
    data = dict(described["data"])
    data["sha256"] = fingerprint(data.pop("tensors"))
    train_size = data.get("sizes", {}).get("train")
    own = tomllib.loads(Path(cfg["config_file"]).read_text()).get("max_steps") if "config_file" in cfg else None
    return {
        "format": 1, "data": data,
        "model": {**described["model"], "parameters": sum(p.numel() for p in raw_model.parameters())},
        "budget": {"steps": steps, "max_steps": cfg["max_steps"], "config_max_steps": own or config["max_steps"],
                   "batch_size": cfg["batch_size"] * accum * world_size,
                   "samples": steps * cfg["batch_size"] * accum * world_size,
                   "epochs": steps * cfg["batch_size"] * accum * world_size / train_size if train_size else None,
                   "stopped": "task" if stopped_by_task else "max_steps"},
        "metrics": {"steps": ["steps", "count", ""], **{k: list(v) for k, v in task.METRICS.items()}},
    }


described = work.describe()
stopped_by_task = False

# --- training loop ---------------------------------------------------------------------------------
if device_type == "cuda":
    torch.cuda.reset_peak_memory_stats(device)
raw_model.train()  # a pretrained model loads in eval mode: without this, no dropout until the first evaluation
t0 = time.time()
accum = max(1, int(cfg["grad_accum"]))
while step < cfg["max_steps"]:
    for group in optimizer.param_groups:
        group["lr"] = lr_at(step)
    optimizer.zero_grad(set_to_none=True)
    step_loss = torch.zeros((), dtype=torch.float64, device=device)
    for micro in range(accum):
        batch = work.train_batch(step, micro)
        last_micro = micro == accum - 1
        # DDP all-reduces the gradients on the last micro-step only
        with model.no_sync() if ddp and not last_micro else contextlib.nullcontext():
            with autocast():
                loss = work.loss(model, batch) / accum
            scaler.scale(loss).backward()
        step_loss += loss.detach()
    if cfg["grad_clip"]:
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(params, cfg["grad_clip"])
    scaler.step(optimizer)
    scaler.update()
    step += 1
    train_loss_sum += step_loss  # on the device: read (a sync) only at the evaluation
    train_loss_n += 1
    samples += cfg["batch_size"] * accum * world_size
    if step % cfg["eval_interval"] == 0 or step == cfg["max_steps"]:
        if ddp:  # the training loss of every process's examples, not rank 0's alone
            torch.distributed.all_reduce(train_loss_sum)
            train_loss_sum = train_loss_sum / world_size
        stop = False
        if master:  # one process evaluates and writes; the others wait for its decision
            raw_model.eval()
            with torch.no_grad(), autocast():
                row = {"step": step, "train_loss": float(train_loss_sum) / train_loss_n, **work.evaluate(raw_model)}
            raw_model.train()
            row["time_s"] = round(time.time() - t0, 3)
            history.append(row)
            log.write(json.dumps(row) + "\n")
            log.flush()
            print(f"step {step:>6}  " + "  ".join(f"{k} {v:.4g}" for k, v in row.items()
                                                  if k not in ("step", "time_s") and isinstance(v, float)), flush=True)
            loss_key = next((k for k in row if k.endswith("_loss") and k != "train_loss"), "")
            if loss_key and row[loss_key] < best["value"]:
                best = {"metric": loss_key, "value": row[loss_key], "step": step}
                save_checkpoint(best_path)
            save_checkpoint(last_path)
            stop = work.should_stop(row)
        train_loss_sum, train_loss_n = 0.0, 0
        if ddp:
            decision = [stop]
            torch.distributed.broadcast_object_list(decision, src=0)
            stop = decision[0]
        if stop:
            stopped_by_task = True
            break
    if cfg["stop_after"] and step - first_step >= cfg["stop_after"] and step < cfg["max_steps"]:
        if master:  # a job's time slice ends: `--resume=true` continues exactly here
            save_checkpoint(last_path)
        break

# --- final metrics: the last evaluation as final_*, plus what the task derives from the history ---
if master:
    elapsed = time.time() - t0
    last = history[-1] if history else {}
    metrics = {f"final_{k}": v for k, v in last.items() if k not in ("step", "time_s")}
    metrics.update(work.summary(history))
    metrics.update({
        "steps": step, "duration_s": elapsed, "steps_per_s": (step - first_step) / elapsed if elapsed else None,
        "samples_per_s": samples / elapsed if elapsed else None,
        "peak_memory_mb": torch.cuda.max_memory_allocated(device) / 2**20 if device_type == "cuda" else None,
    })
    (out_dir / "run.json").write_text(json.dumps(trained(step, stopped_by_task), indent=2) + "\n")
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics))
if ddp:  # every rank past its last send first: a peer gone mid-send aborts gloo ("Connection reset by peer")
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()
