"""降尘 — dust fall (docs/standards.md §6.2): the gravimetric value and the bulletin's ranking.

M = (W1 − W0 − Wc) / (S · n) × 30 × 10⁴ t/(km²·30 d) with W in g (sample and dish, empty dish,
blank correction), S the collector's opening in cm², n the days exposed (GB/T 15265; the 30-day
month ⚠ is the published convention). Exact fractions; published to 0.1 (GB/T 8170).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Sequence

from lantian.standards.rounding import Number, exact, round_half_even

MONTH_DAYS = 30          # ⚠ the bulletins' month
T_PER_KM2_PER_G_PER_CM2 = 10_000   # 1 g/cm² = 10⁴ t/km²


def gravimetric(w1: Number, w0: Number, wc: Number, area_cm2: Number, days: int) -> Fraction:
    """Dust fall of one collector in t/(km²·30 d)."""
    if days <= 0 or exact(area_cm2) <= 0:
        raise ValueError("days and collector area must be positive")
    mass = exact(w1) - exact(w0) - exact(wc)
    if mass < 0:
        raise ValueError(f"negative dust mass {float(mass):g} g (W1 − W0 − Wc)")
    return mass / (exact(area_cm2) * days) * MONTH_DAYS * T_PER_KM2_PER_G_PER_CM2


def published(value: Number) -> Fraction:
    """As the bulletin prints it: one decimal, half to even."""
    return Fraction(round_half_even(exact(value), 1))


def ranks(values: Sequence[Number]) -> list[int]:
    """Ascending ranks with ties sharing the rank (1, 2, 2, 4): lowest dust fall first, as published."""
    shown = [published(v) for v in values]
    return [1 + sum(1 for w in shown if w < v) for v in shown]
