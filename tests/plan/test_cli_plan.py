"""`lantian plan …` end to end on a workspace: import (dry run, JSON, corrections), status against
the as-of date, milestones, reports with evidence, 调度, 督办函, and the plan as an input to 约谈."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from lantian.cli import app
from lantian.assessment.demo import demo_targets
from tests.web.conftest import registry_workspace

runner = CliRunner()
SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_5d70b785daafd91c.txt"
DOCS = Path(__file__).parent / "documents"


@pytest.fixture()
def ws(tmp_path, data_dir):
    w = registry_workspace(tmp_path / "ws", data_dir)
    w.set_as_of(dt.date(2023, 6, 30))
    return w


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_dry_run_json_then_import_once(ws):
    r = run("plan", "import", SEED, "--dry-run", "--json", "-w", ws.root)
    assert r.exit_code == 0, r.output
    parsed = json.loads(r.output)
    assert [t["number"] for t in parsed["tasks"]] == list(range(1, 27))
    t1 = parsed["tasks"][0]
    assert t1["lead"] == ["市发展改革委"] and t1["cooperating"] == ["市工信局", "市生态环境局", "市能源局", "市行政审批局"]
    empty = run("plan", "status", "--json", "-w", ws.root)
    assert empty.exit_code == 2 and "no plan" in empty.output          # the dry run stored nothing
    first = run("plan", "import", SEED, "-w", ws.root)
    assert first.exit_code == 0 and "26 tasks" in first.output
    again = run("plan", "import", SEED, "-w", ws.root)
    assert again.exit_code == 0 and "nothing changed" in again.output
    rows = json.loads(run("plan", "status", "--json", "-w", ws.root).output)
    assert len(rows) == 26 and all({"number", "status", "measured_by"} <= set(r) for r in rows)
    by = {r["number"]: r for r in rows}
    assert by[3]["status"] == "at_risk" and by[3]["next_due"] == "2023-06-30"
    assert by[18]["status"] == "overdue"
    # task 1 has no deadline: its 14 county sub-tasks run on (持续推进), its register rules have no rows yet
    assert by[1]["status"] == "on_track" and by[1]["measured_by"] and all(m["ok"] is None for m in by[1]["measured_by"])
    assert "364 new (26 tasks × 14 counties and zones" in first.output
    changzi = json.loads(run("plan", "status", "--county", "140428", "--json", "-w", ws.root).output)
    assert [r["number"] for r in changzi] == list(range(1, 27)) and all(r["origin"] == "county" for r in changzi)
    assert changzi[2]["title"] == "长子县落实：加快淘汰重点行业落后产能" and changzi[2]["due"] == "2023-06-30"
    assert changzi[0]["due"] is None and changzi[0]["status"] == "undated"
    by_name = json.loads(run("plan", "status", "--county", "长子县", "--json", "-w", ws.root).output)
    assert by_name == changzi
    unknown = run("plan", "status", "--county", "999999", "-w", ws.root)
    assert unknown.exit_code == 2 and "no county or zone" in unknown.output


def test_corrected_json_is_imported_as_corrected(ws, tmp_path):
    parsed = json.loads(run("plan", "import", SEED, "--dry-run", "--json", "-w", ws.root).output)
    parsed["tasks"][4]["lead"] = ["市生态环境局"]                  # the office corrects task 5
    parsed["tasks"][4]["cooperating"] = ["市工信局", "市发展改革委"]
    fixed = tmp_path / "plan.json"
    fixed.write_text(json.dumps(parsed, ensure_ascii=False), encoding="utf-8")
    assert run("plan", "import", fixed, "-w", ws.root).exit_code == 0
    by = {r["number"]: r for r in json.loads(run("plan", "status", "--json", "-w", ws.root).output)}
    assert by[5]["lead"] == ["市生态环境局"] and by[5]["cooperating"] == ["市工信局", "市发展改革委"]
    parsed["tasks"][1]["number"] = 1                               # a duplicated number is named
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(parsed, ensure_ascii=False), encoding="utf-8")
    r = run("plan", "import", broken, "-w", ws.root)
    assert r.exit_code == 2 and "tasks[2]" in r.output and "number" in r.output


def test_a_document_in_another_form_is_refused_with_its_line(ws):
    r = run("plan", "import", DOCS / "skipped_number.txt", "-w", ws.root)
    assert r.exit_code == 2 and "line" in r.output and "Traceback" not in r.output
    assert run("plan", "status", "-w", ws.root).exit_code == 2     # nothing was stored
    assert run("plan", "import", DOCS / "nowhere.txt", "-w", ws.root).exit_code == 2


def test_milestones_reports_units_dispatch_supervision(ws, tmp_path):
    root = ws.root
    assert run("plan", "import", SEED, "-w", root).exit_code == 0
    r = run("plan", "milestone", 13, "潞州区完成工地视频联网", "--due", "2023-05-01", "--owner", "county:140403", "-w", root)
    assert r.exit_code == 0, r.output
    bad = run("plan", "milestone", 13, "x", "--owner", "county:999999", "-w", root)
    assert bad.exit_code == 2 and "no county '999999'" in bad.output
    evidence = tmp_path / "验收.pdf"
    evidence.write_bytes(b"%PDF-1.4 x")
    ok = run("plan", "report", 3, "4.3米焦炉已全部关停", "--as", "gongxin", "--attach", evidence, "--percent", 100,
             "-w", root)
    assert ok.exit_code == 0 and "1 file(s)" in ok.output
    refused = run("plan", "report", 14, "越权报送", "--as", "gongxin", "-w", root)
    assert refused.exit_code == 2 and "no such task" in refused.output
    fixed = run("plan", "units", 5, "--lead", "市生态环境局", "--cooperating", "市工信局", "-w", root)
    assert fixed.exit_code == 0
    board = json.loads(run("plan", "dispatch", "--json", "-w", root).output)
    gxj = next(d for d in board["departments"] if d["name"] == "市工信局")
    assert gxj["last_report"] == "2023-06-30" and 3 in gxj["tasks"]
    counties = {c["code"]: c for c in board["counties"]}
    assert len(counties) == 14 and all(c["subtasks"] >= 26 for c in counties.values())
    luzhou = counties["140403"]                     # 26 from the county clause, 1 added by the office
    assert luzhou["subtasks"] == 27 and luzhou["seriously_late"] == 1
    matrix = board["matrix"]
    assert matrix["tasks"] == list(range(1, 27)) and len(matrix["counties"]) == 14
    row = next(c for c in matrix["counties"] if c["code"] == "140403")
    assert row["cells"][12]["status"] == "overdue"   # task 13: its worst sub-task, the one overdue since 5-01
    sent = run("plan", "supervise", 13, "--to", "county:140403", "-w", root)
    assert sent.exit_code == 0, sent.output
    path = Path(sent.output.split("→")[1].strip())
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "潞州区" in text and "第13项任务" in text
    on_time = run("plan", "supervise", 14, "--to", "department:sthjj", "-w", root)
    assert on_time.exit_code == 2 and "督办函 is for overdue" in on_time.output
    assert run("plan", "close", 13, "-w", root).exit_code == 0
    by = {r["number"]: r for r in json.loads(run("plan", "status", "--json", "-w", root).output)}
    assert by[13]["status"] == "done" and by[13]["percent"] == 100


def test_seriously_late_subtasks_feed_the_interview_rule(tmp_path, data_dir):
    """Plan 五（五）: 重点任务进展严重滞后 makes a county behind on air quality seriously behind,
    when the office's rule says so."""
    from tests.web.conftest import build_workspace
    w = build_workspace(tmp_path / "full", data_dir)
    demo_targets(w.database_url)
    root = w.root
    # due 2019-05-01: 60 days late on the assessed day, 2019-06-30 (judged on that day, not the as-of date)
    assert run("plan", "milestone", 13, "潞州区完成工地视频联网", "--due", "2019-05-01", "--owner", "county:140403",
               "-w", root).exit_code == 0
    plain = {d["unit"]: d for d in json.loads(run("progress", "--date", "2019-06-30", "--json", "-w", root).output)}
    assert plain["140403"]["status"] == "behind"
    w.config_path.write_text(w.config_path.read_text(encoding="utf-8") + '\n[assessment.progress]\n'
                             'seriously_if_any = ["tasks_seriously_late"]\n', encoding="utf-8")
    strict = {d["unit"]: d for d in json.loads(run("progress", "--date", "2019-06-30", "--json", "-w", root).output)}
    assert strict["140403"]["status"] == "seriously_behind"
    assert "tasks_seriously_late" in strict["140403"]["reasons"]


SUCCESSOR = """长治市人民政府关于印发长治市空气质量持续改善2024—2025年行动计划的通知
长政发〔2024〕3号

长治市空气质量持续改善2024—2025年行动计划

一、重点任务

1．推进钢铁行业超低排放改造。2024年12月底前，全市钢铁企业全面完成超低排放改造。（市生态环境局牵头，市工信局配合。以下各项任务均需各县、区人民政府，长治高新区、经开区管委会负责落实，不再列出）

2．强化挥发性有机物治理设施管控。使用活性炭吸附工艺的企业，要足额充填符合要求的活性炭，在每年5月底前完成一轮活性炭更换。（市生态环境局牵头）

3．加快淘汰老旧柴油货车。2025年6月底前，基本淘汰国四及以下排放标准柴油货车。（市交通运输局牵头，市公安局配合）

长治市人民政府
2024年3月1日
"""


def test_several_plans_each_command_takes_plan(ws, tmp_path):
    root = ws.root
    successor = tmp_path / "successor.txt"
    successor.write_text(SUCCESSOR, encoding="utf-8")
    assert run("plan", "import", SEED, "-w", root).exit_code == 0
    r = run("plan", "import", successor, "-w", root)
    assert r.exit_code == 0 and "3 tasks" in r.output and "42 new (3 tasks × 14" in r.output
    plans = json.loads(run("plan", "list", "--json", "-w", root).output)
    assert [(p["id"], p["in_force"], p["tasks"]) for p in plans] == [(1, True, 26), (2, False, 3)]
    assert len(json.loads(run("plan", "status", "--json", "-w", root).output)) == 26     # 2023-06-30: the seed
    second = json.loads(run("plan", "status", "--json", "--plan", "长政发〔2024〕3号", "-w", root).output)
    assert [t["number"] for t in second] == [1, 2, 3]
    # the activated-carbon rules cite the seed's task 18; the successor quotes them in its task 2: bound there
    assert sorted(m["params"]["rule"] for m in second[1]["measured_by"]) == [
        "activated-carbon-fill", "activated-carbon-yearly-round"]
    # a report on the successor is not the seed's
    assert run("plan", "report", 2, "已完成活性炭更换", "--as", "daqiban", "--plan", 2, "-w", root).exit_code == 0
    seed_board = json.loads(run("plan", "dispatch", "--json", "-w", root).output)
    assert seed_board["plan"]["id"] == 1 and all(d["last_report"] is None for d in seed_board["departments"])
    ws.set_as_of(dt.date(2024, 6, 30))                      # the successor's period has begun
    plans = json.loads(run("plan", "list", "--json", "-w", root).output)
    assert [p["in_force"] for p in plans] == [False, True]
    assert len(json.loads(run("plan", "status", "--json", "-w", root).output)) == 3
    assert len(json.loads(run("plan", "status", "--json", "--plan", 1, "-w", root).output)) == 26
    unknown = run("plan", "status", "--plan", "2099", "-w", root)
    assert unknown.exit_code == 2 and "names no plan" in unknown.output
    # the same document again, as a Word file: nothing changes; another version of it is refused
    d = docx.Document()
    for line in SEED.read_text(encoding="utf-8").split("\n"):
        d.add_paragraph(line)
    d.save(tmp_path / "seed.docx")
    again = run("plan", "import", tmp_path / "seed.docx", "-w", root)
    assert again.exit_code == 0 and "already imported as plan 1" in again.output and "nothing changed" in again.output
    changed = tmp_path / "changed.txt"
    changed.write_text(SEED.read_text(encoding="utf-8").replace("（市生态环境局牵头）\n\n15", "（市农业农村局牵头）\n\n15"),
                       encoding="utf-8")
    refused = run("plan", "import", changed, "-w", root)
    assert refused.exit_code == 2 and "already imported as plan 1" in refused.output
    assert len(json.loads(run("plan", "list", "--json", "-w", root).output)) == 2


def test_counties_known_after_the_plan_take_up_their_sub_tasks(tmp_path, data_dir):
    from lantian.workspace import init
    root = init(tmp_path / "fresh").root
    r = run("plan", "import", SEED, "-w", root)
    assert r.exit_code == 0 and "no county or zone in this workspace yet" in " ".join(r.output.split())
    missing = run("plan", "status", "--county", "140428", "-w", root)
    assert missing.exit_code == 2 and "no county or zone" in missing.output
    r = run("import", "stations", data_dir / "cnemc" / "stations" / "NewSiteList_utf8.csv", "--boundaries",
            data_dir / "boundaries" / "140400_full.json", "-w", root)
    assert r.exit_code == 0 and "364 sub-tasks" in " ".join(r.output.split())
    rows = json.loads(run("plan", "status", "--county", "140428", "--json", "-w", root).output)
    assert [t["number"] for t in rows] == list(range(1, 27))
    again = run("plan", "sync", "-w", root)
    assert again.exit_code == 0 and "0 new" in " ".join(again.output.split())


def test_the_indicator_option_lists_every_indicator():
    from lantian.plan.indicators import registry
    r = runner.invoke(app, ["plan", "milestone", "--help"], terminal_width=400)
    text = " ".join(r.output.split())
    assert all(name in text for name in registry()), text
    listed = json.loads(run("plan", "indicators", "--json").output)
    assert {x["name"] for x in listed} == set(registry()) >= {"register_rule", "ledger_rule", "dustfall", "fires",
                                                              "gate_violations", "pm25_schedule"}


def test_the_plans_measures_are_kept_and_cited_in_their_own_words(ws):
    """The 保障措施 items are stored as written (migration 0023); a 约谈建议 cites the plan in force's
    约谈 clause from them, not from the code; a plan imported before 0023 gets them on re-import."""
    from lantian import db
    from lantian.plan.models import Measure
    from lantian.plan.service import plan_clause
    assert run("plan", "import", SEED, "-w", ws.root).exit_code == 0
    day = dt.date(2023, 6, 30)
    with db.session(ws.database_url) as s:
        assert [m.title for m in s.query(Measure).order_by(Measure.line)] == [
            "强化组织领导", "强化科技支撑", "强化监督帮扶", "强化政策引导", "强化考核督察"]
        said = plan_clause(s, day, "约谈")
        assert said.startswith("《长治市空气质量再提升2022－2023年行动计划》“五、保障措施（五）强化考核督察”：对重点任务进展严重滞后")
        assert "组织开展约谈政府主要负责人" in said and "预警通知函" not in said     # only the sentence that says it
        assert plan_clause(s, day, "不存在的机制") == "《长治市空气质量再提升2022－2023年行动计划》"
        s.query(Measure).delete()                      # as a plan stored before migration 0023
    again = run("plan", "import", SEED, "-w", ws.root)
    assert again.exit_code == 0, again.output
    with db.session(ws.database_url) as s:
        assert s.query(Measure).count() == 5 and plan_clause(s, day, "约谈") == said


def test_without_a_plan_a_document_cites_no_invented_title(tmp_path, data_dir):
    from lantian import db
    from lantian.plan.service import plan_clause
    w = registry_workspace(tmp_path / "bare", data_dir)
    with db.session(w.database_url) as s:
        assert plan_clause(s, dt.date(2023, 6, 30), "约谈") is None
