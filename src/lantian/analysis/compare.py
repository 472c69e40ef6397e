"""Two periods or two stations compared (before/after a measure; station against station).

The difference is mean(B) − mean(A) of daily values with a percentile bootstrap interval:
- paired (the same days on both sides: two stations over one period): the days are resampled and
  the mean of the day-by-day differences is taken — the days' shared weather cancels;
- independent (two periods): each side is resampled on its own.
The relative change is the difference over mean(A). Welch's t interval is given beside it.
"""
from __future__ import annotations

import numpy as np
from scipy import stats as sps


def _clean(pairs: list[tuple[str, float | None]]) -> dict[str, float]:
    return {d: float(v) for d, v in pairs if v is not None and np.isfinite(v)}


def compare(a: list[tuple[str, float | None]], b: list[tuple[str, float | None]], *, paired: bool | None = None,
            n_boot: int = 2000, confidence: float = 0.95, seed: int = 20190101) -> dict:
    """``a`` and ``b``: (date, daily value) pairs. ``paired`` None: paired when both sides cover the
    same dates (those present on both are used)."""
    A, B = _clean(a), _clean(b)
    if len(A) < 2 or len(B) < 2:
        raise ValueError(f"each side needs at least 2 days with data (got {len(A)} and {len(B)})")
    common = sorted(set(A) & set(B))
    if paired is None:
        paired = len(common) >= 0.8 * min(len(A), len(B)) and len(common) >= 2
    rng = np.random.default_rng(seed)
    q = [(1 - confidence) / 2, 1 - (1 - confidence) / 2]
    if paired:
        if len(common) < 2:
            raise ValueError("a paired comparison needs at least 2 days present on both sides")
        va = np.array([A[d] for d in common])
        vb = np.array([B[d] for d in common])
        diff = vb - va
        boots = diff[rng.integers(0, len(diff), size=(n_boot, len(diff)))].mean(axis=1)
        t = sps.t.ppf(q[1], len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
        welch = (diff.mean() - t, diff.mean() + t)
    else:
        va, vb = np.array(list(A.values())), np.array(list(B.values()))
        ba = va[rng.integers(0, len(va), size=(n_boot, len(va)))].mean(axis=1)
        bb = vb[rng.integers(0, len(vb), size=(n_boot, len(vb)))].mean(axis=1)
        boots = bb - ba
        r = sps.ttest_ind(vb, va, equal_var=False).confidence_interval(confidence)
        welch = (r.low, r.high)
    lo, hi = np.quantile(boots, q)
    d = float(vb.mean() - va.mean())
    return {"paired": bool(paired), "n_a": int(len(va)), "n_b": int(len(vb)),
            "mean_a": round(float(va.mean()), 3), "mean_b": round(float(vb.mean()), 3),
            "difference": round(d, 3), "lower": round(float(lo), 3), "upper": round(float(hi), 3),
            "relative": round(d / float(va.mean()), 4) if va.mean() else None,
            "welch_lower": round(float(welch[0]), 3), "welch_upper": round(float(welch[1]), 3),
            "significant": bool(lo > 0 or hi < 0), "confidence": confidence, "n_boot": n_boot}
