"""Percentile and exceedance statistics of daily values against each GB 3095 limit set.

For every pollutant: the days with a value, mean, maximum, the percentiles 50/90/95/98/99 and the
HJ 663 evaluation percentile rounded by GB/T 8170 (docs/standards.md §3.1, §3.3: SO2/NO2 P98, PM10/PM2.5/CO P95,
O3-8h P90; Annex A interpolation), and for each limit set — GB 3095—2012 (§1.1), GB 3095—2026
transitional and final (§1.2) — the 24-hour (O3: 8-hour) limit, the days above it and their share.
A day is above its limit when its rounded daily value exceeds it (修约值比较法, §3.2 ⚠).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from lantian.standards.evaluation import percentile as hj663_percentile
from lantian.standards.pollutants import DECIMALS, pollutant_of
from lantian.standards.rounding import round_half_even
from lantian.standards.rulesets import RULESETS, limit

#: daily column → (GB 3095 limit key of its daily statistic, HJ 663 evaluation percentile)
DAILY = {"PM2_5": ("PM2_5_24h", 95), "PM10": ("PM10_24h", 95), "SO2": ("SO2_24h", 98),
         "NO2": ("NO2_24h", 98), "CO": ("CO_24h", 95), "O3_8h_max": ("O3_8h", 90)}
STANDARDS = {"2012": "GB 3095—2012", "2026": "GB 3095—2026 过渡期", "2031": "GB 3095—2026 最终"}
PERCENTILES = (50, 90, 95, 98, 99)


def statistics(values: dict[str, list[float | None]], grade: str = "II") -> list[dict]:
    """One row per pollutant of ``values`` (daily column → the period's daily values)."""
    rows = []
    for column, (key, eval_p) in DAILY.items():
        v = np.array([x for x in values.get(column, []) if x is not None], dtype=float)
        row = {"pollutant": column, "n": int(len(v)), "mean": None, "max": None,
               "evaluation_percentile": eval_p, "evaluation_value": None, "standards": []}
        if len(v):
            row["mean"] = round(float(v.mean()), 2)
            row["max"] = float(v.max())
            for p in PERCENTILES:
                row[f"p{p}"] = round(float(hj663_percentile(v.tolist(), Fraction(p, 100))), 2)
            exact = hj663_percentile(v.tolist(), Fraction(eval_p, 100))     # rounded once, GB/T 8170 (§3.5)
            row["evaluation_value"] = float(round_half_even(exact, DECIMALS[pollutant_of(key)]))
        for rs, title in STANDARDS.items():
            lim = limit(RULESETS[rs], key, grade)
            over = int((v > lim).sum()) if len(v) else 0
            row["standards"].append({"standard": rs, "title": title, "limit": lim, "days_over": over,
                                     "rate": round(over / len(v), 4) if len(v) else None,
                                     "percentile_over": None if row["evaluation_value"] is None
                                     else row["evaluation_value"] > lim})
        rows.append(row)
    return rows
