"""The sample catalogue: styles x colours x sizes, their fabrics, costs and prices.

Per-category knowledge (sizes, colours, fabrics, consumption, cost) is written down here once,
with where the figure comes from; anything the factory config adds beyond these categories gets
a generic knit top profile, so a custom factory still gets a usable catalogue. SAM per style
scatters around the factory's category default, because two T-shirts are never the same job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from c2m.sample.scenario import Scenario

TOP_SIZES = ("S", "M", "L", "XL", "XXL")
# Share of units per size: Chinese casualwear size curves peak at M/L.
TOP_CURVE = (0.12, 0.26, 0.30, 0.20, 0.12)


@dataclass(frozen=True)
class Fabric:
    code: str
    name: str
    unit: str  # kg for knits (bought by weight), m for wovens
    roll_size: float


@dataclass(frozen=True)
class CategoryProfile:
    """What a style of one category looks like; figures are typical Humen sourcing values."""

    names: tuple[str, ...]
    sizes: tuple[str, ...]
    size_curve: tuple[float, ...]
    colours: tuple[str, ...]
    fabrics: tuple[str, ...]
    consumption: float  # fabric per garment incl. cutting waste (kg or m)
    unit_cost: float  # CNY, fabric + trims + labour
    weight: float  # relative number of styles in a live-commerce range
    warmth: float  # + sells more in warm weather, - in cold


FABRICS = {
    f.code: f
    for f in (
        Fabric("JER-180", "cotton jersey 180 g/m2", "kg", 25.0),
        Fabric("JER-230", "heavy cotton jersey 230 g/m2", "kg", 25.0),
        Fabric("PIQ-220", "cotton pique 220 g/m2", "kg", 25.0),
        Fabric("FLC-320", "brushed fleece 320 g/m2", "kg", 20.0),
        Fabric("TRY-280", "french terry 280 g/m2", "kg", 20.0),
        Fabric("DEN-12", "stretch denim 12 oz", "m", 100.0),
        Fabric("DEN-10", "light denim 10 oz", "m", 100.0),
        Fabric("POP-40", "cotton poplin 40s", "m", 100.0),
        Fabric("OXF-100", "oxford 100 g/m2", "m", 100.0),
        Fabric("CHF-75", "polyester chiffon 75D", "m", 100.0),
        Fabric("RAY-120", "rayon challis 120 g/m2", "m", 100.0),
    )
}

PROFILES = {
    # knit T-shirt: ~0.2-0.25 kg of jersey a piece; ex-factory 15-25 CNY
    "tshirt": CategoryProfile(
        ("crew-neck tee", "oversized tee", "graphic tee", "drop-shoulder tee", "pocket tee"),
        TOP_SIZES,
        TOP_CURVE,
        ("BLK", "WHT", "GRY", "NVY", "BEG", "GRN", "PNK"),
        ("JER-180", "JER-230"),
        0.24,
        18.0,
        3.0,
        0.6,
    ),
    "polo": CategoryProfile(
        ("pique polo", "striped polo", "knit polo", "slim polo"),
        TOP_SIZES,
        TOP_CURVE,
        ("BLK", "WHT", "NVY", "GRY", "KHK"),
        ("PIQ-220",),
        0.30,
        32.0,
        1.5,
        0.3,
    ),
    "hoodie": CategoryProfile(
        ("pullover hoodie", "zip hoodie", "fleece sweatshirt", "terry sweatshirt"),
        TOP_SIZES,
        TOP_CURVE,
        ("BLK", "GRY", "NVY", "BEG", "BRN", "GRN"),
        ("FLC-320", "TRY-280"),
        0.62,
        55.0,
        2.0,
        -0.9,
    ),
    "jeans": CategoryProfile(
        ("straight jeans", "slim jeans", "wide-leg jeans", "tapered jeans"),
        ("28", "30", "32", "34", "36"),
        (0.15, 0.27, 0.29, 0.19, 0.10),
        ("LBL", "MBL", "DBL", "BLK"),
        ("DEN-12", "DEN-10"),
        1.35,
        58.0,
        1.5,
        -0.1,
    ),
    "shirt": CategoryProfile(
        ("oxford shirt", "poplin shirt", "camp-collar shirt", "striped shirt"),
        TOP_SIZES,
        TOP_CURVE,
        ("WHT", "BLU", "PNK", "KHK", "BLK"),
        ("POP-40", "OXF-100"),
        1.6,
        45.0,
        1.5,
        0.1,
    ),
    "dress": CategoryProfile(
        ("shirt dress", "floral midi dress", "slip dress", "A-line dress"),
        ("S", "M", "L", "XL"),
        (0.22, 0.35, 0.28, 0.15),
        ("BLK", "WHT", "PNK", "GRN", "BLU", "RED"),
        ("CHF-75", "RAY-120"),
        2.2,
        56.0,
        1.5,
        0.4,
    ),
}

GENERIC = CategoryProfile(
    ("basic top",),
    TOP_SIZES,
    TOP_CURVE,
    ("BLK", "WHT", "GRY", "NVY"),
    ("JER-180",),
    0.3,
    30.0,
    1.0,
    0.0,
)

# Days ahead of its season a style is launched.
LAUNCH_LEAD_DAYS = 30


def warm_weather(day_of_year: np.ndarray) -> np.ndarray:
    """+1 in late July, -1 in late January: how warm the weather in south China is."""
    return np.cos(2 * np.pi * (np.asarray(day_of_year) - 200) / 365.25)


CATALOG_COLUMNS = [
    "sku",
    "style",
    "colour",
    "size",
    "name",
    "category",
    "sam_minutes",
    "fabric",
    "fabric_per_unit",
    "unit_cost",
    "price",
    "launch_date",
]


@dataclass
class Catalogue:
    """Styles (one row each, with demand-shaping attributes) and SKUs (one row each)."""

    styles: pd.DataFrame
    skus: pd.DataFrame  # catalog.csv columns + style_index, sku share of style demand

    @property
    def table(self) -> pd.DataFrame:
        return self.skus[CATALOG_COLUMNS]


def profile(category: str) -> CategoryProfile:
    return PROFILES.get(category, GENERIC)


def make_catalogue(
    rng: np.random.Generator,
    scenario: Scenario,
    category_sam: dict[str, float],
    start: dt.date,
    history_days: int,
    future_days: int,
) -> Catalogue:
    """Draw styles and their SKUs; launch dates place some styles in history or the future."""
    categories = list(category_sam)
    n = scenario.styles
    launch_offset = _launch_offsets(rng, scenario, n, history_days, future_days)
    basic = rng.random(n) < scenario.basics_share
    cats = _style_categories(rng, scenario, categories, start, launch_offset)
    yy = start.year % 100
    style_rows = []
    sku_rows = []
    for i in range(n):
        style_row = _draw_style(
            rng,
            style=f"HM{yy:02d}{i + 1:02d}",
            category=categories[cats[i]],
            category_sam=category_sam,
            launch_offset=int(launch_offset[i]),
            start=start,
            basic=bool(basic[i]),
        )
        style_rows.append(style_row)
        sku_rows.extend(_draw_skus(rng, scenario, style_row, i))
    return Catalogue(styles=pd.DataFrame(style_rows), skus=pd.DataFrame(sku_rows))


def _launch_offsets(
    rng: np.random.Generator, scenario: Scenario, n: int, history_days: int, future_days: int
) -> np.ndarray:
    """Days from the start to each style's launch: before the history, during it, or after."""
    kind = rng.choice(
        3,
        size=n,
        p=[
            1 - scenario.launched_in_history - scenario.launched_in_future,
            scenario.launched_in_history,
            scenario.launched_in_future,
        ],
    )
    launch_offset = np.empty(n, dtype=int)
    for i, k in enumerate(kind):
        if k == 0:
            launch_offset[i] = -int(rng.integers(1, 120))
        elif k == 1:
            launch_offset[i] = int(rng.integers(min(7, history_days - 1), max(8, history_days - 7)))
        else:
            launch_offset[i] = history_days + int(
                rng.integers(min(2, future_days), max(3, future_days - 5))
            )
    return launch_offset


def _style_categories(
    rng: np.random.Generator,
    scenario: Scenario,
    categories: list[str],
    start: dt.date,
    launch_offset: np.ndarray,
) -> np.ndarray:
    """Each style's category index, drawn for the season it launches into.

    Merchandisers launch for the coming season: a style launched a month before the cold
    sets in is more likely a hoodie than a dress (twice the demand season's strength).
    """
    weights = np.array([profile(c).weight for c in categories], dtype=float)
    warmth = np.array([profile(c).warmth for c in categories])
    launch_doy = np.array(
        [
            (start + dt.timedelta(days=int(o) + LAUNCH_LEAD_DAYS)).timetuple().tm_yday
            for o in launch_offset
        ]
    )
    fit = np.exp(2 * scenario.seasonality * warmth[None, :] * warm_weather(launch_doy)[:, None])
    p = weights[None, :] * fit
    p /= p.sum(axis=1, keepdims=True)
    return np.array([rng.choice(len(categories), p=row) for row in p])


def _draw_style(
    rng: np.random.Generator,
    *,
    style: str,
    category: str,
    category_sam: dict[str, float],
    launch_offset: int,
    start: dt.date,
    basic: bool,
) -> dict:
    """One style's catalogue row: name, SAM, fabric, cost and price around its category's."""
    prof = profile(category)
    name = str(rng.choice(prof.names)).capitalize()
    sam = round(category_sam[category] * float(np.exp(rng.normal(0, 0.12))), 1)
    fabric = str(rng.choice(prof.fabrics))
    per_unit = round(prof.consumption * float(np.exp(rng.normal(0, 0.08))), 3)
    cost = round(prof.unit_cost * float(np.exp(rng.normal(0, 0.15))), 1)
    # live-room prices sit at 2-3x ex-factory cost and end in .9
    price = np.floor(cost * rng.uniform(2.0, 3.2)) + 0.9
    return {
        "style": style,
        "category": category,
        "name": name,
        "sam_minutes": sam,
        "fabric": fabric,
        "fabric_per_unit": per_unit,
        "unit_cost": cost,
        "price": float(price),
        "launch_date": start + dt.timedelta(days=launch_offset),
        "launch_offset": launch_offset,
        "basic": basic,
        "warmth": prof.warmth,
    }


def _draw_skus(
    rng: np.random.Generator, scenario: Scenario, style_row: dict, style_index: int
) -> list[dict]:
    """The style's SKUs (its colours x its category's sizes) and each one's share of it."""
    prof = profile(style_row["category"])
    n_col = int(rng.integers(scenario.colours[0], scenario.colours[1] + 1))
    n_col = min(n_col, len(prof.colours))
    colours = list(rng.choice(prof.colours, size=n_col, replace=False))
    colour_share = rng.dirichlet(np.full(n_col, 3.0)) if n_col > 1 else np.ones(1)
    size_share = rng.dirichlet(np.array(prof.size_curve) * 150.0)
    shared = {
        key: style_row[key]
        for key in (
            "name",
            "category",
            "sam_minutes",
            "fabric",
            "fabric_per_unit",
            "unit_cost",
            "price",
            "launch_date",
        )
    }
    style = style_row["style"]
    return [
        {
            "sku": f"{style}-{colour}-{size}",
            "style": style,
            "colour": str(colour),
            "size": size,
            **shared,
            "style_index": style_index,
            "share": float(colour_share[ci] * size_share[si]),
        }
        for ci, colour in enumerate(colours)
        for si, size in enumerate(prof.sizes)
    ]


def fabric_table(codes: list[str]) -> pd.DataFrame:
    """Fabric master data for the codes the catalogue uses."""
    rows = [
        {
            "fabric": c,
            "name": FABRICS[c].name,
            "unit": FABRICS[c].unit,
            "roll_size": FABRICS[c].roll_size,
        }
        for c in sorted(set(codes))
    ]
    return pd.DataFrame(rows)
