"""`ipc-sim sensitivity`: Morris screening, then Sobol on the top parameters, of the paired
yearly effect of an intervention. Oracles: a unit price changes what things cost, never
what happens (so its indices for A&E, admissions and DTOC are exactly zero, and it moves
the cost effect); each point's effect is the difference of the two arms' daily tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.batch import TASK_DIR
from sim.cli import main
from sim.priors import PosteriorSample, posterior_marginals
from sim.sensitivity import load_sensitivity, top_parameters

ROOT = Path(__file__).resolve().parents[1]
PRICE = "costs.intermediate_care_day"  # read only by the NHS's bill for P2 days
RISK = "crisis.ae_rate"
EVENTS = ("ae_attendances", "emergency_admissions", "dtoc_days")


def _write(folder: Path, **settings) -> Path:
    (folder / "priors.yaml").write_text(
        yaml.safe_dump(
            {"parameters": {PRICE: {}, RISK: {}, "episode.half_life_days": {}}}  # registry defaults
        )
    )
    config = {
        "baseline": str(ROOT / "scenarios" / "baseline.yaml"),
        "intervention": str(ROOT / "scenarios" / "at_scale.yaml"),
        "priors": "priors.yaml",
        "population_size": 1000,
        "days": 60,
        "trajectories": 2,
        "sobol_top": 2,
        "sobol_samples": 2,
        "noise_replicates": 2,
        "seed": 5,
        **settings,
    }
    path = folder / "sensitivity.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def analysed(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sensitivity")
    out = folder / "out"
    args = ["sensitivity", str(_write(folder)), "--out", str(out), "--workers", "1", "--no-progress"]
    assert main(args) == 0
    return out


def test_a_price_changes_no_event(analysed):
    morris = pd.read_csv(analysed / "morris.csv")
    price = morris[morris["parameter"] == PRICE].set_index("outcome")
    assert (price.loc[list(EVENTS), "mu_star"] == 0).all()


def test_the_crisis_rate_moves_the_effect_on_events_and_the_price_moves_only_cost(analysed):
    morris = pd.read_csv(analysed / "morris.csv").set_index(["outcome", "parameter"])
    assert morris.loc[("ae_attendances", RISK), "mu_star"] > 0
    assert morris.loc[("cost_total", PRICE), "mu_star"] > 0


def test_sobol_runs_on_the_top_parameters_and_a_price_has_no_share_of_event_variance(analysed):
    sobol = pd.read_csv(analysed / "sobol.csv")
    info = json.loads((analysed / "sensitivity.json").read_text())
    assert set(sobol["parameter"]) == set(info["sobol_parameters"])
    assert len(info["sobol_parameters"]) == 2
    if PRICE in info["sobol_parameters"]:
        price = sobol[(sobol["parameter"] == PRICE) & sobol["outcome"].isin(EVENTS)]
        assert (price["ST"].fillna(0) == 0).all()


def test_the_design_sizes_add_up(analysed):
    """Morris: trajectories x (k + 1) points; Saltelli without second order: N x (k + 2);
    each point two simulations (baseline and intervention)."""
    info = json.loads((analysed / "sensitivity.json").read_text())
    assert info["points"] == {"morris": 2 * (3 + 1), "noise": 2, "sobol": 2 * (2 + 2)}
    assert info["simulations"] == 2 * (8 + 2 + 8)
    assert (analysed / "figures" / "tornado.png").stat().st_size > 10_000


def test_a_rerun_resumes_from_the_saved_points(analysed, tmp_path):
    tasks = analysed / TASK_DIR
    before = {p.name: p.stat().st_mtime_ns for p in tasks.glob("*.parquet")}
    config = analysed.parent / "sensitivity.yaml"
    assert main(["sensitivity", str(config), "--out", str(analysed), "--workers", "1", "--no-progress"]) == 0
    after = {p.name: p.stat().st_mtime_ns for p in tasks.glob("*.parquet")}
    assert after == before and len(before) > 2 * 8


def test_the_top_parameters_are_ranked_by_their_best_scaled_score():
    """Hand-made: a dominates outcome x, b is second on x but first on y, c is never first."""
    morris = pd.DataFrame(
        {
            "outcome": ["x", "x", "x", "y", "y", "y"],
            "parameter": ["a", "b", "c", "a", "b", "c"],
            "mu_star": [100.0, 50.0, 1.0, 0.1, 2.0, 1.0],
        }
    )
    assert top_parameters(morris, 2) == ["a", "b"]
    assert top_parameters(morris, 0) == []


def test_a_bad_config_gives_one_line_per_problem(tmp_path, capsys):
    config = _write(tmp_path, sobol_samples=6, shade="blue")
    assert main(["sensitivity", str(config), "--out", str(tmp_path / "out")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and all(str(config) in line for line in lines)
    assert any("power of two" in line for line in lines) and any("shade" in line for line in lines)
    assert not (tmp_path / "out").exists()


def test_more_sobol_parameters_than_priors_is_named(tmp_path):
    with pytest.raises(Exception, match="sobol_top"):
        load_sensitivity(_write(tmp_path, sobol_top=5))


def test_another_analysis_folder_is_refused(analysed, tmp_path, capsys):
    config = _write(tmp_path, seed=6)
    assert main(["sensitivity", str(config), "--out", str(analysed)]) == 2
    assert "holds a sensitivity analysis of other settings" in capsys.readouterr().err


def test_morris_points_sit_at_the_midpoints_of_equal_probability_bins():
    from sim.sensitivity import bin_midpoints

    assert list(bin_midpoints([0.0, 1 / 3, 2 / 3, 1.0], 4)) == pytest.approx([0.125, 0.375, 0.625, 0.875])


def test_mu_star_is_the_change_per_unit_of_probability_of_a_linear_response():
    """y = 3 u1 - 2 u2 (u the probabilities the points sit at): mu* is 3, 2 and 0, and mu is
    3, -2 and 0, whatever the trajectories."""
    from SALib.sample import morris as morris_sample

    from sim.sensitivity import bin_midpoints, morris_rows

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0.0, 1.0]] * 3}
    x = morris_sample.sample(problem, 5, num_levels=4, seed=1)
    u = bin_midpoints(x, 4)
    rows = {r["parameter"]: r for r in morris_rows(problem, x, 3 * u[:, 0] - 2 * u[:, 1], 4, seed=1)}

    assert [rows[n]["mu_star"] for n in "abc"] == pytest.approx([3.0, 2.0, 0.0])
    assert [rows[n]["mu"] for n in "abc"] == pytest.approx([3.0, -2.0, 0.0])


def test_a_posterior_marginal_puts_each_particle_at_the_middle_of_its_weight():
    """Two particles of weights 3/4 and 1/4 stand at probabilities 3/8 and 7/8; between them
    the quantile is linear (5/8 is half-way: 1.5), beyond them flat."""
    sample = PosteriorSample(pd.DataFrame({RISK: [1.0, 2.0]}), np.array([0.75, 0.25]), "p.csv", "x")
    marginal = posterior_marginals(sample)[RISK]

    assert marginal.quantile([0.1, 0.375, 0.625, 0.875, 0.99]) == pytest.approx([1.0, 1.0, 1.5, 2.0, 2.0])


def test_particles_of_equal_value_merge_their_weight():
    sample = PosteriorSample(pd.DataFrame({RISK: [1.0, 1.0, 2.0]}), np.array([0.25, 0.25, 0.5]), "p.csv", "x")

    assert posterior_marginals(sample)[RISK].quantile(0.25) == pytest.approx(1.0)  # 1.0 holds [0, 0.5)
    assert posterior_marginals(sample)[RISK].quantile(0.5) == pytest.approx(1.5)  # midway 0.25 -> 0.75


def test_with_a_posterior_its_parameters_move_over_it_and_the_rest_over_their_priors(tmp_path):
    pd.DataFrame({"weight": [1.0, 1.0], RISK: [0.4, 0.6]}).to_csv(tmp_path / "posterior.csv", index=False)
    sensitivity = load_sensitivity(_write(tmp_path, posterior="posterior.csv"))
    prior = {p.name: p for p in load_sensitivity(_write(tmp_path)).priors.priors}

    centre = sensitivity.values((), np.array([]))
    assert centre[RISK] == pytest.approx(0.5)  # the two particles' midpoint, not the prior's median
    assert centre[PRICE] == pytest.approx(float(prior[PRICE].quantile(0.5)))
    assert sensitivity.values((RISK,), np.array([0.0]))[RISK] == pytest.approx(0.4)


def test_a_posterior_parameter_without_a_prior_is_named(tmp_path, capsys):
    pd.DataFrame({"weight": [1.0], "ae.admit_base": [0.4]}).to_csv(tmp_path / "posterior.csv", index=False)
    path = _write(tmp_path, posterior="posterior.csv")

    assert main(["sensitivity", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "posterior" in err and "ae.admit_base has no prior" in err
    assert not (tmp_path / "out").exists()


def test_a_run_reads_which_parameters_an_analysis_moved_over_a_posterior(analysed, tmp_path):
    from sim.sensitivity import read_tables

    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("morris.csv", "sobol.csv"):
        (copy / name).write_text((analysed / name).read_text())
    record = json.loads((analysed / "sensitivity.json").read_text())
    (copy / "sensitivity.json").write_text(json.dumps({**record, "over_posterior": [RISK]}))

    morris = read_tables(copy)["sensitivity_morris.csv"]
    assert set(morris.loc[morris["distribution"] == "posterior", "parameter"]) == {RISK}
    assert set(read_tables(analysed)["sensitivity_morris.csv"]["distribution"]) == {"prior"}
