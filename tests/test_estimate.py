"""`paperlab replicate estimate`: FLOPs counted on one real batch by the project's estimate.py,
checked against figures known by hand (ResNet-110 on CIFAR-10: 1.7M parameters, ~253M
multiply-adds an image; a transformer step: ~6 x parameters x tokens plus attention)."""

from __future__ import annotations

import json

import pytest


def project(lib, cli, template: str, config: str) -> None:
    assert cli("add", "https://example.org/p", "--title", "A paper", "--type", "paper").exit_code == 0
    assert cli("replicate", "scaffold", "a-paper", "--template", template).exit_code == 0
    (lib.replications_dir / "a-paper" / "config" / "count.toml").write_text(config)


def test_resnet110_on_cifar10_costs_what_the_paper_says(lib, cli):
    project(lib, cli, "image-classification", 'dataset = "cifar10"\nmodel = "resnet110"\nbatch_size = 4\n'
            'max_steps = 64000\noptimizer = "sgd"\n')
    out = cli("replicate", "estimate", "a-paper", "--config", "count", "--gpu", "A100", "--json")
    assert out.exit_code == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["data"] == "fake images of CIFAR-10's shape (3,32,32, 10 classes)"  # no download to count
    assert abs(got["parameters"] - 1.7e6) / 1.7e6 < 0.02
    per_image_forward = got["flops_per_step"] / 4 / 3  # a backward pass costs two forwards
    assert abs(per_image_forward - 2 * 253e6) / (2 * 253e6) < 0.05
    assert got["total_flops"] == got["flops_per_step"] * 64000
    (a100,) = got["gpu_hours"]
    assert a100["gpu"] == "A100" and a100["hours"] == pytest.approx(got["total_flops"] / (312e12 * 0.4) / 3600)
    assert got["memory_bytes"]["optimizer"] == got["trainable"] * 4  # SGD keeps one momentum a weight


def test_a_transformer_step_is_six_times_parameters_times_tokens_plus_attention(lib, cli):
    project(lib, cli, "language-model", 'data_file = ""\nblock_size = 32\nn_layers = 2\nn_heads = 2\n'
            'd_model = 64\ndropout = 0.0\nbatch_size = 4\nmax_steps = 100\n')
    out = cli("replicate", "estimate", "a-paper", "--config", "count", "--json")
    assert out.exit_code == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["tokens_per_step"] == 4 * 32
    # attention scores and their weighted sum: 2 x 2 x block x d_model a token and layer forward, the
    # backward twice that; 6 x N x T also counts the position embeddings' lookups as products
    attention = 3 * (2 * 2 * 32 * 64) * 2 * got["tokens_per_step"]
    assert got["flops_per_step"] == pytest.approx(got["six_n_t"] + attention, rel=0.05)
    assert "generated text" in got["data"]
    table = cli("replicate", "estimate", "a-paper", "--config", "count").stdout
    assert "6 x parameters x tokens" in table and "GPU-hours at 40% of peak" in table


def test_estimate_errors_are_one_line(lib, cli):
    project(lib, cli, "algorithmic", "")
    out = cli("replicate", "estimate", "a-paper", "--config", "nope")
    assert out.exit_code == 2 and "no config 'nope'" in out.stderr and "default, smoke" in out.stderr
    out = cli("replicate", "estimate", "a-paper", "--gpu", "TPU")
    assert out.exit_code == 2 and "unknown GPU 'TPU'" in out.stderr
    (lib.replications_dir / "a-paper" / "estimate.py").unlink()
    out = cli("replicate", "estimate", "a-paper")
    assert out.exit_code == 2 and "scaffold a-paper --force" in out.stderr
    assert cli("replicate", "estimate", "nothing").exit_code == 3


def test_run_says_what_the_job_costs_and_asks_above_the_threshold(lib, cli):
    project(lib, cli, "algorithmic", "")
    smoke = ["--config", "smoke"]
    (lib.home / "paperlab.toml").write_text((lib.home / "paperlab.toml").read_text() + "run_confirm_gpu_hours = 0\n")
    refused = cli("replicate", "run", "a-paper", *smoke)  # no terminal to ask: refused, nothing run
    assert refused.exit_code == 2 and "pass --yes" in refused.stderr and "H100-hours" in refused.stderr
    assert not (lib.replications_dir / "a-paper" / "runs").exists() or \
        not any((lib.replications_dir / "a-paper" / "runs").iterdir())
    started = cli("replicate", "run", "a-paper", *smoke, "--yes", "--max_steps=3")
    assert started.exit_code == 0, started.stderr
    assert "Estimated cost:" in started.stdout and "3 steps" in started.stdout  # priced with the override
