"""`ipc-sim calibrate`: a config is checked like a scenario, a known truth is recovered, and a
calibration resumes where it stopped."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.calibrate import load_calibration, simulate, summaries
from sim.cli import main
from sim.priors import load_posterior

ROOT = Path(__file__).resolve().parents[1]
TRUE_AE_RATE = 0.75  # the registry value is 0.47 and the prior centre 0.6: the truth is off both
DAYS = 120


def _write(folder: Path, targets: dict, **settings) -> Path:
    """A one-parameter calibration of crisis.ae_rate on a small baseline cohort."""
    (folder / "priors.yaml").write_text(
        yaml.safe_dump(
            {
                "parameters": {
                    "crisis.ae_rate": {
                        "distribution": "uniform",
                        "low": 0.3,
                        "high": 0.9,
                        "justification": "a flat prior over the registry range, for the test",
                    }
                }
            }
        )
    )
    (folder / "targets.yaml").write_text(yaml.safe_dump(targets))
    config = {
        "scenarios": [str(ROOT / "scenarios" / "baseline.yaml")],
        "priors": "priors.yaml",
        "targets": "targets.yaml",
        "population_size": 1000,
        "days": DAYS,
        "warm_up_days": 0,
        "particles": 12,
        "generations": 2,
        "min_epsilon": 0.1,
        "seed": 3,
        **settings,
    }
    path = folder / "calibration.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _ae_target(value: float, sd: float) -> dict:
    return {
        "ae_rate": {
            "value": value,
            "sd": sd,
            "source": "the model's own output at the known truth",
            "measure": {"scenario": "baseline", "metric": "ae_attendances", "per": "person_year"},
        }
    }


@pytest.fixture(scope="module")
def truth_figure(tmp_path_factory) -> float:
    """The A&E rate the model gives at the truth: the mean of four runs at seeds no particle
    uses, so the target's own noise (sd ~0.025) is half a single run's (~0.05)."""
    folder = tmp_path_factory.mktemp("truth")
    figures = []
    for seed in range(900, 904):
        calibration = load_calibration(_write(folder, _ae_target(0.6, 0.05), seed=seed))
        daily = simulate(calibration, {"crisis.ae_rate": TRUE_AE_RATE})
        figures.append(summaries(calibration, daily)["ae_rate"])
    return sum(figures) / len(figures)


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory, truth_figure) -> Path:
    folder = tmp_path_factory.mktemp("calibration")
    config = _write(folder, _ae_target(truth_figure, 0.05), generations=1)
    assert main(["calibrate", str(config), "--out", str(folder / "out"), "--workers", "1"]) == 0
    # The same command with one more generation resumes from the stored first one.
    config = _write(folder, _ae_target(truth_figure, 0.05), generations=3)
    assert main(["calibrate", str(config), "--out", str(folder / "out"), "--workers", "1"]) == 0
    return folder / "out"


def test_the_truth_is_recovered(calibrated):
    posterior = pd.read_csv(calibrated / "posterior.csv")
    mean = float((posterior["weight"] * posterior["crisis.ae_rate"]).sum())
    # The prior (flat on 0.3-0.9) has mean 0.60 and sd 0.17. The model's A&E figure moves one
    # for one with the rate, a run's noise is ~0.05 and the target's ~0.025: the posterior mean
    # lands within ~0.03 (1 sd) of the truth, and 0.06 is two of those.
    assert mean == pytest.approx(TRUE_AE_RATE, abs=0.06)


def test_the_posterior_is_a_parameter_source(calibrated):
    sample = load_posterior(calibrated / "posterior.csv")
    assert sample.names == ("crisis.ae_rate",)
    assert sum(sample.weights) == pytest.approx(1.0)


def test_a_resumed_calibration_keeps_its_finished_generations(calibrated):
    diagnostics = pd.read_csv(calibrated / "diagnostics.csv")
    assert diagnostics["generation"].tolist() == [0, 1, 2]
    # Epsilon falls from one generation to the next (pyabc's median schedule).
    assert diagnostics["epsilon"].is_monotonic_decreasing
    rate = diagnostics["particles"] / diagnostics["simulations"]
    assert diagnostics["acceptance_rate"].to_numpy() == pytest.approx(rate.to_numpy(), rel=1e-5)
    assert (diagnostics["effective_sample_size"] <= diagnostics["particles"] + 1e-9).all()


def test_the_fit_table_scores_each_target_in_its_standard_errors(calibrated):
    fit = pd.read_csv(calibrated / "fit.csv")
    row = fit.iloc[0]
    assert row["z"] == pytest.approx((row["posterior_mean"] - row["value"]) / row["sd"], abs=1e-4)
    assert row["posterior_lo95"] <= row["posterior_mean"] <= row["posterior_hi95"]
    assert (calibrated / "figures" / "predictive.png").stat().st_size > 0


def test_the_record_says_how_it_was_made(calibrated):
    info = json.loads((calibrated / "calibration.json").read_text())
    diagnostics = pd.read_csv(calibrated / "diagnostics.csv")
    assert info["simulations"] == diagnostics["simulations"].sum()
    assert info["parameters"] == ["crisis.ae_rate"]
    assert info["settings"]["seed"] == 3


def test_the_record_times_every_finished_generation_from_the_history(calibrated):
    """The wall time is the sum of pyabc's own per-generation times, read here from abc.db."""
    import pyabc

    info = json.loads((calibrated / "calibration.json").read_text())
    populations = pyabc.History(f"sqlite:///{calibrated / 'abc.db'}", _id=1).get_all_populations()

    assert info["wall_seconds"] == pytest.approx(populations["wall_time"].sum(), abs=0.05)
    assert info["calibration_sample_simulations"] == populations.loc[populations["t"] < 0, "samples"].sum()


def test_a_particle_is_reproducible(tmp_path):
    calibration = load_calibration(_write(tmp_path, _ae_target(0.6, 0.05)))
    one = simulate(calibration, {"crisis.ae_rate": 0.55})
    two = simulate(calibration, {"crisis.ae_rate": 0.55})
    pd.testing.assert_frame_equal(one, two)


def test_a_bad_config_gives_one_line_per_problem(tmp_path, capsys):
    config = _write(tmp_path, _ae_target(0.6, 0.05), particles="many", colour="red")
    assert main(["calibrate", str(config), "--out", str(tmp_path / "out")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    assert any("particles" in line for line in lines) and any("colour" in line for line in lines)
    assert all(str(config) in line for line in lines)
    assert not (tmp_path / "out").exists()


def test_a_parameter_without_a_prior_is_named(tmp_path, capsys):
    config = _write(tmp_path, _ae_target(0.6, 0.05), parameters=["ae.admit_base"])
    assert main(["calibrate", str(config), "--out", str(tmp_path / "out")]) == 2
    assert "ae.admit_base has no prior" in capsys.readouterr().err


def test_a_target_on_a_scenario_not_run_is_named(tmp_path, capsys):
    target = _ae_target(0.6, 0.05)
    target["ae_rate"]["measure"]["scenario"] = "at_scale"
    config = _write(tmp_path, target)
    assert main(["calibrate", str(config), "--out", str(tmp_path / "out")]) == 2
    assert "'at_scale', which is not run" in capsys.readouterr().err


def test_a_missing_prior_file_is_named(tmp_path, capsys):
    config = _write(tmp_path, _ae_target(0.6, 0.05))
    (tmp_path / "priors.yaml").unlink()
    assert main(["calibrate", str(config), "--out", str(tmp_path / "out")]) == 2
    assert "priors.yaml" in capsys.readouterr().err


def test_another_calibrations_folder_is_refused(tmp_path, capsys, calibrated):
    config = _write(tmp_path, _ae_target(0.5, 0.05))
    assert main(["calibrate", str(config), "--out", str(calibrated), "--workers", "1"]) == 2
    assert "holds a calibration of other settings" in capsys.readouterr().err


def test_each_scenario_runs_at_its_own_size_when_sizes_are_given_per_scenario(tmp_path):
    """An absolute count for a real cohort needs its scenario at that size; the people alive on
    day 0 are the size asked for (the cohort is open, so only day 0 is exact)."""
    config = _write(tmp_path, _ae_target(0.6, 0.05), population_size={"baseline": 1500}, days=5)
    daily = simulate(load_calibration(config), {"crisis.ae_rate": 0.5})
    assert daily.loc[daily["day"] == 0, "alive"].iloc[0] == pytest.approx(1500, abs=5)


def test_a_scenario_without_a_size_is_named(tmp_path, capsys):
    config = _write(tmp_path, _ae_target(0.6, 0.05), population_size={"at_scale": 1500})
    assert main(["calibrate", str(config), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "population_size: gives no size for scenario 'baseline'" in err
    assert "population_size.at_scale: is not a scenario of this run" in err
