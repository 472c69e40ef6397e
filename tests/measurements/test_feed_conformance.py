"""The referee: the national centre's own published numbers, recomputed by lantian.

All of January 2019 (national, 1,605 stations) and Changzhi's 2019 year. On complete windows
(every 1-hour input in the archive) the published values must come back: hourly AQI exactly,
the means and O3 rows exactly but for the few revised hours of the live system, CO within 0.1
(the platform averages CO before rounding it to one decimal; x.x5 ties cannot be resolved).
"""
import pytest

from lantian.measurements.feed import load_feed, recompute, write_all
from lantian.measurements.feed_diff import diff
from lantian.measurements.readers.cnemc import DERIVED_TYPES


@pytest.fixture(scope="module")
def january(tmp_path_factory, data_dir, con):
    files = sorted((data_dir / "cnemc" / "2019-01").glob("china_sites_*.csv.gz"))
    assert len(files) == 31
    out = tmp_path_factory.mktemp("jan")
    write_all(recompute(load_feed(files), con), out)
    return files, out, diff(data_dir / "cnemc" / "2019-01", out)


@pytest.fixture(scope="module")
def changzhi(tmp_path_factory, data_dir, con):
    src = data_dir / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"
    out = tmp_path_factory.mktemp("cz")
    write_all(recompute(load_feed([src]), con), out)
    return out, diff(src.parent, out)


@pytest.fixture(scope="module")
def july(tmp_path_factory, data_dir, con):
    files = sorted((data_dir / "cnemc" / "2019-07").glob("china_sites_*.csv.gz"))
    assert len(files) == 29                                  # the 14th and 15th are kept back
    out = tmp_path_factory.mktemp("jul")
    write_all(recompute(load_feed(files), con), out)
    return files, out, diff(data_dir / "cnemc" / "2019-07", out)


@pytest.mark.slow
def test_july_comes_back_to_the_archives_limit(july):
    """July 2019, every file with 3207A twice: every file back; complete windows exact but for the
    archive's own limit — 16,266 windows differ, all but 9 the archive's (docs/cnemc-feed.md)."""
    from lantian.measurements.feed_limits import ARCHIVE
    files, out, report = july
    assert sorted(p.name for p in out.iterdir()) == [f.name for f in files]
    assert [r["file"] for r in report.repeated] == [f.name for f in files]
    assert {(r["station"], tuple(r["fields"])) for r in report.repeated} == {("3207A", (1634, 1635))}
    assert report.months == ["2019-07"]
    aqi = report.rows[("AQI", "complete")]
    assert aqi.exact == aqi.compared == 952_837
    for typ in DERIVED_TYPES:
        a = report.rows[(typ, "complete")]
        assert a.only_official == a.only_recomputed == 0, typ
        assert (a.within == a.compared) if typ == "CO_24h" else a.exact_share > 0.9993, (typ, a)
    reasons = report.reasons()
    assert sum(reasons.values()) == 16_266 and reasons["co_unrounded"] == 14_187
    assert sum(n for r, n in reasons.items() if r not in ARCHIVE) == 9


def test_january_same_files_back(january):
    files, out, report = january
    assert sorted(p.name for p in out.iterdir()) == [f.name for f in files]
    assert report.files == [f.name for f in files]


@pytest.mark.parametrize("which", ["january", "changzhi"])
def test_complete_windows(which, request):
    report = request.getfixturevalue(which)[-1]
    for typ in DERIVED_TYPES:
        a = report.rows[(typ, "complete")]
        assert a.compared > 20_000, typ
        assert a.only_official == 0 and a.only_recomputed == 0, typ
        if typ == "AQI":
            assert a.exact == a.compared                       # 100 % of complete station-hours
        elif typ == "CO_24h":
            assert a.within == a.compared and a.exact_share > 0.97
        else:
            assert a.exact_share > 0.9995, (typ, a)            # revised hours of the live feed only
            assert a.within_share >= 0.995


def test_january_exact_counts(january):
    report = january[-1]
    assert report.rows[("AQI", "complete")].compared == 922_311
    assert report.rows[("PM2.5_24h", "complete")].compared - report.rows[("PM2.5_24h", "complete")].exact == 1
    assert report.rows[("SO2_24h", "complete")].exact == report.rows[("SO2_24h", "complete")].compared
    assert report.rows[("O3_24h", "complete")].exact == report.rows[("O3_24h", "complete")].compared


def test_incomplete_windows_are_reported_apart(january):
    report = january[-1]
    for typ in DERIVED_TYPES:
        a = report.rows[(typ, "incomplete")]
        assert a.compared > 0 and a.within_share > 0.8, (typ, a)


def test_changzhi_year_stays_one_file(changzhi):
    out, report = changzhi
    assert [p.name for p in out.iterdir()] == ["changzhi_sites_2019_hourly.csv"]
    assert report.rows[("AQI", "complete")].compared == 40_009


def test_hourly_aqi_table_equals_the_engine_case(data_dir, con):
    """The feed's AQI row (IAQI tables over the grid in memory) is the Ibis CASE expression's
    (the form the store's statistics run in the engine), on every station-hour of January."""
    import ibis
    import numpy as np

    from lantian.measurements import aqi as vaqi
    from lantian.measurements.arith import to_units
    from lantian.measurements.feed import AQI_ITEMS, POLLUTANT, grid_table, hourly_aqi
    from lantian.measurements.readers.cnemc import MISSING

    feed = load_feed(sorted((data_dir / "cnemc" / "2019-01").glob("china_sites_*.csv.gz"))[:3])
    g = ibis.memtable(grid_table(feed))
    r = {typ: to_units(g[POLLUTANT[typ]], 1 if typ == "CO" else 0) for typ in AQI_ITEMS}
    i = [vaqi.iaqi(r[typ], item, fallback=ibis.literal(200, "int64")) for typ, item in AQI_ITEMS.items()]
    aqi = ibis.ifelse(r["PM2.5"].isnull() & r["PM10"].isnull(), vaqi.NULL_INT, vaqi.max_ignoring_null(i))
    want = con.to_pyarrow(g.select("s", "t", aqi=aqi.fill_null(MISSING)).order_by(["s", "t"])).column("aqi")
    got = hourly_aqi(feed)
    assert np.array_equal(got.reshape(-1), want.to_numpy())
    assert (got != MISSING).sum() > 100_000
