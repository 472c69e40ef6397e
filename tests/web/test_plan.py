"""The plan room over HTTP: who sees which task, who may report on it, evidence with reports,
status against the as-of date (2023-06-30), measured sub-tasks, 调度, inbox and 督办函."""
from __future__ import annotations

import io

import docx
import sqlalchemy as sa

from lantian import db
from lantian.assessment.demo import demo_targets
from tests.web.conftest import bearer, page_session

PDF = b"%PDF-1.4 evidence"


def _tasks(client, user):
    return {t["number"]: t for t in client.get("/api/plan/tasks", headers=bearer(client, user)).json()}


def test_each_role_sees_its_part_of_the_plan(client):
    office = _tasks(client, "daqiban")
    assert sorted(office) == list(range(1, 27))
    assert office[3]["lead"] == ["市工信局"] and "市发展改革委" in office[3]["cooperating"]
    assert office[2]["lead"] == ["市工信局", "市生态环境局"] and office[2]["lead_mode"] == "by_duty"
    gxj = _tasks(client, "gongxin")                     # 市工信局: the tasks it leads or supports
    assert 3 in gxj and 1 in gxj and 14 not in gxj and 15 not in gxj
    assert all("市工信局" in t["lead"] + t["cooperating"] for t in gxj.values())
    # a county: every task, through its sub-task of each (the county clause covers all 26)
    assert sorted(_tasks(client, "luzhou")) == list(range(1, 27))
    assert sorted(_tasks(client, "tunliu")) == list(range(1, 27))
    assert sorted(_tasks(client, "qiye")) == [5]        # an enterprise: its own sub-task of task 5
    assert sorted(_tasks(client, "guancha")) == list(range(1, 27))
    # a county sees its own sub-tasks of task 13 (the clause's and the office's), not 屯留区's
    task13 = client.get("/api/plan/tasks/13", headers=bearer(client, "luzhou")).json()
    assert [m["owner"] for m in task13["milestone_list"]] == ["潞州区", "潞州区"]
    task3 = client.get("/api/plan/tasks/3", headers=bearer(client, "luzhou")).json()
    assert [(m["owner"], m["due"]) for m in task3["milestone_list"]] == [("潞州区", "2023-06-30")]
    assert task3["reports"] == [] and task3["whole"] is False


def test_status_against_the_as_of_date(client, web_app):
    demo_targets(web_app.state.db_url)                 # synthetic 2019 targets decide the measured sub-tasks
    office = _tasks(client, "daqiban")
    assert office[3]["status"] == "at_risk"            # 4.3 m coke ovens: due 2023-06-30, the as-of date
    # activated carbon every year by 31 May: overdue, and the register check bound on import finds a
    # replacement after 31 May that counts for nothing that year — red
    assert office[18]["status"] == "off_target" and office[18]["overdue"] >= 1
    assert False in [m["ok"] for m in office[18]["measured_by"]]
    assert office[13]["status"] == "off_target" and office[13]["seriously_late"]  # 潞州区 due 5-15; a register rule red
    assert office[22]["status"] == "off_target"        # measured: 潞州区 PM2.5 behind its (synthetic) target
    (luzhou,) = [m for m in office[22]["measured_by"] if m["params"].get("unit") == "140403"]
    assert luzhou["indicator"] == "pm25_schedule" and luzhou["ok"] is False and "截至2019-12-31" in luzhou["detail"]
    # every register rule citing task 16 is bound: the demo rows make one pass and another fire
    assert {m["indicator"] for m in office[16]["measured_by"]} == {"register_rule"}
    assert {m["ok"] for m in office[16]["measured_by"]} == {True, False} and office[16]["status"] == "off_target"
    assert office[20]["status"] == "on_track"          # its 制度 delivered; the ozone response: no record, no data
    assert {m["indicator"]: m["ok"] for m in office[20]["measured_by"]} == {"register_rule": True, "ozone_response": None}
    board = client.get("/api/plan/dispatch", headers=bearer(client, "daqiban")).json()
    counties = {c["code"]: c for c in board["counties"]}
    assert len(counties) == 14 and counties["140428"]["subtasks"] == 26
    assert counties["140403"]["seriously_late"] == 1 and counties["140403"]["off_target"] == 1
    assert counties["140403"]["overdue"] == 2            # 13 (示例, due 5-15) and 18 (every year by 31 May)
    assert counties["140405"]["overdue"] == 1 and counties["140405"]["seriously_late"] == 0
    cells = {c["code"]: c["cells"] for c in board["matrix"]["counties"]}
    assert board["matrix"]["tasks"] == list(range(1, 27))
    assert cells["140428"][17]["status"] == "overdue" and cells["140428"][2]["status"] == "at_risk"


def test_department_reports_with_evidence_on_its_task_only(client, web_app):
    from lantian.audit import AuditEntry
    h = bearer(client, "gongxin")
    r = client.post("/api/plan/tasks/3/reports", headers=h,
                    data={"text": "已关停4.3米焦炉3座", "percent": "80"},
                    files=[("files", ("关停验收.pdf", io.BytesIO(PDF), "application/pdf"))])
    assert r.status_code == 201, r.text
    report_id = r.json()["id"]
    task = client.get("/api/plan/tasks/3", headers=h).json()
    (mine,) = [x for x in task["reports"] if x["id"] == report_id]
    assert mine["unit"] == "市工信局" and mine["files"][0]["filename"] == "关停验收.pdf"
    got = client.get(f"/api/attachments/{mine['files'][0]['id']}", headers=h)
    assert got.status_code == 200 and got.content == PDF
    assert client.get(f"/api/attachments/{mine['files'][0]['id']}",
                      headers=bearer(client, "luzhou")).status_code == 404
    # not a task of 市工信局: it does not exist for the department
    assert client.post("/api/plan/tasks/14/reports", headers=h, data={"text": "x"}).status_code == 404
    # a county reports on its own sub-tasks: named, or (without one) its county-clause sub-task of the task
    lz = bearer(client, "luzhou")
    m13 = next(m for m in client.get("/api/plan/tasks/13", headers=lz).json()["milestone_list"]
               if "示例" in m["title"])["id"]
    ok = client.post("/api/plan/tasks/13/reports", headers=lz,
                     data={"text": "视频监控已联网", "milestone_id": str(m13), "completed": "true"})
    assert ok.status_code == 201
    done = next(m for m in client.get("/api/plan/tasks/13", headers=lz).json()["milestone_list"] if m["id"] == m13)
    assert done["state"] == "done" and done["status"] == "done" and done["percent"] == 100
    duty = client.post("/api/plan/tasks/21/reports", headers=lz, data={"text": "已制定错峰生产方案", "percent": "50"},
                       files=[("files", ("方案.pdf", io.BytesIO(PDF), "application/pdf"))])
    assert duty.status_code == 201, duty.text
    t21 = client.get("/api/plan/tasks/21", headers=lz).json()
    (own21,) = t21["milestone_list"]
    assert own21["owner"] == "潞州区" and own21["percent"] == 50
    assert [r["unit"] for r in t21["reports"]] == ["潞州区"] and t21["reports"][0]["files"][0]["filename"] == "方案.pdf"
    # 屯留区 sees none of it
    t21_tunliu = client.get("/api/plan/tasks/21", headers=bearer(client, "tunliu")).json()
    assert [m["owner"] for m in t21_tunliu["milestone_list"]] == ["屯留区"] and t21_tunliu["reports"] == []
    assert client.post("/api/plan/tasks/21/reports", headers=bearer(client, "tunliu"),
                       data={"text": "x", "milestone_id": str(own21["id"])}).status_code == 403
    # an enterprise reports on its own sub-task of task 5 (the only one it holds), never on the task as a whole
    qy = bearer(client, "qiye")
    (own,) = client.get("/api/plan/tasks/5", headers=qy).json()["milestone_list"]
    assert client.post("/api/plan/tasks/5/reports", headers=qy, data={"text": "已委托监测", "percent": "40"}).status_code == 201
    (own,) = client.get("/api/plan/tasks/5", headers=qy).json()["milestone_list"]
    assert own["percent"] == 40
    assert client.post("/api/plan/tasks/3/reports", headers=qy, data={"text": "整项"}).status_code == 404
    # a renamed executable is refused and nothing is stored
    before = len(client.get("/api/plan/tasks/3", headers=h).json()["reports"])
    bad = client.post("/api/plan/tasks/3/reports", headers=h, data={"text": "附件有误"},
                      files=[("files", ("报告.pdf", io.BytesIO(b"MZ\x90\x00"), "application/pdf"))])
    assert bad.status_code == 422 and "not a PDF" in bad.json()["detail"]
    assert len(client.get("/api/plan/tasks/3", headers=h).json()["reports"]) == before
    # evidence of a progress report is filed with the report, not through the generic upload
    sneaky = client.post("/api/attachments", headers=h, data={"entity": "plan_report", "entity_id": str(report_id)},
                         files={"file": ("x.pdf", io.BytesIO(PDF), "application/pdf")})
    assert sneaky.status_code == 403
    with db.session(web_app.state.db_url) as s:
        actions = set(s.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity.in_(
            ["plan_task", "plan_milestone"]))))
    assert {"report", "progress"} <= actions


def test_only_the_office_manages_the_plan(client, web_app):
    body = {"title": "潞州区完成施工工地扬尘在线监测（测试）", "due": "2023-08-31", "owner_kind": "county",
            "owner_code": "140403"}
    assert client.post("/api/plan/tasks/13/milestones", headers=bearer(client, "luzhou"), json=body).status_code == 403
    assert client.post("/api/plan/tasks/3/milestones", headers=bearer(client, "gongxin"), json=body).status_code == 403
    r = client.post("/api/plan/tasks/13/milestones", headers=bearer(client, "daqiban"), json=body)
    assert r.status_code == 201
    bad = client.post("/api/plan/tasks/13/milestones", headers=bearer(client, "daqiban"),
                      json=dict(body, indicator="dust_fall", params={}))
    assert bad.status_code == 422 and "unknown indicator" in bad.json()["detail"]
    city = page_session(web_app, "daqiban")
    token = city.get("/plan/tasks/5").text.split('name="csrf_token" value="')[1].split('"')[0]
    r = city.post("/plan/tasks/5/units", data={"lead": "市生态环境局", "cooperating": "市工信局、市发展改革委",
                                               "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    t5 = _tasks(client, "daqiban")[5]
    assert t5["lead"] == ["市生态环境局"] and t5["cooperating"] == ["市工信局", "市发展改革委"]
    county = page_session(web_app, "luzhou")
    token = county.get("/plan/tasks/13").text.split('name="csrf_token" value="')[1].split('"')[0]
    assert county.post("/plan/tasks/13/units", data={"lead": "x", "csrf_token": token}).status_code == 403


def test_supervision_letter_and_inbox(client, web_app):
    city = page_session(web_app, "daqiban")
    page = city.get("/plan/tasks/18")
    assert page.status_code == 200 and "下发督办函" in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = city.post("/plan/tasks/18/supervise", data={"to": "department:sthjj", "csrf_token": token},
                  follow_redirects=False)
    assert r.status_code == 303
    (letter,) = client.get("/api/plan/tasks/18", headers=bearer(client, "daqiban")).json()["supervisions"]
    assert letter["unit"] == "市生态环境局" and letter["reply_due"] == "2023-07-07"
    url = f"/api/plan/supervisions/{letter['id']}/document"
    got = client.get(url, headers=bearer(client, "daqiban"))
    assert got.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(got.content)).paragraphs)
    assert "市生态环境局：" in text and "第18项任务" in text and "2023年7月7日前" in text
    assert client.get(url, headers=bearer(client, "gongxin")).status_code == 404
    assert client.get(url, headers=bearer(client, "luzhou")).status_code == 404
    # a task on schedule gets no 督办函
    token = city.get("/plan/tasks/20").text.split('name="csrf_token" value="')[1].split('"')[0]
    assert city.post("/plan/tasks/20/supervise", data={"to": "department:sthjj", "csrf_token": token}
                     ).status_code == 422
    inbox = client.get("/api/plan/inbox", headers=bearer(client, "luzhou")).json()
    assert any(x["number"] == 22 and x["kind"] == "off_target" for x in inbox)
    gxj = client.get("/api/plan/inbox", headers=bearer(client, "gongxin")).json()
    assert any(x["number"] == 3 and x["kind"] == "at_risk" for x in gxj)
    assert all(x["number"] != 18 for x in gxj)          # not its task


def test_pages(web_app):
    city = page_session(web_app, "daqiban")
    overview = city.get("/plan")
    assert overview.status_code == 200
    for piece in ("长治市空气质量再提升2022－2023年行动计划", "深入推进产业结构优化调整", "调度：市直部门",
                  "坚决遏制“两高”项目盲目发展", "调度：县区子任务"):
        assert piece in overview.text
    gongxin = page_session(web_app, "gongxin")
    assert gongxin.get("/plan/departments/gxj").status_code == 200
    assert gongxin.get("/plan/departments/sthjj").status_code == 404
    assert "调度：市直部门" not in gongxin.get("/plan").text
    assert 'id="report-form"' in gongxin.get("/plan/tasks/3").text
    luzhou = page_session(web_app, "luzhou")
    county = luzhou.get("/plan/counties/140403")
    assert county.status_code == 200 and "潞州区" in county.text and "屯留区" not in county.text
    assert luzhou.get("/plan/counties/140405").status_code == 404
    assert luzhou.get("/plan/inbox").status_code == 200


def test_a_department_cannot_report_on_a_countys_sub_task_of_its_task(client, web_app):
    """市工信局 cooperates on task 1; 屯留区's sub-task of task 1 is the county's: a report naming it
    (and its percent) is refused and the sub-task is unchanged."""
    tl = bearer(client, "tunliu")
    (sub,) = [m for m in client.get("/api/plan/tasks/1", headers=tl).json()["milestone_list"]
              if m["owner_kind"] == "county"]
    r = client.post("/api/plan/tasks/1/reports", headers=bearer(client, "gongxin"),
                    data={"text": "替县区报送", "percent": "99", "milestone_id": str(sub["id"]), "completed": "true"})
    assert r.status_code == 403, r.text
    after = next(m for m in client.get("/api/plan/tasks/1", headers=tl).json()["milestone_list"] if m["id"] == sub["id"])
    assert after["percent"] == sub["percent"] and after["state"] == sub["state"]
    assert all(x["text"] != "替县区报送" for x in client.get("/api/plan/tasks/1", headers=tl).json()["reports"])
