"""The analysis room's statistics against their reference implementations on the same data:
Theil–Sen and Sen's interval against scipy.stats.theilslopes, Mann–Kendall against pymannkendall,
STL against statsmodels, time variation against a direct computation."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pymannkendall
import pytest
from scipy import stats as sps
from statsmodels.tsa.seasonal import STL

from lantian.analysis import trend as tr
from lantian.analysis.compare import compare
from lantian.analysis.stats import bootstrap_slope, mann_kendall, theil_sen
from lantian.analysis.variation import time_variation, trend_level


def _series(n=60, slope=-2.0, seed=1, ties=False):
    rng = np.random.default_rng(seed)
    x = 2015 + np.arange(n) / 12
    y = 60 + slope * (x - 2015) + 15 * np.cos(2 * np.pi * np.arange(n) / 12) + rng.normal(0, 4, n)
    if ties:
        y = np.round(y / 3) * 3          # many tied values
    return x, y


@pytest.mark.parametrize("seed,ties,confidence", [(1, False, 0.95), (2, True, 0.95), (3, False, 0.90), (4, True, 0.99)])
def test_theil_sen_equals_scipy(seed, ties, confidence):
    x, y = _series(seed=seed, ties=ties)
    ours = theil_sen(x, y, confidence)
    ref = sps.theilslopes(y, x, confidence)
    assert ours.slope == pytest.approx(ref.slope, abs=1e-12)
    assert ours.intercept == pytest.approx(ref.intercept, abs=1e-9)
    assert (ours.lower, ours.upper) == pytest.approx((ref.low_slope, ref.high_slope), abs=1e-12)


def test_theil_sen_with_tied_x_equals_scipy():
    x = np.repeat(np.arange(10.0), 3)
    y = 2 * x + np.random.default_rng(5).normal(0, 1, len(x))
    ours, ref = theil_sen(x, y), sps.theilslopes(y, x)
    assert (ours.slope, ours.lower, ours.upper) == pytest.approx((ref.slope, ref.low_slope, ref.high_slope))


@pytest.mark.parametrize("seed,ties", [(1, False), (2, True), (7, False)])
def test_mann_kendall_equals_pymannkendall(seed, ties):
    _, y = _series(n=48, slope=-1.0, seed=seed, ties=ties)
    y[[5, 17]] = np.nan                           # gaps are skipped, as pymannkendall does
    ours = mann_kendall(y)
    ref = pymannkendall.original_test(y)
    assert ours.s == ref.s
    assert ours.var_s == pytest.approx(ref.var_s)
    assert ours.z == pytest.approx(ref.z)
    assert ours.p == pytest.approx(ref.p, rel=1e-9)
    assert ours.tau == pytest.approx(ref.Tau)


def test_sen_slope_on_positions_equals_pymannkendall():
    _, y = _series(n=36, seed=9)
    assert theil_sen(np.arange(36.0), y).slope == pytest.approx(pymannkendall.sens_slope(y).slope)


def test_bootstrap_interval_is_reproducible_and_near_sen_interval():
    x, y = _series(n=120, slope=-2.0, seed=11)
    y = y - 15 * np.cos(2 * np.pi * np.arange(120) / 12)          # iid noise around a line
    lo, hi = bootstrap_slope(x, y, n_boot=400, seed=3)
    assert (lo, hi) == bootstrap_slope(x, y, n_boot=400, seed=3)
    sen = theil_sen(x, y)
    assert lo < sen.slope < hi
    assert lo == pytest.approx(sen.lower, abs=0.4) and hi == pytest.approx(sen.upper, abs=0.4)


def _months(values, start=(2015, 1)):
    y, m = start
    out = []
    for v in values:
        out.append(tr.Month(f"{y:04d}-{m:02d}", None if v is None or np.isnan(v) else float(v), 30,
                            None if v is None or np.isnan(v) else float(v)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def test_deseasonalised_is_observed_minus_statsmodels_stl():
    _, y = _series(n=48, seed=4)
    y[10] = np.nan
    series = _months(y)
    ours = tr.deseasonalise(series)
    filled = pd.Series(y).interpolate(limit_direction="both").to_numpy()
    seasonal = STL(filled, period=12, seasonal=35, robust=True).fit().seasonal
    for i, m in enumerate(ours):
        if i == 10:
            assert m.value is None
        else:
            assert m.value == pytest.approx(y[i] - seasonal[i], abs=1e-9)


def test_deseasonalised_trend_recovers_the_true_slope():
    _, y = _series(n=60, slope=-3.0, seed=8)
    raw = tr.fit_trend(_months(y), n_boot=200)
    des = tr.fit_trend(_months(y), deseason=True, n_boot=200)
    assert des.deseasonalised and des.slope_per_year == pytest.approx(-3.0, abs=0.6)
    assert des.upper - des.lower < raw.upper - raw.lower          # the season no longer widens the interval
    assert des.p < 0.001


def test_trend_refuses_to_deseasonalise_one_year():
    with pytest.raises(ValueError, match="24 months"):
        tr.fit_trend(_months(np.arange(12.0)), deseason=True)


def test_monthly_means_keep_gaps_below_coverage():
    dates = [dt.date(2019, 1, d) for d in range(1, 32)] + [dt.date(2019, 3, d) for d in range(1, 10)]
    values = [10.0] * 31 + [50.0] * 9
    series = tr.monthly_means(dates, values)
    assert [m.period for m in series] == ["2019-01", "2019-02", "2019-03"]
    assert series[0].value == 10.0 and series[1].value is None and series[2].value is None   # 9 of 31 < ½
    assert tr.monthly_means(dates, values, min_coverage=0.2)[2].value == 50.0


def _hourly(n_days=365, seed=2):
    rng = np.random.default_rng(seed)
    t = np.datetime64("2019-01-01T01") + np.arange(n_days * 24).astype("timedelta64[h]")
    start = t - np.timedelta64(1, "h")
    hour = start.astype(np.int64) % 24
    v = 40 + 20 * np.sin(2 * np.pi * hour / 24) + rng.gamma(2, 8, len(t))
    v[rng.random(len(t)) < 0.05] = np.nan
    return t, v


def test_time_variation_means_and_intervals_against_direct_computation():
    t, v = _hourly()
    tv = time_variation(t, v, n_boot=400)
    start = pd.to_datetime(t) - pd.Timedelta(hours=1)
    df = pd.DataFrame({"v": v, "hour": start.hour, "dow": start.day_of_week, "month": start.month}).dropna()
    direct = {"diurnal": df.groupby("hour").v, "weekday": df.groupby("dow").v, "month": df.groupby("month").v,
              "diurnal_weekend": df[df.dow >= 5].groupby("hour").v, "diurnal_weekday": df[df.dow < 5].groupby("hour").v}
    for key, g in direct.items():
        mean, sd, n = g.mean(), g.std(), g.count()
        assert len(tv[key]) == len(mean)
        for row in tv[key]:
            k = row["key"]
            assert row["n"] == n[k]
            assert row["mean"] == pytest.approx(mean[k], abs=1e-3)
            half = 1.96 * sd[k] / np.sqrt(n[k])        # the bootstrap percentile interval ≈ the normal one
            assert row["lower"] == pytest.approx(mean[k] - half, abs=0.25 * half)
            assert row["upper"] == pytest.approx(mean[k] + half, abs=0.25 * half)


def test_time_variation_interval_follows_its_documented_draws():
    t, v = _hourly(n_days=28)
    tv = time_variation(t, v, n_boot=50, seed=7)
    start = pd.to_datetime(t) - pd.Timedelta(hours=1)
    keep = ~np.isnan(v)
    hours, vals = np.asarray(start.hour)[keep], v[keep]
    rng = np.random.default_rng(7)
    for h in range(24):                           # the diurnal groups are drawn first, hour 0 first
        g = vals[hours == h]
        means = g[rng.integers(0, len(g), size=(50, len(g)))].mean(axis=1)
        lo, hi = np.quantile(means, [0.025, 0.975])
        assert (tv["diurnal"][h]["lower"], tv["diurnal"][h]["upper"]) == pytest.approx((round(lo, 3), round(hi, 3)))


def test_trend_level_cells_are_hour_by_month_means():
    t, v = _hourly(n_days=59)
    tl = trend_level(t, v)
    assert tl["months"] == ["2019-01", "2019-02"]
    start = pd.to_datetime(t) - pd.Timedelta(hours=1)
    df = pd.DataFrame({"v": v, "h": start.hour, "m": start.strftime("%Y-%m")}).dropna()
    ref = df.groupby(["m", "h"]).v.mean()
    for c in tl["cells"]:
        assert c["mean"] == pytest.approx(ref[(c["month"], c["hour"])], abs=1e-3)


def test_compare_independent_and_paired_against_welch_and_direct():
    rng = np.random.default_rng(4)
    days = [(dt.date(2023, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(180)]
    before = [(d, float(x)) for d, x in zip(days[:90], rng.normal(60, 12, 90))]
    after = [(d, float(x)) for d, x in zip(days[90:], rng.normal(50, 12, 90))]
    r = compare(before, after)
    assert not r["paired"]
    ref = sps.ttest_ind([x for _, x in after], [x for _, x in before], equal_var=False).confidence_interval()
    assert r["difference"] == pytest.approx(np.mean([x for _, x in after]) - np.mean([x for _, x in before]), abs=1e-3)
    assert r["lower"] == pytest.approx(ref.low, abs=1.0) and r["upper"] == pytest.approx(ref.high, abs=1.0)
    assert r["significant"] and r["upper"] < 0
    shared = rng.normal(60, 20, 90)
    a = [(d, float(x)) for d, x in zip(days[:90], shared)]
    b = [(d, float(x + 5 + rng.normal(0, 2))) for d, x in zip(days[:90], shared)]
    p = compare(a, b)
    assert p["paired"] and p["lower"] > 3.5 and p["upper"] < 6.5       # the shared weather cancels


def test_exceedance_percentile_is_hj663_annex_a_rounded():
    from lantian.analysis.exceedance import statistics
    rows = {r["pollutant"]: r for r in statistics({"PM2_5": [3, 4, 8, 2, 5, 4], "CO": [1.24, 1.26, None]})}
    pm, co = rows["PM2_5"], rows["CO"]
    assert pm["p90"] == 6.5                                  # docs/standards.md §3.3's example: {3,4,8,2,5,4} P90 = 6.5
    assert pm["p95"] == 7.25 and pm["evaluation_value"] == 7.0          # PM2.5 is judged on P95, rounded to integers
    assert co["n"] == 2 and co["evaluation_value"] == 1.3               # CO P95 1.259 → one decimal
    assert rows["SO2"]["n"] == 0 and rows["SO2"]["standards"][0]["days_over"] == 0


def test_too_short_a_series_says_what_a_valid_month_is():
    """Five days of a new office: the refusal names the valid month (half its days), Chinese first."""
    dates = [dt.date(2025, 1, d) for d in range(1, 6)]
    series = tr.monthly_means(dates, [50.0] * 5)
    with pytest.raises(ValueError) as e:
        tr.fit_trend(series)
    assert str(e.value).startswith("趋势至少需要 3 个有效月份") and "不少于一半" in str(e.value) and "现有 0 个" in str(e.value)
