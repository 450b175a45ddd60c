"""Measure the baseline cohort's own admissions, stays and discharge requests: the figures the
background's eligible stream (`background.eligible_*`) copies.

Why: the eligible people outside the cohort are people like the cohort, so the hospital's load
per cohort member must not depend on how much of the eligible population the model runs. If the
background asked for fewer packages than the cohort would, a small cohort would see shorter
discharge queues than a large one. Re-run this after any change to the cohort's hazards, stays or
discharge pathways, and copy the means into sim/data/parameters.yaml.

    .venv/bin/python calibration/measure_background.py --reps 8 --days 730
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model import IPCModel
from sim.params import REGISTRY
from sim.scenario import load_scenario
from sim.units import DAYS_PER_YEAR

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"
# Stays are counted by the day they start, in whole years from day 0, and the run goes on this
# long past them so that the long stays started near the end finish too: counting only the
# stays that finish by the horizon leaves out the longest ones and biases the mean stay down.
FINISH_DAYS = 180


def measure(replicate: int, days: int, size: int | None, seed: int) -> dict[str, float]:
    """One replicate's stays that start in [0, days)."""
    scenario = load_scenario(BASELINE).with_horizon(days + FINISH_DAYS)
    if size:
        scenario = dataclasses.replace(scenario, population_size=size)
    model = IPCModel(scenario, replicate=replicate, root_seed=seed)
    stays, person_years, window = [], 0.0, days
    while model.day < model.days:
        model.step()
        stays.extend(s for s in model.today.log.finished if 0 <= s.admitted < window)
        if 0 <= model.today.day < window:
            person_years += model.people.alive.sum() / DAYS_PER_YEAR
    daily = model.recorder.frame()
    daily = daily[daily["day"] < window]
    attendances = daily["ae_attendances"].sum()
    # the winter swing of admissions per person: least squares on 1 + a cos(season's phase)
    p = model.params
    doy = (p["crisis.start_day_of_year"] + daily["day"]) % DAYS_PER_YEAR
    wave = np.cos(2 * np.pi * (doy - p["crisis.winter_peak_day"]) / DAYS_PER_YEAR)
    per_person = daily["emergency_admissions"] / daily["alive"]
    design = np.column_stack([np.ones(len(wave)), wave])
    level, swing = np.linalg.lstsq(design, per_person.to_numpy(), rcond=None)[0]
    model.release()
    to_fit = np.array([s.fit - s.admitted for s in stays])
    died = np.array([s.died for s in stays])
    pathway = np.array([s.pathway for s in stays])
    in_bed = np.array([s.left - s.admitted for s in stays])
    zero = np.isclose(to_fit, REGISTRY["los.zero_day_hours"].value / 24)
    one = np.isclose(to_fit, 1.0)
    long_alive = ~zero & ~one & ~died
    return {
        "attendances_per_person_year": attendances / person_years,
        "admissions_per_person_year": len(stays) / person_years,
        "admissions_winter_amplitude": swing / level,
        "p_zero_day": zero.mean(),
        "p_one_day": one.mean(),
        "long_mean_days": to_fit[~zero & ~one].mean(),
        "bed_days_per_admission": in_bed.mean(),
        "days_fit_to_discharge_per_admission": (in_bed - to_fit).mean(),
        **{f"share_p{k}": (pathway[long_alive] == k).mean() for k in (1, 2, 3)},
        **{
            f"p{k}_requests_per_person_year": ((pathway == k) & ~died).sum() / person_years
            for k in (1, 2, 3)
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=8)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--size", type=int, help="cohort on day 0 (default: the baseline scenario's)")
    parser.add_argument("--seed", type=int, default=20170901)
    args = parser.parse_args()
    table = pd.DataFrame([measure(r, args.days, args.size, args.seed) for r in range(args.reps)])
    print(pd.DataFrame({"mean": table.mean(), "sd": table.std()}).round(4).to_string())


if __name__ == "__main__":
    main()
