"""The lever waterfall: each lever's bar is what the effect loses when that lever is taken
out (a lever others need is taken out with them, their bars already subtracted), and
interactions are their own bar. Oracles: hand-made replicate values with known additive
effects and a known synergy, and the run's own summary of the whole effect."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import lever_scenario

from sim.cli import main
from sim.waterfall import INTERACTIONS, TOTAL, removals, waterfall, without_scenarios

ROOT = Path(__file__).resolve().parents[1]
ALL = {
    "care_planning": {"coordinators": 4, "target_plans": 200},
    "phb": {"target_budgets": 20, "min_conditions": 0},
    "peer_support": {"groups": 2},
    "advocacy": {"advocates": 1},
}


def test_a_lever_others_need_is_taken_out_with_them():
    scenario = lever_scenario(**ALL)
    scenario.name = "all"
    assert removals(scenario) == {
        "all-without-care_planning-and-phb": ("care_planning", "phb"),
        "all-without-phb": ("phb",),
        "all-without-peer_support": ("peer_support",),
        "all-without-advocacy": ("advocacy",),
    }
    made = {s.name: s for s in without_scenarios(scenario)}
    levers = made["all-without-care_planning-and-phb"].levers
    assert not levers.care_planning.enabled and not levers.phb.enabled and levers.advocacy.enabled


def _reps(values: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for metric in ("ae_attendances", "emergency_admissions", "dtoc_days", "cost_total"):
        for scenario, by_rep in values.items():
            rows += [(scenario, r, metric, v) for r, v in enumerate(by_rep)]
    return pd.DataFrame(rows, columns=["scenario", "replicate", "metric", "value"])


def test_bars_are_marginal_effects_and_a_synergy_is_its_own_bar():
    """Baseline 100; care planning -10, budgets -4 (given plans), peer support -3, advocacy -2,
    and care planning with peer support together 5 more (a synergy): all levers give 76."""
    scenario = lever_scenario(**ALL)
    scenario.name = "all"
    base = [100.0, 102.0]
    shift = [0.0, 2.0]
    arms = {  # what each scenario gives, by which levers are on
        "baseline": base,
        "all": [76 + s for s in shift],
        "all-without-care_planning-and-phb": [100 - 3 - 2 + s for s in shift],
        "all-without-phb": [100 - 10 - 3 - 2 - 5 + s for s in shift],
        "all-without-peer_support": [100 - 10 - 4 - 2 + s for s in shift],
        "all-without-advocacy": [100 - 10 - 4 - 3 - 5 + s for s in shift],
    }
    table = waterfall(_reps(arms), scenario, "baseline")
    bars = table[table["outcome"] == "ae_attendances"].set_index("step")["mean"]
    assert bars["phb"] == pytest.approx(-4)
    assert bars["care_planning"] == pytest.approx(-10 - 5)  # taken out last, it loses the synergy
    assert bars["peer_support"] == pytest.approx(-3 - 5)  # and so does peer support
    assert bars["advocacy"] == pytest.approx(-2)
    assert bars[INTERACTIONS] == pytest.approx(+5)  # counted twice above, given back once
    assert bars[TOTAL] == pytest.approx(-24)
    assert bars.drop(TOTAL).sum() == pytest.approx(bars[TOTAL])


def test_a_run_with_a_waterfall_adds_up_to_the_summarys_effect(tmp_path):
    scenario = tmp_path / "levers.yaml"
    scenario.write_text(
        f"name: levers\nextends: {ROOT / 'scenarios' / 'at_scale.yaml'}\nhorizon_days: 60\n"
        "population:\n  size: 1500\n"
    )
    base = tmp_path / "base.yaml"
    base.write_text(
        f"name: baseline\nextends: {ROOT / 'scenarios' / 'baseline.yaml'}\nhorizon_days: 60\n"
        "population:\n  size: 1500\n"
    )
    out = tmp_path / "run"
    args = [
        "run",
        str(base),
        str(scenario),
        "--reps",
        "2",
        "--workers",
        "1",
        "--out",
        str(out),
        "--waterfall",
        "levers",
        "--no-progress",
    ]
    assert main(args) == 0
    table = pd.read_csv(out / "waterfall.csv")
    summary = pd.read_csv(out / "summary.csv").set_index(["scenario", "metric"])
    for outcome, bars in table.groupby("outcome"):
        bars = bars.set_index("step")["mean"]
        assert bars.drop(TOTAL).sum() == pytest.approx(bars[TOTAL], rel=1e-5)
        assert bars[TOTAL] == pytest.approx(
            summary.loc[("levers", outcome), "diff_mean"], rel=1e-5
        )  # summary.csv keeps 6 significant figures
    assert (out / "scenarios" / "levers-without-peer_support.yaml").exists()


def test_a_waterfall_of_a_scenario_not_run_is_named(tmp_path, capsys):
    args = [
        "run",
        str(ROOT / "scenarios" / "baseline.yaml"),
        "--waterfall",
        "at_scale",
        "--out",
        str(tmp_path / "x"),
    ]
    assert main(args) == 2
    assert "--waterfall: no scenario named 'at_scale'" in capsys.readouterr().err
