from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lantian.standards.rounding import ceil_fraction, round_half_even, round_ratio_half_even, snap


@pytest.mark.parametrize("value, dp, expected", [
    (0.45, 1, "0.4"), (0.35, 1, "0.4"), (2.675, 2, "2.68"),          # the binary-float traps
    (12.5, 0, "12"), (13.5, 0, "14"), (12.51, 0, "13"), (0.55, 1, "0.6"), (1.25, 1, "1.2"),
    (34.5, 0, "34"), (35.5, 0, "36"), (75.5, 0, "76"), ("2.05", 1, "2.0"), (Fraction(2111, 1000), 1, "2.1"),
    (0, 0, "0"), (168.75, 0, "169"), (-0.5, 0, "0"), (-1.5, 0, "-2"),
])
def test_gbt8170_examples(value, dp, expected):
    assert round_half_even(value, dp) == Decimal(expected)
    assert str(round_half_even(value, dp)) == expected


def test_python_round_would_be_wrong():
    # documents why the module exists: the built-in gets these wrong
    assert round(0.45, 1) == 0.5 and round(2.675, 2) == 2.67
    assert round_half_even(0.45, 1) == Decimal("0.4") and round_half_even(2.675, 2) == Decimal("2.68")


@given(st.decimals(min_value=-10**6, max_value=10**6, places=4, allow_nan=False, allow_infinity=False),
       st.integers(0, 3))
def test_equals_decimal_quantize(value, dp):
    assert round_half_even(value, dp) == value.quantize(Decimal(1).scaleb(-dp), rounding=ROUND_HALF_EVEN)


@given(st.integers(0, 10**12), st.integers(1, 10**6))
def test_ratio_half_even(num, den):
    assert round_ratio_half_even(num, den) == int(round_half_even(Fraction(num, den), 0))


def test_ceil_and_snap():
    assert ceil_fraction(Fraction(110, 2)) == 55 and ceil_fraction(Fraction(111, 2)) == 56
    assert ceil_fraction(Fraction(-1, 2)) == 0
    assert snap(74.49999999999999) == Fraction(745, 10)
    assert round_half_even(snap(74.49999999999999), 0) == 74
    with pytest.raises(ValueError):
        round_half_even(float("nan"))
