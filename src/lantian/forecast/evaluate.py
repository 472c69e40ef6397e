"""Rolling-origin verification (docs/forecast.md): for every day t of the period and lead h, the
forecast made on t − h from the data up to t − h only, against the observed daily value of t; the
same for persistence and climatology. Per variable and lead: MAE, RMSE, skill against each
baseline (1 − MAE/MAE_baseline), category accuracy (HJ 633 categories of the AQI, or of the
pollutant's IAQI), the interval's coverage, POD/FAR/CSI of heavy pollution (AQI > 200) and of
O3-8h > 160 µg/m³ (GB 3095—2012 grade II); and for each warning rule set the level the three-day
forecast made on each day would have triggered against the level the observed three days bear out.

The design of a variable and lead is built once for the whole period; every feature of a row is a
function of values on or before its base day (:mod:`~lantian.forecast.predictors`), and the model
for base day D is fitted on the rows whose target day is ≤ D. ``tests/forecast`` holds it to
:func:`lantian.forecast.service.make` on the data cut at D (what a forecast made that day sees)."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from lantian.forecast import predictors as P
from lantian.forecast import series
from lantian.forecast import region as regional
from lantian.forecast.service import iaqi
from lantian.standards import alerts
from lantian.standards import aqi as hj633
from lantian.errors import UsageError

EVENTS = {"aqi": ("aqi_above_200", 200), "o3_8h": ("o3_8h_above_160", 160)}
SCORED = ("aqi", "pm25", "pm10", "o3_8h")


def _category(var: str, value: float) -> int | None:
    if not math.isfinite(value):
        return None
    if var == "aqi":
        return hj633.category(int(math.ceil(value))).level
    i = iaqi(var, value)
    return None if i is None else hj633.category(i).level


def _contingency(obs: np.ndarray, pred: np.ndarray, threshold: float) -> dict:
    o, f = obs > threshold, pred > threshold
    hits, misses, false = int((o & f).sum()), int((o & ~f).sum()), int((~o & f).sum())
    div = lambda a, b: None if b == 0 else round(a / b, 3)
    return {"threshold": threshold, "observed": int(o.sum()), "forecast": int(f.sum()), "hits": hits,
            "misses": misses, "false_alarms": false, "pod": div(hits, hits + misses),
            "far": div(false, hits + false), "csi": div(hits, hits + misses + false)}


def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


def scores(var: str, obs, pred, pers, clim, lower=None, upper=None) -> dict:
    """The scores of one variable and lead over the days where all three forecasts and the
    observation exist."""
    obs, pred, pers, clim = (np.asarray(a, float) for a in (obs, pred, pers, clim))
    ok = np.isfinite(obs) & np.isfinite(pred) & np.isfinite(pers) & np.isfinite(clim)
    n = int(ok.sum())
    out = {"n": n}
    if n == 0:
        return out | {"mae": None, "rmse": None, "mae_persistence": None, "mae_climatology": None}
    o = obs[ok]
    for name, f in (("", pred[ok]), ("_persistence", pers[ok]), ("_climatology", clim[ok])):
        out[f"mae{name}"] = _r(np.mean(np.abs(f - o)))
        out[f"rmse{name}"] = _r(np.sqrt(np.mean((f - o) ** 2)))
        out[f"bias{name}"] = _r(np.mean(f - o))
    out["skill_persistence"] = _r(1 - out["mae"] / out["mae_persistence"], 3) if out["mae_persistence"] else None
    out["skill_climatology"] = _r(1 - out["mae"] / out["mae_climatology"], 3) if out["mae_climatology"] else None
    out["beats_persistence"] = out["mae"] < out["mae_persistence"]
    out["beats_climatology"] = out["mae"] < out["mae_climatology"]
    cats = [_category(var, x) for x in o]
    for name, f in (("", pred[ok]), ("_persistence", pers[ok]), ("_climatology", clim[ok])):
        fc = [_category(var, x) for x in f]
        out[f"category_accuracy{name}"] = _r(np.mean([a == b for a, b in zip(cats, fc)]), 3)
    if lower is not None and upper is not None:
        lo, hi = np.asarray(lower, float)[ok], np.asarray(upper, float)[ok]
        has = np.isfinite(lo) & np.isfinite(hi)
        out["interval_coverage"] = _r(np.mean((o[has] >= lo[has]) & (o[has] <= hi[has])), 3) if has.any() else None
    if var in EVENTS:
        key, thr = EVENTS[var]
        out[key] = {"forecast": _contingency(o, pred[ok], thr), "persistence": _contingency(o, pers[ok], thr),
                    "climatology": _contingency(o, clim[ok], thr)}
        if upper is not None:               # the interval's upper end above the threshold: "possible"
            hi = np.asarray(upper, float)[ok]
            has = np.isfinite(hi)
            out[key]["upper_bound"] = _contingency(o[has], hi[has], thr)
    return out


def rolling(frames: dict[str, pd.DataFrame], unit: str, start: dt.date, end: dt.date, leads: int = 3,
            met: pd.DataFrame | None = None, model: str = "wls", variables=SCORED,
            region: regional.Region | None = None, used: dict | None = None) -> dict:
    """var → lead → {target day → (obs, forecast, persistence, climatology, lower, upper)}.
    ``region``: the regional feature (:mod:`lantian.forecast.region`), used by a forecast whose base
    day has a regional value, as :func:`lantian.forecast.service.make` does; ``used`` counts them
    (``used["forecasts"]``)."""
    f = frames[unit]
    end_ts = pd.Timestamp(end)
    if f.index[-1] < end_ts:
        f = f.reindex(pd.date_range(f.index[0], end_ts, freq="D"))
    full = {u: x.reindex(f.index) for u, x in frames.items()}
    out: dict = {}
    for var in variables:
        nb = series.neighbour_anomaly(full, unit, var)
        feat = None if region is None else regional.features(region, f.index, var, met)
        out[var] = {}
        for h in range(1, leads + 1):
            designs = {(): P.design(full[unit], var, h, nb, met)}
            obs = full[unit][var].to_numpy(float)
            rows = {}
            for t in pd.date_range(start, end, freq="D"):
                at = f.index.get_loc(t) - h
                if at < 0:
                    continue
                cols = regional.columns_at(feat, at)
                key = () if cols is None else tuple(cols.columns)
                if key not in designs:
                    designs[key] = P.design(full[unit], var, h, nb, met, cols)
                F = designs[key]
                pt = P.predict(F, at, h, model)
                if key and used is not None:
                    used["forecasts"] = used.get("forecasts", 0) + 1
                if pt is None:
                    continue
                pos = at + h
                rows[t.date()] = (obs[pos], pt.value, F.persistence[at], F.base[at], pt.lower, pt.upper)
            out[var][h] = rows
    return out


def _table(var: str, rows: dict) -> dict:
    if not rows:
        return scores(var, [], [], [], [])
    cols = list(zip(*rows.values()))
    return scores(var, *cols)


def warnings(aqi_rows: dict[int, dict], leads: int = 3) -> list[dict]:
    """Per rule set: the level each day's forecast of the next ``leads`` days triggers, against the
    level of the observed days (and of persistence); counts, agreement, misses and false warnings."""
    bases = None
    for h in range(1, leads + 1):
        days = {t - dt.timedelta(days=h) for t in aqi_rows.get(h, {})}
        bases = days if bases is None else bases & days
    cases = []
    for base in sorted(bases or ()):
        rows = [aqi_rows[h][base + dt.timedelta(days=h)] for h in range(1, leads + 1)]
        obs = [r[0] for r in rows]
        if any(not math.isfinite(x) for x in obs + [r[1] for r in rows] + [rows[0][2]]):
            continue
        cases.append((base, [int(x) for x in obs], [int(math.ceil(r[1])) for r in rows],
                      [int(rows[0][2])] * leads))
    out = []
    for rs in alerts.known_rulesets():
        levels = {"forecast": {}, "observed": {}, "persistence": {}}
        agree = agree_p = hits = missed = false = 0
        shown = []
        for base, obs, fc, pers in cases:
            lo, lf, lp = alerts.level(obs, rs).level, alerts.level(fc, rs).level, alerts.level(pers, rs).level
            for k, lv in (("observed", lo), ("forecast", lf), ("persistence", lp)):
                levels[k][lv] = levels[k].get(lv, 0) + 1
            agree += lo == lf
            agree_p += lo == lp
            wo, wf = lo != "none", lf != "none"
            hits += wo and wf
            missed += wo and not wf
            false += wf and not wo
            if wo or wf:
                shown.append({"base_day": base.isoformat(), "forecast": lf, "observed": lo, "forecast_aqi": fc,
                              "observed_aqi": obs})
        out.append({"ruleset": rs, "days": len(cases), "agree": agree, "agree_persistence": agree_p,
                    "warned_and_observed": hits, "missed": missed, "false_warnings": false, "levels": levels,
                    "cases": shown})
    return out


def evaluate(frames: dict[str, pd.DataFrame], unit: str, start: dt.date, end: dt.date, leads: int = 3,
             met: pd.DataFrame | None = None, model: str = "wls", region: regional.Region | None = None) -> dict:
    """The verification of ``unit`` over the target days ``start``…``end`` (JSON-ready). With
    ``region`` and at least one forecast that used it: ``region_gain`` (MAE without and with the
    regional feature, the met file as given) and ``region`` (the cities, the forecasts that used it)."""
    if end < start:
        raise UsageError(f"--to {end} is before --from {start}")
    used: dict = {}
    got = rolling(frames, unit, start, end, leads, met, model, region=region, used=used)
    result = {"variables": {var: {str(h): _table(var, got[var][h]) for h in got[var]} for var in got}}
    result["warnings"] = warnings(got["aqi"], leads)
    result["goal"] = {var: all(result["variables"][var][str(h)].get("beats_persistence")
                               and result["variables"][var][str(h)].get("beats_climatology")
                               for h in range(1, leads + 1)) for var in ("aqi", "o3_8h")}
    if met is not None:
        plain = rolling(frames, unit, start, end, leads, None, model, region=region)
        gain = {}
        for var in plain:
            gain[var] = {}
            for h in plain[var]:
                without = _table(var, plain[var][h])
                with_ = result["variables"][var][str(h)]
                gain[var][str(h)] = {"mae_without_met": without["mae"], "mae_with_met": with_["mae"],
                                     "gain": _r(without["mae"] - with_["mae"]) if without["mae"] is not None
                                     and with_["mae"] is not None else None}
        result["met_gain"] = gain
    if region is not None and used.get("forecasts"):
        plain = rolling(frames, unit, start, end, leads, met, model)
        result["region_gain"] = _gain(plain, result, "region")
        result["region"] = {"cities": region.cities(), "neighbour_km": regional.pooling.NEIGHBOUR_KM,
                            "forecasts_using_it": used["forecasts"]}
    return result


def _gain(plain: dict, result: dict, what: str) -> dict:
    """var → lead → the MAE without and with ``what`` and their difference (> 0: it helped)."""
    gain = {}
    for var in plain:
        gain[var] = {}
        for h in plain[var]:
            without = _table(var, plain[var][h])["mae"]
            with_ = result["variables"][var][str(h)]["mae"]
            gain[var][str(h)] = {f"mae_without_{what}": without, f"mae_with_{what}": with_,
                                 "gain": _r(without - with_) if without is not None and with_ is not None else None}
    return gain
