"""Style -> SKU: forecast where the signal is strong, split by learned size and colour curves.

A style's total sales are far less noisy than one size of one colour, so it often pays to
forecast the style and share it out. Shares come from each SKU's own recent sales, shrunk
towards what its attributes predict — the size curve (M sells more than XXL) and colour mix
learned over the whole catalogue — so a SKU with three sales still gets a sensible share and
the shares of a style always add up to one. ``reconcile`` does the same for two forecasts that
already exist: SKU forecasts are rescaled so they add up to the style forecast.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecasting.api import quantile_names


def _check_hierarchy(hierarchy: pd.DataFrame, level: str) -> pd.DataFrame:
    for col in ("unique_id", level):
        if col not in hierarchy.columns:
            raise ValueError(f"The hierarchy frame lacks column {col!r}.")
    return hierarchy.drop_duplicates("unique_id")


def aggregate(
    df: pd.DataFrame,
    hierarchy: pd.DataFrame,
    level: str,
    mean_columns: Sequence[str] = ("price",),
    min_columns: Sequence[str] = ("rank",),
) -> pd.DataFrame:
    """Sum a SKU-level long frame up to ``level`` (e.g. ``style``); ``unique_id`` becomes it.

    Counts (``y``, clicks, carts) add up; prices average; ranks take the best (lowest).
    """
    h = _check_hierarchy(hierarchy, level)
    data = df.merge(h[["unique_id", level]], on="unique_id", how="left")
    data[level] = data[level].where(data[level].notna(), data["unique_id"])
    value_cols = [c for c in df.columns if c not in ("unique_id", "ds")]
    how = {}
    for c in value_cols:
        if not pd.api.types.is_numeric_dtype(data[c]):
            continue
        how[c] = "mean" if c in mean_columns else "min" if c in min_columns else "sum"
    out = data.groupby([level, "ds"], as_index=False).agg(how)
    return out.rename(columns={level: "unique_id"})


def learn_shares(
    df: pd.DataFrame,
    hierarchy: pd.DataFrame,
    level: str,
    attributes: Sequence[str] = (),
    window: int = 56,
    prior_units: float = 20.0,
) -> pd.DataFrame:
    """Share of each SKU in its group: ``unique_id``, ``level``, ``share`` (sums to 1 per group).

    Args:
        df: SKU-level long frame (``unique_id``, ``ds``, ``y``).
        hierarchy: ``unique_id`` -> ``level`` and attribute columns (e.g. ``size``, ``colour``).
        attributes: columns whose catalogue-wide curves form the prior share.
        window: recent periods whose sales count.
        prior_units: how many units of the group's own sales the prior is worth.
    """
    h = _check_hierarchy(hierarchy, level)
    missing = [a for a in attributes if a not in h.columns]
    if missing:
        raise ValueError(f"The hierarchy frame lacks attribute column(s) {', '.join(missing)}.")
    data = df.copy()
    data["ds"] = pd.to_datetime(data["ds"])
    cutoff = data["ds"].max() - pd.Timedelta(days=window)
    recent = data[data["ds"] > cutoff].groupby("unique_id")["y"].sum()
    out = h[["unique_id", level, *attributes]].copy()
    out["sales"] = out["unique_id"].map(recent).fillna(0.0)
    # prior: product of catalogue-wide attribute curves (a size curve, a colour mix)
    prior = np.ones(len(out))
    for attr in attributes:
        curve = out.groupby(attr)["sales"].sum() + 1.0
        curve = curve / curve.mean()
        prior = prior * out[attr].map(curve).to_numpy(float)
    out["prior"] = prior
    out["prior"] = out["prior"] / out.groupby(level)["prior"].transform("sum")
    total = out.groupby(level)["sales"].transform("sum")
    weight = total / (total + prior_units)
    own = np.where(total > 0, out["sales"] / total.where(total > 0, 1.0), out["prior"])
    out["share"] = weight * own + (1 - weight) * out["prior"]
    out["share"] = out["share"] / out.groupby(level)["share"].transform("sum")
    return out[["unique_id", level, "share"]].reset_index(drop=True)


def _value_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c == "yhat" or (c.startswith("q") and c[1:2].isdigit())]


def split(group_forecast: pd.DataFrame, shares: pd.DataFrame, level: str) -> pd.DataFrame:
    """SKU forecasts from group forecasts: point and quantiles times the SKU's share.

    The point forecasts of a group's SKUs add up to the group's exactly. (Scaled quantiles are
    the quantiles of a SKU whose share is fixed; they do not add up, nor should they.)
    """
    values = _value_columns(group_forecast)
    g = group_forecast.rename(columns={"unique_id": level})
    out = shares.merge(g, on=level, how="inner")
    for c in values:
        out[c] = out[c] * out["share"]
    if "method" in out.columns:
        out["method"] = out["method"].astype(str) + "+split"
    cols = ["unique_id", "ds", *values] + (["method"] if "method" in out.columns else [])
    return out[cols].sort_values(["unique_id", "ds"]).reset_index(drop=True)


def reconcile(
    sku_forecast: pd.DataFrame,
    group_forecast: pd.DataFrame,
    hierarchy: pd.DataFrame,
    level: str,
) -> pd.DataFrame:
    """Rescale SKU forecasts so they add up to the group forecast on every date.

    The mix comes from the SKU forecasts (they see each SKU's own signals), the total from the
    group forecast (less noisy). A group whose SKU forecasts are all zero is split evenly.
    """
    h = _check_hierarchy(hierarchy, level)
    values = _value_columns(sku_forecast)
    out = sku_forecast.merge(h[["unique_id", level]], on="unique_id", how="left")
    out[level] = out[level].where(out[level].notna(), out["unique_id"])
    sums = out.groupby([level, "ds"])["yhat"].transform("sum")
    counts = out.groupby([level, "ds"])["yhat"].transform("size")
    top = group_forecast.rename(columns={"unique_id": level, "yhat": "_top"})[[level, "ds", "_top"]]
    out = out.merge(top, on=[level, "ds"], how="left")
    has_top = out["_top"].notna().to_numpy()
    share = np.where(sums.to_numpy() > 0, out["yhat"] / sums.where(sums > 0, 1.0), 1.0 / counts)
    factor = np.where(
        out["yhat"].to_numpy() > 0,
        out["_top"].to_numpy() * share / out["yhat"].where(out["yhat"] > 0, 1.0).to_numpy(),
        np.nan,
    )
    for c in values:
        if c == "yhat":
            continue
        scaled = out[c].to_numpy() * factor
        # a zero SKU forecast has no quantile shape to scale: give it its share of the top's
        out[c] = np.where(has_top, np.where(np.isnan(factor), out["_top"] * share, scaled), out[c])
    out["yhat"] = np.where(has_top, out["_top"] * share, out["yhat"])
    return out.drop(columns=[level, "_top"])


__all__ = ["aggregate", "learn_shares", "quantile_names", "reconcile", "split"]
