"""环境空气质量评价 — HJ 663 daily statistics and percentiles, scalar and exact.

Hours are labelled by their end (hour 1 = 00:00–01:00, hour 24 = 23:00–24:00); a day's
hourly list has 24 entries for hours 1…24, ``None`` where missing or invalid.
Each statistic carries its coverage (n valid, n expected), validity and the rule applied.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from lantian.standards.rounding import Number, exact, round_half_even
from lantian.standards.tables import load


def settings() -> dict:
    """The HJ 663 / GB 3095 Table 4 settings in force (``tables/hj663.toml``)."""
    return load("hj663")


@dataclass(frozen=True)
class Stat:
    """One statistic with its coverage and verdict."""
    value: Fraction | None
    n_valid: int
    n_expected: int
    valid: bool
    rule: str


def _values(hours: list[Number | None]) -> list[Fraction]:
    return [exact(v) for v in hours if v is not None]


def daily_mean(hours: list[Number | None], min_hours: int | None = None) -> Stat:
    """日平均 — GB 3095 Table 4: the mean of the day's hourly values, valid with ≥ 20 of them."""
    need = settings()["validity"]["daily_min_hours"] if min_hours is None else min_hours
    vals = _values(hours)
    rule = f"GB3095 Table 4: 日平均 ≥{need} h"
    if not vals:
        return Stat(None, 0, len(hours), False, rule)
    mean = sum(vals, Fraction(0)) / len(vals)
    ok = len(vals) >= need
    return Stat(mean if ok else None, len(vals), len(hours), ok, rule)


def moving_8h(series: list[Number | None], end: int, min_hours: int | None = None) -> Stat:
    """8小时滑动平均 ending at index ``end`` of ``series``: mean of ``series[end-7 … end]``, valid with ≥ 6 values
    (GB 3095—2026 §3.8 and Table 4)."""
    need = settings()["validity"]["o3_8h_min_hours"] if min_hours is None else min_hours
    window = [series[i] if 0 <= i < len(series) else None for i in range(end - 7, end + 1)]
    vals = _values(window)
    rule = f"GB3095 Table 4: 8小时平均 ≥{need} h"
    if len(vals) < need:
        return Stat(None, len(vals), 8, False, rule)
    return Stat(sum(vals, Fraction(0)) / len(vals), len(vals), 8, True, rule)


def o3_mda8(hours: list[Number | None], limit: Number | None = None) -> Stat:
    """日最大8小时平均 — HJ 663 §6.1.2: the max of the 8-h means ending 8时…24时 of the day.

    ``hours`` are the day's 24 hourly O3 values (hour-ending 1…24), so the window ending at 8时
    spans hours 1–8 and all 17 windows lie inside the natural day. Valid with ≥ 14 valid
    windows, or with fewer when the maximum exceeds ``limit`` (grade II 160 µg/m³).
    """
    cfg = settings()["o3_mda8"]
    lim = exact(cfg["exceedance_limit_grade_II"] if limit is None else limit)
    if len(hours) != 24:
        raise ValueError(f"a day has 24 hourly values, got {len(hours)}")
    first, last = cfg["window_end_first"], cfg["window_end_last"]
    windows = [moving_8h(hours, end - 1) for end in range(first, last + 1)]
    valid = [w.value for w in windows if w.valid]
    expected = last - first + 1
    rule = f"HJ663 §6.1.2: ≥{cfg['min_valid_windows']} of {expected} windows or > {lim}"
    if not valid:
        return Stat(None, 0, expected, False, rule)
    best = max(valid)
    judged = round_half_even(best, 0) if cfg["exceedance_compare"] == "rounded" else best
    ok = len(valid) >= cfg["min_valid_windows"] or judged > lim
    return Stat(best if ok else None, len(valid), expected, ok, rule)


def percentile(values: list[Number], p: Number) -> Fraction:
    """第p百分位数 — HJ 663 Annex A: sort ascending, k = 1 + (n−1)·p, m = x(s) + (x(s+1) − x(s))·(k − s)."""
    xs = sorted(exact(v) for v in values)
    if not xs:
        raise ValueError("percentile of no values")
    k = 1 + (len(xs) - 1) * exact(p)
    s = int(k)  # k ≥ 1, so int() is floor
    if s >= len(xs):
        return xs[-1]
    return xs[s - 1] + (xs[s] - xs[s - 1]) * (k - s)
