"""The inventory and source-apportionment pages and API on the hand-computed workspace (SQLite and
PostgreSQL), scoped: a county sees its own county (another: 404), an enterprise its own sources, a
viewer reads but may not build or name; source apportionment is the city's. Then a real browser
(Debian's Chromium) draws both pages and saves screenshots under test-artifacts/."""
from __future__ import annotations

import io
import socket
import threading
import time
from pathlib import Path

import openpyxl
import pytest
import uvicorn
from fastapi.testclient import TestClient

from lantian import db
from lantian.accounts.scope import Scope
from lantian.apportionment import service as pmf
from databases import database_url
from tests.inventory.conftest import LUZHOU, TUNLIU, YEAR
from tests.web.conftest import bearer, page_session

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TINY = dict(max_iter=300, bootstrap=2)


@pytest.fixture(scope="session")
def site(inv_ws, data_dir):
    """The app of the inventory workspace, with one small PMF run (St. Louis, K = 3) stored."""
    from lantian.web.app import create_app
    ws, url = inv_ws
    pmfdir = data_dir / "pmf"
    with db.session(url) as s:
        if not pmf.runs(s, Scope.office(url)):
            pmf.run(s, Scope.office(url), pmfdir / "Dataset-StLouis-con.csv", pmfdir / "Dataset-StLouis-unc.csv",
                    pmf.settings_of(3, 1, 4, **TINY), root=ws.root)
        run_id = pmf.runs(s, Scope.office(url))[0]["id"]
    with database_url(url):
        app = create_app(ws.root)
    assert app.state.db_url == url
    return app, run_id


def test_county_sees_its_own_county_only(site):
    app, _ = site
    c = TestClient(app)
    h = bearer(c, "luzhou")
    mine = c.get(f"/api/inventory?year={YEAR}", headers=h).json()
    assert [x["code"] for x in mine["counties"]] == [LUZHOU] and mine["scope"] == LUZHOU
    for path in (f"/api/inventory?county={TUNLIU}", f"/api/inventory/rows?county={TUNLIU}"):
        assert c.get(path, headers=h).status_code == 404
    rows = c.get("/api/inventory/rows?pollutant=SO2", headers=h).json()["rows"]
    assert rows and all(r["county"] == LUZHOU for r in rows)
    book = openpyxl.load_workbook(io.BytesIO(c.get("/api/inventory/export", headers=h).content))
    assert {row[5] for row in book["明细"].iter_rows(min_row=2, values_only=True)} == {LUZHOU}
    page = page_session(app, "luzhou")
    assert page.get(f"/inventory?county={TUNLIU}").status_code == 404
    text = page.get("/inventory").text
    assert "仅显示本辖区" in text and "编制清单" not in text
    city = c.get("/api/inventory", headers=bearer(c, "daqiban")).json()
    assert {x["code"] for x in city["counties"]} == {LUZHOU, TUNLIU}


def test_the_enterprise_sees_its_own_sources(site):
    app, _ = site
    c = TestClient(app)
    r = c.get("/api/inventory/rows?pollutant=SO2", headers=bearer(c, "qiye")).json()
    assert r["rows"] == []                              # the demo enterprise has no sources in this workspace


def test_only_the_office_builds_and_names(site):
    app, run_id = site
    viewer = page_session(app, "guancha")
    token = viewer.get("/inventory").text.split('name="csrf_token" value="')[1].split('"')[0]
    assert viewer.post("/inventory/build", data={"year": YEAR, "csrf_token": token}).status_code == 403
    assert viewer.post(f"/api/apportionment/runs/{run_id}/factors/1", data={"name": "x", "csrf_token": token}).status_code == 403
    office = page_session(app, "daqiban")
    token = office.get("/inventory").text.split('name="csrf_token" value="')[1].split('"')[0]
    r = office.post(f"/api/apportionment/runs/{run_id}/factors/2", data={"name": "燃煤与工业", "csrf_token": token},
                    headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303
    named = TestClient(app).get(f"/api/apportionment/runs/{run_id}", headers=bearer(TestClient(app), "guancha")).json()
    assert named["names"][1]["name"] == "燃煤与工业" and named["names"][1]["confirmed"]
    before = TestClient(app).get("/api/inventory", headers=bearer(TestClient(app), "daqiban")).json()["inventory_id"]
    r = office.post("/inventory/build", data={"year": YEAR, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/inventory?year={YEAR}"
    after = TestClient(app).get("/api/inventory", headers=bearer(TestClient(app), "daqiban")).json()
    assert after["inventory_id"] > before and after["total"]["SO2"] == 28.24


def test_source_apportionment_is_the_citys(site):
    app, run_id = site
    c = TestClient(app)
    for user in ("luzhou", "qiye"):
        h = bearer(c, user)
        for path in ("/api/apportionment/runs", f"/api/apportionment/runs/{run_id}", f"/api/apportionment/runs/{run_id}/report"):
            assert c.get(path, headers=h).status_code == 404, (user, path)
    h = bearer(c, "gongxin")                            # a department reads
    assert c.get(f"/api/apportionment/runs/{run_id}", headers=h).json()["factors"] == 3
    doc = c.get(f"/api/apportionment/runs/{run_id}/report", headers=h)
    assert doc.status_code == 200 and doc.content[:2] == b"PK"
    page = page_session(app, "guancha").get(f"/apportionment/runs/{run_id}").text
    assert "Q(robust)" in page and "与排放清单对照" in page and f"排放清单{YEAR}" in page


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from tests.web.test_browser import CHROMIUM, FLAGS
    assert Path(CHROMIUM).exists(), "Debian's chromium is required: apt-get install chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def test_both_pages_draw_in_a_real_browser(site, browser):
    app, run_id = site
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.1)
    base = f"http://127.0.0.1:{port}"
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "/login")
        page.fill("input[name=username]", "daqiban")
        page.fill("input[name=password]", "lantian-demo")
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        page.goto(base + f"/inventory?year={YEAR}&pollutant=NOx")
        page.wait_for_selector("#map canvas", timeout=20_000)
        page.wait_for_selector("#meic-chart canvas", timeout=20_000)
        assert "122.0" in page.locator("#totals").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.wait_for_timeout(800)
        page.screenshot(path=str(ARTIFACTS / "inventory-city.png"), full_page=True)
        page.goto(base + f"/apportionment/runs/{run_id}")
        page.wait_for_selector("#profiles canvas", timeout=20_000)
        page.wait_for_selector("#series canvas", timeout=20_000)
        assert page.locator("#factors tbody tr").count() == 3
        page.wait_for_timeout(800)
        page.screenshot(path=str(ARTIFACTS / "apportionment-run.png"), full_page=True)
        assert errors == []
    finally:
        srv.should_exit = True
        thread.join(10)
