"""The forecast predictors, pure (numpy and pandas; no store, no database): the two baselines every
forecast is measured against and the statistical model chosen by measurement (docs/forecast.md).

A forecast is made on a *base day* D from the unit's daily values up to and including D (the 24
hours of D, HJ 663 daily values) for the days D+1 … D+h. Every feature of a row is causal: it is a
function of values on or before that row's base day only, so training a model for base day D on
the rows whose target day is ≤ D never reads a value after D (tested by removing the data after D).

- ``persistence``: tomorrow is today (the value of D for every lead).
- ``climatology``: the mean of the same calendar window (±15 days) in earlier years (values at
  least 350 days before the target day); where fewer than 20 such values exist (the first year of
  a unit's data, e.g. Changzhi 2019 in the demo workspace) the mean of the last 30 days up to D.
- ``damped-anomaly WLS`` (the model lantian uses): per variable and lead day, a weighted ridge
  regression of the target's anomaly from the climatology on the recent anomalies (D, D−1, D−2,
  the 7-day mean), the 30-day level, the neighbouring units' anomalies on D, the target's day of
  week and season, and — when a meteorological file covers the days — the weather of the target
  day and its change from D. Rows are weighted by recency (half-life ``HALF_LIFE`` days); the ridge
  damps the anomaly toward the climatology as evidence thins; ``ROBUST_STEPS`` reweightings move the
  fit toward least absolute deviations (the verification's score is the MAE). AQI, PM2.5 and PM10
  anomalies are shares of the climatology (``RELATIVE``: skewed, their errors grow with the level).
  Calibrated on the past only: the last ``HOLDOUT`` training rows are forecast in ``BLOCK``-day
  blocks, each by a model fitted on earlier rows; on them the anomaly's weight α ∈ [0, 1] is chosen (the blend with the climatology,
  per variable, lead and base day; α = 0, the climatology itself, whenever the model did not beat it
  there), and their errors give the 80 % interval (10th–90th weighted percentile: split conformal),
  each error taken relative to the level of its forecast (``INTERVAL_POWER``: the errors grow with
  the level, so an interval learnt on summer's days fits winter's). Without rows to hold out yet,
  the forecast is the climatology.
- ``lightgbm``: the same features, gradient-boosted trees (measured, not used: see docs/forecast.md).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

VARIABLES = ("aqi", "pm25", "pm10", "o3_8h")
REGION_COLUMNS = ("region", "region_upwind")    # lantian.forecast.region.features
MET_COLUMNS = ("temperature", "humidity", "wind_speed", "wind_u", "wind_v", "precipitation", "blh")
HALF_LIFE = 120.0          # days: a row this old weighs half
RIDGE = 100.0              # on standardised features (chosen on Changzhi 2019, docs/forecast.md)
CLIM_WINDOW = 15           # ± days around the day of year
CLIM_MIN = 20              # values needed for a climatology of earlier years
TRAILING = 30              # days of the fallback level
TRAILING_MIN = 10          # valid days the fallback level needs
ROBUST_STEPS = 3           # reweighting steps toward least absolute deviations
MIN_ROWS = 40              # fewer training rows: the model falls back to climatology
HOLDOUT = 90               # the last training rows held out: the blend weight and the interval
BLOCK = 30                 # … forecast in blocks, each by a model fitted before it
UNCALIBRATED_ALPHA = 0.0   # too little past to check the model on: the climatology (α = 0)
RELATIVE = ("aqi", "pm25", "pm10")   # anomalies as a share of the climatology (skewed, scale with level)
LOWER_Q, UPPER_Q = 0.10, 0.90
# The interval's errors are divided by (the forecast's level)^power: AQI and PM errors grow in
# proportion to the level, O3-8h's as its square root (chosen on Changzhi 2019, docs/forecast.md).
INTERVAL_POWER = {"aqi": 1.0, "pm25": 1.0, "pm10": 1.0, "o3_8h": 0.5}
INTERVAL_FLOOR = 0.25      # levels below this share of the held-out forecasts' median count as it
MODEL_NAMES = ("wls", "persistence", "climatology", "lightgbm")


@dataclass
class Point:
    value: float
    lower: float
    upper: float
    model: str


def climatology(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(climatology of earlier years by target day, trailing 30-day mean by base day), both on the
    series' daily index. The first uses values ≥ 350 days before each day only; the second values
    on or before each day only."""
    s = series.astype(float)
    idx = s.index
    years = []
    for k in range(1, 1 + max(1, (idx[-1] - idx[0]).days // 365 + 1)):
        # the window target − 365·k ± 15 days as a trailing window: never later than 350 days before
        shifted = s.shift(365 * k - CLIM_WINDOW)
        years.append(shifted.rolling(2 * CLIM_WINDOW + 1, min_periods=1))
    sums = sum(r.sum().fillna(0) for r in years)
    counts = sum(r.count() for r in years)
    doy = (sums / counts).where(counts >= CLIM_MIN)
    trailing = s.rolling(TRAILING, min_periods=TRAILING_MIN).mean()
    return doy, trailing


def _shift_index(values: pd.Series, lead: int) -> np.ndarray:
    """The values of day o+lead aligned on day o."""
    return values.shift(-lead).to_numpy(dtype=float)


@dataclass
class Frame:
    """The design of one variable and lead for every base day of the index."""
    X: np.ndarray           # rows × features (NaN-free)
    y: np.ndarray           # target anomaly (NaN where the target day is unknown)
    base: np.ndarray        # the climatology the anomaly is taken from (per row)
    persistence: np.ndarray
    names: list[str]
    index: pd.DatetimeIndex
    scale: np.ndarray | None = None     # the anomaly's unit per row (1, or the climatology: RELATIVE)
    var: str | None = None              # the variable (its interval's power, INTERVAL_POWER)


def design(frame: pd.DataFrame, var: str, lead: int, neighbours: pd.DataFrame | None = None,
           met: pd.DataFrame | None = None, region: pd.DataFrame | None = None) -> Frame:
    """Features of ``var`` at ``lead`` for every base day of ``frame`` (daily index, columns VARIABLES).
    ``region``: the regional anomalies of the base day (:func:`lantian.forecast.region.features`:
    columns ``region``, ``region_upwind``), each a feature when it has a value on some day."""
    v = frame[var].astype(float)
    doy, trailing = climatology(v)
    idx = v.index
    target_clim = doy.shift(-lead)                                    # climatology of the target day
    base = target_clim.where(target_clim.notna(), trailing).to_numpy()
    level = trailing.to_numpy()
    a = {k: v.shift(k).to_numpy() - base for k in (0, 1, 2)}
    week = v.rolling(7, min_periods=3).mean().to_numpy() - base
    cols = {"a0": a[0], "a1": a[1], "a2": a[2], "a7": week, "level": level - base}
    if neighbours is not None and not neighbours.empty:
        nb = neighbours.reindex(idx)
        cols["neighbours"] = nb.to_numpy(dtype=float)
    if region is not None:
        r = region.reindex(idx)
        for c in REGION_COLUMNS:
            if c in r and r[c].notna().any():
                cols[c] = r[c].to_numpy(dtype=float)
    target_day = idx + pd.Timedelta(days=lead)
    for d in range(6):
        cols[f"dow{d}"] = (target_day.day_of_week == d).astype(float)
    angle = 2 * math.pi * target_day.day_of_year.to_numpy() / 365.25
    cols["season_sin"], cols["season_cos"] = np.sin(angle), np.cos(angle)
    if met is not None and not met.empty:
        m = met.reindex(idx)
        for c in MET_COLUMNS:
            if c in m and m[c].notna().any():
                target = m[c].shift(-lead)
                cols[f"met_{c}"] = target.to_numpy(dtype=float)
                cols[f"met_{c}_change"] = (target - m[c]).to_numpy(dtype=float)
    names = list(cols)
    X = np.column_stack([cols[n] for n in names]).astype(float)
    # a missing recent value: the week's anomaly, else none (0 = on the climatology)
    for j, n in enumerate(names):
        if n in ("a0", "a1", "a2"):
            X[:, j] = np.where(np.isnan(X[:, j]), np.nan_to_num(week, nan=0.0), X[:, j])
    y = _shift_index(v, lead) - base
    scale = np.ones(len(idx))
    if var in RELATIVE:                     # the anomaly as a share of the climatology
        scale = np.where(np.isfinite(base) & (base > 1.0), base, np.nan)
        y = y / scale
        for j, n in enumerate(names):
            if n in ("a0", "a1", "a2", "a7", "level", "neighbours", *REGION_COLUMNS):
                X[:, j] = X[:, j] / np.where(np.isfinite(scale), scale, 1.0)
    return Frame(X, y, base, v.to_numpy(dtype=float), names, idx, scale, var)


def _weights(ages: np.ndarray) -> np.ndarray:
    return 0.5 ** (ages / HALF_LIFE)


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    c = np.cumsum(w) - 0.5 * w
    return float(np.interp(q * w.sum(), c, v))


@dataclass
class Fit:
    """A fitted damped-anomaly regression: coefficients on the standardised features."""
    beta: np.ndarray
    mu: np.ndarray
    sd: np.ndarray
    keep: np.ndarray

    def predict(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(X)
        X = np.where(np.isfinite(X), X, self.mu)
        Z = (X[:, self.keep] - self.mu[self.keep]) / self.sd[self.keep]
        return np.column_stack([np.ones(len(Z)), Z]) @ self.beta


def _fit(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> Fit:
    """Weighted ridge (``RIDGE`` on standardised features), reweighted ``ROBUST_STEPS`` times
    toward least absolute deviations."""
    Xf = np.where(np.isfinite(X), X, np.nan)
    mu = np.nanmean(Xf, axis=0) if len(Xf) else np.zeros(X.shape[1])
    mu = np.where(np.isfinite(mu), mu, 0.0)
    Xf = np.where(np.isfinite(Xf), Xf, mu)
    sd = Xf.std(axis=0)
    keep = sd > 1e-9
    Z = (Xf[:, keep] - mu[keep]) / sd[keep]
    Z1 = np.column_stack([np.ones(len(y)), Z])
    A = Z1.T @ (Z1 * w[:, None])
    A[1:, 1:] += RIDGE * np.eye(Z.shape[1]) * w.sum() / len(w)
    beta = np.linalg.solve(A, Z1.T @ (w * y))
    for _ in range(ROBUST_STEPS):              # towards least absolute deviations (the score is MAE)
        r = np.abs(y - Z1 @ beta)
        wr = w / np.maximum(r, np.median(r) * 0.2 + 1e-6)
        wr *= w.sum() / wr.sum()
        A = Z1.T @ (Z1 * wr[:, None])
        A[1:, 1:] += RIDGE * np.eye(Z.shape[1]) * wr.sum() / len(wr)
        beta = np.linalg.solve(A, Z1.T @ (wr * y))
    return Fit(beta, mu, np.where(keep, sd, 1.0), keep)


def _shrink(pred: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """The weight α ∈ [0, 1] of the model's anomaly (1 − α on the climatology) that minimises the
    weighted absolute error of α·pred against the held-out anomalies y. The climatology (α = 0) is a
    candidate like any other and wins ties: a model that did not beat it on the held-out rows gets 0."""
    grid = np.linspace(0.0, 1.0, 21)
    loss = [np.sum(w * np.abs(y - a * pred)) for a in grid]
    return float(grid[int(np.argmin(loss))])


def _held_out(X: np.ndarray, y: np.ndarray, rows: np.ndarray, at: int, lead: int) -> tuple[np.ndarray, np.ndarray]:
    """The last ``HOLDOUT`` training rows in blocks of ``BLOCK`` base days, each block forecast by a
    model fitted on the rows whose target day precedes the block's first base day (rolling origin
    inside the past). Returns (mask of the rows forecast, their forecasts)."""
    held = np.zeros(len(rows), bool)
    pred = []
    for first in range(at - lead - HOLDOUT + 1, at - lead + 1, BLOCK):
        block = (rows >= first) & (rows < first + BLOCK)
        inner = rows <= first - lead                  # target ≤ first: known on every base day of the block
        if inner.sum() < MIN_ROWS or not block.any():
            continue
        fit = _fit(X[inner], y[inner], _weights((first - rows[inner]).astype(float)))
        held |= block
        pred.append(fit.predict(X[block]))
    return held, np.concatenate(pred) if pred else np.zeros(0)


def _interval(errors: np.ndarray, levels: np.ndarray, w: np.ndarray, value: float,
              power: float) -> tuple[float, float]:
    """The 80 % interval around ``value`` from the held-out ``errors`` (observed − forecast, in the
    variable's unit) of forecasts at ``levels``: the weighted 10th and 90th percentiles of
    error / level^power, times value^power (normalised split conformal). Levels are floored at
    ``INTERVAL_FLOOR`` × the median level, so a forecast near zero keeps an interval."""
    floor = INTERVAL_FLOOR * float(np.median(np.maximum(levels, 0.0))) + 1e-6
    score = errors / np.maximum(levels, floor) ** power
    unit = max(value, floor) ** power
    return (max(0.0, value + unit * _weighted_quantile(score, w, LOWER_Q)),
            max(0.0, value + unit * _weighted_quantile(score, w, UPPER_Q)))


def fit_predict_wls(F: Frame, at: int, lead: int) -> Point | None:
    """Fit on the rows whose target day is on or before base day ``at`` (row o with o + lead ≤ at),
    predict row ``at``. None when the base row has no climatology.

    Calibrated on the past only: the last ``HOLDOUT`` training rows are forecast in blocks of
    ``BLOCK`` base days, each by a model fitted on the rows whose target day is on or before the
    block's first base day (:func:`_held_out`: out of sample, inside the past); on them the anomaly's
    weight α (the blend toward the climatology, per variable and lead) is chosen, and their errors,
    relative to their forecasts' levels, give the 80 % interval (:func:`_interval`)."""
    if not np.isfinite(F.base[at]):
        return None
    train = np.arange(0, at - lead + 1)
    ok = np.isfinite(F.y[train]) & np.isfinite(F.base[train])
    rows = train[ok]
    X, y = F.X[rows], F.y[rows]
    if len(y) < MIN_ROWS:
        return Point(float(F.base[at]), math.nan, math.nan, "climatology")
    w = _weights((at - rows).astype(float))
    unit = 1.0 if F.scale is None else float(F.scale[at])
    if not np.isfinite(unit):
        return Point(float(F.base[at]), math.nan, math.nan, "climatology")
    model = _fit(X, y, w)
    held, past = _held_out(X, y, rows, at, lead)
    if held.sum() >= HOLDOUT // 2:
        alpha = _shrink(past, y[held], w[held])
        sel, fitted, rw, name = held, alpha * past, w[held], "wls"
    else:                                             # nothing held out yet: the climatology, its spread
        alpha, name = UNCALIBRATED_ALPHA, "climatology"
        sel, fitted, rw = np.ones(len(rows), bool), UNCALIBRATED_ALPHA * model.predict(X), w
    units = np.ones(len(rows)) if F.scale is None else F.scale[rows]
    units = units[sel]
    levels = np.maximum(F.base[rows][sel] + units * fitted, 0.0)      # the held-out forecasts
    errors = units * (y[sel] - fitted)                                # … their errors, in the variable's unit
    anomaly = alpha * float(model.predict(F.X[at])[0])
    value = max(0.0, F.base[at] + unit * anomaly)
    lo, hi = _interval(errors, levels, rw, value, INTERVAL_POWER.get(F.var or "", 1.0))
    return Point(value, lo, hi, name)


def fit_predict_lightgbm(F: Frame, at: int, lead: int) -> Point | None:
    """The same rows and features, LightGBM (measured against the WLS model; not the default)."""
    import lightgbm as lgb
    if not np.isfinite(F.base[at]):
        return None
    train = np.arange(0, at - lead + 1)
    ok = np.isfinite(F.y[train]) & np.isfinite(F.base[train])
    if ok.sum() < MIN_ROWS:
        return Point(float(F.base[at]), math.nan, math.nan, "climatology")
    X, y = F.X[train][ok], F.y[train][ok]
    w = _weights((at - train[ok]).astype(float))
    params = {"objective": "l1", "learning_rate": 0.05, "num_leaves": 8, "min_data_in_leaf": 10,
              "bagging_fraction": 0.8, "bagging_freq": 1, "verbose": -1, "seed": 0, "num_threads": 1}
    booster = lgb.train(params, lgb.Dataset(X, y, weight=w), num_boost_round=150)
    anomaly = float(booster.predict(F.X[at:at + 1])[0])
    unit = 1.0 if F.scale is None else float(F.scale[at])
    value = max(0.0, F.base[at] + (unit if np.isfinite(unit) else 0.0) * anomaly)
    return Point(value, math.nan, math.nan, "lightgbm")


def persistence(F: Frame, at: int) -> float:
    return float(F.persistence[at])


def climatology_value(F: Frame, at: int) -> float:
    return float(F.base[at])


def predict(F: Frame, at: int, lead: int, model: str = "wls") -> Point | None:
    if model == "wls":
        return fit_predict_wls(F, at, lead)
    if model == "lightgbm":
        return fit_predict_lightgbm(F, at, lead)
    if model == "persistence":
        v = persistence(F, at)
        return None if not np.isfinite(v) else Point(v, math.nan, math.nan, "persistence")
    if model == "climatology":
        v = climatology_value(F, at)
        return None if not np.isfinite(v) else Point(v, math.nan, math.nan, "climatology")
    raise ValueError(f"unknown model {model!r}; one of {', '.join(MODEL_NAMES)}")
