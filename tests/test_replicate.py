"""Replication: scaffold, claims, runs (local, submitit, torchrun), checks, report; honest verdicts
and status (no claims, smoke runs, interrupted and failed runs, missing metrics)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from paperlab.config import Settings
from paperlab.errors import ClaimsError
from paperlab.library import Library, init_library
from paperlab.log.items import add_file
from paperlab.models import Claim, Run
from paperlab.replicate import claims as claims_mod
from paperlab.replicate.check import judge
from paperlab.replicate.runs import run
from paperlab.replicate.scaffold import scaffold
from paperlab.retrieval.ingest import index_library
from paperlab.samples import GROKKING, write_paper_pdf
from tests.conftest import Recorder, copy_library

REPO = Path(__file__).resolve().parents[1]

SMOKE_CLAIMS = """
[paper]
arxiv_id = "grokking"
version = 1

[[claim]]
name = "validation accuracy above chance"
metric = "final_val_acc"
reported = 0.0
unit = "fraction"
kind = "accuracy"
compare = "at-least"
tolerance = 0.0
dataset = "add mod 11"

[[claim]]
name = "steps run"
metric = "steps"
reported = 40
direction = "equal"
tolerance = 0
dataset = "add mod 11"
"""

GID = GROKKING.arxiv_id  # the sample PDF is stamped with it, so it is the item's id


@pytest.fixture
def project(lib, cli, tmp_path):
    add_file(lib, write_paper_pdf(GROKKING, tmp_path / "g.pdf"), title="Grokking")
    cli("index")
    result = cli("replicate", "scaffold", GID)
    assert result.exit_code == 0, result.stderr
    return lib.replications_dir / GID


def quick_config(project: Path) -> None:
    """A small config of the user's own (not a smoke config, so its runs count): the smoke setup."""
    (project / "config" / "quick.toml").write_text((project / "config" / "smoke.toml").read_text())


@pytest.fixture(scope="module")
def quick_library(tmp_path_factory):
    """A library with the Grokking sample scaffolded, claims added, and two runs (seeds 0 and 1) of a
    quick config recorded: trained once per module, copied into each test that reads runs (`ran`)."""
    folder = tmp_path_factory.mktemp("quick")
    init_library(folder / "library")
    lib = Library(folder / "library", Settings.from_mapping({"embedding_model": "hash:256"}))
    add_file(lib, write_paper_pdf(GROKKING, folder / "g.pdf"), title="Grokking")
    index_library(lib)
    project = scaffold(lib, GID).path
    (project / "claims.toml").write_text(SMOKE_CLAIMS)
    quick_config(project)
    results = run(lib, GID, config="quick", seeds=2)
    assert [r.exit_status for r in results] == [0, 0]
    lib.close()
    return lib.home


@pytest.fixture
def ran(lib, quick_library):
    copy_library(quick_library, lib.home)
    return lib.replications_dir / GID


def db_rows(lib, sql):
    conn = sqlite3.connect(lib.home / "paperlab.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_scaffold_creates_a_project(project, lib, cli):
    for name in ("train.py", "task.py", "config/default.toml", "config/smoke.toml", "claims.toml",
                 "README.md", "reproduce.sh", "check.py", "requirements.txt"):
        assert (project / name).exists(), name
    readme = (project / "README.md").read_text()
    assert "# Replication: Grokking" in readme and "Template: **algorithmic**" in readme
    assert "'modular addition'" in readme  # why this template
    assert (project / "reproduce.sh").stat().st_mode & 0o111
    assert db_rows(lib, "SELECT status FROM replications") == [("scaffolded",)]
    # the user's edits are never overwritten
    (project / "train.py").write_text("# mine\n")
    (project / "task.py").unlink()
    assert cli("replicate", "scaffold", GID).exit_code == 1
    assert cli("replicate", "scaffold", GID, "--force").exit_code == 0
    assert (project / "train.py").read_text() == "# mine\n" and (project / "task.py").exists()
    result = cli("replicate", "scaffold", GID, "--template", "nope")
    assert result.exit_code == 2 and "unknown template 'nope'" in result.stderr


def test_runs_are_recorded_and_checked(ran, lib, cli):
    project = ran
    runs = db_rows(lib, "SELECT seed, config, exit_status, device, metrics, run_dir FROM runs ORDER BY seed")
    assert [(r[0], r[1], r[2]) for r in runs] == [(0, "quick", 0), (1, "quick", 0)]
    metrics = json.loads(runs[0][4])
    assert metrics["steps"] == 40 and 0.0 <= metrics["final_val_acc"] <= 1.0
    env = json.loads((project / runs[0][5] / "env.json").read_text())
    assert env["precision"] == "float32" and env["world_size"] == 1 and env["seed"] == 0
    lines = (project / runs[0][5] / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["step"] for x in lines] == [10, 20, 30, 40]
    assert db_rows(lib, "SELECT status FROM replications") == [("running",)]
    # a claim the tiny run cannot meet (100% validation accuracy) beside one it meets: partial, exit 1
    (project / "claims.toml").write_text(SMOKE_CLAIMS.replace("reported = 0.0", "reported = 1.0"))
    out = cli("replicate", "check", GID)
    assert "run(s): partial" in out.stdout
    assert out.exit_code == 1 and "MISS" in out.stdout and "MATCH" in out.stdout
    assert db_rows(lib, "SELECT status FROM replications") == [("partial",)]
    (project / "claims.toml").write_text(SMOKE_CLAIMS)
    out = cli("replicate", "check", GID, "--json")
    assert out.exit_code == 0, out.stdout
    data = json.loads(out.stdout)
    assert data["status"] == "reproduced" and [c["verdict"] for c in data["claims"]] == ["MATCH", "MATCH"]
    assert json.loads(cli("show", GID, "--json").stdout)["replication"] == "reproduced"
    assert "- **Grokking**: reproduced" in cli("week").stdout
    assert "reproduced" in cli("replicate", "list").stdout


def test_failed_training_is_reported_and_marked(ran, lib, cli):
    before = db_rows(lib, "SELECT status, summary FROM replications")
    result = cli("replicate", "run", GID, "--config", "quick", "--no_such_key=1")
    assert result.exit_code == 1 and "run(s) failed" in result.stderr
    (run_dir, code), = db_rows(lib, "SELECT run_dir, exit_status FROM runs WHERE exit_status != 0")
    assert code == 1 and (ran / run_dir / "FAILED").exists() and not (ran / run_dir / "metrics.json").exists()
    assert db_rows(lib, "SELECT status, summary FROM replications") == before  # back to what it was


def test_submitit_local_executor(project, lib, cli):
    result = cli("replicate", "run", GID, "--config", "smoke", "--executor", "submitit-local",
                 "--max_steps=20")
    assert result.exit_code == 0, result.stderr
    assert db_rows(lib, "SELECT exit_status, json_extract(metrics, '$.steps') FROM runs") == [(0, 20)]


def test_torchrun_ddp_on_cpu(project, lib, cli):
    result = cli("replicate", "run", GID, "--config", "smoke", "--nproc", "2", "--json")
    assert result.exit_code == 0, result.stderr
    run_dir = json.loads(result.stdout)[0]["run_dir"]
    env = json.loads((project / run_dir / "env.json").read_text())
    assert env["world_size"] == 2


def test_resume_from_checkpoint(ran, lib):
    # seed 0's smoke run stopped at step 40 with a checkpoint; resuming to 60 adds only 50 and 60
    (out,) = [r[0] for r in db_rows(lib, "SELECT run_dir FROM runs WHERE seed = 0")]
    subprocess.run([sys.executable, "train.py", "--config", "config/smoke.toml", f"--out_dir={out}",
                    "--max_steps=60", "--resume=true"], cwd=ran, check=True, capture_output=True)
    steps = [json.loads(x)["step"] for x in (ran / out / "metrics.jsonl").read_text().splitlines()]
    assert steps == [10, 20, 30, 40, 50, 60]


def test_bad_run_arguments(project, cli):
    assert "no config 'huge'" in cli("replicate", "run", GID, "--config", "huge").stderr
    assert "unknown executor" in cli("replicate", "run", GID, "--executor", "k8s").stderr
    assert "no item 'nope'" in cli("replicate", "check", "nope").stderr
    shutil.rmtree(project)
    assert f"paperlab replicate scaffold {GID}" in cli("replicate", "run", GID).stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[claim]]\nname = 'a'\nmetric = 'm'\nreported = 'high'\n", "line 4: field 'reported' must be a number"),
        ("[[claim]]\nname = 'a'\nmetric = 'm'\nreported = 1\nscale = 'ratio'\n",
         "line 5: field 'scale' must be one of"),
        ("[[claim]]\nname = 'a'\nreported = 1\n", "line 1: claim #1 has no 'metric'"),
        ("[[claim]]\nname = 'a'\nmetric = 'm'\nreported = 1\ncolour = 2\n", "line 5: unknown field 'colour'"),
        ("[[claim]]\nname = 'a'\nmetric = 'm'\nreported = 120\nscale = 'percent'\n", "within 0-100"),
        ("[[claim]]\nname = 'a'\nmetric = 'm'\nreported = 1\ntolerance_kind = 'std'\n", "needs reported_std"),
        ("[[claim]\nname = 'a'\n", "claims.toml: "),
    ],
)
def test_malformed_claims_name_the_line_and_field(tmp_path, text, message):
    path = tmp_path / "claims.toml"
    path.write_text(text)
    with pytest.raises(ClaimsError, match=message):
        claims_mod.load(path)


def test_malformed_claims_through_the_cli(project, cli):
    (project / "claims.toml").write_text("[[claim]]\nname = 'a'\nmetric = 'm'\nreported = 'x'\n")
    result = cli("replicate", "check", GID)
    assert result.exit_code == 1
    assert result.stderr == "Error: claims.toml line 4: field 'reported' must be a number, got 'x'\n"


@pytest.mark.parametrize(
    ("claim", "values", "verdict"),
    [  # values in the claim's unit
        (Claim("a", "acc", 99.0, "percent", "higher", 1.0), [98.5], "MATCH"),
        (Claim("a", "acc", 99.0, "percent", "higher", 1.0), [97.5], "CLOSE"),
        (Claim("a", "acc", 99.0, "percent", "higher", 1.0), [95.0], "MISS"),
        (Claim("a", "acc", 99.0, "percent", "higher", 1.0), [100.0], "MATCH"),  # better within tolerance
        (Claim("a", "acc", 90.0, "percent", "higher", 1.0), [95.0], "BETTER"),  # better beyond it: not a match
        (Claim("a", "acc", 0.99, "fraction", "higher", 0.01), [0.985], "MATCH"),
        (Claim("a", "ppl", 20.0, "raw", "lower", 0.1, "relative"), [21.5], "MATCH"),
        (Claim("a", "ppl", 20.0, "raw", "lower", 0.1, "relative"), [23.0], "CLOSE"),
        (Claim("a", "ppl", 20.0, "raw", "lower", 0.1, "relative"), [15.0], "BETTER"),
        (Claim("a", "x", 5.0, "raw", "equal", 1.0), [3.0], "CLOSE"),
        (Claim("a", "x", 5.0, "raw", "equal", 1.0), [7.0], "CLOSE"),  # equal: worse either way
        (Claim("a", "b", 28.4, "raw", "higher", 2.0, "std", 0.2), [28.1], "MATCH"),
        (Claim("a", "b", 28.4, "raw", "higher", 2.0, "std", 0.2), [27.9], "CLOSE"),
        (Claim("a", "s", 10000, "count", "lower", compare="at-most"), [1267.0], "MATCH"),  # a stated bound
        (Claim("a", "s", 10000, "count", "lower", compare="at-most"), [12000.0], "MISS"),
        (Claim("a", "r", 2.0, "raw", "higher", compare="at-least"), [2.9], "MATCH"),
        (Claim("a", "acc", 99.0, "percent"), [], "MISSING"),
    ],
)
def test_verdicts(claim, values, verdict):
    assert judge(claim, values).verdict == verdict


def test_units_convert_only_where_nothing_is_guessed():
    from paperlab.replicate.measures import Incomparable, factor

    assert factor("percent", "fraction") == pytest.approx(100)  # a fraction of 0.9 is 90%
    assert factor("count", "fraction", of=10000) == pytest.approx(10000)  # 0.016 of 10,000 is 160 errors
    assert factor("bits", "nats") == pytest.approx(1 / 0.6931471805599453)
    with pytest.raises(Incomparable, match="add `of = N`"):
        factor("count", "fraction")
    with pytest.raises(Incomparable, match="no conversion"):
        factor("nats", "fraction")


def test_suggest_and_accept_claims(project, cli):
    listing = json.loads(cli("replicate", "claims", "suggest", GID, "--json").stdout)
    values = {(s["metric"], s["value"], s["unit"]) for s in listing}
    assert ("accuracy", 99.0, "%") in values and ("accuracy", 100.0, "%") in values
    assert all(s["page"] == 1 for s in listing)
    assert not any(s["value"] in (2.0, 3.0, 4.0) and not s["unit"] for s in listing)  # no section numbers
    number = next(s["number"] for s in listing if s["value"] == 100.0)
    assert cli("replicate", "claims", "accept", GID, str(number)).exit_code == 0
    loaded = claims_mod.load(project / "claims.toml")
    assert loaded[-1].reported == 100.0 and loaded[-1].unit == "percent" and loaded[-1].kind == "accuracy"
    assert "p. 1" in loaded[-1].source
    result = cli("replicate", "claims", "accept", GID, "999")
    assert result.exit_code == 2 and "no suggestion numbered 999" in result.stderr


def test_report_writes_markdown_and_plots(ran, lib, cli):
    project = ran
    (project / "claims.toml").write_text(SMOKE_CLAIMS)
    before = (db_rows(lib, "SELECT * FROM replications"), db_rows(lib, "SELECT count(*) FROM log_entries"))
    assert cli("replicate", "report", GID).exit_code == 0
    assert (db_rows(lib, "SELECT * FROM replications"), db_rows(lib, "SELECT count(*) FROM log_entries")) == before
    text = (project / "report.md").read_text()
    assert "| validation accuracy above chance | >= 0 |" in text and "![Learning curves" in text
    assert "compared: " in text  # which runs each claim was judged on
    for name in ("curves.png", "claims.png"):
        assert (project / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _nodes(node: dict) -> list[dict]:
    return [node, *(n for child in node["sub_tasks"] for n in _nodes(child))]


def test_rubric_is_paperbench_shaped_and_graded_from_the_runs(ran, lib, cli):
    """Setup leaves from what the runs trained with (env.json) against config/paper.toml, execution
    and result leaves from check's verdicts; the tree in PaperBench's shape, each leaf citing the paper."""
    cited = SMOKE_CLAIMS.replace('dataset = "add mod 11"', 'dataset = "add mod 11"\nsource = "p. 1: Figure 1"')
    (ran / "claims.toml").write_text(cited.replace("reported = 40", "reported = 41"))  # 40 steps run: a MISS
    result = cli("replicate", "rubric", GID, "--json")
    assert result.exit_code == 0, result.stderr
    tree = json.loads(result.stdout)
    assert json.loads((ran / "rubric.json").read_text()) == tree
    keys = {"id", "requirements", "weight", "sub_tasks", "task_category", "finegrained_task_category", "score"}
    assert all(keys <= node.keys() for node in _nodes(tree))
    branches = {b["id"]: b for b in tree["sub_tasks"]}
    leaves = {b: [n for n in _nodes(branches[b]) if not n["sub_tasks"]] for b in branches}
    assert {leaf["task_category"] for leaf in leaves["setup"]} == {"Code Development"}
    assert {leaf["task_category"] for leaf in leaves["execution"]} == {"Code Execution"}
    assert {leaf["task_category"] for leaf in leaves["results"]} == {"Result Analysis"}
    assert all(leaf["source"].startswith("p. ") for b in leaves.values() for leaf in b)  # each cites its page
    assert [leaf["score"] for leaf in leaves["results"]] == [1, 0]  # MATCH earns 1, MISS 0
    assert [leaf["score"] for leaf in leaves["execution"]] == [1, 1]
    paper = {leaf["id"].removeprefix("setup/"): leaf for leaf in leaves["setup"]}
    trained = json.loads((ran / db_rows(lib, "SELECT run_dir FROM runs")[0][0] / "env.json").read_text())["config"]
    import tomllib

    stated = tomllib.loads((ran / "config" / "paper.toml").read_text())
    assert set(paper) == set(stated)  # one leaf per setting read from the paper, no template knob
    for key, leaf in paper.items():
        assert leaf["score"] == (1 if str(trained[key]).lower() == str(stated[key]).lower()
                                 or trained[key] == stated[key] else 0), key
    for node in [tree, *branches.values()]:
        total = sum(c["weight"] for c in node["sub_tasks"])
        assert node["score"] == pytest.approx(sum(c["score"] * c["weight"] for c in node["sub_tasks"]) / total,
                                              abs=1e-4)
    assert 0 < tree["score"] < 1
    assert cli("replicate", "report", GID).exit_code == 0
    assert f"Score **{tree['score']:.0%}**" in (ran / "report.md").read_text()  # the same grade in the report


def test_rubric_without_runs_earns_nothing(project, cli):
    result = cli("replicate", "rubric", GID, "--json")
    assert result.exit_code == 0, result.stderr
    tree = json.loads(result.stdout)
    assert tree["score"] == 0
    setup = next(b for b in tree["sub_tasks"] if b["id"] == "setup")
    assert all(leaf["explanation"] == "no runs to judge" for leaf in setup["sub_tasks"])


def test_template_check_agrees_with_paperlab(ran, lib, cli):
    project = ran
    (project / "claims.toml").write_text(SMOKE_CLAIMS)
    ours = cli("replicate", "check", GID).exit_code
    run_dirs = [r[0] for r in db_rows(lib, "SELECT run_dir FROM runs")]
    theirs = subprocess.run([sys.executable, "check.py", *run_dirs], cwd=project, capture_output=True, text=True)
    assert ours == theirs.returncode == 0
    assert theirs.stdout.count("MATCH") == 2


def test_worked_example_ships_and_its_smoke_config_runs(lib, cli):
    example = REPO / "replications" / "2201.02177"
    claims = claims_mod.load(example / "claims.toml")
    assert {c.metric for c in claims} >= {"final_val_acc", "steps_to_val_acc_0.99"}
    assert "| Claim | Reported |" in (example / "README.md").read_text()
    harness = REPO / "src" / "paperlab" / "replicate" / "templates" / "harness" / "train.py"
    assert (example / "train.py").read_text() == harness.read_text()
    shutil.copytree(example, lib.replications_dir / "2201.02177",
                    ignore=shutil.ignore_patterns("runs", "*.png", "report.md"))
    proc = subprocess.run([sys.executable, "train.py", "--config", "config/smoke.toml"],
                          cwd=lib.replications_dir / "2201.02177", capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_untouched_scaffold_runs_never_move_the_status(project, lib, cli):
    quick_config(project)
    assert cli("replicate", "run", GID, "--config", "quick").exit_code == 0
    assert db_rows(lib, "SELECT status FROM replications") == [("scaffolded",)]
    result = cli("replicate", "check", GID)
    assert result.exit_code == 1 and "no claims yet" in result.stderr and "MATCH" not in result.stdout
    assert db_rows(lib, "SELECT status FROM replications") == [("scaffolded",)]


def test_interrupted_run_is_recorded_marked_and_the_status_restored(project, lib):
    (project / "claims.toml").write_text(SMOKE_CLAIMS)
    quick_config(project)

    class CtrlC(Recorder):
        def progress(self, stage: str, done: int, total: int | None, unit: str = "items", note: str = "") -> None:
            raise KeyboardInterrupt  # the user presses Ctrl-C once training prints

    lib.ui = CtrlC()
    with pytest.raises(KeyboardInterrupt):
        run(lib, GID, config="quick", seeds=2)
    (run_dir, code), = db_rows(lib, "SELECT run_dir, exit_status FROM runs")  # the second seed never started
    assert code == 130 and (project / run_dir / "INTERRUPTED").exists()
    assert not (project / run_dir / "metrics.json").exists()
    assert [p.name for p in (project / "runs").iterdir()] == [Path(run_dir).name]
    assert db_rows(lib, "SELECT status FROM replications") == [("scaffolded",)]
    kinds = [r[0] for r in db_rows(lib, "SELECT kind FROM log_entries WHERE kind LIKE 'replication:%' ORDER BY id")]
    assert kinds == ["replication:scaffolded", "replication:running", "replication:run", "replication:scaffolded"]


def test_run_ids_never_collide(project, lib):
    from paperlab.replicate.runs import _new_run

    first = _new_run(lib.db, project, "quick-s0-20261122-010203")
    second = _new_run(lib.db, project, "quick-s0-20261122-010203")
    assert first != second and (project / "runs" / first).is_dir() and (project / "runs" / second).is_dir()


def test_a_metric_missing_from_any_run_is_missing():
    from paperlab.replicate.check import evaluate

    claim = Claim("acc", "final_val_acc", 50.0, "percent", "higher", 100.0, dataset="add mod 97")
    runs = [trained_run("r0", 0, {"final_val_acc": 0.9}), trained_run("r1", 1, {"steps": 10})]
    assert evaluate([claim], runs).verdicts[0].verdict == "MISSING"
    runs[1].metrics["final_val_acc"] = float("nan")
    assert evaluate([claim], runs).verdicts[0].verdict == "MISSING"
    runs[1].metrics["final_val_acc"] = 0.8
    result = evaluate([claim], runs)
    assert result.verdicts[0].verdict == "MATCH" and result.verdicts[0].obtained == pytest.approx(85.0)


def trained_run(run_id: str, seed: int, metrics: dict, config: str = "default", **data) -> Run:
    """A run as the store returns it, with the run.json of a full run on the modular-addition data."""
    return Run(id=run_id, seed=seed, config=config, exit_status=0, run_dir=f"runs/{run_id}", metrics=metrics,
               trained={"data": {"name": "add mod 97", "kind": "generated", **data},
                        "model": {"name": "2-layer transformer"},
                        "budget": {"steps": 3000, "config_max_steps": 3000, "samples": 3000 * 512,
                                   "stopped": "max_steps"},
                        "metrics": {"final_val_acc": ["accuracy", "fraction", "val"], "steps": ["steps", "count", ""]}})


def test_accepted_claims_are_escaped(tmp_path):
    from paperlab.models import Suggestion

    context = 'with \\lambda = 0.1 the "tuned" model reaches 91.5% accuracy\ton the test set'
    text = claims_mod.claim_toml(Suggestion(1, "accuracy", 91.5, "%", 3, context), 2)
    (loaded,) = claims_mod.parse(text, tmp_path / "claims.toml")
    assert context in loaded.source and loaded.reported == 91.5 and loaded.unit == "percent"
    assert loaded.kind == "accuracy" and loaded.dataset == ""  # no benchmark named: never judged until set


def test_the_earlier_command_spellings_still_work_for_one_release(project, cli):
    old = cli("replicate", "claims", GID, "--suggest", "--json")
    assert old.exit_code == 0 and json.loads(old.stdout) == json.loads(
        cli("replicate", "claims", "suggest", GID, "--json").stdout)
    assert "is now `replicate claims suggest ID`" in old.stderr
    first = json.loads(old.stdout)[0]["number"]
    accepted = cli("replicate", "claims", GID, "--accept", str(first))
    assert accepted.exit_code == 0 and f"`replicate claims accept ID {first}`" in accepted.stderr
    assert "is now `replicate list`" in cli("replicate", "status").stderr
    assert cli("replicate", "claims", "suggest").exit_code == 2  # no id: one Error line


def test_replication_tables_fit_80_columns_without_splitting_a_number_or_a_key(ran, lib, cli, monkeypatch):
    (ran / "claims.toml").write_text(SMOKE_CLAIMS.replace(
        'name = "steps run"', 'name = "steps run"\nsource = "Table 6, row \'ResNet 110 1.7M\', column \'error (%)\', '
        'p. 7, arXiv v1: Table 6. Classification error on the CIFAR-10 test set"'))
    monkeypatch.setenv("COLUMNS", "80")
    run_id = db_rows(lib, "SELECT id FROM runs ORDER BY id")[0][0]
    outputs = {
        "run": cli("replicate", "run", GID, "--config", "quick", "--seeds", "1").stdout,
        "list": cli("replicate", "list").stdout,
    }
    # the time `list` showed, read before `check` moves it (a minute may turn in between)
    stamp = db_rows(lib, "SELECT updated_at FROM replications")[0][0][:16].replace("T", " ")
    outputs["claims"] = cli("replicate", "claims", "show", GID).stdout
    outputs["check"] = cli("replicate", "check", GID).stdout
    for name, out in outputs.items():
        assert out and max(len(line) for line in out.splitlines()) <= 80, (name, out)
    assert stamp.split()[0] in outputs["list"] and stamp.split()[1] in outputs["list"]  # the timestamp whole
    assert "final_val_acc" in outputs["claims"] and "Classification" in outputs["claims"]
    new_run = db_rows(lib, f"SELECT id FROM runs WHERE id != '{run_id}' AND seed = 0 ORDER BY id DESC")[0][0]
    assert new_run in outputs["run"] and "val_acc" in outputs["run"]


def test_progress_follows_metrics_jsonl_not_what_train_py_prints(project, lib):
    quick_config(project)
    lib.ui = recorder = Recorder()
    results = run(lib, GID, config="quick")
    assert results[0].exit_status == 0
    shown = [(stage, done, total) for stage, done, total, _ in recorder.progressed]
    assert {stage for stage, _, _ in shown} == {"seed 0"} and {total for _, _, total in shown} == {40}
    steps = [done for _, done, _ in shown]  # each line printed shows the last step metrics.jsonl holds
    assert steps == sorted(steps) and set(steps) - {0} == {10, 20, 30, 40}
    assert any("step" in note for *_, note in recorder.progressed)  # and the line itself, as a note
