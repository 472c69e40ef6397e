"""Warnings over HTTP: the office issues from a forecast, each enterprise sees only its own measures,
counties their enterprises'; acknowledgements; the reduction list is the city's."""
from __future__ import annotations

from tests.web.conftest import bearer, page_session


def test_issue_see_acknowledge_lift(client, web_app):
    city, lz, qy, tl = (bearer(client, u) for u in ("daqiban", "luzhou", "qiye", "tunliu"))
    level = client.get("/api/alerts/level?forecast=210,230,190&ruleset=2024", headers=lz).json()
    assert level["level"] == "orange" and level["reasons"]
    assert client.post("/api/alerts", headers=lz, data={"forecast": "210,230,190"}).status_code == 403
    assert client.post("/api/alerts", headers=city, data={"forecast": "abc"}).status_code == 422
    r = client.post("/api/alerts", headers=city, data={"forecast": "210,230,190", "ruleset": "648",
                                                         "start": "2023-12-10"})
    assert r.status_code == 201 and r.json()["level"] == "yellow"
    alert_id = r.json()["id"]
    mine = client.get("/api/alerts", headers=qy).json()[0]
    assert [e["enterprise_id"] for e in mine["enterprises"]] == [1] and mine["county_acks"] == {}
    county = client.get("/api/alerts", headers=lz).json()[0]
    assert {e["county"] for e in county["enterprises"]} == {"140403"} and len(county["enterprises"]) == 3
    assert {e["county"] for e in client.get("/api/alerts", headers=tl).json()[0]["enterprises"]} == {"140405"}
    assert len(client.get("/api/alerts", headers=city).json()[0]["enterprises"]) == 10
    assert client.get(f"/api/alerts/{alert_id}/notice", headers=lz).status_code == 404
    notice = client.get(f"/api/alerts/{alert_id}/notice", headers=city)
    assert notice.status_code == 200 and notice.content[:2] == b"PK"
    assert client.post(f"/api/alerts/{alert_id}/ack", headers=qy).json()["state"] == "acknowledged"
    assert client.post(f"/api/alerts/{alert_id}/ack", headers=lz).status_code == 200
    assert client.post(f"/api/alerts/{alert_id}/ack", headers=bearer(client, "gongxin")).status_code == 403
    after = client.get("/api/alerts", headers=city).json()[0]
    assert after["acknowledged"] == 1 and after["county_acks"] == {"140403": "luzhou"}
    page = page_session(web_app, "qiye").get("/emergency")
    assert page.status_code == 200 and "黄色预警（Ⅲ级）" in page.text and "沁县华安" not in page.text
    assert "减排核算" not in page.text
    office = page_session(web_app, "daqiban").get("/emergency?level=red")
    assert "红色预警（Ⅰ级） 减排核算" in office.text and "未达到" in office.text
    assert client.post(f"/api/alerts/{alert_id}/lift", headers=lz).status_code == 403
    assert client.post(f"/api/alerts/{alert_id}/lift", headers=city).json()["state"] == "lifted"
    review = client.get(f"/api/alerts/{alert_id}/review", headers=city).json()
    assert [d["day"] for d in review["days"]] == ["2023-12-10", "2023-12-11", "2023-12-12"]
    assert review["coverage"] == "0/3" and review["acknowledged"] == 1      # no 2023 data in this workspace
    assert client.get(f"/api/alerts/{alert_id}/review", headers=lz).status_code == 404
    doc = client.get(f"/api/alerts/{alert_id}/review?format=docx", headers=city)
    assert doc.status_code == 200 and doc.content[:2] == b"PK"
    page = page_session(web_app, "daqiban").get(f"/emergency/alerts/{alert_id}/review")
    assert page.status_code == 200 and "过程复盘" in page.text
    assert page_session(web_app, "luzhou").get(f"/emergency/alerts/{alert_id}/review").status_code == 404


def test_reduction_list_is_the_citys(client):
    assert client.get("/api/reduction?level=orange", headers=bearer(client, "luzhou")).status_code == 404
    r = client.get("/api/reduction?level=red&year=2023", headers=bearer(client, "daqiban")).json()
    assert r["check"]["VOCs"]["met"] is False and r["check"]["VOCs"]["shortfall_t"] > 0
    assert r["check"]["SO2"]["total_source"].startswith("合成")
    assert client.get("/api/reduction?level=purple", headers=bearer(client, "daqiban")).status_code == 422


def test_staggered_calendar_is_scoped(web_app):
    county = page_session(web_app, "luzhou").get("/emergency")
    assert "秋冬季差异化错峰生产（2022—2023年）" in county.text
    assert "长治市科保水泥有限公司" in county.text and "壶关县红旗水泥有限公司" not in county.text
    city = page_session(web_app, "daqiban").get("/emergency")
    assert "壶关县红旗水泥有限公司" in city.text and "错峰期间全时段停产" in city.text


def test_ozone_schedule_is_scoped(client):
    mine = client.get("/api/ozone?forecast_o3=180,220&start=2023-06-20", headers=bearer(client, "luzhou")).json()
    assert [d["triggered"] for d in mine["days"]] == [False, True]
    assert {e["county"] for e in mine["schedule"]} == {"140403"} and mine["city_wide"]
    city = client.get("/api/ozone?forecast_o3=180,220", headers=bearer(client, "daqiban")).json()
    assert len(city["schedule"]) > len(mine["schedule"])
    assert client.get("/api/ozone?forecast_o3=abc", headers=bearer(client, "daqiban")).status_code == 422


def test_verification_upload(client, web_app, tmp_path):
    """用电监控/CEMS upload: kept in the store, the run kept and scoped (沁县's facility: the city sees its
    suspect, 潞州区 does not)."""
    import io
    import pyarrow as pa
    import pyarrow.compute as pc
    from lantian.enterprises.demo import demo_credit_code
    from lantian.emergency.series import write_csv
    from lantian.emergency.synthetic import generate
    city = bearer(client, "daqiban")
    gen = generate(seed=2)
    off = next(f for f, kinds in sorted(gen.truth.items()) if "treatment_off" in kinds)
    start = gen.warning[0].date()
    days = (gen.warning[1].date() - start).days + 1
    r = client.post("/api/alerts", headers=city, data={"forecast": ",".join(["260"] * days), "start": str(start)})
    alert_id = r.json()["id"]
    stranger = tmp_path / "s.csv"
    write_csv(gen.table.filter(pc.equal(gen.table.column("facility"), off)), stranger)
    refused = client.post(f"/api/alerts/{alert_id}/verify", headers=city,
                          files={"file": ("s.csv", io.BytesIO(stranger.read_bytes()), "text/csv")})
    assert refused.status_code == 422 and "none of the file's facilities" in refused.json()["detail"]
    mine = f"{demo_credit_code(1)}:JL-3"                  # 沁县, on the reduction list
    table = gen.table.filter(pc.is_in(gen.table.column("facility"), pa.array([off])))
    path = tmp_path / "series.csv"
    write_csv(table.set_column(0, "facility", pc.replace_substring(table.column("facility"), off, mine)), path)
    found = client.post(f"/api/alerts/{alert_id}/verify", headers=city,
                        files={"file": ("series.csv", io.BytesIO(path.read_bytes()), "text/csv")}).json()
    assert found["facilities"] == 1 and any(x["kind"] == "treatment_off" for x in found["suspects"])
    bad = client.post(f"/api/alerts/{alert_id}/verify", headers=city,
                      files={"file": ("s.csv", io.BytesIO(b"facility,time\nx,y\n"), "text/csv")})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("s.csv, line 1")      # the name, not a temp path
    assert client.post(f"/api/alerts/{alert_id}/verify", headers=bearer(client, "luzhou"),
                       files={"file": ("s.csv", io.BytesIO(path.read_bytes()), "text/csv")}).status_code in (403, 404)
    kept = client.get(f"/api/alerts/{alert_id}/verification", headers=city).json()
    assert kept["id"] == found["id"] and kept["source"] == "series.csv" and kept["suspects"] == found["suspects"]
    county = client.get(f"/api/alerts/{alert_id}/verification", headers=bearer(client, "luzhou")).json()
    assert county["suspects"] == [] and county["achieved"] == {}          # not a facility of 潞州区
    page = page_session(web_app, "daqiban").get(f"/emergency/alerts/{alert_id}/verification")
    assert page.status_code == 200 and 'id="verify"' in page.text and "series.csv" in page.text and "生产时治污设施停运" in page.text
    plain = page_session(web_app, "luzhou").get(f"/emergency/alerts/{alert_id}/verification")
    assert plain.status_code == 200 and 'id="verify"' not in plain.text and "生产时治污设施停运" not in plain.text
    client.post(f"/api/alerts/{alert_id}/lift", headers=city)


def test_dustfall_bulletin_page(client, web_app):
    b = client.get("/api/dustfall/bulletin", headers=bearer(client, "tunliu")).json()
    assert b["period"] == "2021-10" and b["city"]["mean"] == 1.4
    assert client.get("/api/dustfall/bulletin?period=2021-13", headers=bearer(client, "tunliu")).status_code == 422
    page = page_session(web_app, "tunliu").get("/dustfall")
    assert page.status_code == 200 and "黎城县" in page.text and 'class="mine"' in page.text


def test_staggered_calendar_issued_acknowledged_and_scoped(client, web_app):
    """Task 21's calendar as a record over HTTP: the office issues it, an enterprise acknowledges its own
    line, a county records its enterprises' and cannot touch another county's; the notice is the city's."""
    city, lz, qy, tl = (bearer(client, u) for u in ("daqiban", "luzhou", "qiye", "tunliu"))
    assert client.post("/api/staggered", headers=lz, data={"season": "2023"}).status_code == 403
    r = client.post("/api/staggered", headers=city, data={"season": "2023", "on": "2023-10-20"})
    assert r.status_code == 201
    cal = r.json()["id"]
    lines = {e["name"]: e for e in next(c for c in client.get("/api/staggered", headers=city).json()
                                        if c["id"] == cal)["enterprises"]}
    assert len(lines) == 10 and lines["长治市潞州区红旗水泥有限公司"]["planning_area"] is True     # the demo's polygon
    own = next(c for c in client.get("/api/staggered", headers=qy).json() if c["id"] == cal)
    assert [e["enterprise_id"] for e in own["enterprises"]] == [1] and own["document"] is None
    assert client.post(f"/api/staggered/{cal}/ack", headers=qy).json()["state"] == "acknowledged"
    hongqi = lines["长治市潞州区红旗水泥有限公司"]["enterprise_id"]
    assert client.post(f"/api/staggered/{cal}/ack", headers=tl, data={"enterprise_id": hongqi}).status_code == 404
    assert client.post(f"/api/staggered/{cal}/receive", headers=lz, data={"enterprise_id": hongqi}).status_code == 200
    assert client.post(f"/api/staggered/{cal}/ack", headers=city, data={"enterprise_id": hongqi}).status_code == 403
    assert client.post(f"/api/staggered/{cal}/sign", headers=qy).status_code == 422
    mine = next(c for c in client.get("/api/staggered", headers=lz).json() if c["id"] == cal)
    assert {e["county"] for e in mine["enterprises"]} == {"140403"} and mine["acknowledged"] == 1
    assert mine["received"] == 2
    assert client.get(f"/api/staggered/{cal}/notice", headers=lz).status_code == 404
    notice = client.get(f"/api/staggered/{cal}/notice", headers=city)
    assert notice.status_code == 200 and notice.content[:2] == b"PK"
