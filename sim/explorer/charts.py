"""The comparison views' tables, from a finished run folder read by `sim.run_reader`.

Each function returns a tidy table (one row a point or bar) for an interactive chart; the
intervals are the run's own kind (`sim.summary.band`: Monte Carlo, or spread over parameter
draws), the same as summary.csv and report.html use.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.metrics import PAYERS
from sim.run_reader import RunContents
from sim.summary import DISCOUNTED, band, interval_kind, lever_milestones
from sim.units import DAYS_PER_MONTH

PAYER_LABELS = {  # who pays, as a board paper names them
    "cost_nhs": "NHS",
    "cost_social_care": "council social care",
    "cost_phb": "personal health budgets",
    "cost_programme": "IPC programme (staff, groups)",
}


def kind(run: RunContents) -> str:
    return interval_kind(run.manifest.get("parameters"))


def differences(run: RunContents, metric: str) -> pd.DataFrame:
    """Each scenario's paired difference from the baseline in `metric`, with its interval."""
    baseline = run.manifest.get("baseline")
    rows = run.summary[(run.summary["metric"] == metric) & (run.summary["scenario"] != baseline)]
    return rows[["scenario", "diff_mean", "diff_lo95", "diff_hi95"]].reset_index(drop=True)


def outcomes(run: RunContents) -> list[str]:
    """The outcomes that have a difference from the baseline (every row of summary.csv does but
    the released bed days, which are differences already)."""
    return list(dict.fromkeys(run.summary.loc[run.summary["diff_mean"].notna(), "metric"]))


def monthly(run: RunContents, metric: str) -> pd.DataFrame:
    """`metric` summed over each whole month, per scenario: mean and interval over replicates."""
    daily = run.daily
    month = (daily["day"] // DAYS_PER_MONTH).astype(int)
    frames = []
    for scenario, d in daily.assign(month=month).groupby("scenario", sort=False):
        wide = d.pivot_table(index="month", columns="replicate", values=metric, aggfunc="sum")
        whole = d.groupby("month")["day"].nunique() >= math.floor(DAYS_PER_MONTH)
        wide = wide[whole.reindex(wide.index, fill_value=False)]
        if wide.empty:
            continue
        mean, lo, hi = band(wide.to_numpy(dtype=float), kind(run), axis=1)
        frames.append(
            pd.DataFrame(
                {"scenario": scenario, "month": wide.index + 1, "mean": mean, "lo95": lo, "hi95": hi}
            )
        )
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["scenario", "month", "mean", "lo95", "hi95"])
    )


def payer_costs(run: RunContents) -> pd.DataFrame:
    """Each payer's discounted cost over the horizon: difference from baseline, with interval."""
    baseline = run.manifest.get("baseline")
    rows = []
    for payer in PAYERS:
        metric = payer.name + DISCOUNTED
        table = run.summary[(run.summary["metric"] == metric) & (run.summary["scenario"] != baseline)]
        for row in table.itertuples():
            rows.append(
                {
                    "scenario": row.scenario,
                    "payer": PAYER_LABELS.get(payer.name, payer.name),
                    "diff_mean": row.diff_mean,
                    "diff_lo95": row.diff_lo95,
                    "diff_hi95": row.diff_hi95,
                }
            )
    return pd.DataFrame(rows, columns=["scenario", "payer", "diff_mean", "diff_lo95", "diff_hi95"])


def trajectory(run: RunContents) -> pd.DataFrame:
    """Each scale-up target's live caseload by day (mean and interval), with the target, for
    every scenario whose levers work to one (the targets are the run's resolved scenarios')."""
    from sim.scenario import Scenario

    frames = []
    for name, resolved in run.resolved.items():
        targets = Scenario.from_resolved(resolved).targets()
        d = run.daily[run.daily["scenario"] == name]
        for milestone in lever_milestones():
            if milestone.name not in targets or d.empty:
                continue
            live = d.pivot_table(index="day", columns="replicate", values=milestone.live)
            mean, lo, hi = band(live.to_numpy(dtype=float), kind(run), axis=1)
            frames.append(
                pd.DataFrame(
                    {
                        "scenario": name,
                        "target_name": milestone.label,
                        "day": live.index + 1,
                        "mean": mean,
                        "lo95": lo,
                        "hi95": hi,
                        "target": targets[milestone.name],
                    }
                )
            )
    columns = ["scenario", "target_name", "day", "mean", "lo95", "hi95", "target"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
