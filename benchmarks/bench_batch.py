"""Time a batch with one and with two local worker processes: parallel efficiency and CPU.

Runs `ipc-sim run` as a user would (scenarios x replicates x days into a fresh folder, no
progress bar) with `--workers 1` and then `--workers 2`, each `--repeat` times, and reports
wall seconds and the parallel efficiency T(1) / (2 x T(2)). (CPU seconds are not shown:
the workers are forked by a fork server, not by the command, so `RUSAGE_CHILDREN` of the
command does not see them.) The two runs' `daily.parquet` must be identical (same seed,
any worker count).

    .venv/bin/python benchmarks/bench_batch.py                        # 2 scenarios x 6 x 365
    .venv/bin/python benchmarks/bench_batch.py --reps 6 --days 365 --repeat 3 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("scenarios/baseline.yaml", "scenarios/at_scale.yaml")
IPC_SIM = Path(sys.executable).with_name("ipc-sim")


def one_batch(workers: int, reps: int, days: int, out: Path) -> dict[str, float]:
    """One `ipc-sim run`: wall seconds."""
    wall0 = time.perf_counter()
    command = [str(IPC_SIM), "run", *SCENARIOS, "--reps", str(reps), "--days", str(days)]
    command += ["--workers", str(workers), "--out", str(out), "--no-progress"]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return {"wall_s": time.perf_counter() - wall0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=6)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeat):
            for workers in (1, 2):
                out = Path(tmp) / f"w{workers}_r{r}"
                results[workers].append(one_batch(workers, args.reps, args.days, out))
        same = (Path(tmp) / "w1_r0" / "daily.parquet").read_bytes() == (
            Path(tmp) / "w2_r0" / "daily.parquet"
        ).read_bytes()
    wall = {w: statistics.median(r["wall_s"] for r in runs) for w, runs in results.items()}
    efficiency = wall[1] / (2 * wall[2])
    tasks = len(SCENARIOS) * args.reps
    shape = f"{len(SCENARIOS)} scenarios x {args.reps} replicates x {args.days} days"
    print(f"# bench_batch: {shape}, {os.cpu_count()} CPUs")
    print()
    print("| workers | wall s (median) | speed-up | efficiency |")
    print("|---:|---:|---:|---:|")
    for w in (1, 2):
        speed_up = wall[1] / wall[w]
        print(f"| {w} | {wall[w]:.2f} | {speed_up:.2f}x | {speed_up / w:.0%} |")
    print(f"\n{tasks} tasks; daily.parquet identical with 1 and 2 workers: {same}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"wall": wall, "efficiency": efficiency, "identical": same, "runs": results},
                indent=2,
            )
        )
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
