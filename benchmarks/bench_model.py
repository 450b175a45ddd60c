"""Time one replicate of the baseline scenario at several cohort sizes, one core each.

Every (size, repeat) runs in a fresh child process, pinned to one CPU with
`os.sched_setaffinity(0, {CPU})` and OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=1, so the figures
are one-core figures and the peak RSS (`resource.getrusage(...).ru_maxrss`) belongs to that
size alone. The child reports model set-up seconds (synthetic population, components,
Mesa agents), run seconds (`model.run()` over the horizon), agent-days per second
(people x days / run seconds) and peak RSS.

    .venv/bin/python benchmarks/bench_model.py                       # 12k, 120k, 1M x 365 days
    .venv/bin/python benchmarks/bench_model.py --sizes 12000 --repeat 5 --json out.json
    .venv/bin/python benchmarks/bench_model.py --profile 1000000     # 60 days: phases + cProfile
    .venv/bin/python benchmarks/bench_model.py --scenario scenarios/at_scale.yaml --sizes 12000

`--profile SIZE` runs two models of SIZE people for 60 days in one pinned child: the first
with a wall-clock timer around each phase of `IPCModel.step` (no profiler, so the shares are
not distorted), the second under cProfile, printing the top 25 entries by cumulative time
(and the top 15 by own time).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
DEFAULT_SIZES = (12_000, 120_000, 1_000_000)
DAYS = 365
PROFILE_DAYS = 60
SEED = 20170901
CHILD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# --- machine and code identity ------------------------------------------------------------------
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def sim_hash() -> str:
    """sha256 (12 hex digits) of sim/*.py: another engineer may be editing sim/ between runs."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "sim").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def code_identity() -> dict[str, str]:
    """Git commit, whether sim/ differs from it, and a hash of the sim/*.py actually run."""

    def git(*args: str) -> str:
        try:
            out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
        except (OSError, subprocess.CalledProcessError):
            return ""
        return out.stdout.strip()

    return {
        "git_commit": git("rev-parse", "--short", "HEAD") or "unknown",
        "sim_dirty": "yes" if git("status", "--porcelain", "--", "sim") else "no",
        "sim_sha256": sim_hash(),
    }


def machine() -> dict[str, object]:
    import mesa
    import numpy
    import simpy

    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "mesa": mesa.__version__,
        "simpy": simpy.__version__,
        "loadavg_at_start": os.getloadavg(),
        **code_identity(),
    }


# --- the child process --------------------------------------------------------------------------
def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def pin(cpu: int) -> None:
    os.sched_setaffinity(0, {cpu})
    for key, value in CHILD_ENV.items():
        if os.environ.get(key) != value:
            raise SystemExit(f"child expects {key}={value} in its environment (set before numpy)")


def build_model(size: int, days: int, scenario_file: Path = BASELINE):
    from sim.model import IPCModel
    from sim.params import REGISTRY
    from sim.scenario import Scenario, load_scenario

    base = load_scenario(scenario_file)
    # A cohort larger than one site's eligible population is spread over registry-sized sites
    # (`sites: auto`), as a planner would run it: one hospital cannot serve 120,000 of them.
    sites = "auto" if size > REGISTRY["site.eligible"].value else base.sites
    scenario = Scenario(**{**base.__dict__, "population_size": size, "horizon_days": days, "sites": sites})
    return IPCModel(scenario, replicate=0, root_seed=SEED)


def child_time(size: int, days: int, scenario_file: Path) -> dict[str, object]:
    """One replicate: set-up, run, peak memory, and a few annual totals as a sanity check."""
    import sim.model  # noqa: F401  (import cost is not part of set-up)

    code = sim_hash()
    rss_after_import = peak_rss_mb()
    t0 = time.perf_counter()
    model = build_model(size, days, scenario_file)
    t1 = time.perf_counter()
    cpu1 = cpu_seconds()
    model.run()
    t2 = time.perf_counter()
    cpu2 = cpu_seconds()
    rss = peak_rss_mb()
    totals = model.recorder.frame().sum(numeric_only=True)
    return {
        "size": size,
        "days": days,
        "setup_s": t1 - t0,
        "run_s": t2 - t1,
        "agent_days_per_s": size * days / (t2 - t1),
        "peak_rss_mb": rss,
        "rss_after_import_mb": rss_after_import,
        "cpu_over_wall": (cpu2 - cpu1) / (t2 - t1),  # < ~0.97: the core was shared
        "sim_sha256": code,
        "cpu_affinity": sorted(os.sched_getaffinity(0)),
        "totals": {
            k: float(totals[k])
            for k in ("crises", "ae_attendances", "emergency_admissions", "deaths", "dtoc_days")
            if k in totals
        },
    }


class PhaseTimer:
    """Wall-clock totals for methods the model calls each day (instance attributes shadow them)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, owner: object, attr: str, label: str) -> None:
        method = getattr(owner, attr, None)
        if method is None:
            return
        self.seconds[label] = 0.0
        self.calls[label] = 0
        clock = time.perf_counter

        def timed(*args, **kwargs):
            start = clock()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds[label] += clock() - start
                self.calls[label] += 1

        setattr(owner, attr, timed)


# (owner path from the model, method, label, nested-in label or None)
PHASES = (
    ("demography", "step", "demography (deaths, frailty)", None),
    ("health", "refresh", "health.refresh (stable hazard)", None),
    ("rehab", "step", "pulmonary rehab (usual care)", None),
    ("health", "step", "health.step (crisis hazard clock)", None),
    ("carers", "step", "carers (strain, breakdowns)", None),
    ("routing", "_managed_at_home", "crises managed at home", None),
    ("routing.planner", "plan", "attendance plan (vectorised draws)", None),
    ("hospital.core", "admit_plan", "hospital: create SimPy processes", "hospital: day"),
    ("hospital", "step", "hospital: day (slots, background beds, SimPy run, apply)", None),
    ("hospital.core", "run_until", "SimPy env.run to end of day", "hospital: day"),
    ("hospital", "_apply", "apply hospital day (discharge lists)", "hospital: day"),
    ("social_care", "step", "social care: packages for today's discharges", None),
    ("", "_record", "record metrics (every component's report)", None),
)


def child_profile(size: int, days: int, scenario_file: Path) -> dict[str, object]:
    import cProfile
    import io
    import pstats

    import sim.model  # noqa: F401

    # 1. phase wall-clock, no profiler
    t0 = time.perf_counter()
    model = build_model(size, days, scenario_file)
    setup = time.perf_counter() - t0
    timer = PhaseTimer()
    for owner_path, attr, label, _ in PHASES:
        owner = model
        for part in filter(None, owner_path.split(".")):
            owner = getattr(owner, part, None)
        if owner is not None:
            timer.wrap(owner, attr, label)
    for lever in getattr(model, "levers", []):
        timer.wrap(lever, "step", f"lever {type(lever).__name__}.step")
    timer.wrap(model, "step", "whole day (model.step)")
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    model.run()
    run = time.perf_counter() - t0
    cpu_over_wall = (cpu_seconds() - cpu0) / run
    phases = dict(timer.seconds)
    if hasattr(model, "release"):
        model.release()
    del model

    # 2. cProfile
    model = build_model(size, days, scenario_file)
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    model.run()
    profiler.disable()
    profiled_run = time.perf_counter() - t0
    text = {}
    for key, limit in (("cumulative", 25), ("tottime", 15)):
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(key)
        stats.print_stats(limit)
        text[key] = buffer.getvalue()
    return {
        "size": size,
        "days": days,
        "setup_s": setup,
        "run_s": run,
        "profiled_run_s": profiled_run,
        "cpu_over_wall": cpu_over_wall,
        "sim_sha256": sim_hash(),
        "phases_s": phases,
        "nested": {label: parent for _, _, label, parent in PHASES if parent},
        "cprofile_cumulative": text["cumulative"],
        "cprofile_tottime": text["tottime"],
        "peak_rss_mb": peak_rss_mb(),
    }


# --- the parent ---------------------------------------------------------------------------------
def spawn(mode: str, size: int, days: int, cpu: int, scenario_file: Path) -> dict[str, object]:
    env = {**os.environ, **CHILD_ENV, "PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--size",
        str(size),
        "--days",
        str(days),
        "--cpu",
        str(cpu),
        "--scenario",
        str(scenario_file),
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"child for {size} people failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summarise(runs: list[dict]) -> dict[str, object]:
    run_s = [r["run_s"] for r in runs]
    size, days = runs[0]["size"], runs[0]["days"]
    best, median = min(run_s), statistics.median(run_s)
    return {
        "size": size,
        "days": days,
        "repeats": len(runs),
        "setup_s_median": statistics.median(r["setup_s"] for r in runs),
        "run_s_best": best,
        "run_s_median": median,
        "agent_days_per_s_best": size * days / best,
        "agent_days_per_s_median": size * days / median,
        "s_per_million_agent_days_median": median / (size * days / 1e6),
        "peak_rss_mb_max": max(r["peak_rss_mb"] for r in runs),
        "cpu_over_wall_min": min(r["cpu_over_wall"] for r in runs),
        "sim_sha256": sorted({r["sim_sha256"] for r in runs}),
        "totals_first_run": runs[0]["totals"],
        "runs": runs,
    }


def fmt_int(x: float) -> str:
    return f"{x:,.0f}"


def print_tables(rows: list[dict]) -> None:
    print(
        "| people | days | repeats | set-up s (median) | run s (best) | run s (median) "
        "| agent-days/s (median) | peak RSS MB | CPU/wall (min) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {fmt_int(r['size'])} | {r['days']} | {r['repeats']} | {r['setup_s_median']:.2f} "
            f"| {r['run_s_best']:.2f} | {r['run_s_median']:.2f} "
            f"| {r['agent_days_per_s_median'] / 1e6:.2f} M | {r['peak_rss_mb_max']:,.0f} "
            f"| {r['cpu_over_wall_min']:.2f} |"
        )
    hashes = sorted({h for r in rows for h in r["sim_sha256"]})
    if len(hashes) > 1:
        print(f"\nWARNING: sim/*.py changed between runs (sha256 {', '.join(hashes)})")
    print()
    first = rows[0]
    print("Cost growth (median run): seconds per million agent-days, relative to the smallest size")
    print()
    print("| people | s per M agent-days | relative | people ratio | run-time ratio |")
    print("|---:|---:|---:|---:|---:|")
    for r in rows:
        per = r["s_per_million_agent_days_median"]
        relative = per / first["s_per_million_agent_days_median"]
        people_ratio = r["size"] / first["size"]
        time_ratio = r["run_s_median"] / first["run_s_median"]
        print(
            f"| {fmt_int(r['size'])} | {per:.3f} | {relative:.2f} | {people_ratio:.0f}x | {time_ratio:.1f}x |"
        )
    print()
    print("Annual totals of the first run (sanity: rates should scale with people)")
    print()
    keys = list(first["totals_first_run"])
    print("| people | " + " | ".join(keys) + " | crises per 1,000 |")
    print("|---:|" + "---:|" * (len(keys) + 1))
    for r in rows:
        t = r["totals_first_run"]
        per_1000 = 1000 * t.get("crises", float("nan")) / r["size"]
        print(f"| {fmt_int(r['size'])} | " + " | ".join(fmt_int(t[k]) for k in keys) + f" | {per_1000:.0f} |")


def print_profile(result: dict) -> None:
    size, days = result["size"], result["days"]
    total = result["phases_s"].get("whole day (model.step)", result["run_s"])
    print(f"## Profile: {size:,} people x {days} days (one core)\n")
    print(
        f"set-up {result['setup_s']:.2f} s; run {result['run_s']:.2f} s without profiler "
        f"({size * days / result['run_s'] / 1e6:.2f} M agent-days/s, CPU/wall "
        f"{result['cpu_over_wall']:.2f}); "
        f"{result['profiled_run_s']:.2f} s under cProfile; "
        f"peak RSS {result['peak_rss_mb']:,.0f} MB\n"
    )
    print("Wall-clock per phase (timers around the methods IPCModel.step calls, no profiler):\n")
    print("| phase | seconds | share of day | ms per day |")
    print("|---|---:|---:|---:|")
    nested = result["nested"]
    top_level = 0.0
    for label, seconds in result["phases_s"].items():
        if label == "whole day (model.step)":
            continue
        shown = label
        if label in nested:
            shown = f"&nbsp;&nbsp;of which {label}"
        else:
            top_level += seconds
        print(f"| {shown} | {seconds:.3f} | {seconds / total:.1%} | {1000 * seconds / days:.2f} |")
    other = total - top_level
    print(
        f"| other (union1d, episodes, location updates) | {other:.3f} | {other / total:.1%} "
        f"| {1000 * other / days:.2f} |"
    )
    print(f"| **whole day (model.step)** | {total:.3f} | 100% | {1000 * total / days:.2f} |")
    print("\ncProfile, top 25 by cumulative time:\n")
    print("```")
    print(result["cprofile_cumulative"].strip())
    print("```\n\ncProfile, top 15 by own time (tottime):\n")
    print("```")
    print(result["cprofile_tottime"].strip())
    print("```")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument(
        "--scenario",
        type=Path,
        default=BASELINE,
        help="scenario file (default scenarios/baseline.yaml); size and days are overridden",
    )
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--repeat", type=int, default=1, help="fresh processes per size")
    parser.add_argument("--json", type=Path, help="save raw results here")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="SIZE",
        help=f"phase timers and cProfile for SIZE people x {PROFILE_DAYS} days",
    )
    parser.add_argument("--profile-days", type=int, default=PROFILE_DAYS)
    parser.add_argument("--cpu", type=int, default=0, help="CPU the child is pinned to")
    parser.add_argument("--child", choices=("time", "profile"), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        pin(args.cpu)
        work = child_time if args.child == "time" else child_profile
        print(json.dumps(work(args.size, args.days, args.scenario.resolve())))
        return 0

    info = machine()
    print(f"# bench_model: {info['date']}\n")
    print(
        f"{info['nproc']} CPUs ({info['cpu']}), Python {info['python']}, numpy {info['numpy']}, "
        f"mesa {info['mesa']}, simpy {info['simpy']}; git {info['git_commit']} "
        f"(sim/ modified: {info['sim_dirty']}, sim/*.py sha256 {info['sim_sha256']}); "
        f"load average at start {info['loadavg_at_start'][0]:.2f}; child pinned to CPU {args.cpu}; "
        f"scenario {args.scenario}\n"
    )
    info["scenario"] = str(args.scenario)

    if args.profile:
        result = spawn("profile", args.profile, args.profile_days, args.cpu, args.scenario.resolve())
        print_profile(result)
        if args.json:
            args.json.write_text(json.dumps({"machine": info, "profile": result}, indent=2))
        return 0

    rows = []
    for size in args.sizes:
        runs = []
        for rep in range(args.repeat):
            r = spawn("time", size, args.days, args.cpu, args.scenario.resolve())
            runs.append(r)
            print(
                f"  {size:>9,} people, repeat {rep + 1}/{args.repeat}: "
                f"set-up {r['setup_s']:.2f} s, run {r['run_s']:.2f} s, "
                f"peak RSS {r['peak_rss_mb']:,.0f} MB, "
                f"CPU/wall {r['cpu_over_wall']:.2f}, sim {r['sim_sha256']}",
                file=sys.stderr,
            )
        rows.append(summarise(runs))
    print_tables(rows)
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
