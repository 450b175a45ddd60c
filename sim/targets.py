"""The baseline next to public figures: does the modelled system look like the real one?"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import pandas as pd
import yaml

from sim.summary import MONTE_CARLO, interval
from sim.units import DAYS_PER_YEAR

# calibration/targets.yaml in the checkout, installed as package data of sim.calibration
TARGETS_FILE: Traversable = resources.files("sim.calibration").joinpath("targets.yaml")


def figures(daily: pd.DataFrame) -> pd.DataFrame:
    """The headline annual figures per replicate of one scenario's daily rows."""
    rows = []
    for rep, d in daily.groupby("replicate", sort=True):
        person_years = d["alive"].sum() / DAYS_PER_YEAR
        rows.append(
            {
                "replicate": rep,
                "ae_attendances_per_person_year": d["ae_attendances"].sum() / person_years,
                "emergency_admissions_per_person_year": d["emergency_admissions"].sum() / person_years,
                "short_stay_share": d["short_stay_admissions"].sum() / d["emergency_admissions"].sum(),
                "mean_length_of_stay_days": d["length_of_stay_days"].sum() / d["discharges"].sum(),
                "readmission_30d_share": d["readmissions_30d"].sum() / d["discharges"].sum(),
                "hospital_bed_occupancy": d["hospital_bed_occupancy"].mean(),
                "hospital_dtoc_share_of_bed_days": d["hospital_dtoc_days"].sum()
                / d["hospital_bed_days"].sum(),
                "cohort_dtoc_share_of_bed_days": d["dtoc_days"].sum() / d["bed_days"].sum(),
            }
        )
    return pd.DataFrame(rows).set_index("replicate")


def load_targets(path: Path | Traversable = TARGETS_FILE) -> dict[str, dict]:
    """The public ranges. A missing file is an error, never an empty check: an installation
    without its targets must not report a baseline check with nothing in it."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def baseline_check(
    daily: pd.DataFrame, targets: dict[str, dict] | None = None, kind: str = MONTE_CARLO
) -> pd.DataFrame:
    """Model mean and 95% interval beside each public range, with whether the mean is inside."""
    targets = load_targets() if targets is None else targets
    per_rep = figures(daily)
    rows = []
    for figure in per_rep.columns:
        mean, lo, hi = interval(per_rep[figure].to_numpy(), kind)
        target = targets.get(figure)
        rows.append(
            {
                "figure": figure,
                "model_mean": mean,
                "model_lo95": lo,
                "model_hi95": hi,
                "public_low": target["low"] if target else float("nan"),
                "public_high": target["high"] if target else float("nan"),
                "within": (target["low"] <= mean <= target["high"]) if target else None,
                "source": target["source"] if target else "no public figure",
            }
        )
    return pd.DataFrame(rows)
