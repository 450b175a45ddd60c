"""The report's sweep section, from a hand-made manifest and summary: each grid point with its
varied values and each headline outcome's difference from the baseline as the summary gives it."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import InputError
from sim.report import _save
from sim.report_sweep import SWEEP_OUTCOMES, sweep_section

POINTS = {  # point -> (target_plans, difference a year per 1,000 people: mean, lo, hi)
    "at_scale__care_planning.target_plans-1000": (1000, (-12.5, -20.0, -5.0)),
    "at_scale__care_planning.target_plans-2000": (2000, (-30.4, -41.0, -19.5)),
}


def manifest(baseline: str | None = "baseline") -> dict:
    entries = [{"name": "baseline"}] + [
        {"name": name, "sweep": {"of": "at_scale", "varied": {"care_planning.target_plans": plans}}}
        for name, (plans, _) in POINTS.items()
    ]
    return {"baseline": baseline, "scenarios": entries}


def summary() -> pd.DataFrame:
    rows = [("baseline", metric, 100.0, 90.0, 110.0, 0.0, 0.0, 0.0) for metric in SWEEP_OUTCOMES]
    for name, (_, (mean, lo, hi)) in POINTS.items():
        rows += [(name, metric, 100 + mean, 100 + lo, 100 + hi, mean, lo, hi) for metric in SWEEP_OUTCOMES]
    columns = ["scenario", "metric", "mean", "lo95", "hi95", "diff_mean", "diff_lo95", "diff_hi95"]
    return pd.DataFrame(rows, columns=columns)


def test_a_run_without_a_sweep_has_no_section(tmp_path: Path):
    assert (
        sweep_section(
            {"baseline": "baseline", "scenarios": [{"name": "baseline"}]}, summary(), tmp_path, _save
        )
        == ""
    )


def test_each_point_shows_its_varied_value_and_each_outcomes_difference(tmp_path: Path):
    page = sweep_section(manifest(), summary(), tmp_path, _save)
    rows = pd.read_html(StringIO(page.split("<img", 1)[1].split(">", 1)[1]))[0]
    assert list(rows["care_planning.target_plans"]) == [1000, 2000]
    assert list(rows["scenario swept"]) == ["at_scale", "at_scale"]
    for label in SWEEP_OUTCOMES.values():
        assert list(rows[label]) == ["-12.5 [-20.0, -5.0]", "-30.4 [-41.0, -19.5]"]


def test_the_figure_is_written_and_embedded(tmp_path: Path):
    page = sweep_section(manifest(), summary(), tmp_path, _save)
    assert (tmp_path / "sweep.png").stat().st_size > 0
    assert "data:image/png;base64," in page


def test_without_a_baseline_the_section_shows_means(tmp_path: Path):
    page = sweep_section(manifest(baseline=None), summary(), tmp_path, _save)
    assert "mean [95% interval]" in page
    assert "87.5 [80.0, 95.0]" in page  # the point's own mean and interval: 100 - 12.5 [100 - 20, 100 - 5]


def test_a_damaged_sweep_record_is_one_problem(tmp_path: Path):
    broken = manifest()
    broken["scenarios"][1]["sweep"] = {"of": "at_scale", "varied": {"k": [1, 2]}}
    with pytest.raises(InputError) as caught:
        sweep_section(broken, summary(), tmp_path, _save)
    assert [str(p) for p in caught.value.problems] == [
        "manifest.json: scenarios.1.sweep: must be {of: name, varied: {key: value}}"
    ]
