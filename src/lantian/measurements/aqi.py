"""IAQI and AQI over whole tables — HJ 633—2012 / HJ 633—2026, vectorized and exact.

The inputs are integer columns in reporting units (µg/m³; CO in 0.1 mg/m³) after GB/T 8170
rounding, so formula (1) of HJ 633 is integer arithmetic with a ceiling; the scalar
reference :func:`lantian.standards.aqi.iaqi` is held equal to this by property tests.

Two forms of the same formula. :func:`iaqi` is an Ibis expression, for tables that live in
the engine (the store's daily statistics, on DuckDB or Spark). :func:`iaqi_table` tabulates
the formula over its whole domain — a rounded concentration is an integer between 0 and the
last breakpoint — so that a grid already held in memory (the CNEMC feed) is indexed by a
lookup (:func:`iaqi_array`); tests hold the table to the scalar reference at every entry.
"""
from __future__ import annotations

from fractions import Fraction
from functools import cache

import ibis
import numpy as np
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


# ---------------------------------------------------------------------------------------------
# 分指数表 — the IAQI tabulated, for grids in memory

#: "no IAQI" in the arrays below (an IAQI is never negative)
ABSENT = -1


@cache
def iaqi_table(item: str, version: int = 2012, above_top: str = "cap_500") -> np.ndarray:
    """The IAQI of every integer concentration 0…end of ``item`` (reporting units; CO tenths),
    then one entry for every concentration above ``end``: HJ 633 formula (1), rounded up.

    ``end`` is the last breakpoint, or 800 for SO2 1-h and O3 8-h, whose values above 800 take
    Table 1 notes (2)(3) of 2012 (another item's IAQI: the last entry is :data:`ABSENT`, see
    ``fallback`` of :func:`iaqi_array`) or Table 3 notes b, c of 2026 (200, 300).
    """
    spec = ref.table(version)
    levels = spec["iaqi_levels"]
    bps = _scaled_breakpoints(item, version)
    key = ref.TABLE_OF_ITEM.get(item, item)
    special = {"SO2_1h": "so2_1h_over_800", "O3_8h": "o3_8h_over_800"}.get(key)
    end = min(bps[-1], 800) if special else bps[-1]
    c = np.arange(end + 1, dtype=np.int64)
    seg = np.maximum(np.searchsorted(bps, c, side="left"), 1)        # the first breakpoint ≥ c
    lo, hi = np.asarray(bps)[seg - 1], np.asarray(bps)[seg]
    i_lo, i_hi = np.asarray(levels)[seg - 1], np.asarray(levels)[seg]
    values = i_lo - (-(i_hi - i_lo) * (c - lo) // (hi - lo))           # ⌈a / b⌉ = −⌊−a / b⌋
    if special:
        rule = spec[special]
        above = ABSENT if isinstance(rule, str) else int(rule)
    else:
        above = 500 if above_top == "cap_500" else ABSENT
    table = np.append(values, above)
    table.setflags(write=False)
    return table


def iaqi_array(c: np.ndarray, item: str, version: int = 2012, *, fallback: np.ndarray | None = None,
               above_top: str = "cap_500") -> np.ndarray:
    """:func:`iaqi` of an int64 array ``c`` (reporting units, negative = no value): :data:`ABSENT`
    where ``c`` is negative. ``fallback`` (IAQIs, :data:`ABSENT` for none) stands where 2012
    indexes SO2 1-h / O3 8-h above 800 by another item."""
    table = _shifted(item, version, above_top)          # [ABSENT, IAQI(0), …, IAQI(end), above]
    end = len(table) - 3
    out = table[np.clip(c, -1, end + 1) + 1]
    if fallback is not None and table[-1] == ABSENT and ref.TABLE_OF_ITEM.get(item, item) in ("SO2_1h", "O3_8h"):
        out = np.where(c > end, fallback, out)
    return out


@cache
def _shifted(item: str, version: int, above_top: str) -> np.ndarray:
    table = np.concatenate([[ABSENT], iaqi_table(item, version, above_top)])
    table.setflags(write=False)
    return table


def aqi_array(iaqis: list[np.ndarray]) -> np.ndarray:
    """The maximum IAQI of each position (:data:`ABSENT` where none is present)."""
    best = iaqis[0].copy()
    for i in iaqis[1:]:
        np.maximum(best, i, out=best)
    return best
