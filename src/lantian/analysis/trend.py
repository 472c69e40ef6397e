"""Theil–Sen trend of monthly means (openair's ``TheilSen``), optionally deseasonalised.

1. Monthly means of the daily values; a month counts when at least ``min_coverage`` of its days
   have a value (default ½), otherwise it is a gap.
2. ``deseason``: STL (Cleveland et al. 1990, statsmodels' implementation) of the monthly series
   with period 12, robust fitting, the seasonal window 35 as openair uses it
   (``stl(s.window = 35, robust = TRUE)``); gaps are filled by linear interpolation for the
   decomposition only (openair does the same) and the deseasonalised value is observed − seasonal
   at the months that were observed. STL needs two full years (24 months).
3. The Theil–Sen slope of value on decimal year (x = year + (month − 1)/12), ``slope_per_year``;
   its interval by bootstrap of (month, value) pairs (``lower``/``upper``, blocks of 3 months when
   ``autocorrelation``) and Sen's rank interval (``sen_lower``/``sen_upper``); the Mann–Kendall p.
"""
from __future__ import annotations

import calendar as cal
from dataclasses import asdict, dataclass

import numpy as np

from lantian.analysis.stats import bootstrap_slope, mann_kendall, theil_sen

STL_PERIOD = 12
STL_SEASONAL = 35
MIN_MONTHS_STL = 2 * STL_PERIOD


@dataclass(frozen=True)
class Month:
    period: str          # YYYY-MM
    value: float | None  # the mean (or deseasonalised mean); None: a gap
    days: int            # days with a value
    observed: float | None = None


def monthly_means(dates, values, min_coverage: float = 0.5) -> list[Month]:
    """The mean of each calendar month from the first to the last month with data."""
    d = np.asarray(dates, dtype="datetime64[D]")
    v = np.asarray(values, dtype=float)
    keep = np.isfinite(v)
    d, v = d[keep], v[keep]
    if len(d) == 0:
        return []
    months = d.astype("datetime64[M]")
    first, last = months.min(), months.max()
    out = []
    for m in np.arange(first, last + 1):
        sel = months == m
        y, mo = int(str(m)[:4]), int(str(m)[5:7])
        need = min_coverage * cal.monthrange(y, mo)[1]
        n = int(sel.sum())
        mean = float(v[sel].mean()) if n and n >= need else None
        out.append(Month(f"{y:04d}-{mo:02d}", mean, n, mean))
    return out


def decimal_year(period: str) -> float:
    return int(period[:4]) + (int(period[5:7]) - 1) / 12


def filled(series: list[Month]) -> np.ndarray:
    """The monthly values with gaps linearly interpolated (ends held at the nearest value)."""
    y = np.array([np.nan if m.value is None else m.value for m in series], dtype=float)
    ok = np.isfinite(y)
    if ok.sum() == 0:
        raise ValueError("no month has a value")
    idx = np.arange(len(y))
    return np.interp(idx, idx[ok], y[ok])


def stl_seasonal(y: np.ndarray, *, robust: bool = True, seasonal: int = STL_SEASONAL) -> np.ndarray:
    """The seasonal component of a monthly series by STL (statsmodels), period 12."""
    from statsmodels.tsa.seasonal import STL
    if len(y) < MIN_MONTHS_STL:
        raise ValueError(f"deseasonalising needs at least {MIN_MONTHS_STL} months of data "
                         f"(two full years), got {len(y)}")
    return np.asarray(STL(y, period=STL_PERIOD, seasonal=seasonal, robust=robust).fit().seasonal)


def deseasonalise(series: list[Month]) -> list[Month]:
    """observed − STL seasonal at every observed month (gaps stay gaps)."""
    seasonal = stl_seasonal(filled(series))
    return [Month(m.period, None if m.value is None else float(m.value - s), m.days, m.observed)
            for m, s in zip(series, seasonal)]


@dataclass(frozen=True)
class Trend:
    series: list[Month]
    slope_per_year: float
    intercept: float
    lower: float
    upper: float
    sen_lower: float
    sen_upper: float
    p: float
    mk_z: float
    mk_s: float
    n_months: int
    deseasonalised: bool
    interval: str
    confidence: float
    percent_per_year: float | None   # slope as % of the mean of the fitted series

    def as_dict(self) -> dict:
        d = asdict(self)
        d["series"] = [{"period": m.period, "value": None if m.value is None else round(m.value, 3),
                        "observed": None if m.observed is None else round(m.observed, 3), "days": m.days}
                       for m in self.series]
        for k in ("slope_per_year", "intercept", "lower", "upper", "sen_lower", "sen_upper", "percent_per_year"):
            if d[k] is not None:
                d[k] = round(d[k], 4)
        return d


def fit_trend(series: list[Month], *, deseason: bool = False, n_boot: int = 500, confidence: float = 0.95,
              autocorrelation: bool = False, seed: int = 20190101) -> Trend:
    """The Theil–Sen trend of a monthly series (see the module's steps)."""
    if deseason:
        series = deseasonalise(series)
    present = [m for m in series if m.value is not None]
    if len(present) < 3:
        raise ValueError(f"趋势至少需要 3 个有效月份（当月有日值的天数不少于一半），现有 {len(present)} 个 "
                         f"(a trend needs at least 3 months with data on at least half their days, got {len(present)})")
    x = np.array([decimal_year(m.period) for m in present])
    y = np.array([m.value for m in present])
    fit = theil_sen(x, y, confidence)
    lo, hi = bootstrap_slope(x, y, n_boot=n_boot, confidence=confidence, block=3 if autocorrelation else 1,
                             seed=seed)
    mk = mann_kendall(y)
    mean = float(np.mean(y))
    return Trend(series, fit.slope, fit.intercept, lo, hi, fit.lower, fit.upper, mk.p, mk.z, mk.s, len(present),
                 deseason, "bootstrap" + (" (3-month blocks)" if autocorrelation else ""), confidence,
                 100 * fit.slope / mean if mean else None)
