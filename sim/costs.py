"""Daily costs by payer, from the unit costs in the parameter registry (evidence.md 1-2)."""

from __future__ import annotations

import numpy as np

from sim.params import Params
from sim.units import DAYS_PER_WEEK


class Costs:
    """Prices a day's activity for the NHS and the local authority."""

    def __init__(self, params: Params):
        p = params
        self.ae = p["costs.ae_attendance"]
        self.admission = p["costs.emergency_admission"]
        self.excess_bed_day = p["costs.excess_bed_day"]
        self.trim = p["costs.trim_point_days"]
        self.delayed_day = p["costs.delayed_bed_day"]
        self.p2_day = p["costs.intermediate_care_day"]
        self.home_care_day = p["costs.home_care_hour"] * p["pathway.p1_package_hours"] / DAYS_PER_WEEK
        self.care_home_day = p["costs.care_home_week"]

    def day(
        self,
        attendances: int,
        admissions: int,
        stays_to_fit: np.ndarray,
        delayed_patients: int,
        p1_active: int,
        p2_active: int,
        care_home_residents: int,
    ) -> dict[str, float]:
        """NHS: A&E, admissions (episode price plus excess days past the trim point, charged
        when the stay ends), delayed days and intermediate care. Social care: home-care
        packages and care-home places."""
        excess = np.maximum(np.floor(stays_to_fit) - self.trim, 0.0).sum()
        nhs = (
            attendances * self.ae
            + admissions * self.admission
            + excess * self.excess_bed_day
            + delayed_patients * self.delayed_day
            + p2_active * self.p2_day
        )
        social = p1_active * self.home_care_day + care_home_residents * self.care_home_day
        return {"cost_nhs": float(nhs), "cost_social_care": float(social)}
