"""The engine behind ``forecast`` and ``backtest``: fit, pick per series, calibrate.

Every method, ``auto`` or a single model, goes through the same steps so that the quantiles of a
baseline are as honest as those of the best model:

1. rolling-origin windows inside the history (``cv_windows`` origins, one horizon apart);
2. each candidate model fitted at each window origin and at the final origin;
3. for ``auto``, the one forecast with the least absolute CV error pooled over the panel: a
   single model, or the mean or median of the best few (``SELECTION``; per-SKU or per-segment
   choice from three short windows was measured to pick noise);
4. conformal quantiles from the chosen model's CV errors.

A model that raises is replaced by the seasonal naive forecast for the affected series and the
failure is counted in ``Result.failures``; the engine never crashes on a bad series.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from forecasting.bias import factor_matrix, horizon_bands, validated_factors
from forecasting.calibration import conformal_quantiles, origin_scales, series_scale
from forecasting.features import group_codes
from forecasting.models import make_model
from forecasting.models.base import Model, seasonal_naive_forecast
from forecasting.panel import Panel

FALLBACK = "seasonal_naive"
#: progress callback: ``(steps done, steps in all)``
Progress = Callable[[int, int], None]
#: standard errors by which a segment's own pick must beat the panel's model to replace it
SELECTION_Z = 3.0
#: fewest independent clusters (styles, or series without a hierarchy) with CV errors a
#: segment needs before it may pick its own model
SELECTION_MIN_SERIES = 10


@dataclass
class Result:
    """Forecasts for every series of a panel (rows in panel order)."""

    yhat: np.ndarray
    quantiles: np.ndarray
    method: np.ndarray
    failures: dict[str, int] = field(default_factory=dict)
    cv_scores: dict[str, float] = field(default_factory=dict)
    #: ``auto``'s level factor per (segment code, horizon band), see :mod:`forecasting.bias`
    bias: dict[tuple[int, int], float] = field(default_factory=dict)


def young_age(season: int) -> int:
    """Periods of history below which a series counts as new (4 weeks daily, 26 weeks weekly)."""
    return 4 * season if season <= 12 else 26


#: whether ``auto`` corrects its level per segment x horizon band (:mod:`forecasting.bias`).
#: Off: measured on the demo database's backtest (h=7, 4 folds) it raised WAPE 0.559 -> 0.674
#: and on two of three sample worlds it moved the 14-day total away from the truth (the CV
#: windows' bias, rising into the November festival, did not carry into the weeks after).
LEVEL_CORRECTION = False
#: standard errors by which a signal-reading panel model must beat the best signal-free one
#: (:func:`_parsimonious`); None: no such test
PARSIMONY_Z: float | None = None
#: segment codes of :func:`segments`, by name
SEGMENTS = ("steady", "intermittent", "new", "hit", "fading")
#: recent level over the level before it beyond which a series is rising (a hit) or below
#: which it is fading
HIT_RATIO, FADE_RATIO = 1.5, 0.6


def segments(panel: Panel) -> np.ndarray:
    """Segment code per series (names in ``SEGMENTS``).

    New (younger than :func:`young_age`) first, then intermittent (more than half zeros
    recently), then by momentum: the last two seasons' mean level against the two seasons
    before (a hit rises by half or more, a fading series loses 40 %), else steady. Each
    segment has its own model choice, bias factor and interval calibration.
    """
    recent = panel.y[:, -28:]
    with np.errstate(all="ignore"):
        zeros = np.nanmean(recent == 0, axis=1)
    span = 2 * panel.season if panel.season <= 12 else 8
    now = _mean_or_nan(panel.y[:, -span:])
    before = _mean_or_nan(panel.y[:, -2 * span : -span])
    with np.errstate(all="ignore"):
        ratio = np.where(before > 0, now / before, np.nan)
    seg = np.where(ratio >= HIT_RATIO, 3, np.where(ratio <= FADE_RATIO, 4, 0))
    seg = np.where(zeros > 0.5, 1, seg)
    return np.where(panel.age < young_age(panel.season), 2, seg)


def _mean_or_nan(x: np.ndarray) -> np.ndarray:
    seen = np.sum(~np.isnan(x), axis=1)
    return np.where(seen > 0, np.nansum(x, axis=1) / np.maximum(seen, 1), np.nan)


def auto_candidates(panel: Panel) -> list[str]:
    """The models ``auto`` chooses from: cheap, vectorised ones plus the signal readers."""
    from forecasting.models import MODELS

    names = ["seasonal_naive", "seasonal_ma", "moving_average", "tsb"]
    for alias in ("funnel", "launch", "global"):
        if alias in MODELS and MODELS[alias].applicable(panel):
            names.append(alias)
    return names


def cv_origins(panel: Panel, h: int, windows: int | None) -> list[int]:
    """Origins of the internal windows, latest last, keeping enough history to train on."""
    windows = 3 if windows is None else windows
    min_train = max(h, min(2 * panel.season, panel.T // 2), 3)
    origins = [panel.T - w * h for w in range(windows, 0, -1)]
    return [o for o in origins if o >= min_train]


def fit_predict(
    panel: Panel, alias: str, h: int, n_jobs: int | None = None, fitted: Model | None = None
) -> tuple[np.ndarray, int, Model | None]:
    """One model's ``(n, h)`` forecast, its failure count and the fitted model.

    ``fitted`` is a model fitted at an earlier origin that may be pointed at this panel without
    refitting (``reuse_fit`` models inside CV windows). On any error the whole panel falls back
    to the seasonal naive forecast and every series counts as a failure.
    """
    model = fitted if fitted is not None else make_model(alias)
    if hasattr(model, "n_jobs"):
        model.n_jobs = n_jobs
    try:
        model = model.update(panel) if fitted is not None else model.fit(panel)
        pred = model.predict(h)
        pred = np.asarray(pred, dtype=float)
        if pred.shape != (panel.n, h):
            raise ValueError(f"{alias} returned shape {pred.shape}")
        bad = ~np.all(np.isfinite(pred), axis=1)
        if bad.any():
            pred[bad] = seasonal_naive_forecast(panel.y[bad], panel.season, h)
        return np.maximum(pred, 0.0), int(model.failures) + int(bad.sum()), model
    except Exception:  # a model may fail on odd data; the fallback keeps the run alive
        return seasonal_naive_forecast(panel.y, panel.season, h), panel.n, None


@dataclass
class Candidates:
    """Every candidate model's CV errors and final forecasts on one panel (what ``auto`` weighs).

    ``errors[m]`` is ``(w, n, h)`` outcome minus forecast at each internal origin (NaN where a
    series had not started), ``preds[m]`` the ``(n, h)`` forecast from the panel's end;
    ``cv_actual`` the outcomes and ``cv_seg`` each series' segment at each origin (-1 unseen).
    """

    errors: dict[str, np.ndarray]
    preds: dict[str, np.ndarray]
    cv_actual: np.ndarray
    cv_seg: np.ndarray
    failures: dict[str, int]


def candidate_forecasts(
    panel: Panel,
    names: Sequence[str],
    h: int,
    origins: Sequence[int],
    n_jobs: int | None = None,
    progress: Progress | None = None,
) -> Candidates:
    """Fit each model at each CV origin and at the panel's end (the costly part of ``run``)."""
    failures: dict[str, int] = {}
    errors = {m: np.full((len(origins), panel.n, h), np.nan) for m in names}
    cv_actual = np.full((len(origins), panel.n, h), np.nan)
    cv_seg = np.full((len(origins), panel.n), -1)
    reusable: dict[str, Model] = {}
    total, done = (len(origins) + 1) * len(names), 0
    for w, origin in enumerate(origins):
        sub = panel.cut(origin, h)
        actual = panel.y[sub.meta["index"], origin : origin + h]
        for m in names:
            pred, fails, model = fit_predict(sub, m, h, n_jobs, reusable.get(m))
            done += 1
            if progress:
                progress(done, total)
            if model is not None and getattr(model, "reuse_fit", False):
                reusable[m] = model
            errors[m][w, sub.meta["index"], :] = actual - pred
            failures[m] = failures.get(m, 0) + fails
        cv_actual[w, sub.meta["index"], :] = actual
        cv_seg[w, sub.meta["index"]] = segments(sub)
    preds = {}
    for m in names:
        preds[m], fails, _ = fit_predict(panel, m, h, n_jobs)
        done += 1
        if progress:
            progress(done, total)
        failures[m] = failures.get(m, 0) + fails
    return Candidates(errors, preds, cv_actual, cv_seg, failures)


def run(
    panel: Panel,
    method: str,
    h: int,
    quantiles: Sequence[float],
    cv_windows: int | None = None,
    n_jobs: int | None = None,
    progress: Progress | None = None,
) -> Result:
    """Forecast all series of ``panel`` with ``method`` (a model alias or ``"auto"``)."""
    names = auto_candidates(panel) if method == "auto" else [method]
    if method != "auto":
        make_model(method)  # unknown names fail loudly, before any work
    origins = cv_origins(panel, h, cv_windows)
    cand = candidate_forecasts(panel, names, h, origins, n_jobs, progress)
    errors, preds, cv_actual, cv_seg = cand.errors, cand.preds, cand.cv_actual, cand.cv_seg
    failures = cand.failures

    seg = segments(panel)
    base_scale = series_scale(panel.y, None)
    if method == "auto" and origins and len(names) > 2 and SELECTION == "pooled":
        names = _add_pooled_combinations(names, errors, preds)
        best = _pooled_best(names, errors, group_codes(panel), ONE_SE_Z)
        choice = np.full(panel.n, best, dtype=int)
    elif method == "auto" and origins and len(names) > 2:
        names = _add_combination(names, errors, preds, base_scale)
        choice = _choose(names, errors, seg, group_codes(panel), PARSIMONY_Z)
    else:
        choice = np.zeros(panel.n, dtype=int)
    rows = np.arange(panel.n)
    stacked = np.stack([preds[m] for m in names])
    yhat = stacked[choice, rows]
    err = None
    bias: dict[tuple[int, int], float] = {}
    if origins:
        err_stack = np.stack([errors[m] for m in names])  # (m, w, n, h)
        err = err_stack[choice, :, rows, :].transpose(1, 0, 2)  # (w, n, h)
        if method == "auto" and LEVEL_CORRECTION:
            yhat, err, bias = _correct_level(yhat, err, cv_actual, cv_seg, seg)
    abs_err = None if err is None else np.abs(err).transpose(1, 0, 2).reshape(panel.n, -1)
    scale = series_scale(panel.y, abs_err)
    q = conformal_quantiles(
        yhat,
        err,
        scale,
        quantiles,
        seg,
        cv_actual if origins else None,
        origin_scales(panel.y, origins, scale),
    )
    cv_scores = {}
    for m in names:
        e = errors[m]
        if origins and np.any(~np.isnan(e)):
            cv_scores[m] = float(np.nanmean(np.abs(e)))
    return Result(
        yhat=yhat,
        quantiles=q,
        method=np.asarray(names, dtype=object)[choice],
        failures=failures,
        cv_scores=cv_scores,
        bias=bias,
    )


def _correct_level(
    yhat: np.ndarray, err: np.ndarray, actual: np.ndarray, cv_seg: np.ndarray, seg: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict[tuple[int, int], float]]:
    """``auto``'s forecasts and CV errors with the bias factor per segment x horizon band.

    The CV forecasts are corrected too, so the quantiles are calibrated around the corrected
    level (:mod:`forecasting.bias`). Single methods are left as they are: a baseline stays a
    baseline.
    """
    cv_pred = actual - err
    factors = validated_factors(cv_pred, actual, cv_seg)
    h = yhat.shape[1]
    f_cv = np.stack([factor_matrix(factors, s, h) for s in cv_seg])  # each window's own cells
    return yhat * factor_matrix(factors, seg, h), actual - cv_pred * f_cv, factors


COMBO = "combo"
#: a combination named ``combo-median:a+b+c`` is the median of its members, ``combo:a+b`` the mean
COMBO_MEDIAN = "combo-median"
#: how ``auto`` selects. ``panel`` (default): the best single model, switched per segment on a
#: paired test (:func:`_choose`). ``pooled``: the one forecast, a single model or a combination
#: of the best by pooled CV error (:func:`_add_pooled_combinations`), with the least absolute CV
#: error pooled over every series and window; better on held-out sample worlds
#: (``benchmarks/forecast_selection.py``, docs/forecasting.md "How auto selects") but worse on
#: the demo backtest, and with it the season oracle filled less than C2M (0.857 vs 0.873 in
#: tests/c2m/simulation/test_oracle.py), so it is not the default yet.
SELECTION = "panel"
#: the combinations ``auto`` weighs: (how, members taken best first by pooled CV error)
POOLED_COMBINATIONS = (("mean", 2), ("median", 3), ("median", 4))
#: standard errors (over styles) within which ``auto`` serves a simpler forecast than the
#: pooled best (:func:`_pooled_best`); None: always the pooled best
ONE_SE_Z: float | None = 1.0


def combo_members(name: str) -> tuple[str, list[str]]:
    """``(how, aliases)`` of a forecast name: ``("single", [name])`` for a single model."""
    if name.startswith(f"{COMBO_MEDIAN}:"):
        return "median", name.removeprefix(f"{COMBO_MEDIAN}:").split("+")
    if name.startswith(f"{COMBO}:"):
        return "mean", name.removeprefix(f"{COMBO}:").split("+")
    return "single", [name]


def _add_pooled_combinations(
    names: list[str], errors: dict[str, np.ndarray], preds: dict[str, np.ndarray]
) -> list[str]:
    """``names`` plus the combinations of ``POOLED_COMBINATIONS`` (errors and forecasts added).

    A combination's CV errors are those of its combined CV forecasts, so it competes with the
    single models on the same footing; where three short windows cannot tell two models apart,
    their combination usually errs less than either.
    """
    out = list(names)
    for how, k in POOLED_COMBINATIONS:
        if k > len(names):
            continue
        pred, err, members = combine_top(names, errors, preds, k, how)
        alias = f"{COMBO if how == 'mean' else COMBO_MEDIAN}:{'+'.join(members)}"
        if alias not in errors and err is not None:
            errors[alias], preds[alias] = err, pred
            out.append(alias)
    return out


def _pooled_best(
    names: list[str],
    errors: dict[str, np.ndarray],
    clusters: np.ndarray | None = None,
    z: float | None = None,
) -> int:
    """Index of the forecast ``auto`` serves: least absolute CV error pooled over the panel.

    With ``z`` (the one-standard-error rule), the simplest forecast whose paired excess error
    over the best is within ``z`` standard errors over the ``clusters`` (styles) is served
    instead: a forecast that reads no signals before one that does (:func:`_complexity`), the
    least erring of that kind. Where the signals carry no news (a flat world) a baseline is
    served, not a signal reader that ties it by chance.
    """
    total = np.stack([np.nansum(np.abs(errors[m]), axis=(0, 2)) for m in names])  # (m, n)
    seen = np.sum(~np.isnan(errors[names[0]]), axis=(0, 2)) > 0
    if not seen.any():
        return 0
    best = int(np.argmin(total[:, seen].sum(axis=1)))
    clusters = np.arange(total.shape[1]) if clusters is None else np.asarray(clusters)
    by_cluster = _by_cluster(total, seen, clusters)
    if z is None or by_cluster is None or by_cluster.shape[1] < 2:
        return best
    excess = by_cluster - by_cluster[best][None, :]  # (m, clusters)
    mean = excess.mean(axis=1)
    se = excess.std(axis=1, ddof=1) / np.sqrt(excess.shape[1])
    close = np.flatnonzero(mean <= z * se)
    rank = [_complexity(names[i]) for i in close]
    return int(min(zip(rank, mean[close], close, strict=True))[2])


def _complexity(name: str) -> int:
    """1 for a forecast that reads signals or the calendar (or combines one that does), else 0.

    The one-SE rule's order. A combination adds no fitted parameter, so it is not ranked above
    its members; reading signals is, because where they carry no news it fits noise. Measured
    (docs/forecasting.md, "How auto selects"): ranking combinations above single models too
    cost viral h=14 0.820 -> 0.864 WAPE.
    """
    return 1 if reads_signals(name) else 0


def _add_combination(
    names: list[str],
    errors: dict[str, np.ndarray],
    preds: dict[str, np.ndarray],
    scale: np.ndarray,
) -> list[str]:
    """Add the mean of the two best models (by pooled scaled CV error) as one more candidate.

    Averaging two good, different models (say the global model and the seasonal moving
    average) cancels part of their errors; it is kept only where CV says it wins.
    """
    with np.errstate(all="ignore"):
        score = [np.nanmean(np.abs(errors[m]) / scale[None, :, None]) for m in names]
    a, b = (names[i] for i in np.argsort(np.nan_to_num(score, nan=np.inf))[:2])
    alias = f"{COMBO}:{a}+{b}"
    errors[alias] = (errors[a] + errors[b]) / 2
    preds[alias] = (preds[a] + preds[b]) / 2
    return [*names, alias]


def combine_top(
    names: list[str],
    errors: dict[str, np.ndarray],
    preds: dict[str, np.ndarray],
    k: int,
    how: str = "mean",
) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """The combination of the ``k`` candidates with the least pooled absolute CV error.

    Returns its ``(n, h)`` forecast, its ``(w, n, h)`` CV errors (None without windows) and the
    members, best first. ``how``: ``mean``, ``median`` or ``inv`` (weights inverse to the
    pooled error). Pooling over all series and averaging several good models is what stays
    robust where a few short windows cannot tell the candidates apart.
    """
    with np.errstate(all="ignore"):
        pooled = np.array([np.nansum(np.abs(errors[m])) for m in names])
    seen = [np.any(~np.isnan(errors[m])) for m in names]
    pooled = np.where(seen, pooled, np.inf)
    order = [names[i] for i in np.argsort(pooled, kind="stable")[: max(1, k)]]
    p = np.stack([preds[m] for m in order])
    e = np.stack([errors[m] for m in order])
    if how == "median":
        return np.median(p, axis=0), np.median(e, axis=0), order
    if how == "inv":
        w = 1.0 / np.maximum(np.sort(pooled)[: len(order)], 1e-9)
        w = w / w.sum() if np.all(np.isfinite(w)) else np.full(len(order), 1 / len(order))
    else:
        w = np.full(len(order), 1.0 / len(order))
    return np.tensordot(w, p, axes=1), np.tensordot(w, e, axes=1), order


def _choose(
    names: list[str],
    errors: dict[str, np.ndarray],
    seg: np.ndarray,
    clusters: np.ndarray | None = None,
    parsimony_z: float | None = None,
) -> np.ndarray:
    """Model index per series: one model for the panel, switched per segment on clear evidence.

    ``auto``'s rule when ``SELECTION == "panel"`` (before the pooled rule, :func:`_pooled_best`).
    Per-series choice from a few CV windows is mostly noise (docs/forecasting.md, "How auto
    selects", has the measurements); new launches were chosen for on the errors
    of a few older series. So the default is the single model with the least absolute CV error
    over the whole panel (the WAPE the forecasts are judged by); a segment (intermittent, new,
    hit, fading) gets another model, or the combination, only where that model beats the
    default on a paired test (mean gain above ``SELECTION_Z`` standard errors).

    With ``parsimony_z``, a signal-reading default must also beat the best signal-free model
    by that many standard errors, or the signal-free one is the default: where the signals
    carry no news (a flat world) a baseline is chosen, not a model that ties it by chance.

    The test counts ``clusters`` (the styles, when the panel has a hierarchy), not series:
    the sizes and colours of one style rise and fall together, so 25 SKUs of three styles are
    three pieces of evidence, not 25 (counting SKUs, segments switched on noise and lost out of
    sample). A segment needs
    ``SELECTION_MIN_SERIES`` clusters with CV errors (new launches seldom have them).
    """
    total = np.stack([np.nansum(np.abs(errors[m]), axis=(0, 2)) for m in names])  # (m, n)
    seen = np.sum(~np.isnan(errors[names[0]]), axis=(0, 2)) > 0
    singles = [i for i, m in enumerate(names) if not m.startswith(COMBO)]
    default = singles[int(np.argmin(total[singles][:, seen].sum(axis=1)))] if seen.any() else 0
    clusters = np.arange(len(seg)) if clusters is None else np.asarray(clusters)
    if parsimony_z is not None and seen.any():
        default = _parsimonious(names, total, seen, clusters, default, parsimony_z)
    choice = np.full(len(seg), default, dtype=int)
    for s in np.unique(seg):
        rows = (seg == s) & seen
        by_cluster = _by_cluster(total, rows, clusters)
        if by_cluster is not None and by_cluster.shape[1] >= SELECTION_MIN_SERIES:
            choice[seg == s] = _segment_winner(by_cluster, default)
    return choice


def _by_cluster(total: np.ndarray, rows: np.ndarray, clusters: np.ndarray) -> np.ndarray | None:
    """``(models, clusters)`` sums of the series' CV errors at ``rows``; None if no rows."""
    if not rows.any():
        return None
    _, cluster = np.unique(clusters[rows], return_inverse=True)
    k = int(cluster.max()) + 1
    return np.stack([np.bincount(cluster, weights=t, minlength=k) for t in total[:, rows]])


def reads_signals(name: str) -> bool:
    """Whether a candidate (or either half of a combination) reads signals or exog."""
    from forecasting.models import MODELS

    parts = combo_members(name)[1]
    return any(MODELS[p].uses_signals for p in parts if p in MODELS)


def _parsimonious(
    names: list[str],
    total: np.ndarray,
    seen: np.ndarray,
    clusters: np.ndarray,
    default: int,
    z: float,
) -> int:
    """``default``, or the best signal-free single model if ``default`` does not beat it by
    ``z`` standard errors over the clusters."""
    if not reads_signals(names[default]):
        return default
    simple = [i for i, m in enumerate(names) if not m.startswith(COMBO) and not reads_signals(m)]
    if not simple:
        return default
    best = simple[int(np.argmin(total[simple][:, seen].sum(axis=1)))]
    pair = _by_cluster(total[[best, default]], seen, clusters)
    if pair is None or pair.shape[1] < 2:
        return best
    gain = pair[0] - pair[1]
    se = gain.std(ddof=1) / np.sqrt(len(gain))
    return default if gain.mean() > max(z * se, 0.0) else best


def choose_by_band(
    names: list[str],
    errors: dict[str, np.ndarray],
    seg: np.ndarray,
    clusters: np.ndarray | None = None,
    parsimony_z: float | None = None,
) -> np.ndarray:
    """``(n, h)`` model index: :func:`_choose` run on each horizon band's CV errors alone.

    The signals that lead demand by a day or two (clicks, carts) help the first steps; by
    the second week a smoother level may err less. Each band (``bias.horizon_bands``) gets
    its panel model and its segments' switches from its own steps' errors.
    """
    h = next(iter(errors.values())).shape[2]
    bands = horizon_bands(h)
    out = np.zeros((len(seg), h), dtype=int)
    for b in np.unique(bands):
        steps = bands == b
        part = {m: e[:, :, steps] for m, e in errors.items()}
        out[:, steps] = _choose(names, part, seg, clusters, parsimony_z)[:, None]
    return out


def _segment_winner(total: np.ndarray, default: int) -> int:
    """The model whose paired gain over ``default`` is largest among the significant ones.

    ``total``: (models, clusters) absolute CV errors."""
    gain = total[default][None, :] - total  # (m, clusters): positive where m erred less
    mean = gain.mean(axis=1)
    se = gain.std(axis=1, ddof=1) / np.sqrt(gain.shape[1])
    ok = (mean > SELECTION_Z * se) & (mean > 0)
    return int(np.argmax(np.where(ok, mean, -np.inf))) if ok.any() else default


#: series per group: selection, fitting and calibration run per group of this many series.
#: A fixed size (never derived from the core count) so that the same inputs give the same
#: forecast on any machine; big enough that a group's pooled selection is well informed.
GROUP_SIZE = 2000


def group_bounds(n: int) -> np.ndarray:
    """Contiguous group edges for ``n`` series: ``n // GROUP_SIZE`` groups (at least one)."""
    groups = max(1, n // GROUP_SIZE)
    return np.linspace(0, n, groups + 1).astype(int)


def _run_group(args: tuple[Panel, str, int, Sequence[float], int | None]) -> Result:
    panel, method, h, quantiles, cv_windows = args
    return run(panel, method, h, quantiles, cv_windows, n_jobs=1)


def run_parallel(
    panel: Panel,
    method: str,
    h: int,
    quantiles: Sequence[float],
    cv_windows: int | None = None,
    n_jobs: int | None = None,
    progress: Progress | None = None,
) -> Result:
    """:func:`run` over contiguous groups of series in a process pool, results in panel order.

    Each group is selected, fitted and calibrated on its own. The split depends only on the
    number of series (:func:`group_bounds`), never on the core count or timing, so one input
    gives one forecast on every machine; the cores only decide how many groups run at once.
    Neighbouring ids (the SKUs of one style) stay together. One group runs in this process.
    """
    bounds = group_bounds(panel.n)
    if len(bounds) <= 2:
        return run(panel, method, h, quantiles, cv_windows, n_jobs, progress)
    if method != "auto":
        make_model(method)
    parts = [panel.subset(np.arange(a, b)) for a, b in pairwise(bounds)]
    tasks = [(p, method, h, quantiles, cv_windows) for p in parts]
    workers = min(n_jobs or os.cpu_count() or 1, len(tasks))
    if workers <= 1:
        results = [_run_group(t) for t in tasks]
        return _merge(results)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = []
        for i, r in enumerate(pool.map(_run_group, tasks)):
            results.append(r)
            if progress:
                progress(i + 1, len(tasks))
    return _merge(results)


def _merge(results: list[Result]) -> Result:
    """The groups' results stacked in panel order, failures summed."""
    failures: dict[str, int] = {}
    for r in results:
        for k, v in r.failures.items():
            failures[k] = failures.get(k, 0) + v
    return Result(
        yhat=np.vstack([r.yhat for r in results]),
        quantiles=np.vstack([r.quantiles for r in results]),
        method=np.concatenate([r.method for r in results]),
        failures=failures,
        cv_scores=results[0].cv_scores,
    )
