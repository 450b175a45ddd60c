"""Fixed-seed small runs must reproduce the stored summary (Starsim's test_baselines): the baseline
and an all-levers scenario with non-default effects. A change detector, kept as the last line of
defence behind the oracle tests.

If this fails after a change that is meant to move results, regenerate the stored file with
`.venv/bin/python tests/regenerate_baseline.py` and say so in CHANGELOG.md; otherwise the
change moved results by accident.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from regenerate_baseline import BASELINE_CSV, baseline_summary

NUMBERS = ["mean", "lo95", "hi95", "diff_mean", "diff_lo95", "diff_hi95"]


@pytest.fixture(scope="module")
def stored() -> pd.DataFrame:
    return pd.read_csv(BASELINE_CSV)


@pytest.fixture(scope="module")
def fresh() -> pd.DataFrame:
    return baseline_summary()


def test_fresh_run_has_the_stored_rows(stored, fresh):
    assert list(fresh.columns) == list(stored.columns)
    assert list(zip(fresh["scenario"], fresh["metric"], strict=True)) == list(
        zip(stored["scenario"], stored["metric"], strict=True)
    )


@pytest.mark.parametrize("column", NUMBERS)
def test_fresh_run_matches_the_stored_summary(stored, fresh, column):
    mismatched = ~np.isclose(fresh[column], stored[column], rtol=1e-9, atol=0.0, equal_nan=True)
    assert not mismatched.any(), (
        "results moved; regenerate only if meant (see tests/regenerate_baseline.py):\n"
        + pd.DataFrame(
            {"metric": fresh["metric"], "stored": stored[column], "fresh": fresh[column]}
        )[mismatched].to_string()
    )
