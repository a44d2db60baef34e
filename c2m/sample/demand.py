"""Live rooms and the latent demand process behind their signals.

The process is simulated once, day by day, for history and future together, so that showing
the planner day ``d`` is only slicing, and the truth it is scored on is the same orders the
rooms would have reported. Each day:

1. every style has a latent interest: appeal x life cycle (launch ramp, end-of-life decay for
   fashion, none for basics) x season (warm/cold categories) x a mean-reverting random walk
   x a viral boost;
2. each room has a traffic factor: weekly rhythm x broadcast or shop-window-only day x
   promotion x festival (pre-heat, day, lull);
3. clicks are negative binomial around interest x traffic x how well that session presented
   the style; carts are a binomial share of clicks; each cart is paid the same day, the next
   or the one after (or never), so clicks lead orders by about a day when interest turns;
   festival pre-heat carts are mostly paid on the festival day;
4. a session that drew more clicks than expected raises the chance the style goes viral
   (young styles more than old ones); a viral boost decays with a half-life;
5. each broadcasting room ranks its styles by that day's orders (its hot-sale list).

Demand is exogenous: it does not depend on stock, because live-commerce orders are taken
first and shipped after (a stock-out delays shipment, it does not erase the click).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from c2m.sample.catalog import warm_weather
from c2m.sample.scenario import Scenario

# Relative audience of each weekday (Mon..Sun): weekend evenings draw the most viewers.
WEEKLY_SHAPE = np.array([-0.8, -0.6, -0.4, -0.2, 0.4, 1.0, 0.6])
PLATFORMS = ("douyin", "kuaishou", "taobao", "douyin", "kuaishou", "taobao", "douyin", "xhs")
# The process starts this many days before the first reported day, so carts paid later and
# the random walk are already in motion on day one.
WARMUP_DAYS = 7
# Youngest styles go viral most: the chance halves roughly every 40 days after the first month.
VIRAL_YOUNG_DAYS = 30
VIRAL_AGE_SCALE = 60.0
MAX_BUY_RATE = 0.9


class Draw:
    """Process randomness; with ``noisy=False`` every draw is its expectation (rounded)."""

    def __init__(self, rng: np.random.Generator, noisy: bool) -> None:
        self.rng = rng
        self.noisy = noisy

    def normal(self, sd: np.ndarray | float, size: int | tuple) -> np.ndarray:
        if not self.noisy:
            return np.zeros(size)
        return self.rng.normal(0.0, 1.0, size) * sd

    def mean_one(self, sigma: float, size: tuple) -> np.ndarray:
        """Multiplicative noise with mean 1 (lognormal)."""
        if not self.noisy or sigma == 0:
            return np.ones(size)
        return np.exp(self.rng.normal(-sigma * sigma / 2, sigma, size))

    def counts(self, lam: np.ndarray, dispersion: float) -> np.ndarray:
        """Negative binomial counts (gamma-Poisson mixture) with mean ``lam``."""
        if not self.noisy:
            return np.rint(lam).astype(np.int64)
        if dispersion > 0:
            lam = lam * self.rng.gamma(1.0 / dispersion, dispersion, lam.shape)
        return self.rng.poisson(lam)

    def binomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray:
        if not self.noisy:
            return np.rint(n * p).astype(np.int64)
        return self.rng.binomial(n, p)

    def multinomial(self, n: np.ndarray, pvals: np.ndarray) -> np.ndarray:
        if not self.noisy:
            return np.rint(n[..., None] * pvals).astype(np.int64)
        return self.rng.multinomial(n, pvals)

    def happens(self, p: np.ndarray) -> np.ndarray:
        if not self.noisy:
            return np.zeros(p.shape, dtype=bool)
        return self.rng.random(p.shape) < p


@dataclass
class SampleDays:
    """Day indices of the simulated span (warm-up included) and of the festival, if any.

    Not the factory's working calendar (``config.Calendar``): the days a sample world's
    rooms live through, with the festival's pre-heat and lull marked.
    """

    dates: pd.DatetimeIndex
    first_future: int
    festival: int | None
    preheat: np.ndarray  # bool per day
    lull: np.ndarray  # bool per day

    @property
    def T(self) -> int:
        return len(self.dates)


def make_sample_days(
    start: pd.Timestamp, history_days: int, future_days: int, scenario: Scenario
) -> SampleDays:
    dates = pd.date_range(
        start - pd.Timedelta(days=WARMUP_DAYS),
        periods=WARMUP_DAYS + history_days + future_days,
        freq="D",
    )
    T = len(dates)
    first_future = WARMUP_DAYS + history_days
    preheat = np.zeros(T, dtype=bool)
    lull = np.zeros(T, dtype=bool)
    festival = None
    fest = scenario.festival
    if fest is not None and first_future + fest.future_day < T:
        festival = first_future + fest.future_day
        preheat[max(0, festival - fest.preheat_days) : festival] = True
        lull[festival + 1 : festival + 1 + fest.lull_days] = True
    return SampleDays(dates, first_future, festival, preheat, lull)


@dataclass
class Rooms:
    """Who streams when, with what traffic and price, selling which styles."""

    ids: list[str]
    platforms: list[str]
    reach: np.ndarray  # (R,) audience share
    buy: np.ndarray  # (R,) cart -> paid rate on a normal day
    on_air: np.ndarray  # (T, R) bool: the room streamed
    promo: np.ndarray  # (T, R) bool
    traffic: np.ndarray  # (T, R) multiplier
    discount: np.ndarray  # (T, R) price cut
    carries: np.ndarray  # (R, S) bool
    #: (T, R) bool: the room's published schedule, before the few cancelled sessions
    planned: np.ndarray

    @property
    def weight(self) -> np.ndarray:
        """(R, S): share of a style's audience each room holds."""
        w = self.reach[:, None] * self.carries
        return w / np.maximum(w.sum(axis=0, keepdims=True), 1e-12)

    @property
    def buy_today(self) -> np.ndarray:
        """(T, R): coupons convert: the paid share rises by twice the discount."""
        return np.minimum(MAX_BUY_RATE, self.buy[None, :] * (1 + 2 * self.discount))


def make_rooms(
    rng: np.random.Generator, scenario: Scenario, days: SampleDays, n_styles: int
) -> Rooms:
    R, T = scenario.rooms, days.T
    platforms = [PLATFORMS[r % len(PLATFORMS)] for r in range(R)]
    ids = [f"{p}-{r + 1:02d}" for r, p in enumerate(platforms)]
    reach = np.sort(rng.dirichlet(np.full(R, 3.0)))[::-1]
    buy = np.clip(scenario.buy_rate * np.exp(rng.normal(0, 0.1, R)), 0.01, MAX_BUY_RATE)

    dow = days.dates.day_of_week.to_numpy()
    weekly = 1 + scenario.weekly_amplitude * WEEKLY_SHAPE[dow]
    on_air = np.zeros((T, R), dtype=bool)
    planned = np.zeros((T, R), dtype=bool)
    for r in range(R):
        weekly_days = int(rng.integers(scenario.broadcast_days[0], scenario.broadcast_days[1] + 1))
        # rooms rest on their weakest weekdays, with a little personal preference
        score = WEEKLY_SHAPE + rng.normal(0, 0.3, 7)
        stream = np.argsort(-score)[:weekly_days]
        planned[:, r] = np.isin(dow, stream)
        on_air[:, r] = planned[:, r] & (rng.random(T) >= scenario.skip_rate)
    festive = days.preheat.copy()
    if days.festival is not None:
        festive[days.festival] = True
    on_air[festive] = True
    planned[festive] = True

    promo = on_air & (rng.random((T, R)) < scenario.promo_rate) & ~(festive | days.lull)[:, None]
    traffic = np.where(on_air, 1.0, scenario.off_air_share) * weekly[:, None]
    promo_lift = scenario.promo_lift * np.exp(rng.normal(-0.02, 0.2, (T, R)))
    traffic = np.where(promo, traffic * promo_lift, traffic)
    discount = np.where(promo, scenario.promo_discount, 0.0)
    fest = scenario.festival
    if fest is not None and days.festival is not None:
        traffic[days.preheat] *= fest.preheat_lift
        traffic[days.festival] *= fest.lift
        traffic[days.lull] *= fest.lull
        discount[days.festival] = fest.discount

    # the main room lists most of the range, smaller rooms a selection; every style sells somewhere
    carry_p = np.where(np.arange(R) == 0, 0.65, 0.35)
    carries = rng.random((R, n_styles)) < carry_p[:, None]
    for s in np.flatnonzero(~carries.any(axis=0)):
        carries[rng.choice(R, p=reach), s] = True
    return Rooms(ids, platforms, reach, buy, on_air, promo, traffic, discount, carries, planned)


def structural_interest(
    rng: np.random.Generator, scenario: Scenario, styles: pd.DataFrame, days: SampleDays
) -> np.ndarray:
    """(T, S) expected interest before scaling: appeal x life cycle x season."""
    S = len(styles)
    sigma = scenario.appeal_sigma
    appeal = np.exp(rng.normal(-sigma * sigma / 2, sigma, S))
    ramp = rng.uniform(3, 7, S)  # days for a new style to find its audience
    peak = rng.uniform(14, 45, S)  # fashion styles sell at full strength for weeks ...
    decay = rng.uniform(30, 90, S)  # ... then fade over one to three months
    t = np.arange(days.T)[:, None]
    launch = styles["launch_offset"].to_numpy()[None, :] + WARMUP_DAYS
    age = t - launch
    life = np.where(age < 0, 0.0, 1 - np.exp(-(np.maximum(age, 0) + 1) / ramp))
    basic = styles["basic"].to_numpy()[None, :]
    life *= np.where(basic, 1.0, np.exp(-np.maximum(age - peak, 0) / decay))
    doy = days.dates.day_of_year.to_numpy()[:, None]
    warm = warm_weather(doy)
    season = np.exp(scenario.seasonality * styles["warmth"].to_numpy()[None, :] * warm)
    return appeal[None, :] * life * season


@dataclass
class DemandPath:
    """The simulated days, warm-up included: (T, R, K) signals and (T, K) expected orders."""

    clicks: np.ndarray
    carts: np.ndarray
    orders: np.ndarray
    rank: np.ndarray  # float, NaN when unranked
    expected: np.ndarray  # (T, K) mean orders given the latent state
    interest: np.ndarray  # (T, S) latent interest in orders a day
    viral_starts: list[tuple[int, int]]  # (day, style)


@dataclass
class _DayLoop:
    """The day loop's fixed arrays and its running state (the walk ``z``, viral boosts ``v``).

    Signals and orders are filled day by day; ``orders`` and ``expected`` reach three days
    past the span, because a cart is paid up to two days after it was filled.
    """

    draw: Draw
    scenario: Scenario
    days: SampleDays
    rooms: Rooms
    base: np.ndarray  # (T, S) structural interest in orders a day
    style_index: np.ndarray  # (K,) style of each SKU
    sku_share: np.ndarray
    cart_rate: np.ndarray
    onehot: np.ndarray  # (K, S): SKU -> style, to sum SKUs per style
    clicks: np.ndarray
    carts: np.ndarray
    orders: np.ndarray
    expected: np.ndarray
    rank: np.ndarray
    interest: np.ndarray
    z: np.ndarray
    v: np.ndarray
    vol: np.ndarray
    first_sale: np.ndarray
    viral_starts: list[tuple[int, int]]

    def click_rate(self, t: int) -> np.ndarray:
        """(R, K) mean clicks on day ``t`` for an average session, from today's interest."""
        self.interest[t] = self.base[t] * np.exp(self.z) * (1 + self.v)
        rooms, k = self.rooms, self.style_index
        return (
            self.interest[t][k][None, :]
            * rooms.weight[:, k]
            * rooms.traffic[t][:, None]
            * self.sku_share[None, :]
            / (self.cart_rate[None, :] * rooms.buy[:, None])
        )

    def sell(self, t: int, lam0: np.ndarray) -> None:
        """Clicks and carts of day ``t``, and when each cart is paid (+0, +1, +2, festival)."""
        draw, scenario, days, rooms = self.draw, self.scenario, self.days, self.rooms
        R, S = len(rooms.ids), self.base.shape[1]
        session = draw.mean_one(scenario.session_sigma, (R, S))
        session[~rooms.on_air[t]] = 1.0
        lam = lam0 * session[:, self.style_index]
        self.clicks[t] = draw.counts(lam, scenario.dispersion)
        self.carts[t] = draw.binomial(self.clicks[t], self.cart_rate[None, :])

        # what becomes of each cart: paid today, +1, +2, on the festival day, never
        lags = np.array(scenario.pay_lags)
        fest = scenario.festival
        pvals = np.zeros((R, 5))
        if fest is not None and days.festival is not None and days.preheat[t]:
            paid_fest = np.minimum(MAX_BUY_RATE, rooms.buy * (1 + 2 * fest.discount))
            pvals[:, :3] = (1 - fest.preheat_deferred) * rooms.buy[:, None] * lags[None, :]
            pvals[:, 3] = fest.preheat_deferred * paid_fest
        else:
            pvals[:, :3] = rooms.buy_today[t][:, None] * lags[None, :]
        pvals[:, 4] = 1 - pvals[:, :4].sum(axis=1)
        K = len(self.style_index)
        paid = draw.multinomial(self.carts[t], np.broadcast_to(pvals[:, None, :], (R, K, 5)))
        mean_paid = (lam0 * self.cart_rate[None, :])[:, :, None] * pvals[:, None, :]
        for lag in range(3):
            self.orders[t + lag] += paid[:, :, lag]
            self.expected[t + lag] += mean_paid[:, :, lag].sum(axis=0)
        if days.festival is not None and days.festival > t:
            self.orders[days.festival] += paid[:, :, 3]
            self.expected[days.festival] += mean_paid[:, :, 3].sum(axis=0)

    def publish_ranks(self, t: int) -> None:
        """Today's orders are final: each room on air ranks its styles (its hot-sale list)."""
        depth = self.scenario.rank_depth
        S = self.base.shape[1]
        style_orders = self.orders[t] @ self.onehot  # (R, S)
        style_clicks = self.clicks[t] @ self.onehot
        for r in np.flatnonzero(self.rooms.on_air[t]):
            active = self.rooms.carries[r] & ((style_orders[r] + style_clicks[r]) > 0)
            ids = np.flatnonzero(active)
            order = ids[np.lexsort((-style_clicks[r, ids], -style_orders[r, ids]))]
            pos = np.full(S, np.nan)
            pos[order[:depth]] = np.arange(1, min(len(order), depth) + 1)
            self.rank[t, r] = pos[self.style_index]

    def start_virals(self, t: int, lam0: np.ndarray) -> None:
        """A session that drew more clicks than expected can start a viral run (young styles)."""
        scenario = self.scenario
        live = self.rooms.on_air[t][:, None]
        expected_clicks = np.where(live, lam0, 0.0) @ self.onehot  # (R, S)
        seen = np.where(live, self.clicks[t], 0) @ self.onehot
        exp_s = expected_clicks.sum(axis=0)
        ratio = np.where(exp_s > 1.0, seen.sum(axis=0) / np.maximum(exp_s, 1e-9), 0.0)
        age = t - self.first_sale
        young = np.where(
            age < VIRAL_YOUNG_DAYS,
            1.0,
            np.exp(-np.maximum(age - VIRAL_YOUNG_DAYS, 0) / VIRAL_AGE_SCALE),
        )
        hazard = scenario.viral_rate * young * np.minimum(ratio, 4.0) ** 2 * (self.v < 0.5)
        hazard[self.base[t] <= 0] = 0.0
        starts = self.draw.happens(np.clip(hazard, 0, 1))
        if starts.any():
            jump = scenario.viral_lift * self.draw.mean_one(0.5, (int(starts.sum()),))
            self.v[starts] += jump
            self.viral_starts.extend((t, int(s)) for s in np.flatnonzero(starts))

    def walk(self, half: float) -> None:
        """Tomorrow's interest: the mean-reverting walk steps, viral boosts decay."""
        S = self.base.shape[1]
        self.z = (1 - self.scenario.mean_reversion) * self.z + self.draw.normal(self.vol, S)
        self.v = self.v * half


def simulate_demand(
    draw: Draw,
    scenario: Scenario,
    days: SampleDays,
    rooms: Rooms,
    base: np.ndarray,
    style_index: np.ndarray,
    sku_share: np.ndarray,
    cart_rate: np.ndarray,
    basic: np.ndarray,
) -> DemandPath:
    """Run the day loop; ``base`` is the scaled structural interest (T, S) in orders a day.

    Not :func:`c2m.simulation.simulate` (the factory's season): this draws the rooms'
    signals and the true demand a sample world shows the planner.
    """
    T, S = base.shape
    R, K = len(rooms.ids), len(style_index)
    onehot = np.zeros((K, S))
    onehot[np.arange(K), style_index] = 1.0
    mr = scenario.mean_reversion
    # basics are bought for need, not fashion: their interest wanders half as much
    vol = scenario.volatility * np.where(basic, 0.5, 1.0)
    # start the walk in its stationary spread (a pure random walk, mean_reversion 0, at zero)
    stationary = vol / np.sqrt(1 - (1 - mr) ** 2) if mr > 0 else np.zeros(S)
    loop = _DayLoop(
        draw=draw,
        scenario=scenario,
        days=days,
        rooms=rooms,
        base=base,
        style_index=style_index,
        sku_share=sku_share,
        cart_rate=cart_rate,
        onehot=onehot,
        clicks=np.zeros((T, R, K), dtype=np.int64),
        carts=np.zeros((T, R, K), dtype=np.int64),
        orders=np.zeros((T + 3, R, K), dtype=np.int64),
        expected=np.zeros((T + 3, K)),
        rank=np.full((T, R, K), np.nan),
        interest=np.zeros((T, S)),
        z=draw.normal(stationary, S),
        v=np.zeros(S),
        vol=vol,
        first_sale=np.argmax(base > 0, axis=0),
        viral_starts=[],
    )
    half = 0.5 ** (1 / scenario.viral_half_life)
    for t in range(T):
        lam0 = loop.click_rate(t)
        loop.sell(t, lam0)
        loop.publish_ranks(t)
        if scenario.viral_rate > 0:
            loop.start_virals(t, lam0)
        loop.walk(half)

    return DemandPath(
        clicks=loop.clicks,
        carts=loop.carts,
        orders=loop.orders[:T],
        rank=loop.rank,
        expected=loop.expected[:T],
        interest=loop.interest,
        viral_starts=loop.viral_starts,
    )
