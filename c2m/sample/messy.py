"""A deliberately messy live-room export, as a merchandiser downloads it from Douyin.

It shows the importer what real exports look like: GBK encoding (what Chinese Excel saves),
Chinese headers, thousands separators (``1,234``) and ten-thousands (``1.2万``), padded cells,
mixed date forms, a blank line, a 合计 summary row and one bad row. The rows are a guest session
in an influencer's room (达人直播间) the day before the history ends: a one-off event outside
the world's own rooms, so importing it next to ``sales.csv`` adds rows and never contradicts
them. ``douyin_export_expected.csv`` holds what a correct import reads from it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from c2m.sample.world import SampleWorld

ROOM = "抖音@小雅穿搭"
HEADER = ["日期", "直播间", "商品编码", "点击量", "加购数", "成交件数", "排名", "价格"]
# A big influencer session: ~150k product clicks, shared by the styles it features.
SESSION_CLICKS = 150_000
HERO_CLICKS = 12_500
STYLES_FEATURED = 6
GUEST_DISCOUNT = 0.15  # influencers negotiate a lower price for their audience


def _shown(value: int) -> tuple[str, int]:
    """The cell text an export shows for a count, and the number it means."""
    if value >= 10_000:
        shown = round(value / 10_000, 1)
        return f"{shown:g}万", round(shown * 10_000)
    if value >= 1_000:
        return f"{value:,}", value
    return str(value), value


def messy_session(world: SampleWorld) -> pd.DataFrame:
    """The guest session's rows (canonical values), one per featured SKU."""
    rng = np.random.default_rng(np.random.SeedSequence([world.seed, 8, 8]))
    day = world.history_end - dt.timedelta(days=1)
    sold = world.catalog[pd.to_datetime(world.catalog["launch_date"]).dt.date <= day]
    recent = world.signals[world.signals["date"] > pd.Timestamp(day - dt.timedelta(days=14))]
    by_style = recent.groupby("style")["orders"].sum().reindex(sold["style"].unique(), fill_value=0)
    weights = by_style.to_numpy() + 1.0
    n = min(STYLES_FEATURED, len(by_style))
    styles = rng.choice(by_style.index.to_numpy(), size=n, replace=False, p=weights / weights.sum())
    rows = sold[sold["style"].isin(styles)].copy()
    appeal = rng.dirichlet(np.full(len(rows), 0.8))
    # the session's hero product draws more than ten thousand clicks (shown as 1.x万)
    total = max(SESSION_CLICKS, HERO_CLICKS / appeal.max())
    clicks = rng.poisson(total * appeal)
    carts = rng.binomial(clicks, 0.12)
    orders = rng.binomial(carts, 0.45)
    rows = rows.assign(clicks=clicks, carts=carts, orders=orders)
    rows = rows[rows["clicks"] > 0].sort_values(["orders", "clicks"], ascending=False)
    rows["rank"] = np.arange(1, len(rows) + 1)
    rows["price"] = np.round(rows["price"] * (1 - GUEST_DISCOUNT), 1)
    rows["date"] = pd.Timestamp(day) + pd.Timedelta(hours=20, minutes=15)
    rows["room_id"] = ROOM
    return rows[
        ["date", "room_id", "sku", "clicks", "carts", "orders", "rank", "price"]
    ].reset_index(drop=True)


def write_messy_export(world: SampleWorld, directory: str | Path) -> list[Path]:
    """Write ``douyin_export_gbk.csv`` (messy, GBK) and ``douyin_export_expected.csv``."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    rows = messy_session(world)
    lines = [",".join(HEADER)]
    expected = []
    bad_at = min(5, len(rows) - 1)
    for i, row in enumerate(rows.itertuples(index=False)):
        ts = row.date
        # three date forms a platform export mixes: 2026/11/3, 2026-11-03 20:15:00, 2026/11/3 20:15
        date_text = (
            f"{ts.year}/{ts.month}/{ts.day}",
            f"{ts:%Y-%m-%d %H:%M:%S}",
            f"{ts.year}/{ts.month}/{ts.day} {ts:%H:%M}",
        )[i % 3]
        cells = {}
        values = {}
        for name in ("clicks", "carts", "orders"):
            text, value = _shown(int(getattr(row, name)))
            cells[name] = f'"{text}"' if "," in text else text
            values[name] = value
        if i % 4 == 2:  # padded, as some exports pad numbers (never a quoted cell)
            for name in ("carts", "orders"):
                if not cells[name].startswith('"'):
                    cells[name] = f" {cells[name]} "
        orders_cell = cells["orders"]
        if i == bad_at:
            orders_cell = "-3"  # the bad row: a negative count
        lines.append(
            ",".join(
                [
                    date_text,
                    row.room_id,
                    row.sku,
                    cells["clicks"],
                    cells["carts"],
                    orders_cell,
                    str(row.rank),
                    f"{row.price:g}",
                ]
            )
        )
        if i == 2:
            lines.append("")  # a blank line in the middle, as hand-edited files have
        if i != bad_at:
            expected.append(
                {
                    "date": f"{ts:%Y-%m-%d %H:%M:%S}" if i % 3 else f"{ts:%Y-%m-%d}",
                    "room_id": row.room_id,
                    "sku": row.sku,
                    "clicks": values["clicks"],
                    "carts": values["carts"],
                    "orders": values["orders"],
                    "rank": int(row.rank),
                    "price": row.price,
                }
            )
    total_clicks, _ = _shown(int(rows["clicks"].sum()))
    total_carts, _ = _shown(int(rows["carts"].sum()))
    total_orders, _ = _shown(int(rows["orders"].sum()))
    quote = lambda s: f'"{s}"' if "," in s else s  # noqa: E731
    lines.append(f"合计,,,{quote(total_clicks)},{quote(total_carts)},{quote(total_orders)},,")
    messy = out / "douyin_export_gbk.csv"
    messy.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    exp = out / "douyin_export_expected.csv"
    pd.DataFrame(expected).to_csv(exp, index=False, lineterminator="\n")
    return [messy, exp]
