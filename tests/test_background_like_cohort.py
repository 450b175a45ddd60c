"""The eligible people outside the cohort are people like the cohort: the background's eligible
stream must ask the hospital for what the modelled cohort asks for at baseline. If it asked for
less, a small cohort (mostly background) would see emptier wards and shorter discharge queues
than a large one, and per-person results would change with the cohort size that is run.

The oracle is the cohort itself: calibration/measure_background.py measures its stays, and
the registry's `background.eligible_*` must agree within the sampling error of two replicates
(3.5 standard errors, from the replicate spread of the 16-replicate run in the registry)."""

from __future__ import annotations

import pandas as pd
import pytest
from sim.calibration.measure_background import measure

from sim.params import REGISTRY

REPS = 2
# (measured figure, registry parameter or None for the cohort's own crisis winter, replicate sd)
CHECKS = {
    "attendances_per_person_year": ("background.eligible_attendances", 0.0064),
    "admissions_per_person_year": ("background.eligible_admissions", 0.0057),
    "p_zero_day": ("background.eligible_p_zero_day", 0.0050),
    "p_one_day": ("background.eligible_p_one_day", 0.0023),
    "long_mean_days": ("background.eligible_long_mean_days", 0.19),
    "share_p1": ("background.eligible_share_p1", 0.0079),
    "share_p2": ("background.eligible_share_p2", 0.0047),
    "share_p3": ("background.eligible_share_p3", 0.0028),
    # the eligible stream swings with the cohort's crisis winter; the cohort's admissions do too
    "admissions_winter_amplitude": ("crisis.winter_amplitude", 0.0234),
}


@pytest.fixture(scope="module")
def cohort() -> pd.Series:
    return pd.DataFrame([measure(r, days=365, size=None, seed=20170901) for r in range(REPS)]).mean()


@pytest.mark.parametrize("figure", CHECKS)
def test_the_eligible_background_asks_for_what_the_cohort_asks_for(cohort, figure):
    parameter, sd = CHECKS[figure]
    tolerance = 3.5 * sd / REPS**0.5

    assert cohort[figure] == pytest.approx(REGISTRY[parameter].value, abs=tolerance)


def test_the_eligible_stream_has_the_cohorts_winter_and_the_rest_the_backgrounds():
    from sim.background import streams_for
    from sim.params import Params

    p = Params({}).view("background", ("background.*", "los.*", "cohort.*", "hospital.*", "crisis.*"))
    eligible, rest = streams_for(p, 400_000, 24_600, 2_000)

    assert eligible.winter_amplitude == REGISTRY["crisis.winter_amplitude"].value
    assert rest.winter_amplitude == REGISTRY["hospital.background_winter_amplitude"].value
