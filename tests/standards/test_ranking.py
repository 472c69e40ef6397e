"""Composite index, ranks with ties and change rate — the worked examples of spec §4."""
from decimal import Decimal
from fractions import Fraction

import pytest

from lantian.standards.ranking import change_rate, composite, custom_scheme, ranks, scheme, single_index

EXAMPLE = {"PM2_5": 35, "PM10": 70, "SO2": 10, "NO2": 30, "CO": 1.2, "O3": 160}


def test_default_scheme_is_2018_rule():
    s = scheme()
    assert s.name == "2018" and set(s.weights.values()) == {1}
    assert s.divisors == {"SO2": 60, "NO2": 40, "PM10": 70, "PM2_5": 35, "CO": 4, "O3": 160}


def test_worked_example_4_22_with_three_tied_largest():
    c = composite(EXAMPLE)
    assert c.value == Decimal("4.22") and c.exact == Fraction(253, 60)
    assert c.largest == ("PM2_5", "PM10", "O3") and c.largest_index == Decimal("1.00")
    assert c.singles["SO2"] == Decimal("0.17") and c.singles["CO"] == Decimal("0.30")


def test_weighted_example_7_97():
    assert composite(EXAMPLE, scheme("weighted-3-2-2")).value == Decimal("7.97")
    w = custom_scheme({"PM2_5": 3, "PM10": 1, "SO2": 1, "NO2": 2, "CO": 1, "O3": 2}, scheme().divisors)
    assert composite(EXAMPLE, w).value == Decimal("7.97")


def test_2026_transitional_divisors_4_55():
    assert composite(EXAMPLE, scheme("2026-transitional")).value == Decimal("4.55")


def test_secondary_example_3_06_sums_exact_indices():
    c = composite({"PM2_5": 21, "PM10": 39, "SO2": 9, "NO2": 15, "O3": 192, "CO": 0.7})
    assert c.value == Decimal("3.06")       # rounding each I_i first would give 3.07
    assert sum(v for v in c.singles.values()) == Decimal("3.07")
    assert c.largest == ("O3",)


def test_concentrations_rounded_before_dividing():
    assert single_index("PM2_5", 35.5) == Fraction(36, 35)     # 35.5 → 36 (half-even)
    assert single_index("PM2_5", 34.5) == Fraction(34, 35)
    assert single_index("CO", 1.25) == Fraction(12, 40)        # 1.25 → 1.2


def test_missing_pollutant_gives_no_composite():
    c = composite({**EXAMPLE, "O3": None})
    assert c.value is None and c.singles["O3"] is None and c.largest == ("PM2_5", "PM10")


def test_change_rate_example():
    assert change_rate(Decimal("4.22"), Decimal("4.60")) == Decimal("-8.3")
    assert change_rate(5, 4) == Decimal("25.0")
    assert change_rate(5, None) is None and change_rate(5, 0) is None


def test_ranks_with_ties_skip():
    assert ranks([3.1, 2.0, 3.1, 4.0]) == [2, 1, 2, 4]
    assert ranks([1, 2, 2, 3]) == [1, 2, 2, 4]
    assert ranks([5, None, 5]) == [1, None, 1]
    assert ranks([70.5, 80.1, 80.1], descending=True) == [3, 1, 1]
    assert ranks([Decimal("-8.3"), Decimal("1.0"), Decimal("-8.3")]) == [1, 3, 1]


def test_unknown_scheme_is_a_clear_error():
    with pytest.raises(KeyError, match="unknown ranking scheme"):
        scheme("1999")
