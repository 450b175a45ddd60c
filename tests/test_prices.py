"""One price year: every cost in the registry is its published figure times the uplift to
2017/18, and the uplift is the product of the PSSRU index's yearly rises. The expected factors
are worked out here from the written table and by hand, never read back from `sim.prices`."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from sim.levers import lever_classes
from sim.params import MONEY_UNITS, REGISTRY, Params, parse_entries
from sim.prices import UNKNOWN, parse_index, price_index

COSTS = [p for p in REGISTRY.values() if p.unit in MONEY_UNITS]


def written_entries() -> dict[str, dict]:
    """Every registry entry as written: parameters.yaml and each lever's own."""
    text = resources.files("sim").joinpath("data/parameters.yaml").read_text(encoding="utf-8")
    entries = dict(yaml.safe_load(text))
    for lever in lever_classes():
        entries.update(lever.parameter_entries)
    return entries


def written_index() -> dict:
    text = resources.files("sim").joinpath("data/price_index.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def factor_from_table(year: str) -> float:
    """The uplift to the base year from the written table: multiply (1 + rise) for each year
    after `year` up to the base year; divide for each year after the base up to `year`."""
    table = written_index()
    base = int(table["base_year"][:4])
    start = int(year[:4])
    factor = 1.0
    for row_year, row in table["years"].items():
        row_start = int(row_year[:4])
        if start < row_start <= base:
            factor *= 1 + row["rise"]
        if base < row_start <= start:
            factor /= 1 + row["rise"]
    return factor


def test_the_registry_has_costs_in_every_money_unit():
    assert {p.unit for p in COSTS} == set(MONEY_UNITS)
    assert len(COSTS) >= 11


@pytest.mark.parametrize("spec", COSTS, ids=[p.name for p in COSTS])
def test_every_cost_is_its_written_original_times_its_uplift(spec):
    written = written_entries()[spec.name]

    assert spec.original == written["original"]
    assert spec.price_year == str(written["price_year"])
    assert spec.value == pytest.approx(written["original"] * spec.uplift, rel=1e-12)
    assert (spec.low, spec.high) == pytest.approx(
        (written["low"] * spec.uplift, written["high"] * spec.uplift), rel=1e-12
    )


@pytest.mark.parametrize("spec", COSTS, ids=[p.name for p in COSTS])
def test_every_uplift_is_the_product_of_the_yearly_rises_of_the_index(spec):
    expected = 1.0 if spec.price_year == UNKNOWN else factor_from_table(spec.price_year)
    assert spec.uplift == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("spec", [p for p in COSTS if p.price_year == UNKNOWN], ids=lambda p: p.name)
def test_a_cost_of_unknown_price_year_is_taken_as_stated_and_its_source_says_why(spec):
    assert spec.uplift == 1.0 and spec.value == spec.original
    assert "assumption" in spec.source or "unknown" in spec.source


def test_a_2016_17_cost_is_uplifted_by_the_2017_18_rise_alone():
    # reference costs 2016/17: A&E GBP 148 x 1.0124 = GBP 149.8352
    assert REGISTRY["costs.ae_attendance"].value == pytest.approx(149.8352, abs=1e-9)


def test_a_2013_14_cost_is_uplifted_through_four_years_of_two_chained_series():
    # New Economy 2013-14 GBP 40 an hour: HCHS 2014/15 +0.9%, then NHSCII 2015/16 +0.40%,
    # 2016/17 +2.09%, 2017/18 +1.24%: 40 x 1.009 x 1.004 x 1.0209 x 1.0124 = 41.88130...
    by_hand = 40 * 1.009 * 1.004 * 1.0209 * 1.0124
    assert by_hand == pytest.approx(41.8813, abs=5e-5)
    assert REGISTRY["costs.coordinator_hour"].value == pytest.approx(by_hand, rel=1e-12)
    assert REGISTRY["costs.coordinator_hour"].uplift == pytest.approx(1.047033, abs=5e-7)


def test_a_cost_later_than_2017_18_is_deflated():
    # UKHCA, rates paid in April 2018 (2018/19 prices): GBP 16.12 / 1.016 = GBP 15.8661
    assert REGISTRY["costs.home_care_hour"].value == pytest.approx(16.12 / 1.016, rel=1e-12)
    assert REGISTRY["costs.home_care_hour"].value == pytest.approx(15.8661, abs=5e-5)


def test_the_base_year_needs_no_uplift():
    assert price_index().factor("2017/18") == 1.0
    assert REGISTRY["costs.care_home_week"].value == 621


def test_a_scenario_override_of_a_cost_is_in_2017_18_prices_and_not_uplifted_again():
    assert Params({"costs.ae_attendance": 160.0}).source_value("costs.ae_attendance") == 160.0


COST = {"original": 100, "low": 50, "high": 200, "price_year": "2016/17", "unit": "GBP", "source": "x"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({**COST, "price_year": "2010/11"}, "no price index rise for 2011/12"),
        ({**COST, "price_year": "2019/20"}, "no price index rise for 2019/20"),
        ({**COST, "price_year": "2016/18"}, "price year must be a financial year"),
        ({k: v for k, v in COST.items() if k != "price_year"}, "missing field 'price_year'"),
        ({**COST, "value": 100}, "a cost gives 'original' and 'price_year', not 'value'"),
        (
            {"value": 1, "low": 0, "high": 2, "unit": "multiplier", "source": "x", "price_year": "2016/17"},
            "'price_year' is only for costs",
        ),
    ],
)
def test_a_cost_without_a_usable_price_year_is_an_error(entry, message):
    with pytest.raises(ValueError, match=message):
        parse_entries({"x.cost": entry}, "test")


def test_a_price_index_row_without_a_source_is_an_error():
    table = written_index()
    table["years"]["2016/17"] = {"rise": 0.02}
    with pytest.raises(ValueError, match="2016/17"):
        parse_index(table)
