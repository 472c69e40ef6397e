"""The city dashboard service on a real store (Changzhi 2019) and the real registry with its counties."""
from __future__ import annotations

import dataclasses
import json
import time
from datetime import date

import pytest

from lantian import db
from lantian.measurements import stations as registry
from lantian.measurements.importer import import_files
from lantian.measurements.series import area_daily, station_daily
from lantian.measurements.store import Store
from lantian.monitoring import clear_cache, dashboard
from lantian.standards.aqi import category

AS_OF = date(2023, 6, 30)
LUZHOU = "140403"
URBAN = ["1727A", "1728A", "1730A", "1731A", "2845A"]      # 潞州区's evaluation stations; 1729A is 对照点


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, data_dir):
    root = tmp_path_factory.mktemp("dashboard")
    import_files(root / "measurements", "cnemc", [data_dir / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"])
    url = f"sqlite:///{root / 'lantian.sqlite3'}"
    registry.import_stations(url, data_dir / "cnemc" / "changzhi" / "changzhi_stations.csv",
                             boundaries=data_dir / "boundaries" / "140400_full.json")
    stations = registry.list_stations(url)
    db.dispose_engines(url)
    return Store(root / "measurements"), stations


@pytest.fixture(scope="module")
def city(workspace, con):
    store, stations = workspace
    clear_cache()
    t0 = time.perf_counter()
    first = dashboard(store, stations, None, con, as_of=AS_OF)
    return first, time.perf_counter() - t0


def test_latest_day_with_data_when_the_clock_is_past_it(city):
    d, _ = city
    assert (d["date"], d["previous"], d["latest"], d["first"]) == ("2019-12-31", "2019-12-30", "2019-12-31",
                                                                   "2019-01-01")
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d          # JSON-serialisable as is


def test_as_of_limits_the_latest_day(workspace, con):
    store, stations = workspace
    d = dashboard(store, stations, None, con, as_of=date(2019, 6, 15))
    assert d["date"] == d["latest"] == "2019-06-15"


def test_registry_counties_and_control_point(city):
    d, _ = city
    assert [c["code"] for c in d["counties"]] == ["140403", "140404", "140405", "140406"]
    luzhou = d["counties"][0]
    assert (luzhou["name"], luzhou["n_stations"]) == ("潞州区", 5)              # 1729A not counted
    by_code = {s["code"]: s for s in d["stations"]}
    assert len(by_code) == 9 and by_code["1729A"]["control_point"] is True
    assert by_code["1727A"]["county_code"] == LUZHOU and by_code["1727A"]["county_name"] == "潞州区"
    assert "对照点" in d["rule"] and "HJ 633—2012" in d["rule"] and d["ruleset"] == "2012"


def test_station_aqi_equals_station_daily(workspace, con):
    store, stations = workspace
    day = date(2019, 1, 15)
    ref = station_daily(store, ["1727A"], day, day, con).table.to_pylist()[0]
    d = dashboard(store, stations, day, con, as_of=AS_OF)
    row = next(s for s in d["stations"] if s["code"] == "1727A")
    assert row["aqi"] == ref["AQI"] is not None
    assert row["primary"] == ref["primary"] and row["pm25"] == ref["PM2_5"]
    cat = category(ref["AQI"], 2012)
    assert (row["level"], row["category"], row["colour"]) == (cat.level, cat.name, cat.hex)
    prev = station_daily(store, ["1727A"], date(2019, 1, 14), date(2019, 1, 14), con).table.to_pylist()[0]
    assert row["aqi_previous"] == prev["AQI"]


def test_county_equals_area_daily_every_day(workspace, con):
    """The dashboard's one-query county values are area_daily's, on every day of the year."""
    store, stations = workspace
    ref = area_daily(store, URBAN, date(2019, 1, 1), date(2019, 12, 31), con)
    assert ref.method == "mean_of_station_daily_values"
    expected = dict(zip(ref.table.column("date").to_pylist(), ref.table.column("AQI").to_pylist()))
    d = dashboard(store, stations, date(2019, 12, 31), con, as_of=AS_OF)
    assert d["method"] == ref.method
    # the 30-day series, then every day through the cache
    assert d["series"]["counties"][LUZHOU] == [expected[date.fromisoformat(x)] for x in d["series"]["dates"]]
    for day, value in expected.items():
        got = dashboard(store, stations, day, con, as_of=AS_OF)
        luzhou = next(c for c in got["counties"] if c["code"] == LUZHOU)
        assert luzhou["aqi"] == value, day
    primary = dict(zip(ref.table.column("date").to_pylist(), ref.table.column("primary").to_pylist()))
    assert next(c for c in d["counties"] if c["code"] == LUZHOU)["primary"] == primary[date(2019, 12, 31)]


def test_series_is_thirty_days_ending_at_the_day(city):
    d, _ = city
    dates = d["series"]["dates"]
    assert len(dates) == 30 and dates[-1] == d["date"] and dates[0] == "2019-12-02"
    assert set(d["series"]["counties"]) == {c["code"] for c in d["counties"]}
    assert all(len(v) == 30 for v in d["series"]["counties"].values())
    assert d["series"]["counties"][LUZHOU][-1] == d["counties"][0]["aqi"]


def test_scope_one_county_only(workspace, con):
    store, stations = workspace
    mine = [s for s in stations if s.unit_code == LUZHOU]
    d = dashboard(store, mine, None, con, as_of=AS_OF)
    assert [c["code"] for c in d["counties"]] == [LUZHOU]
    assert {s["code"] for s in d["stations"]} == set(URBAN) | {"1729A"}
    assert set(d["series"]["counties"]) == {LUZHOU}
    full = dashboard(store, stations, None, con, as_of=AS_OF)
    assert d["counties"][0] == full["counties"][0]                     # same value, whoever asks


def test_county_without_data_is_listed_with_nulls(workspace, con):
    store, stations = workspace
    d = dashboard(store, [s for s in stations if s.unit_code == "140404"], None, con, as_of=AS_OF)
    assert d["latest"] is None and d["first"] is None and d["date"] == AS_OF.isoformat()
    (c,) = d["counties"]
    assert (c["code"], c["name"], c["aqi"], c["level"], c["n_stations"]) == ("140404", "上党区", None, None, 1)
    assert c["category"] == "无数据"


def test_zone_assignment_and_empty_scope(workspace, con):
    """A station assigned to a zone counts for the zone; a zone of one station has that station's AQI."""
    store, stations = workspace
    moved = [dataclasses.replace(s, unit_code="140400-gaoxin", unit_name="高新区") if s.code == "2845A" else s
             for s in stations if s.unit_code == LUZHOU]
    d = dashboard(store, moved, date(2019, 3, 1), con, as_of=AS_OF)
    zone = next(c for c in d["counties"] if c["code"] == "140400-gaoxin")
    station = next(s for s in d["stations"] if s["code"] == "2845A")
    assert zone["n_stations"] == 1 and zone["aqi"] == station["aqi"] is not None
    assert next(c for c in d["counties"] if c["code"] == LUZHOU)["n_stations"] == 4
    empty = dashboard(store, [], None, con, as_of=AS_OF)
    assert empty["stations"] == [] and empty["counties"] == [] and empty["latest"] is None


@pytest.mark.parametrize("day", [date(2020, 6, 1), date(2018, 12, 31)])
def test_day_without_data_gives_nulls(workspace, con, day):
    store, stations = workspace
    d = dashboard(store, stations, day, con, as_of=AS_OF)
    assert d["date"] == day.isoformat() and d["latest"] == "2019-12-31"
    assert all(s["aqi"] is None and s["category"] == "无数据" for s in d["stations"])
    assert all(c["aqi"] is None for c in d["counties"])
    assert len(d["counties"]) == 4


def test_cached_call_is_fast(workspace, con, city):
    store, stations = workspace
    _, first = city
    times = []
    for day in (None, date(2019, 1, 15), date(2019, 7, 1)):
        t0 = time.perf_counter()
        dashboard(store, stations, day, con, as_of=AS_OF)
        times.append(time.perf_counter() - t0)
    print(f"dashboard first call {first * 1000:.0f} ms, cached {max(times) * 1000:.1f} ms")
    assert max(times) < 0.1


def test_new_import_is_not_served_from_the_stale_cache(tmp_path, data_dir, con):
    """The cache key holds the manifest version: data imported later shows at once."""
    src = data_dir / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"
    head = tmp_path / "head.csv"
    with open(src, encoding="utf-8") as fh, open(head, "w", encoding="utf-8") as out:
        for i, line in enumerate(fh):
            if i and "20190201" in line:
                break
            out.write(line)
    store = Store(tmp_path / "measurements")
    st = [registry.StationRecord("1727A", "清华站", None, None, None, False, "national", None, None, "140403",
                                 "潞州区", None, None, "140403", "潞州区", "polygon", "active", None)]
    import_files(store.root, "cnemc", [head])
    assert dashboard(store, st, None, con, as_of=AS_OF)["latest"] == "2019-01-31"
    import_files(store.root, "cnemc", [src])
    assert dashboard(store, st, None, con, as_of=AS_OF)["latest"] == "2019-12-31"
