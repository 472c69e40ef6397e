"""The registers' pages and API once the router is mounted (lantian.web.app): scoped reads, the
template download, the import (422 listing each bad row; 403 for a caller who may not import)."""
from __future__ import annotations

import io

import openpyxl
import pytest
from fastapi.testclient import TestClient

from databases import fresh_database, database_url
from lantian.registers.demo import demo_registers
from tests.web.conftest import bearer, build_workspace, page_session


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory, data_dir):
    from lantian.web.app import create_app
    folder = tmp_path_factory.mktemp(f"register-routes-{request.param}")
    with fresh_database(request.param, folder) as url:
        with database_url(url):
            build_workspace(folder / "ws", data_dir)
            demo_registers(url, data_dir)
            yield create_app(folder / "ws")


@pytest.fixture(scope="module")
def client(app):
    return TestClient(app)


def test_index_and_list_pages(app):
    c = page_session(app, "daqiban")
    r = c.get("/registers")
    assert r.status_code == 200 and "清洁取暖改造台账" in r.text and "市区规划区（合成）" in r.text
    r = c.get("/registers/heating_villages?county=140405")
    assert r.status_code == 200 and "西村（合成）" in r.text and "东村（合成）" not in r.text
    assert "不能稳定运行" in r.text and "任务9" in r.text
    r = c.get("/registers/heating_villages?q=东村")
    assert "东村（合成）" in r.text and "西村（合成）" not in r.text


def test_county_sees_only_its_rows(app, client):
    headers = bearer(client, "luzhou")
    rows = client.get("/api/registers/heating_villages", headers=headers).json()["rows"]
    assert [r["key"] for r in rows] == ["V001"]
    assert client.get("/api/registers/coal_caps", headers=headers).status_code == 404
    office = bearer(client, "daqiban")
    other = next(r["id"] for r in client.get("/api/registers/heating_villages", headers=office).json()["rows"]
                 if r["key"] == "V002")
    mine = rows[0]["id"]
    c = page_session(app, "luzhou")
    assert c.get(f"/registers/heating_villages/{mine}").status_code == 200
    assert c.get(f"/registers/heating_villages/{other}").status_code == 404


def test_findings_and_template(client):
    headers = bearer(client, "daqiban")
    found = client.get("/api/registers/two_high_projects/findings", headers=headers).json()
    assert {f["rule"] for f in found["findings"]} >= {"two-high-planning-area", "coal-project-replacement"}
    r = client.get("/api/registers/catering/template", headers=headers)
    assert r.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(r.content)).sheetnames == ["说明", "餐饮油烟台账"]
    overview = {x["id"]: x for x in client.get("/api/registers", headers=headers).json()}
    assert len(overview) == 40 and overview["heating_villages"]["violations"] >= 1


def test_import_refuses_bad_rows_and_strangers(client):
    office = bearer(client, "daqiban")
    bad = "单位编号,所在县区,餐饮单位名称,位于主城区,安装油烟净化设施\nCT-7,潞州区,饭店（合成）,也许,是\n".encode()
    r = client.post("/api/registers/catering/import", headers=office, files={"file": ("餐饮.csv", bad, "text/csv")})
    assert r.status_code == 422
    [error] = r.json()["detail"]["errors"]
    assert (error["row"], error["column"]) == (2, "位于主城区")
    viewer = bearer(client, "guancha")
    r = client.post("/api/registers/catering/import", headers=viewer, files={"file": ("餐饮.csv", bad, "text/csv")})
    assert r.status_code == 403
    good = "单位编号,所在县区,餐饮单位名称,位于主城区,安装油烟净化设施\nCT-7,潞州区,饭店（合成）,否,是\n".encode()
    county = bearer(client, "luzhou")
    r = client.post("/api/registers/catering/import", headers=county, files={"file": ("餐饮.csv", good, "text/csv")})
    assert r.status_code == 200 and r.json()["created"] == 1


def test_a_county_cannot_take_over_another_countys_row(client):
    header = "单位编号,所在县区,餐饮单位名称,位于主城区,安装油烟净化设施\n"
    theirs = (header + "CT-9,屯留区,屯留饭店（合成）,否,是\n").encode()
    r = client.post("/api/registers/catering/import", headers=bearer(client, "daqiban"),
                    files={"file": ("餐饮.csv", theirs, "text/csv")})
    assert r.status_code == 200
    grab = (header + "CT-9,潞州区,改写（合成）,否,是\n").encode()
    r = client.post("/api/registers/catering/import", headers=bearer(client, "luzhou"),
                    files={"file": ("餐饮.csv", grab, "text/csv")})
    assert r.status_code == 422 and r.json()["detail"]["errors"][0]["column"] == "单位编号"
    rows = client.get("/api/registers/catering", headers=bearer(client, "tunliu")).json()
    assert "屯留饭店" in str(rows) and "改写" not in str(rows)          # still theirs, unchanged


def test_row_evidence_upload_is_scoped(app, client):
    """A 一群一策 plan attached to a cluster row: the office may, a county on another county's row gets
    404, a read-only viewer 403; the generic evidence route refuses register rows (they go here)."""
    office = bearer(client, "daqiban")
    rows = client.get("/api/registers/clusters", headers=office).json()["rows"]
    row = next(r for r in rows if r["key"] == "CL-02")                       # 襄垣县
    pdf = {"file": ("方案.pdf", b"%PDF-1.4\n% synthetic\n", "application/pdf")}
    assert client.post(f"/api/registers/clusters/{row['id']}/attachments", headers=bearer(client, "luzhou"),
                       files=pdf).status_code == 404
    assert client.post(f"/api/registers/clusters/{row['id']}/attachments", headers=bearer(client, "guancha"),
                       files=pdf).status_code == 403
    bad = {"file": ("方案.exe", b"MZ", "application/octet-stream")}
    assert client.post(f"/api/registers/clusters/{row['id']}/attachments", headers=office, files=bad).status_code == 422
    before = client.get("/api/registers/clusters/findings", headers=office).json()["findings"]
    assert any("襄垣县活性炭" in f["label"] and "未上传文件" in f["message"] for f in before)
    r = client.post(f"/api/registers/clusters/{row['id']}/attachments", headers=office, files=pdf)
    assert r.status_code == 200 and r.json()["filename"] == "方案.pdf"
    after = client.get("/api/registers/clusters/findings", headers=office).json()["findings"]
    assert not any("襄垣县活性炭" in f["label"] and "未上传文件" in f["message"] for f in after)
    listed = client.get(f"/api/attachments?entity=register_row&entity_id={row['id']}", headers=office).json()
    assert [a["filename"] for a in listed] == ["方案.pdf"]
    assert client.get(f"/api/attachments?entity=register_row&entity_id={row['id']}",
                      headers=bearer(client, "luzhou")).status_code == 404
    assert client.post("/api/attachments", headers=office, files=pdf,
                       data={"entity": "register_row", "entity_id": str(row["id"])}).status_code == 403
    page = page_session(app, "daqiban").get(f"/registers/clusters/{row['id']}")
    assert "方案.pdf" in page.text and "上传附件" in page.text


def test_zone_cover_is_scoped(client):
    """Task 4's list over HTTP: the office sees the 焦化 plant within 20 km; 屯留区 sees none of 潞州区's."""
    office = client.get("/api/zones/planning_area/cover?km=20&industry=焦化", headers=bearer(client, "daqiban")).json()
    assert [e["name"] for e in office["covered"]] == ["长治示例焦化有限公司（合成数据）"]
    assert 5 < office["covered"][0]["distance_km"] < 7
    assert client.get("/api/zones/planning_area/cover?km=20&industry=焦化",
                      headers=bearer(client, "tunliu")).json()["covered"] == []
    assert client.get("/api/zones/nowhere/cover?km=1", headers=bearer(client, "daqiban")).status_code == 404
