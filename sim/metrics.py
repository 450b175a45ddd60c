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
    Metric("rehab_starts", FLOW, "pulmonary rehabilitation courses started (COPD)"),
    Metric("care_plan_referrals", FLOW, "people identified and offered care planning"),
    Metric("care_plan_queue", STOCK, "people who accepted and wait for a co-ordinator"),
    Metric("plans_completed", FLOW, "personalised care and support plans completed"),
    Metric("plans_active", STOCK, "people alive with a care plan"),
    Metric("plan_reviews", FLOW, "care plan reviews done"),
    Metric("community_group_referrals", FLOW, "new plans that referred the person to a community group"),
    Metric("phb_offers", FLOW, "personal health budgets offered"),
    Metric("phbs_started", FLOW, "personal health budgets that began payment"),
    Metric("phbs_in_setup", STOCK, "budgets accepted and being set up"),
    Metric("phbs_active", STOCK, "personal health budgets in payment"),
    Metric("peer_referrals", FLOW, "people referred or invited to a peer group"),
    Metric("peer_joins", FLOW, "people who joined a peer group"),
    Metric("peer_members_active", STOCK, "people in a peer support group"),
    Metric("advocacy_cases", FLOW, "people newly supported by an advocate or broker"),
    Metric("advocacy_active", STOCK, "people with an advocate"),
    Metric("caseload_people", FLOW, "planned people whose after-quarter closed today (site measure)"),
    Metric("caseload_ae_before", FLOW, "their A&E attendances in the quarter before the plan"),
    Metric("caseload_ae_after", FLOW, "their A&E attendances in the quarter after the plan"),
    Metric("caseload_short_before", FLOW, "their zero/one-day admissions in the quarter before"),
    Metric("caseload_short_after", FLOW, "their zero/one-day admissions in the quarter after"),
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
