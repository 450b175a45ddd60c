"""The event log's cost for one replicate: its size (rows, MB on disk and in memory), the time to
build and write it, and the observer's overhead on the run.

Each run is a fresh child process pinned to one CPU (as in `bench_model.py`): `plain` runs the
scenario as `ipc-sim run` does without `--events`, `events` with the `EventLog` component,
alternately, `--repeat` times each. The overhead is measured twice, in CPU seconds of the
child (wall seconds are shown too, but other work on a shared machine inflates them): as the
difference of the median run times, and directly, as the CPU seconds spent inside
`EventLog.step` over the run. The `events` child then builds the table, writes it the way a
task does (`sim.task_files.save_events`: checksum and record included) and as a bare
`pyarrow.parquet.write_table`, and reads it back with pandas. Both children report a digest of
the daily table, which must be the same: the log changes no result.

    .venv/bin/python benchmarks/bench_events.py                      # at_scale, 11,989 x 730
    .venv/bin/python benchmarks/bench_events.py --repeat 3 --cpu 1 --json benchmarks/results/events.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_model import CHILD_ENV, cpu_seconds, machine, peak_rss_mb, pin, sim_hash

ROOT = Path(__file__).resolve().parent.parent
AT_SCALE = ROOT / "scenarios" / "at_scale.yaml"
SEED = 20170901
MB = 1e6


def child(mode: str, scenario_file: Path, days: int | None) -> dict[str, object]:
    """One replicate, with or without the event log."""
    import pandas as pd
    import pyarrow.parquet as pq

    from sim.batch import make_tasks
    from sim.event_log import EventLog
    from sim.model import IPCModel
    from sim.scenario import load_scenario
    from sim.task_files import save_events

    scenario = load_scenario(scenario_file)
    if days is not None:
        scenario = scenario.with_horizon(days)
    components = [EventLog] if mode == "events" else []
    model = IPCModel(scenario, replicate=0, root_seed=SEED, components=components)
    inside = [0.0]
    if mode == "events":
        log = EventLog.of(model)
        step, clock = log.step, time.process_time

        def timed(today):
            start = clock()
            step(today)
            inside[0] += clock() - start

        log.step = timed
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    model.run()
    run_s, run_cpu_s = time.perf_counter() - t0, cpu_seconds() - cpu0
    daily = model.recorder.frame()
    result: dict[str, object] = {
        "mode": mode,
        "people": scenario.population_size,
        "days": scenario.horizon_days,
        "run_s": run_s,
        "run_cpu_s": run_cpu_s,
        "cpu_over_wall": run_cpu_s / run_s,
        "daily_sha256": hashlib.sha256(
            pd.util.hash_pandas_object(daily, index=False).values.tobytes()
        ).hexdigest(),
        "sim_sha256": sim_hash(),
    }
    if mode == "events":
        [task] = make_tasks([scenario], 1, SEED, events=True)
        t0 = time.perf_counter()
        table = log.table(scenario.name, 0)
        table_s = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as tmp:
            path, bare = Path(tmp) / "task.parquet", Path(tmp) / "bare.parquet"
            t0 = time.perf_counter()
            save_events(table, path, task)
            save_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            pq.write_table(table, bare)
            bare_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            frame = pd.read_parquet(path)
            read_s = time.perf_counter() - t0
            file_mb = path.stat().st_size / MB
        counts = frame["event"].value_counts()
        result.update(
            {
                "observer_cpu_s": inside[0],
                "rows": table.num_rows,
                "file_mb": file_mb,
                "arrow_mb": table.nbytes / MB,
                "pandas_mb": frame.memory_usage(deep=True).sum() / MB,
                "table_s": table_s,
                "save_events_s": save_s,
                "bare_write_s": bare_s,
                "read_s": read_s,
                "events": {str(k): int(v) for k, v in counts.items()},
            }
        )
    result["peak_rss_mb"] = peak_rss_mb()
    model.release()
    return result


def spawn(mode: str, cpu: int, scenario_file: Path, days: int | None) -> dict[str, object]:
    env = {**os.environ, **CHILD_ENV, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, __file__, "--child", mode, "--cpu", str(cpu), "--scenario", str(scenario_file)]
    if days is not None:
        cmd += ["--days", str(days)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{mode} child failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(runs: dict[str, list[dict]]) -> dict[str, object]:
    plain, logged = runs["plain"], runs["events"]
    digests = {r["daily_sha256"] for r in plain + logged}
    median = {mode: statistics.median(r["run_cpu_s"] for r in rs) for mode, rs in runs.items()}
    wall = {mode: statistics.median(r["run_s"] for r in rs) for mode, rs in runs.items()}
    first = logged[0]
    observer = statistics.median(r["observer_cpu_s"] for r in logged)
    summary = {
        "people": first["people"],
        "days": first["days"],
        "repeats": len(plain),
        "daily_identical": len(digests) == 1,
        "run_cpu_s_median_plain": median["plain"],
        "run_cpu_s_median_events": median["events"],
        "run_wall_s_median_plain": wall["plain"],
        "run_wall_s_median_events": wall["events"],
        "overhead_by_difference": median["events"] / median["plain"] - 1,
        "observer_cpu_s_median": observer,
        "overhead_inside_observer": observer / median["plain"],
        "cpu_over_wall_min": min(r["cpu_over_wall"] for r in plain + logged),
        **{k: first[k] for k in ("rows", "file_mb", "arrow_mb", "pandas_mb", "events")},
        **{
            k: statistics.median(r[k] for r in logged)
            for k in ("table_s", "save_events_s", "bare_write_s", "read_s")
        },
        "peak_rss_mb": {mode: max(r["peak_rss_mb"] for r in rs) for mode, rs in runs.items()},
        "sim_sha256": sorted({r["sim_sha256"] for r in plain + logged}),
    }
    shape = f"{summary['people']:,} people x {summary['days']} days"
    print(f"# bench_events: {shape}, {summary['repeats']} repeats\n")
    print("| figure | value |")
    print("|---|---:|")
    print(f"| rows | {summary['rows']:,} |")
    print(f"| file (task file, as written) | {summary['file_mb']:.2f} MB |")
    print(f"| in memory: Arrow / pandas | {summary['arrow_mb']:.2f} / {summary['pandas_mb']:.2f} MB |")
    print(f"| build the table | {summary['table_s']:.3f} s |")
    print(f"| write it as a task does (checksum, record) | {summary['save_events_s']:.3f} s |")
    print(f"| write it bare (pyarrow) | {summary['bare_write_s']:.3f} s |")
    print(f"| read it back (pandas) | {summary['read_s']:.3f} s |")
    print(f"| run without / with the log, CPU (median) | {median['plain']:.2f} / {median['events']:.2f} s |")
    print(f"| run without / with the log, wall (median) | {wall['plain']:.2f} / {wall['events']:.2f} s |")
    print(f"| overhead: difference of medians | {summary['overhead_by_difference']:+.1%} |")
    inside = summary["overhead_inside_observer"]
    print(f"| overhead: CPU inside the observer | {observer:.3f} s ({inside:.1%}) |")
    print(f"| daily table identical with and without | {'yes' if summary['daily_identical'] else 'NO'} |")
    print(f"| CPU/wall (min) | {summary['cpu_over_wall_min']:.2f} |")
    print("\nrows by event: " + ", ".join(f"{k} {v:,}" for k, v in summary["events"].items()))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=AT_SCALE)
    parser.add_argument("--days", type=int, help="override the scenario's horizon")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cpu", type=int, default=0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", choices=("plain", "events"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        pin(args.cpu)
        print(json.dumps(child(args.child, args.scenario, args.days)))
        return 0
    host = machine()
    runs: dict[str, list[dict]] = {"plain": [], "events": []}
    for _ in range(args.repeat):
        for mode in runs:
            runs[mode].append(spawn(mode, args.cpu, args.scenario, args.days))
    summary = report(runs)
    if args.json:
        args.json.write_text(json.dumps({"machine": host, "summary": summary, "runs": runs}, indent=2) + "\n")
    return 0 if summary["daily_identical"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
