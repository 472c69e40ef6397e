"""Time variation (openair's ``timeVariation``) and trend level (``trendLevel``) of hourly values.

Hours are labelled by their end in the store (HJ 663; 01:00 is the hour 00:00–01:00), so an hour's
time of day, weekday and month are those of its START (label − 1 h): the diurnal profile runs
0…23 as clocks read, and 24:00 belongs to the day it ends. Weekend = Saturday and Sunday.

Each group's value is the mean of its hours with a percentile bootstrap 95 % interval of that mean
(``n_boot`` resamples of the group's hours with replacement; one generator seeded by ``seed``,
groups drawn in the order listed: diurnal, diurnal_weekday, diurnal_weekend, weekday, month).
"""
from __future__ import annotations

import numpy as np

from lantian.analysis.stats import bootstrap_mean

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
MONTHS = tuple(f"{m}月" for m in range(1, 13))


def start_parts(times) -> dict[str, np.ndarray]:
    """hour (0–23), weekday (0 = Monday), month (1–12) of each hour's start."""
    t = np.asarray(times, dtype="datetime64[h]") - np.timedelta64(1, "h")
    hours = t.astype(np.int64)
    hour = hours % 24
    days = hours // 24
    weekday = (days + 3) % 7                     # 1970-01-01 was a Thursday
    month = t.astype("datetime64[M]").astype(np.int64) % 12 + 1
    return {"hour": hour, "weekday": weekday, "month": month}


def _groups(keys: np.ndarray, values: np.ndarray, levels, labels, rng, n_boot, confidence) -> list[dict]:
    rows = []
    for level, label in zip(levels, labels):
        sel = values[keys == level]
        mean, lo, hi = bootstrap_mean(sel, n_boot=n_boot, confidence=confidence, rng=rng)
        rows.append({"key": int(level), "label": label, "mean": _r(mean), "lower": _r(lo), "upper": _r(hi),
                     "n": int(np.isfinite(sel).sum())})
    return rows


def _r(v: float) -> float | None:
    return None if not np.isfinite(v) else round(float(v), 3)


def time_variation(times, values, *, n_boot: int = 200, confidence: float = 0.95, seed: int = 20190101) -> dict:
    """The diurnal profile (all days, weekdays, weekends), the weekday and the month profiles."""
    v = np.asarray(values, dtype=float)
    keep = np.isfinite(v)
    parts = {k: a[keep] for k, a in start_parts(times).items()}
    v = v[keep]
    rng = np.random.default_rng(seed)
    hours = range(24)
    labels = [f"{h:02d}" for h in hours]
    weekend = parts["weekday"] >= 5
    out = {"diurnal": _groups(parts["hour"], v, hours, labels, rng, n_boot, confidence),
           "diurnal_weekday": _groups(np.where(weekend, -1, parts["hour"]), v, hours, labels, rng, n_boot,
                                      confidence),
           "diurnal_weekend": _groups(np.where(weekend, parts["hour"], -1), v, hours, labels, rng, n_boot,
                                      confidence),
           "weekday": _groups(parts["weekday"], v, range(7), WEEKDAYS, rng, n_boot, confidence),
           "month": _groups(parts["month"], v, range(1, 13), MONTHS, rng, n_boot, confidence),
           "n_hours": int(len(v)), "n_boot": n_boot, "confidence": confidence, "seed": seed}
    return out


def trend_level(times, values) -> dict:
    """Mean by hour of day (rows 0–23) × month (columns YYYY-MM), with the hours counted."""
    v = np.asarray(values, dtype=float)
    keep = np.isfinite(v)
    t = np.asarray(times, dtype="datetime64[h]")[keep] - np.timedelta64(1, "h")
    v = v[keep]
    hour = t.astype(np.int64) % 24
    month = t.astype("datetime64[M]")
    periods = np.unique(month)
    cells = []
    for j, m in enumerate(periods):
        in_m = month == m
        for h in range(24):
            sel = v[in_m & (hour == h)]
            cells.append({"month": str(m), "hour": h, "mean": _r(sel.mean()) if len(sel) else None,
                          "n": int(len(sel))})
    return {"months": [str(m) for m in periods], "hours": list(range(24)), "cells": cells}
