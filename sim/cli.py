"""Command line: `ipc-sim run | validate | report | params | calibrate | sensitivity | explore`.

Exit status: 0 done; 2 bad input or usage, one line per problem on stderr naming the file and
field, no traceback, nothing written; 1 an unexpected failure. A bare `ipc-sim` (no command) is a
usage error: it prints the help, with examples, on stderr and exits 2.
"""

from __future__ import annotations

import argparse
import signal
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from sim.errors import InputError, Problem
from sim.limits import MAX_HORIZON_DAYS, MAX_REPLICATES, MAX_SEED, MAX_WORKERS

if TYPE_CHECKING:
    import pandas as pd

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
MAX_PROBLEM_LINES = 50  # a batch of broken files is fixed from the top; thousands of lines help nobody
OUTPUTS = Path("outputs")
DEFAULT_BASELINE = "baseline"
DEFAULT_PORT = 8501  # Streamlit's own default
LOCALHOST = "127.0.0.1"
MAX_PORT = 65535


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2 like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError([Problem("command line", "", message)])


def _bounded(name: str, value: int, problems: list[Problem], low: int, high: int) -> None:
    if value < low:
        problems.append(Problem("command line", f"--{name}", f"must be >= {low}, got {value}"))
    elif value > high:
        problems.append(Problem("command line", f"--{name}", f"must be <= {high:,}, got {value:,}"))


# Real commands on the shipped files, shown by `ipc-sim --help` (tests/test_cli_basics.py parses
# every one with this parser and checks that the files it names exist in the checkout).
EXAMPLES = """\
examples:
  ipc-sim validate scenarios/baseline.yaml scenarios/at_scale.yaml
  ipc-sim run scenarios/baseline.yaml scenarios/at_scale.yaml --reps 20 --out outputs/my-run --report
  ipc-sim report outputs/my-run
  ipc-sim params --format markdown
  ipc-sim calibrate calibration/stockton.yaml --out outputs/calibration
  ipc-sim sensitivity calibration/sensitivity.yaml --out outputs/sensitivity

`ipc-sim COMMAND --help` describes a command's options. The README explains the outputs;
docs/references.md lists the sources behind every parameter.
"""


def package_version() -> str:
    """The installed distribution's version (pyproject.toml's), or 'unknown' from a bare checkout."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ipc-sim")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ipc-sim",
        description=__doc__.splitlines()[0],
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ipc-sim {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run scenarios x replicates and write the output contract")
    run.add_argument("scenarios", nargs="+", metavar="SCENARIO.yaml")
    run.add_argument("--reps", type=int, default=10, help="replicates per scenario (default 10)")
    run.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    run.add_argument("--out", help="output folder (default: a new folder in outputs/)")
    run.add_argument(
        "--force", action="store_true", help="replace the run already in --out (only ipc-sim's own files)"
    )
    run.add_argument("--workers", type=int, default=2, help="local processes; 1 runs in-process")
    run.add_argument("--dask", metavar="ADDR", help="Dask scheduler address, or 'local'")
    run.add_argument("--days", type=int, help="override every scenario's horizon_days")
    run.add_argument(
        "--baseline", help="scenario the differences are against (default: the one named 'baseline')"
    )
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    run.add_argument("--report", action="store_true", help="also write DIR/report.html")
    run.add_argument(
        "--headline",
        metavar="SCENARIO",
        help="the scenario the report's executive summary is about (default at_scale)",
    )
    run.add_argument("--docx", action="store_true", help="with --report, also write DIR/board_pack.docx")
    run.add_argument(
        "--sensitivity",
        type=Path,
        metavar="DIR",
        help="an `ipc-sim sensitivity` folder whose top drivers the report shows",
    )
    run.add_argument(
        "--waterfall",
        metavar="SCENARIO",
        help="also run SCENARIO with each lever taken out, and attribute its effect to each lever",
    )
    run.add_argument(
        "--events",
        action="store_true",
        help="also write DIR/events.parquet: one row per person-level event (README, 'Reading the outputs')",
    )
    run.add_argument(
        "--parameters",
        metavar="SOURCE",
        action="append",
        help=(
            "parameters per replicate from: prior (calibration/priors.yaml), a prior file, a posterior"
            " CSV; repeat to combine (the first source with a parameter draws it)"
        ),
    )

    _settings_arguments(run)

    validate = sub.add_parser("validate", help="check scenario files; write nothing")
    validate.add_argument("scenarios", nargs="+", metavar="SCENARIO.yaml")
    _settings_arguments(validate)

    report = sub.add_parser("report", help="write DIR/report.html and DIR/figures/ from a run")
    report.add_argument("folder", type=Path, metavar="DIR")
    report.add_argument(
        "--headline",
        metavar="SCENARIO",
        help="the scenario the executive summary is about (default at_scale, else the first non-baseline)",
    )
    report.add_argument(
        "--docx", action="store_true", help="also write DIR/board_pack.docx (a Word board pack)"
    )

    calibrate = sub.add_parser("calibrate", help="ABC-SMC calibration of priors to targets (resumable)")
    calibrate.add_argument("config", type=Path, metavar="CONFIG.yaml")
    calibrate.add_argument("--out", type=Path, required=True, help="folder for the posterior and diagnostics")
    calibrate.add_argument("--workers", type=int, default=2, help="local processes; 1 runs in-process")
    calibrate.add_argument("--dask", metavar="ADDR", help="Dask scheduler address")

    sensitivity = sub.add_parser("sensitivity", help="Morris then Sobol sensitivity of an effect (resumable)")
    sensitivity.add_argument("config", type=Path, metavar="CONFIG.yaml")
    sensitivity.add_argument("--out", type=Path, required=True, help="folder for the tables and the tornado")
    sensitivity.add_argument("--workers", type=int, default=2, help="local processes; 1 runs in-process")
    sensitivity.add_argument("--dask", metavar="ADDR", help="Dask scheduler address, or 'local'")
    sensitivity.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    explore = sub.add_parser("explore", help="the browser explorer: set up, run and compare scenarios")
    explore.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    explore.add_argument("--runs", type=Path, default=OUTPUTS, help="the runs folder (default outputs/)")
    explore.add_argument(
        "--address", default=LOCALHOST, help=f"address to listen on (default {LOCALHOST}: this machine only)"
    )

    params = sub.add_parser("params", help="list every parameter with range, unit and source")
    params.add_argument("--format", choices=("table", "csv", "markdown"), default="table")
    return parser


def _settings_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        dest="settings",
        help=(
            "set KEY in every scenario, as its file would (repeatable): a parameter (phb.uptake=0.3),"
            " a lever's setting (care_planning.target_plans=1500), population.size, horizon_days"
        ),
    )
    parser.add_argument(
        "--grid",
        metavar="KEY=V1,V2,...",
        action="append",
        help=(
            "run every scenario but the baseline at each combination of these values (repeatable;"
            " keys as --set), each point paired with the baseline"
        ),
    )


def _scenarios(args: argparse.Namespace) -> list:
    """The scenarios named, with every `--set` put over them and every grid expanded into its
    points (`sim.sweep`); InputError with every problem at once."""
    from sim.scenario import load_scenarios
    from sim.settings import parse_sets
    from sim.sweep import expand, parse_grid

    settings, problems = parse_sets(args.settings)
    axes, wrong = parse_grid(args.grid)
    if problems + wrong:
        raise InputError(problems + wrong)
    scenarios = load_scenarios(args.scenarios, settings)
    names = [s.name for s in scenarios]
    baseline = getattr(args, "baseline", None) or (DEFAULT_BASELINE if DEFAULT_BASELINE in names else None)
    if baseline not in names:  # an unknown --baseline is reported by `run`; vary every scenario
        baseline = None
    return expand(args.scenarios, scenarios, settings, axes, baseline)


def cmd_validate(args: argparse.Namespace) -> int:
    scenarios = _scenarios(args)
    for s in scenarios:
        print(f"{s.source}: ok ({s.name}, {s.population_size:,} people, {s.horizon_days} days)")
        for line in s.headcount_lines():
            print(line)
    return EXIT_OK


def cmd_params(args: argparse.Namespace) -> int:
    """Every parameter; costs with the figure as published, its price year and the uplift. The
    default table cuts long sources to fit a terminal; csv and markdown print every source and
    note in full, for a paper's appendix or a spreadsheet (docs/references.md resolves the keys)."""
    import pandas as pd

    from sim.params import registry_table
    from sim.prices import price_year

    table = pd.DataFrame(registry_table())
    if args.format == "csv":
        sys.stdout.write(table.to_csv(index=False))
    elif args.format == "markdown":
        sys.stdout.write(_markdown(table, f"uplift to {price_year()}"))
    else:
        columns = ["name", "value", "low", "high", "unit", "price_year", "original", "uplift", "source"]
        shown = table[columns].astype({"original": object, "uplift": object})
        for column, fmt in (("original", "{:g}"), ("uplift", "{:.6f}")):
            shown[column] = [fmt.format(v) if pd.notna(v) else "" for v in table[column]]
        print(shown.to_string(index=False, max_colwidth=SOURCE_WIDTH, float_format="{:g}".format))
        print(
            f"\nCosts are in {price_year()} prices: value = original (as published, in its price year)"
            " x uplift (PSSRU HCHS/NHSCII index, sim/data/price_index.yaml)."
            f"\nSources are cut at {SOURCE_WIDTH} characters here: `ipc-sim params --format markdown`"
            " (or csv) prints them in full with their notes; each [key] is an entry of docs/references.md."
        )
    return EXIT_OK


SOURCE_WIDTH = 60  # the default table's widest column, so that a row fits a wide terminal


def _cell(value: object) -> str:
    """A markdown table cell: a pipe inside the text is escaped and a line break is a space."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _markdown(table: pd.DataFrame, uplift: str) -> str:
    """The registry as one GitHub-flavoured pipe table, every source and note in full."""
    head = ["name", "value", "low", "high", "unit", "price year", "original", uplift, "source", "note"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in table.itertuples():
        money = ["", "", ""]
        if row.price_year:
            money = [row.price_year, f"{row.original:.10g}", f"{row.uplift:.6f}"]
        numbers = [f"{v:.10g}" for v in (row.value, row.low, row.high)]
        cells = [row.name, *numbers, row.unit, *money, row.source, row.note]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM and SIGHUP stop a run like Ctrl-C: workers are stopped, finished tasks kept."""
    raise KeyboardInterrupt


def _run_problems(args: argparse.Namespace) -> list[Problem]:
    problems: list[Problem] = []
    _bounded("reps", args.reps, problems, 1, MAX_REPLICATES)
    _bounded("workers", args.workers, problems, 1, MAX_WORKERS)
    _bounded("seed", args.seed, problems, 0, MAX_SEED)
    if args.days is not None:
        _bounded("days", args.days, problems, 1, MAX_HORIZON_DAYS)
    if args.out is not None and not args.out.strip():
        problems.append(Problem("command line", "--out", "must not be empty (leave it out for a new folder)"))
    return problems


def cmd_run(args: argparse.Namespace) -> int:
    import pandas as pd

    from sim.batch import combine, combine_sites, event_files, make_executor, make_tasks, run_tasks
    from sim.outputs import manifest, write_run
    from sim.priors import draw_table, load_parameter_sources, parameter_manifest
    from sim.run_folder import RunFolder, default_folder, run_identity
    from sim.site_results import summarise_sites
    from sim.summary import Valuation, interval_kind, milestone_rows, milestones, summarise
    from sim.targets import baseline_check

    problems = _run_problems(args)
    try:
        scenarios = _scenarios(args)
    except InputError as exc:
        problems += exc.problems
        scenarios = []
    names = [s.name for s in scenarios]
    if args.baseline is not None and scenarios and args.baseline not in names:
        problems.append(
            Problem("command line", "--baseline", f"no scenario named {args.baseline!r} in {names}")
        )
    priors = None
    if args.parameters is not None:
        try:
            priors = load_parameter_sources(args.parameters)
        except InputError as exc:
            problems += exc.problems
    problems += _draw_problems(scenarios, args.reps, priors)
    if args.waterfall is not None and scenarios:
        problems += _waterfall_problems(scenarios, args.waterfall, args.baseline)
    if args.headline is not None and scenarios:
        baseline_name = args.baseline or ("baseline" if "baseline" in names else None)
        if args.headline not in names or args.headline == baseline_name:
            problems.append(
                Problem(
                    "command line", "--headline", f"no scenario besides the baseline named {args.headline!r}"
                )
            )
    if (args.headline is not None or args.docx) and not args.report:
        problems.append(Problem("command line", "--headline/--docx", "need --report"))
    sensitivity = {}
    if args.sensitivity is not None:
        from sim.sensitivity import read_tables

        try:
            sensitivity = read_tables(args.sensitivity)
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    if args.waterfall is not None:
        from sim.waterfall import without_scenarios

        scenarios += without_scenarios(next(s for s in scenarios if s.name == args.waterfall))
    if args.days is not None:
        scenarios = [s.with_horizon(args.days) for s in scenarios]
    if priors is not None:
        draws = {r: priors.draw(args.seed, r) for r in range(args.reps)}
        scenarios = [s.with_draws(priors.source, priors.sha256, draws) for s in scenarios]
    baseline = args.baseline or (DEFAULT_BASELINE if DEFAULT_BASELINE in names else None)
    tasks = make_tasks(scenarios, args.reps, args.seed, events=args.events)
    _print_plan(scenarios)
    executor = make_executor(min(args.workers, len(tasks)), args.dask)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    executor.open()  # an executor that cannot start fails here, before any folder is touched
    try:
        out = Path(args.out) if args.out else default_folder(OUTPUTS, names)
        inputs = [Path(p) for s in scenarios for p in s.chain]
        identity = run_identity(scenarios, args.reps, args.seed, baseline)
        with RunFolder.open(out, identity, inputs, force=args.force):
            try:
                frames = run_tasks(tasks, out, executor, progress=not args.no_progress)
            except KeyboardInterrupt:
                print(
                    f"interrupted: finished tasks are saved in {out}; run the same command to resume",
                    file=sys.stderr,
                )
                return 130
            daily = combine(tasks, frames)
            sizes = {s.name: s.population_size for s in scenarios}
            valuations = {s.name: Valuation.of(s.params) for s in scenarios}
            parameters = parameter_manifest(scenarios, priors)
            kind = interval_kind(parameters)
            summary = summarise(daily, sizes, baseline, valuations, kind)
            reached = milestones(
                daily,
                {s.name: s.targets() for s in scenarios if s.targets()},
                {s.name: s.hold_tolerance() for s in scenarios},
                kind,
            )
            summary = pd.concat([summary, milestone_rows(reached, kind)], ignore_index=True)
            sites = combine_sites(tasks, frames)
            extra = {"sites.csv": summarise_sites(sites, kind)}
            if not reached.empty:
                extra["milestones.csv"] = reached
            sweeps = {s.name: s.sweep for s in scenarios if s.sweep is not None}
            if sweeps:
                from sim.sweep import sweep_table

                extra["sweep.csv"] = sweep_table(summary, sweeps)
            if baseline is not None:
                extra["baseline_check.csv"] = baseline_check(daily[daily["scenario"] == baseline], kind=kind)
            info = manifest(scenarios, args.reps, args.seed, executor.label, baseline, args.events)
            info["parameters"] = parameters
            if args.waterfall is not None:
                from sim.summary import per_replicate
                from sim.waterfall import waterfall

                chosen = next(s for s in scenarios if s.name == args.waterfall)
                reps = per_replicate(daily, sizes, valuations)
                extra["waterfall.csv"] = waterfall(reps, chosen, baseline, kind)
            extra.update(sensitivity)
            draws = draw_table(scenarios)
            if not draws.empty:
                extra["parameter_draws.csv"] = draws
            events = event_files(tasks, out) if args.events else None
            write_run(out, scenarios, daily, summary, info, extra, sites, events)
            _print_results(out, tasks, scenarios, args.reps, reached, extra)
            print(f"intervals: {info['parameters']['intervals']}")
            _print_events(out, tasks, args.events)
            if args.report:
                from sim.report import write_report

                page = write_report(out, locked=True, headline=args.headline, docx=args.docx)
                print(f"\nreport: {page}")
                if args.docx:
                    print(f"board pack: {out / 'board_pack.docx'}")
    finally:
        executor.close()
    return EXIT_OK


def _waterfall_problems(scenarios, name: str, baseline: str | None) -> list[Problem]:
    from sim.waterfall import enabled_levers

    names = [s.name for s in scenarios]
    if name not in names:
        return [Problem("command line", "--waterfall", f"no scenario named {name!r} in {names}")]
    if (baseline or DEFAULT_BASELINE) not in names:
        return [Problem("command line", "--waterfall", "needs the baseline scenario in the run")]
    if not enabled_levers(next(s for s in scenarios if s.name == name)):
        return [Problem("command line", "--waterfall", f"{name!r} has no lever switched on")]
    return []


def _draw_problems(scenarios, reps: int, priors) -> list[Problem]:
    """Draws come from one place: `--parameters`, or the resolved files of an earlier run."""
    problems = []
    for s in scenarios:
        carried = s.parameter_draws
        if carried is None:
            continue
        if priors is not None:
            message = "already holds a run's draws; leave out --parameters"
            problems.append(Problem(s.source, "parameter_draws", message))
        elif missing := [r for r in range(reps) if r not in carried["replicates"]]:
            message = f"has no draw for replicate {missing[0]}: run at most {len(carried['replicates'])}"
            problems.append(Problem(s.source, "parameter_draws", message))
    return problems


def _print_plan(scenarios) -> None:
    """What will run, with the staff, groups and targets the levers will use (never a surprise)."""
    for s in scenarios:
        sites = s.resolved_sites
        where = f"{len(sites)} site" + ("s" if len(sites) > 1 else "")
        print(f"{s.name}: {s.population_size:,} people, {where}, {s.horizon_days} days")
        for line in s.headcount_lines():
            print(line)


def _print_results(out, tasks, scenarios, reps, reached, extra) -> None:
    print(f"wrote {len(tasks)} tasks ({len(scenarios)} scenarios x {reps} replicates) to {out}")
    for row in reached.itertuples():
        print(milestone_line(row))
    if "baseline_check.csv" in extra:
        check = extra["baseline_check.csv"]
        print("\nbaseline against public figures (model mean [95% interval] | public range):")
        for row in check.itertuples():
            public = f"{row.public_low:g}-{row.public_high:g}" if row.within is not None else "none"
            flag = "" if row.within is None else ("  ok" if row.within else "  OUTSIDE")
            print(
                f"  {row.figure:38s} {row.model_mean:8.3f} [{row.model_lo95:.3f}, {row.model_hi95:.3f}]"
                f" | {public}{flag}"
            )


def _spread(mean: float, low: float, high: float) -> str:
    """A mean with its range over replicates, or the one value when they all agree."""
    shown = f"{mean:,.1f}" if mean != round(mean) and abs(mean) < 100 else f"{mean:,.0f}"
    return shown if low == high else f"{shown} (range {low:,.0f}-{high:,.0f})"


def milestone_line(row) -> str:
    """One milestone (a row of milestones.csv) as a sentence: the day reached, and where some
    replicates fall short, how many reach it, when, and how far short the others end."""
    from sim.summary import RANGE

    within = f" (within {row.hold_tolerance:.0%})" if row.hold_tolerance else ""
    if row.status == "reached":
        when = (
            f"first reached on day {row.days_mean:.0f} [{row.days_lo95:.0f}, {row.days_hi95:.0f}], then held"
            f" on {row.held_share_mean:.0%} of days"
        )
    else:
        others = row.replicates - row.replicates_reached
        if row.replicates_reached:
            days = _spread(*(getattr(row, f"reached_day_{stat}") for stat in RANGE))
            when = (
                f"reached by {row.replicates_reached} of {row.replicates} replicates, first on day {days};"
                f" the other {others} end with"
            )
        else:
            when = f"reached by none of {row.replicates} replicates, which end with"
        live = _spread(*(getattr(row, f"unreached_live_end_{stat}") for stat in RANGE))
        short = _spread(*(getattr(row, f"unreached_shortfall_{stat}") for stat in RANGE))
        when += f" {live} live, {short} short of it"
    return (
        f"{row.scenario}: {row.target:g} {row.of}{within}: {when}; live at the end"
        f" {row.live_end_mean:.0f}, started {row.started_mean:.0f}, ended {row.ended_mean:.0f}"
    )


def _print_events(out: Path, tasks, wanted: bool) -> None:
    """Where the event log is, or where the kept event files are when it was not asked for."""
    from sim.batch import event_files
    from sim.outputs import EVENTS_DATASET

    if wanted:
        import pyarrow.dataset as ds

        rows = ds.dataset(out / EVENTS_DATASET, format="parquet").count_rows()
        print(f"events: {out / EVENTS_DATASET} ({rows:,} rows)")
        return
    kept = sum(path.exists() for path in event_files(tasks, out))
    if kept:
        print(
            f"note: no {EVENTS_DATASET} without --events; the event logs of {kept} of {len(tasks)} tasks "
            "are kept in .tasks/events/ and a rerun with --events uses them"
        )


def cmd_report(args: argparse.Namespace) -> int:
    from sim.report import write_report

    page = write_report(args.folder, headline=args.headline, docx=args.docx)
    print(f"report: {page}")
    if args.docx:
        print(f"board pack: {args.folder / 'board_pack.docx'}")
    return EXIT_OK


def cmd_explore(args: argparse.Namespace) -> int:
    """Serve the explorer with Streamlit: offline (no usage statistics, its own static files),
    on this machine only unless --address says otherwise, uploads capped like scenario files."""
    import os

    from sim.explorer import app_path

    problems: list[Problem] = []
    _bounded("port", args.port, problems, 1, MAX_PORT)
    if args.runs.exists() and not args.runs.is_dir():
        problems.append(Problem("command line", "--runs", f"{args.runs} exists and is not a folder"))
    if problems:
        raise InputError(problems)
    args.runs.mkdir(parents=True, exist_ok=True)
    options = {
        "server.address": args.address,
        "server.port": str(args.port),
        "server.headless": "true",  # print the address; never open a browser on a server
        "server.maxUploadSize": "1",  # MB: a scenario file is at most 1 MB (sim.yaml_reader)
        "server.fileWatcherType": "none",
        "browser.gatherUsageStats": "false",  # nothing leaves the machine
        "global.developmentMode": "false",
        "client.toolbarMode": "minimal",  # no "Deploy" button: the explorer is local
    }
    flags = [item for name, value in options.items() for item in (f"--{name}", value)]
    argv = [sys.executable, "-m", "streamlit", "run", str(app_path()), *flags]
    argv += ["--", "--runs", str(args.runs.resolve())]
    print(
        f"ipc-sim explorer: http://{args.address}:{args.port} (runs in {args.runs.resolve()});"
        " Ctrl-C stops it",
        flush=True,
    )
    os.execv(sys.executable, argv)  # Streamlit takes over this process: Ctrl-C and signals reach it
    return EXIT_FAILURE  # not reached


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.calibrate import calibrate, load_calibration

    problems: list[Problem] = []
    _bounded("workers", args.workers, problems, 1, MAX_WORKERS)
    try:
        calibration = load_calibration(args.config)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    try:
        info = calibrate(calibration, args.out, workers=args.workers, dask=args.dask)
    except KeyboardInterrupt:
        print(
            f"interrupted: finished generations are kept in {args.out}; run the same command to resume",
            file=sys.stderr,
        )
        return 130
    print(
        f"calibration: {info['generations']} generations, {info['simulations']:,} simulations;"
        f" posterior in {args.out / 'posterior.csv'}, fit in {args.out / 'fit.csv'}"
    )
    return EXIT_OK


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from sim.sensitivity import analyse, load_sensitivity

    problems: list[Problem] = []
    _bounded("workers", args.workers, problems, 1, MAX_WORKERS)
    try:
        sensitivity = load_sensitivity(args.config)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    try:
        info = analyse(
            sensitivity, args.out, workers=args.workers, dask=args.dask, progress=not args.no_progress
        )
    except KeyboardInterrupt:
        print(
            f"interrupted: finished points are kept in {args.out}; run the same command to resume",
            file=sys.stderr,
        )
        return 130
    print(
        f"sensitivity: {info['simulations']:,} simulations; Morris in {args.out / 'morris.csv'},"
        f" Sobol ({', '.join(info['sobol_parameters']) or 'none'}) in {args.out / 'sobol.csv'}"
    )
    return EXIT_OK


COMMANDS = {
    "run": cmd_run,
    "validate": cmd_validate,
    "params": cmd_params,
    "report": cmd_report,
    "calibrate": cmd_calibrate,
    "explore": cmd_explore,
    "sensitivity": cmd_sensitivity,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:  # a bare `ipc-sim`: show what it can do, as a usage error
        sys.stderr.write(build_parser().format_help())
        return EXIT_BAD_INPUT
    try:
        args = build_parser().parse_args(argv)
        if args.command == "run" and args.workers > 1 and args.dask is None and not _run_problems(args):
            from sim.worker_pool import start_worker_server

            start_worker_server()  # it loads the model while this process does
        return COMMANDS[args.command](args)
    except InputError as exc:
        for problem in exc.problems[:MAX_PROBLEM_LINES]:
            print(problem, file=sys.stderr)
        if len(exc.problems) > MAX_PROBLEM_LINES:
            print(f"... and {len(exc.problems) - MAX_PROBLEM_LINES:,} more problems", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:  # the disk, not the program: one line, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"ipc-sim: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except Exception:  # an unexpected failure: keep the traceback for the bug report
        traceback.print_exc()
        return EXIT_FAILURE


if __name__ == "__main__":
    raise SystemExit(main())
