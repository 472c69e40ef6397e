"""The live room's pages and API, scoped: a county sees its own devices (others 404), an enterprise its
facility's, only the office sees the quarantine and the job runs and adds devices; each user has their
own inbox and subscriptions; the store query reads only what the caller may see; open pages learn of
new hours through /live/changed."""
from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from lantian.measurements.store import ImportSummary, Store
from tests.live.conftest import BOILER_MN, STATION_MN, TUNLIU_MN, database_env
from tests.web.conftest import bearer, page_session


@pytest.fixture(scope="module")
def app(live):
    from lantian.web.app import create_app
    with database_env(live.url):
        return create_app(live.root)


@pytest.fixture(scope="module")
def client(app):
    return TestClient(app)


_tokens: dict = {}


def auth(client, user):
    key = (id(client), user)
    if key not in _tokens:
        _tokens[key] = bearer(client, user)
    return _tokens[key]


def test_devices_are_scoped(client):
    city = {d["mn"] for d in client.get("/api/live/devices", headers=auth(client, "daqiban")).json()}
    assert {STATION_MN, TUNLIU_MN, BOILER_MN} <= city
    luzhou = {d["mn"] for d in client.get("/api/live/devices", headers=auth(client, "luzhou")).json()}
    assert STATION_MN in luzhou and BOILER_MN in luzhou and TUNLIU_MN not in luzhou
    assert client.get(f"/api/live/devices/{TUNLIU_MN}", headers=auth(client, "luzhou")).status_code == 404
    assert client.get(f"/api/live/devices/{STATION_MN}", headers=auth(client, "luzhou")).status_code == 200
    qiye = {d["mn"] for d in client.get("/api/live/devices", headers=auth(client, "qiye")).json()}
    assert qiye == {BOILER_MN}                                   # its own facility's device only
    assert client.get(f"/api/live/devices/{STATION_MN}", headers=auth(client, "qiye")).status_code == 404
    detail = client.get(f"/api/live/devices/{BOILER_MN}", headers=auth(client, "qiye")).json()
    assert detail["target"] == "facility" and "deviations" in detail and "silent" in detail


def test_office_only_pages_and_actions(app, client):
    for user in ("luzhou", "qiye", "gongxin"):
        h = auth(client, user)
        assert client.get("/api/live/quarantine", headers=h).status_code == 403
        assert client.get("/api/live/jobs", headers=h).status_code == 403
        assert client.post("/api/live/devices", data={"mn": "XX1", "password": "1", "station": "9001A"},
                           headers=h).status_code == 403
        assert client.post("/api/live/jobs/deliver/run", headers=h).status_code == 403
    h = auth(client, "daqiban")
    assert client.get("/api/live/quarantine?state=all", headers=h).status_code == 200
    made = client.post("/api/live/devices", data={"mn": "WEB0000000000000000000D4", "password": "abcdef",
                                                  "station": "9002A", "units": "a34004=ug/m3"}, headers=h)
    assert made.status_code == 201 and made.json()["county"] == "140405"
    again = client.post("/api/live/devices", data={"mn": "WEB0000000000000000000D4", "password": "x", "station": "9002A"},
                        headers=h)
    assert again.status_code == 422 and "already registered" in again.json()["detail"]
    run = client.post("/api/live/jobs/silent_devices/run", headers=h).json()
    assert run["status"] == "ok" and run["result"]["silent"] >= 1
    assert client.post("/api/live/jobs/nope/run", headers=h).status_code == 404
    page = page_session(app, "daqiban")
    for url, marker in (("/live", 'id="devices"'), ("/live/quarantine", 'id="quarantine"'),
                        ("/live/jobs", 'id="runs"'), (f"/live/devices/{STATION_MN}", 'id="last-packet"'),
                        ("/live/inbox", 'id="messages"')):
        r = page.get(url)
        assert r.status_code == 200 and marker in r.text, url
    assert page_session(app, "luzhou").get("/live/quarantine").status_code == 403
    assert page_session(app, "luzhou").get(f"/live/devices/{TUNLIU_MN}").status_code == 404


def test_inbox_and_subscriptions_are_each_users_own(live, client):
    from lantian import db
    from lantian.live import notify
    with db.session(live.url) as s:
        notify.emit(s, "aqi_above", "web:aqi:1", "网页测试：潞州测试站AQI 250", "…", unit="140403", link="/")
    mine = client.get("/api/live/inbox", headers=auth(client, "luzhou")).json()
    msg = [m for m in mine if m["title"] == "网页测试：潞州测试站AQI 250"][0]
    assert not msg["read"]
    assert "网页测试：潞州测试站AQI 250" not in [m["title"] for m in
                                           client.get("/api/live/inbox", headers=auth(client, "tunliu")).json()]
    assert client.post("/api/live/inbox/read", data={"delivery": msg["delivery"]},
                       headers=auth(client, "tunliu")).status_code == 404       # not their message
    assert client.post("/api/live/inbox/read", data={"delivery": msg["delivery"]},
                       headers=auth(client, "luzhou")).json() == {"read": 1}
    sub = client.post("/api/live/subscriptions", data={"kind": "fire_escalated", "channel": "email",
                                                        "target": "luzhou@changzhi.example"},
                      headers=auth(client, "luzhou"))
    assert sub.status_code == 201
    assert client.post("/api/live/subscriptions", data={"kind": "fire_escalated", "channel": "email", "target": "x"},
                       headers=auth(client, "luzhou")).status_code == 422
    sid = sub.json()["id"]
    assert client.post(f"/api/live/subscriptions/{sid}/delete", headers=auth(client, "tunliu")).status_code == 404
    assert client.post(f"/api/live/subscriptions/{sid}/delete", headers=auth(client, "luzhou")).status_code == 200
    version = client.get("/api/live/version", headers=auth(client, "luzhou")).json()
    assert set(version) == {"store", "emergency", "unread"}


def test_store_query_api_is_scoped(live, client):
    Store(live.measurements).ingest(pa.table({
        "station": ["9001A", "9001A"], "time": [dt.datetime(2024, 5, 1, 10)] * 2, "pollutant": ["PM2_5", "SO2"],
        "value": [35.0, 12.0], "unit": ["µg/m³"] * 2, "averaging": ["1h"] * 2}), "table",
        ImportSummary("web-query", "table", []))
    from lantian.live.series import COLUMNS, LiveSeries
    LiveSeries(live.measurements).write("minute", dt.date(2024, 5, 1), dict(zip(COLUMNS, [[STATION_MN], ["9001A"], [None],
        [dt.datetime(2024, 5, 1, 9, 40)], ["a34004"], ["Avg"], [33.1], ["µg/m³"], ["N"],
        [dt.datetime(2024, 5, 1, 2, tzinfo=dt.timezone.utc)], ["20240501095000001"]])), "web-test")
    got = client.get("/api/store/query?station=9001A&from=2024-05-01&to=2024-05-01",
                     headers=auth(client, "luzhou"))
    assert got.status_code == 200 and {r["pollutant"] for r in got.json()} >= {"PM2_5", "SO2"}
    assert client.get("/api/store/query?station=9002A", headers=auth(client, "luzhou")).status_code == 404
    csv_text = client.get("/api/store/query?station=9001A&series=minute&format=csv", headers=auth(client, "luzhou")).text
    assert csv_text.startswith("mn,station,facility,data_time,code,field,value,unit,flag,received_at")
    assert client.get("/api/store/query?station=9001A&series=weekly", headers=auth(client, "luzhou")).status_code == 422
    facility = client.get(f"/api/live/devices/{BOILER_MN}", headers=auth(client, "daqiban")).json()["facility"]
    assert client.get(f"/api/store/query?facility={facility}", headers=auth(client, "qiye")).status_code == 200
    assert client.get(f"/api/store/query?facility={facility}", headers=auth(client, "tunliu")).status_code == 404


def test_open_pages_refresh_when_new_hours_arrive(app, live):
    page = page_session(app, "luzhou")
    html = page.get("/").text
    v = html.split("/live/changed?kind=data&amp;v=")[1].split('"')[0]
    assert page.get(f"/live/changed?kind=data&v={v}").status_code == 204
    Store(live.measurements).ingest(pa.table({"station": ["9001A"], "time": [dt.datetime(2024, 5, 20, 1)],
                                              "pollutant": ["PM10"], "value": [50.0], "unit": ["µg/m³"],
                                              "averaging": ["1h"]}), "table", ImportSummary("web-refresh", "table", []))
    r = page.get(f"/live/changed?kind=data&v={v}")
    assert r.status_code == 200 and r.headers["HX-Refresh"] == "true"
    emergency = page.get("/emergency").text
    assert "/live/changed?kind=emergency" in emergency
