"""Model registry: every model class by its alias, so callers and the CLI can name them."""

from __future__ import annotations

from typing import Any

from forecasting.models.base import Model, PerSeriesModel
from forecasting.models.baselines import MovingAverage, Naive, SeasonalMovingAverage, SeasonalNaive
from forecasting.models.funnel import Funnel
from forecasting.models.global_gbm import GlobalGBM, GlobalGBMNoSignals, GlobalGBMRecursive
from forecasting.models.intermittent import TSB, Croston
from forecasting.models.launch import LaunchCurve
from forecasting.models.statistical import ETS, SARIMAX

MODELS: dict[str, type[Model]] = {
    cls.alias: cls
    for cls in (
        Naive,
        SeasonalNaive,
        MovingAverage,
        SeasonalMovingAverage,
        Croston,
        TSB,
        GlobalGBM,
        GlobalGBMNoSignals,
        GlobalGBMRecursive,
        Funnel,
        LaunchCurve,
        ETS,
        SARIMAX,
    )
}


def register(cls: type[Model]) -> type[Model]:
    """Add a model class to the registry under its alias (usable as a decorator)."""
    MODELS[cls.alias] = cls
    return cls


def make_model(alias: str, **params: Any) -> Model:
    try:
        cls = MODELS[alias]
    except KeyError:
        known = ", ".join(sorted([*MODELS, "auto"]))
        raise ValueError(f"Unknown forecasting method {alias!r}; choose one of: {known}.") from None
    return cls(**params)


__all__ = ["MODELS", "Model", "PerSeriesModel", "make_model", "register"]
