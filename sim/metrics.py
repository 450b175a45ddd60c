"""The daily outcome columns of the output contract, and how each one is summarised."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FLOW, STOCK = "flow", "stock"
READMISSION_WINDOW_DAYS = 30  # the NHS indicator's definition, not a model parameter


@dataclass(frozen=True)
class Metric:
    """A daily outcome. Flows are summed to annual totals; stocks are averaged over days."""

    name: str
    kind: str
    description: str


METRICS: tuple[Metric, ...] = (
    Metric("crises", FLOW, "cohort crises (A&E attendances plus crises managed at home)"),
    Metric("crises_managed_at_home", FLOW, "crises handled without A&E (care-plan contingency)"),
    Metric("ae_attendances", FLOW, "cohort A&E attendances"),
    Metric("emergency_admissions", FLOW, "cohort emergency admissions"),
    Metric("short_stay_admissions", FLOW, "cohort zero- and one-day admissions"),
    Metric("discharges", FLOW, "cohort discharges alive"),
    Metric("length_of_stay_days", FLOW, "summed length of stay of today's finished stays"),
    Metric("bed_days", FLOW, "cohort occupied beds at the midnight census"),
    Metric("dtoc_days", FLOW, "cohort patients medically fit but not discharged at midnight"),
    Metric("readmissions_30d", FLOW, "admissions within 30 days of the person's last discharge"),
    Metric("delayed_discharges", FLOW, "cohort discharges that waited at least one midnight"),
    Metric("deaths", FLOW, "cohort deaths, at home, in hospital or in a care home"),
    Metric("care_home_admissions", FLOW, "cohort discharges to a care home (P3)"),
    Metric("carer_breakdowns", FLOW, "breakdowns of informal carers"),
    Metric("plans_completed", FLOW, "personalised care and support plans completed"),
    Metric("phbs_active", STOCK, "personal health budgets in payment"),
    Metric("peer_members_active", STOCK, "people in a peer support group"),
    Metric("advocacy_active", STOCK, "people with an advocate"),
    Metric("ae_wait_hours", STOCK, "mean wait for an A&E cubicle, hours (finished and ongoing)"),
    Metric("ae_waiting_for_bed", STOCK, "admitted cohort patients held in A&E for a bed at midnight"),
    Metric("alive", STOCK, "cohort alive at the end of the day"),
    Metric("at_home", STOCK, "cohort at home"),
    Metric("in_hospital", STOCK, "cohort in A&E or a hospital bed"),
    Metric("in_care_home", STOCK, "cohort in a care home"),
    Metric("hospital_bed_days", FLOW, "all occupied beds at midnight (cohort and background)"),
    Metric("hospital_bed_occupancy", STOCK, "share of all beds occupied at midnight"),
    Metric("hospital_dtoc_days", FLOW, "all delayed days: cohort plus expected background"),
    Metric("cost_nhs", FLOW, "NHS cost, GBP"),
    Metric("cost_social_care", FLOW, "local-authority social care cost, GBP"),
    Metric("cost_phb", FLOW, "personal health budget spend, GBP"),
    Metric("cost_programme", FLOW, "IPC programme cost (staff, groups), GBP"),
    Metric("cost_total", FLOW, "sum of the four costs, GBP"),
)
METRIC_NAMES = tuple(m.name for m in METRICS)
KIND = {m.name: m.kind for m in METRICS}


class Recorder:
    """Preallocated daily columns; one `record` call per day."""

    def __init__(self, days: int):
        self.days = days
        self._data = {name: np.zeros(days) for name in METRIC_NAMES}

    def record(self, day: int, values: dict[str, float]) -> None:
        unknown = values.keys() - self._data.keys()
        if unknown:
            raise KeyError(f"unknown metrics {sorted(unknown)}")
        for name, value in values.items():
            self._data[name][day] = value
        self._data["cost_total"][day] = sum(
            self._data[c][day] for c in ("cost_nhs", "cost_social_care", "cost_phb", "cost_programme")
        )

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"day": np.arange(self.days, dtype=np.int32)})
        for name in METRIC_NAMES:
            frame[name] = self._data[name]
        return frame
