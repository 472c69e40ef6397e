"""Station networks: which stations make an official figure, day by day — on SQLite and PostgreSQL.

The proofs of issue 19 part 2: the same workspace with and without a township station gives the same
city and county figures; a station's upgrade changes the figures from its date on only. The township
station's readings are 1727A's, doubled (high), imported through the documented wide-table format.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict

import pytest
from typer.testing import CliRunner

from databases import KINDS, fresh_database
from lantian import audit, db
from lantian.accounts.scope import Scope
from lantian.assessment import service
from lantian.assessment.networks import DEFAULT_RULE, network_rule, official_stations, province_cities
from lantian.assessment.statistics import area_daily_units
from lantian.errors import InputError, UsageError
from lantian.measurements import stations as registry
from lantian.measurements.importer import import_files
from lantian.measurements.store import Store
from lantian.standards import period as ref

CITY_CODE = "140400"                       # the city the test workspace's boundaries bring (长治市)

LUZHOU = "140403"
NATIONAL_LUZHOU = ["1727A", "1728A", "1730A", "1731A", "2845A"]          # 1729A is the 对照点
TOWNSHIP = "9101A"
JANUARY = ref.month(2019, 1)
UPGRADE = dt.date(2019, 1, 16)


@pytest.fixture(scope="module")
def store(tmp_path_factory, data_dir):
    """Changzhi's 2019 national hours, and a township station's high readings (1727A's, doubled) for
    January–February 2019 as an office's wide CSV — one store for both databases."""
    root = tmp_path_factory.mktemp("networks-store")
    import_files(root / "measurements", "cnemc", [data_dir / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"])
    store = Store(root / "measurements")
    hours = store.hourly(stations=["1727A"], start=dt.datetime(2019, 1, 1, 1), end=dt.datetime(2019, 3, 1, 0))
    wide: dict = defaultdict(dict)
    for r in hours.table.select(["time", "pollutant", "value"]).to_pylist():
        wide[r["time"]][r["pollutant"]] = r["value"] * 2
    path = root / "township.csv"
    columns = ["PM2_5", "PM10", "SO2", "NO2", "CO", "O3"]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["station", "time", "PM2.5", "PM10", "SO2", "NO2", "CO(mg/m3)", "O3"])
        for t in sorted(wide):
            w.writerow([TOWNSHIP, f"{t:%Y-%m-%d %H:%M}", *[_cell(wide[t].get(c)) for c in columns]])
    return store, path


def _cell(v):
    return "" if v is None else f"{v:g}"


@pytest.fixture(params=KINDS)
def url(request, tmp_path, data_dir):
    """A registry with Changzhi's national stations in their counties, on each database."""
    with fresh_database(request.param, tmp_path) as u:
        registry.import_stations(u, data_dir / "cnemc" / "changzhi" / "changzhi_stations.csv",
                                 boundaries=data_dir / "boundaries" / "140400_full.json", changed_by="test")
        yield u


def figures(url, store, con, config=None) -> dict:
    """The official figures of January 2019 (and the year to date on 31 January): the county ranking
    rows and the progress rows of the city and the counties."""
    office = Scope.office(url, "test")
    ranked = service.ranking(office, store, con, JANUARY, config=config)
    rows, _ = service.progress_rows(office, store, con, dt.date(2019, 1, 31), config=config)
    keep = ("unit", "rank", "composite_index", "pm25", "pm10", "good_ratio", "valid_days")
    return {"ranking": [{k: r[k] for k in keep} for r in ranked],
            "progress": [(p.unit, p.pm25, p.good_days, p.good_ratio, p.valid_days) for p in rows]}


def add_township(url):
    """The office registers its township station (it measures since 1 January 2019)."""
    return registry.add_station(url, TOWNSHIP, "西街乡镇站", 113.1197, 36.1597, network="township",
                                city="长治", province="山西省", prefecture="长治市", when=dt.date(2019, 1, 1),
                                changed_by="test", reason="乡镇站建成")


@pytest.fixture(scope="module")
def township_store(store, tmp_path_factory):
    """The same store with the township station's readings imported."""
    import shutil
    s, path = store
    root = tmp_path_factory.mktemp("networks-township") / "measurements"
    shutil.copytree(s.root, root)
    import_files(root, "wide", [path], source="township")
    return Store(root)


# --------------------------------------------------------------------------- the rule
def test_default_rule_city_national_county_its_national_points(url):
    m = official_stations(url, {})
    assert m.units[CITY_CODE] == sorted(NATIONAL_LUZHOU + ["3568A", "3569A", "3570A"])   # no 对照点
    assert m.units[LUZHOU] == NATIONAL_LUZHOU and m.units["140404"] == ["3568A"]
    assert m.names[LUZHOU] == "潞州区" and m.levels[CITY_CODE] == "city"
    text = m.describe(LUZHOU, JANUARY.start, JANUARY.end)
    assert text.startswith("1727A 清华站（国控）、1728A 监测站（国控）") and "1729A" not in text
    assert m.rule == DEFAULT_RULE and "县控" in m.rule.describe()


def test_the_rule_is_a_setting_with_named_errors():
    rule = network_rule({"assessment": {"networks": {"city": ["国控", "省控"], "county": ["county"],
                                                     "county_fallback": []}}})
    assert rule.city == ("national", "provincial") and rule.county_fallback == ()
    with pytest.raises(UsageError, match=r"\[assessment.networks\] city: '国家队' is not a network"):
        network_rule({"assessment": {"networks": {"city": ["国家队"]}}})
    with pytest.raises(UsageError, match="has no setting counties"):
        network_rule({"assessment": {"networks": {"counties": ["county"]}}})
    with pytest.raises(UsageError, match="must each name at least one network"):
        network_rule({"assessment": {"networks": {"city": []}}})


# --------------------------------------------------------------------------- the proofs
def test_a_township_station_changes_no_official_figure(url, store, township_store, con):
    """Same workspace, with and without a township station with high readings: the same city and
    county figures — while a figure that took the station in would change (the data is there)."""
    without = figures(url, store[0], con)
    add_township(url)
    s = township_store
    with_it = figures(url, s, con)
    assert with_it == without
    m = official_stations(url, {})
    assert TOWNSHIP not in m.units[LUZHOU] and TOWNSHIP not in m.units[CITY_CODE]
    naive = area_daily_units(s, {LUZHOU: NATIONAL_LUZHOU + [TOWNSHIP]}, JANUARY.start, JANUARY.end, con).table
    official = area_daily_units(s, m.only([LUZHOU]), JANUARY.start, JANUARY.end, con).table
    assert naive.column("PM2_5").to_pylist() != official.column("PM2_5").to_pylist()
    # the setting can name the network: then, and only then, it counts
    config = {"assessment": {"networks": {"county": ["township"], "county_fallback": ["national"]}}}
    ranked = service.ranking(Scope.office(url, "test"), s, con, JANUARY, config=config)
    assert next(r for r in ranked if r["unit"] == LUZHOU)["pm25"] > \
        next(r for r in without["ranking"] if r["unit"] == LUZHOU)["pm25"]


def test_an_upgrade_changes_the_figures_from_its_date_on_only(url, store, township_store, con):
    s = township_store
    add_township(url)
    before = area_daily_units(s, official_stations(url, {}), JANUARY.start, JANUARY.end, con).table.to_pylist()
    registry.edit_station(url, TOWNSHIP, network="county", when=UPGRADE, reason="升级为县控点", changed_by="test")
    m = official_stations(url, {})
    assert m.on(UPGRADE - dt.timedelta(days=1))[LUZHOU] == NATIONAL_LUZHOU
    assert m.on(UPGRADE)[LUZHOU] == [TOWNSHIP]                      # a county point: the county's only one
    assert TOWNSHIP not in m.on(UPGRADE)[CITY_CODE]                  # 县控 never makes the city's figure
    assert m.used(LUZHOU, JANUARY.start, JANUARY.end)[-1] == \
        {"code": TOWNSHIP, "name": "西街乡镇站", "network": "county", "network_name": "县控", "from": "2019-01-16",
         "to": None}
    after = area_daily_units(s, m, JANUARY.start, JANUARY.end, con).table.to_pylist()
    key = lambda rows, unit: {r["date"]: (r["PM2_5"], r["AQI"]) for r in rows if r["unit"] == unit}
    old, new = key(before, LUZHOU), key(after, LUZHOU)
    own = key(area_daily_units(s, {"x": [TOWNSHIP]}, JANUARY.start, JANUARY.end, con).table.to_pylist(), "x")
    for day in old:
        assert new[day] == (old[day] if day < UPGRADE else own[day]), day
    assert any(old[d] != new[d] for d in old if d >= UPGRADE)        # the upgrade did change those days
    assert key(before, CITY_CODE) == key(after, CITY_CODE)
    # the history and the audit log keep the upgrade
    history = registry.history(url, TOWNSHIP)
    assert [(v.network, v.reason) for v in history] == [("township", "乡镇站建成"), ("county", "升级为县控点")]
    with db.session(url) as ss:
        entries = [e for e in audit.entries(ss, entity="station").entries if e.entity_id == TOWNSHIP]
    assert {e.action for e in entries} == {"add", "edit"}
    edit = next(e for e in entries if e.action == "edit")
    assert json.loads(edit.before) == {"network": "township"} and json.loads(edit.after)["network"] == "county"


def test_a_county_ranking_and_progress_name_their_stations(url, store, con):
    s, _ = store
    office = Scope.office(url, "test")
    rows = {r["unit"]: r for r in service.ranking(office, s, con, JANUARY, config={})}
    lz = rows[LUZHOU]
    assert [x["code"] for x in lz["stations"]] == NATIONAL_LUZHOU and "1729A" not in lz["stations_text"]
    assert (lz["days"], lz["last_day"], lz["complete"]) == (31, "2019-01-31", True)
    assert rows["140404"]["rank"] is None and rows["140404"]["stations_text"].startswith("3568A")
    assert rows["140404"]["coverage_text"] == "1月1日—1月31日无有效监测数据"


def test_province_cities_take_the_national_points_only(url):
    add_township(url)
    cities = province_cities(url, {}, "山西省")
    assert cities.units == {"长治市": sorted(NATIONAL_LUZHOU + ["3568A", "3569A", "3570A"])}


# --------------------------------------------------------------------------- the registry
def test_registry_file_names_the_network(url, tmp_path):
    good = tmp_path / "own.csv"
    good.write_text("监测点编码,监测点名称,城市,经度,纬度,对照点,省级行政区,地级行政区,站点类别\n"
                    "9201A,西街,长治,113.12,36.16,N,山西省,长治市,乡镇\n"
                    "9202A,南垂,长治,113.13,36.17,N,山西省,长治市,county\n"
                    "9203A,微站1,长治,113.14,36.18,N,山西省,长治市,小型站\n", encoding="utf-8")
    summary = registry.import_stations(url, good, changed_by="test")
    assert summary.added == 3
    got = {r.code: r.network for r in registry.list_stations(url) if r.code.startswith("92")}
    assert got == {"9201A": "township", "9202A": "county", "9203A": "sensor"}
    assert registry.station_at(url, "1727A", dt.date(2019, 1, 1)).network == "national"   # CNEMC list
    bad = tmp_path / "bad.csv"
    bad.write_text(good.read_text(encoding="utf-8").replace(",county\n", ",县城站\n"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        registry.import_stations(url, bad)
    assert info.value.line == 3 and info.value.column == "站点类别" and "国控/national" in str(info.value)
    with pytest.raises(UsageError, match="network '省级' is not one of"):
        registry.edit_station(url, "9201A", network="省级")


def test_cli_add_since_edit_network_and_list(tmp_path, data_dir):
    from lantian.cli import app
    runner = CliRunner()
    ws = str(tmp_path / "ws")
    assert runner.invoke(app, ["init", ws]).exit_code == 0
    r = runner.invoke(app, ["import", "stations", str(data_dir / "cnemc" / "changzhi" / "changzhi_stations.csv"),
                            "--boundaries", str(data_dir / "boundaries" / "140400_full.json"), "-w", ws])
    assert r.exit_code == 0, r.output
    no_network = runner.invoke(app, ["stations", "add", "9101A", "西街乡镇站", "--lon", "113.1197", "--lat", "36.1597",
                                     "-w", ws])
    assert no_network.exit_code == 2 and "--network" in no_network.output
    r = runner.invoke(app, ["stations", "add", "9101A", "西街乡镇站", "--lon", "113.1197", "--lat", "36.1597",
                            "--network", "乡镇", "--since", "2019-01-01", "-w", ws])
    assert r.exit_code == 0 and "(乡镇 township) → 潞州区 (polygon), from 2019-01-01" in r.output, r.output
    r = runner.invoke(app, ["stations", "edit", "9101A", "--network", "county", "--when", "2019-06-01",
                            "--reason", "升级", "-w", ws])
    assert r.exit_code == 0 and "(县控 county)" in r.output and "from 2019-06-01" in r.output, r.output
    bad = runner.invoke(app, ["stations", "edit", "9101A", "--network", "国家队", "-w", ws])
    assert bad.exit_code == 2 and "is not one of" in bad.output
    listed = json.loads(runner.invoke(app, ["stations", "list", "--on", "2019-03-01", "--json", "-w", ws]).output)
    assert {x["code"]: x["network"] for x in listed}["9101A"] == "township"
    assert {x["code"]: x["network"] for x in listed}["1727A"] == "national"
