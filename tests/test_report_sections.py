"""The report's sections on where the answer comes from: the lever waterfall, the drivers of
the uncertainty (from an `ipc-sim sensitivity` folder) and the fit to the calibration targets.
Each is checked against tables made by hand here, so the expected cells are known."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.report_drivers import DRIVERS_SHOWN, drivers_section, fit_section, waterfall_section
from sim.sensitivity import OUTCOMES
from sim.waterfall import INTERACTIONS, TOTAL


def _saved(fig, path) -> str:
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "PNG"


def _morris() -> pd.DataFrame:
    rows = []
    for metric, k in itertools.product(OUTCOMES, range(7)):
        rows.append(
            {
                "outcome": metric,
                "parameter": f"p{k}",
                "mu_star": float(10 * (k + 1)),  # p6 is the largest
                "mu_star_conf": 1.0,
                "noise_floor": 35.0,
                "above_noise": 10 * (k + 1) > 35,
            }
        )
    return pd.DataFrame(rows)


def test_drivers_are_each_outcomes_largest_mu_star_in_order():
    table = pd.read_html(io.StringIO(drivers_section(_morris(), pd.DataFrame())))[0]

    assert len(table) == DRIVERS_SHOWN * len(OUTCOMES)
    assert list(table["parameter"][:DRIVERS_SHOWN]) == ["p6", "p5", "p4", "p3", "p2"]
    assert list(table["rank"][:DRIVERS_SHOWN]) == [1, 2, 3, 4, 5]


def test_a_driver_below_the_noise_floor_is_flagged():
    table = pd.read_html(io.StringIO(drivers_section(_morris(), pd.DataFrame())))[0]
    flagged = table[table["Morris mu*"].str.contains("within noise")]["parameter"]

    assert set(flagged) == {"p2"}  # the fifth shown, mu* 30, is under the floor of 35


def test_sobol_total_index_is_shown_beside_its_parameter():
    sobol = pd.DataFrame(
        [{"outcome": "cost_total", "parameter": "p6", "S1": 0.5, "S1_conf": 0.1, "ST": 0.62, "ST_conf": 0.05}]
    )
    table = pd.read_html(io.StringIO(drivers_section(_morris(), sobol)))[0]
    cells = table.set_index(["parameter", "Sobol ST"]).index

    assert ("p6", "0.62 ± 0.05") in cells
    assert (table["Sobol ST"] == "–").sum() == len(table) - 1


def test_an_analysis_over_a_posterior_says_so_and_marks_its_parameters():
    morris = _morris().assign(distribution=lambda t: t["parameter"].map({"p6": "posterior"}).fillna("prior"))
    section = drivers_section(morris, pd.DataFrame())
    table = pd.read_html(io.StringIO(section))[0]

    assert "posterior for the 1 parameters marked" in section
    assert (table["parameter"] == "p6 (posterior)").sum() == len(OUTCOMES)


def test_an_analysis_without_the_column_moved_every_parameter_over_its_prior():
    section = drivers_section(_morris(), pd.DataFrame())

    assert "over the priors" in section and "(posterior)" not in section


def test_without_an_analysis_the_section_says_how_to_get_one():
    assert "--sensitivity DIR" in drivers_section(pd.DataFrame(), pd.DataFrame())


def _waterfall() -> pd.DataFrame:
    rows = []
    for metric, label in OUTCOMES.items():
        for step, mean in (("care_planning", -30.0), ("phb", -5.0), (INTERACTIONS, 2.0), (TOTAL, -33.0)):
            rows.append(
                {
                    "outcome": metric,
                    "label": label,
                    "step": step,
                    "mean": mean,
                    "lo95": mean - 4,
                    "hi95": mean + 4,
                }
            )
    return pd.DataFrame(rows)


def test_waterfall_table_has_a_row_per_step_and_a_column_per_outcome(tmp_path):
    table = pd.read_html(io.StringIO(waterfall_section(_waterfall(), tmp_path / "w.png", _saved)))[0]

    assert list(table["step"]) == [
        "care planning",
        "phb",
        INTERACTIONS.replace("_", " "),
        TOTAL.replace("_", " "),
    ]
    assert list(table.columns[1:]) == list(OUTCOMES.values())
    assert table.iloc[0, 1] == "\u221230.0 [\u221234.0, \u221226.0]"  # the typographic minus


def test_waterfall_figure_is_drawn_and_the_sharing_of_interactions_is_stated(tmp_path):
    section = waterfall_section(_waterfall(), tmp_path / "w.png", _saved)

    assert 'src="data:image/png;base64,PNG"' in section
    assert "Interactions are not shared out" in section


def _daily(days: int) -> pd.DataFrame:
    """Two replicates of a baseline of 1,000 people, alive all along: replicate 0 has one A&E
    attendance a day, replicate 1 two."""
    frames = []
    for rep in (0, 1):
        frames.append(
            pd.DataFrame(
                {
                    "scenario": "baseline",
                    "replicate": rep,
                    "day": np.arange(days),
                    "alive": 1000,
                    "ae_attendances": rep + 1,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_fit_shows_the_runs_rate_against_the_target():
    table = pd.read_html(io.StringIO(fit_section(_daily(365))), match="value ± sd")[0]
    row = table[table["target"] == "ae_attendances_per_person_year"].iloc[0]
    per_year = [365 / (365 * 1000 / 365.25) * k for k in (1, 2)]  # attendances / person-years

    assert row["model [95% range]"].startswith(f"{np.mean(per_year):,.3g} [")
    assert row["z"] == pytest.approx((np.mean(per_year) - 0.7) / 0.15, abs=0.05)


def test_fit_leaves_out_targets_whose_scenario_or_window_the_run_lacks():
    section = fit_section(_daily(365))

    assert "high_use_persistence" not in section  # measured on days 365-729
    assert "plans_in_100_days" not in section  # measured on the demonstrator


def test_a_sensitivity_folder_without_its_tables_is_bad_input(tmp_path, capsys):
    from conftest import ROOT

    code = main(
        [
            "run",
            str(ROOT / "scenarios" / "baseline.yaml"),
            "--out",
            str(tmp_path / "out"),
            "--sensitivity",
            str(tmp_path),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()

    assert code == 2
    assert len(err) == 2 and all("--sensitivity" in line and str(tmp_path) in line for line in err)
    assert not (tmp_path / "out").exists()
