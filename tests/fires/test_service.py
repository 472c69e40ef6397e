"""The fire-point room on both databases: the real FIRMS files placed in Changzhi's counties (counts
computed here independently), de-duplication across files, satellites and passes, dispatch and
escalation against the as-of moment, findings and scope, statistics, the key time slots, straw
utilisation, the task-15 indicator, the schema."""
from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import math
from fractions import Fraction

import pytest
import sqlalchemy as sa

from databases import fresh_database
from lantian import audit, db
from lantian.accounts.scope import Scope
from lantian.accounts.service import Principal
from lantian.errors import Forbidden, InputError, NotFound, UsageError
from lantian.fires import service
from lantian.fires.models import Case, Detection
from lantian.fires.settings import Window, fire_settings
from lantian.measurements import geo, stations

SUBSET = "MODIS_C6_1_NorthChina_subset_20220528-20220604.csv"
WEEK = "MODIS_C6_1_Global_7d_20220528-20220604.csv"
MESSY = "MODIS_C6_1_Global_24h_20220603-04_reformatted.csv"
AS_OF = {"workspace": {"as_of": "2023-06-30"}}
#: Aqua, 2022-05-28 05:38 UTC, the four points of the week inside Changzhi, by county
REAL = {"140428": ("35.9901", "112.88216"), "140404": ("36.10615", "113.09539"),
        "140406": ("36.30855", "113.2675"), "140405": ("36.35728", "112.92191")}


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path, data_dir):
    with fresh_database(request.param, tmp_path) as u:
        db.upgrade(u)
        stations.load_boundaries(u, data_dir / "boundaries" / "140400_full.json", changed_by="test")
        yield u


def scope_of(url, role, county=None, username=None):
    return Scope(Principal(1, username or role, role, county_code=county), url, county)


def office(url):
    return Scope.office(url, "test")


@functools.lru_cache(maxsize=None)
def inside_changzhi(path, boundary) -> tuple[tuple[str, str], ...]:
    """Independently of the service: a bounding box of the raw GeoJSON, then point in polygon."""
    features = json.loads(boundary.read_text(encoding="utf-8"))["features"]
    coords = []

    def walk(x):
        if isinstance(x[0], (int, float)):
            coords.append(x)
        else:
            for y in x:
                walk(y)
    for f in features:
        walk(f["geometry"]["coordinates"])
    x0, x1 = min(c[0] for c in coords), max(c[0] for c in coords)
    y0, y1 = min(c[1] for c in coords), max(c[1] for c in coords)
    areas = geo.parse_geojson({"type": "FeatureCollection", "features": features})
    hits = []
    with open(path, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            lon, lat = float(r["longitude"]), float(r["latitude"])
            if x0 <= lon <= x1 and y0 <= lat <= y1 and any(a.contains(lon, lat) for a in areas):
                hits.append((r["latitude"], r["longitude"]))
    return tuple(hits)


def test_real_files_inside_changzhi(url, data_dir):
    boundary = data_dir / "boundaries" / "140400_full.json"
    firms = data_dir / "firms"
    want = {name: inside_changzhi(firms / name, boundary) for name in (SUBSET, WEEK, MESSY)}
    assert {k: len(v) for k, v in want.items()} == {SUBSET: 4, WEEK: 4, MESSY: 0}
    assert sorted(want[SUBSET]) == sorted(REAL.values()) and sorted(want[WEEK]) == sorted(REAL.values())
    with db.session(url) as s:
        r = service.import_file(s, firms / SUBSET, actor="test")
    assert {k: r[k] for k in ("read", "inside_city", "outside_city", "rejected", "new_detections",
                              "merged_duplicates", "new_cases")} == \
        {"read": 779, "inside_city": 4, "outside_city": 775, "rejected": 0, "new_detections": 4,
         "merged_duplicates": 0, "new_cases": 4}
    assert r["counties"] == {code: 1 for code in REAL}
    with db.session(url) as s:
        rows = service.cases(s, office(url), config=AS_OF)
        # hand-checked: 36.10615 N 113.09539 E lies ~10 km south-south-west of Changzhi's centre, between
        # the city and 韩店 (上党区's seat, ~36.05 N 113.07 E) — 上党区
        mine = next(c for c in rows if c["county"] == "140404")
        assert (mine["lat"], mine["lon"], mine["county_name"]) == (36.10615, 113.09539, "上党区")
        assert {c["first_seen"] for c in rows} == {"2022-05-28 13:38"}          # 05:38 UTC → 13:38 Beijing
        assert {c["deadline"] for c in rows} == {"2022-05-29 13:38"}            # ⚠ 24 h
        assert {c["status"] for c in rows} == {"escalated"}                     # as of 2023-06-30
        audits = s.scalar(sa.select(sa.func.count()).select_from(audit.AuditEntry))
    # the same four detections in the 7-day global file: recognised, nothing stored; the re-saved file
    # (m/d/yyyy, times without leading zeros) is read and has none inside the city
    with db.session(url) as s:
        week = service.import_file(s, firms / WEEK, actor="test")
        again = service.import_file(s, firms / SUBSET, actor="test")
        messy = service.import_file(s, firms / MESSY, actor="test")
    assert (week["read"], week["inside_city"], week["already_imported"], week["new_detections"]) == (52377, 4, 4, 0)
    assert (again["already_imported"], again["new_cases"], again["merged_duplicates"]) == (4, 0, 0)
    assert (messy["read"], messy["inside_city"], messy["rejected"]) == (18041, 0, 0) and messy["notes"]
    with db.session(url) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Detection)) == 4
        assert s.scalar(sa.select(sa.func.count()).select_from(Case)) == 4
        assert s.scalar(sa.select(sa.func.count()).select_from(audit.AuditEntry)) == audits   # nothing changed


def _haversine(a, b) -> float:
    (la1, lo1), (la2, lo2) = [(math.radians(float(x)), math.radians(float(y))) for x, y in (a, b)]
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_merge_distance_is_a_setting(url, data_dir):
    """At 30 km the four real points chain (single linkage) into two fires; the distances computed here."""
    pts = list(REAL.values())
    d = {(i, j): _haversine(pts[i], pts[j]) for i in range(4) for j in range(i + 1, 4)}
    assert 22 < d[(0, 1)] < 30 and 22 < d[(1, 2)] < 30 and min(d[(0, 3)], d[(1, 3)], d[(2, 3)]) > 30
    config = {"fires": {"merge_distance_km": 30, "merge_hours": 0}}
    with db.session(url) as s:
        r = service.import_file(s, data_dir / "firms" / SUBSET, actor="test", config=config)
    assert (r["inside_city"], r["new_cases"], r["merged_duplicates"]) == (4, 2, 2)
    with db.session(url) as s:
        sizes = sorted(c["detections"] for c in service.cases(s, office(url), config=config))
    assert sizes == [1, 3]


def _report(s, scope, when, lat, lon, source="drone", reporter="巡查队", config=None):
    return service.add_report(s, scope, time=dt.datetime.fromisoformat(when), lat=lat, lon=lon, source=source,
                              reporter=reporter, config=config)


def test_the_same_fire_across_passes_and_reports(url, data_dir):
    with db.session(url) as s:
        service.import_file(s, data_dir / "firms" / SUBSET, actor="test")
        sc = office(url)
        # 上党区's fire (13:38) seen by a drone 0.5 km away 3 h later: the same fire
        same = _report(s, sc, "2022-05-28 16:40", "36.1100", "113.0954")
        # 2.5 km away (> 2 km ⚠), or 12 h 10 min after the last sighting (> 12 h ⚠): another fire
        far = _report(s, sc, "2022-05-28 16:40", "36.0836", "113.0954")
        later = _report(s, sc, "2022-05-29 04:50", "36.1062", "113.0954")
        repeat = _report(s, sc, "2022-05-28 16:40", "36.1100", "113.0954")      # the same report twice
    assert same["merged"] and not same["created"]
    assert far["created"] and later["created"] and repeat["already_reported"]
    with db.session(url) as s:
        c = service.case_detail(s, office(url), same["case"], AS_OF)
    assert c["county"] == "140404" and c["detections"] == 2 and c["sources"] == ["modis", "drone"]
    assert [d["time"] for d in c["detections_list"]] == ["2022-05-28 13:38", "2022-05-28 16:40"]
    assert c["first_seen"] == "2022-05-28 13:38" and c["last_seen"] == "2022-05-28 16:40"


def test_dispatch_escalation_findings_and_scope(url):
    luzhou, tunliu = scope_of(url, "county", "140403", "luzhou"), scope_of(url, "county", "140405", "tunliu")
    with db.session(url) as s:
        a = _report(s, luzhou, "2023-06-29 18:30", "36.2000", "113.1100")["case"]     # 潞州区
        b = _report(s, office(url), "2023-06-30 10:00", "36.3300", "112.9500")["case"]  # 屯留区
        with pytest.raises(Forbidden):                                                # not its county
            _report(s, luzhou, "2023-06-30 10:00", "36.3300", "112.9510")
        with pytest.raises(UsageError, match="outside the city"):
            _report(s, office(url), "2023-06-30 10:00", "39.9", "116.4")
    at = db.to_utc(dt.datetime(2023, 6, 30, 20, 0))
    with db.session(url) as s:
        status = {c["id"]: c["status"] for c in service.cases(s, office(url), at=at)}
        assert status == {a: "escalated", b: "pending"}             # deadlines 06-30 18:30 and 07-01 10:00
        assert [c["id"] for c in service.cases(s, luzhou, at=at)] == [a]
        assert [c["id"] for c in service.cases(s, office(url), status="escalated", at=at)] == [a]
        assert service.cases(s, scope_of(url, "enterprise", "140403"), at=at) == []
        for who in (tunliu, scope_of(url, "enterprise", "140403")):
            with pytest.raises(NotFound):
                service.case_detail(s, who, a, at=at)
            with pytest.raises(NotFound):
                service.record_finding(s, who, a, "straw")
        with pytest.raises(NotFound):
            service.statistics(s, scope_of(url, "enterprise", "140403"), 2023)
        for role in ("department", "viewer"):
            assert service.case_detail(s, scope_of(url, role), a, at=at)["may_act"] is False
            with pytest.raises(Forbidden):
                service.record_finding(s, scope_of(url, role), a, "straw")
        with pytest.raises(UsageError, match="finding '烧烤'"):
            service.record_finding(s, luzhou, a, "烧烤")
        with pytest.raises(UsageError, match="both lat and lon"):
            service.record_finding(s, luzhou, a, "straw", lat="36.2")
        r = service.record_finding(s, luzhou, a, "秸秆焚烧", note="麦茬", lat="36.20012", lon="113.11005", by="张三",
                                   at=dt.datetime(2023, 6, 30, 19, 0))
        assert r == {"id": a, "status": "verified", "finding": "straw", "finding_name": "秸秆焚烧", "late": True}
        jc = scope_of(url, "inspector", None, "jiancha")
        assert service.record_finding(s, jc, b, "false_alarm", at=dt.datetime(2023, 6, 30, 15, 0))["late"] is False
    with db.session(url) as s:
        c = service.case_detail(s, luzhou, a, at=at)
        assert (c["status"], c["finding_name"], c["found_by"], c["found_at"], c["finding_lat"]) == \
            ("verified", "秸秆焚烧", "张三（luzhou）", "2023-06-30 19:00", 36.20012)
        entry = s.scalars(sa.select(audit.AuditEntry).where(audit.AuditEntry.entity == "fire_case",
                                                            audit.AuditEntry.action == "finding")
                          .order_by(audit.AuditEntry.id)).first()
        assert entry.actor == "luzhou" and entry.scope_unit == "140403" and json.loads(entry.after)["finding"] == "straw"
        assert service.case_unit(s, luzhou, str(a)) == "140403"
        with pytest.raises(NotFound):
            service.case_unit(s, tunliu, str(a))


def test_as_of_moment():
    now = db.to_utc(dt.datetime(2023, 7, 5, 12, 0))
    assert service.moment(AS_OF, now) == db.to_utc(dt.datetime(2023, 7, 1, 0, 0))    # the end of the as-of day
    assert service.moment({"workspace": {"as_of": "2023-08-01"}}, now) == now         # not after now
    assert service.moment({}, now) == now


def test_key_time_slots_are_settings():
    st = fire_settings({})
    assert (st.work_end, st.first_half_night) == (Window(1020, 1200), Window(1200, 1440))
    at = lambda text: db.to_utc(dt.datetime.fromisoformat(text))
    assert service.slots_of(at("2023-06-12 16:59"), [], st) == []
    assert service.slots_of(at("2023-06-12 17:00"), [], st) == ["收工时"]
    assert service.slots_of(at("2023-06-12 20:00"), [], st) == ["上半夜"]
    assert service.slots_of(at("2023-06-12 23:59"), [], st) == ["上半夜"]
    assert service.slots_of(at("2023-06-13 00:00"), [], st) == []
    other = fire_settings({"fires": {"work_end": "18:00-21:00", "first_half_night": "21:00-01:00"}})
    assert service.slots_of(at("2023-06-12 17:30"), [], other) == []
    assert service.slots_of(at("2023-06-13 00:30"), [], other) == ["上半夜"]        # a window past midnight
    with pytest.raises(UsageError, match=r"\[fires\] work_end must be HH:MM-HH:MM"):
        fire_settings({"fires": {"work_end": "17-20"}})
    with pytest.raises(UsageError, match="has no setting deadline"):
        fire_settings({"fires": {"deadline": 24}})


def test_statistics_slots_intensity_and_straw(url):
    sc = office(url)
    with db.session(url) as s:
        service.add_calendar(s, sc, "屯留区", "rain", dt.date(2023, 6, 13), note="中雨")
        service.add_calendar(s, sc, "140403", "sowing", dt.date(2023, 6, 25), dt.date(2023, 7, 5))
        with pytest.raises(UsageError, match="ends"):
            service.add_calendar(s, sc, "140403", "sowing", dt.date(2023, 6, 25), dt.date(2023, 6, 1))
        _report(s, sc, "2022-06-10 14:00", "36.3300", "112.9500")              # 屯留区, last year
        _report(s, sc, "2023-06-11 21:30", "36.3300", "112.9500")              # 上半夜 only: before 06-13 − 1 day
        _report(s, sc, "2023-06-12 18:10", "36.3400", "112.9000")              # 收工时 + 下雨前
        _report(s, sc, "2023-06-13 21:00", "36.2900", "112.8500")              # 上半夜 + 下雨前 (the rain day)
        fa = _report(s, sc, "2023-06-14 10:00", "36.3500", "112.8800")["case"]  # verified false alarm: not counted
        service.record_finding(s, sc, fa, "false_alarm", at=dt.datetime(2023, 6, 14, 12, 0))
        _report(s, sc, "2023-06-30 19:30", "36.2000", "113.1100")              # 潞州区: 收工时 + 播种前
        service.set_figures(s, sc, "屯留区", 2023, farmland_ha="45000", straw_produced_t="2000", straw_utilised_t="1799")
        service.set_figures(s, sc, "140403", 2023, farmland_ha="21000", straw_produced_t="1000",
                            straw_utilised_t="900")
        with pytest.raises(UsageError, match="more than produced"):
            service.set_figures(s, sc, "140403", 2023, straw_utilised_t="1001")
        st = service.statistics(s, sc, 2023, "夏收", AS_OF)
    rows = {c["county"]: c for c in st["counties"]}
    tunliu, luzhou = rows["140405"], rows["140403"]
    assert (tunliu["fires"], tunliu["previous"], tunliu["change_percent"], tunliu["excluded"]) == (3, 1, 200.0, 1)
    assert tunliu["slots"] == {"收工时": 1, "上半夜": 2, "下雨前": 2, "播种前": 0}
    assert luzhou["slots"] == {"收工时": 1, "上半夜": 0, "下雨前": 0, "播种前": 1}
    assert tunliu["per_1000_ha"] == float(round(Fraction(3 * 1000, 45000), 2)) == 0.07
    assert luzhou["per_1000_ha"] == 0.05                                       # 1000/21000 = 0.0476…
    # 1799/2000 = 89.95 %: shown 90.0 (GB/T 8170, half even), but below the 90 % target (exact comparison)
    assert tunliu["utilisation"] == {"produced_t": "2000", "utilised_t": "1799", "rate_percent": 90.0,
                                     "target_percent": 90.0, "met": False}
    assert luzhou["utilisation"]["met"] is True
    total = st["total"]
    assert (total["fires"], total["previous"]) == (4, 1)
    assert total["slots"] == {"收工时": 2, "上半夜": 2, "下雨前": 2, "播种前": 1}
    assert total["utilisation"]["rate_percent"] == float(round(Fraction(2699, 3000) * 100, 1)) == 90.0
    assert total["per_1000_ha"] is None                                       # not every county entered its area
    with db.session(url) as s:
        mine = service.statistics(s, scope_of(url, "county", "140405"), 2023, "夏收", AS_OF)
        assert [c["county"] for c in mine["counties"]] == ["140405"] and mine["total"]["fires"] == 3
        with pytest.raises(UsageError, match="season '冬季'"):
            service.statistics(s, sc, 2023, "冬季")
        with pytest.raises(Forbidden):
            service.set_figures(s, scope_of(url, "county", "140405"), "140403", 2023, farmland_ha="1")


def test_township_layer_and_confidence_filter(url, data_dir, tmp_path):
    town = tmp_path / "townships.json"
    square = [[113.08, 36.09], [113.11, 36.09], [113.11, 36.12], [113.08, 36.12], [113.08, 36.09]]
    town.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"adcode": "140404100", "name": "示例镇（合成）"},
         "geometry": {"type": "Polygon", "coordinates": [square]}}]}, ensure_ascii=False), encoding="utf-8")
    config = {"fires": {"min_confidence": "nominal"}}
    low = tmp_path / "low.csv"
    low.write_text("latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,confidence,version,"
                   "bright_t31,frp,daynight\n36.3300,112.9500,310,1,1,2022-05-29,538,A,12,6.1NRT,300,5,D\n",
                   encoding="utf-8")
    with db.session(url) as s:
        r = service.import_file(s, data_dir / "firms" / SUBSET, actor="test", townships=town, config=config)
        weak = service.import_file(s, low, actor="test", config=config)
        rows = service.cases(s, office(url))
    assert r["new_cases"] == 4
    assert {c["county"]: c["township"] for c in rows} == {"140404": "示例镇（合成）", "140405": None,
                                                         "140406": None, "140428": None}
    assert (weak["inside_city"], weak["rejected"], weak["new_cases"]) == (1, 1, 0)
    assert weak["rejected_reasons"] == {"confidence below nominal": 1}


def test_a_bad_file_stores_nothing(url, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,confidence,version,"
                 "bright_t31,frp,daynight\n36.33,112.95,310,1,1,2022-05-29,538,A,60,6.1NRT,300,5,D\n"
                 "36.33,112.96,310,1,1,2022-05-29,5:3,A,60,6.1NRT,300,5,D\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 3, column acq_time"):
        with db.session(url) as s:
            service.import_file(s, f, actor="test")
    with db.session(url) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
        r = service.import_file(s, f, actor="test", lenient=True)
    assert (r["read"], r["rejected"], r["new_cases"]) == (2, 1, 1)


def test_task_15_indicator(url):
    from lantian.plan import indicators as plan_indicators
    from lantian.fires import indicators  # noqa: F401
    ctx = lambda: plan_indicators.Context(url, None, None, dt.date(2023, 6, 30), dict(AS_OF))
    fires = plan_indicators.REGISTRY["fires"]
    assert fires.evaluate(ctx(), {"unit": "all"}).ok is None                 # no data
    with db.session(url) as s:
        case = _report(s, office(url), "2023-06-20 18:00", "36.3300", "112.9500")["case"]
        service.set_figures(s, office(url), "140405", 2022, straw_produced_t="100", straw_utilised_t="95")
    red = fires.evaluate(ctx(), {"unit": "140405"})
    assert red.ok is False and red.value == "1" and "逾期未核查火点1个" in red.detail
    with db.session(url) as s:
        service.record_finding(s, office(url), case, "straw", at=dt.datetime(2023, 6, 21, 9, 0))
    green = fires.evaluate(ctx(), {"unit": "140405"})
    assert green.ok is True and "2022年秸秆综合利用率95%" in green.detail
    with db.session(url) as s:
        service.set_figures(s, office(url), "140405", 2023, straw_produced_t="100", straw_utilised_t="89.99")
    assert fires.evaluate(ctx(), {"unit": "all"}).ok is False               # the latest year is below 90 %


def test_the_migration_matches_the_models(url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    with db.engine_for(url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.Base.metadata)
    assert [d for d in diff if "fire_" in repr(d)] == []
    assert db.current_revision(url) >= "0009"


def test_review_findings_deadline_bounds_and_malformed_files(url, tmp_path):
    """An earlier sighting moves the deadline with first_seen; absurd amounts, dates and coordinates
    and an unreadable CSV are the user's mistakes, never a crash."""
    with db.session(url) as s:
        sc = office(url)
        late = _report(s, sc, "2023-06-20 10:00", "36.2000", "113.1100")
        early = _report(s, sc, "2023-06-20 00:30", "36.2010", "113.1110")
        assert early["merged"] and early["case"] == late["case"]
        c = service.case_detail(s, sc, late["case"], AS_OF)
        assert c["first_seen"] == "2023-06-20 00:30" and c["deadline"].startswith("2023-06-21 00:30")
        for amount in ("1e999999", "1e-999999", "1.23456", "-1"):
            with pytest.raises(UsageError, match="farmland_ha"):
                service.set_figures(s, sc, "140403", 2023, farmland_ha=amount)
        for period in ("0001", "9999", "9999-12", "0001-01-01"):
            with pytest.raises(UsageError, match="period"):
                service.period_bounds(period)
        with pytest.raises(UsageError, match="lat"):
            service.record_finding(s, sc, late["case"], "straw", lat="1e999999999", lon="1")
    big = tmp_path / "big.csv"
    big.write_text("time,lat,lon,source,reporter,note\n2023-06-20 10:00,36.2,113.1,drone,x," + "x" * 200_000 + "\n",
                   encoding="utf-8")
    with db.session(url) as s, pytest.raises(InputError, match="big.csv, line 2.*not a readable CSV"):
        service.import_file(s, big, actor="test")
