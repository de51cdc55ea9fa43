""""Reproduced" means reproduced: a claim is judged only on runs that trained what it is about
(real data, its dataset, its model, the paper's budget), in a unit that converts without a guess,
with two-sided verdicts; libraries checked under the earlier rules are re-judged once."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from paperlab.library import Library
from paperlab.log.items import add_file
from paperlab.models import Claim
from paperlab.replicate.check import evaluate
from paperlab.samples import GROKKING, SamplePaper, write_paper_pdf
from tests.test_replicate import GID, SMOKE_CLAIMS, db_rows, quick_config, quick_library, ran, trained_run

__all__ = ["quick_library", "ran"]  # fixtures shared with test_replicate

MNIST_PAPER = SamplePaper(
    arxiv_id="1302.4389", version=1, title="A Network with Few Errors",
    authors=["Ada Lovelace"],
    abstract="We train a convolutional network on MNIST. Our network makes 160 test errors on MNIST, "
             "the best result we know of without augmentation.",
    sections=[("1 Introduction", "Generative models are measured differently: on MNIST our sampler reaches a "
               "log-likelihood of 225 nats on the test set, estimated with a Parzen window.")],
)


@pytest.fixture
def mnist_project(lib, cli, tmp_path):
    """An image-classification project for a paper whose headline number is a count of test errors."""
    add_file(lib, write_paper_pdf(MNIST_PAPER, tmp_path / "m.pdf"), title=MNIST_PAPER.title)
    cli("index")
    result = cli("replicate", "scaffold", MNIST_PAPER.arxiv_id, "--template", "image-classification")
    assert result.exit_code == 0, result.stderr
    return lib.replications_dir / MNIST_PAPER.arxiv_id


def suggestion(cli, item_id: str, metric: str) -> dict:
    found = json.loads(cli("replicate", "claims", "suggest", item_id, "--json").stdout)
    return next(s for s in found if s["metric"] == metric)


def test_a_count_of_errors_is_never_accepted_onto_an_error_rate(mnist_project, cli):
    count = suggestion(cli, MNIST_PAPER.arxiv_id, "error")
    assert (count["value"], count["dataset"]) == (160.0, "MNIST")
    before = (mnist_project / "claims.toml").read_text()
    result = cli("replicate", "claims", "accept", MNIST_PAPER.arxiv_id, str(count["number"]))
    assert result.exit_code == 2
    assert "cannot be checked against final_test_top1_err" in result.stderr and "add `of = N`" in result.stderr
    assert (mnist_project / "claims.toml").read_text() == before  # nothing half-added


def test_a_log_likelihood_is_never_accepted_onto_an_error_metric(mnist_project, cli):
    ll = suggestion(cli, MNIST_PAPER.arxiv_id, "log_likelihood")
    assert ll["value"] == 225.0 and not ll["lower"]
    result = cli("replicate", "claims", "accept", MNIST_PAPER.arxiv_id, str(ll["number"]),
                 "--metric", "final_test_top1_err")
    assert result.exit_code == 2
    assert "the claim measures log likelihood and the metric error" in result.stderr
    # without --metric no key of this template measures it: written under its own name, so MISSING
    assert cli("replicate", "claims", "accept", MNIST_PAPER.arxiv_id, str(ll["number"])).exit_code == 0
    text = (mnist_project / "claims.toml").read_text()
    assert 'metric = "log_likelihood"' in text and 'unit = "nats"' in text and 'direction = "higher"' in text


def test_a_renamed_smoke_config_on_fake_data_reproduces_nothing(mnist_project, lib, cli):
    # the scenario of the issue: a count claim and a loose error-rate claim, a smoke config renamed
    (mnist_project / "claims.toml").write_text(
        '[[claim]]\nname = "test errors"\nmetric = "final_test_top1_err"\nreported = 160\nunit = "count"\n'
        'of = 10000\nkind = "error"\ndataset = "MNIST"\ntolerance = 20\n\n'
        '[[claim]]\nname = "error rate"\nmetric = "final_test_top1_err"\nreported = 0.92\nunit = "fraction"\n'
        'kind = "error"\ndataset = "MNIST"\ntolerance = 0.5\n')
    quick_config(mnist_project)
    ran = cli("replicate", "run", MNIST_PAPER.arxiv_id, "--config", "quick")
    assert ran.exit_code == 0, ran.stderr
    assert "No claim is judged on these runs: fake data" in ran.stderr
    assert db_rows(lib, "SELECT status FROM replications") == [("scaffolded",)]  # a pipeline test moves nothing
    out = cli("replicate", "check", MNIST_PAPER.arxiv_id, "--explain")
    assert out.exit_code == 1
    assert "MATCH" not in out.stdout and "reproduced" not in out.stdout.split("Not reproduced")[0]
    assert "UNTESTED" in out.stdout and "fake data" in out.stdout
    assert db_rows(lib, "SELECT status FROM replications") == [("inconclusive",)]
    assert json.loads(cli("show", MNIST_PAPER.arxiv_id, "--json").stdout)["replication"] == "inconclusive"


def test_a_run_far_better_than_the_paper_is_better_not_a_match():
    claim = Claim("error", "final_val_err", 10.0, "percent", "lower", 1.0, kind="error", dataset="add mod 97")
    run = trained_run("r0", 0, {"final_val_err": 0.01})
    run.trained["metrics"]["final_val_err"] = ["error", "fraction", "val"]
    result = evaluate([claim], [run])
    (v,) = result.verdicts
    assert (v.verdict, v.obtained) == ("BETTER", pytest.approx(1.0))  # 10x better
    assert result.status == "inconclusive" and result.why


def test_runs_on_another_dataset_or_model_are_set_aside():
    claim = Claim("acc", "final_val_acc", 99.0, "percent", "higher", 1.0, dataset="CIFAR-10")
    result = evaluate([claim], [trained_run("r0", 0, {"final_val_acc": 0.99})])
    (v,) = result.verdicts
    assert v.verdict == "UNTESTED" and "trained on 'add mod 97'; the claim is on 'CIFAR-10'" in v.notes[0]
    claim = Claim("acc", "final_val_acc", 99.0, "percent", "higher", 1.0, dataset="add mod 97",
                  model="6-layer transformer")
    (v,) = evaluate([claim], [trained_run("r0", 0, {"final_val_acc": 0.99})]).verdicts
    assert v.verdict == "UNTESTED" and "the claim's row is '6-layer transformer'" in v.notes[0]
    claim.model = "2-layer transformer (ours)"
    assert evaluate([claim], [trained_run("r0", 0, {"final_val_acc": 0.99})]).verdicts[0].verdict == "MATCH"


@pytest.mark.parametrize(("row", "run", "same"), [
    ("ResNet-110 (1.7M)", "resnet110", True), ("ResNet 110 1.7M", "resnet110", True),
    ("ResNet", "resnet110", False), ("ResNet-20", "resnet110", False),
    ("GPT-2 1542M", "gpt", False), ("GPT (ours)", "gpt", True),
    ("RoBERTa-base LoRA r=8", "roberta-base LoRA", True), ("RoBERTa-base", "roberta-base LoRA", False),
])
def test_a_claims_row_names_the_run_s_model_word_for_word(row, run, same):
    from paperlab.replicate.measures import same_model

    assert same_model(row, run) is same


def test_a_claim_without_a_dataset_is_never_judged():
    claim = Claim("acc", "final_val_acc", 99.0, "percent", "higher", 1.0)
    (v,) = evaluate([claim], [trained_run("r0", 0, {"final_val_acc": 0.99})]).verdicts
    assert v.verdict == "UNTESTED" and "names no dataset" in v.notes[0] and "'add mod 97'" in v.notes[0]


def test_a_quantity_of_another_kind_or_split_is_set_aside():
    loss = Claim("ll", "final_val_acc", 225.0, "nats", kind="log_likelihood", dataset="add mod 97")
    (v,) = evaluate([loss], [trained_run("r0", 0, {"final_val_acc": 0.99})]).verdicts
    assert v.verdict == "UNTESTED" and "log likelihood and the metric accuracy" in v.notes[0]
    test = Claim("acc", "final_val_acc", 99.0, "percent", "higher", 1.0, dataset="add mod 97", split="test")
    (v,) = evaluate([test], [trained_run("r0", 0, {"final_val_acc": 0.99})]).verdicts
    assert v.verdict == "UNTESTED" and "test split" in v.notes[0]


def test_every_seed_run_must_match_for_reproduced():
    claim = Claim("acc", "final_val_acc", 99.0, "percent", "higher", 1.0, dataset="add mod 97")
    ok, failed = trained_run("r0", 0, {"final_val_acc": 0.99}), trained_run("r1", 1, {})
    failed.exit_status = 1
    result = evaluate([claim], [ok, failed])
    assert result.verdicts[0].verdict == "MATCH" and result.status == "partial"
    assert "1 of the 2 seed(s)" in result.why and "failed (exit 1)" in result.set_aside["r1"]
    rerun = trained_run("r2", 1, {"final_val_acc": 0.985})  # seed 1 run again replaces its failed run
    assert evaluate([claim], [ok, failed, rerun]).status == "reproduced"


def test_smoke_is_a_property_of_the_run_not_of_its_config_name():
    claim = Claim("acc", "final_val_acc", 99.0, "percent", "higher", 1.0, dataset="add mod 97")
    cut = trained_run("r0", 0, {"final_val_acc": 0.99}, config="paper")
    cut.trained["budget"].update(steps=20, config_max_steps=3000)  # --max_steps=20 on a full config
    result = evaluate([claim], [cut])
    assert result.verdicts[0].verdict == "UNTESTED"
    assert "cut short to 20 of its config's 3000 steps" in result.set_aside["r0"]
    named_smoke = trained_run("r1", 0, {"final_val_acc": 0.99}, config="smoke")  # a full run, whatever its name
    assert evaluate([claim], [named_smoke]).status == "reproduced"


def test_a_run_stopped_at_one_percent_of_the_papers_budget_is_incomplete(ran, cli):
    project = ran
    (project / "claims.toml").write_text(SMOKE_CLAIMS)
    (project / "config" / "paper.toml").write_text("max_steps = 4000\n")  # the quick runs stopped at 40
    out = cli("replicate", "check", GID, "--explain")
    assert out.exit_code == 1 and "INCOMPLETE" in out.stdout and "MATCH" not in out.stdout
    assert "1% of the paper's 4,000" in out.stdout
    (project / "config" / "paper.toml").write_text("max_steps = 40\n")
    assert cli("replicate", "check", GID).exit_code == 0


def test_libraries_checked_under_the_earlier_rules_are_rejudged_once(tmp_path, cli, monkeypatch):
    from paperlab.library import init_library
    from tests.conftest import old_schema_library

    home = tmp_path / "old"
    old_schema_library(  # the schema before this change
        home, 4, "INSERT INTO items (id, title, type, link, status, added_at) "
        "VALUES ('g', 'Grokking', 'paper', '', 'read', '2026-11-01')",
        "INSERT INTO replications VALUES ('g', 'reproduced', 'replications/g', 'then', 'then', '2 MATCH')",
        "INSERT INTO claims (item_id, name, metric, reported, scale, direction, tolerance, tolerance_kind, "
        "verdict) VALUES ('g', 'acc', 'final_val_acc', 99, 'percent', 'higher', 1, 'absolute', 'MATCH')")
    init_library(home)
    monkeypatch.setenv("PAPERLAB_HOME", str(home))
    first = cli("replicate", "list")
    assert "Note: g was 'reproduced' under the earlier rules" in first.stderr and "inconclusive" in first.stdout
    assert "Note:" not in cli("replicate", "list").stderr  # said once
    lib = Library(home)
    assert db_rows(lib, "SELECT verdict FROM claims") == [("UNTESTED",)]
    kinds = db_rows(lib, "SELECT kind, detail FROM log_entries")
    assert kinds[-1][0] == "replication:inconclusive" and "was reproduced" in kinds[-1][1]
    assert json.loads(cli("show", "g", "--json").stdout)["replication"] == "inconclusive"


def test_runs_recorded_without_run_json_are_set_aside(ran, lib, cli):
    conn = sqlite3.connect(lib.home / "paperlab.db")
    conn.execute("UPDATE runs SET trained = '{}'")  # as a run of an earlier train.py was recorded
    conn.commit()
    conn.close()
    (ran / "claims.toml").write_text(SMOKE_CLAIMS)
    out = cli("replicate", "check", GID, "--json")
    data = json.loads(out.stdout)
    assert out.exit_code == 1 and data["status"] == "inconclusive"
    assert all("no run.json" in why for why in data["set_aside"].values())


def test_the_worked_example_claims_are_bounds_and_values_on_its_dataset():
    from paperlab.replicate import claims as claims_mod

    example = Path(__file__).resolve().parents[1] / "replications" / GROKKING.arxiv_id
    claims = claims_mod.load(example / "claims.toml")
    assert {c.dataset for c in claims} == {"add mod 97"}
    assert {c.compare for c in claims} == {"value", "at-least", "at-most"}
