"""The fire-point pages and API once the router is included (web/app.py) and the evidence service knows
``fire_case``: a county sees and acts on its own fire points only, enterprises see none, the finding
form stores photos through the evidence service, the map and statistics render."""
from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from databases import fresh_database, database_url
from lantian import db
from lantian.accounts.scope import Scope
from lantian.fires import service
from lantian.demo import demo_accounts
from lantian.fires.demo import demo_fires
from lantian.measurements import stations
from lantian.workspace import init
from tests.web.conftest import bearer, page_session

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fires_app(request, tmp_path_factory, data_dir):
    from lantian.web.app import create_app
    folder = tmp_path_factory.mktemp(f"fires-{request.param}")
    with fresh_database(request.param, folder) as url:
        with database_url(url):
            ws = init(folder / "ws")                   # the counties and an account per role suffice here
            db.upgrade(ws.database_url)
            stations.load_boundaries(ws.database_url, data_dir / "boundaries" / "140400_full.json", changed_by="test")
            demo_accounts(ws.database_url)
            demo_fires(ws.database_url, data_dir)
            ws.set_as_of(dt.date(2023, 6, 30))
            app = create_app(folder / "ws")
        yield app


@pytest.fixture(scope="module")
def client(fires_app):
    return TestClient(fires_app)


_tokens: dict = {}
_pages: dict = {}


def auth(client, user: str) -> dict:
    """A bearer header per user (signing in hashes the password: once is enough)."""
    key = (id(client), user)
    if key not in _tokens:
        _tokens[key] = bearer(client, user)
    return _tokens[key]


def signed_in(app, user: str):
    key = (id(app), user)
    if key not in _pages:
        _pages[key] = page_session(app, user)
    return _pages[key]


def ids(app, county: str) -> list[int]:
    with db.session(app.state.db_url) as s:
        return [c["id"] for c in service.cases(s, Scope.office(app.state.db_url), county=county)]


def token(c) -> str:
    return c.get("/fires").text.split('name="csrf_token" value="')[1].split('"')[0]


def test_county_sees_its_own_and_enterprise_none(fires_app, client):
    luzhou, tunliu = ids(fires_app, "140403"), ids(fires_app, "140405")
    mine = client.get("/api/fires", headers=auth(client, "luzhou")).json()
    assert sorted(c["id"] for c in mine) == sorted(luzhou) and {c["county"] for c in mine} == {"140403"}
    city = client.get("/api/fires", headers=auth(client, "daqiban")).json()
    assert len(city) == 8 and {c["status"] for c in city} == {"pending", "escalated", "verified"}
    assert client.get(f"/api/fires/{tunliu[0]}", headers=auth(client, "luzhou")).status_code == 404
    assert client.get(f"/api/fires/{luzhou[0]}", headers=auth(client, "luzhou")).status_code == 200
    assert client.get("/api/fires", headers=auth(client, "qiye")).json() == []
    assert client.get("/api/fires/stats", headers=auth(client, "qiye")).status_code == 404
    assert client.get(f"/api/fires/{luzhou[0]}", headers=auth(client, "qiye")).status_code == 404
    page = signed_in(fires_app, "luzhou")
    assert page.get(f"/fires/cases/{tunliu[0]}").status_code == 404
    text = page.get("/fires").text
    assert "潞州区" in text and "仅显示本辖区火点" in text and f'data-case="{tunliu[0]}"' not in text
    assert signed_in(fires_app, "qiye").get("/fires").status_code == 404


def test_list_stats_and_map(fires_app, client):
    stats = client.get("/api/fires/stats?year=2023&season=夏收", headers=auth(client, "daqiban")).json()
    assert len(stats["counties"]) == 12 and stats["total"]["slots"] == {"收工时": 2, "上半夜": 1, "下雨前": 1,
                                                                        "播种前": 1}
    mine = client.get("/api/fires/stats?year=2023", headers=auth(client, "luzhou")).json()
    assert [c["county"] for c in mine["counties"]] == ["140403"]
    escalated = client.get("/api/fires?status=escalated&period=2022", headers=auth(client, "daqiban")).json()
    assert {c["county"] for c in escalated} == {"140428", "140403"}
    assert client.get("/api/fires?status=late", headers=auth(client, "daqiban")).status_code == 422
    page = signed_in(fires_app, "daqiban").get("/fires?year=2023&season=夏收")
    assert page.status_code == 200
    for marker in ('id="map"', 'id="fire-points"', "/api/geo/counties", "逾期未核查（已升级）", "收工时", "播种前",
                   'id="report-form"', 'id="county-figures"'):
        assert marker in page.text, marker


def test_finding_form_with_photo(fires_app, client):
    case = ids(fires_app, "140403")[0]                 # the drone report of the as-of day: pending
    c = signed_in(fires_app, "luzhou")
    detail = c.get(f"/fires/cases/{case}")
    assert detail.status_code == 200 and 'id="finding-form"' in detail.text and "待核查" in detail.text
    r = c.post(f"/api/fires/{case}/finding", data={"kind": "straw", "note": "已扑灭", "lat": "36.2001",
                                                   "lon": "113.1102", "by": "李四", "csrf_token": token(c)},
               files=[("photos", ("site.png", PNG, "image/png"))], headers={"Accept": "text/html"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/fires/cases/{case}"
    got = client.get(f"/api/fires/{case}", headers=auth(client, "luzhou")).json()
    assert got["status"] == "verified" and got["found_by"] == "李四（luzhou）" and got["photos"][0]["filename"] == "site.png"
    photo = got["photos"][0]["id"]
    assert client.get(f"/api/attachments/{photo}", headers=auth(client, "luzhou")).content == PNG
    assert client.get(f"/api/attachments/{photo}", headers=auth(client, "tunliu")).status_code == 404
    bad = c.post(f"/api/fires/{case}/finding", data={"kind": "straw", "csrf_token": token(c)},
                 files=[("photos", ("site.png", b"not a png", "image/png"))])
    assert bad.status_code == 422                      # the photo is checked; nothing of the request stored
    assert c.post(f"/api/fires/{case}/finding", data={"kind": "straw", "csrf_token": "forged"}).status_code == 403


def test_who_may_act(fires_app, client):
    luzhou, tunliu = ids(fires_app, "140403"), ids(fires_app, "140405")
    form = {"kind": "false_alarm"}
    assert client.post(f"/api/fires/{luzhou[0]}/finding", data=form,
                       headers=auth(client, "tunliu")).status_code == 404
    assert client.post(f"/api/fires/{luzhou[0]}/finding", data=form,
                       headers=auth(client, "gongxin")).status_code == 403
    ok = client.post(f"/api/fires/{tunliu[-1]}/finding", data={"kind": "工业热源", "at": "2022-05-29 10:00"},
                     headers=auth(client, "jiancha"))
    assert ok.status_code == 200 and ok.json()["finding"] == "industrial"
    report = {"time": "2023-06-29 21:15", "lat": "36.21", "lon": "113.09", "source": "video", "reporter": "视频监控"}
    r = client.post("/api/fires/reports", data=report, headers=auth(client, "luzhou"))
    assert r.status_code == 201 and r.json()["created"] is True
    assert client.post("/api/fires/reports", data=dict(report, lat="36.33", lon="112.95"),
                       headers=auth(client, "luzhou")).status_code == 403          # 屯留区
    assert client.post("/api/fires/reports", data=dict(report, lat="39.9", lon="116.4"),
                       headers=auth(client, "daqiban")).status_code == 422
    figures = {"county": "140405", "year": "2023", "farmland_ha": "45000"}
    refused = client.post("/api/fires/figures", data=figures, headers=auth(client, "luzhou"))
    assert refused.status_code == 403 and "140405 不是本县区" in refused.json()["detail"]
    assert client.post("/api/fires/figures", data=figures, headers=auth(client, "tunliu")).status_code == 200
    day = {"county": "140403", "kind": "rain", "start": "2023-07-02"}
    assert client.post("/api/fires/calendar", data=day, headers=auth(client, "luzhou")).status_code == 200
    assert client.post("/api/fires/calendar", data=dict(day, start="someday"),
                       headers=auth(client, "luzhou")).status_code == 422
