"""Demo registers: a few rows per register and the office's polygons — every one SYNTHETIC (names
marked 合成, stored with ``synthetic = True``), chosen so that on the demo's as-of date 2023-06-30
each task has a rule that fires and one that passes. The rows go through the same CSV reader and
import as an office upload, so the demo proves the template too. Re-running changes nothing.
"""
from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import sqlalchemy as sa

from lantian import db
from lantian.accounts.scope import Scope
from lantian.enterprises.demo import demo_credit_code
from lantian.registers import excel, service
from lantian.registers.kinds import registers
from lantian.registers.models import RegisterRow
from lantian.documents import render_docx
from lantian.documents.content import OfficialDocument, Paragraph

#: synthetic polygons (lon/lat rectangles around 长治 city centre), uploaded as the office would
ZONES = {
    "planning_area": ("市区规划区（合成）", (113.05, 36.15, 113.18, 36.25)),
    "nonroad_control": ("非道路移动机械排放控制区（合成）", (113.03, 36.13, 113.20, 36.27)),
    "key_area": ("一城四区重点区域（合成）", (113.08, 36.17, 113.15, 36.22)),
    "muck_routes": ("渣土车规定路线（合成）", (113.00, 36.10, 113.30, 36.16)),
    "urban_core": ("主城区货车限行区（合成）", (113.07, 36.16, 113.16, 36.23)),
    "built_up": ("市区建成区（合成）", (113.07, 36.16, 113.16, 36.23)),
}


def rows() -> dict[str, list[dict[str, str]]]:
    """The demo rows by register, as a clerk would type them (field name → cell text)."""
    own, coke_b, coke_c = demo_credit_code(0), demo_credit_code(1), demo_credit_code(2)
    ledger = {n: demo_credit_code(n) for n in range(1, 10)}    # the demo ledger's enterprises (task 5's nine)
    paint, signs, printing = demo_credit_code(901), demo_credit_code(902), demo_credit_code(903)
    def links(code, name, problem_link=None):
        out = []
        for link in ("储罐", "装卸", "敞开液面", "泄漏检测与修复", "废气收集", "废气旁路", "治理设施", "加油站",
                     "非正常工况", "产品VOCs含量"):
            bad = link == problem_link
            out.append({"credit_code": code, "enterprise_name": name, "county": "潞州区", "sector": "焦化",
                        "link": link, "checked_on": "2023-04-20", "problem": "是" if bad else "否",
                        "description": "储罐呼吸阀泄漏（合成）" if bad else "", "due_on": "2023-05-31" if bad else ""})
        return out
    return {
        "two_high_projects": [
            dict(code="LG-001", county="潞州区", name="示例焦化升级项目（合成）", sector="焦化", two_high="是", stage="拟建",
                 energy_use="350000", coal_use="50", lon="113.12", lat="36.20"),
            dict(code="LG-002", county="襄垣县", name="示例煤化工项目（合成）", sector="煤化工", two_high="是", stage="在建",
                 energy_use="280000", coal_use="30", lon="112.95", lat="36.53", approved_on="2022-08-01",
                 replacement_source="关停示例焦化产能（合成）", replacement_amount="30"),
            dict(code="LG-003", county="屯留区", name="示例供热扩建项目（合成）", sector="其他", two_high="否", stage="在建",
                 coal_use="20", lon="112.89", lat="36.32", approved_on="2023-03-01"),
        ],
        "coal_use": [
            dict(year="2022", county="潞州区", sector="电力", amount="400", source="合成演示数据"),
            dict(year="2022", county="潞州区", sector="焦化", amount="300", source="合成演示数据"),
            dict(year="2022", county="屯留区", sector="焦化", amount="200", source="合成演示数据"),
            dict(year="2022", county="上党区", sector="供热", amount="100", source="合成演示数据"),
            dict(year="2023", county="潞州区", sector="电力", amount="500", source="合成演示数据（上半年）"),
            dict(year="2023", county="沁源县", sector="居民生活", amount="8", source="合成演示数据"),
            dict(year="2023", county="长子县", sector="居民生活", amount="6", source="合成演示数据"),
        ],
        "coal_caps": [dict(year="2022", cap="1100", document="合成演示目标"),
                      dict(year="2023", cap="1050", document="合成演示目标")],
        "heating_villages": [
            dict(code="V001", county="潞州区", name="东村（合成）", households="120", mode="集中供热", retrofit_year="2020",
                 running="稳定运行", heat_source=coke_b),
            dict(code="V002", county="屯留区", name="西村（合成）", households="80", mode="煤改电", retrofit_year="2021",
                 running="不能稳定运行"),
            dict(code="V003", county="上党区", name="南社区（合成）", households="300", mode="煤改气", retrofit_year="2019",
                 running="稳定运行"),
            dict(code="V004", county="潞城区", name="北村（合成）", households="95", mode="分布式集中供热",
                 retrofit_year="2022", running="稳定运行", heat_source=coke_c),
        ],
        "heating_inspections": [
            dict(village="V001", inspected_on="2023-03-10", checked_households="120", not_running_households="0",
                 reburning_households="0", result="正常", inspector="合成"),
            dict(village="V002", inspected_on="2023-01-15", checked_households="80", not_running_households="12",
                 reburning_households="3", result="需优化运行模式", inspector="合成"),
            dict(village="V003", inspected_on="2022-05-20", checked_households="300", not_running_households="0",
                 reburning_households="0", result="正常", inspector="合成"),
            dict(village="V004", inspected_on="2023-02-01", checked_households="95", not_running_households="0",
                 reburning_households="0", result="正常", inspector="合成"),
        ],
        "heating_unbinding": [
            dict(code="JB-001", county="潞州区", enterprise_name="示例水泥熟料企业（合成）", category="水泥熟料",
                 unbinding="供热解绑", project="示例热源替代工程（合成）", listed_on="2022-03-01", status="在建"),
            dict(code="JB-002", county="沁源县", enterprise_name="示例焦化企业（合成）", category="4.3米焦炉",
                 unbinding="民生解绑", project="示例燃气锅炉替代（合成）", listed_on="2022-03-01", status="已完成",
                 completed_on="2022-10-20"),
        ],
        "public_fleet": [
            dict(plate="晋D·A0001（合成）", county="潞州区", sector="公交车", fuel="纯电动", acquired="新增",
                 registered_on="2023-06-10"),
            dict(plate="晋D·T0002（合成）", county="屯留区", sector="出租车", fuel="纯电动", acquired="更换",
                 registered_on="2023-06-15"),
            dict(plate="晋D·B0003（合成）", county="潞州区", sector="公交车", fuel="柴油", acquired="存量",
                 registered_on="2019-05-01"),
        ],
        "diesel_trucks": [
            dict(plate="晋D·G1001（合成）", county="上党区", fuel="柴油", stage="国四", status="在用"),
            dict(plate="晋D·G1002（合成）", county="上党区", fuel="柴油", stage="国三", status="已淘汰",
                 retired_on="2023-03-01"),
            dict(plate="晋D·G1003（合成）", county="潞州区", fuel="柴油", stage="国六", status="在用"),
        ],
        "nonroad_machinery": [
            dict(serial="NR-001（合成）", county="潞州区", machine_type="挖掘机", stage="国二", site="示例工地（合成）",
                 lon="113.10", lat="36.19", exemption="无", power="110", hours="1200"),
            dict(serial="NR-002（合成）", county="潞州区", registration="晋D-F00001", machine_type="装载机", stage="国四",
                 lon="113.11", lat="36.20", exemption="无", power="125"),
            dict(serial="NR-003（合成）", county="潞州区", registration="晋D-F00002", machine_type="挖掘机",
                 stage="国三", lon="113.12", lat="36.18", exemption="应急抢险"),
        ],
        "construction_sites": [
            dict(code="CS-001", county="潞州区", name="示例住宅项目（合成）", status="在建", video_connected="是",
                 dust_cost="是", lon="113.11", lat="36.19", area="8", work_months="10"),
            dict(code="CS-002", county="屯留区", name="示例道路工程（合成）", status="在建", video_connected="否",
                 dust_cost="是", area="3"),
            dict(code="CS-003", county="上党区", name="示例厂房项目（合成）", status="完工", video_connected="否", area="5",
                 work_months="4"),
        ],
        "site_inspections": [
            dict(site="CS-001", inspected_on="2023-06-12", fence="是", cover="是", wash="是", harden="是", wet="是",
                 sealed="是", inspector="合成"),
            dict(site="CS-002", inspected_on="2023-06-20", fence="是", cover="否", wash="是", harden="是", wet="是",
                 sealed="是", inspector="合成"),
        ],
        "road_cleaning": [
            dict(road="英雄路（合成）", county="潞州区", area="120", mechanised_area="110", main_city="是"),
            dict(road="太行路（合成）", county="潞州区", area="80", mechanised_area="70", main_city="是"),
            dict(road="麟绛路（合成）", county="屯留区", area="50", mechanised_area="35", main_city="否"),
        ],
        "muck_trucks": [
            dict(plate="晋D·Z2001（合成）", county="潞州区", company="示例运输公司（合成）", fuel="柴油", gps="是"),
            dict(plate="晋D·Z2002（合成）", county="潞州区", company="示例运输公司（合成）", fuel="纯电动", gps="是"),
            dict(plate="晋D·Z2003（合成）", county="屯留区", company="示例运输公司（合成）", fuel="柴油", gps="否"),
        ],
        "muck_tracks": [
            dict(plate="晋D·Z2001（合成）", at="2023-06-20 23:30", lon="113.16", lat="36.15"),
            dict(plate="晋D·Z2001（合成）", at="2023-06-21 14:30", lon="113.20", lat="36.11"),
            dict(plate="晋D·Z2002（合成）", at="2023-06-20 23:10", lon="113.25", lat="36.12"),
        ],
        "bare_land": [
            dict(code="BL-001", county="潞州区", location="示例地块（合成）", land_type="建设裸地", area="5000",
                 found_on="2023-03-01", measure="未整治", due_on="2023-05-31"),
            dict(code="BL-002", county="屯留区", location="示例物流园（合成）", land_type="物流园", area="12000",
                 found_on="2023-04-01", measure="覆盖", due_on="2023-06-15", remediated_on="2023-06-10"),
        ],
        "catering": [
            dict(code="CT-001", county="潞州区", name="示例饭店（合成）", main_city="是", purifier="是", purifier_running="是",
                 online="是", connected="是", stoves="6"),
            dict(code="CT-002", county="襄垣县", name="示例小吃店（合成）", main_city="否", purifier="是",
                 purifier_running="否"),
        ],
        "open_air": [
            dict(code="OA-001", county="潞州区", inspected_on="2023-06-05", location="示例夜市（合成）", main_city="是",
                 source="露天烧烤", found="是", handling="已取缔"),
            dict(code="OA-002", county="屯留区", inspected_on="2023-06-18", location="示例汽修店（合成）", main_city="否",
                 source="敞开式汽修喷涂", found="是", handling="整改中"),
        ],
        "voc_links": links(own, "长治示例焦化有限公司（合成数据）", problem_link="储罐"),
        "voc_patrols": [
            dict(code="ZH-2305", county="潞州区", patrol_on="2023-05-16", route="示例化工园区走航（合成）", enterprises="12",
                 findings="2", description="合成"),
            dict(code="ZH-2306", county="潞州区", patrol_on="2023-06-14", route="示例焦化集中区走航（合成）",
                 enterprises="9", findings="0"),
        ],
        "low_voc": [
            dict(credit_code=paint, enterprise_name="长治示例涂装有限公司（合成）", county="潞州区", sector="工业涂装",
                 material="涂料", status="部分替代", share="60", planned_on="2023-05-31"),
            dict(credit_code=signs, enterprise_name="长治示例交通设施有限公司（合成）", county="屯留区",
                 sector="道路交通标志", material="涂料", status="已替代", share="100"),
            dict(credit_code=printing, enterprise_name="长治示例印刷有限公司（合成）", county="上党区", sector="包装印刷",
                 material="油墨", status="未替代", planned_on="2023-12-31"),
        ],
        "fuel_samples": [
            dict(code="YP-001", county="潞州区", sampled_on="2023-05-10", station="示例加油站（合成）", station_type="加油站",
                 product="车用柴油", standard="GB 19147-2016", result="不合格", handling="立案查处", traced="是"),
            dict(code="YP-002", county="屯留区", sampled_on="2023-06-01", station="示例加油站二（合成）",
                 station_type="加油站", product="车用汽油", standard="GB 17930-2016", result="合格"),
        ],
        "illegal_fuel": [
            dict(code="HY-001", county="上党区", found_on="2023-04-10", location="示例村口（合成）", point_type="黑加油站点",
                 status="未取缔"),
            dict(code="HY-002", county="潞州区", found_on="2023-05-01", location="示例路段（合成）", point_type="流动加油车",
                 status="已取缔", closed_on="2023-05-03"),
            dict(code="HY-003", county="潞城区", found_on="2023-06-20", location="示例厂区（合成）",
                 point_type="无证无照自建油罐", status="未取缔"),
        ],
        "truck_routes": [
            dict(code="R-01", name="主城区中重型货车限时通行（合成）", vehicles="中重型货车", restricted_zone="urban_core",
                 hours="22:00-06:00", corridor_zone="", mode="限时通行"),
        ],
        "truck_passages": [
            dict(record="TP-001", county="潞州区", plate="晋D·K3001（合成）", vehicle="中重型货车", at="2023-06-20 10:15",
                 lon="113.11", lat="36.19", source="卡口", gate="示例卡口（合成）"),
            dict(record="TP-002", county="潞州区", plate="晋D·K3001（合成）", vehicle="中重型货车", at="2023-06-20 23:05",
                 lon="113.11", lat="36.19", source="卡口", gate="示例卡口（合成）"),
            dict(record="TP-003", county="屯留区", plate="晋D·K3002（合成）", vehicle="中重型货车", at="2023-06-21 10:00",
                 lon="112.95", lat="36.30", source="GPS"),
        ],
        **inventory_rows(paint, printing),
        **industry_rows(own, ledger),
        **enforcement_rows(),
        "monitoring_stations": [
            dict(code="MS-001", county="潞州区", name="示例颗粒物组分站（合成）", station_type="颗粒物组分站",
                 planned_on="2023-03-31", status="联网运行", lon="113.11", lat="36.19"),
            dict(code="MS-002", county="沁源县", name="示例乡镇站（合成）", station_type="乡镇站", planned_on="2023-05-31",
                 status="在建"),
            dict(code="MS-003", county="长子县", name="示例VOCs组分站（合成）", station_type="挥发性有机物组分站",
                 planned_on="2023-12-31", status="规划"),
        ],
    }


def inventory_rows(paint: str, printing: str) -> dict[str, list[dict[str, str]]]:
    """The emission inventory's activity registers (五（二）), 2023, synthetic: the fleet by county,
    type, fuel and stage; solvent use; livestock and nitrogen fertiliser."""
    fleet = []
    for county, scale in (("潞州区", 10), ("上党区", 4), ("屯留区", 3), ("长子县", 2)):
        for vtype, fuel, stage, count in (("小型载客", "汽油", "国四", 2000), ("小型载客", "汽油", "国五", 4000),
                                          ("小型载客", "汽油", "国六", 3000), ("小型载客", "纯电动", "未知", 500),
                                          ("大型载客", "柴油", "国五", 30), ("轻型载货", "柴油", "国四", 250),
                                          ("重型载货", "柴油", "国三", 40), ("重型载货", "柴油", "国五", 150),
                                          ("重型载货", "柴油", "国六", 60), ("摩托车", "汽油", "国三", 600)):
            fleet.append(dict(year="2023", county=county, vehicle_type=vtype, fuel=fuel, stage=stage,
                              count=str(count * scale), source="合成演示数据"))
    fleet[0]["km"] = "11000"
    return {
        "vehicle_population": fleet,
        "solvent_use": [
            dict(code="SV-001", year="2023", county="潞州区", user="长治示例涂装有限公司（合成）", credit_code=paint,
                 category="工业涂装", amount="500", voc_content="50", removal="70"),
            dict(code="SV-002", year="2023", county="上党区", user="长治示例印刷有限公司（合成）", credit_code=printing,
                 category="包装印刷", amount="300", voc_content="40"),
            dict(code="SV-003", year="2023", county="潞州区", user="全区汽修喷涂（合成汇总）", category="汽修喷涂",
                 amount="200"),
            dict(code="SV-004", year="2023", county="潞州区", user="建筑涂料（合成汇总）", category="建筑涂料",
                 amount="3000", voc_content="8"),
        ],
        "livestock": [
            dict(year="2023", county="长子县", animal="猪", head="200000", source="合成演示数据"),
            dict(year="2023", county="屯留区", animal="肉牛", head="20000", source="合成演示数据"),
            dict(year="2023", county="襄垣县", animal="家禽", head="1000000", source="合成演示数据"),
        ],
        "fertilizer": [
            dict(year="2023", county="长子县", fertilizer="尿素", nitrogen="8000", source="合成演示数据"),
            dict(year="2023", county="屯留区", fertilizer="复合肥", nitrogen="5000", source="合成演示数据"),
            dict(year="2023", county="襄垣县", fertilizer="碳酸氢铵", nitrogen="2000", source="合成演示数据"),
        ],
    }


#: task 5's nine as the plan names them, with the demo ledger's serial, county, category and state
_NINE = [("沁县华安焦化", 1, "沁县", "焦化", "沁县华安焦化有限公司"), ("沁源县沁新焦化", 2, "沁源县", "焦化", "沁源县沁新焦化有限公司"),
         ("明源焦化", 3, "沁源县", "焦化", "沁源县明源焦化有限公司"),
         ("潞州区红旗水泥", 4, "潞州区", "水泥粉磨站", "长治市潞州区红旗水泥有限公司"),
         ("科保水泥", 5, "潞州区", "水泥粉磨站", "长治市科保水泥有限公司"),
         ("上党区陶清河水泥", 6, "上党区", "水泥粉磨站", "长治市上党区陶清河水泥有限公司"),
         ("三元王庄华泰", 7, "上党区", "水泥粉磨站", "长治市三元王庄华泰水泥有限公司"),
         ("壶关县红旗水泥", 8, "壶关县", "水泥粉磨站", "壶关县红旗水泥有限公司"),
         ("屯留区瑞昌水泥", 9, "屯留区", "水泥粉磨站", "长治市屯留区瑞昌水泥有限公司")]


def industry_rows(own: str, ledger: dict[int, str]) -> dict[str, list[dict[str, str]]]:
    """Tasks 2, 4, 5, 7, 10 and 18 (synthetic states of the demo ledger's enterprises)."""
    ultra = []
    for plan_name, serial, county, category, name in _NINE:
        row = dict(credit_code=ledger[serial], enterprise_name=name, county=county, plan_name=plan_name, industry=category,
                   construction="已完工", completed_on="2022-12-20", assessment="已完成", assessed_on="2023-03-15",
                   report=f"{plan_name}超低排放评估监测报告（合成）")
        if serial == 8:
            row.update(assessment="评估中", assessed_on="", report="")
        if serial == 9:
            row.update(construction="施工中", completed_on="", assessment="未开展", assessed_on="", report="")
        ultra.append(row)
    return {
        "relocation": [
            dict(credit_code=ledger[4], enterprise_name="长治市潞州区红旗水泥有限公司", county="潞州区", industry="水泥",
                 lon="113.10", lat="36.20", decision="搬迁改造", decision_document="示例搬迁决定（合成）",
                 decided_on="2022-06-01", due_on="2023-03-31", state="推进中"),
            dict(credit_code=ledger[5], enterprise_name="长治市科保水泥有限公司", county="潞州区", industry="水泥",
                 lon="113.14", lat="36.18", decision="未决策", state="未启动"),
            dict(credit_code=demo_credit_code(904), enterprise_name="长治示例化工有限公司（合成）", county="屯留区", industry="化工",
                 lon="112.89", lat="36.32", decision="就地改造提升", decided_on="2022-03-01", due_on="2022-12-31",
                 state="已完成", completed_on="2022-12-20"),
        ],
        "deep_treatment": [
            dict(credit_code=own, enterprise_name="长治示例焦化有限公司（合成数据）", county="潞州区", industry="焦化",
                 facility_code="JL-1", facility_name="1#焦炉", project="焦炉烟气脱硫脱硝深度治理（合成）", state="改造中",
                 planned_on="2023-05-31"),
        ],
        "ultra_low": ultra,
        "clusters": [
            dict(code="CL-01", county="潞城区", name="潞城区耐火材料产业集群（示例）", kind="耐火", enterprises="12",
                 investigated_on="2023-03-01", gas_related="是", findings="窑炉无组织排放（合成）", positioning="就地提升（合成）",
                 classification="就地改造", plan_document="潞城区耐火材料产业集群整治提升方案（合成）",
                 plan_approved_on="2023-04-15", target_enterprises="12", done_enterprises="5", due_on="2023-12-31"),
            dict(code="CL-02", county="襄垣县", name="襄垣县活性炭产业集群（示例）", kind="活性炭", enterprises="8",
                 investigated_on="2023-02-10", gas_related="是", classification="搬迁入园",
                 plan_document="襄垣县活性炭产业集群整治提升方案（合成）", target_enterprises="8", done_enterprises="2",
                 due_on="2023-06-15"),
        ],
        "kiln_switch": [
            dict(credit_code=ledger[5], enterprise_name="长治市科保水泥有限公司", county="潞州区", facility_code="YL-1",
                 facility_name="烘干炉", facility_kind="工业炉窑", fuel="燃煤", target="天然气", planned_on="2023-05-31",
                 state="实施中"),
            dict(credit_code=ledger[2], enterprise_name="沁源县沁新焦化有限公司", county="沁源县", facility_code="MQ-1",
                 facility_name="煤气发生炉", facility_kind="煤气发生炉", fuel="煤气发生炉煤气", target="集中供气",
                 planned_on="2023-12-31", state="实施中"),
        ],
        "carbon_replacements": [
            dict(credit_code=ledger[4], enterprise_name="长治市潞州区红旗水泥有限公司", county="潞州区", facility_code="TA-1",
                 replaced_on="2022-04-20", amount="500", waste_amount="470"),
            dict(credit_code=ledger[4], enterprise_name="长治市潞州区红旗水泥有限公司", county="潞州区", facility_code="TA-1",
                 replaced_on="2023-04-18", amount="500", iodine_value="800", waste_amount="480",
                 manifest="示例转移联单0001（合成）", transferred_on="2023-05-10", receiver="示例危险废物处置公司（合成）"),
            dict(credit_code=own, enterprise_name="长治示例焦化有限公司（合成数据）", county="潞州区", facility_code="TA-1",
                 replaced_on="2023-06-15", amount="800", iodine_value="800"),
        ],
        "voc_maintenance": [
            dict(credit_code=ledger[7], enterprise_name="长治市三元王庄华泰水泥有限公司", county="上党区", facility_code="TA-1",
                 done_on="2023-05-10", item="更换光氧灯管", quantity="12支"),
            dict(credit_code=ledger[7], enterprise_name="长治市三元王庄华泰水泥有限公司", county="上党区", facility_code="TA-1",
                 done_on="2023-03-01", item="更换过滤棉", quantity="6片"),
            dict(credit_code=ledger[7], enterprise_name="长治市三元王庄华泰水泥有限公司", county="上党区", facility_code="TA-1",
                 done_on="2023-06-20", item="自查", problem="灯管老化2支（合成）", rectified_on="2023-06-25"),
        ],
    }


def enforcement_rows() -> dict[str, list[dict[str, str]]]:
    """Task 23 and the 制度 deliverables of tasks 20, 22 and 23 (synthetic)."""
    return {
        "joint_enforcement": [
            dict(code="JE-2305", name="2023年5月柴油货车联合路检路查（合成）", kind="路检路查",
                 departments="市生态环境局、市公安局交警支队、市交通运输局", start="2023-05-20", end="2023-05-21",
                 place="示例治超站（合成）"),
            dict(code="JE-2306", name="国六排放标准重型燃气车专项检查（合成）", kind="国六燃气车专项检查",
                 departments="市生态环境局、市公安局", start="2023-06-12", end="2023-06-16", place="示例物流园（合成）"),
        ],
        "enforcement_checks": [
            dict(record="EC-001", campaign="JE-2305", checked_on="2023-05-20", county="潞州区", plate="晋D·H5001（合成）",
                 vehicle="重型柴油货车", stage="国五", way="路检路查", info_public="是", control_device="正常", obd="正常",
                 emission="达标", catalyst="不适用", o2_sensor="不适用", result="合格"),
            dict(record="EC-002", campaign="JE-2305", checked_on="2023-05-21", county="潞州区", plate="晋D·Q6002（合成）",
                 vehicle="重型燃气货车", stage="国六", way="路检路查", info_public="是", control_device="正常", obd="正常",
                 emission="超标", catalyst="缺失", o2_sensor="异常", result="不合格", penalty="示例罚决字001（合成）",
                 inspection_station="示例机动车检测有限公司（合成）"),
            dict(record="EC-003", campaign="JE-2306", checked_on="2023-06-13", county="屯留区", plate="晋D·Q6003（合成）",
                 vehicle="重型燃气货车", stage="国六", way="入户检查", info_public="是", control_device="正常", obd="正常",
                 emission="达标", catalyst="正常", o2_sensor="正常", result="合格"),
            dict(record="EC-004", campaign="JE-2306", checked_on="2023-06-14", county="屯留区", plate="晋D·Q6004（合成）",
                 vehicle="重型燃气货车", stage="国六", way="入户检查", info_public="否", control_device="正常", obd="正常",
                 emission="达标", catalyst="假冒伪劣", o2_sensor="正常", result="不合格"),
        ],
        "repair_shops": [
            dict(code="RS-001", county="潞州区", shop="示例汽车修理厂（合成）", checked_on="2023-06-14", campaign="JE-2306",
                 finding="回收私拆三元催化器", handling="立案查处", case_no="示例立案001（合成）"),
            dict(code="RS-002", county="屯留区", shop="示例汽车修理部（合成）", checked_on="2023-06-15", campaign="JE-2306",
                 finding="修改破坏OBD数据", handling="未处理"),
        ],
        "deliverables": [
            dict(code="ZD-20-1", task="20", deliverable="臭氧污染应急响应工作方案（合成）", owner="市生态环境局",
                 due_on="2023-05-31", state="已印发", document="示例臭氧应急响应方案（合成）", issued_on="2023-05-20",
                 approved_by="市大气污染防治工作领导组", approved_on="2023-05-18"),
            dict(code="ZD-22-1", task="22", deliverable="重点行业绩效分级申报审核调整程序（合成）", owner="市生态环境局",
                 due_on="2023-03-31", state="待审批"),
            dict(code="ZD-22-2", task="22", deliverable="2023年重污染天气应急减排清单修订（合成）", owner="市生态环境局",
                 due_on="2023-09-30", state="起草中"),
            dict(code="ZD-23-1", task="23", deliverable="柴油货车联合执法常态化路检路查工作机制（合成）", owner="市生态环境局",
                 due_on="2023-04-30", state="已印发", document="示例联合执法工作机制（合成）", issued_on="2023-04-25",
                 approved_by="市人民政府办公室", approved_on="2023-04-20"),
        ],
    }


#: a cluster's 一群一策 plan, attached to its row as the office would (synthetic document)
DEMO_ATTACHMENTS = [("clusters", "CL-01", "潞城区耐火材料产业集群整治提升方案（合成）")]


def _plan_document(title: str, out: Path) -> Path:
    doc = OfficialDocument(title=title, blocks=[Paragraph("本文件为演示用合成数据（synthetic demo document），不是真实方案。")],
                           issuer="（合成）")
    return render_docx("document", doc, out)


def _rectangle(box: tuple[float, float, float, float], title: str) -> dict:
    x0, y0, x1, y1 = box
    return {"type": "Feature", "properties": {"name": title, "synthetic": True},
            "geometry": {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}}


def write_csv(path: Path, reg, records: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([f.label for f in reg.fields])
        for r in records:
            writer.writerow([r.get(f.name, "") for f in reg.fields])


def demo_registers(url: str, data: Path | None = None, root: Path | None = None) -> int:
    """Load the synthetic zones and rows (parents before children) as the office; returns the rows
    stored or updated (0 on a re-run). ``data`` is unused: nothing here comes from the data folder. With
    the workspace ``root``, the demo's evidence files (a 一群一策 plan) are attached as well."""
    office = Scope.office(url, "demo")
    stored = 0
    with db.session(url) as s, tempfile.TemporaryDirectory(prefix="lantian-registers-") as tmp:
        have = {z["name"] for z in service.zone_list(s)}
        for name, (title, box) in ZONES.items():
            if name not in have:
                service.import_zone(s, office, name, Path(f"{name}.geojson"), title=title, actor="demo",
                                    synthetic=True, data=_rectangle(box, title))
        counties = service.county_lookup(s)
        data_rows = rows()
        ordered = sorted(registers().values(), key=lambda r: r.parent is not None)
        for reg in ordered:
            path = Path(tmp) / f"{reg.id}.csv"
            write_csv(path, reg, data_rows.get(reg.id, []))
            batch = excel.read(path, reg, counties=counties)
            counts = service.import_batch(s, office, batch, actor="demo", source=f"demo:{reg.id}", synthetic=True)
            stored += counts["created"] + counts["updated"]
        if root is not None:
            for register_id, key, title in DEMO_ATTACHMENTS:
                row = s.scalar(sa.select(RegisterRow).where(RegisterRow.register == register_id,
                                                            RegisterRow.row_key == key))
                if row is not None and not service.attached_rows(s, [row.id]):
                    path = _plan_document(title, Path(tmp) / f"{title}.docx")
                    service.attach(s, root, office, register_id, path, key=key, actor="demo")
    return stored
