"""Exact integer arithmetic as Ibis expressions, identical on every engine (and the GB/T 8170
rounding as numpy, :func:`to_units_array`, for grids already in memory).

Concentrations travel as int64 in thousandths of their unit (``SCALE``), so means,
GB/T 8170 rounding and the IAQI ceiling are integer operations: no float reaches a
rounding decision (the CO 2.2 mg/m³ → IAQI 55 trap, docs/architecture.md "Exactness").
"""
from __future__ import annotations

import ibis
import numpy as np
from ibis.expr.types import IntegerValue

#: Values are stored as round(value × SCALE): three decimals, exact for every published value.
SCALE = 1000


def floordiv(a: IntegerValue, b) -> IntegerValue:
    """⌊a / b⌋ for integers 0 ≤ a < 2^53, b > 0.

    Engines compile this as FLOOR(a / b) in double precision, which is exact here: the
    correctly rounded quotient errs by at most 2^-53·a/b, less than the 1/b that separates a
    non-integer quotient from the next integer whenever a < 2^53 (values × SCALE stay far below).
    """
    return (a // b).cast("int64")


def ceildiv(a: IntegerValue, b) -> IntegerValue:
    """⌈a / b⌉ for a ≥ 0, b > 0 — HJ 633 "全部向上进位"."""
    return floordiv(a + (b - 1), b)


def half_even_div(a: IntegerValue, b) -> IntegerValue:
    """GB/T 8170 round-half-even of a / b to an integer, for a ≥ 0, b > 0."""
    q = floordiv(a, b)
    twice_rest = 2 * (a - q * b)
    up = (twice_rest > b) | ((twice_rest == b) & (q % 2 == 1))
    return ibis.ifelse(up, q + 1, q)


def half_even_from(q: IntegerValue, a: IntegerValue, b) -> IntegerValue:
    """:func:`half_even_div` of a / b when q = ⌊a / b⌋ is already at hand (e.g. a column): no
    second division."""
    twice_rest = 2 * (a - q * b)
    return q + ((twice_rest > b) | ((twice_rest == b) & (q % 2 == 1))).cast("int64")


def to_units(scaled: IntegerValue, decimals: int) -> IntegerValue:
    """A SCALE-d value rounded (GB/T 8170) to ``decimals``, as an integer count of 10^-decimals."""
    return half_even_div(scaled, SCALE // 10**decimals)


def to_units_array(scaled: np.ndarray, decimals: int) -> np.ndarray:
    """:func:`to_units` of an int64 array, the same integers (below zero too: a tie there goes
    down, as the engines' truncating ``q % 2`` decides). ``MISSING``, the least int64, gives a
    negative number, which HJ 633 does not index."""
    b = SCALE // 10**decimals
    if b == 1:
        return np.array(scaled, dtype=np.int64)
    if b == 0 or b % 2:
        raise ValueError(f"to_units_array: {decimals} decimals of thousandths")
    q, rest = np.divmod(scaled + b // 2, b)            # half up; a tie leaves no rest
    ties = rest == 0
    if ties.any():
        t = q[ties]
        q[ties] = t - ((t & 1 == 1) | (t <= 1))         # to the even one; at or below 1, as the engines
    return q
