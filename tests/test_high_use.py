"""Persistence of high use, measured as Bottle, Aylin & Majeed (JRSM 2006) measure it: of the
people who survive an emergency admission, the share with two or more further emergency
admissions in the year after it. The expected counts are replayed here from each day's
admissions and finished stays, never read back from the component that counts them."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_scenario

from sim.model import IPCModel

SIZE, DAYS = 3000, 430
YEAR = 365


@pytest.fixture(scope="module")
def run():
    model = IPCModel(small_scenario(size=SIZE, days=DAYS), root_seed=11)
    admitted, stays = [], []
    for _ in range(DAYS):
        model.step()
        admitted.append(model.today.admitted.copy())
        s = model.today.stays
        stays.append((s.person.copy(), np.floor(s.admitted), s.died.copy()))
    return model.recorder.frame(), admitted, stays


def replay(admitted, stays) -> tuple[list[int], list[int]]:
    """Each person's first survived admission from day 0 is their index; count their
    admissions in the 365 days from it; close the year on its 365th day after."""
    index: dict[int, int] = {}
    further: dict[int, int] = {}
    followed, persisted = [], []
    for day, (today, (person, began, died)) in enumerate(zip(admitted, stays, strict=True)):
        for p in today:
            if int(p) in index and day - index[int(p)] < YEAR:
                further[int(p)] = further.get(int(p), 0) + 1
        ended = [p for p, d in index.items() if d == day - YEAR]
        followed.append(len(ended))
        persisted.append(sum(1 for p in ended if further.get(p, 0) >= 2))
        for p, b, d in zip(person, began, died, strict=True):
            if not d and b >= 0 and int(p) not in index:
                index[int(p)] = int(b)
    return followed, persisted


def test_the_year_after_a_survived_admission_is_followed_and_two_further_admissions_count(run):
    daily, admitted, stays = run
    followed, persisted = replay(admitted, stays)
    assert sum(followed) > 100 and sum(persisted) > 10  # the check has something to check
    assert daily["high_use_followed_up"].tolist() == followed
    assert daily["high_use_persisted"].tolist() == persisted


def test_nobody_is_followed_up_before_a_year_has_passed(run):
    daily, _, _ = run
    assert daily.loc[daily["day"] < YEAR, "high_use_followed_up"].sum() == 0
