"""The ledgers over HTTP: who sees which enterprise, the rule checks with their plan clauses,
enterprise edits approved by the county, 绩效分级 across three roles, and the Excel round trip."""
from __future__ import annotations

import io

import openpyxl

from tests.web.conftest import bearer

# ids: 1 the demo enterprise account's (潞州区), then task 5's enterprises in ledger.toml order
HUAAN, QINXIN, HONGQI, KEBAO, RUICHANG = 2, 3, 5, 6, 10


#: the demo ledger's enterprises: the web workspace is shared by the web test files on a worker, and
#: another file (test_reduction's list import) may add enterprises to it — these tests speak of the demo's
DEMO = frozenset(range(1, 11))


def _all(client, user, **params) -> set[int]:
    return {e["id"] for e in client.get("/api/enterprises", params=params, headers=bearer(client, user)).json()}


def _ids(client, user, **params) -> set[int]:
    return _all(client, user, **params) & DEMO


def test_each_role_sees_its_enterprises(client):
    assert _ids(client, "luzhou") == {1, HONGQI, KEBAO}
    assert _ids(client, "tunliu") == {RUICHANG}
    assert _ids(client, "qiye") == {1}
    assert _ids(client, "daqiban") == DEMO and _all(client, "gongxin") == _all(client, "daqiban")
    assert _ids(client, "daqiban", industry="焦化") == {1, HUAAN, QINXIN, 4}
    assert _ids(client, "daqiban", grade="D") == {9} and 1 in _ids(client, "daqiban", grade="未评级")
    assert _ids(client, "daqiban", violations=True, date="2023-07-01") == {1, HUAAN, QINXIN, KEBAO, 8}
    assert client.get(f"/api/enterprises/{RUICHANG}", headers=bearer(client, "luzhou")).status_code == 404


def test_rule_checks_cite_the_plan_and_respect_the_date(client):
    h = bearer(client, "daqiban")
    before = client.get("/api/ledger/check?date=2023-06-30", headers=h).json()
    after = client.get("/api/ledger/check?date=2023-07-01", headers=h).json()
    shut = lambda found: {(v["enterprise_id"], v["facility"]) for v in found if v["rule"] == "coke-oven-4.3m-shutdown"}  # noqa: E731
    assert shut(before["violations"]) == set() and shut(before["upcoming"]) == {(1, "1#焦炉"), (HUAAN, "1#焦炉")}
    assert shut(after["violations"]) == {(1, "1#焦炉"), (HUAAN, "1#焦炉")}     # 明源's stopped oven is not listed
    v = next(x for x in after["violations"] if x["rule"] == "coke-oven-4.3m-shutdown")
    assert v["task"] == 3 and v["clause"].startswith("任务3") and "2023年6月30日" in v["message"]
    mine = client.get("/api/ledger/check?date=2023-07-01", headers=bearer(client, "luzhou")).json()
    assert {x["enterprise_id"] for x in mine["violations"]} == {1, KEBAO}
    page = client.get(f"/api/enterprises/{KEBAO}?date=2023-07-01", headers=bearer(client, "luzhou")).json()
    rules = {x["rule"] for x in page["violations"]}
    assert {"activated-carbon-fill", "kiln-low-efficiency-treatment"} == rules     # the yearly round: registers


def test_enterprise_edits_wait_for_its_county(client):
    qy = bearer(client, "qiye")
    form = {"kind": "voc_treatment", "code": "TA-1", "name": "化产回收VOCs治理", "status": "在用",
            "process": "活性炭吸附", "carbon_fill": "800", "carbon_required": "800", "carbon_replaced_on": "2023-05-20"}
    r = client.post("/api/enterprises/1/facilities", data=form, headers=qy)
    assert r.status_code == 200 and r.json()["state"] == "pending"
    change = r.json()["id"]
    still = client.get("/api/ledger/check?date=2023-07-01", headers=qy).json()["violations"]
    assert any(v["rule"] == "activated-carbon-fill" for v in still)     # not applied yet
    assert client.post(f"/api/enterprises/{HONGQI}/facilities", data=form, headers=qy).status_code == 404
    bad = client.post("/api/enterprises/1/facilities", data=dict(form, carbon_replaced_on="5月20日"), headers=qy)
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.json()["detail"]
    assert client.post(f"/api/ledger-changes/{change}/review", data={"approve": "true"}, headers=qy).status_code == 403
    assert client.post(f"/api/ledger-changes/{change}/review", data={"approve": "true"},
                       headers=bearer(client, "tunliu")).status_code == 404
    ok = client.post(f"/api/ledger-changes/{change}/review", data={"approve": "true"}, headers=bearer(client, "luzhou"))
    assert ok.status_code == 200 and ok.json()["state"] == "approved"
    now = client.get("/api/ledger/check?date=2023-07-01", headers=qy).json()["violations"]
    assert not any(v["rule"] == "activated-carbon-fill" for v in now)
    again = client.post(f"/api/ledger-changes/{change}/review", data={"approve": "false"},
                        headers=bearer(client, "luzhou"))
    assert again.status_code == 422


def test_grading_across_three_roles(client):
    qy, lz, city = bearer(client, "qiye"), bearer(client, "luzhou"), bearer(client, "daqiban")
    r = client.post("/api/enterprises/1/grade-applications", headers=qy, data={"grade": "B", "reason": "已完成深度治理"},
                    files=[("files", ("验收报告.pdf", io.BytesIO(b"%PDF-1.4 x"), "application/pdf"))])
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    assert client.post("/api/enterprises/1/grade-applications", headers=qy,
                       data={"grade": "A", "reason": "x"}).status_code == 422          # one open at a time
    assert client.post(f"/api/enterprises/{HONGQI}/grade-applications", headers=lz,
                       data={"grade": "A", "reason": "x"}).status_code == 403          # only the enterprise applies
    assert client.post(f"/api/grade-applications/{app_id}/decide", headers=city, data={}).status_code == 422
    assert client.post(f"/api/grade-applications/{app_id}/review", headers=bearer(client, "tunliu"),
                       data={"approve": "true"}).status_code == 404
    r = client.post(f"/api/grade-applications/{app_id}/review", headers=lz,
                    data={"approve": "true", "grade": "C", "opinion": "治理设施运行记录不全，建议C级"})
    assert r.status_code == 200 and r.json()["state"] == "reviewed"
    assert client.post(f"/api/grade-applications/{app_id}/decide", headers=lz, data={}).status_code == 403
    r = client.post(f"/api/grade-applications/{app_id}/decide", headers=city, data={"grade": "B", "note": "复核后定B级"})
    assert r.status_code == 200 and r.json() == {"id": app_id, "state": "adjusted", "grade": "B", "enterprise_id": 1}
    e = client.get("/api/enterprises/1", headers=qy).json()
    assert e["grade"] == "B" and e["grade_history"][0]["grade"] == "B"
    (app,) = [a for a in e["applications"] if a["id"] == app_id]
    assert app["county_grade"] == "C" and app["files"][0]["filename"] == "验收报告.pdf"
    assert 1 not in _ids(client, "daqiban", grade="未评级")


def test_excel_round_trip_and_bad_rows(client):
    city = bearer(client, "daqiban")
    exported = client.get("/api/ledger/export", headers=city)
    assert exported.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(exported.content))
    assert "企业" in book.sheetnames and "焦炉" in book.sheetnames
    assert client.post("/api/ledger/import", headers=bearer(client, "luzhou"),
                       files={"file": ("台账.xlsx", io.BytesIO(exported.content))}).status_code == 403
    r = client.post("/api/ledger/import", headers=city, files={"file": ("台账.xlsx", io.BytesIO(exported.content))})
    assert r.status_code == 200, r.text
    stored = len(_all(client, "daqiban"))                      # the demo's 10, and any another file added
    assert stored >= 10 and r.json().get("enterprises unchanged") == stored and "enterprises created" not in r.json()
    assert "enterprises updated" not in r.json() and "facilities updated" not in r.json()   # issue 21 §4
    sheet = book["焦炉"]
    sheet.cell(row=2, column=6).value = "很高"                  # not a date
    broken = io.BytesIO()
    book.save(broken)
    before = client.get("/api/enterprises", headers=city).json()
    bad = client.post("/api/ledger/import", headers=city, files={"file": ("台账.xlsx", io.BytesIO(broken.getvalue()))})
    assert bad.status_code == 422
    errors = bad.json()["detail"]["errors"]
    assert len(errors) >= 1 and errors[0]["sheet"] == "焦炉" and errors[0]["row"] == 2
    assert client.get("/api/enterprises", headers=city).json() == before


def test_clusters_are_listed_by_scope(web_app):
    from tests.web.conftest import page_session
    city = page_session(web_app, "daqiban").get("/enterprises")
    assert "潞城区耐火材料产业集群（示例）" in city.text and "搬迁入园" in city.text
    county = page_session(web_app, "luzhou").get("/enterprises")
    assert "产业集群" not in county.text               # none in 潞州区
