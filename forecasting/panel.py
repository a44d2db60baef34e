"""The panel: a long DataFrame turned into aligned arrays that every model reads.

Models work on ``(n_series, n_periods)`` numpy arrays because that is what makes 10,000 series
fast. ``Panel.cut`` is the single place where a backtest hides the future: a model only ever
receives history up to the origin and the known-ahead exogenous columns up to origin + horizon,
so no model can peek past the origin by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from forecasting.frequency import make_grid, positions, season_length

REQUIRED = ("unique_id", "ds", "y")


@dataclass
class Panel:
    """Aligned history of many series on one time grid.

    ``y`` holds NaN before a series' first observation. Observed ``signals`` cover the history
    only; known-ahead ``exog`` covers history plus ``horizon`` future periods.
    """

    ids: np.ndarray
    dates: pd.DatetimeIndex
    future_dates: pd.DatetimeIndex
    y: np.ndarray
    start: np.ndarray
    signals: dict[str, np.ndarray]
    exog: dict[str, np.ndarray]
    season: int
    freq: str
    groups: pd.DataFrame | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    @property
    def T(self) -> int:
        return int(self.y.shape[1])

    @property
    def horizon(self) -> int:
        return len(self.future_dates)

    @property
    def age(self) -> np.ndarray:
        """Number of observed periods per series (periods since launch)."""
        return self.T - self.start

    def cut(self, origin: int, horizon: int) -> Panel:
        """History before ``origin`` for the series that had started by then.

        The returned panel's future is ``[origin, origin + horizon)``; observed signals and
        ``y`` after the origin are dropped, exogenous columns are kept up to the new horizon
        because they are known ahead (planned price, promotion, broadcast schedule).
        """
        if not 0 < origin <= self.T:
            raise ValueError(f"Origin {origin} is outside the history of {self.T} periods.")
        keep = np.flatnonzero(self.start < origin)
        all_dates = cast(pd.DatetimeIndex, self.dates.append(self.future_dates))
        end = origin + horizon
        if end > len(all_dates):
            raise ValueError("Horizon runs past the known exogenous values.")
        groups = None
        if self.groups is not None:
            groups = self.groups.iloc[keep].reset_index(drop=True)
        return Panel(
            ids=self.ids[keep],
            dates=all_dates[:origin],
            future_dates=all_dates[origin:end],
            y=self.y[keep, :origin].copy(),
            start=self.start[keep].copy(),
            signals={k: v[keep, :origin].copy() for k, v in self.signals.items()},
            exog={k: v[keep, :end].copy() for k, v in self.exog.items()},
            season=self.season,
            freq=self.freq,
            groups=groups,
            meta={**self.meta, "index": keep},
        )

    def subset(self, rows: np.ndarray) -> Panel:
        """The same panel restricted to the series at ``rows`` (used to split work)."""
        return Panel(
            ids=self.ids[rows],
            dates=self.dates,
            future_dates=self.future_dates,
            y=self.y[rows],
            start=self.start[rows],
            signals={k: v[rows] for k, v in self.signals.items()},
            exog={k: v[rows] for k, v in self.exog.items()},
            season=self.season,
            freq=self.freq,
            groups=None if self.groups is None else self.groups.iloc[rows].reset_index(drop=True),
            meta=dict(self.meta),
        )


def _check_columns(df: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ValueError(
            f"The data lacks column(s) {', '.join(missing)}; it needs unique_id, ds and y."
        )


def build_panel(
    df: pd.DataFrame,
    horizon: int,
    freq: str = "D",
    future_exog: Sequence[str] = (),
    future_df: pd.DataFrame | None = None,
    hierarchy: pd.DataFrame | None = None,
    season: int | None = None,
) -> Panel:
    """Validate a long frame and pivot it into a :class:`Panel`.

    Rules, chosen for sales data: a period missing after a series' first row means zero sales;
    a missing observed signal stays NaN (the models cope); a missing exogenous value in the
    history is carried forward. Future exogenous values must be given for every series and
    future period, because guessing a planned price would be a silent error.
    """
    _check_columns(df)
    if horizon < 1:
        raise ValueError(f"Horizon must be at least 1, got {horizon}.")
    future_exog = list(future_exog)
    unknown = [c for c in future_exog if c not in df.columns]
    if unknown:
        raise ValueError(f"future_exog column(s) {', '.join(unknown)} are not in the data.")
    if len(df) == 0:
        raise ValueError("The data has no rows.")
    data = df.copy()
    data["ds"] = pd.to_datetime(data["ds"])
    if data["ds"].isna().any():
        raise ValueError("Column ds has missing or unparseable dates.")
    data["y"] = pd.to_numeric(data["y"], errors="coerce")
    if data["y"].isna().any():
        bad = data.loc[data["y"].isna(), "unique_id"].iloc[0]
        raise ValueError(f"Column y has missing or non-numeric values (first in series {bad!r}).")
    dup = data.duplicated(["unique_id", "ds"])
    if dup.any():
        row = data.loc[dup].iloc[0]
        raise ValueError(
            f"{int(dup.sum())} duplicate (unique_id, ds) rows, e.g. {row['unique_id']!r} on "
            f"{row['ds'].date()}; sum them (e.g. over live rooms) before forecasting."
        )
    start_ts = data["ds"].min()
    pos, T = positions(data["ds"], start_ts, freq)
    codes, uniques = pd.factorize(data["unique_id"], sort=True)
    n = len(uniques)
    ids = np.asarray(uniques, dtype=object)

    y = np.full((n, T), np.nan)
    y[codes, pos.to_numpy()] = data["y"].to_numpy(dtype=float)
    first = np.full(n, T, dtype=np.int64)
    np.minimum.at(first, codes, pos.to_numpy())
    after = np.arange(T)[None, :] >= first[:, None]
    y[after & np.isnan(y)] = 0.0

    signal_cols = [c for c in data.columns if c not in (*REQUIRED, *future_exog)]
    signals = {}
    for col in signal_cols:
        values = pd.to_numeric(data[col], errors="coerce")
        if values.notna().sum() == 0:
            continue  # a text column (e.g. a name) carries no numeric signal
        arr = np.full((n, T), np.nan)
        arr[codes, pos.to_numpy()] = values.to_numpy(dtype=float)
        signals[col] = arr

    dates = make_grid(start_ts, T, freq)
    future_dates = make_grid(start_ts, T + horizon, freq)[T:]
    exog = _exog_arrays(
        data, codes, pos, ids, n, T, horizon, future_exog, future_df, dates, future_dates, freq
    )

    groups = None
    if hierarchy is not None:
        groups = _align_hierarchy(hierarchy, ids)
    return Panel(
        ids=ids,
        dates=dates,
        future_dates=future_dates,
        y=y,
        start=first,
        signals=signals,
        exog=exog,
        season=season or season_length(freq),
        freq=freq,
        groups=groups,
    )


def _exog_arrays(
    data: pd.DataFrame,
    codes: np.ndarray,
    pos: pd.Series,
    ids: np.ndarray,
    n: int,
    T: int,
    horizon: int,
    future_exog: Sequence[str],
    future_df: pd.DataFrame | None,
    dates: pd.DatetimeIndex,
    future_dates: pd.DatetimeIndex,
    freq: str,
) -> dict[str, np.ndarray]:
    """Known-ahead columns as ``(n, T + horizon)`` arrays, history then future."""
    exog: dict[str, np.ndarray] = {}
    if not future_exog:
        return exog
    if future_df is None:
        raise ValueError(
            f"future_exog names {', '.join(future_exog)} but no future_df gives their values "
            "for the horizon."
        )
    fut = None
    if future_df is not None:
        missing = [c for c in ("unique_id", "ds", *future_exog) if c not in future_df.columns]
        if missing:
            raise ValueError(f"future_df lacks column(s) {', '.join(missing)}.")
        fut = future_df.copy()
        fut["ds"] = pd.to_datetime(fut["ds"])
        id_index = pd.Index(ids)
        fcode = id_index.get_indexer(fut["unique_id"])
        date_index = pd.Index(future_dates)
        fpos = date_index.get_indexer(pd.Index(fut["ds"]))
        keep = (fcode >= 0) & (fpos >= 0)
        fut, fcode, fpos = fut[keep], fcode[keep], fpos[keep]
    for col in future_exog:
        arr = np.full((n, T + horizon), np.nan)
        arr[codes, pos.to_numpy()] = pd.to_numeric(data[col], errors="coerce").to_numpy(float)
        hist = pd.DataFrame(arr[:, :T].T).ffill().bfill().to_numpy().T
        arr[:, :T] = hist
        if fut is not None:
            arr[fcode, T + fpos] = pd.to_numeric(fut[col], errors="coerce").to_numpy(float)
        if np.isnan(arr[:, T:]).any():
            i, j = np.argwhere(np.isnan(arr[:, T:]))[0]
            raise ValueError(
                f"future_df has no value of {col!r} for series {ids[i]!r} on "
                f"{future_dates[j].date()}; known-ahead columns need every future period."
            )
        exog[col] = arr
    return exog


def _align_hierarchy(hierarchy: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """Hierarchy rows in panel order; series missing from it form their own group."""
    if "unique_id" not in hierarchy.columns:
        raise ValueError("The hierarchy frame needs a unique_id column.")
    h = hierarchy.drop_duplicates("unique_id").set_index("unique_id")
    out = h.reindex(pd.Index(ids, name="unique_id"))
    for col in out.columns:
        out[col] = out[col].astype(object).where(out[col].notna(), pd.Series(ids, index=out.index))
    return out.reset_index()
