"""The network's forecast as Dask tasks: one task per group of series of a fixed size.

The forecasting library already splits a panel into contiguous groups of series
(:func:`forecasting.engine.group_bounds`: ``n // GROUP_SIZE`` groups of the series sorted by
id, never derived from the core count) and selects, fits and calibrates each group on its
own. Here each group is one task on the night's cluster (:func:`c2m.network.engine.run_tasks`)
instead of a process of one machine's pool, so a network's tens of thousands of SKUs spread
over every worker of the cluster. Because the groups and each group's forecast are the
library's, the result is the library's forecast of the whole panel, whatever the number of
workers; the groups come back in id order, never in completion order.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd

from c2m.errors import DataError
from c2m.network.engine import EngineOptions, run_tasks
from c2m.progress import Say, silent


def forecast_group(
    history: pd.DataFrame,
    horizon: int,
    method: str,
    hierarchy: pd.DataFrame | None,
    future_exog: Sequence[str] = (),
    future: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The library's forecast of one group, in one process (the cluster is the parallelism)."""
    import forecasting

    return forecasting.forecast(
        history,
        horizon,
        freq="D",
        method=method,
        future_exog=tuple(future_exog),
        future_df=future,
        hierarchy=hierarchy,
        n_jobs=1,
    )


def group_tasks(
    history: pd.DataFrame,
    horizon: int,
    method: str = "auto",
    hierarchy: pd.DataFrame | None = None,
    future_exog: Sequence[str] = (),
    future: pd.DataFrame | None = None,
) -> dict[str, tuple]:
    """One :func:`forecast_group` call per group of the library's grouping, keyed in id order."""
    from forecasting.engine import group_bounds

    ids = np.sort(history["unique_id"].astype(str).unique())
    bounds = group_bounds(len(ids))
    tasks: dict[str, tuple] = {}
    for i, (a, b) in enumerate(pairwise(bounds)):
        part = set(ids[a:b])

        def cut(frame: pd.DataFrame | None, part: set[str] = part) -> pd.DataFrame | None:
            if frame is None:
                return None
            keep = frame["unique_id"].astype(str).isin(part)
            return frame[keep].reset_index(drop=True)

        tasks[f"forecast-{i:05d}"] = (
            cut(history),
            horizon,
            method,
            cut(hierarchy),
            tuple(future_exog),
            cut(future),
        )
    return tasks


def forecast_on_cluster(
    history: pd.DataFrame,
    horizon: int,
    engine: EngineOptions | None = None,
    method: str = "auto",
    hierarchy: pd.DataFrame | None = None,
    say: Say = silent,
) -> pd.DataFrame:
    """Every series of ``history`` forecast ``horizon`` days ahead, one Dask task per group.

    A group that still fails after the engine's retries fails the forecast with one sentence
    naming it: a night planned without some SKUs' demand would look like a slump."""
    tasks = group_tasks(history, horizon, method, hierarchy)
    say(f"forecasting {history['unique_id'].nunique()} series in {len(tasks)} groups")
    outcome = run_tasks(forecast_group, tasks, engine or EngineOptions(serial=True), say)
    if outcome.failures:
        key, error = next(iter(sorted(outcome.failures.items())))
        raise DataError(f"the forecast's group {key} failed: {error}")
    frames = [outcome.results[k] for k in tasks]
    out = pd.concat(frames, ignore_index=True)
    failures: dict[str, int] = {}
    for frame in frames:
        for k, v in frame.attrs.get("failures", {}).items():
            failures[k] = failures.get(k, 0) + v
    out.attrs["failures"] = failures
    return out
