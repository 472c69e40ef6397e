"""The named checks of tasks 2, 4, 5, 7, 10, 18 and 23 and the 制度 deliverables, at their boundaries
(one side passes, the other fires): rows and ledger facts built here, no database. The same checks
on files written in the documented formats, through the CLI and both databases, are in
tests/registers/test_tasks_workspace.py; the 20 km zone on the real boundary is tested below."""
from __future__ import annotations

import datetime as dt
import json
import math

from geographiclib.geodesic import Geodesic

from lantian.enterprises.rules import FacilityFacts
from lantian.measurements.geo import geometry_polygons
from lantian.registers import checks, industry
from lantian.registers.checks import LedgerEnterprise, LedgerView, Zone
from lantian.registers.rules import Row
from lantian.registers.settings import DEFAULT, register_settings

D = dt.date.fromisoformat
ON = D("2023-06-30")
RECT = Zone("planning_area", "规划区", ((((113.05, 36.15), (113.18, 36.15), (113.18, 36.25), (113.05, 36.25)),),))
BUILT = Zone("built_up", "建成区", ((((113.07, 36.16), (113.16, 36.16), (113.16, 36.23), (113.07, 36.23)),),))


def row(register: str, key: str = "k1", county: str | None = "140403", rid: int | None = None, **values) -> Row:
    return Row(id=rid if rid is not None else abs(hash((register, key))) % 10_000, register=register, key=key,
               label=values.get("enterprise_name") or values.get("name") or key, county=county, values=values)


def facility(kind: str, code: str, enterprise_id: int = 1, status: str = "在用", **attrs) -> FacilityFacts:
    return FacilityFacts(id=f"{enterprise_id}-{code}", code=code, name=f"{kind}{code}", kind=kind, status=status,
                         enterprise=f"企业{enterprise_id}", enterprise_id=enterprise_id, county="140403", attrs=attrs)


def enterprise(eid: int = 1, industry_: str = "焦化", lon: float | None = None, lat: float | None = None):
    return LedgerEnterprise(eid, f"CODE{eid}", f"企业{eid}", "140403", industry_, None, lon, lat)


def run(check_id: str, rows: dict, *, on: dt.date = ON, zones: dict | None = None, settings=DEFAULT,
        ledger: LedgerView | None = None, attached: set[int] = frozenset()):
    ctx = checks.Context(rows, zones or {}, settings, on, {"140403": "潞州区"}, ledger_source=ledger or LedgerView(),
                         attached_source=set(attached))
    chk = checks.CHECKS[check_id]
    return chk.run(chk, ctx)


def test_every_new_check_cites_its_task():
    expected = {"relocation-built-up": 2, "relocation-listed": 2, "deep-treatment-20km": 4, "ultra-low-named-nine": 5,
                "cluster-one-policy": 7, "kiln-switch-tracked": 10, "activated-carbon-yearly-round": 18,
                "uv-plasma-maintenance": 18, "voc-waste-transfer": 18, "joint-enforcement-regular": 23,
                "gas-truck-special-inspection": 23, "abnormal-vehicle-trace": 23, "deliverables-issued": None}
    for cid, task in expected.items():
        c = checks.CHECKS[cid]
        assert c.task == task and c.clause.startswith(f"任务{task or 20}："), cid


# --------------------------------------------------------------------------- 任务4: 20 km on the real boundary
def _luzhou(data_dir) -> Zone:
    data = json.loads((data_dir / "boundaries" / "140400_full.json").read_text(encoding="utf-8"))
    feature = next(f for f in data["features"] if f["properties"]["adcode"] == 140403)
    return Zone("planning_area", "潞州区（真实边界）", tuple(geometry_polygons(feature["geometry"], ("140400", "潞州区"))))


def reference_km(zone: Zone, lon: float, lat: float) -> float:
    """Brute force: the geodesic distance to points every ≤ 20 m along the edges near the point (those
    within 1 km of the nearest by a flat estimate)."""
    g = Geodesic.WGS84
    kx, ky = math.cos(math.radians(lat)) * 111.195, 111.195
    def flat(a, b):
        px, py, dx, dy = (lon - a[0]) * kx, (lat - a[1]) * ky, (b[0] - a[0]) * kx, (b[1] - a[1]) * ky
        t = max(0.0, min(1.0, (px * dx + py * dy) / (dx * dx + dy * dy or 1)))
        return math.hypot(px - t * dx, py - t * dy)
    edges = [(flat(a, b), a, b) for poly in zone.polygons for ring in poly for a, b in zip(ring, ring[1:] + ring[:1])]
    closest = min(d for d, _, _ in edges)
    best = math.inf
    for d, a, b in edges:
        if d > closest + 1:
            continue
        line = g.InverseLine(a[1], a[0], b[1], b[0])
        steps = max(1, math.ceil(line.s13 / 20))
        for i in range(steps + 1):
            p = line.Position(line.s13 * i / steps)
            best = min(best, g.Inverse(lat, lon, p["lat2"], p["lon2"])["s12"])
    return best / 1000


def _point_at(zone: Zone, target_km: float) -> tuple[float, float]:
    """Due north of the boundary's northernmost vertex, where lantian's distance is target_km (to 1 m)."""
    g = Geodesic.WGS84
    lon0, lat0 = max((p for poly in zone.polygons for ring in poly for p in ring), key=lambda p: p[1])
    lo, hi = target_km * 0.9, target_km * 1.5
    while hi - lo > 0.001:
        mid = (lo + hi) / 2
        p = g.Direct(lat0, lon0, 0, mid * 1000)
        lo, hi = (mid, hi) if zone.distance_km(p["lon2"], p["lat2"]) < target_km else (lo, mid)
    p = g.Direct(lat0, lon0, 0, (lo + hi) / 2 * 1000)
    return p["lon2"], p["lat2"]


def test_the_20_km_zone_on_the_real_boundary_points_on_both_sides(data_dir):
    """潞州区's real boundary as the zone: a point 19.95 km out is within 20 km, one 20.05 km out is not,
    by lantian's geodesic distance and by an independent 20 m brute force, which agree to the metre."""
    zone = _luzhou(data_dir)
    inside = (113.1, 36.19)
    assert zone.contains(*inside) and zone.distance_km(*inside) == 0
    near, far = _point_at(zone, 19.95), _point_at(zone, 20.05)
    for (lon, lat), within in ((near, True), (far, False)):
        reference = reference_km(zone, lon, lat)
        assert abs(zone.distance_km(lon, lat) - reference) < 0.001
        assert (reference <= 20) is within and abs(reference - 20) > 0.04
    covered, _ = industry.within(zone, [enterprise(1, lon=inside[0], lat=inside[1]),
                                        enterprise(2, lon=near[0], lat=near[1]), enterprise(3, lon=far[0], lat=far[1])],
                                 DEFAULT.deep_treatment_km)
    assert [(e.id, round(d, 2)) for e, d in covered] == [(1, 0.0), (2, 19.95)]


def _twenty(km: float) -> tuple[float, float]:
    """A point due south of RECT's southern edge at about ``km`` (geodesic)."""
    p = Geodesic.WGS84.Direct(36.15, 113.10, 180, km * 1000)
    return p["lon2"], p["lat2"]


def test_deep_treatment_lists_the_zone_and_judges_each_facility_by_its_deadline():
    near_lon, near_lat = _twenty(19.99)
    far_lon, far_lat = _twenty(20.01)
    ledger = LedgerView([enterprise(1, "焦化", 113.10, 36.20), enterprise(2, "钢铁", near_lon, near_lat),
                         enterprise(3, "火电", far_lon, far_lat), enterprise(4, "水泥", 113.10, 36.20),
                         enterprise(5, "焦化")],
                        [facility("coke_oven", "JL-1", 1), facility("blast_furnace", "GL-1", 2),
                         facility("converter", "ZL-1", 2, status="停用"), facility("boiler", "B-1", 3),
                         facility("kiln", "Y-1", 4)])
    done = row("deep_treatment", "a", credit_code="CODE1", facility_code="JL-1", state="已验收")
    found = run("deep-treatment-20km", {"deep_treatment": [done]}, zones={"planning_area": RECT}, ledger=ledger)
    violations = [f for f in found.findings if f.severity == "violation"]
    assert [f.label for f in violations] == ["企业2blast_furnaceGL-1（GL-1）"]
    assert "未列入深度治理台账" in violations[0].message and "19.99公里" in violations[0].message
    assert [f.label for f in found.findings if f.severity == "notice"] == ["企业5"]      # no location
    working = row("deep_treatment", "b", credit_code="CODE2", facility_code="GL-1", state="改造中")
    rows = {"deep_treatment": [done, working]}
    zones = {"planning_area": RECT}
    assert [f for f in run("deep-treatment-20km", rows, zones=zones, ledger=ledger, on=D("2023-10-01")).findings
            if f.severity == "violation"] == []
    [soon] = [f for f in run("deep-treatment-20km", rows, zones=zones, ledger=ledger, on=D("2023-10-02")).findings
              if f.severity == "violation"]
    assert soon.upcoming and soon.days == 90 and soon.deadline == D("2023-12-31")
    [late] = [f for f in run("deep-treatment-20km", rows, zones=zones, ledger=ledger, on=D("2024-01-01")).findings
              if f.severity == "violation"]
    assert not late.upcoming and late.days == 1
    wider = register_settings({"registers": {"deep_treatment_km": 20.1}})
    labels = {f.label for f in run("deep-treatment-20km", {"deep_treatment": [done]}, zones=zones, ledger=ledger,
                                   settings=wider).findings}
    assert "企业3boilerB-1（B-1）" in labels                 # ⚠ the distance is a setting
    assert run("deep-treatment-20km", rows, ledger=ledger).undecided == "未上传市区规划区（区域 planning_area）"


# --------------------------------------------------------------------------- 任务2
def test_relocation_in_and_around_the_built_up_area():
    """Inside or within 3 km ⚠ of 建成区 needs a decision; 3.1 km away does not; the ledger's heavy
    enterprises near it must be listed; without the polygon, undecided."""
    def p(km):
        q = Geodesic.WGS84.Direct(36.16, 113.10, 180, km * 1000)
        return q["lon2"], q["lat2"]
    at3, at31 = p(2.99), p(3.01)
    undecided = dict(industry="水泥", decision="未决策", state="未启动")
    rows = [row("relocation", "in", credit_code="A", enterprise_name="甲", lon=113.10, lat=36.20, **undecided),
            row("relocation", "near", credit_code="B", enterprise_name="乙", lon=at3[0], lat=at3[1], **undecided),
            row("relocation", "far", credit_code="C", enterprise_name="丙", lon=at31[0], lat=at31[1], **undecided),
            row("relocation", "done", credit_code="D", enterprise_name="丁", lon=113.10, lat=36.20, industry="化工",
                decision="关停退出", state="已完成")]
    zones = {"built_up": BUILT, "planning_area": RECT}
    found = run("relocation-built-up", {"relocation": rows}, zones=zones).findings
    assert [f.row_key for f in found] == ["in", "near"]
    assert "市区规划区内" in found[0].message and "市区规划区" not in found[1].message
    ledger = LedgerView([LedgerEnterprise(9, "A", "甲", "140403", "水泥", None, 113.10, 36.20),
                         LedgerEnterprise(8, "E", "戊", "140403", "焦化", None, at3[0], at3[1]),
                         LedgerEnterprise(7, "F", "己", "140403", "焦化", None, at31[0], at31[1]),
                         LedgerEnterprise(6, "G", "庚", "140403", "铸造", None, 113.10, 36.20)])
    listed = run("relocation-listed", {"relocation": rows}, zones=zones, ledger=ledger).findings
    assert [f.label for f in listed] == ["戊"]
    assert run("relocation-listed", {"relocation": rows}, ledger=ledger).undecided.startswith("未上传建成区")


# --------------------------------------------------------------------------- 任务5
def test_task5_is_red_until_the_ninth_is_done():
    names = industry.named_enterprises()
    assert len(names) == 9 and names[0] == "沁县华安焦化" and names[-1] == "屯留区瑞昌水泥"
    def done(i, **kw):
        return row("ultra_low", f"k{i}", credit_code=f"C{i}", enterprise_name=f"企业{i}", plan_name=names[i],
                   **{"construction": "已完工", "assessment": "已完成", **kw})
    eight = [done(i) for i in range(8)]
    [missing] = run("ultra-low-named-nine", {"ultra_low": eight}).findings
    assert missing.label == names[8] and "未登记" in missing.message and missing.deadline == D("2025-12-31")
    building = run("ultra-low-named-nine", {"ultra_low": eight + [done(8, construction="施工中", assessment="未开展")]})
    assert len(building.findings) == 1 and "改造工程施工中" in building.findings[0].message
    assessing = run("ultra-low-named-nine", {"ultra_low": eight + [done(8, assessment="评估中")]}).findings
    assert len(assessing) == 1 and "监测评估未完成" in assessing[0].message
    assert run("ultra-low-named-nine", {"ultra_low": eight + [done(8)]}).findings == []
    moved = register_settings({"registers": {"ultra_low_due": "2024-06-30"}})
    [late] = run("ultra-low-named-nine", {"ultra_low": eight}, settings=moved, on=D("2024-07-01")).findings
    assert late.days == 1 and "已过期限2024年6月30日1天" in late.message


# --------------------------------------------------------------------------- 任务7
def test_the_cluster_measure():
    """A cluster is complete when investigated, classified and its 一群一策 plan named and attached; a
    non-gas cluster needs the investigation only; every ledger cluster needs a record."""
    full = dict(kind="耐火", name="甲集群", investigated_on=D("2023-03-01"), gas_related=True,
                classification="就地改造", plan_document="甲集群方案")
    complete = row("clusters", "CL-1", rid=1, **full)
    assert run("cluster-one-policy", {"clusters": [complete]}, attached={1}).findings == []
    [unattached] = run("cluster-one-policy", {"clusters": [complete]}).findings
    assert "未上传文件" in unattached.message
    bare = row("clusters", "CL-2", rid=2, kind="砖瓦窑", name="乙集群", gas_related=True)
    [gaps] = run("cluster-one-policy", {"clusters": [bare]}).findings
    assert "未开展排查" in gaps.message and "未分类治理" in gaps.message and "未制定" in gaps.message
    quiet = row("clusters", "CL-3", rid=3, kind="法兰", name="丙集群", investigated_on=D("2023-01-01"), gas_related=False)
    assert run("cluster-one-policy", {"clusters": [quiet]}).findings == []
    ledger = LedgerView(clusters=[{"name": "甲集群", "industry": "耐火材料", "strategy": "就地改造", "county_code": "140406"},
                                  {"name": "丁集群", "industry": "铸造", "strategy": "淘汰关停", "county_code": "140426"}])
    [absent] = run("cluster-one-policy", {"clusters": [complete]}, attached={1}, ledger=ledger).findings
    assert absent.label == "丁集群" and absent.county == "140426" and "未建立排查整治档案" in absent.message


# --------------------------------------------------------------------------- 任务10
def test_kiln_switch_tracks_existing_high_polluting_kilns_and_gas_producers():
    ledger = LedgerView([enterprise(1)],
                        [facility("kiln", "Y-1", kiln_type="石灰窑", fuel="燃煤"),
                         facility("kiln", "Y-2", kiln_type="加热炉", fuel="燃煤", commissioned=D("2023-06-07")),
                         facility("kiln", "Y-3", kiln_type="石灰窑", fuel="天然气"),
                         facility("kiln", "Y-4", kiln_type="石灰窑", fuel="燃煤", status="停用"),
                         facility("gas_producer", "MQ-1", clean_energy_replaced=False),
                         facility("gas_producer", "MQ-2", clean_energy_replaced=True)])
    found = run("kiln-switch-tracked", {"kiln_switch": []}, ledger=ledger).findings
    assert sorted(f.label.split("（")[1] for f in found) == ["MQ-1）", "Y-1）"]     # Y-2 is new: the ledger rule's
    listed = [row("kiln_switch", "a", credit_code="CODE1", facility_code="Y-1", target="电能", state="实施中"),
              row("kiln_switch", "b", credit_code="CODE1", facility_code="MQ-1", target="集中供气", state="已完成")]
    after = run("kiln-switch-tracked", {"kiln_switch": listed}, ledger=ledger).findings
    assert [(f.severity, f.label) for f in after] == [("notice", "企业1gas_producerMQ-1（MQ-1）")]
    oil = register_settings({"registers": {"high_polluting_fuels": ["燃煤", "燃油"]}})
    ledger.facilities.append(facility("kiln", "Y-5", kiln_type="熔化炉", fuel="燃油"))
    assert len(run("kiln-switch-tracked", {"kiln_switch": listed}, ledger=ledger, settings=oil).findings) == 2


# --------------------------------------------------------------------------- 任务18
def carbon_unit(replaced: dt.date | None = None, status: str = "在用") -> LedgerView:
    return LedgerView([enterprise(1)], [facility("voc_treatment", "TA-1", status=status, process="活性炭吸附",
                                                 carbon_replaced_on=replaced)])


def replacement(day: str) -> Row:
    return row("carbon_replacements", day, credit_code="CODE1", facility_code="TA-1", replaced_on=D(day),
               enterprise_name="企业1")


def yearly(on: str, ledger_day: str | None = None, history: tuple[str, ...] = ()):
    ledger = carbon_unit(D(ledger_day) if ledger_day else None)
    return run("activated-carbon-yearly-round", {"carbon_replacements": [replacement(d) for d in history]},
               on=D(on), ledger=ledger).findings


def test_activated_carbon_deadline_across_the_end_of_may():
    """每年5月底前: 31 May counts, 1 June does not — for that year (it may count for the next)."""
    assert yearly("2024-06-01", "2024-05-31") == []
    [late] = yearly("2024-06-01", "2024-06-01")
    assert not late.upcoming and late.deadline == D("2024-05-31") and late.days == 1
    assert "2024年6月1日的更换在期限后，不计入2024年度" in late.message
    [tried] = yearly("2024-06-20", "2024-06-15")                 # the case tried: a 06-15 replacement passed
    assert not tried.upcoming and "不计入2024年度" in tried.message
    [missed] = yearly("2025-03-15", "2024-06-15")                # 2024's round stays missed until 2025's deadline
    assert not missed.upcoming and missed.deadline == D("2024-05-31")
    assert yearly("2025-06-01", "2024-06-15") == []              # … and 06-15 counts for 2025's round
    [due] = yearly("2024-05-31", "2023-05-30")
    assert due.upcoming and due.days == 0
    [overdue] = yearly("2024-06-01", "2023-05-30")
    assert not overdue.upcoming and overdue.days == 1
    assert yearly("2024-06-01", "2023-05-31") == []              # exactly a year before still counts


def test_activated_carbon_history_decides_not_only_the_latest_date():
    """The ledger keeps the latest replacement (06-15); the register's 05-20 makes the 2024 round."""
    assert yearly("2024-06-20", "2024-06-15", history=("2024-05-20",)) == []
    assert len(yearly("2024-06-20", "2024-06-15", history=("2024-06-01",))) == 1
    assert yearly("2024-06-20", None, history=("2024-05-31",)) == []
    [never] = yearly("2024-06-20")
    assert "无记录" in never.message
    stopped = run("activated-carbon-yearly-round", {"carbon_replacements": []}, on=D("2024-06-20"),
                  ledger=carbon_unit(None, status="停用")).findings
    assert stopped == []
    moved = register_settings({"registers": {"carbon_deadline": "04-30"}})
    assert len(run("activated-carbon-yearly-round", {"carbon_replacements": [replacement("2024-05-20")]},
                   on=D("2024-05-02"), ledger=carbon_unit(None), settings=moved).findings) == 1


def test_uv_and_plasma_maintenance_and_waste_transfer():
    ledger = LedgerView([enterprise(1)], [facility("voc_treatment", "UV-1", process="光催化"),
                                          facility("voc_treatment", "DL-1", process="低温等离子"),
                                          facility("voc_treatment", "RTO", process="RTO")])
    def m(code, item, day, **kw):
        return row("voc_maintenance", f"{code}{item}{day}", credit_code="CODE1", facility_code=code, item=item,
                   done_on=D(day), enterprise_name="企业1", **kw)
    fresh = [m("UV-1", "补充光氧灯管", "2023-04-01"), m("UV-1", "清理催化板油污", "2023-05-01"),
             m("UV-1", "更换过滤棉", "2023-06-01"), m("UV-1", "自查", "2023-06-20"),
             m("DL-1", "清理电场积污", "2023-06-01"), m("DL-1", "更换过滤棉", "2023-06-01"), m("DL-1", "自查", "2023-06-01")]
    assert run("uv-plasma-maintenance", {"voc_maintenance": fresh}, ledger=ledger).findings == []    # 90 days
    [stale] = run("uv-plasma-maintenance", {"voc_maintenance": fresh}, ledger=ledger, on=D("2023-07-01")).findings
    assert "UV-1" in stale.label and "光氧灯管最近2023年4月1日（已91天）" in stale.message
    [none] = run("uv-plasma-maintenance", {"voc_maintenance": fresh[:3] + fresh[4:]}, ledger=ledger).findings
    assert "自查无记录" in none.message
    lamps = m("UV-1", "更换光氧灯管", "2022-06-30")
    carbon = replacement("2022-06-29")
    rows = {"voc_maintenance": [lamps], "carbon_replacements": [carbon]}
    assert [f.register for f in run("voc-waste-transfer", rows).findings] == ["carbon_replacements"]   # 366 days
    moved = row("carbon_replacements", "t", credit_code="CODE1", facility_code="TA-1", replaced_on=D("2022-06-29"),
                enterprise_name="企业1", transferred_on=D("2022-08-01"))
    assert run("voc-waste-transfer", {"voc_maintenance": [lamps], "carbon_replacements": [moved]}).findings == []


# --------------------------------------------------------------------------- 任务23 and 制度 deliverables
def campaign(code: str, start: str, kind: str = "路检路查", departments: str = "市生态环境局、市公安局") -> Row:
    return row("joint_enforcement", code, None, code=code, name=code, kind=kind, departments=departments,
               start=D(start))


def test_joint_enforcement_kept_up_and_the_gas_truck_inspection():
    assert run("joint-enforcement-regular", {"joint_enforcement": [campaign("A", "2023-05-31")]}).findings == []
    [gap] = run("joint-enforcement-regular", {"joint_enforcement": [campaign("A", "2023-05-30")]}).findings
    assert "已31天" in gap.message
    alone = run("joint-enforcement-regular", {"joint_enforcement": [campaign("B", "2023-06-20", departments="市公安局")]})
    assert {f.severity for f in alone.findings} == {"notice", "violation"}       # one department is not joint
    special = campaign("G", "2023-06-12", kind="国六燃气车专项检查")
    gas = row("enforcement_checks", "c1", campaign="G", vehicle="重型燃气货车", stage="国六", checked_on=D("2023-06-13"),
              catalyst="正常", o2_sensor="正常", plate="P1")
    assert run("gas-truck-special-inspection", {"joint_enforcement": [special], "enforcement_checks": [gas]}).findings == []
    unrecorded = dict(gas.values, o2_sensor=None)
    [f] = run("gas-truck-special-inspection", {"joint_enforcement": [special],
                                               "enforcement_checks": [row("enforcement_checks", "c2", **unrecorded)]}).findings
    assert "未记录" in f.message
    [f] = run("gas-truck-special-inspection", {"joint_enforcement": [campaign("A", "2023-05-31")]}).findings
    assert f.message == "2023年未开展国六排放标准重型燃气车专项检查"


def test_an_abnormal_vehicle_is_traced_to_its_inspection_station_within_30_days():
    bad = dict(plate="P", vehicle="重型燃气货车", stage="国六", catalyst="缺失", checked_on=D("2023-05-31"))
    [due] = run("abnormal-vehicle-trace", {"enforcement_checks": [row("enforcement_checks", "a", **bad)]}).findings
    assert due.upcoming and due.deadline == D("2023-06-30") and due.days == 0
    [late] = run("abnormal-vehicle-trace", {"enforcement_checks": [row("enforcement_checks", "a", **bad)]},
                 on=D("2023-07-01")).findings
    assert not late.upcoming and late.days == 1 and "三元催化器缺失" in late.message
    traced = row("enforcement_checks", "a", **bad, inspection_station="某检测站", traced_on=D("2023-06-10"))
    assert run("abnormal-vehicle-trace", {"enforcement_checks": [traced]}, on=D("2023-07-01")).findings == []
    fine = row("enforcement_checks", "b", **dict(bad, catalyst="正常", o2_sensor="正常"))
    assert run("abnormal-vehicle-trace", {"enforcement_checks": [fine]}, on=D("2023-07-01")).findings == []


def test_deliverables_carry_their_own_task():
    def d(code, task, due, **kw):
        return row("deliverables", code, None, code=code, task=task, deliverable=code, due_on=D(due), **kw)
    issued = dict(state="已印发", issued_on=D("2023-03-01"), document="文号", approved_by="市政府", approved_on=D("2023-02-28"))
    rows = {"deliverables": [d("A", 22, "2023-03-31", **issued), d("B", 22, "2023-06-29", state="待审批"),
                             d("C", 20, "2023-06-30", state="起草中"), d("E", 23, "2023-12-31", state="起草中")]}
    found = run("deliverables-issued", rows).findings
    assert [(f.row_key, f.task, f.upcoming) for f in found] == [("B", 22, False), ("C", 20, True)]
    assert "未印发、无文件文号、未经审批" in found[0].message
