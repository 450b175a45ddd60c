"""Calibration targets: each measure computes its figure from aggregate daily columns exactly
as its definition says (checked on hand-made tables), the distance is in standard errors
over the fitted targets only, and a bad target file is reported one line per problem."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from sim.calibration_targets import Measure, Target, distance, fit_table, load_calibration_targets, measure
from sim.errors import InputError
from sim.targets import TARGETS_FILE
from sim.units import DAYS_PER_YEAR


def daily(days=10, reps=2, scenario="baseline") -> pd.DataFrame:
    """Two replicates: replicate r has r + 1 attendances a day, 1,000 alive, and on day d
    `before` 10 and `after` 4 + r."""
    rows = []
    for r in range(reps):
        for d in range(days):
            rows.append(
                {"scenario": scenario, "replicate": r, "day": d, "alive": 1000, "ae": r + 1, "before": 10,
                 "after": 4 + r, "occupancy": 0.8 + 0.01 * d}
            )
    return pd.DataFrame(rows)


def target(**measure_kw) -> Target:
    return Target(value=1.0, sd=0.5, source="test", measure=Measure(scenario="baseline", **measure_kw))


def test_a_rate_per_person_year_is_the_sum_over_the_alive_person_years():
    """Replicate 0: 10 attendances over 10 x 1,000 person-days = 10 / (10,000 / 365.25)."""
    values = measure(target(metric="ae", per="person_year"), daily())

    assert values[0] == pytest.approx(10 / (10_000 / DAYS_PER_YEAR))
    assert values[1] == pytest.approx(20 / (10_000 / DAYS_PER_YEAR))


def test_a_daily_level_is_its_mean_over_the_window():
    """Days 2..5 of 0.80 + 0.01 d: mean 0.835."""
    values = measure(target(metric="occupancy", per="day", window=[2, 6]), daily())

    assert values[0] == pytest.approx(0.835)


def test_a_total_counts_only_the_window():
    assert measure(target(metric="ae", per="total", window=[3, 7]), daily())[1] == 8


def test_a_before_after_change_is_the_ratio_of_the_sums_less_one():
    """Replicate 0: 40 after / 100 before - 1 = -0.6; replicate 1: 50 / 100 - 1 = -0.5."""
    values = measure(target(metric="after", per="before", transform="change"), daily())

    assert list(values) == pytest.approx([-0.6, -0.5])


def test_a_measure_reads_only_its_own_scenario():
    both = pd.concat([daily(), daily(scenario="other").assign(ae=100)])

    assert measure(target(metric="ae", per="total"), both)[0] == 10


def test_the_distance_is_the_root_mean_square_of_standard_errors_over_fitted_targets():
    """Means 15 (reps 10 and 20) v 14, sd 0.5: z = 2; a held-out target with z = 10 is left out."""
    fitted = Target(value=14, sd=0.5, source="t", measure=Measure(scenario="baseline", metric="ae"))
    ae = Measure(scenario="baseline", metric="ae")
    held = Target(value=10, sd=0.5, source="t", held_out=True, measure=ae)

    assert distance({"a": fitted, "b": held}, daily()) == pytest.approx(2.0)
    table = fit_table({"a": fitted, "b": held}, daily())
    assert list(table["z"]) == pytest.approx([2.0, 10.0])


def test_the_shipped_targets_include_the_baseline_the_demonstrator_and_a_held_out_figure():
    targets = load_calibration_targets(TARGETS_FILE)

    assert {"plans_in_100_days", "site_style_ae_change", "hospital_bed_occupancy"} <= set(targets)
    assert any(t.held_out for t in targets.values())
    assert targets["site_style_ae_change"].value == -0.41  # the site's figure, through the site's measure


def test_a_published_range_becomes_its_midpoint_with_a_quarter_of_its_width_as_sd():
    t = load_calibration_targets(TARGETS_FILE)["emergency_admissions_per_person_year"]

    assert (t.value, t.sd) == pytest.approx(((0.20 + 0.45) / 2, (0.45 - 0.20) / 4))


@pytest.mark.parametrize(
    ("entry", "field", "message"),
    [
        ({"value": 1, "source": "s"}, "t", "value, sd and measure together"),
        ({"value": 1, "sd": -1, "source": "s", "measure": {"scenario": "b", "metric": "ae_attendances"}},
         "t.sd", "> 0"),
        ({"value": 1, "sd": 1, "source": "s", "measure": {"scenario": "b", "metric": "nope"}},
         "t.measure.metric", "no daily metric"),
        ({"value": 1, "sd": 1, "source": "s", "measure": {"scenario": "b", "metric": "ae_attendances",
                                                          "window": [5, 2]}}, "t.measure", "window"),
        ({"value": 1, "sd": 1, "source": "s", "colour": "red",
          "measure": {"scenario": "b", "metric": "ae_attendances"}}, "t.colour", "unknown key"),
    ],
)
def test_a_bad_target_names_the_file_and_the_field(tmp_path, entry, field, message):
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump({"t": entry}))
    with pytest.raises(InputError) as caught:
        load_calibration_targets(path)

    (problem,) = caught.value.problems
    assert problem.file == str(path) and problem.field == field and message in problem.message


def test_a_file_with_no_calibration_target_is_refused(tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump({"t": {"low": 0, "high": 1, "source": "s"}}))

    with pytest.raises(InputError, match="nothing to calibrate"):
        load_calibration_targets(path)
