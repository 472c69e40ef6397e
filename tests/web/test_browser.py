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
