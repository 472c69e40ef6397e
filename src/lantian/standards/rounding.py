"""数值修约 — GB/T 8170 rounding on exact values.

GB/T 8170—2008 §3.3 "四舍六入五成双": round half to even, applied once to the exact
value (no successive rounding). Binary floats are read through their shortest decimal
representation, so 0.45 is the decimal 0.45 (→ 0.4), never 0.450000000000000011.
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from numbers import Rational

Number = int | float | str | Decimal | Fraction


def exact(value: Number) -> Fraction:
    """The exact rational a reported number stands for (floats via their shortest repr)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a concentration")
    if isinstance(value, Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"not a finite number: {value!r}")
        return Fraction(Decimal(repr(value)))
    if isinstance(value, (Decimal, str)):
        return Fraction(Decimal(value))
    raise TypeError(f"cannot read {value!r} as an exact number")


def round_half_even(value: Number, dp: int = 0) -> Decimal:
    """GB/T 8170 修约 of ``value`` to ``dp`` decimals: 0.45→0.4, 0.35→0.4, 2.675→2.68, 12.5→12."""
    q = exact(value) * (10**dp)
    n, d = q.numerator, q.denominator
    whole, rest = divmod(n, d)
    twice = 2 * rest
    if twice > d or (twice == d and whole % 2 == 1):
        whole += 1
    return Decimal(whole).scaleb(-dp).quantize(Decimal(1).scaleb(-dp), rounding=ROUND_HALF_EVEN)


def round_ratio_half_even(numerator: int, denominator: int) -> int:
    """Half-even rounding of an integer ratio, in integers only (the vectorized engines use the same steps)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    whole, rest = divmod(numerator, denominator)
    twice = 2 * rest
    if twice > denominator or (twice == denominator and whole % 2 == 1):
        whole += 1
    return whole


def snap(value: float, decimals: int = 6) -> Fraction:
    """Snap engine float noise (e.g. a percentile 74.49999999999999) to ``decimals`` before 修约.

    engine-notes "Exact percentile": interpolation in floating point leaves ~1e-13 noise that
    flips half-even rounding at .5; monitoring values never carry more than 6 decimals.
    """
    return Fraction(round(Fraction(value) * 10**decimals), 10**decimals)


def ceil_fraction(value: Fraction) -> int:
    """Smallest integer ≥ value — HJ 633 §4.2.6 "全部向上进位取整数"."""
    return -((-value.numerator) // value.denominator)
