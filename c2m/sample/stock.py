"""What the factory holds when the history ends: finished goods, fabric, confirmed orders.

Stock levels come from the realised history the merchandiser has seen (recent sales times a
random cover), never from the future, so a planner starting from them faces what a real one
does: some SKUs overstocked from old batches, some sold out, fabric for one to two weeks with
deliveries on order.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

# Share of SKUs sold out when the history ends (live rooms sell through fast).
SOLD_OUT_SHARE = 0.25
# Days of recent sales held otherwise: gamma with mean 12 days, as batch production leaves it.
COVER_SHAPE, COVER_SCALE = 2.0, 6.0


def inventory(
    rng: np.random.Generator, skus: pd.DataFrame, recent_daily: np.ndarray, as_of: dt.date
) -> pd.DataFrame:
    """Finished goods per SKU (inventory.csv); SKUs not launched yet hold nothing."""
    cover = rng.gamma(COVER_SHAPE, COVER_SCALE, len(skus))
    cover[rng.random(len(skus)) < SOLD_OUT_SHARE] = 0.0
    launched = pd.to_datetime(skus["launch_date"]).dt.date.to_numpy() <= as_of
    on_hand = np.where(launched, np.rint(recent_daily * cover), 0).astype(int)
    return pd.DataFrame({"sku": skus["sku"].to_numpy(), "on_hand": on_hand, "as_of": as_of})


def fabric_rows(
    rng: np.random.Generator,
    fabrics: pd.DataFrame,
    usage: pd.Series,
    as_of: dt.date,
    future_days: int,
) -> pd.DataFrame:
    """Fabric on hand (no due date) and deliveries on order (fabric.csv).

    ``usage`` is recent fabric consumption a day per fabric code. A fabric only future styles
    use still gets a modest stock: buyers book fabric for a launch ahead of its first sale.
    """
    floor = 0.3 * float(usage[usage > 0].mean()) if (usage > 0).any() else 1.0
    rows = []
    po = 0
    for fab in fabrics.itertuples(index=False):
        rate = max(float(usage.get(fab.fabric, 0.0)), floor)
        rows.append(
            {
                "fabric": fab.fabric,
                "name": fab.name,
                "unit": fab.unit,
                "roll_size": fab.roll_size,
                "quantity": _round(rate * rng.uniform(4, 15), fab.unit),
                "due_date": None,
                "reference": "",
            }
        )
        horizon = max(3, min(future_days, 21))
        for _ in range(int(rng.integers(1, 4))):
            po += 1
            rolls = np.ceil(rate * rng.uniform(7, 14) / fab.roll_size)
            rows.append(
                {
                    "fabric": fab.fabric,
                    "name": fab.name,
                    "unit": fab.unit,
                    "roll_size": fab.roll_size,
                    "quantity": float(rolls * fab.roll_size),
                    "due_date": as_of + dt.timedelta(days=int(rng.integers(2, horizon + 1))),
                    "reference": f"PO-{as_of:%y%m}-{po:03d}",
                }
            )
    return pd.DataFrame(rows)


def _round(quantity: float, unit: str) -> float:
    return round(quantity, 1) if unit == "kg" else float(round(quantity))


def open_orders(
    rng: np.random.Generator,
    skus: pd.DataFrame,
    as_of: dt.date,
    future_days: int,
) -> pd.DataFrame:
    """A few confirmed wholesale orders (orders.csv): one style, a handful of its SKUs each.

    They are demand on top of the live rooms and known exactly, so they are not in the truth.
    """
    launched = skus[pd.to_datetime(skus["launch_date"]).dt.date <= as_of]
    styles = launched["style"].unique()
    rows = []
    if len(styles) == 0:
        return pd.DataFrame(columns=["reference", "sku", "due_date", "quantity"])
    for j in range(int(rng.integers(3, 7))):
        style = rng.choice(styles)
        candidates = launched.loc[launched["style"] == style, "sku"].to_numpy()
        picked = rng.choice(
            candidates, size=min(len(candidates), int(rng.integers(2, 7))), replace=False
        )
        due = as_of + dt.timedelta(days=int(rng.integers(5, max(6, min(future_days, 25)) + 1)))
        for sku in sorted(picked):
            rows.append(
                {
                    "reference": f"WO-{as_of:%y%m}-{j + 1:02d}",
                    "sku": str(sku),
                    "due_date": due,
                    "quantity": int(10 * rng.integers(3, 21)),
                }
            )
    return pd.DataFrame(rows)
