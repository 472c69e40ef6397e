"""HJ 663 period statistics — scalar reference: periods, validity, percentiles, counts, attainment, sand-dust."""
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from lantian.standards import period as P
from lantian.standards.rulesets import ruleset_named


def days_of(p):
    return [p.start + timedelta(i) for i in range(p.n_days)]


def test_period_helpers():
    assert P.month(2020, 2).n_days == 29 and P.month(2019, 2).n_days == 28
    q = P.quarter(2019, 4)
    assert (q.start, q.end) == (date(2019, 10, 1), date(2019, 12, 31))
    assert P.half_year(2019, 1).n_days == 181 and P.year(2020).n_days == 366
    s = P.autumn_winter(2019)
    assert (s.start, s.end, s.n_days) == (date(2019, 10, 1), date(2020, 3, 31), 183)
    y = P.year_to_date(date(2019, 3, 15))
    assert (y.start, y.end, y.n_days) == (date(2019, 1, 1), date(2019, 3, 15), 74)
    assert P.same_period_last_year(P.month(2019, 1)) == P.month(2018, 1)
    assert P.same_period_last_year(P.year_to_date(date(2020, 2, 29))).end == date(2019, 2, 28)
    assert P.same_period_last_year(s) == P.autumn_winter(2018)
    assert [m[:2] for m in s.months()] == [(2019, 10), (2019, 11), (2019, 12), (2020, 1), (2020, 2), (2020, 3)]
    with pytest.raises(ValueError):
        P.quarter(2019, 5)


def test_statistics_decimals_from_hj663_toml():
    assert P.statistics_dp("PM2_5") == 1 and P.statistics_dp("CO") == 1 and P.statistics_dp("PM10") == 0
    assert P.reporting_dp("CO") == 1 and P.reporting_dp("PM2_5") == 0
    assert [P.percentile_name(p) for p in ("SO2", "NO2", "PM10", "PM2_5", "CO", "O3")] == \
        ["p98", "p98", "p95", "p95", "p95", "p90"]


def test_percentile_and_mean_rounding():
    co = [Fraction(4 + 2 * i, 10) for i in range(10)]           # 0.4, 0.6, … 2.2 mg/m³
    assert P.period_percentile(co, "CO") == Decimal("2.1")        # 2.11 → 2.1 (spec §3.3)
    assert P.period_mean([12, 13], "PM10") == 12                   # 12.5 → 12 (half even)
    assert P.period_mean([12, 13], "PM2_5") == Decimal("12.5")     # PM2.5 statistics keep 1 dp
    assert P.period_mean([1, 2, 2], "PM2_5") == Decimal("1.7")
    assert P.period_percentile(list(range(1, 21)), "PM10") == 19   # 19.05 → 19
    assert P.period_mean([], "SO2") is None and P.period_percentile([], "O3") is None


def test_annual_validity_324_and_monthly_minimums():
    y = P.year(2019)
    full = days_of(y)
    assert P.validity(full, y).valid and P.validity(full, y).coverage == 1
    # drop 4 February days → 24 in February: invalid although 361 days ≥ 324
    short_feb = [d for d in full if not (d.month == 2 and d.day <= 4)]
    v = P.validity(short_feb, y)
    assert not v.valid and v.n_valid == 361 and "324" in v.rule
    # 27 days in every month (25 in Feb) = 322 < 324: invalid; add two days: valid
    minimal = [d for d in full if d.day <= (25 if d.month == 2 else 27)]
    assert len(minimal) == 322 and not P.validity(minimal, y).valid
    plus = minimal + [date(2019, 3, 30), date(2019, 5, 30)]
    assert P.validity(plus, y).valid and P.validity(plus, y).n_valid == 324
    # leap year: February has 29 days, still needs only 25
    y20 = P.year(2020)
    feb25 = [d for d in days_of(y20) if not (d.month == 2 and d.day > 25)]
    assert P.validity(feb25, y20).valid and P.validity(feb25, y20).n_days == 366


def test_monthly_validity_not_enforced_by_default():
    m = P.month(2019, 2)
    v = P.validity([date(2019, 2, 3)], m)
    assert v.valid and v.coverage == Fraction(1, 28) and "monthly_enforce=false" in v.rule
    assert not P.validity([], m).valid


def _row(pm25, aqi, primary, pm10=50, o3=100):
    return {"SO2": 10, "NO2": 30, "PM10": pm10, "PM2_5": pm25, "CO": Fraction(12, 10), "O3_8h_max": o3,
            "AQI": aqi, "primary": primary}


def test_summary_counts_ratios_primary_attainment():
    m = P.month(2019, 1)
    days = {}
    aqis = [40, 90, 100, 101, 150, 201, 250, 301, 80, 60]
    prim = [None, "PM2.5", "PM2.5", "PM2.5,PM10", "PM10", "PM2.5", "PM2.5", "PM2.5", "O3", "NO2"]
    for i, (a, pr) in enumerate(zip(aqis, prim)):
        days[date(2019, 1, 1 + i)] = _row(20 + i, a, pr)
    days[date(2019, 2, 1)] = _row(999, 500, "PM2.5")                 # outside the period: ignored
    s = P.summarize(days, m, ruleset=ruleset_named("2012"))
    assert s.n_aqi_days == 10 and s.good_days == 5 and s.exceedance_days == 5
    assert s.heavy_days == 3 and s.severe_days == 1
    assert s.good_ratio == Decimal("50.0") and s.heavy_ratio == Decimal("30.0")
    assert s.primary_days == {"SO2": 0, "NO2": 1, "PM10": 2, "PM2_5": 6, "CO": 0, "O3": 1}
    pm = s.pollutants["PM2_5"]
    assert pm.mean == Decimal("24.5") and pm.verdict.n_valid == 10 and pm.verdict.n_days == 31
    assert pm.percentile == Decimal("28.6")                           # k = 9.55 → 28 + 0.55
    assert pm.attains is True and s.pollutants["PM10"].attains is True
    assert s.attains is True and s.ruleset == "2012" and s.sand_dust == "kept"


def test_attainment_fails_on_limit_and_is_unknown_when_invalid():
    y = P.year(2019)
    days = {d: _row(30, 60, "PM2.5") for d in days_of(y)}
    s = P.summarize(days, y)
    assert s.attains is True
    hot = {d: _row(36, 60, "PM2.5") for d in days_of(y)}             # 36 > 35 annual limit
    s = P.summarize(hot, y)
    assert s.pollutants["PM2_5"].attains is False and s.attains is False
    edge = {d: _row(Fraction(71, 2), 60, "PM2.5") for d in days_of(y)}   # 35.5 reports 36 > 35
    assert P.summarize(edge, y).pollutants["PM2_5"].attains is False
    edge = {d: _row(Fraction(69, 2), 60, "PM2.5") for d in days_of(y)}   # 34.5 reports 34 ≤ 35
    assert P.summarize(edge, y).pollutants["PM2_5"].attains is True
    sparse = {d: v for d, v in days.items() if d.month != 3}          # March empty: annual invalid
    s = P.summarize(sparse, y)
    assert not s.pollutants["SO2"].verdict.valid and s.pollutants["SO2"].attains is None and s.attains is None
    o3 = {d: _row(30, 60, "O3", o3=170) for d in days_of(y)}           # O3 P90 170 > 160
    assert P.summarize(o3, y).pollutants["O3"].attains is False


def test_sand_dust_deducts_pm_only():
    m = P.month(2019, 4)
    days = {d: _row(30, 60, "PM2.5", pm10=60) for d in days_of(m)}
    dust = [date(2019, 4, 10), date(2019, 4, 11)]
    for d in dust:
        days[d] = _row(90, 250, "PM10", pm10=600)
    kept = P.summarize(days, m, sand_dust=dust)
    cut = P.summarize(days, m, sand_dust=dust, deduct_sand_dust=True)
    assert kept.pollutants["PM10"].mean == 96 and cut.pollutants["PM10"].mean == 60
    assert cut.pollutants["PM2_5"].mean == Decimal("30.0") and cut.pollutants["PM2_5"].n_used == 28
    assert cut.pollutants["PM10"].n_sand_dust == 2 and cut.pollutants["PM10"].verdict.n_valid == 30
    assert cut.pollutants["SO2"].n_used == 30                          # gases keep the day
    assert cut.good_days == kept.good_days == 28 and cut.heavy_days == 2   # ratios keep sand-dust days
    assert cut.sand_dust == "deducted" and cut.n_sand_dust_days == 2


def test_a_year_with_a_missing_month():
    y = P.year(2019)
    no_july = [d for d in days_of(y) if d.month != 7]
    v = P.validity(no_july, y)
    assert not v.valid and v.n_valid == 334 and v.n_days == 365       # ≥ 324 days, but July has 0 < 27
    rows = {d: _row(40, 60, "PM2.5") for d in no_july}
    s = P.summarize(rows, y)
    pm = s.pollutants["PM2_5"]
    assert pm.mean == 40 and not pm.verdict.valid and s.attains is None   # a value, flagged invalid
