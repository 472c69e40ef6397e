"""Rank statistics for trends: the Theil–Sen slope with Sen's interval, the Mann–Kendall test and a
bootstrap interval of the slope.

- Theil–Sen: the median of the pairwise slopes (Sen 1968); intercept median(y) − slope·median(x)
  (scipy's ``method="separate"``). Sen's interval from the ranks of the sorted slopes with the normal
  approximation of Kendall's S, ties in x and y removed from its variance — the construction of
  ``scipy.stats.theilslopes`` (Sen 1968 §5; Gilbert 1987 §16.5), held to it by the tests.
- Mann–Kendall (Mann 1945, Kendall 1975): S = Σ sign(x_j − x_i), Var S with the tie correction,
  Z with the continuity correction, two-sided p = 2·(1 − Φ(|Z|)) — as ``pymannkendall.original_test``.
- Bootstrap: resample (x, y) pairs, or blocks of consecutive pairs when the series is
  autocorrelated (openair's ``autocor = TRUE``), refit, take the 2.5 and 97.5 percentiles.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri


@dataclass(frozen=True)
class SenFit:
    slope: float
    intercept: float
    lower: float             # Sen's interval of the slope
    upper: float
    n: int


@dataclass(frozen=True)
class MannKendall:
    s: float
    var_s: float
    z: float
    p: float                 # two-sided
    tau: float
    n: int


def _clean(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"x and y differ in length ({len(x)} and {len(y)})")
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def _pair_slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    i, j = np.triu_indices(len(x), k=1)
    dx = x[j] - x[i]
    ok = dx != 0
    return (y[j] - y[i])[ok] / dx[ok]


def _tie_term(values: np.ndarray) -> float:
    _, counts = np.unique(values, return_counts=True)
    k = counts[counts > 1].astype(float)
    return float(np.sum(k * (k - 1) * (2 * k + 5)))


def theil_sen(x, y, confidence: float = 0.95) -> SenFit:
    """The Theil–Sen line of ``y`` on ``x`` with Sen's ``confidence`` interval of the slope."""
    x, y = _clean(x, y)
    n = len(x)
    if n < 3:
        raise ValueError(f"a Theil–Sen slope needs at least 3 points, got {n}")
    slopes = np.sort(_pair_slopes(x, y))
    if len(slopes) == 0:
        raise ValueError("a Theil–Sen slope needs at least two distinct x values")
    slope = float(np.median(slopes))
    intercept = float(np.median(y) - slope * np.median(x))
    z = abs(float(ndtri((1 - confidence) / 2)))
    var = (n * (n - 1) * (2 * n + 5) - _tie_term(x) - _tie_term(y)) / 18.0
    sigma = np.sqrt(var)
    nt = len(slopes)
    hi = min(int(np.round((nt + z * sigma) / 2.0)), nt - 1)
    lo = max(int(np.round((nt - z * sigma) / 2.0)) - 1, 0)
    return SenFit(slope, intercept, float(slopes[lo]), float(slopes[hi]), n)


def mann_kendall(y) -> MannKendall:
    """The Mann–Kendall test of a series in time order (missing values skipped)."""
    y = np.asarray(y, dtype=float)
    y = y[np.isfinite(y)]
    n = len(y)
    if n < 3:
        raise ValueError(f"the Mann–Kendall test needs at least 3 values, got {n}")
    i, j = np.triu_indices(n, k=1)
    s = float(np.sum(np.sign(y[j] - y[i])))
    var_s = (n * (n - 1) * (2 * n + 5) - _tie_term(y)) / 18.0
    if s > 0:
        z = (s - 1) / np.sqrt(var_s)
    elif s < 0:
        z = (s + 1) / np.sqrt(var_s)
    else:
        z = 0.0
    p = float(2 * ndtr(-abs(z)))           # = 2·(1 − Φ(|Z|)), without losing small p to rounding
    return MannKendall(s, float(var_s), float(z), p, s / (0.5 * n * (n - 1)), n)


def bootstrap_slope(x, y, *, n_boot: int = 500, confidence: float = 0.95, block: int = 1,
                    seed: int = 20190101) -> tuple[float, float]:
    """Percentile bootstrap interval of the Theil–Sen slope: ``n_boot`` resamples of the (x, y) pairs
    (in blocks of ``block`` consecutive pairs when ``block`` > 1), each refitted. Reproducible by ``seed``."""
    x, y = _clean(x, y)
    n = len(x)
    if n < 3:
        raise ValueError(f"a bootstrap slope needs at least 3 points, got {n}")
    rng = np.random.default_rng(seed)
    block = max(1, min(int(block), n))
    starts_needed = -(-n // block)
    slopes = []
    for _ in range(n_boot):
        starts = rng.integers(0, n - block + 1, size=starts_needed)
        idx = (starts[:, None] + np.arange(block)[None, :]).ravel()[:n]
        s = _pair_slopes(x[idx], y[idx])
        if len(s):
            slopes.append(np.median(s))
    a = (1 - confidence) / 2
    lo, hi = np.quantile(slopes, [a, 1 - a])
    return float(lo), float(hi)


def bootstrap_mean(values, *, n_boot: int = 200, confidence: float = 0.95,
                   rng: np.random.Generator) -> tuple[float, float, float]:
    """The mean of ``values`` and its percentile bootstrap interval (``n_boot`` resamples with
    replacement, drawn from ``rng`` as one (n_boot × n) integer array)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    draws = rng.integers(0, n, size=(n_boot, n))
    means = v[draws].mean(axis=1)
    a = (1 - confidence) / 2
    lo, hi = np.quantile(means, [a, 1 - a])
    return float(v.mean()), float(lo), float(hi)
