"""The simulation page takes plain daily series, so the simulation can change freely.

Protects: both modes get a line on each chart; a series the page does not know still shows
(in the menu chart); the summary table shows each mode's numbers; missing columns are one
clear sentence; the page is valid HTML with plotly.js once.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest

from c2m.errors import DataError
from c2m.report import render_simulation_page, write_simulation_report
from c2m.report.html import plotly_js


def season(days: int = 28) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for mode, stock0 in (("batch", 9000), ("c2m", 1500)):
        stock, served, due = stock0, 0.0, 0.0
        for k in range(days):
            demand = 400 + rng.integers(0, 100)
            shipped = min(stock, demand)
            produced = 300 if mode == "batch" and k % 7 == 0 else 420 if mode == "c2m" else 0
            stock = stock - shipped + produced
            served, due = served + shipped, due + demand
            rows.append(
                {
                    "mode": mode,
                    "day": dt.date(2027, 3, 1) + dt.timedelta(days=k),
                    "inventory_units": stock,
                    "fill_rate": shipped / demand,
                    "cumulative_fill_rate": served / due,
                    "demand_units": demand,
                    "shipped_units": shipped,
                    "produced_units": produced,
                    "lost_units": demand - shipped,
                    "changeovers": 2 if mode == "batch" else 11,
                }
            )
    return pd.DataFrame(rows)


def chart_traces(text: str, div_id: str) -> list[dict]:
    start = text.index(f'document.getElementById("{div_id}")')
    call = text[start : text.index("</script>", start)]
    data, _ = json.JSONDecoder().raw_decode(call[call.index("[") :])
    return data


def test_page_shows_both_modes_on_every_chart(valid_html, tmp_path):
    summary = {
        "batch": {"fill_rate": 0.812, "end_inventory_units": 8123, "total_cost": 123456.7},
        "c2m": {"fill_rate": 0.934, "end_inventory_units": 911, "total_cost": 98765.4},
    }
    path = write_simulation_report(season(), tmp_path, summary, notes={"seed": 7})
    assert path == tmp_path / "simulation.html"
    text = path.read_text(encoding="utf-8")
    valid_html(text)
    assert text.count(plotly_js()[:200]) == 1
    for chart in ("inventory", "fill-rate", "flows", "other-series"):
        names = {t["name"].split(" ")[0] for t in chart_traces(text, chart)}
        assert names == {"batch", "c2m"}, chart
    other = chart_traces(text, "other-series")
    assert [t["visible"] for t in other] == [True, True]  # 'changeovers', the unknown series
    kpis = text[text.index('id="simulation-kpis"') :]
    assert "93.4 %" in kpis and "81.2 %" in kpis and "8,123" in kpis and "98,765" in kpis
    facts = re.search(r'id="c2m-simulation-data">(.*?)</script>', text).group(1)
    assert json.loads(facts)["modes"] == ["batch", "c2m"]


def test_day_numbers_and_a_single_series_are_enough(valid_html):
    frame = pd.DataFrame({"mode": ["c2m"] * 3, "day": [0, 1, 2], "inventory_units": [5, 4, 6]})
    text = render_simulation_page(frame)
    valid_html(text)
    assert 'id="inventory"' in text and 'id="fill-rate"' not in text


def test_missing_columns_are_one_clear_sentence():
    with pytest.raises(DataError, match=r"needs the column\(s\) \['mode'\]"):
        render_simulation_page(pd.DataFrame({"day": [1], "inventory_units": [3]}))
    with pytest.raises(DataError, match="inventory_units' or a fill-rate column"):
        render_simulation_page(pd.DataFrame({"mode": ["c2m"], "day": [1], "x": [3]}))
