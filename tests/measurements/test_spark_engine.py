"""The same computations on Apache Spark (PySpark, local mode) as on DuckDB — one definition, equal
results after the standard's rounding (issue 12). Real inputs: Changzhi's 2019 year and the
national January 2019 files."""
from datetime import date

import ibis
import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from lantian.assessment.ranking import rank_units, units_from_site_list
from lantian.assessment.statistics import area_daily_units, period_statistics, station_daily_units
from lantian.cli import app
from lantian.measurements.engine import connect
from lantian.measurements.feed import (DERIVED_TYPES, MISSING, FeedRules, Layout, _unfused_selects, expression,
                                       fit_of, load_feed, padded_table, recompute)
from lantian.measurements.importer import import_files
from lantian.measurements.store import Store
from lantian.standards import period as P

EVALUATION = ["1727A", "1728A", "1730A", "1731A", "2845A"]
CHANGZHI = ("cnemc", "changzhi", "changzhi_sites_2019_hourly.csv")


@pytest.fixture(scope="module")
def spark():
    return connect("spark")


def national(data_dir, days: range) -> list:
    return [data_dir / "cnemc" / "2019-01" / f"china_sites_201901{d:02d}.csv.gz" for d in days]


def assert_same_recompute(feed, con, spark):
    a, b = recompute(feed, con, FeedRules()), recompute(feed, spark, FeedRules())
    for typ in DERIVED_TYPES:
        np.testing.assert_array_equal(a.values[typ], b.values[typ], err_msg=typ)
    return a


def test_feed_recompute_of_changzhi_2019_is_equal_on_spark(data_dir, con, spark):
    feed = load_feed([data_dir.joinpath(*CHANGZHI)])
    a = assert_same_recompute(feed, con, spark)
    assert (a.values["AQI"] != MISSING).sum() > 40_000            # of 6 stations × 8,760 hours
    assert (a.values["O3_8h_24h"] != MISSING).sum() > 40_000


def test_feed_recompute_of_a_national_january_slice_is_equal_on_spark(data_dir, con, spark):
    feed = load_feed(national(data_dir, range(1, 4)))
    a = assert_same_recompute(feed, con, spark)
    assert len(feed.stations) > 1_500 and (a.values["O3_8h"] != MISSING).sum() > 100_000


def test_windows_partitioned_by_station_give_the_same_values(data_dir, con):
    """The station partition Spark's windows get (so that a cluster spreads the stations) changes
    nothing: the padding already keeps every lag inside its station."""
    feed = load_feed(national(data_dir, range(1, 3)))
    layout = Layout.of(feed)
    fit = fit_of(feed, FeedRules())
    with _unfused_selects():
        plain = con.to_pyarrow(expression(ibis.memtable(padded_table(feed, layout)), FeedRules(), fit).order_by("i"))
        parted = con.to_pyarrow(expression(ibis.memtable(padded_table(feed, layout, by_station=True)), FeedRules(),
                                           fit).order_by("i"))
    assert parted.num_rows == plain.num_rows > 100_000 and parted.equals(plain)


def test_cli_engine_spark_writes_the_same_files(data_dir, tmp_path, spark):
    files = [str(p) for p in national(data_dir, range(6, 8))]
    runner = CliRunner()
    for engine in ("duckdb", "spark"):
        res = runner.invoke(app, ["--engine", engine, "cnemc", "recompute", *files, "-o", str(tmp_path / engine)])
        assert res.exit_code == 0, res.output
    for name in ("china_sites_20190106.csv.gz", "china_sites_20190107.csv.gz"):
        assert (tmp_path / "spark" / name).read_bytes() == (tmp_path / "duckdb" / name).read_bytes()


@pytest.fixture(scope="module")
def changzhi_store(tmp_path_factory, data_dir):
    root = tmp_path_factory.mktemp("store")
    import_files(root, "cnemc", [data_dir.joinpath(*CHANGZHI)])
    return Store(root)


def test_spark_reads_the_stores_parquet_layout_itself(changzhi_store, spark, con):
    for engine in (spark, con):
        t = changzhi_store.table(engine)
        assert {"source", "year", "month", "station", "time", "pollutant", "value", "flag"} <= set(t.columns)
        assert engine.execute(t.count()) == changzhi_store.count()
        per_month = engine.execute(t.filter(t.month.cast("int64") == 7).count())
        assert 0 < per_month < changzhi_store.count() / 10


def test_daily_and_period_statistics_are_equal_on_spark(changzhi_store, con, spark):
    start, end = date(2019, 1, 1), date(2019, 12, 31)
    for series in (lambda e: station_daily_units(changzhi_store, EVALUATION + ["1729A"], start, end, e),
                   lambda e: area_daily_units(changzhi_store, {"changzhi": EVALUATION}, start, end, e)):
        a, b = series(con), series(spark)
        assert a.table.num_rows > 300 and a.excluded_hours == b.excluded_hours and a.rule == b.rule
        assert a.table.equals(b.table.select(a.table.column_names))
    periods = [P.month(2019, m) for m in range(1, 13)] + [P.year(2019), P.autumn_winter(2018)]
    city = area_daily_units(changzhi_store, {"changzhi": EVALUATION}, start, end, con).table
    sa = period_statistics(city, periods, con, deduct_sand_dust=True, sand_dust=[date(2019, 3, 27)]).table
    sb = period_statistics(city, periods, spark, deduct_sand_dust=True, sand_dust=[date(2019, 3, 27)]).table
    assert sa.num_rows == len(periods) and sa.equals(sb)
    year = sa.filter(pa.compute.equal(sa.column("period"), "2019")).to_pylist()[0]
    assert year["p95_CO"] is not None and year["p90_O3"] > 100 and year["good_days"] > 150


@pytest.fixture(scope="module")
def january_store(tmp_path_factory, data_dir):
    root = tmp_path_factory.mktemp("national")
    import_files(root, "cnemc", sorted((data_dir / "cnemc" / "2019-01").glob("*.csv.gz")), threads=4)
    return Store(root)


def test_ranking_of_shanxis_cities_is_equal_on_spark(january_store, data_dir, con, spark):
    shanxi = units_from_site_list(data_dir / "cnemc" / "stations" / "NewSiteList_utf8.csv", "山西省")
    jan = P.month(2019, 1)
    a, b = rank_units(january_store, shanxi, jan, con), rank_units(january_store, shanxi, jan, spark)
    assert a.table.num_rows == 11 and a.table.equals(b.table)
    assert all(a.table.column("composite_index").to_pylist())


def _co_days(tenths: list[int]) -> pa.Table:
    n = len(tenths)
    none = pa.nulls(n, pa.int64())
    return pa.table({"unit": ["u"] * n, "date": pa.array([date(2019, 2, d + 1) for d in range(n)], pa.date32()),
                     "SO2": none, "NO2": none, "PM10": none, "PM2_5": none, "CO": pa.array(tenths, pa.int64()),
                     "O3_8h_max": none, "AQI": none, "primary": pa.nulls(n, pa.string())})


@pytest.mark.parametrize("tenths, pct100, reported, naive", [
    (list(range(1, 12)), 1050, 1.0, 1.1),  # k = 1 + 10 × 0.95 = 10.5: 1.0 + 0.5 × 0.1 = 1.05 → 1.0 (half-even)
    (list(range(2, 13)), 1150, 1.2, 1.1),  # 1.1 + 0.05 = 1.15 → 1.2 (half-even: the 1 before the 5 is odd)
])
def test_percentile_at_a_half_is_exact_on_both_engines(tenths, pct100, reported, naive, con, spark):
    """HJ 663 Annex A interpolation in integers (× 100 before dividing): no float noise reaches
    the rounding at .5, on either engine — where a float pipeline's 1.05 is 1.0500000000000000444
    and its 1.15 is 1.149999999999999911."""
    feb = P.month(2019, 2)
    for engine in (con, spark):
        row = period_statistics(_co_days(list(reversed(tenths))), feb, engine).table.to_pylist()[0]
        assert (row["pct100_CO"], row["p95_CO"]) == (pct100, reported)
    assert round(float(np.percentile(np.array(tenths) / 10, 95)), 1) == naive
