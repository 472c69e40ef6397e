"""The station registry on real files, on SQLite and on PostgreSQL (never skipped: PostgreSQL down = fail)."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from lantian import db
from lantian.errors import InputError, UsageError
from lantian.measurements import stations as st

from databases import PG, fresh_database  # noqa: E402  (tests/ is on the path via conftest)
KINDS = ["sqlite", "postgresql"]
URBAN = ["1727A", "1728A", "1729A", "1730A", "1731A", "2845A"]
COUNTY_OF = {**{c: ("140403", "潞州区") for c in URBAN}, "3568A": ("140404", "上党区"),
             "3569A": ("140405", "屯留区"), "3570A": ("140406", "潞城区")}
NO_COORDINATES = {"1045A", "1202A", "1254A", "1347A", "2172A", "2184A", "2302A", "2592A", "2666A", "3019A"}
BJ = db.BEIJING


@pytest.fixture(scope="module")
def paths(data_dir):
    return {
        "utf8": data_dir / "cnemc" / "stations" / "NewSiteList_utf8.csv",
        "gbk": data_dir / "cnemc" / "stations" / "NewSiteList_gbk_original.csv",
        "shanxi": data_dir / "cnemc" / "stations" / "shanxi_stations.csv",
        "changzhi": data_dir / "cnemc" / "changzhi" / "changzhi_stations.csv",
        "boundaries": data_dir / "boundaries" / "140400_full.json",
    }


@pytest.fixture(scope="module", params=KINDS)
def national(request, tmp_path_factory, paths):
    """The national list (UTF-8) with Changzhi's boundaries, imported once per engine; read-only tests."""
    with fresh_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        summary = st.import_stations(url, paths["utf8"], boundaries=paths["boundaries"])
        yield url, summary


@pytest.fixture(params=KINDS)
def url(request, tmp_path):
    with fresh_database(request.param, tmp_path) as u:
        yield u


@pytest.fixture
def changzhi(url, paths):
    """A fresh registry with the 9 Changzhi stations and Changzhi's counties and zones."""
    st.import_stations(url, paths["changzhi"], boundaries=paths["boundaries"])
    return url


def version_count(url) -> int:
    with db.session(url) as s:
        return s.scalar(sa.select(sa.func.count()).select_from(st.StationVersion))


def registry(url) -> dict:
    """The registry's content, without bookkeeping (when recorded, from which file)."""
    out = {}
    for r in st.list_stations(url, include_stopped=True):
        d = dataclasses.asdict(r)
        for k in ("recorded_at", "reason", "source"):
            d.pop(k)
        out[r.code] = d
    return out


def edited_copy(src, dst, code, **cells):
    """``src`` with the row of ``code`` changed (cells by header name), written to ``dst`` as UTF-8."""
    lines = src.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    for i, line in enumerate(lines):
        cols = line.split(",")
        if cols[0] == code:
            for name, value in cells.items():
                cols[header.index(name)] = value
            lines[i] = ",".join(cols)
    dst.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dst


# ------------------------------------------------------------------ the national list
def test_national_list_imports_2026_stations(national):
    url, summary = national
    assert (summary.rows, summary.added, summary.updated, summary.unchanged) == (2026, 2026, 0, 0)
    assert summary.encoding == "utf-8"
    assert (summary.assigned_by_polygon, summary.assigned_explicitly, summary.unassigned) == (9, 0, 2017)
    assert len(summary.problems) == 10 and all("no coordinates" in p for p in summary.problems)
    rows = {r.code: r for r in st.list_stations(url)}
    assert len(rows) == 2026
    assert sum(r.control_point for r in rows.values()) == 250
    first = rows["1001A"]
    assert (first.name, first.city, first.lon, first.lat, first.province, first.prefecture) == (
        "万寿西宫", "北京", 116.3621, 39.8784, "北京市", "北京市")
    assert rows["1002A"].control_point and not first.control_point
    assert {c for c, r in rows.items() if r.lon is None} == NO_COORDINATES
    assert rows["1045A"].lat is None and rows["1045A"].assignment == "none" and rows["1045A"].county_code is None
    assert first.valid_from is None and first.valid_to is None and first.status == "active"


def test_national_list_assigns_changzhi_stations_to_their_counties(national):
    url, _ = national
    rows = {r.code: r for r in st.list_stations(url)}
    assigned = {c: (r.unit_code, r.unit_name) for c, r in rows.items() if r.assignment != "none"}
    assert assigned == COUNTY_OF
    assert rows["3569A"].county_name == "屯留区" and rows["3570A"].county_name == "潞城区"
    assert [r.code for r in st.list_stations(url, county="140403")] == URBAN
    assert [r.code for r in st.list_stations(url, county="屯留区")] == ["3569A"]
    assert st.list_stations(url, county="140431") == []


def test_admin_units_loaded_from_the_geojson(national):
    url, _ = national
    units = st.list_units(url)
    assert ("140400", "长治市", "city", None, False) in units
    counties = st.list_units(url, level="county")
    assert len(counties) == 12 and all(u[3] == "140400" and u[4] for u in counties)
    assert st.list_units(url, level="zone") == [("140400-gaoxin", "高新区", "zone", "140400", False),
                                               ("140400-jingkai", "经开区", "zone", "140400", False)]


def test_gbk_original_gives_the_identical_registry(national, paths, tmp_path):
    url, _ = national
    with fresh_database("sqlite", tmp_path) as other:
        summary = st.import_stations(other, paths["gbk"], boundaries=paths["boundaries"])
        assert summary.encoding == "gb18030" and summary.added == 2026
        gbk = registry(other)
    utf8 = registry(url)
    assert len(gbk) == 2026 and gbk == utf8
    assert gbk["1728A"]["name"] == "监测站"


def test_reimport_is_idempotent(national, paths):
    url, first = national
    before = version_count(url)
    for path in (paths["utf8"], paths["gbk"], paths["shanxi"]):
        again = st.import_stations(url, path)
        assert (again.added, again.updated) == (0, 0)
        assert again.unchanged == again.rows
    assert again.rows == 82                                      # shanxi_stations.csv: a subset
    assert version_count(url) == before == 2026
    assert st.history(url, "1727A")[0].valid_to is None and len(st.history(url, "1727A")) == 1


# ------------------------------------------------------------------ edits and history
def test_explicit_zone_overrides_the_polygon_and_survives_reimports(changzhi, paths, tmp_path):
    url = changzhi
    rec = st.assign_zone(url, "1731A", "140400-gaoxin", when=dt.datetime(2022, 1, 1, tzinfo=BJ), reason="高新区站")
    assert (rec.assignment, rec.unit_code, rec.unit_name) == ("explicit", "140400-gaoxin", "高新区")
    assert (rec.zone_code, rec.county_code) == ("140400-gaoxin", "140403")     # the polygon's answer is kept
    assert "1731A" not in [r.code for r in st.list_stations(url, county="140403")]
    assert [r.code for r in st.list_stations(url, county="高新区")] == ["1731A"]

    again = st.import_stations(url, paths["changzhi"], boundaries=paths["boundaries"])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 9)
    assert (again.assigned_by_polygon, again.assigned_explicitly) == (8, 1)
    assert st.station_at(url, "1731A", dt.date(2023, 1, 1)).unit_code == "140400-gaoxin"

    moved = edited_copy(paths["changzhi"], tmp_path / "moved.csv", "1731A", 经度="113.0900")
    summary = st.import_stations(url, moved, effective=dt.date(2023, 6, 1))
    assert (summary.updated, summary.unchanged) == (1, 8)
    now = st.station_at(url, "1731A", dt.date(2023, 7, 1))
    assert now.lon == 113.09 and now.assignment == "explicit" and now.unit_code == "140400-gaoxin"
    assert [v.lon for v in st.history(url, "1731A")] == [113.0844, 113.0844, 113.09]

    cleared = st.assign_zone(url, "1731A", None, when=dt.date(2024, 1, 1))
    assert (cleared.assignment, cleared.unit_code, cleared.zone_code) == ("polygon", "140403", None)
    with pytest.raises(UsageError, match="no county or zone"):
        st.assign_zone(url, "1731A", "140400-nowhere")
    with pytest.raises(UsageError, match="no county or zone"):
        st.assign_zone(url, "1731A", "140400")                    # a city is not an assignment


def test_a_moved_station_keeps_its_history(changzhi):
    url = changzhi
    moved_on = dt.date(2021, 6, 1)
    rec = st.edit_station(url, "1728A", lon=113.06, lat=36.0464, when=moved_on, reason="relocated",
                          changed_by="tester")
    assert (rec.county_code, rec.county_name) == ("140404", "上党区")
    versions = st.history(url, "1728A")
    assert len(versions) == 2
    old, new = versions
    assert old.valid_to == new.valid_from == db.to_utc(moved_on)
    assert (old.lon, old.lat, old.county_code) == (113.1031, 36.1989, "140403")
    assert (new.changed_by, new.reason) == ("tester", "relocated")
    before = st.station_at(url, "1728A", dt.datetime(2021, 5, 31, 23, 59))
    after = st.station_at(url, "1728A", dt.datetime(2021, 6, 1, 0, 0))
    assert (before.lon, before.county_code) == (113.1031, "140403")
    assert (after.lon, after.county_code) == (113.06, "140404")
    assert "1728A" in [r.code for r in st.list_stations(url, county="140403", on=dt.date(2020, 1, 1))]
    assert "1728A" not in [r.code for r in st.list_stations(url, county="140403")]
    assert [r.code for r in st.list_stations(url, county="上党区")] == ["1728A", "3568A"]
    # an edit that changes nothing makes no version; an edit before the current version is refused
    st.edit_station(url, "1728A", lon=113.06, when=dt.date(2022, 1, 1))
    assert len(st.history(url, "1728A")) == 2
    with pytest.raises(UsageError, match="before its current version"):
        st.edit_station(url, "1728A", name="监测站(旧)", when=dt.date(2020, 1, 1))
    with pytest.raises(UsageError, match="cannot edit"):
        st.edit_station(url, "1728A", county_code="140405")


def test_a_move_found_by_reimport_opens_a_new_version(changzhi, paths, tmp_path):
    url = changzhi
    moved = edited_copy(paths["changzhi"], tmp_path / "moved.csv", "3570A", 经度="113.2400", 纬度="36.3500")
    summary = st.import_stations(url, moved, effective=dt.date(2023, 1, 1))
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 8)
    assert len(st.history(url, "3570A")) == 2
    assert st.station_at(url, "3570A", dt.date(2022, 12, 31)).lon == 113.235
    assert st.station_at(url, "3570A", dt.date(2023, 1, 2)).lon == 113.24
    assert st.import_stations(url, moved).unchanged == 9              # and that is idempotent too


def test_a_stopped_station_leaves_the_active_list_but_keeps_its_history(changzhi, paths):
    url = changzhi
    st.stop_station(url, "1730A", dt.date(2022, 3, 1), reason="site demolished")
    active = [r.code for r in st.list_stations(url)]
    assert "1730A" not in active and len(active) == 8
    stopped = {r.code: r for r in st.list_stations(url, include_stopped=True)}
    assert stopped["1730A"].status == "stopped"
    assert "1730A" in [r.code for r in st.list_stations(url, on=dt.date(2022, 2, 28))]
    assert "1730A" not in [r.code for r in st.list_stations(url, on=dt.date(2022, 3, 2))]
    assert [v.status for v in st.history(url, "1730A")] == ["active", "stopped"]
    assert st.history(url, "1730A")[1].reason == "site demolished"
    assert st.station_at(url, "1730A", dt.date(2022, 6, 1)).status == "stopped"
    with pytest.raises(UsageError, match="already stopped"):
        st.stop_station(url, "1730A", dt.date(2022, 4, 1), reason="again")
    again = st.import_stations(url, paths["changzhi"])               # the list still has it: stays stopped
    assert again.unchanged == 9
    assert st.station_at(url, "1730A", dt.date(2024, 1, 1)).status == "stopped"
    st.edit_station(url, "1730A", status="active", when=dt.date(2024, 1, 1), reason="reopened")
    assert [v.status for v in st.history(url, "1730A")] == ["active", "stopped", "active"]


def test_add_station(changzhi):
    url = changzhi
    rec = st.add_station(url, "9001A", "新站", 113.24, 36.35, network="county", city="长治", province="山西省", prefecture="长治市",
                         when=dt.date(2024, 1, 1), reason="new site")
    assert (rec.unit_code, rec.assignment, rec.status) == ("140406", "polygon", "active")
    assert st.station_at(url, "9001A", dt.date(2023, 12, 31)) is None
    assert st.station_at(url, "9001A", dt.date(2024, 1, 2)).name == "新站"
    zoned = st.add_station(url, "9002A", "经开区站", 113.10, 36.20, network="township", zone_code="140400-jingkai")
    assert (zoned.unit_name, zoned.county_code) == ("经开区", "140403")
    with pytest.raises(UsageError, match="already exists"):
        st.add_station(url, "9001A", "again", network="national")
    with pytest.raises(st.StationNotFound):
        st.station_at(url, "0000X", dt.date(2024, 1, 1))
    with pytest.raises(st.StationNotFound):
        st.edit_station(url, "0000X", name="x")


def test_without_boundaries_stations_are_unassigned(url, paths):
    summary = st.import_stations(url, paths["changzhi"])
    assert (summary.added, summary.assigned_by_polygon, summary.unassigned) == (9, 0, 9)
    # boundaries given later: the same file now assigns every station (new versions)
    later = st.import_stations(url, paths["changzhi"], boundaries=paths["boundaries"], effective=dt.date(2024, 1, 1))
    assert (later.updated, later.assigned_by_polygon) == (9, 9)
    assert st.station_at(url, "3569A", dt.date(2024, 1, 2)).county_code == "140405"
    assert st.station_at(url, "3569A", dt.date(2023, 1, 1)).county_code is None


# ------------------------------------------------------------------ bad input
def test_missing_column_is_refused_at_line_1(url, paths, tmp_path):
    bad = tmp_path / "stations.csv"
    bad.write_text("监测点编码,监测点名称,城市,经度,对照点,省级行政区,地级行政区\n1727A,清华站,长治,113.1,N,山西省,长治市\n",
                   encoding="utf-8")
    with pytest.raises(InputError) as exc:
        st.import_stations(url, bad)
    err = exc.value
    assert (err.line, err.column) == (1, "纬度")
    assert "stations.csv" in str(err) and "line 1" in str(err) and "纬度" in str(err)


def test_malformed_coordinate_is_refused_and_nothing_is_written(changzhi, paths, tmp_path):
    url = changzhi
    bad = edited_copy(paths["changzhi"], tmp_path / "bad.csv", "1730A", 纬度="36.21x")
    before = registry(url), version_count(url)
    with pytest.raises(InputError) as exc:
        st.import_stations(url, bad)
    assert (exc.value.line, exc.value.column) == (5, "纬度") and "36.21x" in str(exc.value)
    bad2 = edited_copy(paths["changzhi"], tmp_path / "bad2.csv", "3570A", 经度="213.235")
    with pytest.raises(InputError) as exc:
        st.import_stations(url, bad2)
    assert (exc.value.line, exc.value.column) == (10, "经度")
    assert (registry(url), version_count(url)) == before


def test_dash_coordinates_are_unknown(url, paths, tmp_path):
    dashed = edited_copy(paths["changzhi"], tmp_path / "dashed.csv", "2845A", 经度="-", 纬度="-")
    summary = st.import_stations(url, dashed, boundaries=paths["boundaries"])
    assert summary.unassigned == 1 and summary.assigned_by_polygon == 8
    assert summary.problems == ["dashed.csv, line 7: station 2845A has no coordinates (stored as unknown, no county)"]
    rec = st.station_at(url, "2845A", dt.date(2024, 1, 1))
    assert (rec.lon, rec.lat, rec.county_code, rec.assignment) == (None, None, None, "none")


def test_other_bad_rows(url, tmp_path):
    header = "监测点编码,监测点名称,城市,经度,纬度,对照点,省级行政区,地级行政区\n"
    cases = {
        "dup.csv": (header + "1A,a,c,113,36,N,p,q\n1A,b,c,113,36,N,p,q\n", 3, "监测点编码", "twice"),
        "flag.csv": (header + "1A,a,c,113,36,maybe,p,q\n", 2, "对照点", "control-point"),
        "noname.csv": (header + "1A,,c,113,36,N,p,q\n", 2, "监测点名称", "no name"),
    }
    for name, (text, line, column, words) in cases.items():
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        with pytest.raises(InputError) as exc:
            st.import_stations(url, p)
        assert (exc.value.line, exc.value.column) == (line, column) and words in str(exc.value), name
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x81\x30\xff\xfe garbage")
    with pytest.raises(InputError, match="UTF-8 or GBK"):
        st.import_stations(url, junk)
