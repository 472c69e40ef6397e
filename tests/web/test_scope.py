"""Scope, route by route: every route has a rule and a case here; a county never sees another's data."""
from __future__ import annotations

import pytest

from lantian.web.scoping import all_routes, rule_of
from tests.web.conftest import bearer, page_session

LUZHOU_STATION, TUNLIU_STATION, OUTSIDE_STATION = "1727A", "3569A", "1001A"

#: every route → how a county user (潞州区) is checked on it: (method, own-scope URL, other-scope URL or
#: None, expected status for the other scope). A new route without a case here fails the suite.
CASES = {
    "/login": ("GET", "/login", None, None),
    "/logout": ("POST", None, None, None),                         # covered by test_logout_needs_csrf
    "/api/auth/token": ("POST", None, None, None),                 # covered by the bearer() helper
    "/api/me": ("GET", "/api/me", None, None),
    "/api/audit": ("GET", "/api/audit", "/api/audit", 403),
    "/api/audit/verify": ("GET", "/api/audit/verify", "/api/audit/verify", 403),
    "/audit": ("GET", "/audit", "/audit", 403),
    "/api/attachments": ("GET", "/api/attachments?entity=station&entity_id=1727A",
                         "/api/attachments?entity=station&entity_id=3569A", 404),
    "/api/attachments/{attachment_id}": ("GET", None, None, None),  # covered by test_attachments_scoped
    "/": ("GET", "/", None, None),
    "/api/dashboard": ("GET", "/api/dashboard", None, None),
    "/api/stations": ("GET", "/api/stations", None, None),
    "/api/stations/{code}": ("GET", f"/api/stations/{LUZHOU_STATION}", f"/api/stations/{TUNLIU_STATION}", 404),
    "/stations/{code}": ("GET", f"/stations/{LUZHOU_STATION}", f"/stations/{TUNLIU_STATION}", 404),
    "/api/stations/{code}/network": ("POST", None, None, None),        # tests/web/test_networks.py
    "/api/geo/counties": ("GET", "/api/geo/counties", None, None),
    "/static": (None, None, None, None),
    "/api/openapi.json": ("GET", "/api/openapi.json", None, None),
    "/api/docs": ("GET", "/api/docs", None, None),
    "/api/docs/oauth2-redirect": ("GET", None, None, None),
    "/api/ranking": ("GET", "/api/ranking?month=2019-06", None, None),     # rows: test_assessment_is_scoped
    "/api/progress": ("GET", "/api/progress?date=2019-06-30", None, None),
    "/api/letters": ("GET", "/api/letters", None, None),
    "/api/letters/{letter_id}/document": ("GET", None, None, None),      # test_assessment_is_scoped
    "/assessment": ("GET", "/assessment?month=2019-06&date=2019-06-30", None, None),
    "/assessment/letters/{letter_id}/advance": ("POST", None, None, None),   # test_assessment_is_scoped
    # the plan: task ids follow task numbers (one plan, imported first); the county clause gives 潞州区 a
    # sub-task of every task, so it sees every task — only its own part of each (tests/web/test_plan.py)
    "/api/plans": ("GET", "/api/plans", None, None),
    "/api/plan": ("GET", "/api/plan", None, None),
    "/api/plan/tasks": ("GET", "/api/plan/tasks", None, None),
    "/api/plan/tasks/{task_id}": ("GET", "/api/plan/tasks/13", None, None),
    "/api/plan/counties/{code}": ("GET", "/api/plan/counties/140403", "/api/plan/counties/140405", 404),
    "/api/plan/tasks/{task_id}/reports": ("POST", None, None, None),     # tests/web/test_plan.py
    "/api/plan/tasks/{task_id}/milestones": ("POST", None, None, None),  # tests/web/test_plan.py
    "/api/plan/dispatch": ("GET", "/api/plan/dispatch", None, None),
    "/api/plan/inbox": ("GET", "/api/plan/inbox", None, None),
    "/api/plan/supervisions/{supervision_id}/document": ("GET", None, None, None),   # test_plan.py
    "/plan": ("GET", "/plan", None, None),
    "/plan/tasks/{task_id}": ("GET", "/plan/tasks/13", None, None),
    "/plan/tasks/{task_id}/milestones": ("POST", None, None, None),      # tests/web/test_plan.py
    "/plan/tasks/{task_id}/units": ("POST", None, None, None),           # tests/web/test_plan.py
    "/plan/tasks/{task_id}/supervise": ("POST", None, None, None),       # tests/web/test_plan.py
    "/plan/departments/{code}": ("GET", None, "/plan/departments/gxj", 404),
    "/plan/counties/{code}": ("GET", "/plan/counties/140403", "/plan/counties/140405", 404),
    "/plan/inbox": ("GET", "/plan/inbox", None, None),
    # the ledgers: enterprise 5 (红旗水泥) is in 潞州区, 10 (瑞昌水泥) in 屯留区
    "/api/enterprises": ("GET", "/api/enterprises", None, None),
    "/api/enterprises/{enterprise_id}": ("GET", "/api/enterprises/5", "/api/enterprises/10", 404),
    "/api/ledger/check": ("GET", "/api/ledger/check", None, None),
    "/api/ledger/template": ("GET", "/api/ledger/template", None, None),
    "/api/ledger/export": ("GET", "/api/ledger/export", None, None),
    "/api/grade-applications": ("GET", "/api/grade-applications", None, None),
    "/api/ledger/import": ("POST", None, None, None),                          # tests/web/test_ledger.py
    "/api/enterprises/{enterprise_id}/facilities": ("POST", None, None, None),   # tests/web/test_ledger.py
    "/api/ledger-changes/{change_id}/review": ("POST", None, None, None),        # tests/web/test_ledger.py
    "/api/enterprises/{enterprise_id}/grade-applications": ("POST", None, None, None),   # test_ledger.py
    "/api/grade-applications/{application_id}/review": ("POST", None, None, None),       # test_ledger.py
    "/api/grade-applications/{application_id}/decide": ("POST", None, None, None),       # test_ledger.py
    "/enterprises": ("GET", "/enterprises", None, None),
    "/enterprises/violations": ("GET", "/enterprises/violations", None, None),
    "/enterprises/grading": ("GET", "/enterprises/grading", None, None),
    "/enterprises/{enterprise_id}": ("GET", "/enterprises/5", "/enterprises/10", 404),
    # emergency: a county sees the warnings and its enterprises' measures, not the city's reduction list
    "/api/alerts/level": ("GET", "/api/alerts/level?forecast=210,230,190&ruleset=648", None, None),
    "/api/alerts": ("GET", "/api/alerts", None, None),
    "/api/alerts/{alert_id}/ack": ("POST", None, None, None),            # tests/web/test_emergency.py
    "/api/alerts/{alert_id}/lift": ("POST", None, None, None),           # tests/web/test_emergency.py
    "/api/alerts/{alert_id}/notice": ("GET", None, None, None),          # tests/web/test_emergency.py
    "/api/reduction": ("GET", None, "/api/reduction?level=orange", 404),
    # the reduction list itself: a county reads and proposes its own enterprises' rows (tests/web/test_reduction.py)
    "/api/reduction/list": ("GET", "/api/reduction/list", None, None),
    "/api/reduction/template": ("GET", "/api/reduction/template", None, None),
    "/api/reduction/export": ("GET", "/api/reduction/export?format=csv", None, None),
    "/api/reduction/import": ("POST", None, None, None),                  # tests/web/test_reduction.py
    "/api/reduction/proposals": ("GET", "/api/reduction/proposals", None, None),
    "/api/reduction/proposals/{proposal_id}/{decision}": ("POST", None, None, None),   # test_reduction.py
    "/api/reduction/totals": ("POST", None, None, None),                  # tests/web/test_reduction.py
    "/emergency/reduction": ("GET", "/emergency/reduction", None, None),
    # targets: a county reads its own and its city's; the office imports (tests/web/test_reduction.py)
    "/api/targets": ("GET", "/api/targets", None, None),
    "/api/targets/template": ("GET", "/api/targets/template?format=csv", None, None),
    "/api/targets/import": ("POST", None, None, None),                    # tests/web/test_reduction.py
    "/assessment/targets": ("GET", "/assessment/targets", None, None),
    "/emergency": ("GET", "/emergency", None, None),
    "/api/alerts/{alert_id}/review": ("GET", None, None, None),          # tests/web/test_emergency.py
    "/emergency/alerts/{alert_id}/review": ("GET", None, None, None),    # tests/web/test_emergency.py
    "/api/ozone": ("GET", "/api/ozone?forecast_o3=180,220", None, None),
    "/api/alerts/{alert_id}/verify": ("POST", None, None, None),         # tests/web/test_emergency.py
    "/api/alerts/{alert_id}/verification": ("GET", None, None, None),    # tests/web/test_emergency.py
    "/emergency/alerts/{alert_id}/verification": ("GET", None, None, None),  # tests/web/test_emergency.py
    # the dust-fall bulletin is a published document: the same for every role
    "/api/dustfall/bulletin": ("GET", "/api/dustfall/bulletin?period=2021-10", None, None),
    "/dustfall": ("GET", "/dustfall", None, None),
    # diesel trucks at the gates: enterprise 5 (红旗水泥, 潞州区) and 10 (瑞昌水泥, 屯留区)
    "/vehicles": ("GET", "/vehicles", None, None),
    "/vehicles/plates/{plate}": ("GET", "/vehicles/plates/晋DA0518", "/vehicles/plates/晋DK3096", 404),
    "/api/gates/violations": ("GET", "/api/gates/violations", None, None),
    "/api/gates/records": ("GET", "/api/gates/records?enterprise_id=5", "/api/gates/records?enterprise_id=10", 404),
    "/api/gates/violations/{record_id}/resolve": ("POST", None, None, None),   # tests/vehicles/test_routes.py
    "/api/reports/monthly": ("GET", None, "/api/reports/monthly?month=2019-01", 404),   # tests/bulletins/test_routes.py
    "/api/reports/quarterly": ("GET", None, "/api/reports/quarterly?quarter=2023Q2", 404),  # tests/bulletins/test_quarterly.py
    "/reports": ("GET", None, "/reports", 404),
    "/reports/monthly": ("GET", None, "/reports/monthly?month=2019-01", 404),
    "/reports/quarterly": ("GET", None, "/reports/quarterly?quarter=2023Q2", 404),
    # fire points: case 5 is in 潞州区, case 4 in 屯留区 (demo_fires)
    "/api/fires": ("GET", "/api/fires", None, None),
    "/api/fires/stats": ("GET", "/api/fires/stats", None, None),
    "/api/fires/{case_id}": ("GET", "/api/fires/5", "/api/fires/4", 404),
    "/api/fires/{case_id}/finding": ("POST", None, None, None),   # tests/fires/test_routes.py
    "/api/fires/reports": ("POST", None, None, None),             # tests/fires/test_routes.py
    "/api/fires/figures": ("POST", None, None, None),             # tests/fires/test_routes.py
    "/api/fires/calendar": ("POST", None, None, None),            # tests/fires/test_routes.py
    "/fires": ("GET", "/fires", None, None),
    "/fires/cases/{case_id}": ("GET", "/fires/cases/5", "/fires/cases/4", 404),
    # the registers (专项台账): heating_villages has county rows; coal_caps is the city's
    "/registers": ("GET", "/registers", None, None),
    "/registers/{register}": ("GET", "/registers/heating_villages", "/registers/coal_caps", 404),
    "/registers/{register}/{row_id}": ("GET", None, None, None),       # tests/registers/test_routes.py
    "/api/registers": ("GET", "/api/registers", None, None),
    "/api/registers/{register}": ("GET", "/api/registers/heating_villages", "/api/registers/coal_caps", 404),
    "/api/registers/{register}/findings": ("GET", "/api/registers/heating_villages/findings",
                                           "/api/registers/coal_caps/findings", 404),
    "/api/registers/{register}/template": ("GET", "/api/registers/heating_villages/template",
                                           "/api/registers/coal_caps/template", 404),
    "/api/registers/{register}/export": ("GET", "/api/registers/heating_villages/export",
                                         "/api/registers/coal_caps/export", 404),
    "/api/registers/{register}/import": ("POST", None, None, None),    # tests/registers/test_routes.py
    "/api/registers/{register}/{row_id}/attachments": ("POST", None, None, None),  # tests/registers/test_routes.py
    "/api/zones/{zone}/cover": ("GET", "/api/zones/planning_area/cover?km=20", None, None),   # test_routes.py
    "/api/staggered": ("GET", "/api/staggered", None, None),           # lines: tests/web/test_emergency.py
    "/api/staggered/{calendar_id}/{action}": ("POST", None, None, None),   # tests/web/test_emergency.py
    "/api/staggered/{calendar_id}/notice": ("GET", None, None, None),  # tests/web/test_emergency.py
    "/api/vehicles/plates/{plate}": ("GET", "/api/vehicles/plates/晋DA0518", "/api/vehicles/plates/晋DK3096", 404),
    # the inventory (this workspace has none; rows, export and build: tests/inventory/test_pages.py)
    "/inventory": ("GET", "/inventory", "/inventory?county=140405", 404),
    "/inventory/rows": ("GET", None, "/inventory/rows?county=140405", 404),
    "/api/inventory": ("GET", None, "/api/inventory?county=140405", 404),
    "/api/inventory/rows": ("GET", None, "/api/inventory/rows?county=140405", 404),
    "/api/inventory/meic": ("GET", None, None, None),
    "/api/inventory/scenario": ("GET", None, None, None),
    "/api/inventory/export": ("GET", None, None, None),
    "/inventory/build": ("POST", None, None, None),
    # source apportionment is the city's: a county sees no run (tests/inventory/test_pages.py with runs)
    "/apportionment": ("GET", None, "/apportionment", 404),
    "/apportionment/runs/{run_id}": ("GET", None, "/apportionment/runs/1", 404),
    "/api/apportionment/runs": ("GET", None, "/api/apportionment/runs", 404),
    "/api/apportionment/runs/{run_id}": ("GET", None, "/api/apportionment/runs/1", 404),
    "/api/apportionment/runs/{run_id}/report": ("GET", None, "/api/apportionment/runs/1/report", 404),
    "/api/apportionment/runs/{run_id}/factors/{factor}": ("POST", None, None, None),
    # the live loop (tests/live/test_routes.py has the device, inbox and query scope cases)
    "/live/changed": ("GET", "/live/changed?v=0", None, None),
    "/api/live/version": ("GET", "/api/live/version", None, None),
    "/api/live/devices": ("GET", "/api/live/devices", None, None),
    "/api/live/devices/{mn}": ("GET", None, None, None),                   # tests/live/test_routes.py
    "/live": ("GET", "/live", None, None),
    "/live/devices/{mn}": ("GET", None, None, None),                       # tests/live/test_routes.py
    "/api/live/quarantine": ("GET", None, "/api/live/quarantine", 403),
    "/api/live/quarantine/assign": ("POST", None, None, None),             # tests/live/test_routes.py
    "/api/live/quarantine/dismiss": ("POST", None, None, None),            # tests/live/test_routes.py
    "/live/quarantine": ("GET", None, "/live/quarantine", 403),
    "/api/live/jobs": ("GET", None, "/api/live/jobs", 403),
    "/api/live/jobs/{job}/run": ("POST", None, None, None),                # tests/live/test_routes.py
    "/live/jobs": ("GET", None, "/live/jobs", 403),
    "/api/live/inbox": ("GET", "/api/live/inbox", None, None),
    "/api/live/inbox/read": ("POST", None, None, None),                    # tests/live/test_routes.py
    "/api/live/subscriptions": ("GET", "/api/live/subscriptions", None, None),
    "/api/live/subscriptions/{subscription_id}/delete": ("POST", None, None, None),   # tests/live/test_routes.py
    "/live/inbox": ("GET", "/live/inbox", None, None),
    "/live/reports/{day}": ("GET", None, "/live/reports/2019-12-31", 404),
    "/api/ozone-responses": ("GET", "/api/ozone-responses", None, None),
    "/api/ozone-responses/{response_id}": ("GET", None, None, None),                 # tests/live/test_ozone.py
    "/api/ozone-responses/{response_id}/ack": ("POST", None, None, None),            # tests/live/test_ozone.py
    "/api/ozone-responses/{response_id}/lift": ("POST", None, None, None),           # tests/live/test_ozone.py
    "/api/ozone-responses/{response_id}/notice": ("GET", None, None, None),          # tests/live/test_ozone.py
    "/api/ozone-responses/{response_id}/measures/{measure_id}/verify": ("POST", None, None, None),   # tests/live/test_ozone.py
    "/emergency/ozone/{response_id}": ("GET", None, None, None),           # tests/live/test_ozone.py
    "/analysis": ("GET", "/analysis", None, None),                       # tests/analysis/test_room.py
    "/analysis/{kind}": ("GET", f"/analysis/trend?station={LUZHOU_STATION}", f"/analysis/trend?station={TUNLIU_STATION}", 404),
    "/api/analysis/{kind}": ("GET", f"/api/analysis/trend?station={LUZHOU_STATION}",
                             f"/api/analysis/trend?station={TUNLIU_STATION}", 404),
    "/api/store/query": ("GET", f"/api/store/query?station={LUZHOU_STATION}&from=2019-12-31&to=2019-12-31",
                         f"/api/store/query?station={TUNLIU_STATION}", 404),
    # forecasts (tests/forecast/test_pages.py has the stored-forecast cases)
    "/forecast": ("GET", "/forecast", None, None),
    "/api/forecasts": ("GET", "/api/forecasts", None, None),
    "/api/forecasts/{run_id}": ("GET", None, None, None),                 # tests/forecast/test_pages.py
    "/api/forecast/verification": ("GET", "/api/forecast/verification",
                                   "/api/forecast/verification?unit=140400", 404),
}


def test_every_route_has_a_rule_and_a_case(web_app):
    paths = {getattr(r, "path", None) for r in all_routes(web_app.routes)}
    assert all(rule_of(r) for r in all_routes(web_app.routes))
    assert paths - set(CASES) == set(), "new route(s): add a scope case to CASES"
    assert set(CASES) - paths == set()


def test_app_refuses_a_route_without_rule(web_app, tmp_path):
    from fastapi import APIRouter, FastAPI
    from lantian.web.scoping import unscoped_routes
    rogue = APIRouter()

    @rogue.get("/api/rogue")
    def handler():
        return {}
    app = FastAPI()
    app.include_router(rogue)
    assert "/api/rogue" in unscoped_routes(app)


@pytest.mark.parametrize("path", [p for p, c in CASES.items() if c[1] and c[0] == "GET"])
def test_county_user_own_scope(web_app, path):
    c = page_session(web_app, "luzhou")
    r = c.get(CASES[path][1])
    assert r.status_code == (403 if "audit" in path else 200), (path, r.status_code)


@pytest.mark.parametrize("path", [p for p, c in CASES.items() if c[2]])
def test_county_user_other_scope_is_refused(web_app, client, path):
    method, _, other, status = CASES[path]
    for c, headers in ((page_session(web_app, "luzhou"), {}), (client, bearer(client, "luzhou"))):
        r = c.get(other, headers=headers)
        assert r.status_code == status, (path, r.status_code)
        assert "3569A" not in r.text or status != 404


def test_signed_out_pages_redirect_and_api_answers_401(client):
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert client.get("/api/stations").status_code == 401
    assert client.get("/api/stations", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_station_lists_by_role(client):
    codes = lambda user: sorted(s["code"] for s in client.get("/api/stations", headers=bearer(client, user)).json())
    luzhou = codes("luzhou")
    assert luzhou == ["1727A", "1728A", "1729A", "1730A", "1731A", "2845A"]
    assert codes("tunliu") == ["3569A"]
    city = codes("daqiban")
    assert set(luzhou) | {"3568A", "3569A", "3570A"} == set(city)
    assert codes("qiye") == luzhou                     # the enterprise sees its county's monitoring
    assert codes("gongxin") == city and codes("guancha") == city
    one = client.get("/api/stations", headers=bearer(client, "luzhou")).json()[0]
    assert {"code", "name", "county"} <= set(one) and one["county"] == "140403"
    assert client.get(f"/api/stations/{OUTSIDE_STATION}", headers=bearer(client, "daqiban")).status_code == 404


def test_dashboard_is_scoped(client):
    mine = client.get("/api/dashboard", headers=bearer(client, "luzhou")).json()
    assert {c["code"] for c in mine["counties"]} == {"140403"}
    assert {s["code"] for s in mine["stations"]} <= {"1727A", "1728A", "1729A", "1730A", "1731A", "2845A"}
    assert mine["date"] == "2019-12-31"           # latest day with data, not the as-of date
    other = client.get("/api/dashboard", headers=bearer(client, "tunliu")).json()
    assert {s["code"] for s in other["stations"]} == {"3569A"}
    geo = client.get("/api/geo/counties", headers=bearer(client, "luzhou")).json()
    assert [f["properties"]["adcode"] for f in geo["features"]] == ["140403"]
    city_geo = client.get("/api/geo/counties", headers=bearer(client, "daqiban")).json()
    assert len(city_geo["features"]) == 12


def test_audit_for_city_and_admin_only(client):
    for user in ("daqiban", "admin"):
        r = client.get("/api/audit?entity=user", headers=bearer(client, user))
        assert r.status_code == 200 and any(e["action"] == "create" and e["entity"] == "user" for e in r.json())
    for user in ("luzhou", "gongxin", "qiye", "jiancha", "guancha"):
        assert client.get("/api/audit", headers=bearer(client, user)).status_code == 403


def test_logout_needs_csrf(web_app):
    c = page_session(web_app, "daqiban")
    assert c.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    assert c.get("/", follow_redirects=False).status_code == 200
    page = c.get("/").text
    assert "长治市大气污染防治</title>" in page and "长治市大气污染防治 · 蓝天</a>" in page   # the workspace's city
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert c.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert c.get("/", follow_redirects=False).status_code == 303


def test_login_form_refuses_without_csrf_and_wrong_password(web_app):
    from fastapi.testclient import TestClient
    c = TestClient(web_app)
    assert c.post("/login", data={"username": "daqiban", "password": "lantian-demo"}).status_code == 403
    token = c.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    r = c.post("/login", data={"username": "daqiban", "password": "nope-nope", "csrf_token": token})
    assert r.status_code == 401 and "用户名或密码不正确" in r.text


def test_nul_bytes_and_huge_ids_are_client_errors(client):
    h = bearer(client, "daqiban")
    assert client.get("/api/audit?entity=a%00b", headers=h).status_code == 400
    assert client.get("/api/attachments/99999999999", headers=h).status_code == 422
    r = client.post("/api/auth/token", data={"username": "a\x00b", "password": "x"})
    assert r.status_code == 401


def test_assessment_is_scoped(client, web_app):
    import datetime as dt

    from lantian import db
    from lantian.assessment import letters as letter_service
    from lantian.assessment.progress import progress
    from lantian.assessment.targets import targets
    from lantian.assessment.networks import official_stations
    from lantian.assessment.demo import demo_targets
    demo_targets(web_app.state.db_url)                               # synthetic 2019 targets
    city = client.get("/api/progress?date=2019-06-30", headers=bearer(client, "daqiban")).json()
    assert {"140403", "140400"} <= {r["unit"] for r in city}
    mine = client.get("/api/progress?date=2019-06-30", headers=bearer(client, "luzhou")).json()
    assert [r["unit"] for r in mine] == ["140403"] and mine[0]["status"] == "behind"
    other = client.get("/api/progress?date=2019-06-30", headers=bearer(client, "tunliu")).json()
    assert [r["unit"] for r in other] == ["140405"]
    ranked = client.get("/api/ranking?month=2019-06", headers=bearer(client, "daqiban")).json()
    assert ranked[0]["unit"] == "140403" and ranked[0]["rank"] == 1
    assert all(r["unit"] == "140405" for r in client.get("/api/ranking?month=2019-06",
                                                          headers=bearer(client, "tunliu")).json())
    units = official_stations(web_app.state.db_url, {})
    with db.session(web_app.state.db_url) as s:
        t = targets(s, 2019, list(units.units))
    with web_app.state.engine_lock:
        rows = progress(web_app.state.store, units, units.names, dt.date(2019, 6, 30), t, web_app.state.con)
    with db.session(web_app.state.db_url) as s:
        made = letter_service.issue_drafts(s, web_app.state.workspace.root, letter_service.drafts(rows),
                                           dt.date(2019, 6, 30), actor="test")
    letter_id = made[0].letter_id
    assert client.get(f"/api/letters/{letter_id}/document", headers=bearer(client, "luzhou")).status_code == 200
    assert client.get(f"/api/letters/{letter_id}/document", headers=bearer(client, "tunliu")).status_code == 404
    pdf = client.get(f"/api/letters/{letter_id}/document?format=pdf", headers=bearer(client, "luzhou"))
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert client.get(f"/api/letters/{letter_id}/document?format=pdf",
                      headers=bearer(client, "tunliu")).status_code == 404
    assert client.get("/api/letters", headers=bearer(client, "tunliu")).json() == []
    # a 约谈建议 names every county concerned: the county sees its letter record, not the document
    serious = letter_service.Draft("140403", "潞州区", "interview", "seriously_behind",
                                   dict(rows[0].as_dict(), reasons=["pm25_above_target"]))
    with db.session(web_app.state.db_url) as s:
        (interview,) = letter_service.issue_drafts(s, web_app.state.workspace.root, [serious],
                                                   dt.date(2019, 5, 31), actor="test", pdf=False)
    url = f"/api/letters/{interview.letter_id}/document"
    assert client.get(url, headers=bearer(client, "daqiban")).status_code == 200
    assert client.get(url, headers=bearer(client, "luzhou")).status_code == 404
    seen = {x["id"]: x for x in client.get("/api/letters", headers=bearer(client, "luzhou")).json()}
    assert seen[interview.letter_id]["document"] is None and seen[letter_id]["pdf"] is True
    assert {x["unit"] for x in client.get("/api/letters", headers=bearer(client, "luzhou")).json()} == {"140403"}
    city = page_session(web_app, "daqiban")
    page = city.get("/assessment?month=2019-06&date=2019-06-30")
    assert page.status_code == 200 and "潞州区" in page.text and "滞后" in page.text and "rank-chart" in page.text
    token = lambda c: c.get("/assessment").text.split('name="csrf_token" value="')[1].split('"')[0]
    url = f"/assessment/letters/{letter_id}/advance"
    county, other = page_session(web_app, "luzhou"), page_session(web_app, "tunliu")
    assert county.post(url, data={"status": "issued", "csrf_token": token(county)}).status_code == 403
    assert other.post(url, data={"status": "issued", "csrf_token": token(other)}).status_code == 404
    assert city.post(url, data={"status": "issued", "csrf_token": "forged"}).status_code == 403
    r = city.post(url, data={"status": "issued", "csrf_token": token(city)}, follow_redirects=False)
    assert r.status_code == 303
    assert county.post(url, data={"status": "received", "csrf_token": token(county)},
                       follow_redirects=False).status_code == 303
    assert county.post(url, data={"status": "rectified", "csrf_token": token(county)}).status_code == 422
    done = county.post(url, data={"status": "rectified", "csrf_token": token(county)},
                       files={"report": ("整改报告.pdf", b"%PDF-1.4 report", "application/pdf")}, follow_redirects=False)
    assert done.status_code == 303
    listed = {x["id"]: x for x in client.get("/api/letters", headers=bearer(client, "luzhou")).json()}
    assert listed[letter_id]["status"] == "rectified"
    files = client.get("/api/attachments", params={"entity": "letter", "entity_id": str(letter_id)},
                       headers=bearer(client, "luzhou")).json()
    assert [f["filename"] for f in files] == ["整改报告.pdf"]
    assert client.get("/api/attachments", params={"entity": "letter", "entity_id": str(letter_id)},
                      headers=bearer(client, "tunliu")).status_code == 404


def test_out_of_range_dates_are_client_errors(client):
    h = bearer(client, "daqiban")
    for url in ("/api/dashboard?date=0001-01-01", "/api/progress?date=0001-01-01", "/api/ranking?month=0001-01",
                "/api/ranking?month=2019-13", "/api/progress?date=2019-02-30"):
        assert client.get(url, headers=h).status_code == 422, url
