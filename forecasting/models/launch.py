"""New products: the launch curve of similar products, scaled by the newcomer's first clicks.

A SKU launched three days ago has no history to extrapolate, but the category has launched
many products before. Aligning those on their launch day gives a typical curve of sales by age;
the newcomer's own first days of clicks (or orders) relative to theirs at the same age say how
much bigger or smaller it is. Series that are not new get the seasonal moving average.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from forecasting.models.base import Model
from forecasting.models.baselines import SeasonalMovingAverage
from forecasting.models.funnel import funnel_column
from forecasting.panel import Panel


def _young_age(season: int) -> int:
    return 4 * season if season <= 12 else 26


class LaunchCurve(Model):
    """Peer launch curve x own early activity ratio, for series younger than 4 seasons."""

    alias = "launch"
    uses_signals = True
    columns: ClassVar[tuple[str, ...]] = ("clicks", "views", "page_views", "carts")

    def __init__(self, min_peers: int = 3) -> None:
        super().__init__()
        self.min_peers = min_peers

    @classmethod
    def applicable(cls, panel: Panel) -> bool:
        young = panel.age < _young_age(panel.season)
        launched = panel.start > 0
        return bool(young.any() and launched.sum() > young.sum())

    def predict(self, h: int) -> np.ndarray:
        p = self.panel
        out = SeasonalMovingAverage().fit(p).predict(h)
        col = funnel_column(p, self.columns)
        act = p.y if col is None else np.nan_to_num(p.signals[col])
        young = np.flatnonzero(p.age < _young_age(p.season))
        launched = p.start > 0
        group = None
        if p.groups is not None and p.groups.shape[1] >= 2:
            group = p.groups.iloc[:, -1].astype(str).to_numpy()  # coarsest level, e.g. category
        for i in young:
            a = int(p.age[i])
            peers = launched & (p.age >= a + h)
            peers[i] = False
            if group is not None:
                same = peers & (group == group[i])
                if same.sum() >= self.min_peers:
                    peers = same
            idx = np.flatnonzero(peers)
            if len(idx) == 0:
                continue
            starts = p.start[idx]
            early = np.array([act[j, s : s + a].sum() for j, s in zip(idx, starts, strict=True)])
            own = act[i, p.start[i] :].sum()
            ratio = (own + 0.5) / (early.mean() + 0.5)
            curve = np.array([p.y[idx, starts + a + k].mean() for k in range(h)])
            out[i] = ratio * curve
        return out
