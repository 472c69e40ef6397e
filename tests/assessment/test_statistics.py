"""Vectorized HJ 663 period statistics against the scalar reference, on Changzhi 2019 (real data)."""
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pyarrow as pa
import pytest

from lantian.assessment.statistics import area_daily_units, period_statistics, station_daily_units
from lantian.measurements.importer import import_files
from lantian.measurements.series import area_daily
from lantian.measurements.store import Store
from lantian.standards import period as P
from lantian.standards.rulesets import ruleset_named

EVALUATION = ["1727A", "1728A", "1730A", "1731A", "2845A"]   # 1729A 澳瑞特 is a control point
MONTHS = [P.month(2019, m) for m in range(1, 13)]
OTHERS = [P.quarter(2019, 1), P.quarter(2019, 3), P.half_year(2019, 2), P.year(2019),
          P.autumn_winter(2018), P.year_to_date(date(2019, 5, 17))]
DUST = [date(2019, 3, 27), date(2019, 3, 28), date(2019, 4, 6), date(2019, 5, 12)]


@pytest.fixture(scope="module")
def store(tmp_path_factory, data_dir):
    root = tmp_path_factory.mktemp("store")
    import_files(root, "cnemc", [data_dir / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"])
    return Store(root)


@pytest.fixture(scope="module")
def dailies(store, con):
    stations = station_daily_units(store, EVALUATION + ["1729A"], date(2019, 1, 1), date(2019, 12, 31), con)
    city = area_daily_units(store, {"changzhi": EVALUATION}, date(2019, 1, 1), date(2019, 12, 31), con)
    return stations, city


def scalar_days(table: pa.Table, unit: str) -> dict:
    out = {}
    for r in table.to_pylist():
        if r["unit"] != unit:
            continue
        row = {c: r[c] for c in ("SO2", "NO2", "PM10", "PM2_5", "O3_8h_max", "AQI", "primary")}
        row["CO"] = None if r["CO"] is None else Fraction(r["CO"], 10)
        out[r["date"]] = row
    return out


def dec(x):
    return None if x is None else Decimal(repr(x))


def compare(row: dict, want: P.PeriodSummary) -> list:
    bad = []

    def check(name, got, exp):
        if got != exp:
            bad.append((row["unit"], row["period"], name, got, exp))
    check("n_days", row["n_days"], want.period.n_days)
    for p, s in want.pollutants.items():
        check(f"mean_{p}", dec(row[f"mean_{p}"]), s.mean)
        check(f"{s.percentile_name}_{p}", dec(row[f"{s.percentile_name}_{p}"]), s.percentile)
        check(f"n_{p}", row[f"n_{p}"], s.verdict.n_valid)
        check(f"valid_{p}", row[f"valid_{p}"], s.verdict.valid)
        check(f"coverage_{p}", row[f"coverage_{p}"], float(s.verdict.coverage))
        check(f"attains_{p}", row[f"attains_{p}"], s.attains)
        check(f"n_sand_dust_{p}", row[f"n_sand_dust_{p}"], s.n_sand_dust)
        check(f"primary_{p}", row[f"primary_{p}"], want.primary_days[p])
        if s.exact_mean is not None:     # the exact parts reproduce the exact mean and percentile
            check(f"sum/n_{p}", Fraction(row[f"sum_{p}"], row[f"nused_{p}"]) / (10 if p == "CO" else 1), s.exact_mean)
            check(f"pct100_{p}", Fraction(row[f"pct100_{p}"], 100) / (10 if p == "CO" else 1), s.exact_percentile)
    for c in ("n_aqi_days", "good_days", "exceedance_days", "heavy_days", "severe_days", "n_sand_dust_days"):
        check(c, row[c], getattr(want, c))
    check("good_ratio", dec(row["good_ratio"]), want.good_ratio)
    check("heavy_ratio", dec(row["heavy_ratio"]), want.heavy_ratio)
    check("attains", row["attains"], want.attains)
    check("ruleset", row["ruleset"], want.ruleset)
    check("sand_dust", row["sand_dust"], want.sand_dust)
    return bad


def test_area_daily_units_equals_series_area_daily(store, con, dailies):
    _, city = dailies
    one = area_daily(store, EVALUATION, date(2019, 1, 1), date(2019, 12, 31), con).table
    cols = ["date", "PM2_5", "PM10", "SO2", "NO2", "CO", "O3_8h_max", "AQI", "primary"]
    assert city.table.select(cols).to_pylist() == one.select(cols).to_pylist()
    assert city.method == "mean_of_station_daily_values"


def test_every_monthly_statistic_of_every_station_and_the_city(con, dailies):
    stations, city = dailies
    mismatches, rows_checked = [], 0
    for daily, method in ((stations.table, "station"), (city.table, city.method)):
        result = period_statistics(daily, MONTHS, con, method=method)
        rows = result.table.to_pylist()
        assert {r["method"] for r in rows} == {method}
        for row in rows:
            want = P.summarize(scalar_days(daily, row["unit"]), MONTHS[int(row["period"][5:]) - 1],
                               ruleset=ruleset_named("2012"))
            mismatches += compare(row, want)
            rows_checked += 1
    assert rows_checked == 12 * 6 + 12
    assert mismatches == []


def test_other_periods_of_the_city_with_city_wide_sand_dust(con, dailies):
    _, city = dailies
    days = scalar_days(city.table, "changzhi")
    for deduct in (False, True):
        result = period_statistics(city.table, OTHERS, con, sand_dust=DUST, deduct_sand_dust=deduct,
                                   method=city.method)
        rows = result.table.to_pylist()
        assert [r["period"] for r in rows] == [p.label for p in OTHERS]
        for row, p in zip(rows, OTHERS):
            want = P.summarize(days, p, sand_dust=DUST, deduct_sand_dust=deduct)
            assert compare(row, want) == []
    # deduction changes PM and nothing else
    kept, cut = (period_statistics(city.table, [P.year(2019)], con, sand_dust=DUST, deduct_sand_dust=d)
                 .table.to_pylist()[0] for d in (False, True))
    assert cut["n_sand_dust_PM10"] == 4 and cut["nused_PM10"] == kept["nused_PM10"] - 4
    assert cut["sum_PM10"] < kept["sum_PM10"] and cut["n_PM10"] == kept["n_PM10"]
    assert cut["mean_SO2"] == kept["mean_SO2"] and cut["good_ratio"] == kept["good_ratio"]


def test_per_unit_sand_dust_and_annual_validity(con, dailies):
    stations, _ = dailies
    marks = {"1727A": DUST[:2]}
    rows = period_statistics(stations.table, [P.quarter(2019, 1)], con, sand_dust=marks,
                             deduct_sand_dust=True).table.to_pylist()
    by = {r["unit"]: r for r in rows}
    assert by["1727A"]["n_sand_dust_PM2_5"] == 2 and by["1728A"]["n_sand_dust_PM2_5"] == 0
    for u, r in by.items():
        want = P.summarize(scalar_days(stations.table, u), P.quarter(2019, 1), sand_dust=marks.get(u, ()),
                           deduct_sand_dust=True)
        assert compare(r, want) == []
    # the year: August and September have < 27 city days (2019-04-08 and archive gaps) → invalid
    year = {r["unit"]: r for r in period_statistics(stations.table, [P.year(2019)], con).table.to_pylist()}
    for u, r in year.items():
        want = P.summarize(scalar_days(stations.table, u), P.year(2019))
        assert r["valid_PM2_5"] == want.pollutants["PM2_5"].verdict.valid
        assert "324" in r["validity_rule"]


def test_changzhi_2019_city_monthly_pm25(con, dailies):
    _, city = dailies
    rows = period_statistics(city.table, MONTHS, con).table.to_pylist()
    pm25 = [r["mean_PM2_5"] for r in rows]
    # winter months are the worst, summer the cleanest; January near 100 µg/m³
    assert max(pm25) == pm25[0] and 90 < pm25[0] < 110
    assert min(pm25) < 35 and all(r["valid_PM2_5"] for r in rows)
