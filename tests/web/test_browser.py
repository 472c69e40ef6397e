"""Real browser: Debian's Chromium, headless, driven by Playwright — never a downloaded browser.

Signs in as a county user (sees only 潞州区) and as the city office (sees every county), and saves a
screenshot of the dashboard under test-artifacts/.
"""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import sync_playwright

from lantian.demo import PASSWORD
from tests.web.conftest import build_workspace

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(tmp_path_factory, data_dir):
    from lantian.web.app import create_app
    root = tmp_path_factory.mktemp("browser") / "ws"
    build_workspace(root, data_dir)
    app = create_app(root)
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
    assert srv.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Debian's chromium is required: apt-get install chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def sign_in(browser, server, username):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/")
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")
    page.wait_for_selector("#map canvas, #map svg", timeout=20_000)
    page.wait_for_timeout(800)                       # let ECharts finish its first animation
    return page, errors


def test_county_user_sees_only_its_county(browser, server):
    page, errors = sign_in(browser, server, "luzhou")
    stations = page.locator("#station-rows tr").all_inner_texts()
    assert stations and all("潞州区" in row for row in stations)
    assert not any("屯留" in row for row in stations)
    counties = page.locator("#county-table tbody tr").all_inner_texts()
    assert len(counties) == 1 and "潞州区" in counties[0]
    assert "仅显示本辖区数据" in page.content()
    assert page.locator("nav a[href='/audit']").count() == 0
    r = page.goto(server + "/stations/3569A")
    assert r.status == 404
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(server + "/")
    page.wait_for_selector("#map canvas, #map svg")
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "dashboard-county.png"), full_page=True)
    assert errors == []


def test_city_office_sees_every_county(browser, server):
    page, errors = sign_in(browser, server, "daqiban")
    counties = page.locator("#county-table tbody tr").all_inner_texts()
    names = " ".join(counties)
    for name in ("潞州区", "上党区", "屯留区", "潞城区"):
        assert name in names
    assert page.locator("nav a[href='/audit']").count() == 1
    day = page.locator("#day").input_value()
    assert day == "2019-12-31"                        # the latest day with data, not the as-of date
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-city.png"), full_page=True)
    page.goto(server + "/audit")
    assert "审计日志" in page.content() and "login" in page.content()
    assert errors == []


def test_department_reports_progress_with_evidence_in_the_browser(browser, server, tmp_path):
    """市工信局 reports on task 3 (it leads it) with a PDF attached; on task 14 (not its task) the page
    does not exist for it, and on task 2 (市工信局 leads by duty) the form is there."""
    page, errors = sign_in_to(browser, server, "gongxin", "/plan")
    assert page.locator("table.plan-tasks tr[data-task='3']").count() == 1
    assert page.locator("table.plan-tasks tr[data-task='14']").count() == 0
    page.goto(server + "/plan/tasks/3")
    evidence = tmp_path / "关停验收报告.pdf"
    evidence.write_bytes(b"%PDF-1.4 acceptance report")
    page.fill("#report-form textarea[name=text]", "4.3米焦炉已于6月28日全部关停，拆除验收完成")
    page.fill("#report-form input[name=percent]", "100")
    page.set_input_files("#report-form input[name=files]", str(evidence))
    page.click("#report-form button[type=submit]")
    page.wait_for_url(server + "/plan/tasks/3#reports")
    reports = page.locator("#reports .report").all_inner_texts()
    assert any("4.3米焦炉已于6月28日全部关停" in r and "关停验收报告.pdf" in r and "市工信局" in r for r in reports)
    link = page.locator("#reports a", has_text="关停验收报告.pdf").first.get_attribute("href")
    assert page.request.get(server + link).body() == b"%PDF-1.4 acceptance report"
    r = page.goto(server + "/plan/tasks/14")
    assert r.status == 404
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(server + "/plan")
    page.screenshot(path=str(ARTIFACTS / "plan-department.png"), full_page=True)
    county, _ = sign_in_to(browser, server, "luzhou", "/plan/tasks/13")
    assert county.locator("#report-form").count() == 1          # its own sub-task
    county.goto(server + "/plan/tasks/22")
    assert "潞州区" in county.content() and "屯留区" not in county.locator("#milestones").inner_text()
    office, _ = sign_in_to(browser, server, "daqiban", "/plan")
    office.screenshot(path=str(ARTIFACTS / "plan-city.png"), full_page=True)
    assert errors == []


def sign_in_to(browser, server, username, path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + path)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + path)
    return page, errors


def test_grading_workflow_across_three_roles(browser, server, tmp_path):
    """绩效分级 in the browser: the enterprise applies with evidence, its county recommends, the city
    office adjusts; each step's form appears only for the role whose step it is."""
    evidence = tmp_path / "深度治理验收.pdf"
    evidence.write_bytes(b"%PDF-1.4 evidence")
    firm, errors = sign_in_to(browser, server, "qiye", "/enterprises/1")
    assert firm.locator("#review-form").count() == 0 and firm.locator("#decide-form").count() == 0
    firm.select_option("#apply-form select[name=grade]", "A")
    firm.fill("#apply-form textarea[name=reason]", "完成超低排放改造，申请A级")
    firm.set_input_files("#apply-form input[name=files]", str(evidence))
    firm.click("#apply-form button[type=submit]")
    firm.wait_for_url(server + "/enterprises/1#grading")
    assert "待县区审核" in firm.locator("#applications").inner_text()
    assert firm.locator("#apply-form").count() == 1 and firm.locator("#review-form").count() == 0
    county, _ = sign_in_to(browser, server, "luzhou", "/enterprises/1")
    assert county.locator("#apply-form").count() == 0 and county.locator("#decide-form").count() == 0
    county.select_option("#review-form select[name=grade]", "B")
    county.fill("#review-form input[name=opinion]", "VOCs治理未达A级要求，建议B级")
    county.click("#review-form button[value=true]")
    county.wait_for_url(server + "/enterprises/1#grading")
    assert "待市级审定" in county.locator("#applications").inner_text()
    city, _ = sign_in_to(browser, server, "daqiban", "/enterprises/1")
    assert city.locator("#review-form").count() == 0
    city.select_option("#decide-form select[name=grade]", "B")
    city.fill("#decide-form input[name=note]", "同意县区意见")
    city.click("#decide-form button:not([name])")
    city.wait_for_url(server + "/enterprises/1#grading")
    assert city.locator("#grade").inner_text() == "B"
    assert "已审定" in city.locator("#applications").inner_text()
    assert "B（daqiban，同意县区意见）" in city.locator("#grade-history").inner_text()
    other, _ = sign_in_to(browser, server, "tunliu", "/enterprises")
    assert other.goto(server + "/enterprises/1").status == 404
    ARTIFACTS.mkdir(exist_ok=True)
    city.goto(server + "/enterprises")
    city.screenshot(path=str(ARTIFACTS / "enterprises-city.png"), full_page=True)
    assert errors == []


#: every page, as the city office and as a county user reads it (None: the city's only)
PAGES = {"dashboard": ("/", True), "station": ("/stations/1727A", True),
         "assessment": ("/assessment?month=2019-06&date=2019-06-30", True),
         "plan": ("/plan", True), "plan-task": ("/plan/tasks/13", True), "plan-department": ("/plan/departments/gxj", False),
         "plan-county": ("/plan/counties/140403", True), "plan-inbox": ("/plan/inbox", True),
         "enterprises": ("/enterprises", True), "violations": ("/enterprises/violations", True),
         "grading": ("/enterprises/grading", True), "enterprise": ("/enterprises/5", True),
         "emergency": ("/emergency", True), "dustfall": ("/dustfall", True), "vehicles": ("/vehicles", True),
         "plate": ("/vehicles/plates/晋DA0518", True), "fires": ("/fires", True), "fire-case": ("/fires/cases/5", True),
         "registers": ("/registers", True), "register": ("/registers/heating_villages", True),
         "reports": ("/reports", False), "monthly": ("/reports/monthly?month=2019-01", False),
         "monthly-without-data": ("/reports/monthly?month=2018-06", False),
         "quarterly": ("/reports/quarterly?quarter=2023Q2", False), "audit": ("/audit", False),
         "reduction": ("/emergency/reduction", True), "targets": ("/assessment/targets", False),
         "inventory": ("/inventory", False), "apportionment": ("/apportionment", False),
         "live": ("/live", True), "live-inbox": ("/live/inbox", True), "live-quarantine": ("/live/quarantine", False),
         "live-jobs": ("/live/jobs", False), "forecast": ("/forecast", True),
         "analysis-calendar": ("/analysis/calendar", True), "analysis-trend": ("/analysis/trend", True)}
#: what must never reach a reader: Python's None, JavaScript's undefined/NaN, English placeholders
UNREAD = ("None", "undefined", "NaN", "no data in the period", "no targets for this year")


def test_every_page_reads_right_and_in_chinese(browser, server):
    """Each page as 市大气办 and as 潞州区 (where it may): no None/undefined/NaN, no English placeholder,
    no county written as its code in a table cell; a screenshot of each under test-artifacts/pages/."""
    import re
    folder = ARTIFACTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    for user in ("daqiban", "luzhou"):
        page, errors = sign_in_to(browser, server, user, "/")
        for name, (path, county_too) in PAGES.items():
            if user == "luzhou" and not county_too:
                continue
            r = page.goto(server + path)
            assert r.status == 200, (user, path, r.status)
            page.wait_for_timeout(300)
            text = page.inner_text("body")
            html = page.content()
            for word in UNREAD:
                assert not re.search(rf"\b{word}\b", text), (user, path, word)
            assert not re.search(r"<td>\s*1404\d\d\s*</td>", html), (user, path, "a county as its code")
            page.screenshot(path=str(folder / f"{user}-{name}.png"), full_page=True)
        assert errors == [], (user, errors)
