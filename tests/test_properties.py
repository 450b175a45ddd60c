"""Property: whatever the capacities and crisis rate, the conservation invariants hold."""

from __future__ import annotations

import math

from conftest import assert_conservation, simulate, small_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

overrides = st.fixed_dictionaries(
    {
        "hospital.beds": st.integers(min_value=0, max_value=950),
        "pathway.p1_places": st.one_of(st.floats(min_value=1.0, max_value=600.0), st.just(math.inf)),
        "crisis.ae_rate": st.floats(min_value=0.0, max_value=3.0),
    }
)


@settings(max_examples=8, deadline=None, database=None)
@given(overrides=overrides, seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_conservation_holds_for_any_capacity_and_crisis_rate(overrides, seed):
    run = simulate(small_scenario(size=1000, days=30, overrides=overrides), seed=seed)
    try:
        assert_conservation(run)
    finally:
        run.model.release()
