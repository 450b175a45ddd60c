"""The shipped Stockton posterior (calibration/stockton/): it loads as a parameter source,
holds exactly the parameters its config fits, and its record matches the files it ships."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.priors import load_parameter_sources, load_posterior

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "calibration" / "stockton"
CONFIG = yaml.safe_load((ROOT / "calibration" / "stockton.yaml").read_text())


def test_the_posterior_holds_the_parameters_its_config_fits():
    posterior = load_posterior(SHIPPED / "posterior.csv")

    assert sorted(posterior.names) == sorted(CONFIG["parameters"])
    assert posterior.weights.sum() == pytest.approx(1.0)


def test_the_last_generations_effective_sample_size_is_kishs_of_the_shipped_weights():
    """ESS = (sum w)^2 / sum w^2 (Kish), worked out here from posterior.csv."""
    w = pd.read_csv(SHIPPED / "posterior.csv")["weight"].to_numpy()
    last = pd.read_csv(SHIPPED / "diagnostics.csv").iloc[-1]

    kish = w.sum() ** 2 / (w**2).sum()
    assert last["effective_sample_size"] == pytest.approx(kish, rel=1e-5)  # written to 6 figures
    assert last["particles"] == len(w)


def test_the_record_gives_the_simulations_the_diagnostics_count():
    record = json.loads((SHIPPED / "calibration.json").read_text())
    diagnostics = pd.read_csv(SHIPPED / "diagnostics.csv")

    assert record["simulations"] == diagnostics["simulations"].sum()
    assert record["settings"]["seed"] == CONFIG["seed"]
    assert set(record["parameters"]) == set(CONFIG["parameters"])


def test_a_projection_draws_the_fitted_parameters_from_the_posterior_and_the_rest_from_the_priors():
    source = load_parameter_sources([str(SHIPPED / "posterior.csv"), "prior"])
    table = pd.read_csv(SHIPPED / "posterior.csv")
    draw = source.draw(20170901, 0)

    assert set(CONFIG["parameters"]) < set(draw)
    matches = np.isclose(table[CONFIG["parameters"]].to_numpy(), [draw[n] for n in CONFIG["parameters"]]).all(
        axis=1
    )
    assert matches.any()  # one whole posterior row


def test_the_shipped_projection_sensitivity_moved_exactly_the_posteriors_parameters_over_it():
    record = json.loads((SHIPPED / "sensitivity_projection" / "sensitivity.json").read_text())
    morris = pd.read_csv(SHIPPED / "sensitivity_projection" / "morris.csv")

    assert sorted(record["over_posterior"]) == sorted(CONFIG["parameters"])
    assert set(morris["parameter"]) == set(record["parameters"])
    assert record["simulations"] == 2 * sum(record["points"].values())  # a baseline and an arm a point
