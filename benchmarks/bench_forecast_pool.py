#!/usr/bin/env python
"""Benchmark (issue 25): forecast training and evaluation for every city of a national month — the
pooled model (``lantian.forecast.pool``) read from the store and verified by rolling origin on every
city of the registry, against the plain alternatives a user would pick on the same daily values:

- ``pandas baselines``: per city, persistence (``shift``) and the 30-day trailing mean
  (``rolling``) in pandas, scored with ``groupby`` — what a user checks a model against;
- ``numpy pooled OLS``: the same stacked rows (lantian's design), one ``numpy.linalg.lstsq`` per
  variable, lead and base day on the rows whose target day is ≤ D — no ridge, no robust
  reweighting, no held-out blend or interval.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_forecast_pool.py --workspace /tmp/nat-ws \\
        --from 2019-07-01 --to 2019-07-31 [--pool national]

Prints one JSON line: seconds reading and evaluating, the process's peak memory after each stage
(MB; stages in the order read, pandas, numpy, lantian), the ratios, and the median MAE of each at
D+1…D+3 (AQI, O3-8h).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import time

import numpy as np
import pandas as pd


def timed(fn, *args):
    """(result, seconds, the process's peak resident memory after it, MB): the stages run one after
    the other, cheapest first, so each peak includes the stages before it."""
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pandas_baselines(frames: dict, start: dt.date, end: dt.date) -> dict:
    """Per city and lead: MAE of persistence and of the trailing 30-day mean (≥ 10 days), pandas."""
    long = pd.concat({u: f[["aqi", "o3_8h"]] for u, f in frames.items()}, names=["unit", "day"]).reset_index()
    out = {}
    for var in ("aqi", "o3_8h"):
        g = long.groupby("unit")[var]
        trailing = g.transform(lambda s: s.rolling(30, min_periods=10).mean())
        for h in (1, 2, 3):
            obs = g.shift(-h)
            d = pd.DataFrame({"unit": long["unit"], "target": long["day"] + pd.Timedelta(days=h), "obs": obs,
                              "pers": long[var], "clim": trailing}).dropna()
            d = d[(d["target"] >= pd.Timestamp(start)) & (d["target"] <= pd.Timestamp(end))]
            mae = d.assign(p=(d["pers"] - d["obs"]).abs(), c=(d["clim"] - d["obs"]).abs()).groupby("unit")[["p", "c"]].mean()
            out[f"{var}/{h}"] = {"persistence": round(float(mae["p"].median()), 1),
                                 "climatology": round(float(mae["c"].median()), 1)}
    return out


def numpy_pooled_ols(frames: dict, coords: dict, start: dt.date, end: dt.date) -> dict:
    """The same stacked rows, plain least squares per base day; median MAE over the cities."""
    from lantian.forecast import pool
    index = next(iter(frames.values())).index
    out = {}
    for var in ("aqi", "o3_8h"):
        nb = pool.neighbour_anomalies(frames, coords, var)
        for h in (1, 2, 3):
            S = pool.stack(frames, coords, var, h, nb)
            ok = np.isfinite(S.y) & np.isfinite(S.base) & np.isfinite(S.scale)
            X = np.where(np.isfinite(S.X), S.X, 0.0)
            X1 = np.column_stack([np.ones(len(X)), X])
            err = {}
            for t in pd.date_range(start, end, freq="D"):
                at = index.get_loc(t) - h
                train = ok & (S.day + h <= at)
                now = (S.day == at) & np.isfinite(S.base) & np.isfinite(S.scale)
                if train.sum() < 300 or not now.any():
                    continue
                beta = np.linalg.lstsq(X1[train], S.y[train], rcond=None)[0]
                fc = S.base[now] + S.scale[now] * (X1[now] @ beta)
                obs = np.array([frames[S.units[k]][var].to_numpy(float)[at + h] for k in S.unit[now]])
                for k, e in zip(S.unit[now], np.abs(fc - obs)):
                    if np.isfinite(e):
                        err.setdefault(k, []).append(e)
            out[f"{var}/{h}"] = round(float(np.median([np.mean(v) for v in err.values()])), 1) if err else None
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workspace", required=True)
    ap.add_argument("--from", dest="start", required=True)
    ap.add_argument("--to", dest="end", required=True)
    ap.add_argument("--pool", default="national")
    a = ap.parse_args()
    from lantian.forecast import pool, series
    from lantian.measurements.engine import connect
    from lantian.measurements.store import Store
    from lantian.workspace import open_workspace
    ws = open_workspace(a.workspace)
    start, end = dt.date.fromisoformat(a.start), dt.date.fromisoformat(a.end)

    def read():
        pl = pool.from_registry(ws.database_url, a.pool)
        first = start - dt.timedelta(days=pool.POOL_LOOKBACK + series.LOOKBACK_PAD)
        return pl, series.load(Store(ws.measurements), connect(None, ws.config), pl.units(), first, end)

    (pl, frames), read_s, read_mb = timed(read)
    frames = {u: f for u, f in frames.items() if f["aqi"].notna().any()}

    def lantian_eval():
        got = pool.rolling(frames, pl.coords, start, end)
        return pool.overview({u: pool.summary(g) for u, g in got.items() if any(g["aqi"][h] for h in g["aqi"])})

    base, pandas_s, pandas_mb = timed(pandas_baselines, frames, start, end)
    ols, ols_s, ols_mb = timed(numpy_pooled_ols, frames, pl.coords, start, end)
    ov, eval_s, eval_mb = timed(lantian_eval)
    forecasts = sum(ov["mae"][v][h]["units"] for v in ov["mae"] for h in ov["mae"][v])
    mae = {f"{v}/{h}": {"lantian": ov["mae"][v][h]["median_mae"], "numpy_ols": ols[f"{v}/{h}"],
                        **base[f"{v}/{h}"], "lantian_persistence": ov["mae"][v][h]["median_mae_persistence"],
                        "lantian_climatology": ov["mae"][v][h]["median_mae_climatology"]}
           for v in ("aqi", "o3_8h") for h in ("1", "2", "3")}
    print(json.dumps({"pool": a.pool, "cities": ov["units"], "from": a.start, "to": a.end,
                      "read_s": round(read_s, 1), "peak_mb_after_read": round(read_mb),
                      "pandas_baselines_s": round(pandas_s, 2), "peak_mb_after_pandas": round(pandas_mb),
                      "numpy_ols_s": round(ols_s, 1), "peak_mb_after_numpy": round(ols_mb),
                      "lantian_eval_s": round(eval_s, 1), "peak_mb_after_lantian": round(eval_mb),
                      "ratio_lantian_to_pandas": round(eval_s / pandas_s, 1),
                      "ratio_lantian_to_numpy_ols": round(eval_s / ols_s, 2), "city_variable_leads": forecasts,
                      "goal": ov["goal"], "median_mae": mae}, ensure_ascii=False))


if __name__ == "__main__":
    main()
