"""The reduction list and the targets over HTTP, on SQLite and PostgreSQL: the office imports (every bad
row named, nothing stored), a county reads and proposes only its own enterprises and the office confirms,
the list and the ledger are one fact, the city totals, the export re-imports unchanged; targets imported
by the office, checked, read by a county for itself and its city."""
from __future__ import annotations

import csv
import io

from lantian.enterprises.excel import credit_code_check_char
from tests.web.conftest import bearer, page_session

HEADER = ["统一社会信用代码", "企业名称", "县区", "行业", "绩效等级", "污染物", "基准排放量（吨/年）", "数据来源", "纳入清单"]


def code(n: int) -> str:
    first17 = f"91140400MA7RD{n:04d}"
    return first17 + credit_code_check_char(first17)


def csv_file(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def upload(client, user, rows, dry_run=False, name="清单.csv"):
    return client.post("/api/reduction/import", headers=bearer(client, user),
                       data={"dry_run": "true"} if dry_run else {},
                       files={"file": (name, io.BytesIO(csv_file(rows)), "text/csv")})


def listed(client, user) -> dict:
    return {(r["credit_code"], r["pollutant"]): r for r in client.get("/api/reduction/list",
                                                                        headers=bearer(client, user)).json()}


def test_office_imports_county_proposes_office_confirms(client):
    ok = upload(client, "daqiban", [[code(1), "长子县示例焦化厂（测试）", "长子县", "焦化", "B", "NOx", "1200", "排污许可", "是"],
                                    [code(1), "长子县示例焦化厂（测试）", "长子县", "焦化", "B", "SO2", "300.5", "排污许可", "是"],
                                    [code(2), "潞州区示例铸造厂（测试）", "潞州区", "铸造", "未评级", "", "", "", "是"]])
    assert ok.status_code == 200, ok.text
    assert ok.json()["created"] == ["长子县示例焦化厂（测试）", "潞州区示例铸造厂（测试）"] and ok.json()["baselines_set"] == 2
    office = listed(client, "daqiban")
    assert office[(code(1), "SO2")]["tonnes"] == "300.5" and office[(code(2), None)]["listed"] is True
    # the list and the ledger are one fact
    ent = office[(code(1), "NOx")]["enterprise_id"]
    assert client.get(f"/api/enterprises/{ent}", headers=bearer(client, "daqiban")).json()["emergency_list"] is True
    # a county sees its own enterprises' rows only
    luzhou = listed(client, "luzhou")
    assert (code(2), None) in luzhou and (code(1), "NOx") not in luzhou
    assert all(r["county"] == "140403" for r in luzhou.values())
    # a county proposes for its own enterprises only, and nothing changes until the office confirms
    other = upload(client, "luzhou", [[code(1), "长子县示例焦化厂（测试）", "长子县", "焦化", "B", "NOx", "900", "排污许可", "是"]])
    assert other.status_code == 403 and "不在本县区" in other.json()["detail"]
    mine = upload(client, "luzhou", [[code(2), "潞州区示例铸造厂（测试）", "潞州区", "铸造", "C", "PM", "45", "排放清单2022", "是"]])
    assert mine.status_code == 200 and mine.json()["state"] == "pending"
    proposal = mine.json()["proposal"]
    assert (code(2), "PM") not in listed(client, "daqiban")
    assert [p["id"] for p in client.get("/api/reduction/proposals", headers=bearer(client, "tunliu")).json()] == []
    assert client.post(f"/api/reduction/proposals/{proposal}/confirm",
                       headers=bearer(client, "luzhou")).status_code == 403
    done = client.post(f"/api/reduction/proposals/{proposal}/confirm", headers=bearer(client, "daqiban"))
    assert done.status_code == 200 and done.json()["state"] == "confirmed" and done.json()["applied"]["baselines_set"] == 1
    after = listed(client, "daqiban")
    assert after[(code(2), "PM")]["tonnes"] == "45" and after[(code(2), "PM")]["grade"] == "C"
    assert client.post(f"/api/reduction/proposals/{proposal}/reject", headers=bearer(client, "daqiban"),
                       data={"note": "x"}).status_code == 422          # already decided
    # an enterprise, a department: they may not import
    assert upload(client, "qiye", [[code(2), "潞州区示例铸造厂（测试）", "潞州区", "铸造", "C", "PM", "1", "x", "是"]]
                  ).status_code == 403


def test_a_bad_file_names_every_row_and_stores_nothing(client):
    before = listed(client, "daqiban")
    bad = upload(client, "daqiban", [
        [code(3)[:-1] + "0", "校验位错", "长子县", "焦化", "B", "NOx", "10", "x", "是"],         # check digit
        [code(4), "未知县", "火星县", "焦化", "B", "NOx", "10", "x", "是"],                       # county
        [code(5), "负排放", "长子县", "焦化", "B", "NOx", "-1", "x", "是"],                       # tonnes
        [code(6), "无来源", "长子县", "焦化", "B", "SO2", "10", "", "是"],                       # source
        [code(7), "未知污染物", "长子县", "焦化", "B", "CO2", "10", "x", "是"],                   # pollutant
        [code(8), "清单不明", "长子县", "焦化", "B", "NOx", "10", "x", "也许"],                   # 纳入清单
        [code(9), "同一企业", "沁县", "焦化", "B", "PM", "1", "x", "是"],
        [code(9), "同一企业", "沁源县", "焦化", "B", "SO2", "1", "x", "是"]])                   # its rows disagree
    assert bad.status_code == 422
    errors = bad.json()["detail"]["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [
        (2, "统一社会信用代码"), (3, "县区"), (4, "基准排放量（吨/年）"), (5, "数据来源"), (6, "污染物"), (7, "纳入清单"),
        (9, "县区")]
    assert listed(client, "daqiban") == before


def test_export_reimports_unchanged_and_totals(client):
    got = client.get("/api/reduction/export?format=csv", headers=bearer(client, "daqiban"))
    assert got.status_code == 200
    again = client.post("/api/reduction/import", headers=bearer(client, "daqiban"), data={"dry_run": "true"},
                        files={"file": ("export.csv", io.BytesIO(got.content), "text/csv")})
    assert again.status_code == 200, again.text
    body = again.json()
    assert body["created"] == [] and body["updated"] == [] and body["baselines_set"] == 0 and body["unchanged"]
    assert client.post("/api/reduction/totals", headers=bearer(client, "luzhou"),
                       data={"pollutant": "NOx", "tonnes": "1", "source": "x"}).status_code == 403
    set_ = client.post("/api/reduction/totals", headers=bearer(client, "daqiban"),
                       data={"pollutant": "nox", "tonnes": "20000", "source": "2022年排放清单（测试）", "year": "2023"})
    assert set_.status_code == 200 and set_.json()["changed"] is True
    check = client.get("/api/reduction?level=orange&year=2023", headers=bearer(client, "daqiban")).json()["check"]
    assert check["NOx"]["total_t"] == 20000 and check["NOx"]["total_source"] == "2022年排放清单（测试）"
    bad = client.post("/api/reduction/totals", headers=bearer(client, "daqiban"),
                      data={"pollutant": "CO2", "tonnes": "1", "source": "x"})
    assert bad.status_code == 422


def test_the_page_shows_the_list_and_the_county_its_own(web_app):
    city = page_session(web_app, "daqiban").get("/emergency/reduction")
    assert city.status_code == 200 and "导入清单" in city.text and "全市排放总量" in city.text
    county = page_session(web_app, "luzhou").get("/emergency/reduction")
    assert county.status_code == 200 and "报送本县区清单" in county.text
    assert "长子县示例焦化厂" not in county.text and "全市排放总量" not in county.text


def test_targets_imported_by_the_office_checked_and_scoped(client):
    rows = "单位,年份,指标,目标值,来源\n长治市,2030,PM2.5年均浓度,35,测试文件\n潞州区,2030,good_day_ratio,80,测试文件\n" \
           "屯留区,2030,pm25_mean,37,测试文件\n"
    files = {"file": ("目标.csv", io.BytesIO(rows.encode("utf-8")), "text/csv")}
    assert client.post("/api/targets/import", headers=bearer(client, "luzhou"), files=files).status_code == 403
    files = {"file": ("目标.csv", io.BytesIO(rows.encode("utf-8")), "text/csv")}
    ok = client.post("/api/targets/import", headers=bearer(client, "daqiban"), files=files)
    assert ok.status_code == 200 and ok.json()["created"] == 3
    bad = "单位,年份,指标,目标值,来源\n长治市,2030,pm2.5_mean,35,x\n潞州区,2030,good_day_ratio,172,x\n"
    refused = client.post("/api/targets/import", headers=bearer(client, "daqiban"),
                          files={"file": ("坏.csv", io.BytesIO(bad.encode("utf-8")), "text/csv")})
    assert refused.status_code == 422
    assert [(e["row"], e["column"]) for e in refused.json()["detail"]["errors"]] == [(2, "指标"), (3, "目标值")]
    mine = client.get("/api/targets?year=2030", headers=bearer(client, "luzhou")).json()
    assert sorted((r["unit"], r["indicator"], r["value"]) for r in mine) == [
        ("140400", "pm25_mean", "35"), ("140403", "good_day_ratio", "80")]
    assert len(client.get("/api/targets?year=2030", headers=bearer(client, "daqiban")).json()) == 3
