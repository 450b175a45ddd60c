"""Hostile input for the command line: malformed scenario files, bombs, special files, bad
arguments and damaged run folders. Each case says what the contract promises: its exit
status, how many lines it may print, what each line starts with, and that nothing was
written.

`tests/test_hostile_input.py` runs every case in one child process under `resource.setrlimit`
(address space and CPU time) with a per-case alarm, so a hang or a memory blow-up fails its
case instead of the machine:

    .venv/bin/python tests/hostile.py RESULTS.json
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
CASE_SECONDS = 30
SMALL = f"name: small\nextends: {BASELINE}\npopulation:\n  size: 1000\n"


@dataclass
class Case:
    """One hostile input. `files` are written into a fresh folder, which is the working folder;
    `prepare` may damage a finished run first (see `RUN_DAMAGE`)."""

    id: str
    argv: list[str]
    files: dict[str, str | bytes] = field(default_factory=dict)
    exit: int = 2
    lines: int | None = 1  # exact number of stderr lines (None: at least one)
    starts: str = ""  # every stderr line starts with this
    contains: str = ""  # some stderr line contains this
    writes_nothing: bool = True
    fifos: tuple[str, ...] = ()
    links: dict[str, str] = field(default_factory=dict)
    prepare: str = ""  # a damage from RUN_DAMAGE, applied to a copy of a finished run in ./run


def scenario(body: str, name: str = "x") -> str:
    return f"name: {name}\nextends: {BASELINE}\n{body}"


def laughs(kind: str, levels: int = 9) -> str:
    """The 'billion laughs' alias bomb (10 ** 8 strings once expanded), as lists or mappings."""
    lines = ['a0: &a0 "lol"']
    for i in range(1, levels):
        if kind == "list":
            lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
        else:
            lines.append(f"a{i}: &a{i} {{{', '.join(f'k{j}: *a{i - 1}' for j in range(10))}}}")
    return "name: bomb\n" + "\n".join(lines) + f"\ndescription: *a{levels - 1}\n"


def chain(n: int) -> dict[str, str]:
    files = {f"c{i}.yaml": f"name: c{i}\nextends: c{i + 1}.yaml\n" for i in range(n - 1)}
    files[f"c{n - 1}.yaml"] = f"name: c{n - 1}\nextends: {BASELINE}\n"
    return files


V = ["validate", "x.yaml"]
CASES: list[Case] = [
    # --- files that are not scenario files --------------------------------------------------
    Case("missing_file", ["validate", "nothere.yaml"], starts="nothere.yaml: file not found"),
    Case("a_folder", ["validate", "d"], files={"d/keep": ""}, starts="d: is a directory"),
    Case("a_fifo", ["validate", "p.yaml"], fifos=("p.yaml",), starts="p.yaml: is not a regular file"),
    Case("a_device", ["validate", "/dev/zero"], starts="/dev/zero: is not a regular file"),
    Case(
        "link_to_a_device",
        ["validate", "z.yaml"],
        links={"z.yaml": "/dev/zero"},
        contains="not a regular file",
    ),
    Case(
        "extends_a_fifo",
        V,
        files={"x.yaml": "name: x\nextends: p.yaml\n"},
        fifos=("p.yaml",),
        contains="is not a regular file",
    ),
    Case(
        "extends_dev_zero",
        V,
        files={"x.yaml": "name: x\nextends: /dev/zero\n"},
        contains="not a regular file",
    ),
    Case(
        "over_1mb", V, files={"x.yaml": "name: x\n" + "# padding\n" * 110_000}, contains="at most 1,000,000"
    ),
    Case(
        "5mb_of_unknown_keys",
        V,
        files={"x.yaml": "".join(f"k{i}: 1\n" for i in range(600_000))},
        contains="at most 1,000,000",
    ),
    Case("not_utf8", V, files={"x.yaml": b"name: x\n\xff\xfe\x00garbage"}, contains="UTF-8"),
    Case("empty_file", V, files={"x.yaml": ""}, starts="x.yaml: file is empty"),
    Case("only_comments", V, files={"x.yaml": "# nothing\n"}, contains="only comments"),
    Case("a_list", V, files={"x.yaml": "- a\n- b\n"}, contains="must be a mapping"),
    Case("a_scalar", V, files={"x.yaml": "hello\n"}, contains="must be a mapping"),
    Case("number_keys", V, files={"x.yaml": "1: x\n"}, contains="keys must be text"),
    # --- bombs and deep nesting ---------------------------------------------------------------
    Case("alias_bomb_lists", V, files={"x.yaml": laughs("list")}, contains="aliases"),
    Case("alias_bomb_mappings", V, files={"x.yaml": laughs("dict")}, contains="aliases"),
    Case(
        "alias_in_population",
        V,
        files={"x.yaml": "s: &s 5000\nname: x\npopulation: {size: *s}\n"},
        contains="aliases",
    ),
    Case("self_referencing_alias", V, files={"x.yaml": "name: x\na: &a [*a]\n"}, contains="line 2"),
    Case(
        "3000_nested_lists",
        V,
        files={"x.yaml": "name: x\nd: " + "[" * 3000 + "]" * 3000 + "\n"},
        contains="nested deeper than 32",
    ),
    Case(
        "5000_nested_mappings",
        V,
        files={"x.yaml": "name: x\nd: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n"},
        contains="nested deeper than 32",
    ),
    Case(
        "100_indented_levels",
        V,
        files={"x.yaml": "name: x\n" + "".join("  " * i + f"k{i}:\n" for i in range(100))},
        contains="nested deeper than 32",
    ),
    Case("extends_chain_of_60", ["validate", "c0.yaml"], files=chain(60), contains="more than 50 files"),
    Case("extends_chain_of_1500", ["validate", "c0.yaml"], files=chain(1500), contains="more than 50 files"),
    Case("extends_chain_of_40_is_fine", ["validate", "c0.yaml"], files=chain(40), exit=0, lines=0),
    Case(
        "extends_cycle",
        V,
        files={"x.yaml": "name: x\nextends: y.yaml\n", "y.yaml": "name: y\nextends: x.yaml\n"},
        contains="cycle in extends",
    ),
    Case(
        "extends_with_nul",
        V,
        files={"x.yaml": 'name: x\nextends: "a\\0b.yaml"\n'},
        starts="x.yaml: extends: contains a NUL",
    ),
    Case(
        "extends_missing",
        V,
        files={"x.yaml": "name: x\nextends: nothere.yaml\n"},
        contains="file not found: nothere",
    ),
    Case(
        "extends_a_folder",
        V,
        files={"x.yaml": "name: x\nextends: d\n", "d/keep": ""},
        contains="is a directory",
    ),
    Case(
        "extends_long_name",
        V,
        files={"x.yaml": "name: x\nextends: " + "a" * 5000 + ".yaml\n"},
        contains="extends",
    ),
    # --- values -------------------------------------------------------------------------------
    Case(
        "5000_digit_integer",
        V,
        files={"x.yaml": scenario("population:\n  size: " + "9" * 5000 + "\n")},
        contains="too long to read",
    ),
    Case(
        "duplicate_top_level_key",
        V,
        files={"x.yaml": scenario("horizon_days: 10\nhorizon_days: 20\n")},
        contains="duplicate key 'horizon_days'",
    ),
    Case("duplicate_name", V, files={"x.yaml": "name: a\nname: b\n"}, contains="duplicate key 'name'"),
    Case(
        "duplicate_parameter",
        V,
        files={"x.yaml": scenario("parameters:\n  hospital.beds: 1\n  hospital.beds: 2\n")},
        contains="duplicate key",
    ),
    Case(
        "name_300_characters",
        V,
        files={"x.yaml": scenario("").replace("name: x", "name: " + "n" * 300)},
        starts="x.yaml: name: must be at most 64 characters",
    ),
    Case(
        "name_with_a_path",
        V,
        files={"x.yaml": scenario("").replace("name: x", "name: ../../etc/x")},
        starts="x.yaml: name: must be letters",
    ),
    Case(
        "name_empty", V, files={"x.yaml": scenario("").replace("name: x", 'name: ""')}, starts="x.yaml: name:"
    ),
    Case(
        "description_too_long",
        V,
        files={"x.yaml": scenario("description: " + "d" * 20_000 + "\n")},
        starts="x.yaml: description: must be at most",
    ),
    Case(
        "size_1e9_is_a_number",
        V,
        files={"x.yaml": scenario("population:\n  size: 1e9\n")},
        starts="x.yaml: population.size: must be a whole number",
    ),
    Case(
        "1e308_is_a_number",
        V,
        files={"x.yaml": scenario("parameters:\n  ae.admit_base: 1.0e308\n")},
        starts="x.yaml: parameters.ae.admit_base: must be <= 1",
    ),
    Case(
        "scientific_notation_runs",
        V,
        files={"x.yaml": scenario("parameters:\n  pathway.p1_places: 4.4e2\n")},
        exit=0,
        lines=0,
    ),
    Case(
        "inf_unlimited_discharge",
        V,
        files={"x.yaml": scenario("parameters:\n  pathway.p1_places: .inf\n")},
        exit=0,
        lines=0,
    ),
    Case(
        "inf_beds",
        V,
        files={"x.yaml": scenario("parameters:\n  hospital.beds: .inf\n")},
        starts="x.yaml: parameters.hospital.beds: must be a whole number",
    ),
    Case(
        "nan_parameter",
        V,
        files={"x.yaml": scenario("parameters:\n  crisis.ae_rate: .nan\n")},
        contains="got NaN",
    ),
    Case(
        "unknown_key", V, files={"x.yaml": scenario("colour: blue\n")}, starts="x.yaml: colour: unknown key"
    ),
    Case(
        "unknown_lever",
        V,
        files={"x.yaml": scenario("interventions:\n  hypnosis: {enabled: true}\n")},
        contains="unknown key 'hypnosis'",
    ),
    Case(
        "unknown_parameter",
        V,
        files={"x.yaml": scenario("parameters:\n  hospital.bedz: 5\n")},
        contains="unknown parameter",
    ),
    Case(
        "size_as_text", V, files={"x.yaml": scenario("population:\n  size: big\n")}, contains="whole number"
    ),
    Case("horizon_fraction", V, files={"x.yaml": scenario("horizon_days: 1.5\n")}, contains="whole number"),
    Case(
        "horizon_too_long",
        V,
        files={"x.yaml": scenario("horizon_days: 1000000\n")},
        contains="must be <= 7320",
    ),
    Case(
        "population_too_small", V, files={"x.yaml": scenario("population:\n  size: 10\n")}, contains=">= 1000"
    ),
    Case("yaml_syntax", V, files={"x.yaml": "name: x\n  bad: [\n"}, contains="line "),
    Case("parameters_a_list", V, files={"x.yaml": scenario("parameters: [1, 2]\n")}, contains="parameters"),
    Case(
        "interventions_text", V, files={"x.yaml": scenario("interventions: lots\n")}, contains="interventions"
    ),
    Case(
        "phb_without_plans",
        V,
        files={"x.yaml": scenario("interventions:\n  phb: {enabled: true}\n")},
        contains="needs interventions.care_planning.enabled",
    ),
    Case(
        "shares_do_not_sum",
        V,
        files={"x.yaml": scenario("parameters:\n  frailty.share_fit: 0.9\n")},
        contains="must sum to 1",
    ),
    Case(
        "200_problems_capped",
        V,
        files={"x.yaml": scenario("parameters:\n" + "".join(f"  nope.p{i}: 1\n" for i in range(200)))},
        lines=51,
        contains="... and 150 more problems",
    ),
    # --- the command line ------------------------------------------------------------------------
    Case(
        "reps_zero", ["run", "s.yaml", "--reps", "0"], files={"s.yaml": SMALL}, starts="command line: --reps"
    ),
    Case(
        "reps_a_billion",
        ["run", "s.yaml", "--reps", "1000000000"],
        files={"s.yaml": SMALL},
        starts="command line: --reps: must be <= 10,000",
    ),
    Case(
        "reps_not_a_number",
        ["run", "s.yaml", "--reps", "many"],
        files={"s.yaml": SMALL},
        starts="command line:",
    ),
    Case(
        "days_zero", ["run", "s.yaml", "--days", "0"], files={"s.yaml": SMALL}, starts="command line: --days"
    ),
    Case(
        "days_100000",
        ["run", "s.yaml", "--days", "100000"],
        files={"s.yaml": SMALL},
        starts="command line: --days: must be <= 7,320",
    ),
    Case(
        "days_10_to_the_12",
        ["run", "s.yaml", "--days", str(10**12)],
        files={"s.yaml": SMALL},
        starts="command line: --days: must be <=",
    ),
    Case(
        "workers_zero",
        ["run", "s.yaml", "--workers", "0"],
        files={"s.yaml": SMALL},
        starts="command line: --workers",
    ),
    Case(
        "workers_1000",
        ["run", "s.yaml", "--workers", "1000"],
        files={"s.yaml": SMALL},
        starts="command line: --workers: must be <= 256",
    ),
    Case(
        "seed_negative",
        ["run", "s.yaml", "--seed", "-1"],
        files={"s.yaml": SMALL},
        starts="command line: --seed",
    ),
    Case(
        "seed_huge",
        ["run", "s.yaml", "--seed", str(10**30)],
        files={"s.yaml": SMALL},
        starts="command line: --seed",
    ),
    Case(
        "out_empty",
        ["run", "s.yaml", "--out", ""],
        files={"s.yaml": SMALL},
        starts="command line: --out: must not be empty",
    ),
    Case(
        "out_a_file",
        ["run", "s.yaml", "--out", "f"],
        files={"s.yaml": SMALL, "f": "mine"},
        contains="exists and is not a folder",
    ),
    Case(
        "out_under_a_file",
        ["run", "s.yaml", "--out", "f/sub"],
        files={"s.yaml": SMALL, "f": "mine"},
        starts="command line: --out:",
    ),
    Case(
        "out_unwritable",
        ["run", "s.yaml", "--out", "/proc/ipc-sim-run"],
        files={"s.yaml": SMALL},
        starts="command line: --out: cannot create",
    ),
    Case(
        "out_a_project_folder",
        ["run", "scenarios/baseline.yaml", "--out", ".", "--days", "5"],
        files={
            "scenarios/baseline.yaml": f"# my comments\nname: baseline\nextends: {BASELINE}\n",
            "README.md": "mine",
        },
        contains="is not empty and holds no ipc-sim run",
    ),
    Case(
        "out_a_project_folder_forced",
        ["run", "scenarios/baseline.yaml", "--out", ".", "--days", "5", "--force"],
        files={"scenarios/baseline.yaml": f"# my comments\nname: baseline\nextends: {BASELINE}\n"},
        contains="is not empty and holds no ipc-sim run",
    ),
    Case(
        "baseline_unknown",
        ["run", "s.yaml", "--baseline", "nope"],
        files={"s.yaml": SMALL},
        starts="command line: --baseline",
    ),
    Case("unknown_option", ["run", "s.yaml", "--colour"], files={"s.yaml": SMALL}, starts="command line:"),
    Case("no_scenarios", ["run"], starts="command line:"),
    Case(
        "dask_malformed",
        ["run", "s.yaml", "--dask", "::::", "--days", "5"],
        files={"s.yaml": SMALL},
        starts="command line: --dask: cannot reach a scheduler",
    ),
    Case(
        "dask_unreachable",
        ["run", "s.yaml", "--dask", "tcp://127.0.0.1:9", "--days", "5"],
        files={"s.yaml": SMALL},
        starts="command line: --dask: cannot reach a scheduler",
    ),
    # --- report on damaged run folders (./run is a finished run, then damaged) ---------------------------
    Case("report_on_a_file", ["report", "f"], files={"f": "x"}, contains="not a folder"),
    Case("report_on_nothing", ["report", "nothere"], contains="not a folder"),
    Case(
        "report_on_a_stranger",
        ["report", "d"],
        files={"d/notes.txt": "mine"},
        lines=3,
        contains="ipc-sim run",
    ),
]
RUN_DAMAGE: dict[str, Callable[[Path], None]] = {}


def damage(name: str, contains: str, lines: int | None = 1):
    """Register a damage to a finished run folder and its report case."""

    def register(fn: Callable[[Path], None]) -> Callable[[Path], None]:
        RUN_DAMAGE[name] = fn
        CASES.append(Case(f"report_{name}", ["report", "run"], contains=contains, lines=lines, prepare=name))
        return fn

    return register


def _manifest(run: Path, change: Callable[[dict], None]) -> None:
    data = json.loads((run / "manifest.json").read_text())
    change(data)
    (run / "manifest.json").write_text(json.dumps(data))


def _daily(run: Path, change: Callable) -> None:
    import pandas as pd

    frame = pd.read_parquet(run / "daily.parquet")
    change(frame).to_parquet(run / "daily.parquet", index=False)


damage("manifest_missing", "manifest.json")(lambda r: (r / "manifest.json").unlink())
damage("manifest_not_json", "not valid JSON")(lambda r: (r / "manifest.json").write_text("{nope"))
damage("manifest_no_scenarios", "scenarios")(lambda r: _manifest(r, lambda d: d.pop("scenarios")))
damage("manifest_replicates_many", "replicates")(
    lambda r: _manifest(r, lambda d: d.update(replicates="many"))
)
damage("manifest_baseline_unknown", "baseline 'nope'")(
    lambda r: _manifest(r, lambda d: d.update(baseline="nope"))
)
damage("manifest_name_escapes", "scenarios.0.name")(
    lambda r: _manifest(r, lambda d: d["scenarios"][0].update(name="../../../../etc/x"))
)
damage("manifest_seed_text", "root_seed")(lambda r: _manifest(r, lambda d: d.update(root_seed="1")))
damage("scenario_file_missing", "file not found")(lambda r: (r / "scenarios" / "baseline.yaml").unlink())
damage("scenario_file_garbage", "scenarios")(lambda r: (r / "scenarios" / "baseline.yaml").write_text("[[["))
damage("daily_truncated", "not a readable Parquet")(
    lambda r: (r / "daily.parquet").write_bytes((r / "daily.parquet").read_bytes()[:500])
)
damage("daily_garbage", "not a readable Parquet")(lambda r: (r / "daily.parquet").write_bytes(b"\x00" * 4000))
damage("daily_empty", "rows")(lambda r: _daily(r, lambda f: f.iloc[:0]))
damage("daily_short", "rows")(lambda r: _daily(r, lambda f: f.iloc[: len(f) // 2]))
damage("daily_missing_column", "lacks columns")(
    lambda r: _daily(r, lambda f: f.drop(columns=["ae_attendances"]))
)
damage("daily_a_folder", "daily.parquet")(
    lambda r: ((r / "daily.parquet").unlink(), (r / "daily.parquet").mkdir())
)
damage("summary_garbage", "summary.csv")(lambda r: (r / "summary.csv").write_bytes(b"\x00\x01\x02"))
damage("summary_missing_column", "lacks columns")(
    lambda r: (r / "summary.csv").write_text("scenario,metric,mean\nbaseline,deaths,1\n")
)
damage("summary_not_numbers", "not numbers")(lambda r: _summary_text(r))


def _summary_text(run: Path) -> None:
    import pandas as pd

    table = pd.read_csv(run / "summary.csv", dtype=str)
    table.loc[0, "mean"] = "lots"
    table.to_csv(run / "summary.csv", index=False)


damage("milestones_missing_column", "milestones.csv")(
    lambda r: (r / "milestones.csv").write_text("a,b\n1,2\n")
)
damage("check_garbage", "baseline_check.csv")(lambda r: (r / "baseline_check.csv").write_text('"\n'))


# --- running the cases ----------------------------------------------------------------------------
class CaseTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise CaseTimeout


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if not p.is_symlink() and (p.is_file() or p.is_dir())
    }


def finished_run(folder: Path) -> Path:
    """A small finished run with a baseline, a lever scenario and milestones, to damage."""
    from sim.cli import main

    (folder / "levers.yaml").write_text(
        f"name: levers\nextends: {ROOT / 'scenarios' / 'at_scale.yaml'}\npopulation:\n  size: 1000\n"
    )
    (folder / "small.yaml").write_text(SMALL.replace("name: small", "name: baseline"))
    files = [str(folder / "small.yaml"), str(folder / "levers.yaml")]
    argv = ["run", *files, "--days", "10", "--reps", "2", "--workers", "1",
            "--out", str(folder / "run"), "--no-progress"]  # fmt: skip
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(argv) == 0
    return folder / "run"


def run_case(case: Case, template: Path) -> dict:
    from sim.cli import main

    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        folder = Path(tmp)
        for name, content in case.files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
        for name in case.fifos:
            os.mkfifo(folder / name)
        for name, target in case.links.items():
            (folder / name).symlink_to(target)
        if case.prepare:
            shutil.copytree(template, folder / "run")
            RUN_DAMAGE[case.prepare](folder / "run")
        before = _tree(folder)
        err, out = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        cwd = os.getcwd()
        os.chdir(folder)
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(CASE_SECONDS)
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                status: int | str = main(case.argv)
        except CaseTimeout:
            status = "timeout"
        except MemoryError:
            status = "out of memory"
        except BaseException as exc:  # noqa: BLE001 - a case must never escape main
            status = f"escaped: {type(exc).__name__}: {exc}"
        finally:
            signal.alarm(0)
            os.chdir(cwd)
        seconds = time.perf_counter() - start
        after = _tree(folder)
    return {
        "case": asdict(case) | {"files": sorted(case.files)},
        "status": status,
        "stderr": err.getvalue().splitlines(),
        "seconds": seconds,
        "written": sorted(set(after) - set(before))
        + sorted(k for k in before if k in after and after[k] != before[k]),
    }


def main(out: str) -> None:
    import mesa  # noqa: F401 - loaded once, as the CLI would

    with tempfile.TemporaryDirectory(prefix="hostile-run-") as tmp:
        template = finished_run(Path(tmp))
        results = [run_case(case, template) for case in CASES]
    Path(out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
