"""Demand forecasting for live-commerce SKUs: a pure library, long DataFrames in and out.

Public API: :func:`forecast`, :func:`backtest`, :func:`cross_validation`, :func:`evaluate`,
the hierarchy helpers and the model registry ``MODELS``. Never imports ``c2m`` or a database.
"""

from forecasting.api import backtest, cross_validation, evaluate, forecast
from forecasting.hierarchy import aggregate, learn_shares, reconcile, split
from forecasting.models import MODELS, make_model

__all__ = [
    "MODELS",
    "aggregate",
    "backtest",
    "cross_validation",
    "evaluate",
    "forecast",
    "learn_shares",
    "make_model",
    "reconcile",
    "split",
]
