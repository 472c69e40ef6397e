"""The pooled (panel) forecast: for a unit whose own history is too short to train and calibrate
the damped-anomaly WLS on (a city of the national feed, which holds January and July 2019 only:
docs/forecast.md), the same model trained on the stacked rows of every city of a pool — every
prefecture of the workspace's station registry (``national``) or of one province.

The features are :func:`lantian.forecast.predictors.design`'s, per unit: anomalies from the unit's
own climatology or trailing mean (AQI and PM as shares of it), so a row of Taiyuan and a row of
Hangzhou speak the same language; the neighbour anomaly is the mean anomaly of the pool's other
cities within ``NEIGHBOUR_KM`` of the unit (what the region looks like today). For base day D and
lead h the model is fitted on every pool row whose target day is ≤ D (row base day o with
o + h ≤ D) and whose base day is within ``POOL_LOOKBACK`` days of D; it is calibrated like the
single-unit model, on the past only: the rows of the last ``POOL_HOLDOUT`` base days (across the
pool: thousands of rows) are forecast by a model fitted on the rows whose target day precedes
them; on them the blend weight α toward the climatology and the 80 % interval are chosen. Nothing
after D is read (``tests/forecast/test_pool.py``). Until ``POOL_MIN_ROWS`` rows precede the
held-out days the forecast is the climatology.

The pool is used when asked for (``--pool``); a unit with its own history (Changzhi's city and
counties in the demo workspace) keeps the single-unit model and its figures.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lantian.assessment.networks import fixed
from lantian.errors import UsageError
from lantian.forecast import predictors as P
from lantian.forecast import series
from lantian.measurements.stations import list_stations

NEIGHBOUR_KM = 250.0        # the pool's cities within this distance make a unit's neighbour anomaly
POOL_LOOKBACK = 400         # days of pool rows a fit reads (recency weights: predictors.HALF_LIFE)
POOL_HOLDOUT = 10           # the last base days with rows, held out across the pool: α and the interval
POOL_MIN_ROWS = 300         # fewer pool rows before the held-out days: the climatology
POOL_MIN_HELD = 150         # … or fewer held-out rows
ALPHAS = np.linspace(0.0, 1.0, 21)
DROPPED = ("dow", "season")   # left out of the pooled design: two months cannot fit a year's cycle or a weekday


@dataclass
class Pool:
    """The pool's units: unit → stations, its place (mean of its stations' coordinates), names."""
    stations: dict[str, list[str]]
    coords: dict[str, tuple[float, float]]
    name: str

    def units(self) -> series.Units:
        m = fixed(self.stations)
        return series.Units(m, {u: u for u in self.stations}, list(self.stations), None,
                            {u: "、".join(sorted(s)) for u, s in self.stations.items()})


def from_registry(url: str, pool: str, unit: str | None = None, stations: list[str] | None = None) -> Pool:
    """The cities of the registry (``NewSiteList`` imported with ``lantian import stations``): every
    prefecture (地级行政区) with national, non-control stations — all of them (``national``) or one
    province's (``山西省``). ``unit`` with ``stations``: a unit of one's own, which replaces the pool's
    cities sharing a station with it."""
    records = list_stations(url, include_stopped=True)
    where: dict[str, tuple[float, float]] = {}
    groups: dict[str, list[str]] = defaultdict(list)
    spots: dict[str, list[tuple[float, float]]] = defaultdict(list)
    provinces = {r.province for r in records if r.province}
    if pool != "national" and pool not in provinces:
        raise UsageError(f"--pool {pool!r}: national, or a province of the station registry "
                         f"({'、'.join(sorted(provinces)[:6]) or 'none: import the site list first (lantian import stations)'} …)")
    for r in records:
        if r.lon is not None and r.lat is not None:
            where[r.code] = (r.lon, r.lat)
        if r.control_point or r.network != "national" or not r.prefecture:
            continue
        if pool != "national" and r.province != pool:
            continue
        groups[r.prefecture].append(r.code)
        if r.code in where:
            spots[r.prefecture].append(where[r.code])
    if stations:
        mine = set(stations)
        for u in [u for u, ss in groups.items() if mine & set(ss)]:
            del groups[u]
        groups[unit] = list(stations)
        spots[unit] = [where[s] for s in stations if s in where]
    elif unit is not None and unit != "all" and unit not in groups:
        near = [u for u in groups if unit in u][:5]
        raise UsageError(f"unit {unit!r} is no city of the pool {pool!r}"
                         + (f" (did you mean {'、'.join(near)}?)" if near else "")
                         + "; give a prefecture of the registry (e.g. 晋城市) or --stations CODE,CODE")
    coords = {u: (float(np.mean([p[0] for p in spots[u]])), float(np.mean([p[1] for p in spots[u]])))
              for u in groups if spots.get(u)}
    return Pool({u: sorted(set(ss)) for u, ss in groups.items()}, coords, pool)


def neighbour_anomalies(frames: dict[str, pd.DataFrame], coords: dict[str, tuple[float, float]],
                        var: str) -> dict[str, pd.Series]:
    """unit → the mean, over the pool's other units within ``NEIGHBOUR_KM``, of their value minus
    their trailing 30-day mean (as :func:`series.neighbour_anomaly`; causal: day d reads ≤ d).
    All-NaN for a unit without neighbours (the fit then reads it as the pool's mean)."""
    units = list(frames)
    index = next(iter(frames.values())).index
    A = pd.DataFrame({u: series.trailing_anomaly(frames[u][var]) for u in units}, index=index)
    n = len(units)
    M = np.zeros((n, n))
    for i, u in enumerate(units):
        for j, v in enumerate(units):
            if i != j and u in coords and v in coords and series.distance_km(coords[u], coords[v]) <= NEIGHBOUR_KM:
                M[i, j] = 1.0
    vals = A.to_numpy()
    have = np.isfinite(vals)
    total = np.where(have, vals, 0.0) @ M.T
    count = have.astype(float) @ M.T
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return {u: pd.Series(mean[:, i], index=index) for i, u in enumerate(units)}


@dataclass
class Stack:
    """The pool's design of one variable and lead: every unit's rows, stacked."""
    X: np.ndarray
    y: np.ndarray
    base: np.ndarray
    scale: np.ndarray
    persistence: np.ndarray
    day: np.ndarray            # the row's base day, as an index into the shared calendar
    unit: np.ndarray           # the row's unit, as an index into ``units``
    units: list[str]
    index: pd.DatetimeIndex


def stack(frames: dict[str, pd.DataFrame], coords: dict[str, tuple[float, float]], var: str, lead: int,
          nb: dict[str, pd.Series] | None = None) -> Stack:
    """:func:`predictors.design` of every unit (one calendar), stacked."""
    nb = nb if nb is not None else neighbour_anomalies(frames, coords, var)
    units = list(frames)
    parts = [P.design(frames[u], var, lead, nb[u]) for u in units]
    n = len(parts[0].index)
    keep = [j for j, name in enumerate(parts[0].names) if not name.startswith(tuple(DROPPED))]
    return Stack(np.vstack([F.X[:, keep] for F in parts]), np.concatenate([F.y for F in parts]),
                 np.concatenate([F.base for F in parts]),
                 np.concatenate([F.scale if F.scale is not None else np.ones(n) for F in parts]),
                 np.concatenate([F.persistence for F in parts]), np.tile(np.arange(n), len(parts)),
                 np.repeat(np.arange(len(parts)), n), units, parts[0].index)


@dataclass
class Model:
    """The pooled fit for base day ``at``: the anomaly model, its α and the held-out residuals."""
    fit: P.Fit | None
    alpha: float
    lower: float               # the 10th and 90th weighted percentiles of the held-out residuals
    upper: float
    name: str


def _alpha(pred: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    loss = [np.sum(w * np.abs(y - a * pred)) for a in ALPHAS]
    return float(ALPHAS[int(np.argmin(loss))])


def fit_at(S: Stack, at: int, lead: int) -> Model:
    """The model for base day ``at`` from the pool rows whose target day is ≤ ``at``."""
    ok = np.isfinite(S.y) & np.isfinite(S.base) & np.isfinite(S.scale)
    train = ok & (S.day + lead <= at) & (S.day > at - POOL_LOOKBACK)
    if train.sum() < POOL_MIN_ROWS:
        return Model(None, 0.0, math.nan, math.nan, "climatology")
    days = np.unique(S.day[train])
    first = days[-max(1, min(POOL_HOLDOUT, len(days) // 2))]     # at most half the days: the rest fit
    inner = train & (S.day + lead <= first)
    held = train & (S.day >= first)
    w = P._weights((at - S.day[train]).astype(float))
    model = P._fit(S.X[train], S.y[train], w)
    if inner.sum() < POOL_MIN_ROWS or held.sum() < POOL_MIN_HELD:
        resid = S.y[train]                            # nothing held out yet: the climatology, its spread
        return Model(model, 0.0, P._weighted_quantile(resid, w, P.LOWER_Q),
                     P._weighted_quantile(resid, w, P.UPPER_Q), "climatology")
    early = P._fit(S.X[inner], S.y[inner], P._weights((first - S.day[inner]).astype(float)))
    past = early.predict(S.X[held])
    hw = P._weights((at - S.day[held]).astype(float))
    alpha = _alpha(past, S.y[held], hw)
    resid = S.y[held] - alpha * past
    return Model(model, alpha, P._weighted_quantile(resid, hw, P.LOWER_Q),
                 P._weighted_quantile(resid, hw, P.UPPER_Q), "wls-pool")


def points(S: Stack, m: Model, at: int, units: list[int]) -> list[P.Point | None]:
    """The forecasts of ``units`` (indices) made on base day ``at`` by the pooled model."""
    rows = np.array(units, int) * len(S.index) + at
    anomaly = m.alpha * m.fit.predict(S.X[rows]) if m.fit is not None else np.zeros(len(rows))
    out = []
    for r, a in zip(rows, anomaly):
        base, scale = S.base[r], S.scale[r]
        if not np.isfinite(base):
            out.append(None)
        elif m.fit is None or not np.isfinite(scale):
            out.append(P.Point(float(base), math.nan, math.nan, "climatology"))
        else:
            value = max(0.0, base + scale * float(a))
            out.append(P.Point(value, max(0.0, value + scale * m.lower), max(0.0, value + scale * m.upper), m.name))
    return out


def make(frames: dict[str, pd.DataFrame], coords: dict[str, tuple[float, float]], unit: str, base: dt.date,
         days: int = 3) -> list[dict]:
    """The pooled forecast of ``unit`` made on ``base`` for base+1 … base+days, in the shape of
    :func:`lantian.forecast.service.make`. Every frame is cut at ``base`` first: nothing after it is read."""
    from lantian.forecast import service             # cycle: service ↔ pool (service.run calls make)
    cut = {u: series.until(f, base, days) for u, f in frames.items()}
    n = len(cut[unit])
    at = n - 1 - days
    k = list(cut).index(unit)
    out = [{"day": base + dt.timedelta(days=h), "lead": h, "values": {}} for h in range(1, days + 1)]
    for var in P.VARIABLES:
        nb = neighbour_anomalies(cut, coords, var)
        for h in range(1, days + 1):
            S = stack(cut, coords, var, h, nb)
            pt = points(S, fit_at(S, at, h), at, [k])[0]
            out[h - 1]["values"][var] = None if pt is None else {
                "value": pt.value, "lower": None if math.isnan(pt.lower) else pt.lower,
                "upper": None if math.isnan(pt.upper) else pt.upper, "model": pt.model}
    return service.finish(out)


def rolling(frames: dict[str, pd.DataFrame], coords: dict[str, tuple[float, float]], start: dt.date, end: dt.date,
            leads: int = 3, only: list[str] | None = None, model: str = "wls") -> dict[str, dict]:
    """unit → var → lead → {target day → (obs, forecast, persistence, climatology, lower, upper)} for
    every unit of the pool (or ``only`` these): the forecast made on t − h by the model fitted, for
    that base day, on the pool rows whose target day is ≤ t − h (one fit serves every unit)."""
    end_ts = pd.Timestamp(end)
    index = next(iter(frames.values())).index
    if index[-1] < end_ts:
        index = pd.date_range(index[0], end_ts, freq="D")
    full = {u: f.reindex(index) for u, f in frames.items()}
    names = list(full)
    wanted = [names.index(u) for u in (only or names)]
    out = {names[k]: {} for k in wanted}
    for var in P.VARIABLES:
        nb = neighbour_anomalies(full, coords, var)
        for h in range(1, leads + 1):
            S = stack(full, coords, var, h, nb)
            rows = {names[k]: {} for k in wanted}
            obs = {k: full[names[k]][var].to_numpy(float) for k in wanted}
            for t in pd.date_range(start, end, freq="D"):
                at = index.get_loc(t) - h
                if at < 0:
                    continue
                if model == "wls":
                    pts = points(S, fit_at(S, at, h), at, wanted)
                else:
                    pts = [P.predict(_frame_of(S, k), at, h, model) for k in wanted]
                for k, pt in zip(wanted, pts):
                    if pt is None:
                        continue
                    r = k * len(index) + at
                    rows[names[k]][t.date()] = (obs[k][at + h], pt.value, S.persistence[r], S.base[r],
                                                pt.lower, pt.upper)
            for k in wanted:
                out[names[k]].setdefault(var, {})[h] = rows[names[k]]
    return out


def _frame_of(S: Stack, k: int) -> P.Frame:
    n = len(S.index)
    sl = slice(k * n, (k + 1) * n)
    return P.Frame(S.X[sl], S.y[sl], S.base[sl], S.persistence[sl], [], S.index, S.scale[sl])


def summary(got: dict, leads: int = 3) -> dict:
    """The verification of one unit (the shape of :func:`lantian.forecast.evaluate.evaluate`)."""
    from lantian.forecast import evaluate as ev      # cycle: evaluate → service → pool
    result = {"variables": {var: {str(h): ev._table(var, got[var][h]) for h in got[var]} for var in got}}
    result["warnings"] = ev.warnings(got["aqi"], leads)
    result["goal"] = {var: all(result["variables"][var][str(h)].get("beats_persistence")
                               and result["variables"][var][str(h)].get("beats_climatology")
                               for h in range(1, leads + 1)) for var in ("aqi", "o3_8h")}
    return result


def overview(results: dict[str, dict], leads: int = 3) -> dict:
    """Over every unit verified: how many beat both baselines at every lead (AQI, O3-8h), and the
    median and mean MAE of the forecast and of both baselines per variable and lead."""
    out = {"units": len(results), "goal": {}, "mae": {}}
    for var in ("aqi", "o3_8h"):
        scored = [r for r in results.values() if all(r["variables"][var][str(h)].get("n") for h in range(1, leads + 1))]
        out["goal"][var] = {"units": len(scored), "met": sum(bool(r["goal"][var]) for r in scored)}
    out["goal"]["both"] = sum(bool(r["goal"]["aqi"] and r["goal"]["o3_8h"]) for r in results.values())
    for var in P.VARIABLES:
        out["mae"][var] = {}
        for h in range(1, leads + 1):
            cells = [r["variables"][var][str(h)] for r in results.values() if r["variables"][var][str(h)].get("n")]
            row = {"units": len(cells)}
            for key in ("mae", "mae_persistence", "mae_climatology"):
                vals = np.array([c[key] for c in cells], float)
                row[f"median_{key}"] = None if not len(vals) else round(float(np.median(vals)), 1)
                row[f"mean_{key}"] = None if not len(vals) else round(float(np.mean(vals)), 1)
            row["beats_persistence"] = sum(bool(c.get("beats_persistence")) for c in cells)
            row["beats_climatology"] = sum(bool(c.get("beats_climatology")) for c in cells)
            out["mae"][var][str(h)] = row
    return out
