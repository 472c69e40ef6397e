"""The registers' rules and named checks at their boundaries: for every task of issue 10 (1, 8, 9,
12, 13, 16, 17, 19, 24, 25, 26 and 五（二）) one case that fires and one that does not, on either
side of the boundary; every rule cites its clause; rules are data (a malformed one is refused)."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from lantian.errors import InputError
from lantian.registers import checks
from lantian.registers.kinds import registers
from lantian.registers.rules import Row, judge, load_rules
from lantian.registers.settings import DEFAULT, register_settings

RULES = load_rules()
ON = dt.date(2023, 6, 30)
D = dt.date.fromisoformat


def row(register: str, county: str | None = "140403", key: str = "k1", **values) -> Row:
    return Row(id=hash(key) % 10_000, register=register, key=key, label=key, county=county, values=values)


def fired(rule_id: str, r: Row, on: dt.date = ON) -> list:
    rule = [x for x in RULES if x.id == rule_id]
    assert rule, rule_id
    return judge([r], rule, on)


# (rule id, passing row, failing row, day): the two rows sit on either side of the rule's boundary
ROW_CASES = [
    ("two-high-approved",                                                # 任务1
     row("two_high_projects", two_high=True, stage="拟建", name="甲"),
     row("two_high_projects", two_high=True, stage="在建", name="甲"), ON),
    ("coal-project-replacement",                                         # 任务8: 替代煤量 = 耗煤量 is enough
     row("two_high_projects", coal_use=30.0, approved_on=D("2023-01-01"), replacement_source="关停", replacement_amount=30.0),
     row("two_high_projects", coal_use=30.0, approved_on=D("2023-01-01"), replacement_source="关停", replacement_amount=29.9),
     ON),
    ("heating-not-stable",                                               # 任务9
     row("heating_villages", mode="煤改电", running="稳定运行", name="东村"),
     row("heating_villages", mode="煤改电", running="不能稳定运行", name="东村"), ON),
    ("heating-heat-source-grade",                                        # 任务9: B级 passes, C级 (not ultra-low) fails
     row("heating_villages", mode="集中供热", heat_source_known=True, heat_source_grade="B", heat_source_ultra_low=False),
     row("heating_villages", mode="集中供热", heat_source_known=True, heat_source_grade="C", heat_source_ultra_low=False),
     ON),
    ("heating-coal-reburning",                                           # 任务9
     row("heating_inspections", reburning_households=0, village="V1", inspected_on=ON),
     row("heating_inspections", reburning_households=1, village="V1", inspected_on=ON), ON),
    ("fleet-new-vehicle-new-energy",                                     # 任务12: from the plan's issue date
     row("public_fleet", acquired="新增", registered_on=D("2023-06-06"), fuel="柴油", plate="A", sector="公交车"),
     row("public_fleet", acquired="新增", registered_on=D("2023-06-07"), fuel="柴油", plate="A", sector="公交车"), ON),
    ("site-six-hundred-percent",                                         # 任务13
     row("site_inspections", fence=True, cover=True, wash=True, harden=True, wet=True, sealed=True),
     row("site_inspections", fence=True, cover=True, wash=True, harden=True, wet=True, sealed=False), ON),
    ("site-video-connected",                                             # 任务13
     row("construction_sites", status="完工", video_connected=False),
     row("construction_sites", status="在建", video_connected=False), ON),
    ("bare-land-remediation",                                            # 任务13: due today is not late yet
     row("bare_land", due_on=ON, measure="未整治"), row("bare_land", due_on=ON - dt.timedelta(days=1), measure="未整治"),
     ON),
    ("catering-online-main-city",                                        # 任务16
     row("catering", main_city=True, online=True, connected=True),
     row("catering", main_city=True, online=True, connected=False), ON),
    ("open-air-bbq-main-city",                                           # 任务16
     row("open_air", source="露天烧烤", main_city=False, found=True, handling="未处理"),
     row("open_air", source="露天烧烤", main_city=True, found=True, handling="未处理"), ON),
    ("voc-link-overdue",                                                 # 任务17: the deadline day itself is in time
     row("voc_links", problem=True, due_on=ON), row("voc_links", problem=True, due_on=ON - dt.timedelta(days=1)), ON),
    ("voc-link-deadline-set",                                            # 任务17
     row("voc_links", problem=True, due_on=ON), row("voc_links", problem=True), ON),
    ("low-voc-substitution",                                             # 任务19
     row("low_voc", planned_on=ON, status="部分替代"), row("low_voc", planned_on=ON - dt.timedelta(days=1), status="部分替代"),
     ON),
    ("low-voc-outdoor-coatings",                                         # 任务19: 特殊功能要求 excepted
     row("low_voc", sector="道路交通标志", material="涂料", special=True, status="未替代"),
     row("low_voc", sector="道路交通标志", material="涂料", status="未替代"), ON),
    ("illegal-fuel-closed",                                              # 任务24: 30 days ⚠ after it was found
     row("illegal_fuel", found_on=ON - dt.timedelta(days=29), status="未取缔"),
     row("illegal_fuel", found_on=ON - dt.timedelta(days=30), status="未取缔"), ON),
    ("fuel-nonstandard-pursued",                                         # 任务24
     row("fuel_samples", result="不合格", handling="立案查处", traced=True),
     row("fuel_samples", result="不合格", handling="责令整改", traced=True), ON),
    ("truck-route-hours-set",                                            # 任务25
     row("truck_routes", mode="限时通行", hours="22:00-06:00"), row("truck_routes", mode="限时通行"), ON),
    ("heating-not-retrofitted",                                          # 任务26 (notice)
     row("heating_villages", mode="煤改气"), row("heating_villages", mode="未改造"), ON),
    ("monitoring-station-built",                                         # 五（二）
     row("monitoring_stations", planned_on=ON, status="在建"),
     row("monitoring_stations", planned_on=ON - dt.timedelta(days=1), status="在建"), ON),
]


@pytest.mark.parametrize("rule_id, good, bad, on", ROW_CASES, ids=[c[0] for c in ROW_CASES])
def test_row_rule_boundary(rule_id, good, bad, on):
    assert fired(rule_id, good, on) == []
    found = fired(rule_id, bad, on)
    assert [f.rule for f in found] == [rule_id]
    assert found[0].clause.startswith(("任务", "五（二）")) and found[0].message


def test_heating_unbinding_is_due_the_day_before_the_heating_season():
    """任务9 当年采暖季前完成替代: season 11-15 ⚠ → due 11-14; on the day after it is a violation."""
    late = row("heating_unbinding", listed_on=D("2022-03-01"), status="在建", enterprise_name="甲", unbinding="供热解绑")
    on_deadline = fired("heating-unbinding-before-season", late, D("2022-11-14"))
    assert on_deadline[0].upcoming and on_deadline[0].days == 0
    after = fired("heating-unbinding-before-season", late, D("2022-11-15"))
    assert not after[0].upcoming and after[0].days == 1 and after[0].deadline == D("2022-11-14")
    done = row("heating_unbinding", listed_on=D("2022-03-01"), status="已完成")
    assert fired("heating-unbinding-before-season", done, D("2022-11-15")) == []
    # the office moves the season: rules loaded with [registers] heating_season = "11-01"
    moved = load_rules(settings=register_settings({"registers": {"heating_season": "11-01"}}))
    rule = [r for r in moved if r.id == "heating-unbinding-before-season"]
    assert judge([late], rule, D("2022-11-01"))[0].deadline == D("2022-10-31")


def test_every_rule_cites_a_clause_and_every_task_has_rules():
    tasks = {r.task for r in RULES} | {c.task for c in checks.CHECKS.values()}
    assert {1, 8, 9, 12, 13, 16, 17, 19, 24, 25, 26} <= tasks
    assert any(r.section == "五（二）" for r in RULES)
    for r in RULES:
        assert r.rule.clause.startswith(("任务", "五（二）")), r.id
    for c in checks.CHECKS.values():
        assert c.clause.startswith("任务"), c.id


# --------------------------------------------------------------------------- named checks
SQUARE = checks.Zone("z", "测试区域", (((((113.0, 36.0), (113.1, 36.0), (113.1, 36.1), (113.0, 36.1)),),)))


def run(check_id: str, rows: dict, *, on=ON, zones=None, settings=DEFAULT):
    ctx = checks.Context(rows, zones if zones is not None else {}, settings, on, {"140403": "潞州区"})
    chk = checks.CHECKS[check_id]
    return chk.run(chk, ctx)


def zones_named(*names):
    return {n: SQUARE for n in names}


def test_two_high_planning_area_inside_fires_outside_not():
    """任务1: a new 两高 project inside 市区规划区 fires; just outside (or operating inside) does not."""
    z = zones_named("planning_area")
    inside = row("two_high_projects", two_high=True, stage="拟建", sector="焦化", lon=113.05, lat=36.05)
    outside = row("two_high_projects", two_high=True, stage="拟建", sector="焦化", lon=113.1000001, lat=36.05)
    operating = row("two_high_projects", two_high=True, stage="投产", sector="焦化", lon=113.05, lat=36.05)
    assert len(run("two-high-planning-area", {"two_high_projects": [inside]}, zones=z).findings) == 1
    assert run("two-high-planning-area", {"two_high_projects": [outside, operating]}, zones=z).findings == []
    assert run("two-high-planning-area", {"two_high_projects": [inside]}).undecided == "未上传市区规划区（区域 planning_area）"


def test_coal_cap_exact_boundary():
    """任务8: 0.1 + 0.2 = 0.3 exactly (no float artefact): equal to the cap passes, above fails."""
    use = [row("coal_use", key=f"u{i}", year=2022, amount=a) for i, a in enumerate((0.1, 0.2))]
    at_cap = run("coal-cap", {"coal_use": use, "coal_caps": [row("coal_caps", None, year=2022, cap=0.3)]})
    assert at_cap.findings == [] and at_cap.undecided is None
    above = run("coal-cap", {"coal_use": use, "coal_caps": [row("coal_caps", None, year=2022, cap=0.29)]})
    assert [f.label for f in above.findings] == ["2022年全市"]
    assert run("coal-cap", {"coal_use": use}).undecided


def test_fleet_share_and_nonroad_zone():
    """任务12: 100 % new energy passes, one diesel among new vehicles fails; 国三 in the zone fails,
    国四 registered passes, 应急抢险 is excepted."""
    ev = row("public_fleet", key="a", acquired="新增", registered_on=ON, fuel="纯电动")
    diesel = row("public_fleet", key="b", acquired="更换", registered_on=ON, fuel="柴油")
    assert run("fleet-new-energy-share", {"public_fleet": [ev]}).findings == []
    share = run("fleet-new-energy-share", {"public_fleet": [ev, diesel]}).findings
    assert len(share) == 1 and "占50%" in share[0].message
    z = zones_named("nonroad_control")
    base = dict(machine_type="挖掘机", serial="S", lon=113.05, lat=36.05)
    bad = row("nonroad_machinery", key="m1", stage="国三", registration="R1", **base)
    good = row("nonroad_machinery", key="m2", stage="国四", registration="R2", **base)
    exempt = row("nonroad_machinery", key="m3", stage="国二", exemption="应急抢险", **base)
    found = run("nonroad-control-zone", {"nonroad_machinery": [bad, good, exempt]}, zones=z).findings
    assert [f.row_key for f in found] == ["m1"]


def test_mechanised_rate_rounds_half_even_at_the_threshold():
    """任务13: 79.95 % rounds (GB/T 8170) to 80.0 and meets 80 ⚠; 79.94 % → 79.9 does not."""
    ok = [row("road_cleaning", area=100, mechanised_area=79.95, road="甲")]
    low = [row("road_cleaning", area=100, mechanised_area=79.94, road="甲")]
    assert run("road-mechanised-rate", {"road_cleaning": ok}).findings == []
    found = run("road-mechanised-rate", {"road_cleaning": low}).findings
    assert len(found) == 1 and "79.9%" in found[0].message and found[0].label == "潞州区"


def test_muck_trucks_key_area_hours_and_route():
    """任务13: a diesel truck 4.4 km from the key area fires, 5.6 km does not; 22:00 is inside the
    22:00-06:00 window, 21:59 is not; a point off the route polygon fires."""
    z = zones_named("key_area", "muck_routes")
    diesel = row("muck_trucks", key="T1", plate="T1", fuel="柴油", gps=True)
    near = row("muck_tracks", key="p1", plate="T1", at="2023-06-20 22:00", lon=113.05, lat=36.14)   # 0.04° ≈ 4.4 km
    far = row("muck_tracks", key="p2", plate="T1", at="2023-06-20 21:59", lon=113.05, lat=36.15)    # ≈ 5.6 km
    assert checks.CHECKS and round(SQUARE.distance_km(113.05, 36.14), 1) == 4.4
    found = run("muck-key-area-new-energy", {"muck_trucks": [diesel], "muck_tracks": [near]}, zones=z).findings
    assert len(found) == 1 and found[0].row_key == "T1"
    assert run("muck-key-area-new-energy", {"muck_trucks": [diesel], "muck_tracks": [far]}, zones=z).findings == []
    hours = run("muck-hours", {"muck_trucks": [diesel], "muck_tracks": [near, far]}).findings
    assert len(hours) == 1 and "1个定位点" in hours[0].message and "21:59" in hours[0].message
    inside = row("muck_tracks", key="p3", plate="T1", at="2023-06-20 23:00", lon=113.05, lat=36.05)
    assert run("muck-route", {"muck_trucks": [diesel], "muck_tracks": [inside]}, zones=z).findings == []
    assert len(run("muck-route", {"muck_trucks": [diesel], "muck_tracks": [inside, near]}, zones=z).findings) == 1


def test_voc_checklist_and_patrol_months():
    """任务17: nine links of ten fire; the May patrol is due once May has ended (1 June), not on 31 May."""
    links = checks.VOC_LINKS
    nine = [row("voc_links", key=l, credit_code="C", enterprise_name="甲", link=l) for l in links[:9]]
    ten = nine + [row("voc_links", key="x", credit_code="C", enterprise_name="甲", link=links[9])]
    assert run("voc-checklist-complete", {"voc_links": ten}).findings == []
    found = run("voc-checklist-complete", {"voc_links": nine}).findings
    assert len(found) == 1 and links[9] in found[0].message
    assert run("voc-patrol-monthly", {"voc_patrols": []}, on=D("2023-05-31")).findings == []
    late = run("voc-patrol-monthly", {"voc_patrols": []}, on=D("2023-06-01")).findings
    assert [f.label for f in late] == ["2023年5月"]
    may = [row("voc_patrols", patrol_on=D("2023-05-31"))]
    assert run("voc-patrol-monthly", {"voc_patrols": may}, on=D("2023-06-01")).findings == []


def test_truck_route_window():
    """任务25: inside the restricted zone at 22:00 (allowed from 22:00) passes, at 21:59 fires;
    outside the zone any time passes."""
    z = {"core": SQUARE}
    route = row("truck_routes", None, key="R", code="R", name="限行线", vehicles="中重型货车", restricted_zone="core",
                hours="22:00-06:00", mode="限时通行")
    ok = row("truck_passages", key="a", vehicle="中重型货车", plate="P", at="2023-06-20 22:00", lon=113.05, lat=36.05)
    bad = row("truck_passages", key="b", vehicle="中重型货车", plate="P", at="2023-06-20 21:59", lon=113.05, lat=36.05)
    away = row("truck_passages", key="c", vehicle="中重型货车", plate="P", at="2023-06-20 12:00", lon=113.2, lat=36.05)
    found = run("truck-route-window", {"truck_routes": [route], "truck_passages": [ok, bad, away]}, zones=z).findings
    assert [f.row_key for f in found] == ["b"]
    assert run("truck-route-window", {"truck_routes": [route], "truck_passages": [bad]}).undecided == \
        "未上传限行区域：core"


def test_heating_lookback_365_days():
    """任务26: inspected 365 days ago passes, 366 days ago fires, never inspected fires."""
    village = row("heating_villages", key="V1", code="V1", mode="煤改电")
    def insp(days):
        return row("heating_inspections", key=f"i{days}", village="V1", inspected_on=ON - dt.timedelta(days=days))
    assert run("heating-lookback", {"heating_villages": [village], "heating_inspections": [insp(365)]}).findings == []
    assert len(run("heating-lookback", {"heating_villages": [village],
                                        "heating_inspections": [insp(366)]}).findings) == 1
    assert "从未开展" in run("heating-lookback", {"heating_villages": [village]}).findings[0].message


def test_settings_are_checked():
    s = register_settings({"registers": {"mechanised_rate_percent": 85, "muck_hours": "21:00-05:00"}})
    assert s.mechanised_rate_percent == Fraction(85) and s.muck_hours == "21:00-05:00"
    from lantian.errors import UsageError
    with pytest.raises(UsageError, match="no setting mechanized"):
        register_settings({"registers": {"mechanized_rate_percent": 85}})
    with pytest.raises(UsageError, match="muck_hours"):
        register_settings({"registers": {"muck_hours": "25:00-06:00"}})


def test_a_malformed_rule_is_refused_naming_file_rule_and_key(tmp_path):
    (tmp_path / "x.toml").write_text('[[rule]]\nid = "bad"\nregister = "catering"\ntask = 16\ntitle = "t"\n'
                                     'clause = "任务16"\nrequire = "purifier >= 3"\nmessage = "m"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_rules(tmp_path)
    assert info.value.line == 7 and info.value.column == "require" and "bad" in info.value.message
    (tmp_path / "x.toml").write_text('[[rule]]\nid = "catering-purifier"\nenabled = false\n', encoding="utf-8")
    assert "catering-purifier" not in {r.id for r in load_rules(tmp_path)}


def test_every_register_definition_is_readable():
    regs = registers()
    assert len(regs) == 40                          # 36 of the tasks, 4 of the inventory (五（二）)
    assert {t for r in regs.values() for t in r.tasks} >= {1, 8, 9, 12, 13, 16, 17, 19, 24, 25, 26}
    assert regs["heating_inspections"].parent == "heating_villages" and regs["heating_inspections"].county == "parent"
