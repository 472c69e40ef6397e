"""The gate room's pages and API over the demo's synthetic gates (SQLite and PostgreSQL): scoped reads,
the push endpoint with a gate token bound to its enterprise, and resolutions."""
from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from databases import KINDS, fresh_database, database_url
from lantian import db
from lantian.accounts.scope import Scope
from lantian.emergency.demo import demo_reduction
from lantian.enterprises.demo import demo_ledger
from lantian.vehicles import service
from lantian.vehicles.demo import LUZHOU_PLATE, TUNLIU_PLATE, demo_vehicles
from tests.web.conftest import bearer as sign_in
from tests.web.conftest import page_session, registry_workspace

WEEK = "from=2023-06-24&to=2023-06-30"
HONGQI, RUICHANG, KEBAO = "长治市潞州区红旗水泥有限公司", "长治市屯留区瑞昌水泥有限公司", "长治市科保水泥有限公司"
RECORD = {"plate": "晋DC2001", "vehicle_type": "重型货车", "fuel": "柴油", "emission_standard": "国Ⅵ",
          "time_in": "2023-06-30 11:00"}


@pytest.fixture(scope="module", params=KINDS)
def app(request, tmp_path_factory, data_dir):
    from lantian.web.app import create_app
    folder = tmp_path_factory.mktemp(f"vehicles-web-{request.param}")
    with fresh_database(request.param, folder) as url:
        with database_url(url):
            ws = registry_workspace(folder / "ws", data_dir)
            demo_ledger(url)
            demo_reduction(url)
            demo_vehicles(url, ws.root)
            ws.set_as_of(dt.date(2023, 6, 30))
            web = create_app(folder / "ws")
        yield web


@pytest.fixture(scope="module")
def client(app):
    return TestClient(app)


_tokens: dict = {}


def bearer(client, username):
    """A signed-in header, once per user and app (argon2 makes each sign-in slow on purpose)."""
    key = (id(client), username)
    if key not in _tokens:
        _tokens[key] = sign_in(client, username)
    return _tokens[key]


def test_pages_are_scoped(app):
    city = page_session(app, "daqiban").get("/vehicles")
    assert city.status_code == 200 and LUZHOU_PLATE in city.text and "停传" in city.text and "合成" in city.text
    luzhou = page_session(app, "luzhou")
    mine = luzhou.get("/vehicles")
    assert HONGQI in mine.text and RUICHANG not in mine.text
    assert luzhou.get(f"/vehicles/plates/{LUZHOU_PLATE}").status_code == 200
    assert luzhou.get(f"/vehicles/plates/{TUNLIU_PLATE}").status_code == 404
    assert luzhou.get("/vehicles?from=2023-06-30&to=2023-06-01").status_code == 422


def test_violations_and_records_api(client):
    v = client.get(f"/api/gates/violations?{WEEK}", headers=bearer(client, "daqiban")).json()
    assert LUZHOU_PLATE in {x["plate"] for x in v["violations"]}
    assert [g["enterprise"] for g in v["gates"] if g["silent"]] == ["沁县华安焦化有限公司"]
    lz = client.get(f"/api/gates/violations?{WEEK}", headers=bearer(client, "luzhou")).json()
    assert {x["county"] for x in lz["violations"]} == {"140403"} and {g["county"] for g in lz["gates"]} == {"140403"}
    own = client.get(f"/api/gates/records?{WEEK}", headers=bearer(client, "qiye")).json()
    assert own and {r["enterprise"] for r in own} == {"长治示例焦化有限公司（合成数据）"}
    assert client.get(f"/api/vehicles/plates/{TUNLIU_PLATE}", headers=bearer(client, "luzhou")).status_code == 404
    h = client.get(f"/api/vehicles/plates/{LUZHOU_PLATE}", headers=bearer(client, "luzhou")).json()
    assert h["failed_checks"] == 1 and h["findings"][0]["rule"] == "warning_ban"
    assert client.get(f"/api/gates/violations?{WEEK}").status_code == 401


def test_a_gate_token_pushes_for_its_own_enterprise_only(app, client):
    with db.session(app.state.db_url) as s:
        token = service.issue_token(s, Scope.office(app.state.db_url, "test"), KEBAO)
    gate = {"Authorization": f"Bearer {token}"}
    r = client.post("/api/gates/records", headers=gate, json=[RECORD])
    assert r.status_code == 200 and r.json()["added"] == 1
    assert client.post("/api/gates/records", headers=gate, json=[RECORD]).json()["unchanged"] == 1
    assert client.post("/api/gates/records", headers=gate, json=[dict(RECORD, enterprise=RUICHANG)]).status_code == 403
    bad = client.post("/api/gates/records", headers=gate, json={"records": [dict(RECORD, emission_standard="国9")]})
    assert bad.status_code == 422 and "line 1, column emission_standard" in bad.json()["detail"]
    assert client.post("/api/gates/records", headers={"Authorization": "Bearer gt_forged"},
                       json=[RECORD]).status_code == 401
    assert client.post("/api/gates/records", json=[RECORD]).status_code in (401, 403)
    assert client.post("/api/gates/records", headers=bearer(client, "luzhou"), json=[RECORD]).status_code == 403
    r = client.post("/api/gates/records", headers=bearer(client, "qiye"), json=[dict(RECORD, plate="晋DC2002")])
    assert r.status_code == 200 and r.json()["added"] == 1


def test_resolve_a_violation(client):
    v = client.get(f"/api/gates/violations?{WEEK}", headers=bearer(client, "luzhou")).json()
    x = next(x for x in v["violations"] if x["plate"] == LUZHOU_PLATE)
    url = f"/api/gates/violations/{x['record_id']}/resolve"
    form = {"rule": x["rule"], "note": "已立案处罚（合成）"}
    assert client.post(url, headers=bearer(client, "tunliu"), data=form).status_code == 404
    assert client.post(url, headers=bearer(client, "qiye"), data=form).status_code == 404
    assert client.post(url, headers=bearer(client, "luzhou"), data=form).status_code == 200
    assert client.post(url, headers=bearer(client, "luzhou"), data=form).status_code == 422
    again = client.get(f"/api/gates/violations?{WEEK}", headers=bearer(client, "daqiban")).json()
    assert next(y for y in again["violations"] if y["plate"] == LUZHOU_PLATE)["resolved"]["by"] == "luzhou"
