"""Priors and parameter draws: each prior has the mean and spread its file gives (checked
against closed forms), never leaves the registry's range, and draws are keyed by seed,
replicate and name, so runs are reproducible and paired; a bad prior file is reported one
line per problem."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import BASELINE_YAML, small_scenario

from sim.batch import make_tasks
from sim.cli import main
from sim.errors import InputError
from sim.params import REGISTRY
from sim.priors import Prior, load_parameter_source, load_priors
from sim.scenario import load_scenario

BASELINE = str(BASELINE_YAML)
GRID = (np.arange(200_000) + 0.5) / 200_000  # quantiles for numerical moments


def write(tmp_path, parameters, name="priors.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"parameters": parameters}))
    return path


def prior(**kw) -> Prior:
    base = dict(
        name="x",
        family="lognormal",
        mean=1.0,
        low=0.5,
        high=2.0,
        bound_low=0.0,
        bound_high=math.inf,
        justification="test",
    )
    return Prior(**{**base, **kw})


# --- the distributions ----------------------------------------------------------------------
def test_a_lognormal_prior_has_its_mean_and_the_log_width_of_its_interval():
    """sigma = ln(high / low) / (2 x 1.96): ln(4) / 3.92 = 0.3537; the mean is as given."""
    p = prior(family="lognormal", mean=1.0, low=0.5, high=2.0)
    x = np.log(p.quantile(GRID))

    assert np.exp(x).mean() == pytest.approx(1.0, rel=1e-3)
    assert x.std() == pytest.approx(math.log(4) / (2 * 1.959964), rel=1e-3)


def test_a_beta_prior_has_its_mean_and_its_95_percent_interval_width():
    p = prior(family="beta", mean=0.3, low=0.2, high=0.4, bound_low=0.0, bound_high=1.0)
    x = p.quantile(GRID)

    assert x.mean() == pytest.approx(0.3, abs=1e-4)
    assert p.quantile(0.975) - p.quantile(0.025) == pytest.approx(0.2, abs=1e-6)


def test_a_beta_prior_from_zero_sets_its_upper_end():
    p = prior(family="beta", mean=0.12, low=0.0, high=0.3, bound_low=0.0, bound_high=1.0)

    assert p.quantile(0.975) == pytest.approx(0.3, abs=1e-6)


def test_a_gamma_prior_has_its_mean_and_the_ratio_of_its_interval():
    p = prior(family="gamma", mean=2.0, low=1.0, high=4.0)

    assert p.quantile(GRID).mean() == pytest.approx(2.0, rel=1e-3)
    assert p.quantile(0.975) / p.quantile(0.025) == pytest.approx(4.0, rel=1e-6)


def test_a_uniform_prior_is_flat_on_its_interval():
    p = prior(family="uniform", mean=0.0, low=0.0, high=1.2)

    assert p.quantile(0.25) == pytest.approx(0.3)


def test_draws_never_leave_the_registrys_range():
    p = prior(family="lognormal", mean=1.03, low=0.9, high=2.0, bound_low=0.9, bound_high=2.0)
    x = p.quantile(GRID)

    assert x.min() >= 0.9 and x.max() <= 2.0
    assert p.quantile(0.0) == pytest.approx(0.9) and p.quantile(1.0) == pytest.approx(2.0)


def test_a_whole_number_parameter_draws_whole_numbers():
    p = prior(family="lognormal", mean=30.0, low=15.0, high=60.0, whole=True)

    assert np.all(p.quantile(GRID[::1000]) == np.rint(p.quantile(GRID[::1000])))


# --- the file -------------------------------------------------------------------------------
def test_a_bare_name_takes_the_registrys_value_range_and_family(tmp_path):
    (p,) = load_priors(write(tmp_path, ["crisis.ae_rate"])).priors
    entry = REGISTRY["crisis.ae_rate"]

    assert (p.family, p.mean, p.low, p.high) == ("lognormal", entry.value, entry.low, entry.high)


def test_a_share_gets_a_beta_by_default(tmp_path):
    (p,) = load_priors(write(tmp_path, {"phb.uptake": {}})).priors

    assert p.family == "beta"


def test_the_shipped_priors_load_and_leave_out_share_groups():
    priors = load_parameter_source("prior")

    assert len(priors.names) >= 15
    grouped = ("frailty.share", "population.share_age", "activation.share")
    assert not any(n.startswith(grouped) for n in priors.names)


@pytest.mark.parametrize(
    ("parameters", "field", "message"),
    [
        ({"no.such": {}}, "parameters.no.such", "unknown parameter"),
        ({"frailty.share_fit": {}}, "parameters.frailty.share_fit", "sum to 1"),
        ({"phb.uptake": {"mean": 0.5}}, "parameters.phb.uptake", "justification"),
        ({"crisis.ae_rate": {"low": 0.1, "justification": "j"}}, "parameters.crisis.ae_rate", "range"),
        ({"crisis.ae_rate": {"distribution": "normal"}}, "parameters.crisis.ae_rate.distribution", "one of"),
        ({"crisis.ae_rate": {"shape": 2}}, "parameters.crisis.ae_rate.shape", "unknown key"),
    ],
)
def test_a_bad_prior_names_the_file_and_the_field(tmp_path, parameters, field, message):
    path = write(tmp_path, parameters)
    with pytest.raises(InputError) as caught:
        load_priors(path)

    (problem,) = caught.value.problems
    assert problem.file == str(path) and problem.field == field and message in problem.message


def test_a_bad_prior_file_exits_2_with_one_line_per_problem_and_writes_nothing(tmp_path, capsys):
    path = write(tmp_path, {"no.such": {}, "frailty.share_fit": {}})
    out = tmp_path / "out"

    args = ["run", BASELINE, "--reps", "1", "--days", "5", "--parameters", str(path)]
    code = main([*args, "--out", str(out)])

    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 2 and all(str(path) in line for line in lines)
    assert not out.exists()


def test_a_missing_prior_file_exits_2(tmp_path, capsys):
    code = main(["run", BASELINE, "--reps", "1", "--parameters", str(tmp_path / "none.yaml")])

    assert code == 2 and "file not found" in capsys.readouterr().err


# --- draws ----------------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_draws_and_another_seed_others():
    priors = load_parameter_source("prior")

    assert priors.draw(7, 3) == priors.draw(7, 3)
    assert priors.draw(7, 3) != priors.draw(8, 3)
    assert priors.draw(7, 3) != priors.draw(7, 4)


def test_adding_a_parameter_leaves_the_other_draws_as_they_were(tmp_path):
    one = load_priors(write(tmp_path, ["crisis.ae_rate"], "a.yaml"))
    two = load_priors(write(tmp_path, ["crisis.ae_rate", "phb.uptake"], "b.yaml"))

    assert one.draw(1, 0)["crisis.ae_rate"] == two.draw(1, 0)["crisis.ae_rate"]


def test_every_scenario_of_a_replicate_runs_the_same_draw(tmp_path):
    """Pairing: baseline and at_scale replicate r share draw r, except what a scenario sets."""
    priors = load_priors(write(tmp_path, ["crisis.ae_rate", "care_planning.crisis_rr"]))
    draws = {r: priors.draw(11, r) for r in range(3)}
    base = load_scenario(BASELINE_YAML).with_draws(priors.source, priors.sha256, draws)
    own = small_scenario()
    own.overrides["care_planning.crisis_rr"] = 1.5
    own = own.with_draws(priors.source, priors.sha256, draws)
    tasks = make_tasks([base, own], 3, 11)

    for r in range(3):
        a, b = tasks[r].scenario["parameters"], tasks[3 + r].scenario["parameters"]
        assert a["crisis.ae_rate"] == b["crisis.ae_rate"] == draws[r]["crisis.ae_rate"]
        assert a["care_planning.crisis_rr"] == draws[r]["care_planning.crisis_rr"]
        assert b["care_planning.crisis_rr"] == 1.5  # the scenario's own choice is not drawn


def test_a_run_records_its_draws_and_its_resolved_files_reproduce_them(tmp_path, capsys):
    """The manifest names the source, parameter_draws.csv lists each replicate's set, and a
    resolved scenario file, run again, gives the same daily table."""
    path = write(tmp_path, ["crisis.ae_rate", "phb.uptake"])
    first, again = tmp_path / "first", tmp_path / "again"
    common = ["--reps", "2", "--days", "20", "--seed", "5", "--no-progress", "--workers", "1"]

    assert main(["run", BASELINE, *common, "--parameters", str(path), "--out", str(first)]) == 0
    assert main(["run", str(first / "scenarios" / "baseline.yaml"), *common, "--out", str(again)]) == 0

    manifest = pd.read_json(first / "manifest.json", typ="series")
    draws = pd.read_csv(first / "parameter_draws.csv")
    assert manifest["parameters"]["source"] == str(path)
    assert set(pd.read_csv(first / "summary.csv")["interval"]) == {"parameter"}
    assert sorted(set(draws["parameter"])) == ["crisis.ae_rate", "phb.uptake"]
    assert set(draws["replicate"]) == {0, 1}
    daily = [pd.read_parquet(folder / "daily.parquet") for folder in (first, again)]
    pd.testing.assert_frame_equal(*daily)


def test_draws_do_not_depend_on_the_worker_count(tmp_path):
    path = write(tmp_path, ["crisis.ae_rate"])
    frames = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        args = ["run", BASELINE, "--reps", "2", "--days", "15", "--seed", "3", "--no-progress"]
        assert main([*args, "--workers", workers, "--parameters", str(path), "--out", str(out)]) == 0
        frames.append(pd.read_parquet(out / "daily.parquet"))

    pd.testing.assert_frame_equal(*frames)


def test_without_parameters_a_run_says_its_intervals_are_monte_carlo_only(tmp_path):
    out = tmp_path / "fixed"
    args = ["run", BASELINE, "--reps", "1", "--days", "5", "--no-progress", "--workers", "1"]
    assert main([*args, "--out", str(out)]) == 0

    manifest = pd.read_json(out / "manifest.json", typ="series")
    assert manifest["parameters"]["source"] == "fixed"
    assert not (out / "parameter_draws.csv").exists()


# --- a posterior sample (a calibration's output, or a researcher's own) -----------------------
def write_posterior(tmp_path, table: dict, name="posterior.csv"):
    path = tmp_path / name
    pd.DataFrame(table).to_csv(path, index=False)
    return path


def test_a_posterior_replicate_runs_one_whole_row_so_correlations_are_kept(tmp_path):
    """Rows pair each crisis rate with its own admission chance; every draw is one row."""
    path = write_posterior(
        tmp_path, {"crisis.ae_rate": [0.4, 0.5, 0.6], "ae.admit_base": [0.35, 0.42, 0.5], "weight": [1, 1, 2]}
    )
    posterior = load_parameter_source(str(path))
    rows = {(0.4, 0.35), (0.5, 0.42), (0.6, 0.5)}

    draws = [posterior.draw(9, r) for r in range(400)]

    assert all((d["crisis.ae_rate"], d["ae.admit_base"]) in rows for d in draws)
    share_last = np.mean([d["crisis.ae_rate"] == 0.6 for d in draws])
    assert share_last == pytest.approx(0.5, abs=0.075)  # weight 2 of 4; 400 draws: sd 0.025


def test_a_row_of_zero_weight_is_never_drawn(tmp_path):
    path = write_posterior(tmp_path, {"crisis.ae_rate": [0.4, 0.6], "weight": [0.0, 1.0]})
    posterior = load_parameter_source(str(path))

    assert {posterior.draw(1, r)["crisis.ae_rate"] for r in range(50)} == {0.6}


@pytest.mark.parametrize(
    ("table", "field", "message"),
    [
        ({"crisis.ae_rate": [0.4]}, "weight", "weight column"),
        ({"no.such": [1.0], "weight": [1]}, "no.such", "unknown parameter"),
        ({"crisis.ae_rate": [-1.0], "weight": [1]}, "crisis.ae_rate", ">= 0"),
        ({"crisis.ae_rate": [0.4], "weight": [-1]}, "weight", "weights"),
        ({"frailty.share_fit": [0.4], "weight": [1]}, "frailty.share_fit", "shares"),
    ],
)
def test_a_bad_posterior_names_the_file_and_the_column(tmp_path, table, field, message):
    path = write_posterior(tmp_path, table)
    with pytest.raises(InputError) as caught:
        load_parameter_source(str(path))

    (problem,) = caught.value.problems
    assert problem.field == field and message in problem.message


def test_a_run_from_a_posterior_records_its_source_and_pairs_its_scenarios(tmp_path):
    path = write_posterior(tmp_path, {"crisis.ae_rate": [0.4, 0.6], "weight": [1, 1]})
    out = tmp_path / "run"
    args = ["run", BASELINE, str(BASELINE_YAML.parent / "at_scale.yaml"), "--reps", "3", "--days", "10"]
    assert main([*args, "--no-progress", "--workers", "1", "--parameters", str(path), "--out", str(out)]) == 0

    draws = pd.read_csv(out / "parameter_draws.csv")
    assert set(draws["scenarios"]) == {"baseline at_scale"}
    assert set(draws["value"]) <= {0.4, 0.6}
    manifest = pd.read_json(out / "manifest.json", typ="series")
    assert manifest["parameters"]["source"] == str(path)


def test_combined_sources_draw_each_parameter_from_the_first_that_has_it(tmp_path):
    """A posterior over crisis.ae_rate, then a prior file over crisis.ae_rate and phb.uptake:
    crisis.ae_rate comes from the posterior's rows, phb.uptake is the prior's own draw."""
    from sim.priors import load_parameter_sources

    posterior = write_posterior(tmp_path, {"crisis.ae_rate": [0.41, 0.59], "weight": [1, 1]})
    priors = write(tmp_path, ["crisis.ae_rate", "phb.uptake"])
    combined = load_parameter_sources([str(posterior), str(priors)])
    alone = load_priors(priors)

    for replicate in range(6):
        draw = combined.draw(7, replicate)
        assert draw["crisis.ae_rate"] in (0.41, 0.59)
        assert draw["phb.uptake"] == alone.draw(7, replicate)["phb.uptake"]
    assert combined.names == ("crisis.ae_rate", "phb.uptake")
    assert combined.source == f"{posterior} + {priors}"


def test_a_run_from_combined_sources_records_both(tmp_path):
    posterior = write_posterior(tmp_path, {"crisis.ae_rate": [0.4, 0.6], "weight": [1, 1]})
    priors = write(tmp_path, ["crisis.ae_rate", "phb.uptake"])
    out = tmp_path / "run"
    sources = ["--parameters", str(posterior), "--parameters", str(priors)]
    args = ["run", BASELINE, "--reps", "2", "--days", "5", "--no-progress", "--workers", "1", *sources]
    assert main([*args, "--out", str(out)]) == 0

    parameters = pd.read_json(out / "manifest.json", typ="series")["parameters"]
    assert [s["source"] for s in parameters["priors"]] == [str(posterior), str(priors)]
    assert parameters["drawn"] == ["crisis.ae_rate", "phb.uptake"]
    assert set(pd.read_csv(out / "parameter_draws.csv").query("parameter == 'crisis.ae_rate'")["value"]) <= {
        0.4,
        0.6,
    }


def test_a_bad_source_among_several_is_reported_and_nothing_is_written(tmp_path, capsys):
    posterior = write_posterior(tmp_path, {"crisis.ae_rate": [0.4], "weight": [1]})
    out = tmp_path / "run"
    args = ["run", BASELINE, "--parameters", str(posterior), "--parameters", str(tmp_path / "none.yaml")]
    code = main([*args, "--out", str(out)])

    (line,) = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and "none.yaml" in line
    assert not out.exists()
