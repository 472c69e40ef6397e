"""Tasks 4, 5, 7 and 18 as an office would run them, on SQLite and PostgreSQL: the real 潞州区 boundary
uploaded as 市区规划区 (GeoJSON), a ledger workbook in the template's layout, register files as CSV with
the templates' Chinese headers, evidence through `registers attach`, the plan imported and bound with
`plan milestone --indicator` — everything through the CLI, as documented in the README."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from databases import fresh_database, database_url
from lantian.cli import app
from lantian.enterprises.demo import demo_credit_code
from lantian.plan.demo import seed_plan
from lantian.enterprises import excel as ledger_excel
from tests.registers.test_tasks import _luzhou, _point_at
from tests.web.conftest import registry_workspace

runner = CliRunner()
E1, E2, E3 = (demo_credit_code(n) for n in (801, 802, 803))
NINE = ["沁县华安焦化", "沁源县沁新焦化", "明源焦化", "潞州区红旗水泥", "科保水泥", "上党区陶清河水泥", "三元王庄华泰",
        "壶关县红旗水泥", "屯留区瑞昌水泥"]


def cli(ws, *args):
    r = runner.invoke(app, [str(a) for a in args] + ["-w", str(ws.root)])
    assert r.exit_code == 0, r.output
    return r.output


def write_csv(path, header: str, *lines: str):
    path.write_text("\n".join((header,) + lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def office(request, tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp(f"tasks-{request.param}")
    with fresh_database(request.param, folder) as url:
        with database_url(url):
            ws = registry_workspace(folder / "ws", data_dir)
            ws.set_as_of(dt.date(2023, 6, 30))
            zone = _luzhou(data_dir)
            near, far = _point_at(zone, 19.95), _point_at(zone, 20.05)
            boundary = json.loads((data_dir / "boundaries" / "140400_full.json").read_text(encoding="utf-8"))
            feature = next(f for f in boundary["features"] if f["properties"]["adcode"] == 140403)
            (folder / "planning-area.geojson").write_text(json.dumps(feature, ensure_ascii=False), encoding="utf-8")
            cli(ws, "registers", "zone", "import", "planning_area", folder / "planning-area.geojson",
                "--title", "市区规划区（以潞州区边界试算）")
            ledger_excel.write_workbook(folder / "台账.xlsx", [
                dict(name="示例焦化甲（合成）", credit_code=E1, county="潞州区", industry="焦化", lon=113.1, lat=36.19),
                dict(name="示例钢铁乙（合成）", credit_code=E2, county="潞州区", industry="钢铁", lon=near[0], lat=near[1]),
                dict(name="示例电厂丙（合成）", credit_code=E3, county="潞州区", industry="火电", lon=far[0], lat=far[1]),
            ], [
                dict(kind="coke_oven", enterprise=E1, code="JL-1", name="1#焦炉", status="在用", chamber_height=5.5,
                     quenching="湿法"),
                dict(kind="voc_treatment", enterprise=E1, code="TA-1", name="VOCs治理", status="在用", process="活性炭吸附",
                     carbon_fill=500, carbon_required=500, carbon_replaced_on=dt.date(2023, 6, 15)),
                dict(kind="blast_furnace", enterprise=E2, code="GL-1", name="1#高炉", status="在用", volume=1500),
                dict(kind="boiler", enterprise=E3, code="B-1", name="1#机组锅炉", status="在用", capacity=1025, fuel="燃煤",
                     online_monitoring=True),
            ], counties=["潞州区"])
            cli(ws, "ledger", "import", folder / "台账.xlsx", "--synthetic")
            cli(ws, "registers", "import", "deep_treatment", write_csv(
                folder / "深度治理.csv",
                "企业统一社会信用代码,所在县区,企业名称,行业,设施编号,设施名称,深度治理内容,深度治理状态,计划完成日期,完成日期",
                f"{E1},潞州区,示例焦化甲（合成）,焦化,JL-1,1#焦炉,脱硫脱硝深度治理,已完成,2023-05-31,2023-05-20"))
            cli(ws, "plan", "import", seed_plan(data_dir))
            yield ws, folder


def _check(ws) -> dict:
    return json.loads(cli(ws, "registers", "check", "--json"))


def test_task4_the_zone_covers_and_the_check_lists(office):
    ws, _ = office
    cover = json.loads(cli(ws, "registers", "zone", "cover", "planning_area", "--km", "20", "--industry", "钢铁",
                           "--industry", "焦化", "--industry", "火电", "--json"))
    assert [(e["credit_code"], e["inside"]) for e in cover["covered"]] == [(E1, True), (E2, False)]
    assert 19.94 < cover["covered"][1]["distance_km"] < 19.96
    wider = json.loads(cli(ws, "registers", "zone", "cover", "planning_area", "--km", "20.1", "--json"))
    assert E3 in {e["credit_code"] for e in wider["covered"]}
    found = [f for f in _check(ws)["violations"] if f["rule"] == "deep-treatment-20km"]
    assert [f["label"] for f in found] == ["示例钢铁乙（合成）1#高炉（GL-1）"] and "未列入深度治理台账" in found[0]["message"]
    ledger = json.loads(cli(ws, "ledger", "check", "--json"))                    # task 5's rules keep working
    assert any(v["rule"] == "coke-oven-dry-quenching" and v["facility_code"] == "JL-1" for v in ledger)


def _status(ws, number: int) -> dict:
    rows = json.loads(cli(ws, "plan", "status", "--json"))
    return next(r for r in rows if r["number"] == number)


def _rule(ws, number: int, rule: str) -> list[dict]:
    """The task's milestones measured by one register rule — bound on plan import (no hand-made milestone)."""
    return [m for m in _status(ws, number)["measured_by"]
            if m["indicator"] == "register_rule" and m["params"].get("rule") == rule]


def test_task5_turns_green_only_when_the_ninth_enterprise_is_done(office):
    ws, folder = office
    header = "企业统一社会信用代码,所在县区,企业名称,计划点名企业,类别,改造工程,工程完工日期,监测评估,评估完成日期,评估报告及公示"
    def lines(ninth: str):
        out = []
        for i, name in enumerate(NINE):
            state = "已完工,2022-12-20,已完成,2023-03-15,报告" if i < 8 else ninth
            out.append(f"{demo_credit_code(700 + i)},潞州区,{name}有限公司（合成）,{name},水泥粉磨站,{state}")
        return out
    cli(ws, "registers", "import", "ultra_low", write_csv(folder / "超低1.csv", header, *lines("施工中,,未开展,,")))
    [red] = _rule(ws, 5, "ultra-low-named-nine")
    assert red["ok"] is False and "屯留区瑞昌水泥" in red["detail"]
    assert _status(ws, 5)["status"] == "off_target"
    cli(ws, "registers", "import", "ultra_low", write_csv(folder / "超低2.csv", header,
                                                          *lines("已完工,2023-06-01,评估中,,")))
    assert [m["ok"] for m in _rule(ws, 5, "ultra-low-named-nine")] == [False]
    cli(ws, "registers", "import", "ultra_low", write_csv(folder / "超低3.csv", header,
                                                          *lines("已完工,2023-06-01,已完成,2023-06-28,报告")))
    [green] = _rule(ws, 5, "ultra-low-named-nine")
    still_red = {m["params"].get("rule") for m in _status(ws, 5)["measured_by"] if m["ok"] is False}
    assert green["ok"] is True and "ultra-low-named-nine" not in still_red   # task 5's other bound rules stand alone


def test_task7_cluster_measured_and_its_plan_attached(office):
    ws, folder = office
    cli(ws, "registers", "import", "clusters", write_csv(
        folder / "集群.csv",
        "集群编号,所在县区,集群名称,集群类别,企业数量,排查日期,涉气集群,排查发现问题,产业发展定位,分类治理,一群一策方案名称及文号,"
        "方案印发日期,整治涉及企业数,已完成整治企业数,整治完成期限",
        "CL-01,潞州区,示例耐火集群（合成）,耐火,6,2023-03-01,是,无组织排放,就地提升,就地改造,示例方案（合成）,2023-04-01,6,2,2023-12-31"))
    [red] = _rule(ws, 7, "cluster-one-policy")
    assert red["ok"] is False and "示例耐火集群" in red["detail"]
    plan = folder / "一群一策方案.pdf"
    plan.write_bytes(b"%PDF-1.4\n% synthetic test document\n%%EOF\n")
    out = cli(ws, "registers", "attach", "clusters", "CL-01", plan)
    assert "一群一策方案.pdf" in out
    [green] = _rule(ws, 7, "cluster-one-policy")
    assert green["ok"] is True
    bad = runner.invoke(app, ["registers", "attach", "clusters", "CL-99", str(plan), "-w", str(ws.root)])
    assert bad.exit_code != 0 and "CL-99" in bad.output


def test_task18_the_late_replacement_counts_for_nothing_that_year(office):
    ws, folder = office
    late = [f for f in _check(ws)["violations"] if f["rule"] == "activated-carbon-yearly-round"]
    assert len(late) == 1 and "2023年6月15日的更换在期限后，不计入2023年度" in late[0]["message"]
    cli(ws, "registers", "import", "carbon_replacements", write_csv(
        folder / "活性炭.csv",
        "企业统一社会信用代码,所在县区,企业名称,设施编号,更换日期,更换量（千克）,碘值（毫克/克）,废活性炭量（千克）,危险废物转移联单编号,"
        "转移日期,接收处置单位",
        f"{E1},潞州区,示例焦化甲（合成）,TA-1,2023-05-20,500,800,480,LD-001,2023-06-01,示例处置公司（合成）"))
    assert [f for f in _check(ws)["violations"] if f["rule"] == "activated-carbon-yearly-round"] == []
