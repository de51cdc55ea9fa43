"""`paperlab replicate ...`: scaffold, claims, run, check, status, report."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Annotated

import typer

from paperlab.cli.render import console, err_console, print_json, table, working
from paperlab.cli.render import library as get_library
from paperlab.errors import InvalidInput

app = typer.Typer(help="Replicate a paper: scaffold a project, record its claims, run, check.",
                  no_args_is_help=True)

ItemArg = Annotated[str, typer.Argument(metavar="ID")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command()
def templates(as_json: JsonOpt = False) -> None:
    """List the project templates (task families) and the words that make scaffold pick each."""
    from paperlab.replicate.scaffold import templates as all_templates

    found = all_templates()
    if as_json:
        print_json([{"name": t.name, "description": t.description, "requires": t.requires,
                     "evidence": t.evidence} for t in found.values()])
        return
    console.print(table(("Template", "What it trains", "Picked when the paper says"), [
        (t.name, t.description, ", ".join(sorted(t.evidence, key=lambda w: -t.evidence[w])[:6]))
        for t in found.values()]))


@app.command()
def gaps(ctx: typer.Context, item_id: ItemArg, as_json: JsonOpt = False) -> None:
    """What a run needs that the paper does not state: every key of the project's config, from the
    paper (its page), missing (and where to look), not taken (read for another experiment), or not a paper's."""
    from paperlab.replicate.gaps import gaps as find_gaps

    found = find_gaps(get_library(ctx), item_id)
    if as_json:
        print_json(found)
        return
    console.print(table(("Key", "Run uses", "Status", "Where"),
                        [(g.key, str(g.value), g.status, g.where) for g in found]))
    unset = sum(g.status in ("missing", "not taken") for g in found)
    console.print(f"{unset} setting(s) the run takes were not set from the paper's text: the run uses the "
                  "template's value for them." if unset else "paperlab found every setting the run takes in "
                  "the paper's text.", soft_wrap=True)


@app.command()
def rubric(ctx: typer.Context, item_id: ItemArg, as_json: JsonOpt = False) -> None:
    """Grade the replication on PaperBench's kind of rubric, from the project's real state: the
    paper's settings in the runs' config, runs writing each claim's metric, each claim matched. Writes
    replications/<id>/rubric.json."""
    from paperlab.replicate.rubric import write

    lib = get_library(ctx)
    graded, path = write(lib, item_id)
    if as_json:
        print_json(graded.to_dict())
        return
    for branch in graded.sub_tasks:
        console.print(f"[bold]{branch.requirements}[/bold] (weight {branch.weight}): {branch.score:.0%}, "
                      f"{branch.explanation}")
        for leaf in branch.sub_tasks:
            page = leaf.source.split(":")[0] if leaf.source else "no source"
            console.print(f"  {leaf.score:g}  {leaf.requirements} [{page}]", markup=False)
            console.print(f"       {leaf.explanation}", markup=False, style="dim")
    console.print(f"Rubric score: {graded.score:.0%}" + (f" ({graded.explanation})" if graded.explanation else "")
                  + f"; wrote {lib.relative(path)}")


@app.command()
def estimate(
    ctx: typer.Context, item_id: ItemArg,
    config: Annotated[str, typer.Option(help="Which config/NAME.toml the run would use.")] = "default",
    gpu: Annotated[list[str] | None, typer.Option("--gpu", help="A GPU to price it on (repeat it): H100, "
                                                  "A100, V100, RTX4090, L4, T4, ...")] = None,
    utilization: Annotated[float, typer.Option(help="The share of the GPU's peak the run reaches.")] = 0.4,
    as_json: JsonOpt = False,
) -> None:
    """What a run will cost before it starts: parameters, FLOPs of one step counted on one batch,
    total FLOPs, memory, and GPU-hours at a stated share of each GPU's peak."""
    from paperlab.replicate.estimate import estimate as run_estimate

    lib = get_library(ctx, show_progress=not as_json)
    with working(lib):
        found = run_estimate(lib, item_id, config=config, gpus=gpu, utilization=utilization)
    if as_json:
        print_json(found)
        return
    mem = found.memory_bytes
    step = f"{found.flops_per_step / 1e9:,.2f} GFLOP forward and backward, batch {found.batch_size}"
    if found.tokens_per_step and found.six_n_t:
        step += (f" ({found.tokens_per_step:,} tokens; 6 x parameters x tokens = {found.six_n_t / 1e9:,.2f} GFLOP, "
                 f"{found.flops_per_step / found.six_n_t:.2f}x)")
    rows = [
        ("Project", f"replications/{found.item_id}, config {found.config} (task {found.task})"),
        ("Data for the count", found.data),
        ("Parameters", f"{found.parameters:,} ({found.trainable:,} trained)"),
        ("One step", step),
        ("The run", f"{found.max_steps:,} steps: {found.total_flops:.3g} FLOP"),
        ("Memory, one process", f"weights {mem['weights'] / 2**20:,.1f} MiB, gradients "
         f"{mem['gradients'] / 2**20:,.1f} MiB, optimizer {mem['optimizer'] / 2**20:,.1f} MiB, "
         "activations kept for backward "
         f"{mem['activations'] / 2**20:,.1f} MiB (float32; bfloat16 autocast about halves them)"),
        *[(f"{g.gpu} ({g.peak_tflops:g} TFLOP/s)", f"{g.hours:,.3g} GPU-hours at {found.utilization:.0%} of peak")
          for g in found.gpu_hours],
    ]
    console.print(table(("", "Estimate"), rows))


@app.command()
def scaffold(
    ctx: typer.Context, item_id: ItemArg,
    template: Annotated[str | None, typer.Option(help="Project template (default: the one that fits the "
                                                 "paper's text; see `paperlab replicate templates`).")] = None,
    force: Annotated[bool, typer.Option(help="Add missing template files to an existing project "
                                        "(never overwrites).")] = False,
) -> None:
    """Create replications/<id>/ from the template that fits the paper: train.py, task.py, configs,
    claims.toml, reproduce.sh."""
    from paperlab.replicate.scaffold import scaffold as run_scaffold

    lib = get_library(ctx)
    done = run_scaffold(lib, item_id, template, force)
    console.print(f"Template {done.choice.template.name}: {done.choice.reason}.", soft_wrap=True)
    for caveat in done.choice.caveats:
        console.print(f"Note: {caveat}.", soft_wrap=True)
    if not done.created:
        console.print(f"Added the missing template files to {lib.relative(done.path)}/ (none overwritten).")
        return
    console.print(f"Created {lib.relative(done.path)}/. Next: add the paper's numbers to claims.toml, then "
                  f"`paperlab replicate run {item_id} --config smoke`.", soft_wrap=True)


CLAIM_ACTIONS = ("show", "suggest", "accept")


@app.command(context_settings={"help_option_names": ["-h", "--help"]})
def claims(
    ctx: typer.Context,
    action: Annotated[str, typer.Argument(metavar="show|suggest|accept", help="show ID, suggest ID, or "
                                          "accept ID 2,5")],
    args: Annotated[list[str] | None, typer.Argument(metavar="ID [NUMBERS]", show_default=False)] = None,
    metric: Annotated[str | None, typer.Option(help="With accept: the metrics.json key to check them "
                                               "against (default: the template's key for their metric).")] = None,
    every: Annotated[bool, typer.Option("--all", help="With suggest: every candidate, not the first 40.")] = False,
    suggest: Annotated[bool, typer.Option("--suggest", hidden=True)] = False,
    accept: Annotated[str | None, typer.Option(hidden=True)] = None,
    as_json: JsonOpt = False,
) -> None:
    """The paper's numbers: `claims show ID` (claims.toml), `claims suggest ID` (candidates from the
    paper's tables and sentences), `claims accept ID 2,5` (add candidates by number)."""
    rest = list(args or [])
    if action not in CLAIM_ACTIONS:  # the earlier spelling: claims ID [--suggest | --accept N]
        old = "--suggest" if suggest else f"--accept {accept}" if accept else ""
        new = "suggest" if suggest else "accept" if accept else "show"
        err_console.print(f"Note: `replicate claims ID {old}` is now `replicate claims {new} ID"
                          f"{' ' + accept if accept else ''}`; the old spelling goes in the next release.",
                          soft_wrap=True)
        action, rest = new, [action, *([accept] if accept else [])]
    if not rest:
        raise InvalidInput(f"`replicate claims {action}` needs an item id, e.g. `paperlab replicate claims "
                           f"{action} 1512.03385{' 2,5' if action == 'accept' else ''}`")
    item_id = rest[0]
    if action == "accept":
        _accept(ctx, item_id, " ".join(rest[1:]), metric)
    elif action == "suggest":
        _suggest(ctx, item_id, as_json, every)
    else:
        _show_claims(ctx, item_id, as_json)


def _accept(ctx: typer.Context, item_id: str, numbers: str, metric: str | None) -> None:
    from paperlab.replicate import claims as claims_mod

    lib = get_library(ctx)
    try:
        wanted = sorted({int(x) for x in re.split(r"[,\s]+", numbers.strip()) if x})
    except ValueError as exc:
        raise InvalidInput(f"accept takes suggestion numbers like 2,5, got '{numbers}'") from exc
    if not wanted:
        raise InvalidInput(f"say which suggestions to accept, e.g. `paperlab replicate claims accept {item_id} 2,5`")
    path, added = claims_mod.accept(lib, item_id, wanted, metric)
    skipped = f" ({len(wanted) - added} already there)" if added < len(wanted) else ""
    console.print(f"Added {added} claim(s) to {lib.relative(path)}{skipped}. Read each one: its dataset, "
                  "split and row decide which runs it is judged on.", soft_wrap=True)


def _suggest(ctx: typer.Context, item_id: str, as_json: bool, every: bool) -> None:
    from paperlab.replicate import claims as claims_mod
    from paperlab.replicate.suggest import MAX_CANDIDATES

    item, everything = claims_mod.suggest_for(get_library(ctx), item_id)
    found = everything if every else everything[:MAX_CANDIDATES]
    if as_json:
        print_json(found)
        return
    rows = [(str(s.number), s.metric, f"{s.value:g}{s.unit}" + (f" ± {s.std:g}" if s.std is not None else ""),
             str(s.page), s.dataset or "?", s.source, s.context) for s in found]
    console.print(table(("#", "Metric", "Value", "Page", "Dataset", "Source", "Context"), rows,
                        title=f"Candidate claims in {item.title}")
                  if found else "No numbers next to metric words were found.")
    if found:
        example = ",".join(str(s.number) for s in found[:2])
        more = len(everything) - len(found)
        console.print((f"{more} more candidate(s) rank below these: `--all` shows every one. " if more else "")
                      + f"Accept some with `paperlab replicate claims accept {item_id} {example}`.", soft_wrap=True)


def _show_claims(ctx: typer.Context, item_id: str, as_json: bool) -> None:
    from paperlab.replicate import claims as claims_mod

    current = claims_mod.current(get_library(ctx), item_id)
    if as_json:
        print_json(current)
        return
    console.print(table(("Claim", "Metric", "Reported", "Dataset", "Tolerance"), [
        (f"{c.name}\n{c.source}" if c.source and c.source not in c.name else c.name, c.metric, c.stated,
         c.dataset or "(none)", f"{c.tolerance:g} {c.tolerance_kind}, {c.direction}") for c in current]))


@app.command()
def hparams(ctx: typer.Context, item_id: ItemArg, as_json: JsonOpt = False) -> None:
    """The training setup the paper's text and tables state: learning rate, batch size, optimizer,
    schedule, warmup, length, model sizes..., each with its page, sentence (or cell) and experiment."""
    from paperlab.replicate.settings import for_item

    item, found = for_item(get_library(ctx), item_id)
    if as_json:
        print_json(found)
        return
    if not found:
        console.print(f"No training setup found in the text of {item.id}.")
        return
    console.print(table(("Setting", "Value", "Page", "Experiment", "Sentence"), [
        (h.name, f"{h.value:g}" if isinstance(h.value, float) else h.value, ", ".join(map(str, h.pages)), h.setup,
         h.sentence[:160]) for h in found], title=f"The setup stated in {item.title}"))


@app.command()
def tables(
    ctx: typer.Context, item_id: ItemArg, as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="One line per cell.")] = False,
) -> None:
    """The paper's captioned tables as rows and columns (headers, values, ± parts, bold cells)."""
    from rich.markup import escape

    from paperlab.replicate.tables import column_groups, for_item, to_csv

    item, found = for_item(get_library(ctx), item_id)
    if as_json or as_csv:
        print_json(found) if as_json else print(to_csv(found), end="")
        return
    if not found:
        console.print(f"No captioned table found in the text of {item.id}.")
    for t in found:
        groups = column_groups(t, console.width)
        for part in groups:  # a table wider than the terminal, a group of columns at a time
            title = f"Table {t.number}, p. {t.page}" + (f" ({t.metric})" if t.metric else "") + (
                f" (columns {part[0] + 1}-{part[-1] + 1} of {len(t.columns)})" if len(groups) > 1 else "")
            console.print(table(("Row", *(escape(t.columns[i] or f"col {i + 1}") for i in part)), [
                (escape(r.label), *(f"[bold]{escape(r.cells[i].text)}[/bold]" if r.cells[i].bold
                                    else escape(r.cells[i].text) for i in part)) for r in t.rows], title=title))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(
    ctx: typer.Context, item_id: ItemArg,
    config: Annotated[str, typer.Option(help="config/<name>.toml")] = "default",
    seeds: Annotated[int, typer.Option(help="Number of runs, seeds 0..N-1.")] = 1,
    nproc: Annotated[int, typer.Option(help="Processes per run (torchrun when above 1).")] = 1,
    executor: Annotated[str, typer.Option(help="local, submitit-local or slurm.")] = "local",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Start even a job estimated above "
                                      "run_confirm_gpu_hours without asking.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run train.py once per seed and record each run, after saying what the job will cost (it asks
    above the run_confirm_gpu_hours setting). Extra --key=value pass to train.py."""
    from paperlab.replicate.estimate import before_run
    from paperlab.replicate.runs import run as run_runs

    lib = get_library(ctx, show_progress=not as_json)
    with working(lib):
        cost = before_run(lib, item_id, config, seeds, assume_yes=yes, overrides=list(ctx.args))
    (err_console if as_json else console).print(cost)
    with working(lib):
        results = run_runs(lib, item_id, config=config, seeds=seeds, nproc=nproc, executor=executor,
                           overrides=list(ctx.args))
    if as_json:
        print_json(results)
    else:
        console.print(table(("Run", "Seed", "Exit", "Time (s)", "Device", "Final metrics"), [
            (r.run_id, str(r.seed), str(r.exit_status), f"{r.duration_s:.1f}", r.device,
             "\n".join(f"{k.removeprefix('final_')} {v:.4g}" for k, v in r.metrics.items()
                       if isinstance(v, float) and k.startswith("final_")))
            for r in results]))
    from paperlab.replicate.check import pipeline_test

    tests = {why for r in results if r.exit_status == 0 and (why := pipeline_test(r.trained))}
    if tests and not as_json:
        err_console.print(f"No claim is judged on these runs: {'; '.join(sorted(tests))}.", soft_wrap=True)
    failed = [r for r in results if r.exit_status != 0]
    if failed:
        log_path = lib.replication_dir(lib.resolve_id(item_id)) / failed[0].run_dir / "train.log"
        err_console.print(f"Error: {len(failed)} run(s) failed; see {lib.relative(log_path)}", soft_wrap=True)
        raise typer.Exit(1)


@app.command()
def check(
    ctx: typer.Context, item_id: ItemArg,
    config: Annotated[str | None, typer.Option(help="Only runs of this config (default: the latest "
                                               "run's).")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Per claim: the runs compared, the runs set "
                                          "aside and why.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Compare the runs with each claim; exit code 0 only when the paper is reproduced (every claim
    MATCH on every seed run)."""
    from paperlab.replicate.check import VERDICT_COLUMNS, rechecked, verdict_rows
    from paperlab.replicate.check import check as run_check
    from paperlab.replicate.check import explain as explain_lines

    lib = get_library(ctx)
    _say_rechecked(rechecked(lib))
    result = run_check(lib, item_id, config)
    if as_json:
        print_json({"status": result.status, "why": result.why, "config": result.config,
                    "runs": [r.id for r in result.runs], "set_aside": result.set_aside,
                    "claims": [{**asdict(v.claim), "obtained": v.obtained, "obtained_std": v.obtained_std,
                                "n_runs": v.n_runs, "difference": v.difference, "allowed": v.allowed,
                                "verdict": v.verdict, "compared": v.used, "notes": v.notes}
                               for v in result.verdicts]})
    else:
        colours = {"MATCH": "green", "BETTER": "cyan", "CLOSE": "yellow", "MISS": "red", "INCOMPLETE": "magenta",
                   "MISSING": "magenta", "UNTESTED": "magenta"}
        rows = [[*row[:-1], f"[{colours[row[-1]]}]{row[-1]}[/]"] for row in verdict_rows(result.verdicts)]
        console.print(table(VERDICT_COLUMNS, rows, title=f"{len(result.runs)} run(s): {result.status}"))
        if explain:
            console.print("\n".join(explain_lines(result)), markup=False, highlight=False, soft_wrap=True)
        elif result.why:
            console.print(f"Not reproduced: {result.why}. `--explain` says which runs were compared and why "
                          "others were set aside.", markup=False, soft_wrap=True)
    if result.status != "reproduced":
        raise typer.Exit(1)


def _say_rechecked(changed: dict[str, str]) -> None:
    """The one-time notice (on stderr, so --json stays clean) that an upgrade re-judged replications."""
    for item_id, was in changed.items():
        err_console.print(f"Note: {item_id} was '{was}' under the earlier rules; its runs do not record what "
                          "they trained on, so it is now 'inconclusive' until runs of the current train.py "
                          "are checked.", soft_wrap=True)


@app.command("status", hidden=True)
def status_old(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The earlier name of `replicate list`."""
    err_console.print("Note: `replicate status` is now `replicate list`; the old name goes in the next release.")
    list_replications(ctx, as_json)


@app.command("list")
def list_replications(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List every replication with its status and number of runs."""
    from paperlab.replicate.check import rechecked
    from paperlab.replicate.runs import replications

    lib = get_library(ctx)
    _say_rechecked(rechecked(lib))
    reps = replications(lib)
    if as_json:
        print_json(reps)
        return
    if not reps:
        console.print("No replications yet; start one with `paperlab replicate scaffold ID`.")
        return
    console.print(table(("ID", "Title", "Status", "Runs", "Last check", "Updated"), [
        (r.item_id, r.title, r.status, str(r.runs), r.summary, r.updated_at[:16].replace("T", " "))
        for r in reps]))


@app.command()
def report(
    ctx: typer.Context, item_id: ItemArg,
    config: Annotated[str | None, typer.Option(help="Only runs of this config.")] = None,
) -> None:
    """Write replications/<id>/report.md with learning curves and reported-vs-obtained plots."""
    from paperlab.replicate.report import report as run_report

    lib = get_library(ctx)
    path = run_report(lib, item_id, config)
    console.print(f"Wrote {lib.relative(path)}")
