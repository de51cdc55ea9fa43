"""This project's own tests, on a CPU in seconds: `python -m pytest test_project.py`.

One step runs; a run stopped and resumed equals one that was not, bit for bit (`--deterministic`);
two micro-steps of half a batch make the update one full batch makes, and so do two processes (gloo,
under torchrun) each accumulating two quarter batches; eval.py on a checkpoint gives the evaluation the
run recorded at that step."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import task

HERE = Path(__file__).resolve().parent
TIMINGS = ("duration_s", "steps_per_s", "samples_per_s", "time_s")


def train(out: Path, *args: str) -> dict:
    done = subprocess.run([sys.executable, "train.py", "--config", "config/smoke.toml", f"--out_dir={out}",
                           "--deterministic", "--threads=1", *args], cwd=HERE, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return {k: v for k, v in json.loads((out / "metrics.json").read_text()).items() if k not in TIMINGS}


def test_one_step_runs(tmp_path):
    assert train(tmp_path, "--max_steps=1", "--eval_interval=1")["steps"] == 1
    assert (tmp_path / "last.pt").exists() and (tmp_path / "best.pt").exists()


def test_a_run_stopped_and_resumed_equals_one_that_was_not(tmp_path):
    whole = train(tmp_path / "whole", "--max_steps=6", "--eval_interval=3")
    train(tmp_path / "parts", "--max_steps=6", "--eval_interval=3", "--stop_after=4")  # mid-interval
    parts = train(tmp_path / "parts", "--max_steps=6", "--eval_interval=3", "--resume=true")
    assert parts == whole
    a = torch.load(tmp_path / "whole" / "last.pt", weights_only=True)
    b = torch.load(tmp_path / "parts" / "last.pt", weights_only=True)
    assert a["step"] == b["step"] == 6
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])


def test_eval_gives_the_evaluation_the_run_recorded(tmp_path):
    metrics = train(tmp_path, "--max_steps=2", "--eval_interval=2")
    done = subprocess.run([sys.executable, "eval.py", str(tmp_path / "last.pt")], cwd=HERE, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    evaluated = json.loads((tmp_path / "eval-last.json").read_text())
    assert evaluated["step"] == 2
    for key, value in evaluated.items():
        if key.startswith("final_") and key in metrics and key != "final_train_loss":
            assert abs(value - metrics[key]) < 1e-6, key


# plain SGD: an update proportional to the gradient (Adam's first step is about its sign, which
# rounding flips where a gradient is near 0); the same images where the task crops at random, and no
# dropout: masks drawn per micro-batch differ too
SAME_UPDATE = ["--max_steps=2", "--eval_interval=2", "--optimizer=sgd", "--momentum=0.0", "--weight_decay=0.0",
               *(["--augment=false"] if "augment" in task.DEFAULTS else []),
               *[f"--{k}=0.0" for k in ("dropout", "lora_dropout") if k in task.DEFAULTS],
               *getattr(task, "WITHOUT_BATCH_NORM", [])]  # a model whose update does not depend on the split


def same_model(a_dir: Path, b_dir: Path) -> None:
    a = torch.load(a_dir / "last.pt", weights_only=True)["model"]
    b = torch.load(b_dir / "last.pt", weights_only=True)["model"]
    if any(k.endswith("running_mean") for k in a):
        pytest.skip("batch norm normalises each micro-batch by its own statistics: accumulating is not the large batch")
    for key in a:
        if a[key].is_floating_point():
            assert torch.allclose(a[key], b[key], rtol=1e-4, atol=1e-6), key


def test_two_half_batches_accumulated_make_the_update_of_one_full_batch(tmp_path):
    train(tmp_path / "full", "--batch_size=8", *SAME_UPDATE)
    train(tmp_path / "half", "--batch_size=4", "--grad_accum=2", *SAME_UPDATE)
    same_model(tmp_path / "full", tmp_path / "half")


def test_two_processes_accumulating_make_the_update_of_one_process_with_their_batch(tmp_path):
    """Each of two processes reads its slice of every global batch (batches.py), DDP averages their
    gradients on the last micro-step: the run is the one-process run with the whole batch."""
    train(tmp_path / "one", "--batch_size=8", *SAME_UPDATE)
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           "train.py", "--config", "config/smoke.toml", f"--out_dir={tmp_path / 'two'}",
                           "--threads=1", "--batch_size=2", "--grad_accum=2", *SAME_UPDATE],
                          cwd=HERE, capture_output=True, text=True, timeout=600)
    # the ranks' own errors come before the launcher's summary: show both
    assert done.returncode == 0, done.stderr[:2000] + "\n...\n" + done.stderr[-1000:]
    same_model(tmp_path / "one", tmp_path / "two")
