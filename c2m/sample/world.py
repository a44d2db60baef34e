"""The sample world: one seeded, self-consistent garment business, history and future.

``generate`` builds the catalogue, the rooms and the whole demand path at once; the
:class:`SampleWorld` it returns keeps the history a merchandiser would import apart from the
future (``future_signals`` and ``truth``), and lets a simulation reveal the future one day at
a time by slicing (``signals_until``, ``demand_on``). The same seed, scenario, start and
lengths always give the same world, byte for byte.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from c2m.config import FactoryConfig, load_config
from c2m.sample import catalog as catalog_mod
from c2m.sample import stock
from c2m.sample.calibration import (
    RECENT_DAYS,
    calibrated,
    demand_scale,
    scored_days,
    sewing_minutes_per_day,
)
from c2m.sample.demand import (
    WARMUP_DAYS,
    DemandPath,
    Draw,
    Rooms,
    SampleDays,
    make_rooms,
    make_sample_days,
    simulate_demand,
    structural_interest,
)
from c2m.sample.load import realised_load
from c2m.sample.scenario import Scenario, get_scenario
from c2m.sample.tables import (
    room_calendar,
    room_table,
    signal_rows,
    truth_tables,
    viral_table,
)

DEFAULT_START = dt.date(2026, 7, 27)
DEFAULT_HISTORY_DAYS = 120
DEFAULT_FUTURE_DAYS = 28

SALES_COLUMNS = [
    "date",
    "room_id",
    "sku",
    "style",
    "colour",
    "size",
    "clicks",
    "carts",
    "orders",
    "rank",
    "price",
]
INVENTORY_COLUMNS = ["sku", "on_hand", "as_of"]
FABRIC_COLUMNS = ["fabric", "name", "unit", "roll_size", "quantity", "due_date", "reference"]
ORDER_COLUMNS = ["reference", "sku", "due_date", "quantity"]
TRUTH_COLUMNS = ["date", "sku", "demand"]
ROOM_CALENDAR_COLUMNS = ["date", "room_id", "broadcast", "promotion"]


@dataclass
class SampleWorld:
    """A generated business. ``signals`` is the history; the rest of the future stays apart."""

    seed: int
    scenario: Scenario
    start: dt.date
    history_days: int
    future_days: int
    catalog: pd.DataFrame  # catalog.csv columns
    rooms: pd.DataFrame  # room_id, platform, reach, broadcast_share
    signals: pd.DataFrame  # sales.csv columns, history only
    future_signals: pd.DataFrame  # same columns, the future days
    truth: pd.DataFrame  # date, sku, demand: every SKU x future day (zeros included)
    expected: pd.DataFrame  # date, sku, mean: mean demand given the latent state, every day
    inventory: pd.DataFrame
    fabric: pd.DataFrame  # fabric.csv rows: on hand (no due_date) and deliveries
    orders: pd.DataFrame  # confirmed open orders
    viral: pd.DataFrame  # date, style: when a style went viral (for inspection, not import)
    #: the rooms' published calendar, history and future: date, room_id, broadcast, promotion
    room_calendar: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=ROOM_CALENDAR_COLUMNS)
    )
    meta: dict = field(default_factory=dict)

    @property
    def history_end(self) -> dt.date:
        """Last day of history: the day the merchandiser exports and the planner plans from."""
        return self.start + dt.timedelta(days=self.history_days - 1)

    @property
    def future_start(self) -> dt.date:
        return self.start + dt.timedelta(days=self.history_days)

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.history_days + self.future_days - 1)

    @property
    def skus(self) -> pd.DataFrame:
        return self.catalog[["sku", "style", "colour", "size"]]

    @property
    def fabrics(self) -> pd.DataFrame:
        """Fabric master data and stock on hand: fabric, name, unit, roll_size, on_hand."""
        rows = self.fabric[self.fabric["due_date"].isna()]
        return rows.rename(columns={"quantity": "on_hand"})[
            ["fabric", "name", "unit", "roll_size", "on_hand"]
        ].reset_index(drop=True)

    @property
    def deliveries(self) -> pd.DataFrame:
        """Fabric on order: fabric, due_date, quantity, reference."""
        rows = self.fabric[self.fabric["due_date"].notna()]
        return rows[["fabric", "due_date", "quantity", "reference"]].reset_index(drop=True)

    @cached_property
    def all_signals(self) -> pd.DataFrame:
        """History and future rows together (never hand this to a planner: slice it)."""
        return pd.concat([self.signals, self.future_signals], ignore_index=True)

    def to_long(self, until: dt.date | None = None) -> pd.DataFrame:
        """Signals per SKU and day, summed over rooms, in the forecasting long format.

        Columns ``unique_id`` (SKU), ``ds``, ``y`` (orders), ``clicks``, ``carts``, ``rank``
        (best rank in any room, NaN when unranked) and ``price`` (mean over rooms), up to and
        including ``until`` (default: the last history day). Days without activity are absent.
        """
        rows = self.signals_until(until or self.history_end)
        grouped = rows.groupby(["sku", "date"], sort=True)
        long = grouped.agg(
            y=("orders", "sum"),
            clicks=("clicks", "sum"),
            carts=("carts", "sum"),
            rank=("rank", "min"),
            price=("price", "mean"),
        ).reset_index()
        long["rank"] = long["rank"].astype("float64")
        return long.rename(columns={"sku": "unique_id", "date": "ds"})

    def long_with_calendar(
        self, until: dt.date, horizon: int
    ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """:meth:`to_long` with the rooms' calendar columns, and their ``horizon`` days ahead.

        What ``c2m forecast`` hands the library after importing this world's files: rooms are
        weighed per SKU by its clicks in the weeks up to ``until``, and the published calendar
        gives the days ahead (see :mod:`c2m.room_calendar`).
        """
        from c2m.room_calendar import WEIGHT_DAYS, attach_calendar

        history = self.to_long(until)
        rows = self.signals_until(until)
        recent = rows[rows["date"] > pd.Timestamp(until) - pd.Timedelta(days=WEIGHT_DAYS)]
        end = pd.Timestamp(until) + pd.Timedelta(days=horizon)
        return attach_calendar(history, recent, self.room_calendar, self.skus, end)

    def signals_until(self, day: dt.date) -> pd.DataFrame:
        """Every room row up to and including ``day``: what a planner could know that night."""
        rows = self.all_signals
        return rows[rows["date"] <= pd.Timestamp(day)].reset_index(drop=True)

    def signals_on(self, day: dt.date) -> pd.DataFrame:
        """The rows the rooms report for one day (history or future)."""
        rows = self.all_signals
        return rows[rows["date"] == pd.Timestamp(day)].reset_index(drop=True)

    def demand_on(self, day: dt.date) -> pd.Series:
        """True demand of one day per SKU (orders summed over rooms), every SKU, zeros included."""
        rows = self.signals_on(day)
        by_sku = rows.groupby("sku")["orders"].sum()
        return by_sku.reindex(self.catalog["sku"], fill_value=0).astype(int)

    def write_csv(
        self, directory: str | Path, truth: bool = True, messy: bool = True
    ) -> list[Path]:
        """Write the files a merchandiser imports (and ``truth/``, ``messy/``); return paths."""
        from c2m.sample.messy import write_messy_export

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written = [
            _write(
                self.signals.assign(date=_iso(self.signals["date"])),
                out / "sales.csv",
                SALES_COLUMNS,
            ),
            _write(self.catalog, out / "catalog.csv", catalog_mod.CATALOG_COLUMNS),
            _write(self.inventory, out / "inventory.csv", INVENTORY_COLUMNS),
            _write(self.fabric, out / "fabric.csv", FABRIC_COLUMNS),
            _write(self.orders, out / "orders.csv", ORDER_COLUMNS),
            _write(
                self.room_calendar.assign(date=_iso(self.room_calendar["date"])),
                out / "schedule.csv",
                ROOM_CALENDAR_COLUMNS,
            ),
        ]
        if truth:
            (out / "truth").mkdir(exist_ok=True)
            written.append(
                _write(
                    self.truth.assign(date=_iso(self.truth["date"])),
                    out / "truth" / "demand.csv",
                    TRUTH_COLUMNS,
                )
            )
        if messy:
            written.extend(write_messy_export(self, out / "messy"))
        return written

    def summary(self) -> dict:
        """Plain figures about the world, for the CLI and the README."""
        hist = self.signals
        load = realised_load(self)
        return {
            "seed": self.seed,
            "scenario": self.scenario.name,
            "start": self.start.isoformat(),
            "history_end": self.history_end.isoformat(),
            "future_end": self.end.isoformat(),
            "styles": int(self.catalog["style"].nunique()),
            "skus": len(self.catalog),
            "rooms": len(self.rooms),
            "signal_rows": len(hist),
            "history_orders": int(hist["orders"].sum()),
            "future_demand": int(self.truth["demand"].sum()),
            "mean_daily_demand": round(
                float(self.truth["demand"].sum()) / max(self.future_days, 1), 1
            ),
            "new_in_history": int(
                (self.catalog.drop_duplicates("style")["launch_date"] > self.start).sum()
            )
            - int((self.catalog.drop_duplicates("style")["launch_date"] > self.history_end).sum()),
            "new_in_future": int(
                (self.catalog.drop_duplicates("style")["launch_date"] > self.history_end).sum()
            ),
            "viral_starts": len(self.viral),
            "target_load": self.scenario.target_load,
            # realised: demand SAM-minutes over regular sewing capacity (c2m.sample.load)
            "load": load["season"],
            "history_load": load["history"],
        }


def _iso(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates).dt.strftime("%Y-%m-%d")


def _write(frame: pd.DataFrame, path: Path, columns: list[str]) -> Path:
    frame[columns].to_csv(path, index=False, lineterminator="\n", date_format="%Y-%m-%d")
    return path


@dataclass(frozen=True)
class _Streams:
    """One random stream per part of the world, so a change to one part leaves the others'
    draws alone. The process stream stays a seed sequence: calibration replays it from the
    start at every scale it tries."""

    catalogue: np.random.Generator
    rooms: np.random.Generator
    latent: np.random.Generator
    process: np.random.SeedSequence
    stock: np.random.Generator

    @classmethod
    def spawn(cls, seed: int) -> _Streams:
        sequences = np.random.SeedSequence(seed).spawn(5)
        seq_cat, seq_rooms, seq_latent, seq_process, seq_stock = sequences
        rng_cat, rng_rooms, rng_latent, rng_stock = (
            np.random.default_rng(s) for s in (seq_cat, seq_rooms, seq_latent, seq_stock)
        )
        return cls(rng_cat, rng_rooms, rng_latent, seq_process, rng_stock)


def generate(
    seed: int,
    scenario: str | Scenario = "default",
    history_days: int = DEFAULT_HISTORY_DAYS,
    future_days: int = DEFAULT_FUTURE_DAYS,
    start: dt.date | None = None,
    config: FactoryConfig | None = None,
    scenarios_path: str | Path | None = None,
    **overrides: object,
) -> SampleWorld:
    """Build a world; keyword ``overrides`` change scenario parameters (``styles=8``)."""
    _check_span(history_days, future_days)
    params = get_scenario(scenario, scenarios_path, **overrides)
    config = config or load_config()
    start = start or DEFAULT_START
    streams = _Streams.spawn(seed)

    category_sam = {name: c.sam_minutes for name, c in config.categories.items()}
    cat = catalog_mod.make_catalogue(
        streams.catalogue, params, category_sam, start, history_days, future_days
    )
    styles, skus = cat.styles, cat.skus
    sample_days = make_sample_days(pd.Timestamp(start), history_days, future_days, params)
    rooms = make_rooms(streams.rooms, params, sample_days, len(styles))
    path, scale = _demand_path(
        streams, params, config, sample_days, rooms, cat, scored_days(history_days, future_days)
    )

    history, future = _split_signals(
        signal_rows(path, sample_days, rooms, skus), start, history_days
    )
    daily_orders = path.orders[WARMUP_DAYS:].sum(axis=1)  # (D, K)
    truth, expected = truth_tables(path, sample_days, skus, daily_orders, history_days, future_days)

    history_end = start + dt.timedelta(days=history_days - 1)
    recent = daily_orders[history_days - RECENT_DAYS : history_days].mean(axis=0)
    inventory, fabric, orders = _stock_tables(
        streams.stock, skus, styles, recent, history_end, future_days
    )
    return SampleWorld(
        seed=seed,
        scenario=params,
        start=start,
        history_days=history_days,
        future_days=future_days,
        catalog=cat.table.reset_index(drop=True),
        rooms=room_table(rooms),
        signals=history,
        future_signals=future,
        truth=truth,
        expected=expected,
        inventory=inventory,
        fabric=fabric,
        orders=orders,
        viral=viral_table(path, sample_days, styles),
        room_calendar=room_calendar(sample_days, rooms),
        meta=_meta(scale, config, sample_days),
    )


def _demand_path(
    streams: _Streams,
    params: Scenario,
    config: FactoryConfig,
    sample_days: SampleDays,
    rooms: Rooms,
    cat: catalog_mod.Catalogue,
    scored: slice,
) -> tuple[DemandPath, float]:
    """The rooms' whole demand path, calibrated to ``target_load`` on the ``scored`` days,
    and the first scale on interest (kept in the world's meta).

    The latent stream is drawn in a fixed order (structural interest, then the styles' cart
    rates), so the same seed gives the same path."""
    styles, skus = cat.styles, cat.skus
    base = structural_interest(streams.latent, params, styles, sample_days)
    cart_style = np.clip(
        params.cart_rate * np.exp(streams.latent.normal(0, 0.2, len(styles))), 0.01, 0.5
    )
    style_index = skus["style_index"].to_numpy()
    sku_minutes = skus["sam_minutes"].to_numpy(float)

    def run(scale: float) -> DemandPath:
        """The rooms' days at ``scale``, always from the same draws of the process stream."""
        return simulate_demand(
            Draw(np.random.default_rng(streams.process), params.noise),
            params,
            sample_days,
            rooms,
            base * scale,
            style_index,
            skus["share"].to_numpy(),
            cart_style[style_index],
            styles["basic"].to_numpy(),
        )

    scale = demand_scale(params, config, rooms, base, styles, scored)
    path = calibrated(
        run,
        scale,
        params.target_load * sewing_minutes_per_day(config),
        lambda p: float((p.expected[WARMUP_DAYS:][scored] @ sku_minutes).mean()),
    )
    return path, scale


def _split_signals(
    signals: pd.DataFrame, start: dt.date, history_days: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The history a merchandiser imports, and the future a simulation reveals day by day."""
    is_future = signals["date"] >= pd.Timestamp(start) + pd.Timedelta(days=history_days)
    history = signals[~is_future].reset_index(drop=True)
    future = signals[is_future].reset_index(drop=True)
    return history, future


def _check_span(history_days: int, future_days: int) -> None:
    """A forecast needs two weeks of history; a future can be empty, never negative."""
    if history_days < 14:
        raise ValueError("history_days must be at least 14")
    if future_days < 0:
        raise ValueError("future_days must not be negative")


def _stock_tables(
    rng: np.random.Generator,
    skus: pd.DataFrame,
    styles: pd.DataFrame,
    recent: np.ndarray,
    history_end: dt.date,
    future_days: int,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(inventory, fabric, open orders)`` at the history's end, sized on recent demand."""
    inventory = stock.inventory(rng, skus, recent, history_end)
    fabrics = catalog_mod.fabric_table(list(styles["fabric"]))
    usage = (
        pd.Series(recent * skus["fabric_per_unit"].to_numpy())
        .groupby(skus["fabric"].to_numpy())
        .sum()
    )
    fabric = stock.fabric_rows(rng, fabrics, usage, history_end, future_days)
    orders = stock.open_orders(rng, skus, history_end, future_days)
    return inventory, fabric, orders


def _meta(scale: float, config: FactoryConfig, sample_days: SampleDays) -> dict:
    """The world's own facts: its demand scale, the capacity it was scaled to, its festival."""
    festival = sample_days.festival
    return {
        "scale": scale,
        "sewing_minutes_per_day": sewing_minutes_per_day(config),
        "festival": None if festival is None else sample_days.dates[festival].date(),
    }
