"""IAQI and AQI over whole tables — HJ 633—2012 / HJ 633—2026, vectorized and exact.

The inputs are integer columns in reporting units (µg/m³; CO in 0.1 mg/m³) after GB/T 8170
rounding, so formula (1) of HJ 633 is integer arithmetic with a ceiling; the scalar
reference :func:`lantian.standards.aqi.iaqi` is held equal to this by property tests.
"""
from __future__ import annotations

from fractions import Fraction

import ibis
from ibis.expr.types import IntegerValue

from lantian.measurements.arith import ceildiv
from lantian.standards import aqi as ref
from lantian.standards.pollutants import DECIMALS, pollutant_of

NULL_INT = ibis.null().cast("int64")


def _scaled_breakpoints(item: str, version: int) -> list[int]:
    dp = DECIMALS[pollutant_of(item)]
    out = [Fraction(str(b)) * 10**dp for b in ref.breakpoints(item, version)]
    assert all(b.denominator == 1 for b in out), item
    return [int(b) for b in out]


def iaqi(c: IntegerValue, item: str, version: int = 2012, *, fallback: IntegerValue | None = None,
         above_top: str = "cap_500") -> IntegerValue:
    """空气质量分指数 of ``c`` (reporting units; CO tenths): HJ 633 formula (1), rounded up.

    ``fallback`` is the IAQI to use where SO2 1-h > 800 (2012: from the 24-h mean) or O3 8-h
    > 800 (2012: from the 1-h mean); 2026 uses the fixed 200 / 300 of Table 3 notes b, c.
    """
    spec = ref.table(version)
    levels = spec["iaqi_levels"]
    bps = _scaled_breakpoints(item, version)
    key = ref.TABLE_OF_ITEM.get(item, item)
    branches = [(c.isnull() | (c < 0), NULL_INT)]    # a negative concentration is not indexed
    special = {"SO2_1h": "so2_1h_over_800", "O3_8h": "o3_8h_over_800"}.get(key)
    if special:
        rule = spec[special]
        replacement = fallback if isinstance(rule, str) else ibis.literal(int(rule), "int64")
        branches.append((c > 800, replacement if replacement is not None else NULL_INT))
    for i in range(1, len(bps)):
        lo, hi = bps[i - 1], bps[i]
        span = levels[i] - levels[i - 1]
        branches.append((c <= hi, levels[i - 1] + ceildiv(span * (c - lo), hi - lo)))
    top = ibis.literal(500, "int64") if above_top == "cap_500" else NULL_INT
    return ibis.cases(*branches, else_=top)


def max_ignoring_null(values: list[IntegerValue]) -> IntegerValue:
    """AQI = max IAQI over the items present (a row with none present is null)."""
    filled = [v.fill_null(-1) for v in values]
    best = ibis.greatest(*filled) if len(filled) > 1 else filled[0]
    return best.nullif(-1)                 # an IAQI is never negative: -1 is "none present"
