"""The daily outcome columns of the output contract, and how each one is summarised.

The columns are the components' own declarations (`Component.metrics`), in daily order, and
the costs by payer, which every component adds to.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.catalogue import component_classes
from sim.component import FLOW, STOCK, Metric

__all__ = ["COST_TOTAL", "FLOW", "KIND", "METRICS", "METRIC_NAMES", "PAYERS", "STOCK", "Metric", "Recorder"]

# Costs by payer: any component adds the cost of its own activity to these.
PAYERS: tuple[Metric, ...] = (
    Metric("cost_nhs", FLOW, "NHS cost, GBP"),
    Metric("cost_social_care", FLOW, "local-authority social care cost, GBP"),
    Metric("cost_phb", FLOW, "personal health budget spend, GBP"),
    Metric("cost_programme", FLOW, "IPC programme cost (staff, groups), GBP"),
)
COST_TOTAL = Metric("cost_total", FLOW, "sum of the four costs, GBP")

# Every daily column: each component's own outcomes, in daily order, then the costs.
METRICS: tuple[Metric, ...] = (
    *(m for cls in component_classes() for m in cls.metrics),
    *PAYERS,
    COST_TOTAL,
)
METRIC_NAMES = tuple(m.name for m in METRICS)
KIND = {m.name: m.kind for m in METRICS}
if len(set(METRIC_NAMES)) != len(METRIC_NAMES):
    raise ValueError(f"a daily metric is declared twice: {sorted(METRIC_NAMES)}")


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
        self._data[COST_TOTAL.name][day] = sum(self._data[payer.name][day] for payer in PAYERS)

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"day": np.arange(self.days, dtype=np.int32)})
        for name in METRIC_NAMES:
            frame[name] = self._data[name]
        return frame
