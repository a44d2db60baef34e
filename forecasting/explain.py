"""Why a series got its forecast: each input's contribution, measured by taking it away.

A planner who is asked to cut fabric for 300 units wants to know what the 300 stand on: last
week's sales, the weekday pattern, the clicks and carts, the room calendar. The same question
must have an answer for every model ``auto`` may pick (a moving average has weights, a
gradient-boosting model has none a person can read), so the answer is measured the same way
for all: the chosen model forecasts the series again with one input neutralised, and the
input's contribution is how many units of the horizon's total it was worth. Positive means the
input raised the forecast.

Neutral means "nothing special": the last week no different from the three before it, no
weekday pattern, no signal observed, a flat calendar. The other series keep their data, so a
global model is not refitted: it sees one series change, as it would in production.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from forecasting.engine import combo_members
from forecasting.models import make_model
from forecasting.models.base import Model
from forecasting.panel import Panel, build_panel

#: the days whose level is compared with the weeks before it
LAST_DAYS = 7
#: the window the weekday pattern is read from
PATTERN_DAYS = 28


@dataclass
class Explanation:
    """One series' forecast by its model, and each input's worth in units over the horizon."""

    unique_id: str
    method: str
    #: the model's forecast per future period, refitted here (it matches the stored run's
    #: forecast for the same history and model)
    yhat: np.ndarray
    #: input -> units of the horizon's total it contributed (forecast with it - without it)
    contributions: dict[str, float]


def explain(
    df: pd.DataFrame,
    unique_id: str,
    horizon: int,
    method: str,
    freq: str = "D",
    future_exog: Sequence[str] = (),
    future_df: pd.DataFrame | None = None,
    *,
    hierarchy: pd.DataFrame | None = None,
) -> Explanation:
    """Explain ``method``'s forecast of ``unique_id`` from the long frame ``df``.

    The arguments are those of :func:`forecasting.forecast`; ``method`` is a model alias or a
    combination as ``auto`` names it (``combo:a+b``, the mean of its members;
    ``combo-median:a+b+c``, their median).
    """
    panel = build_panel(df, horizon, freq, future_exog, future_df, hierarchy)
    found = np.flatnonzero(panel.ids == unique_id)
    if len(found) == 0:
        raise ValueError(f"Series {unique_id!r} is not in the data.")
    i = int(found[0])
    how, aliases = combo_members(method)
    models = [make_model(a).fit(panel) for a in aliases]
    base = _predict(models, panel, horizon, how)[i]
    contributions = {}
    for name, changed in ablations(panel, i):
        without = _predict(models, changed, horizon, how)[i]
        contributions[name] = float(base.sum() - without.sum())
    return Explanation(str(unique_id), method, base, contributions)


def _predict(models: list[Model], panel: Panel, h: int, how: str = "mean") -> np.ndarray:
    """Mean (or median) forecast of the fitted ``models`` on ``panel`` (a global model keeps
    its fit)."""
    preds = [np.maximum(np.asarray(m.update(panel).predict(h), dtype=float), 0.0) for m in models]
    combine = np.median if how == "median" else np.mean
    return np.asarray(combine(preds, axis=0), dtype=float)


def ablations(panel: Panel, i: int) -> Iterator[tuple[str, Panel]]:
    """The panel with one input of series ``i`` neutralised, named for a planner."""
    y = panel.y[i]
    if panel.age[i] >= LAST_DAYS + 7:
        before = y[-PATTERN_DAYS:-LAST_DAYS]
        flat = y.copy()
        flat[-LAST_DAYS:] = np.nanmean(before)
        yield f"sales of the last {LAST_DAYS} days vs the weeks before", _with_y(panel, i, flat)
    if panel.season > 1 and PATTERN_DAYS % panel.season == 0 and panel.age[i] >= PATTERN_DAYS:
        flat = y.copy()
        weeks = flat[-PATTERN_DAYS:].reshape(-1, panel.season)
        flat[-PATTERN_DAYS:] = np.repeat(weeks.mean(axis=1), panel.season)
        yield "weekday pattern", _with_y(panel, i, flat)
    for name, values in panel.signals.items():
        if np.all(np.isnan(values[i])):
            continue
        signals = dict(panel.signals)
        signals[name] = values.copy()
        signals[name][i] = np.nan
        yield f"{name} (observed)", replace(panel, signals=signals)
    for name, values in panel.exog.items():
        exog = dict(panel.exog)
        exog[name] = values.copy()
        exog[name][i] = np.nanmean(values[i])
        yield f"{name} (known ahead)", replace(panel, exog=exog)


def _with_y(panel: Panel, i: int, row: np.ndarray) -> Panel:
    y = panel.y.copy()
    y[i] = row
    return replace(panel, y=y)
