"""Run a replication's train.py, one run per seed, and record each run in the database."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import tomllib

from paperlab.errors import ClaimsError, InvalidInput, ReplicationError
from paperlab.fsutil import failpoint, is_locked, process_lock, remove_empty_dir
from paperlab.library import Library
from paperlab.models import Replication, Run, RunResult
from paperlab.replicate.check import pipeline_test
from paperlab.store.items import add_log
from paperlab.store.replications import get_replication, insert_run, list_replications, run_exists, set_status
from paperlab.store.schema import Database, transaction

EXECUTORS = ("local", "submitit-local", "slurm")


class MetricsFollower:
    """The rows a run appends to its metrics.jsonl, read as they land: progress is followed in the
    file train.py writes for this, not parsed from what it prints."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0

    def new_rows(self) -> list[dict[str, Any]]:
        try:
            with self.path.open("rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return []
        complete = data[:data.rfind(b"\n") + 1]  # a row still being written waits for its newline
        self.offset += len(complete)
        rows = []
        for line in complete.decode("utf-8", errors="replace").splitlines():
            try:
                rows.append(json.loads(line))
            except ValueError:
                continue
        return [r for r in rows if isinstance(r, dict)]


def train_command(config_file: str, seed: int, out_dir: str, nproc: int, overrides: list[str]) -> list[str]:
    args = ["train.py", "--config", config_file, f"--seed={seed}", f"--out_dir={out_dir}", *overrides]
    if nproc > 1:
        return [sys.executable, "-m", "torch.distributed.run", "--standalone",
                f"--nproc_per_node={nproc}", *args]
    return [sys.executable, *args]


INTERRUPTED = 130  # the exit status recorded for a run stopped by Ctrl-C, as shells report SIGINT


def execute(cmd: list[str], cwd: str, log_path: str, on_line: Callable[[str], None] | None = None) -> int:
    """Run one training command, teeing its output into `log_path`. Picklable for submitit. If this
    process is interrupted, the training process is stopped too before the interrupt goes on."""
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, bufsize=1)
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                log.write(line)
                failpoint("replicate:training")
                if on_line:
                    on_line(line)
            return proc.wait()
        except BaseException:
            proc.terminate()  # SIGTERM: torchrun passes it on to its workers; SIGKILL would orphan them
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            raise


def _git_commit(folder: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True,
                             text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return {}


def _submitit_executor(kind: str, folder: Path, nproc: int) -> Any:
    try:
        import submitit
    except ImportError as exc:
        raise ReplicationError("the submitit executors need the optional extra: "
                               "pip install 'paperlab[slurm]'") from exc
    executor: Any
    if kind == "slurm":
        import shutil

        if shutil.which("sbatch") is None or shutil.which("srun") is None:
            raise ReplicationError("--executor slurm needs a Slurm cluster (sbatch and srun were not found "
                                   "on PATH); run it on a login node, or use --executor local")
        executor = submitit.AutoExecutor(folder=str(folder), cluster="slurm")
        executor.update_parameters(timeout_min=24 * 60, gpus_per_node=nproc, tasks_per_node=1,
                                   nodes=1, name="paperlab")
    else:
        executor = submitit.LocalExecutor(folder=str(folder))
        executor.update_parameters(timeout_min=24 * 60)
    return executor


def run(
    lib: Library, ref: str, config: str = "default", seeds: int = 1, nproc: int = 1,
    executor: str = "local", overrides: list[str] | None = None, first_seed: int = 0,
) -> list[RunResult]:
    """Run train.py once per seed and record every run. A local run's progress goes to `lib.ui`
    as the stage "seed N": its step from the rows train.py appends to metrics.jsonl, and the last
    line it printed as the note."""
    if executor not in EXECUTORS:
        raise InvalidInput(f"unknown executor '{executor}'; choose one of: {', '.join(EXECUTORS)}")
    if seeds < 1 or nproc < 1:
        raise InvalidInput("--seeds and --nproc must be at least 1")
    item_id = lib.resolve_id(ref)
    database = lib.db
    folder = lib.replication_dir(item_id)
    config_file = f"config/{config}.toml"
    if not (folder / "train.py").exists():
        raise ReplicationError(f"no replication project for {item_id}; create it with "
                               f"`paperlab replicate scaffold {item_id}`")
    if not (folder / config_file).exists():
        found = sorted(p.stem for p in (folder / "config").glob("*.toml"))
        raise InvalidInput(f"no config '{config}' in {folder.name}/config; available: {', '.join(found)}")
    overrides = overrides or []
    for o in overrides:
        if not o.startswith("--") or "=" not in o:
            raise InvalidInput(f"override '{o}' must look like --key=value")
    with process_lock(folder / RUN_LOCK, f"runs of {item_id} are already going on in another process; "
                      "wait for them (or stop them) first"):
        recover_stale(lib)
        text = (folder / config_file).read_text() + "\n".join(overrides)
        config_hash = hashlib.sha256(text.encode()).hexdigest()[:12]
        commit = _git_commit(folder)
        # a cluster executor is set up before any run folder is made: one that cannot start leaves none
        submitted = SubmititExecutor(executor, folder, nproc) if executor != "local" else None
        plans = []
        for seed in range(first_seed, first_seed + seeds):
            run_id = _new_run(database, folder, f"{config}-s{seed}-{datetime.now():%Y%m%d-%H%M%S}")
            out_dir = f"runs/{run_id}"
            plans.append((run_id, seed, out_dir, train_command(config_file, seed, out_dir, nproc, overrides)))
        steps = _max_steps(folder / config_file, overrides)

        def watch(seed: int, out_dir: str) -> Callable[[str], None]:
            follower = MetricsFollower(folder / out_dir / "metrics.jsonl")
            step = 0

            def handle(line: str) -> None:
                nonlocal step
                for row in follower.new_rows():
                    step = row.get("step", step)
                lib.ui.progress(f"seed {seed}", step, steps or None, note=line.strip())
            return handle

        runner = submitted or LocalExecutor(folder, watch)
        return _run_plans(lib, item_id, folder, plans, config, config_hash, commit, runner)


def _max_steps(config_file: Path, overrides: list[str]) -> int:
    """The steps a run of this config will take, overrides included (0 when it does not say)."""
    steps = tomllib.loads(config_file.read_text()).get("max_steps", 0)
    for o in overrides:
        if o.startswith("--max_steps="):
            steps = o.split("=", 1)[1]
    try:
        return int(steps)
    except ValueError:
        return 0


RUN_LOCK = ".running.lock"


def recover_stale(lib: Library) -> list[str]:
    """Replications a killed process left `running` go back to their status before the runs (read
    from the log); returns their ids. A live run holds RUN_LOCK, so it is never touched."""
    from paperlab.store.items import log_entries

    database = lib.db
    recovered = []
    for rep in list_replications(database):
        if rep.status != "running" or is_locked(lib.replication_dir(rep.item_id) / RUN_LOCK):
            continue
        moves = [e.to_status for e in log_entries(database, item_id=rep.item_id)
                 if e.kind.startswith("replication:") and e.to_status]
        last_running = max((i for i, s in enumerate(moves) if s == "running"), default=len(moves))
        earlier = [s for s in moves[:last_running] if s != "running"]
        back = earlier[-1] if earlier else "scaffolded"
        with lib.writing("replicate"):
            set_status(database, rep.item_id, back, detail=f"its runs were killed: back to {back}")
        recovered.append(rep.item_id)
    return recovered


Plan = tuple[str, int, str, list[str]]  # run id, seed, run folder, command


class LocalExecutor:
    """Runs the plans one after another in this process's machine, following each one's output."""

    def __init__(self, folder: Path, watch: Callable[[int, str], Callable[[str], None] | None]) -> None:
        self.folder, self.watch = folder, watch
        self.current: tuple[str, float] | None = None  # the run in progress: its id, when it started

    def results(self, plans: list[Plan]) -> Iterator[tuple[str, int, str, float, int]]:
        for run_id, seed, out_dir, cmd in plans:
            self.current = (run_id, time.time())
            try:
                code = execute(cmd, str(self.folder), str(self.folder / out_dir / "train.log"),
                               self.watch(seed, out_dir))
            except OSError as exc:
                raise ReplicationError(f"could not start {cmd[0]}: {exc.strerror or exc}") from exc
            yield run_id, seed, out_dir, self.current[1], code
            self.current = None

    def cancel(self) -> None:
        """Nothing is queued: the run in progress was stopped by `execute`."""


class SubmititExecutor:
    """Submits every plan at once (to Slurm, or to submitit's local processes), then waits for each."""

    def __init__(self, kind: str, folder: Path, nproc: int) -> None:
        self.folder = folder
        self.pool = _submitit_executor(kind, folder / "runs" / "submitit", nproc)
        self.jobs: list[tuple[str, Any]] = []
        self.current: tuple[str, float] | None = None

    def results(self, plans: list[Plan]) -> Iterator[tuple[str, int, str, float, int]]:
        start = time.time()
        self.jobs = [(run_id, self.pool.submit(execute, cmd, str(self.folder),
                                               str(self.folder / out_dir / "train.log")))
                     for run_id, _, out_dir, cmd in plans]
        for (run_id, seed, out_dir, _), (_, job) in zip(plans, list(self.jobs), strict=True):
            self.current = (run_id, start)
            try:
                code = int(job.result())
            except Exception as exc:  # submitit re-raises the job's failure as its own types
                (self.folder / out_dir / "submitit-error.txt").write_text(str(exc))
                code = 1
            self.jobs.pop(0)
            yield run_id, seed, out_dir, start, code
            self.current = None

    def cancel(self) -> None:
        for _, job in self.jobs:
            job.cancel(check=False)  # submitted jobs still queued or running


def _run_plans(
    lib: Library, item_id: str, folder: Path, plans: list[Plan], config: str, config_hash: str, commit: str,
    executor: LocalExecutor | SubmititExecutor,
) -> list[RunResult]:
    database = lib.db
    # Runs of a project with claims move the status while they run; it goes back if none of them
    # can be judged (all failed, or all only test the pipeline: fake data, cut short).
    before = get_replication(database, item_id)
    counts = _has_claims(folder)
    if counts:
        with lib.writing("replicate run"):
            set_status(database, item_id, "running", detail=f"{len(plans)} run(s) of config {config}")
    results: list[RunResult] = []
    record = partial(_record, lib, item_id, folder, config=config, config_hash=config_hash, commit=commit)
    try:
        for run_id, seed, out_dir, start, code in executor.results(plans):
            results.append(record(run_id, seed, out_dir, start=start, code=code))
    except BaseException as exc:
        interrupted = isinstance(exc, KeyboardInterrupt)
        executor.cancel()
        current = executor.current
        for run_id, seed, out_dir, _ in plans[len(results):]:
            path = folder / out_dir
            if (current and current[0] == run_id) or any(path.iterdir()):  # started: recorded and marked
                if not interrupted:
                    (path / "FAILED").write_text(f"{exc}\n")
                start = current[1] if current and current[0] == run_id else time.time()
                record(run_id, seed, out_dir, start=start, code=INTERRUPTED if interrupted else 1)
            else:
                remove_empty_dir(path)  # planned, never started
        if counts:
            _restore(lib, item_id, before, "interrupted" if interrupted else "failed to start")
        raise
    if counts and not any(r.exit_status == 0 for r in results):
        _restore(lib, item_id, before, "every run failed")
    elif counts and not any(r.exit_status == 0 and pipeline_test(r.trained) is None for r in results):
        _restore(lib, item_id, before, "its runs only test the pipeline")
    return results


def _new_run(database: Database, folder: Path, base: str) -> str:
    """A run id whose folder and row are both new: a suffix when another run took the name."""
    run_id, n = base, 2
    while True:
        if not run_exists(database, run_id):
            try:
                (folder / "runs" / run_id).mkdir(parents=True)
                return run_id
            except FileExistsError:
                pass
        run_id, n = f"{base}-{n}", n + 1


def _has_claims(folder: Path) -> bool:
    from paperlab.replicate.claims import load

    try:
        return bool(load(folder / "claims.toml"))
    except ClaimsError:
        return False


def _restore(lib: Library, item_id: str, before: Replication | None, why: str) -> None:
    """Put the replication's status back to what it was before the runs started."""
    if before is not None:
        with lib.writing("replicate run"):
            set_status(lib.db, item_id, before.status, summary=before.summary,
                       detail=f"runs {why}: back to {before.status}")




def _record(
    lib: Library, item_id: str, folder: Path, run_id: str, seed: int, out_dir: str, *,
    config: str, config_hash: str, commit: str, start: float, code: int,
) -> RunResult:
    metrics = _read_json(folder / out_dir / "metrics.json") if code == 0 else {}
    env = _read_json(folder / out_dir / "env.json")
    trained = _read_json(folder / out_dir / "run.json") if code == 0 else {}
    if code != 0:  # marked, so the folder never looks like a valid run
        marker = folder / out_dir / ("INTERRUPTED" if code == INTERRUPTED else "FAILED")
        if not marker.exists():
            marker.write_text(f"exit status {code}; see train.log\n")
    result = RunResult(run_id, seed, code, round(time.time() - start, 2), out_dir, metrics,
                       str(env.get("device_name") or env.get("device") or ""), trained)
    database = lib.db
    with lib.writing("replicate run"), transaction(database):
        insert_run(database, Run(
            id=run_id, item_id=item_id, seed=seed, config=config, config_hash=config_hash, git_commit=commit,
            device=result.device, started_at=datetime.fromtimestamp(start).astimezone().isoformat(timespec="seconds"),
            duration_s=result.duration_s, metrics=metrics, exit_status=code, run_dir=out_dir, trained=trained))
        add_log(database, item_id, "replication:run", f"{run_id} exit {code}")
    return result


def replications(lib: Library, recover: bool = True) -> list[Replication]:
    """Every replication with its status, last check and number of runs, after putting back the
    ones a killed run left `running` (unless not `recover`: a web page reads, it never writes)."""
    if recover:
        recover_stale(lib)
    return list_replications(lib.db)
