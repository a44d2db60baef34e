"""The sample world: deterministic, consistent, truth kept apart, scenarios as documented."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from c2m.errors import ConfigError
from c2m.sample import SampleWorld, generate, get_scenario, load_scenarios
from c2m.sample.scenario import parse_scenario

REPO = Path(__file__).resolve().parents[2]

# The canonical headers the importers read (README: "Importing CSV exports").
HEADERS = {
    "sales.csv": "date,room_id,sku,style,colour,size,clicks,carts,orders,rank,price",
    "catalog.csv": "sku,style,colour,size,name,category,sam_minutes,fabric,fabric_per_unit,"
    "unit_cost,price,launch_date",
    "inventory.csv": "sku,on_hand,as_of",
    "fabric.csv": "fabric,name,unit,roll_size,quantity,due_date,reference",
    "orders.csv": "reference,sku,due_date,quantity",
    "schedule.csv": "date,room_id,broadcast,promotion",
    "truth/demand.csv": "date,sku,demand",
}
IMPORTED = ["sales.csv", "catalog.csv", "inventory.csv", "fabric.csv", "orders.csv", "schedule.csv"]


@pytest.fixture(scope="module")
def world() -> SampleWorld:
    return generate(11, history_days=60, future_days=21)


@pytest.fixture(scope="module")
def written(world: SampleWorld, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    world.write_csv(out)
    return out


def _files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*.csv"))}


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_gives_the_same_files_byte_for_byte(written: Path, tmp_path: Path) -> None:
    generate(11, history_days=60, future_days=21).write_csv(tmp_path)
    assert _files(tmp_path) == _files(written)


def test_another_seed_gives_another_world(world: SampleWorld) -> None:
    other = generate(12, history_days=60, future_days=21)
    assert not other.signals.equals(world.signals)


def test_committed_sample_data_is_what_the_generator_makes(tmp_path: Path) -> None:
    """c2m/data/sample_data/ is `c2m sample --seed 7 --out c2m/data/sample_data`, so it can
    always be rebuilt."""
    generate(7).write_csv(tmp_path)
    committed = _files(REPO / "c2m" / "data" / "sample_data")
    assert _files(tmp_path) == committed, (
        "c2m/data/sample_data/ is stale (generator or the sample factory changed): "
        "run `c2m sample --seed 7 --out c2m/data/sample_data` and commit it"
    )
    size = sum(len(b) for b in committed.values())
    assert size < 4_000_000


# --- the contract with the importers -------------------------------------------------------------


def test_files_have_the_canonical_headers(written: Path) -> None:
    for name, header in HEADERS.items():
        first = (written / name).read_text(encoding="utf-8").splitlines()[0]
        assert first == header, name


def test_catalogue_is_a_realistic_range_with_consistent_style_fields() -> None:
    catalog = generate(7).catalog
    assert 250 <= len(catalog) <= 400
    assert catalog["sku"].is_unique
    assert catalog["category"].nunique() >= 4
    style_fields = ["name", "category", "sam_minutes", "fabric", "fabric_per_unit", "unit_cost",
                    "price", "launch_date"]  # fmt: skip
    assert (catalog.groupby("style")[style_fields].nunique() == 1).all().all()
    assert (catalog["price"] > catalog["unit_cost"]).all()
    assert catalog.groupby("style")["size"].nunique().min() >= 4


def test_sam_scatters_around_the_category_default(world: SampleWorld) -> None:
    from c2m.config import load_config

    defaults = {name: c.sam_minutes for name, c in load_config().categories.items()}
    ratio = world.catalog["sam_minutes"] / world.catalog["category"].map(defaults)
    assert ratio.between(0.6, 1.6).all()


def test_signals_reference_catalogue_skus_and_known_rooms(world: SampleWorld) -> None:
    assert set(world.signals["sku"]) <= set(world.catalog["sku"])
    assert set(world.signals["room_id"]) <= set(world.rooms["room_id"])
    assert 2 <= len(world.rooms) <= 4
    key = world.signals[["date", "room_id", "sku"]]
    assert not key.duplicated().any()


def test_stock_files_are_consistent(world: SampleWorld) -> None:
    assert set(world.inventory["sku"]) == set(world.catalog["sku"])
    assert (world.inventory["on_hand"] >= 0).all()
    future_launch = world.catalog.loc[world.catalog["launch_date"] > world.history_end, "sku"]
    assert (world.inventory.set_index("sku").loc[future_launch, "on_hand"] == 0).all()
    assert set(world.fabric["fabric"]) == set(world.catalog["fabric"])
    deliveries = world.fabric[world.fabric["due_date"].notna()]
    assert (deliveries["due_date"] > world.history_end).all()
    assert not deliveries.duplicated(["fabric", "due_date", "reference"]).any()
    assert len(world.fabrics) + len(world.deliveries) == len(world.fabric)
    assert world.fabrics["fabric"].is_unique and (world.fabrics["on_hand"] > 0).all()
    assert set(world.orders["sku"]) <= set(world.catalog["sku"])
    assert not world.orders.duplicated(["reference", "sku"]).any()
    assert (world.orders["due_date"] > world.history_end).all()


# --- the signals behave like a live room -----------------------------------------------------


def test_funnel_is_non_negative_and_mostly_ordered(world: SampleWorld) -> None:
    rows = world.all_signals
    assert (rows[["clicks", "carts", "orders"]] >= 0).all().all()
    assert (rows["carts"] <= rows["clicks"]).all()
    on_air = rows["rank"].notna()
    ordered = (rows["orders"] <= rows["carts"]) & (rows["carts"] <= rows["clicks"])
    assert ordered[on_air].mean() > 0.9
    # over a room's whole history, fewer orders than carts than clicks, with room to spare
    totals = rows.groupby("room_id")[["clicks", "carts", "orders"]].sum()
    assert (totals["orders"] < totals["carts"]).all()
    assert (totals["carts"] < 0.3 * totals["clicks"]).all()


def test_carts_lead_orders(world: SampleWorld) -> None:
    """Yesterday's carts explain part of today's orders, beyond today's carts."""
    by_style = world.all_signals.groupby(["style", "date"])[["carts", "orders"]].sum()
    parts = []
    for _, series in by_style.groupby(level="style"):
        s = series.droplevel("style").asfreq("D", fill_value=0)
        parts.append(pd.DataFrame({"o": s["orders"], "c0": s["carts"], "c1": s["carts"].shift(1)}))
    data = pd.concat(parts).dropna()
    coef, *_ = np.linalg.lstsq(data[["c0", "c1"]].to_numpy(float), data["o"].to_numpy(float))
    assert coef[1] > 0.05
    assert coef[0] > coef[1] * 0.5


def test_rank_follows_sales(world: SampleWorld) -> None:
    ranked = world.signals[world.signals["rank"].notna()]
    style_day = ranked.groupby(["date", "room_id", "style"]).agg(
        orders=("orders", "sum"), rank=("rank", "first")
    )
    assert (ranked.groupby(["date", "room_id", "style"])["rank"].nunique() == 1).all()
    for _, lists in style_day.groupby(level=["date", "room_id"]):
        top = lists["rank"].idxmin()
        assert lists.loc[top, "orders"] == lists["orders"].max()


def test_weekly_rhythm_and_broadcast_days(world: SampleWorld) -> None:
    assert (world.rooms["broadcast_share"] < 1).any()  # some rooms rest some days
    daily = world.signals.groupby("date")["orders"].sum()
    by_weekday = daily.groupby(daily.index.day_of_week).mean()
    assert by_weekday.max() > 1.2 * by_weekday.min()


def test_the_schedule_is_the_rooms_published_calendar(world: SampleWorld) -> None:
    """Every room every day, history and future; it streamed on nearly every planned day,
    and sold far less through the shop window on the days it had not planned to stream."""
    sched = world.room_calendar
    days = pd.date_range(world.start, world.end)
    assert len(sched) == len(days) * len(world.rooms)
    assert set(sched["room_id"]) == set(world.rooms["room_id"])
    assert not (sched["promotion"] & ~sched["broadcast"].astype(bool)).any()
    clicks = world.all_signals.groupby(["date", "room_id"])["clicks"].sum()
    merged = sched.set_index(["date", "room_id"]).join(clicks).fillna({"clicks": 0})
    on, off = (merged[merged["broadcast"] == b]["clicks"] for b in (1, 0))
    assert off.mean() < 0.3 * on.mean()
    promo = merged[merged["promotion"] == 1]["clicks"]
    assert (
        promo.mean()
        > merged[(merged["broadcast"] == 1) & (merged["promotion"] == 0)]["clicks"].mean()
    )


def test_launches_in_history_and_in_the_future() -> None:
    world = generate(7)
    launches = world.catalog.drop_duplicates("style").set_index("style")["launch_date"]
    future = launches[launches > world.history_end].index
    during = launches[(launches > world.start) & (launches <= world.history_end)].index
    assert len(future) > 0 and len(during) > 0
    assert not world.signals["style"].isin(future).any()  # no history at all
    first_seen = world.signals.groupby("style")["date"].min()
    for style in during:
        assert first_seen[style].date() >= launches[style]


# --- the truth stays apart ---------------------------------------------------------------------


def test_truth_is_never_in_the_imported_files(world: SampleWorld, written: Path) -> None:
    sales = pd.read_csv(written / "sales.csv", parse_dates=["date"])
    assert sales["date"].max().date() == world.history_end
    assert sales["date"].min().date() == world.start
    for name in IMPORTED:
        header = (written / name).read_text(encoding="utf-8").splitlines()[0]
        assert "demand" not in header
    truth = pd.read_csv(written / "truth" / "demand.csv", parse_dates=["date"])
    assert truth["date"].min().date() == world.future_start
    assert truth["date"].max().date() == world.end
    assert len(truth) == world.future_days * len(world.catalog)


def test_truth_is_what_the_rooms_report_in_the_future(world: SampleWorld) -> None:
    truth = world.truth.groupby(["date", "sku"])["demand"].sum()
    reported = world.future_signals.groupby(["date", "sku"])["orders"].sum()
    assert (truth.reindex(reported.index) == reported).all()
    assert truth.sum() == reported.sum()


def test_revealing_a_day_is_slicing(world: SampleWorld) -> None:
    assert world.signals_until(world.history_end).equals(world.signals)
    day = world.future_start + dt.timedelta(days=3)
    seen = world.signals_until(day)
    assert seen["date"].max() == pd.Timestamp(day)
    demand = world.demand_on(day)
    truth = world.truth[world.truth["date"] == pd.Timestamp(day)].set_index("sku")["demand"]
    assert demand.sum() == truth.sum() and (demand.reindex(truth.index) == truth).all()


def test_history_and_future_do_not_overlap(world: SampleWorld) -> None:
    assert world.signals["date"].max() < pd.Timestamp(world.future_start)
    assert world.future_signals["date"].min() >= pd.Timestamp(world.future_start)
    assert world.future_signals["date"].max() == pd.Timestamp(world.end)


# --- scenarios -----------------------------------------------------------------------------------


def _style_spread(world: SampleWorld) -> float:
    totals = world.all_signals.groupby("style")["orders"].sum()
    return float(totals.std() / totals.mean())


def test_scenarios_are_loaded_and_validated() -> None:
    scenarios = load_scenarios()
    assert {"default", "steady", "viral", "promo", "flat"} <= set(scenarios)
    with pytest.raises(ConfigError, match="unknown scenario 'nope'"):
        get_scenario("nope")
    with pytest.raises(ConfigError, match="viral_rate"):
        parse_scenario({"viral_rate": -1})
    with pytest.raises(ConfigError, match="unknown_key"):
        parse_scenario({"unknown_key": 1})
    assert get_scenario("default", styles=5).styles == 5


def test_bad_scenario_file_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("[scenarios.x]\nrooms = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"scenarios\.x.*rooms"):
        load_scenarios(path)


def test_viral_worlds_are_more_dispersed_than_steady_ones() -> None:
    for seed in (1, 2):
        steady = generate(seed, "steady", history_days=45, future_days=14)
        viral = generate(seed, "viral", history_days=45, future_days=14)
        assert len(steady.viral) == 0
        assert len(viral.viral) > 0
        assert _style_spread(viral) > 1.5 * _style_spread(steady)


def test_promo_festival_spikes_in_the_future_after_carts_fill() -> None:
    world = generate(3, "promo", history_days=45, future_days=21)
    festival = world.meta["festival"]
    assert world.future_start <= festival <= world.end
    daily = world.truth.groupby("date")["demand"].sum()
    others = daily.drop(pd.Timestamp(festival))
    assert daily[pd.Timestamp(festival)] > 3 * others.mean()
    rows = world.all_signals.groupby("date")[["carts", "orders"]].sum()
    fest = pd.Timestamp(festival)
    preheat = rows.loc[fest - pd.Timedelta(days=5) : fest - pd.Timedelta(days=1)].sum()
    before = rows.loc[: fest - pd.Timedelta(days=8)].tail(14).sum()
    # during pre-heat carts fill while most payments wait for the day
    assert preheat["orders"] / preheat["carts"] < 0.6 * before["orders"] / before["carts"]
    assert preheat["carts"] / 5 > before["carts"] / 14
    # the festival is on every room's published calendar as a promotion day
    on_the_day = world.room_calendar[world.room_calendar["date"] == fest]
    assert on_the_day["promotion"].all() and on_the_day["broadcast"].all()


def test_flat_world_has_no_demand_uncertainty() -> None:
    world = generate(4, "flat", history_days=30, future_days=14)
    per_sku = world.truth.pivot(index="date", columns="sku", values="demand")
    assert (per_sku.nunique() == 1).all()
    assert per_sku.sum(axis=1).iloc[0] > 0


def test_demand_fills_the_factory_as_the_scenario_says() -> None:
    half = generate(2, history_days=30, future_days=14, target_load=0.4)
    full = generate(2, history_days=30, future_days=14, target_load=0.8)
    ratio = full.all_signals["orders"].sum() / half.all_signals["orders"].sum()
    assert 1.6 < ratio < 2.4


@pytest.mark.parametrize("scenario", ["default", "viral"])
@pytest.mark.parametrize("target", [0.6, 1.05])
def test_the_scored_days_run_at_the_target_load(scenario: str, target: float) -> None:
    """``target_load`` is the season's load, not the whole span's (demand rises into winter,
    and a viral world's runs lift it far above the structural mean)."""
    for seed in (2, 5):
        world = generate(seed, scenario, history_days=30, future_days=14, target_load=target)
        assert world.summary()["load"] == pytest.approx(target, rel=0.15), seed


def test_the_realised_load_is_demand_minutes_over_regular_capacity() -> None:
    from c2m.config import load_config
    from c2m.sample.calibration import sewing_minutes_per_day

    world = generate(4, "steady", history_days=20, future_days=7, styles=4)
    sam = world.catalog.set_index("sku")["sam_minutes"]
    minutes = (world.truth["demand"] * world.truth["sku"].map(sam)).sum()
    capacity = sewing_minutes_per_day(load_config()) * 7
    assert world.summary()["load"] == pytest.approx(minutes / capacity, abs=1e-4)
    assert world.summary()["history_load"] > 0


def test_a_world_without_a_future_has_no_season_load() -> None:
    world = generate(4, "steady", history_days=20, future_days=0, styles=4)
    assert world.summary()["load"] is None
    assert world.summary()["history_load"] == pytest.approx(0.75, rel=0.2)


# --- the messy export and the CLI ------------------------------------------------------------


def test_messy_export_is_gbk_with_the_documented_mess(written: Path) -> None:
    raw = (written / "messy" / "douyin_export_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gbk")
    lines = text.split("\r\n")
    assert lines[0] == "日期,直播间,商品编码,点击量,加购数,成交件数,排名,价格"
    assert lines[4] == ""  # the blank line
    assert ",-3," in lines[7]  # the bad row, line 8 in an editor
    assert lines[-2].startswith("合计")
    assert "万" in text and '"1,' in text
    assert any(", " in line and " ," in line for line in lines[1:])  # padded numbers
    expected = pd.read_csv(written / "messy" / "douyin_export_expected.csv")
    data_lines = [line for line in lines[1:-2] if line]
    assert len(expected) == len(data_lines) - 1
    assert (expected["clicks"] >= 10_000).any()


def test_cli_sample_writes_the_files(tmp_path: Path) -> None:
    from cli import app

    result = CliRunner().invoke(
        app,
        ["sample", "--seed", "3", "--out", str(tmp_path), "--history-days", "20",
         "--future-days", "7", "--scenario", "steady", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["scenario"] == "steady" and summary["seed"] == 3
    assert summary["target_load"] == 0.75 and 0.5 < summary["load"] < 1.0
    assert summary["history_load"] > 0
    for name in HEADERS:
        assert (tmp_path / name).exists()
    assert (tmp_path / "messy" / "douyin_export_gbk.csv").exists()


def test_cli_sample_rejects_an_unknown_scenario(tmp_path: Path) -> None:
    from cli import app

    result = CliRunner().invoke(app, ["sample", "--out", str(tmp_path), "--scenario", "nope"])
    assert result.exit_code == 65
    assert "unknown scenario" in result.output
    assert not (tmp_path / "sales.csv").exists()


def test_long_format_sums_rooms_and_stops_at_the_cut(world: SampleWorld) -> None:
    long = world.to_long()
    assert list(long.columns) == ["unique_id", "ds", "y", "clicks", "carts", "rank", "price"]
    assert long["ds"].max() == pd.Timestamp(world.history_end)
    assert long["y"].sum() == world.signals["orders"].sum()
    assert not long.duplicated(["unique_id", "ds"]).any()
    later = world.to_long(world.future_start)
    assert later["ds"].max() == pd.Timestamp(world.future_start)


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    scenario=st.sampled_from(["steady", "default", "viral", "promo", "flat"]),
    styles=st.integers(1, 6),
    rooms=st.integers(1, 4),
    history_days=st.integers(14, 40),
    future_days=st.integers(0, 20),
)
def test_any_small_world_is_consistent(
    seed: int, scenario: str, styles: int, rooms: int, history_days: int, future_days: int
) -> None:
    world = generate(
        seed, scenario, history_days=history_days, future_days=future_days, styles=styles,
        rooms=rooms,
    )  # fmt: skip
    rows = world.all_signals
    assert (rows[["clicks", "carts", "orders"]] >= 0).all().all()
    assert (rows["carts"] <= rows["clicks"]).all()
    assert len(world.truth) == future_days * len(world.catalog)
    assert world.truth["demand"].sum() == world.future_signals["orders"].sum()
    assert not (world.signals["date"] > pd.Timestamp(world.history_end)).any()
    assert set(rows["sku"]) <= set(world.catalog["sku"])
