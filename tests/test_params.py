"""The parameter registry: every entry sourced, ranged and in a known unit, converted to days
once, and listed by `ipc-sim params`."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from sim.cli import main
from sim.params import REGISTRY, SHARE_GROUPS, UNITS, Params, check_share_groups, check_value, parse_entries

ENTRIES = list(REGISTRY.values())
IDS = list(REGISTRY)


def defaults() -> dict[str, float]:
    return {name: spec.value for name, spec in REGISTRY.items()}


@pytest.mark.parametrize("spec", ENTRIES, ids=IDS)
def test_every_parameter_has_a_source_and_a_known_unit(spec):
    assert spec.source.strip()
    assert spec.unit.strip()
    assert spec.unit in UNITS


@pytest.mark.parametrize("spec", ENTRIES, ids=IDS)
def test_every_default_lies_in_its_plausible_range(spec):
    assert spec.low <= spec.value <= spec.high


@pytest.mark.parametrize("spec", ENTRIES, ids=IDS)
def test_every_default_and_range_lies_within_the_units_hard_limits(spec):
    lo, hi = spec.hard_limits
    assert lo <= spec.low <= spec.value <= spec.high <= hi
    assert check_value(spec.name, spec.value) is None


def test_whole_number_parameters_have_whole_number_defaults():
    counts = [spec for spec in ENTRIES if spec.kind == "int"]
    assert counts
    assert all(spec.value == int(spec.value) for spec in counts)


def test_every_share_group_names_registry_shares():
    for names in SHARE_GROUPS.values():
        assert all(REGISTRY[n].unit == "share" for n in names)


def test_default_share_groups_sum_to_one():
    assert check_share_groups(defaults()) == []


def test_a_share_group_off_by_more_than_the_tolerance_is_reported():
    values = {**defaults(), "frailty.share_fit": 0.41}
    [(field, message)] = check_share_groups(values)
    assert field == "frailty.share_fit"
    assert "sum to 1" in message


@pytest.mark.parametrize(
    ("name", "unit", "source_value", "model_value"),
    [
        ("crisis.ae_rate", "per person-year", 365.25, 1.0),
        ("frailty.progression_65_74", "per 1,000 person-years", 365_250.0, 1.0),
        ("ae.assessment_hours", "hours", 24.0, 1.0),
        ("costs.care_home_week", "GBP per week", 7.0, 1.0),
        ("peer_support.self_referrals_per_group_week", "per week", 7.0, 1.0),
        ("pathway.p1_package_weeks", "weeks", 1.0, 7.0),
        ("hospital.beds", "beds", 500.0, 500.0),
    ],
)
def test_source_units_convert_once_to_days(name, unit, source_value, model_value):
    params = Params({name: source_value})

    assert REGISTRY[name].unit == unit
    assert params[name] == pytest.approx(model_value, rel=1e-12)
    assert params.source_value(name) == source_value


def test_default_per_person_year_rate_is_divided_by_365_25():
    assert Params()["crisis.ae_rate"] == pytest.approx(REGISTRY["crisis.ae_rate"].value / 365.25)


def test_every_model_value_is_the_source_value_times_its_unit_factor():
    params = Params()
    for name, spec in REGISTRY.items():
        assert params[name] == pytest.approx(spec.value * UNITS[spec.unit][0], rel=1e-12), name


def test_params_reject_an_invalid_override():
    with pytest.raises(ValueError, match="crisis.ae_rate"):
        Params({"crisis.ae_rate": -1.0})
    with pytest.raises(ValueError, match="unknown parameter"):
        Params({"no.such_parameter": 1.0})


def test_ipc_sim_params_prints_every_parameter_name(capsys):
    assert main(["params"]) == 0
    out = capsys.readouterr().out
    table = out.split("\n\n")[0]  # the table, then a note on price years
    printed = {line.split()[0] for line in table.splitlines()[1:] if line.strip()}
    assert printed == set(REGISTRY)


def test_ipc_sim_params_csv_has_the_documented_columns_and_every_row(capsys):
    assert main(["params", "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)

    assert list(table.columns) == [
        "name", "value", "low", "high", "unit", "price_year", "original", "uplift", "source", "note"
    ]
    assert list(table["name"]) == list(REGISTRY)
    for row in table.itertuples():
        spec = REGISTRY[row.name]
        assert (row.value, row.low, row.high) == pytest.approx((spec.value, spec.low, spec.high), rel=1e-15)
        assert (row.unit, row.source, row.note) == (spec.unit, spec.source, spec.note)
        assert (row.price_year != "") == spec.is_money


def test_ipc_sim_params_markdown_has_a_row_per_parameter(capsys):
    assert main(["params", "--format", "markdown"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + len(REGISTRY)  # header plus one row each


GOOD_ENTRY = {"value": 1.0, "low": 0.5, "high": 2.0, "unit": "multiplier", "source": "assumption"}


def test_a_well_formed_entry_parses():
    [spec] = parse_entries({"x.y": GOOD_ENTRY}, "test").values()
    assert (spec.value, spec.low, spec.high, spec.unit) == (1.0, 0.5, 2.0, "multiplier")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({**GOOD_ENTRY, "hihg": 3.0}, "unknown field 'hihg'"),
        ({k: v for k, v in GOOD_ENTRY.items() if k != "source"}, "missing field 'source'"),
        ({**GOOD_ENTRY, "unit": "furlongs"}, "unknown unit 'furlongs'"),
        ({**GOOD_ENTRY, "kind": "integer"}, "unknown kind 'integer'"),
    ],
)
def test_a_malformed_registry_entry_is_an_error_naming_the_entry_and_field(entry, message):
    with pytest.raises(ValueError, match=message) as caught:
        parse_entries({"x.y": entry}, "test")
    assert "test: x.y:" in str(caught.value)


def test_every_malformed_entry_is_reported_at_once():
    bad = {"a.b": {**GOOD_ENTRY, "extra": 1}, "c.d": {**GOOD_ENTRY, "unit": "furlongs"}}
    with pytest.raises(ValueError) as caught:
        parse_entries(bad, "test")
    assert str(caught.value).count("\n") == 1
    assert "a.b" in str(caught.value) and "c.d" in str(caught.value)
