"""Task templates: each one's smoke config runs offline through `replicate run` and `check` and is
never counted; every project carries the one shared harness; the template fits the paper."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import tomllib

from paperlab.replicate.scaffold import HARNESS, choose, templates

REPO = Path(__file__).resolve().parents[1]
PAPERS = REPO.parent / "shared" / "data" / "papers"
NAMES = sorted(templates())


def status(lib) -> str:
    import sqlite3

    conn = sqlite3.connect(lib.db_path)
    try:
        return conn.execute("SELECT status FROM replications").fetchone()[0]
    finally:
        conn.close()


def test_the_four_task_families_are_there():
    assert NAMES == ["algorithmic", "fine-tune", "image-classification", "language-model"]


@pytest.mark.parametrize("name", NAMES)
def test_smoke_config_runs_offline_and_never_counts(lib, cli, name):
    assert cli("add", "https://example.org/p", "--title", "A paper", "--type", "paper").exit_code == 0
    out = cli("replicate", "scaffold", "a-paper", "--template", name)
    assert out.exit_code == 0, out.stderr
    assert f"Template {name}: chosen with --template" in out.stdout
    run = cli("replicate", "run", "a-paper", "--config", "smoke", "--json")
    assert run.exit_code == 0, run.stderr
    (result,) = json.loads(run.stdout)
    assert any(k.startswith("final_") for k in result["metrics"]) and result["metrics"]["steps"] > 0
    # an untouched scaffold has no claim: nothing to judge, and the status stays where it was
    check = cli("replicate", "check", "a-paper")
    assert check.exit_code == 1 and "no claims yet" in check.stderr and "MATCH" not in check.stdout
    assert status(lib) == "scaffolded"
    # with a claim about the paper's data, the smoke run is set aside: it trained on a stand-in
    project = lib.replications_dir / "a-paper"
    metric = templates()[name].example_metric
    (project / "claims.toml").write_text(f'[[claim]]\nname = "x"\nmetric = "{metric}"\nreported = 0.5\n'
                                         'dataset = "the paper\'s"\n')
    assert status(lib) == "scaffolded"  # a pipeline test moves nothing
    check = cli("replicate", "check", "a-paper", "--explain")
    assert check.exit_code == 1 and "UNTESTED" in check.stdout and "MATCH" not in check.stdout
    assert "fake data" in check.stdout or "trained on 'add mod 11'" in check.stdout
    assert status(lib) == "inconclusive"


def test_every_project_carries_the_one_harness(lib, cli):
    for name in NAMES:
        cli("add", f"https://example.org/{name}", "--title", f"Paper {name}", "--type", "paper")
        assert cli("replicate", "scaffold", f"paper-{name}", "--template", name).exit_code == 0
        project = lib.replications_dir / f"paper-{name}"
        for shared in ("train.py", "check.py", "estimate.py", "eval.py", "test_project.py", "reproduce.sh"):
            assert (project / shared).read_bytes() == (HARNESS / shared).read_bytes(), (name, shared)
        requirements = (project / "requirements.txt").read_text().split()
        assert requirements[0] == "torch==2.13.0" and all("==" in r for r in requirements), requirements
        assert "-r requirements.txt" in (project / "reproduce.sh").read_text()
        for path in project.rglob("*.py"):  # runs without paperlab installed
            assert not re.search(r"^\s*(import|from)\s+paperlab", path.read_text(), re.M), path
        assert "claim" not in tomllib.loads((project / "claims.toml").read_text())  # no active claim
        for config in (project / "config").glob("*.toml"):  # the template's setup, never called the paper's
            assert "paper's setup" not in config.read_text().lower()


def test_template_pins_match_the_extras():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    pinned = {r.split("==")[0]: r for group in extras.values() for r in group if "==" in r}
    for template in templates().values():
        for requirement in template.requires:
            name = requirement.split("==")[0]
            if name in pinned:
                assert pinned[name] == requirement, (template.name, requirement)


def test_no_evidence_asks_for_a_template():
    from paperlab.errors import InvalidInput

    with pytest.raises(InvalidInput, match="--template"):
        choose("We study the migration of birds across the Sahara.")


@pytest.mark.skipif(not PAPERS.exists(), reason="../shared/data/papers is not beside the repository")
@pytest.mark.parametrize(("arxiv_id", "expected", "word"), [
    ("1512.03385", "image-classification", "cifar"),
    ("1502.03167", "image-classification", "imagenet"),
    ("1706.03762", "language-model", "machine translation"),
    ("1810.04805", "fine-tune", "glue"),
    ("2201.02177", "algorithmic", "grokking"),
])
def test_real_papers_get_a_fitting_template(arxiv_id, expected, word):
    from paperlab.retrieval.pdf import extract_pages

    choice = choose(" ".join(p.text for p in extract_pages(PAPERS / f"{arxiv_id}.pdf")))
    assert choice.template.name == expected and f"'{word}'" in choice.reason
    if arxiv_id == "1706.03762":  # the closest family, and it says so
        assert any("translat" in c for c in choice.caveats)


def test_a_placeholder_without_a_value_is_an_error_not_left_in_the_project(tmp_path):
    import jinja2

    from paperlab.replicate.scaffold import render

    template = tmp_path / "README.md"
    template.write_text("# {{ title }}\n\nSee {{ lnik }}.\n")  # a misspelled placeholder
    with pytest.raises(jinja2.UndefinedError):
        render(template, {"title": "Grokking", "link": "https://arxiv.org/abs/2201.02177"})
    template.write_text("# {{ title }}\n")
    assert render(template, {"title": "A {{ title }} with braces"}) == "# A {{ title }} with braces\n"


DETECTION = ("We train a one-stage object detection model on COCO from an ImageNet backbone. The "
             "detector predicts a bounding box and a class for every anchor box; object detection "
             "quality is measured as box AP. Our detector runs in real time.")


def test_a_kind_of_paper_no_template_trains_gets_no_template():
    from paperlab.errors import InvalidInput

    with pytest.raises(InvalidInput, match=r"no template fits: the paper reads as object detection .*"
                                           r"choose one anyway with --template"):
        choose(DETECTION)
    # a classification paper that mentions detection in passing still gets its template
    text = "We classify ImageNet images with a convolutional network; top-1 error. " * 3 + DETECTION[:60]
    assert choose(text).template.name == "image-classification"


def test_scaffold_says_no_template_fits_and_notes_a_chosen_one(lib, cli, tmp_path):
    from paperlab.samples import SamplePaper, write_paper_pdf

    paper = SamplePaper("2301.00002", 1, "A Real-Time Detector", ["A. Author"], DETECTION,
                        [("1 Method", DETECTION), ("2 Experiments", DETECTION)])
    assert cli("add", str(write_paper_pdf(paper, tmp_path / "det.pdf")), "--no-lookup").exit_code == 0
    out = cli("replicate", "scaffold", paper.arxiv_id)
    assert out.exit_code == 2 and "no template fits" in out.stderr and "object detection" in out.stderr
    assert not (lib.replications_dir / paper.arxiv_id).exists()
    out = cli("replicate", "scaffold", paper.arxiv_id, "--template", "image-classification")
    assert out.exit_code == 0, out.stderr
    assert "Note: the paper reads as object detection" in out.stdout


@pytest.mark.parametrize("name", NAMES)
def test_the_project_tests_pass_inside_a_new_project(lib, cli, name):
    """The tests every project carries (test_project.py): one step, stop and resume bit for bit,
    eval.py on a checkpoint; run with the project's own pytest, in its folder."""
    import subprocess
    import sys

    assert cli("add", "https://example.org/p", "--title", "A paper", "--type", "paper").exit_code == 0
    assert cli("replicate", "scaffold", "a-paper", "--template", name).exit_code == 0
    project = lib.replications_dir / "a-paper"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_project.py"],
                          cwd=project, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    assert " failed" not in done.stdout and "error" not in done.stdout.lower()


def test_a_language_model_trains_on_memory_mapped_token_files(lib, cli):
    """nanoGPT's layout: train.bin and val.bin of uint16 token ids, read from disk window by window;
    the run records the files' sha256 and no bits-per-character (a token file does not say it)."""
    import subprocess
    import sys

    import numpy as np

    assert cli("add", "https://example.org/p", "--title", "A paper", "--type", "paper").exit_code == 0
    assert cli("replicate", "scaffold", "a-paper", "--template", "language-model").exit_code == 0
    project = lib.replications_dir / "a-paper"
    rng = np.random.default_rng(0)
    (project / "data").mkdir()
    for name, size in (("train.bin", 20_000), ("val.bin", 2_000)):
        rng.integers(0, 300, size, dtype=np.uint16).tofile(project / "data" / name)
    args = [sys.executable, "train.py", "--config", "config/smoke.toml", "--data_file=data/train.bin",
            "--vocab_size=300", "--max_steps=4", "--eval_interval=2"]
    done = subprocess.run([*args, "--out_dir=runs/a"], cwd=project, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    metrics = json.loads((project / "runs" / "a" / "metrics.json").read_text())
    assert metrics["steps"] == 4 and metrics["final_val_loss"] > 0 and "final_val_bpc" not in metrics
    data = json.loads((project / "runs" / "a" / "run.json").read_text())["data"]
    assert data["kind"] == "real" and data["sizes"] == {"train_tokens": 20_000, "val_tokens": 2_000}
    again = subprocess.run([*args, "--out_dir=runs/b"], cwd=project, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0
    assert json.loads((project / "runs" / "b" / "run.json").read_text())["data"]["sha256"] == data["sha256"]
    missing = subprocess.run([*args[:-3], "--vocab_size=0", "--out_dir=runs/c"], cwd=project, capture_output=True,
                             text=True, timeout=300)
    assert missing.returncode != 0 and "vocab_size" in missing.stderr


def test_image_folders_stream_from_disk_and_resume_exactly(lib, cli):
    """ImageNet's layout (train/<class>/, val/<class>/) decoded by a DataLoader's workers, each image's
    crop and flip drawn from its place in the global batch: a stopped and resumed run is the same run."""
    import subprocess
    import sys

    import numpy as np
    from PIL import Image

    assert cli("add", "https://example.org/p", "--title", "A paper", "--type", "paper").exit_code == 0
    assert cli("replicate", "scaffold", "a-paper", "--template", "image-classification").exit_code == 0
    project = lib.replications_dir / "a-paper"
    rng = np.random.default_rng(0)
    for split, count in (("train", 6), ("val", 2)):
        for label in ("cat", "dog"):
            folder = project / "data" / "tiny" / split / label
            folder.mkdir(parents=True)
            for i in range(count):
                pixels = rng.integers(0, 256, (int(rng.integers(30, 50)), int(rng.integers(30, 50)), 3), dtype=np.uint8)
                Image.fromarray(pixels).save(folder / f"{i}.jpg" if i % 2 else folder / f"{i}.png")
    args = [sys.executable, "train.py", "--config", "config/smoke.toml", "--dataset=folder", "--data_dir=data/tiny",
            "--image_size=24", "--model=cnn", "--workers=2", "--batch_size=4", "--max_steps=6", "--eval_interval=3",
            "--deterministic", "--threads=1"]

    def train(out: str, *more: str) -> dict:
        done = subprocess.run([*args, f"--out_dir=runs/{out}", *more], cwd=project, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        metrics = json.loads((project / "runs" / out / "metrics.json").read_text())
        return {k: v for k, v in metrics.items() if k not in ("duration_s", "steps_per_s", "samples_per_s")}

    whole = train("whole")
    assert whole["steps"] == 6 and 0 <= whole["final_test_top1_acc"] <= 1
    run = json.loads((project / "runs" / "whole" / "run.json").read_text())
    assert run["data"]["kind"] == "real" and run["data"]["sizes"] == {"train": 12, "test": 4}
    train("parts", "--stop_after=4")
    assert train("parts", "--resume=true") == whole
