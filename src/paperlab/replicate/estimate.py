"""`paperlab replicate estimate`: what a run will cost before it starts.

The project's own `estimate.py` builds the task as the config says, counts the FLOPs of one forward
and backward pass on one batch (torch.utils.flop_counter) and the memory a step holds; here they
become the run's total FLOPs and GPU-hours on named GPUs at a stated share of their peak.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from paperlab.errors import InvalidInput, NotFound, PaperlabError, ReplicationError

if TYPE_CHECKING:
    from paperlab.library import Library

# Dense bfloat16/float16 tensor-core peaks, TFLOP/s, from the vendors' data sheets (no sparsity).
GPUS = {
    "H100": 989.0,  # SXM
    "H200": 989.0,
    "A100": 312.0,
    "L40S": 362.0,
    "A10": 125.0,
    "L4": 121.0,
    "V100": 125.0,
    "T4": 65.0,
    "RTX4090": 165.0,  # with float32 accumulation
    "RTX3090": 71.0,
}
DEFAULT_GPUS = ("H100", "A100", "V100", "RTX4090")
REFERENCE_GPU = "H100"  # what `replicate run` prices a job on before it starts
UTILIZATION = 0.4  # the share of peak a well-tuned run reaches (its MFU); small models reach less


@dataclass
class GpuHours:
    gpu: str
    peak_tflops: float
    hours: float


@dataclass
class Estimate:
    item_id: str
    config: str
    task: str
    data: str
    parameters: int
    trainable: int
    batch_size: int
    max_steps: int
    flops_per_step: int
    total_flops: float
    memory_bytes: dict[str, int]
    utilization: float
    gpu_hours: list[GpuHours] = field(default_factory=list)
    tokens_per_step: int | None = None
    six_n_t: float | None = None  # 6 x parameters x tokens, the usual check for a transformer's step


def gpu_names(names: list[str] | None) -> list[str]:
    if not names:
        return list(DEFAULT_GPUS)
    by_key = {k.lower(): k for k in GPUS}
    out = []
    for name in names:
        key = by_key.get(name.replace(" ", "").replace("-", "").lower())
        if key is None:
            raise InvalidInput(f"unknown GPU '{name}'; known: {', '.join(GPUS)}")
        out.append(key)
    return out


def measure(lib: Library, item_id: str, config: str, overrides: list[str] | None = None) -> dict[str, Any]:
    """Run the project's estimate.py on `config` and return what it printed."""
    item_id = lib.resolve_id(item_id)
    project = lib.replication_dir(item_id)
    if not project.is_dir():
        raise NotFound(f"no replication project for {item_id}; make one with `paperlab replicate scaffold {item_id}`")
    if not (project / "estimate.py").exists():
        raise InvalidInput(f"{lib.relative(project)} has no estimate.py (made before it existed); "
                           f"`paperlab replicate scaffold {item_id} --force` adds it")
    path = project / "config" / f"{config}.toml"
    if not path.exists():
        names = sorted(p.stem for p in (project / "config").glob("*.toml"))
        raise InvalidInput(f"no config '{config}' in {lib.relative(project)}/config; there are: {', '.join(names)}")
    lib.ui.progress("Counting one training step's FLOPs", 0, None, "steps")
    try:
        done = subprocess.run([sys.executable, "estimate.py", "--config", f"config/{config}.toml", *(overrides or [])],
                              cwd=project,
                              capture_output=True, text=True, timeout=1800)
    except subprocess.TimeoutExpired as exc:
        raise ReplicationError("estimate.py ran for 30 minutes without finishing one step; lower batch_size "
                               "in a copy of the config to estimate it") from exc
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        why = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ReplicationError(f"estimate.py failed on config/{config}.toml: {why}")
    return dict(json.loads(lines[-1]))


def estimate(lib: Library, item_id: str, config: str = "default", gpus: list[str] | None = None,
             utilization: float = UTILIZATION, overrides: list[str] | None = None) -> Estimate:
    if not 0 < utilization <= 1:
        raise InvalidInput(f"--utilization must be in (0, 1], got {utilization}")
    names = gpu_names(gpus)
    item_id = lib.resolve_id(item_id)
    got = measure(lib, item_id, config, overrides)
    total = float(got["flops_per_step"]) * int(got["max_steps"])
    tokens = int(got["batch_size"]) * int(got["tokens_per_example"]) if got.get("tokens_per_example") else None
    return Estimate(
        item_id=item_id, config=config, task=got["task"], data=got["data"],
        parameters=int(got["parameters"]), trainable=int(got["trainable"]), batch_size=int(got["batch_size"]),
        max_steps=int(got["max_steps"]), flops_per_step=int(got["flops_per_step"]), total_flops=total,
        memory_bytes={k: int(v) for k, v in got["memory_bytes"].items()}, utilization=utilization,
        gpu_hours=[GpuHours(g, GPUS[g], total / (GPUS[g] * 1e12 * utilization) / 3600) for g in names],
        tokens_per_step=tokens, six_n_t=6.0 * int(got["parameters"]) * tokens if tokens else None)


def before_run(lib: Library, item_id: str, config: str, seeds: int, assume_yes: bool = False,
               overrides: list[str] | None = None) -> str:
    """What a job of `seeds` runs will cost, said before it starts; over `run_confirm_gpu_hours` it
    asks (`lib.ui.confirm`), and with no one to ask it refuses unless `assume_yes`. An estimate that
    cannot be made does not stop the job: the line says so."""
    try:
        found = estimate(lib, item_id, config=config, gpus=[REFERENCE_GPU], overrides=overrides)
    except PaperlabError as exc:
        return f"No cost estimate ({exc}); starting anyway."
    hours = found.gpu_hours[0].hours * seeds
    line = (f"Estimated cost: {found.total_flops:.3g} FLOP a run ({found.max_steps:,} steps of "
            f"{found.flops_per_step:.3g}), x {seeds} seed(s) = {hours:.3g} {REFERENCE_GPU}-hours at "
            f"{found.utilization:.0%} of its peak")
    limit = lib.settings.run_confirm_gpu_hours
    if hours <= limit or assume_yes:
        return line + "."
    answer = lib.ui.confirm(f"{line}, over run_confirm_gpu_hours ({limit:g}). Start it?")
    if answer is None:
        raise InvalidInput(f"{line}, over run_confirm_gpu_hours ({limit:g}); pass --yes to start it "
                           "(or raise the setting in paperlab.toml)")
    if not answer:
        raise PaperlabError("not started")
    return line + "."
