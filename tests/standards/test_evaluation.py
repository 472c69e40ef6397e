from fractions import Fraction

import pytest

from lantian.standards.evaluation import daily_mean, moving_8h, o3_mda8, percentile
from lantian.standards.rounding import round_half_even
from lantian.standards.rulesets import limit, ruleset_for, ruleset_named
from datetime import date

WORKED = [20, 18, 15, 12, 10, 12, 20, 40, 70, 100, 130, 160, 180, 200, 210, 190, 160, 120, 90, 70, 50, 40, 30, 25]


def test_mda8_worked_example():
    s = o3_mda8(WORKED)
    assert s.value == Fraction(16875, 100) and s.valid and s.n_valid == 17 and s.n_expected == 17
    assert round_half_even(s.value) == 169


def test_mda8_needs_14_windows_unless_exceeding():
    hours = [None] * 11 + [50] * 13          # windows ending 8…17 have < 6 hours: only 9 valid windows
    s = o3_mda8(hours)
    assert not s.valid and s.value is None and s.n_valid < 14
    hot = [None] * 11 + [200] * 13
    s = o3_mda8(hot)
    assert s.valid and s.value == 200       # HJ 663 §6.1.2: exceeding 160 keeps it valid


def test_mda8_exceedance_is_judged_on_the_reported_value(monkeypatch):
    # two valid windows (ending 8 and 9, six hours each): 962/6 = 160.33…, reported 160 — not above 160
    hours = [None, 361, 112, None, 160, 257, 55, 17] + [None] * 16
    s = o3_mda8(hours)
    assert s.n_valid == 2 and not s.valid and s.value is None        # 修约值比较法 ⚠ (default)
    from lantian.standards import evaluation
    cfg = {**evaluation.settings(), "o3_mda8": {**evaluation.settings()["o3_mda8"], "exceedance_compare": "exact"}}
    monkeypatch.setattr(evaluation, "settings", lambda: cfg)
    s = o3_mda8(hours)
    assert s.valid and s.value == Fraction(962, 6)                    # 全数值比较法: 160.33 > 160


def test_moving_8h_min_six_hours():
    series = [10, None, None, 10, 10, 10, 10, 10]
    assert moving_8h(series, 7).valid and moving_8h(series, 7).value == 10
    assert not moving_8h([10, None, None, None, 10, 10, 10, 10], 7).valid


def test_daily_mean_20_hours():
    assert daily_mean([10] * 20 + [None] * 4).valid
    s = daily_mean([10] * 19 + [None] * 5)
    assert not s.valid and s.value is None and s.n_valid == 19 and s.n_expected == 24


@pytest.mark.parametrize("values, p, expected", [
    ([3, 4, 8, 2, 5, 4], Fraction(9, 10), Fraction(13, 2)),
    (list(range(1, 21)), Fraction(95, 100), Fraction(1905, 100)),
    ([Fraction(x, 10) for x in range(4, 23, 2)], Fraction(95, 100), Fraction(211, 100)),
    (list(range(1, 32)), Fraction(9, 10), 28),
])
def test_percentile_annex_a(values, p, expected):
    assert percentile(values, p) == expected


def test_percentile_report_value():
    assert round_half_even(percentile([x / 10 for x in range(4, 23, 2)], "0.95"), 1) == Fraction(21, 10)


def test_rulesets_by_date():
    assert ruleset_for(date(2026, 2, 28)).id == "2012"
    assert ruleset_for(date(2026, 3, 1)).id == "2026"
    assert ruleset_for(date(2031, 1, 1)).id == "2031"
    assert limit(ruleset_named(2012), "PM2_5_24h") == 75
    assert limit(ruleset_named(2026), "PM2_5_24h") == 60
    assert limit(ruleset_named(2031), "PM2_5_annual") == 25
    assert limit(ruleset_named(2031), "NO2_annual", grade="I") == 30
    with pytest.raises(KeyError):
        ruleset_named("1996")
