"""How many replicates an interval needs to be stable, from a finished run folder.

    .venv/bin/python benchmarks/replicates_needed.py outputs/RUN [--scenario at_scale] [--baseline baseline]

For each headline effect (the scenario's paired yearly difference from the baseline), and for
n replicates, the bootstrap standard deviation of each end of the run's kind of interval: the
t interval of the mean for a fixed-parameter run, the 2.5th-97.5th percentiles for a run with
parameter draws. An end whose standard deviation is a small share of the interval's width is
stable; the percentile ends of a parameter run need more replicates than a t interval does,
and do not narrow as replicates are added (they estimate a spread, not a mean).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.summary import band, interval_kind, per_replicate

OUTCOMES = {
    "ae_attendances": "A&E attendances",
    "emergency_admissions": "emergency admissions",
    "dtoc_days": "cohort DTOC days",
    "cost_total": "net cost (GBP)",
}
BOOTSTRAPS = 2000


def effects(folder: Path, scenario: str, baseline: str) -> pd.DataFrame:
    daily = pd.read_parquet(folder / "daily.parquet", filters=[("scenario", "in", [scenario, baseline])])
    sizes = {s: 1 for s in (scenario, baseline)}  # per-1,000 rows are not used
    reps = per_replicate(daily, sizes)
    wide = reps[reps["metric"].isin(OUTCOMES)].pivot_table(
        index="replicate", columns=["metric", "scenario"], values="value"
    )
    return pd.DataFrame({m: wide[(m, scenario)] - wide[(m, baseline)] for m in OUTCOMES})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run", type=Path)
    parser.add_argument("--scenario", default="at_scale")
    parser.add_argument("--baseline", default="baseline")
    args = parser.parse_args()
    kind = interval_kind(json.loads((args.run / "manifest.json").read_text()).get("parameters"))
    table = effects(args.run, args.scenario, args.baseline)
    total = len(table)
    rng = np.random.default_rng(20170901)
    print(f"{args.run}: {total} replicates, intervals: {kind}\n")
    print("| replicates | " + " | ".join(OUTCOMES.values()) + " |")
    print("|---:|" + "---:|" * len(OUTCOMES))
    for n in sorted({10, 20, total // 2, total} - {0}):
        if n > total:
            continue
        cells = []
        for metric in OUTCOMES:
            values = table[metric].to_numpy()
            draws = rng.choice(values, size=(BOOTSTRAPS, n), replace=True)
            _, lo, hi = band(draws, kind, axis=1)
            width = np.nanmean(hi - lo)
            cells.append(f"±{width / 2:,.0f} (ends ±{np.nanstd(lo):,.0f} / ±{np.nanstd(hi):,.0f})")
        print(f"| {n} | " + " | ".join(cells) + " |")
    print("\nEach cell: the interval's half-width, then the bootstrap sd of its lower / upper end.")


if __name__ == "__main__":
    main()
