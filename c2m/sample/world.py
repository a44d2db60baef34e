"""The sample world: one seeded, self-consistent garment business, history and future.

``generate`` builds the catalogue, the rooms and the whole demand path at once; the
:class:`SampleWorld` it returns keeps the history a merchandiser would import apart from the
future (``future_signals`` and ``truth``), and lets a simulation reveal the future one day at
a time by slicing (``signals_until``, ``demand_on``). The same seed, scenario, start and
lengths always give the same world, byte for byte.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from c2m.config import FactoryConfig, load_config
from c2m.sample import catalog as catalog_mod
from c2m.sample import stock
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
# Recent days of sales the factory's stock levels are derived from.
RECENT_DAYS = 14
# Rescaling rounds that bring the scored days' expected load to ``target_load``, and how close
# is close enough (the realised load still scatters around it with the rooms' noise).
CALIBRATION_ROUNDS = 8
CALIBRATION_TOLERANCE = 0.02


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


def sewing_minutes_per_day(config: FactoryConfig) -> float:
    """Regular sewing capacity, in SAM minutes per calendar day, of all lines together."""
    hours = config.calendar.regular_hours_per_day
    days = len(config.calendar.workdays) / 7
    return sum(line.operators * line.efficiency for line in config.lines) * hours * 60 * days


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
    # one stream per part, so a change to one part leaves the others' draws alone
    seq_cat, seq_rooms, seq_latent, seq_process, seq_stock = np.random.SeedSequence(seed).spawn(5)
    rng_cat, rng_rooms, rng_latent, rng_stock = (
        np.random.default_rng(s) for s in (seq_cat, seq_rooms, seq_latent, seq_stock)
    )

    category_sam = {name: c.sam_minutes for name, c in config.categories.items()}
    cat = catalog_mod.make_catalogue(
        rng_cat, params, category_sam, start, history_days, future_days
    )
    styles, skus = cat.styles, cat.skus
    sample_days = make_sample_days(pd.Timestamp(start), history_days, future_days, params)
    rooms = make_rooms(rng_rooms, params, sample_days, len(styles))
    base = structural_interest(rng_latent, params, styles, sample_days)
    cart_style = np.clip(
        params.cart_rate * np.exp(rng_latent.normal(0, 0.2, len(styles))), 0.01, 0.5
    )

    scored = scored_days(history_days, future_days)
    style_index = skus["style_index"].to_numpy()
    sku_minutes = skus["sam_minutes"].to_numpy(float)

    def run(scale: float) -> DemandPath:
        """The rooms' days at ``scale``, always from the same draws of the process stream."""
        return simulate_demand(
            Draw(np.random.default_rng(seq_process), params.noise),
            params,
            sample_days,
            rooms,
            base * scale,
            style_index,
            skus["share"].to_numpy(),
            cart_style[style_index],
            styles["basic"].to_numpy(),
        )

    scale = _demand_scale(params, config, rooms, base, styles, scored)
    path = _calibrated(
        run,
        scale,
        params.target_load * sewing_minutes_per_day(config),
        lambda p: float((p.expected[WARMUP_DAYS:][scored] @ sku_minutes).mean()),
    )

    signals = _signal_rows(path, sample_days, rooms, skus)
    is_future = signals["date"] >= pd.Timestamp(start) + pd.Timedelta(days=history_days)
    history = signals[~is_future].reset_index(drop=True)
    future = signals[is_future].reset_index(drop=True)

    daily_orders = path.orders[WARMUP_DAYS:].sum(axis=1)  # (D, K)
    truth, expected = _truth_tables(
        path, sample_days, skus, daily_orders, history_days, future_days
    )

    history_end = start + dt.timedelta(days=history_days - 1)
    recent = daily_orders[history_days - RECENT_DAYS : history_days].mean(axis=0)
    inventory, fabric, orders = _stock_tables(
        rng_stock, skus, styles, recent, history_end, future_days
    )
    return SampleWorld(
        seed=seed,
        scenario=params,
        start=start,
        history_days=history_days,
        future_days=future_days,
        catalog=cat.table.reset_index(drop=True),
        rooms=_room_table(rooms),
        signals=history,
        future_signals=future,
        truth=truth,
        expected=expected,
        inventory=inventory,
        fabric=fabric,
        orders=orders,
        viral=_viral_table(path, sample_days, styles),
        room_calendar=_room_calendar(sample_days, rooms),
        meta=_meta(scale, config, sample_days),
    )


def _calibrated(
    run: Callable[[float], DemandPath],
    scale: float,
    target: float,
    minutes: Callable[[DemandPath], float],
) -> DemandPath:
    """The path whose scored days come closest to ``target`` SAM-minutes a day.

    The walk of interest and the viral runs lift demand above the structural mean the first
    scale was set on (a viral world by half or more, and by luck). Each round runs the rooms
    again from the same draws at a scale set on the mean lift seen so far; the viral runs
    fall differently at another scale, so the rounds do not converge to a point: the path
    closest to the target wins. The scored days then run at the asked load, viral luck and
    all, rather than wherever one draw of luck put them.
    """
    best, best_gap = None, float("inf")
    lifts: list[float] = []
    for _ in range(CALIBRATION_ROUNDS):
        path = run(scale)
        expected = minutes(path)
        if expected <= 0:
            return path  # nothing sells on the scored days: no scale helps
        gap = abs(expected / target - 1)
        if gap < best_gap:
            best, best_gap = path, gap
        if gap < CALIBRATION_TOLERANCE:
            break
        lifts.append(expected / scale)
        scale = target / (sum(lifts) / len(lifts))
    assert best is not None
    return best


def _check_span(history_days: int, future_days: int) -> None:
    """A forecast needs two weeks of history; a future can be empty, never negative."""
    if history_days < 14:
        raise ValueError("history_days must be at least 14")
    if future_days < 0:
        raise ValueError("future_days must not be negative")


def scored_days(history_days: int, future_days: int) -> slice:
    """The days a world's load is set on, as indices after the warm-up.

    The simulated season is the future; a world without a future is planned from its last
    day, so its recent two weeks stand for the horizon. Scaling on the whole span instead
    would let the season run far above (or below) ``target_load`` when demand rises into
    winter, and no policy can fill a season at full load.
    """
    if future_days > 0:
        return slice(history_days, history_days + future_days)
    return slice(max(history_days - RECENT_DAYS, 0), history_days)


def _demand_scale(
    params: Scenario,
    config: FactoryConfig,
    rooms: Rooms,
    base: np.ndarray,
    styles: pd.DataFrame,
    scored: slice,
) -> float:
    """The factor on interest that makes mean demand over the ``scored`` days fill
    ``target_load``.

    A world is only useful to a planner when its demand loads the factory as the scenario
    says; 0 for a world whose styles sell nothing on those days. Expected interest is
    scaled, so the realised load (:func:`c2m.sample.load.realised_load`) wanders around the
    target with the rooms' noise and the viral runs.
    """
    paid_share = rooms.buy_today / rooms.buy[None, :]
    room_factor = (rooms.traffic * paid_share) @ rooms.weight  # (T, S)
    minutes = (base * room_factor) @ styles["sam_minutes"].to_numpy()
    mean_minutes = float(minutes[WARMUP_DAYS:][scored].mean())
    capacity = params.target_load * sewing_minutes_per_day(config)
    return capacity / mean_minutes if mean_minutes > 0 else 0.0


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


def _truth_tables(
    path: DemandPath,
    sample_days: SampleDays,
    skus: pd.DataFrame,
    daily_orders: np.ndarray,
    history_days: int,
    future_days: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(truth, expected)``: the future's real orders per SKU-day, and every day's mean."""
    sku_codes = skus["sku"].to_numpy()
    days = sample_days.dates[WARMUP_DAYS:]
    fut = slice(history_days, history_days + future_days)
    truth = _dense(days[fut], sku_codes, daily_orders[fut], "demand").astype({"demand": int})
    expected = _dense(days, sku_codes, path.expected[WARMUP_DAYS:], "mean")
    return truth, expected


def _meta(scale: float, config: FactoryConfig, sample_days: SampleDays) -> dict:
    """The world's own facts: its demand scale, the capacity it was scaled to, its festival."""
    festival = sample_days.festival
    return {
        "scale": scale,
        "sewing_minutes_per_day": sewing_minutes_per_day(config),
        "festival": None if festival is None else sample_days.dates[festival].date(),
    }


def _room_table(rooms: Rooms) -> pd.DataFrame:
    """One row per room: platform, reach and how often it broadcast."""
    return pd.DataFrame(
        {
            "room_id": rooms.ids,
            "platform": rooms.platforms,
            "reach": np.round(rooms.reach, 3),
            "broadcast_share": np.round(rooms.on_air[WARMUP_DAYS:].mean(axis=0), 3),
        }
    )


def _viral_table(path: DemandPath, sample_days: SampleDays, styles: pd.DataFrame) -> pd.DataFrame:
    """The days a style went viral, from the first reported day (what a test can check)."""
    return pd.DataFrame(
        [
            {"date": sample_days.dates[t], "style": styles["style"].iat[s]}
            for t, s in path.viral_starts
            if t >= WARMUP_DAYS
        ],
        columns=["date", "style"],
    )


def _room_calendar(sample_days: SampleDays, rooms: Rooms) -> pd.DataFrame:
    """The rooms' published calendar: planned broadcasts and promotions, one row per room-day.

    A room publishes its streams and promotions weeks ahead (platforms sell the promotion
    slots, and a platform festival's date is known months ahead), so the calendar covers the
    future too; the few sessions cancelled on the day stay in it as planned, as they would in
    a real schedule.
    """
    days = sample_days.dates[WARMUP_DAYS:]
    planned = rooms.planned[WARMUP_DAYS:]
    promo = rooms.promo.copy()
    if sample_days.festival is not None:
        promo[sample_days.festival] = True  # a platform festival is every room's promotion day
    promo = promo[WARMUP_DAYS:]
    R = len(rooms.ids)
    return pd.DataFrame(
        {
            "date": np.repeat(days, R),
            "room_id": np.tile(rooms.ids, len(days)),
            "broadcast": planned.reshape(-1).astype(int),
            "promotion": promo.reshape(-1).astype(int),
        }
    )


def _dense(days: pd.DatetimeIndex, skus: np.ndarray, values: np.ndarray, name: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": np.repeat(days.to_numpy(), len(skus)),
            "sku": np.tile(skus, len(days)),
            name: values.reshape(-1),
        }
    )


def _signal_rows(path, sample_days, rooms, skus: pd.DataFrame) -> pd.DataFrame:
    """One row per day x room x SKU with any activity, from the first reported day."""
    clicks, carts, orders = path.clicks, path.carts, path.orders
    active = (clicks + carts + orders) > 0
    active[:WARMUP_DAYS] = False
    t, r, k = np.nonzero(active)
    price = skus["price"].to_numpy()[k] * (1 - rooms.discount[t, r])
    rank = pd.array(path.rank[t, r, k], dtype="Float64").astype("Int64")
    frame = pd.DataFrame(
        {
            "date": sample_days.dates[t],
            "room_id": np.asarray(rooms.ids)[r],
            "sku": skus["sku"].to_numpy()[k],
            "style": skus["style"].to_numpy()[k],
            "colour": skus["colour"].to_numpy()[k],
            "size": skus["size"].to_numpy()[k],
            "clicks": clicks[t, r, k],
            "carts": carts[t, r, k],
            "orders": orders[t, r, k],
            "rank": rank,
            "price": np.round(price, 1),
        }
    )
    return frame.sort_values(["date", "room_id", "sku"], kind="stable").reset_index(drop=True)
