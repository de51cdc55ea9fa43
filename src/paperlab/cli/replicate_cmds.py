"""`paperlab replicate ...`: scaffold, claims, run, check, status, report."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from paperlab import db, library
from paperlab.cli.common import console, err_console, print_json
from paperlab.cli.common import library as get_library
from paperlab.errors import InvalidInput

app = typer.Typer(help="Replicate a paper: scaffold a project, record its claims, run, check.",
                  no_args_is_help=True)

ItemArg = Annotated[str, typer.Argument(metavar="ID")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command()
def scaffold(
    ctx: typer.Context, item_id: ItemArg,
    template: Annotated[str, typer.Option(help="Project template.")] = "default",
    force: Annotated[bool, typer.Option(help="Add missing template files to an existing project "
                                        "(never overwrites).")] = False,
) -> None:
    """Create replications/<id>/: train.py, model.py, data.py, configs, claims.toml, reproduce.sh."""
    from paperlab.replicate.scaffold import scaffold as run_scaffold

    lib = get_library(ctx)
    database = library.open_db(lib)
    dest = run_scaffold(lib, database, library.resolve_id(database, item_id), template, force)
    console.print(f"Created {dest.relative_to(lib.home)}/. Next: edit claims.toml, then "
                  f"`paperlab replicate run {item_id} --config smoke`.")


@app.command()
def claims(
    ctx: typer.Context, item_id: ItemArg,
    suggest: Annotated[bool, typer.Option("--suggest", help="Propose numbers from the paper's text.")] = False,
    accept: Annotated[str | None, typer.Option(help="Add suggestions by number, e.g. 2,5.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show claims.toml, or suggest claims from the paper's extracted text and accept some."""
    from paperlab.fsutil import atomic_write_text
    from paperlab.replicate import claims as claims_mod
    from paperlab.replicate.scaffold import replication_dir

    lib = get_library(ctx)
    database = library.open_db(lib)
    item = db.get_item(database, library.resolve_id(database, item_id))
    path = replication_dir(lib, item.id) / "claims.toml"
    if suggest or accept:
        pages = _paper_pages(database, item.id)
        found = claims_mod.suggest(pages)
        if accept:
            try:
                wanted = sorted({int(x) for x in re.split(r"[,\s]+", accept.strip()) if x})
            except ValueError as exc:
                raise InvalidInput(f"--accept takes suggestion numbers like 2,5, got '{accept}'") from exc
            by_number = {s.number: s for s in found}
            missing = [n for n in wanted if n not in by_number]
            if missing:
                raise InvalidInput(f"no suggestion numbered {missing[0]}; there are {len(found)}")
            claims_mod.load(path)  # refuse to append to a malformed file
            text = path.read_text() + "".join(claims_mod.claim_toml(by_number[n], item.version) for n in wanted)
            atomic_write_text(path, text)
            claims_mod.load(path)
            console.print(f"Added {len(wanted)} claim(s) to {path.relative_to(lib.home)}; set each "
                          "metric to the key your train.py writes.")
            return
        if as_json:
            print_json([asdict(s) for s in found])
            return
        table = Table(header_style="bold", title=f"Candidate claims in {item.title}")
        for col in ("#", "Metric", "Value", "Page", "Context"):
            table.add_column(col, overflow="fold")
        for s in found:
            table.add_row(str(s.number), s.metric, f"{s.value:g}{s.unit}", str(s.page), s.context)
        console.print(table if found else "No numbers next to metric words were found.")
        if found:
            console.print(f"Accept some with `paperlab replicate claims {item_id} --accept 1,3`.")
        return
    current = claims_mod.load(path)
    if as_json:
        print_json([asdict(c) for c in current])
        return
    table = Table(header_style="bold")
    for col in ("Name", "Metric", "Reported", "Direction", "Tolerance", "Source"):
        table.add_column(col, overflow="fold")
    for c in current:
        unit = "%" if c.scale == "percent" else ""
        table.add_row(c.name, c.metric, f"{c.reported:g}{unit}", c.direction,
                      f"{c.tolerance:g} ({c.tolerance_kind})", c.source)
    console.print(table)


def _paper_pages(database, item_id: str) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    pages = db.paper_pages(database, item_id)
    if not pages:
        raise InvalidInput(f"{item_id} has no extracted text; run `paperlab index {item_id}` first")
    return pages


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(
    ctx: typer.Context, item_id: ItemArg,
    config: Annotated[str, typer.Option(help="config/<name>.toml")] = "default",
    seeds: Annotated[int, typer.Option(help="Number of runs, seeds 0..N-1.")] = 1,
    nproc: Annotated[int, typer.Option(help="Processes per run (torchrun when above 1).")] = 1,
    executor: Annotated[str, typer.Option(help="local, submitit-local or slurm.")] = "local",
    as_json: JsonOpt = False,
) -> None:
    """Run train.py once per seed and record each run. Extra --key=value pass to train.py."""
    from paperlab.replicate.runs import run as run_runs

    lib = get_library(ctx)
    database = library.open_db(lib)
    resolved = library.resolve_id(database, item_id)
    step_re = re.compile(r"^step\s+(\d+)")
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[last]}"),
                  TimeElapsedColumn(), console=err_console, transient=True, disable=as_json) as bars:
        tasks: dict[int, TaskID] = {}

        def on_line(seed: int, line: str) -> None:
            if seed not in tasks:
                tasks[seed] = bars.add_task(f"seed {seed}", total=None, last="")
            match = step_re.match(line)
            bars.update(tasks[seed], completed=int(match.group(1)) if match else None,
                        last=line.strip()[:70])

        results = run_runs(lib, database, resolved, config=config, seeds=seeds, nproc=nproc,
                           executor=executor, overrides=list(ctx.args), on_line=on_line)
    if as_json:
        print_json([asdict(r) for r in results])
    else:
        table = Table(header_style="bold")
        for col in ("Run", "Seed", "Exit", "Duration (s)", "Device", "Final metrics"):
            table.add_column(col, overflow="fold")
        for r in results:
            shown = ", ".join(f"{k}={v:.4g}" for k, v in r.metrics.items()
                              if isinstance(v, float) and k.startswith("final_"))
            table.add_row(r.run_id, str(r.seed), str(r.exit_status), f"{r.duration_s:.1f}", r.device, shown)
        console.print(table)
    failed = [r for r in results if r.exit_status != 0]
    if failed:
        err_console.print(f"Error: {len(failed)} run(s) failed; see "
                          f"replications/{resolved}/{failed[0].run_dir}/train.log", soft_wrap=True)
        raise typer.Exit(1)


@app.command()
def check(
    ctx: typer.Context, item_id: ItemArg,
    config: Annotated[str | None, typer.Option(help="Only runs of this config (default: the latest "
                                               "run's).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare the runs with each claim; exit code 0 only when every claim matches."""
    from paperlab.replicate.check import check as run_check
    from paperlab.replicate.check import shown

    lib = get_library(ctx)
    database = library.open_db(lib)
    verdicts, status, used = run_check(lib, database, library.resolve_id(database, item_id), config)
    if as_json:
        print_json({"status": status, "runs": [r["id"] for r in used],
                    "claims": [{**asdict(v.claim), "obtained": v.obtained, "obtained_std": v.obtained_std,
                                "n_runs": v.n_runs, "difference": v.difference, "allowed": v.allowed,
                                "verdict": v.verdict} for v in verdicts]})
    else:
        table = Table(header_style="bold", title=f"{len(used)} run(s): {status}")
        for col in ("Claim", "Reported", "Obtained", "Difference", "Tolerance", "Verdict"):
            table.add_column(col, overflow="fold")
        colours = {"MATCH": "green", "CLOSE": "yellow", "MISS": "red", "MISSING": "magenta"}
        for v in verdicts:
            c = v.claim
            unit = "%" if c.scale == "percent" else ""
            obtained = "-" if v.obtained is None else f"{shown(v.obtained, c)}{unit} ± {shown(v.obtained_std, c)}"
            table.add_row(c.name, f"{c.reported:g}{unit}", obtained, shown(v.difference, c),
                          f"{shown(v.allowed, c)} ({c.direction})",
                          f"[{colours[v.verdict]}]{v.verdict}[/]")
        console.print(table)
    if any(v.verdict != "MATCH" for v in verdicts):
        raise typer.Exit(1)


@app.command()
def status(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List every replication with its status and number of runs."""
    lib = get_library(ctx)
    reps = db.list_replications(library.open_db(lib))
    if as_json:
        print_json(reps)
        return
    if not reps:
        console.print("No replications yet; start one with `paperlab replicate scaffold ID`.")
        return
    table = Table(header_style="bold")
    for col in ("ID", "Title", "Status", "Runs", "Last check", "Updated"):
        table.add_column(col, overflow="fold")
    for r in reps:
        table.add_row(r["item_id"], r["title"], r["status"], str(r["runs"]), r["summary"], r["updated_at"][:16])
    console.print(table)


@app.command()
def report(
    ctx: typer.Context, item_id: ItemArg,
    config: Annotated[str | None, typer.Option(help="Only runs of this config.")] = None,
) -> None:
    """Write replications/<id>/report.md with learning curves and reported-vs-obtained plots."""
    from paperlab.replicate.report import report as run_report

    lib = get_library(ctx)
    database = library.open_db(lib)
    path = run_report(lib, database, library.resolve_id(database, item_id), config)
    console.print(f"Wrote {path.relative_to(lib.home)}")
