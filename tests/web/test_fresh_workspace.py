"""A new office's first look: a workspace right after ``lantian init`` (no boundaries, no stations,
no data). The pages say what to import next instead of an error or a broken chart."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from lantian.cli import app as cli

DASHBOARD_JS = Path(__file__).resolve().parents[2] / "src/lantian/web/static/js/dashboard.js"
PASSWORD = "fresh-office-1"


def _signed_in(root: Path) -> TestClient:
    runner = CliRunner()
    r = runner.invoke(cli, ["init", str(root)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["user", "add", "office", "--role", "city", "--password", PASSWORD, "-w", str(root)])
    assert r.exit_code == 0, r.output
    from lantian.web.app import create_app
    c = TestClient(create_app(root))
    token = c.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    r = c.post("/login", data={"username": "office", "password": PASSWORD, "csrf_token": token, "next": "/"},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    return c


def test_forecast_page_of_a_new_workspace_says_what_to_import(tmp_path):
    c = _signed_in(tmp_path / "ws")
    r = c.get("/forecast")
    assert r.status_code == 200, r.text[:500]
    assert "本期无可检验的数据" in r.text and "lantian import stations" in r.text and "lantian import wide" in r.text
    r = c.get("/api/forecast/verification")
    assert r.status_code == 200 and r.json() == []


def test_pages_name_the_workspace_city_not_changzhi(tmp_path):
    """The heading is the workspace's city (none yet here), never a city written in the templates."""
    c = _signed_in(tmp_path / "ws")
    page = c.get("/").text
    assert "长治" not in page and '<a class="brand" href="/">大气污染防治 · 蓝天</a>' in page


def _hints(data: dict, no_geo: bool) -> str:
    script = (f"const d = require({json.dumps(str(DASHBOARD_JS))});"
              f"process.stdout.write(d.emptyHints({json.dumps(data)}, {json.dumps(no_geo)}));")
    return subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout


def test_dashboard_of_a_new_workspace_says_what_is_missing_instead_of_failing():
    """/api/dashboard of a new workspace has no latest day and /api/geo/counties no feature: the map
    is not drawn (ECharts failed on an empty map: 「数据加载失败：Cannot read properties of null」)
    and the page names the two imports."""
    both = _hints({"latest": None, "stations": [], "counties": []}, True)
    assert "尚无区县边界" in both and "--boundaries" in both and "尚无监测数据" in both and "import wide" in both
    assert _hints({"latest": "2025-01-05"}, False) == ""
    assert "尚无区县边界" not in _hints({"latest": None}, False)


def test_analysis_pages_of_a_new_workspace_name_the_imports_and_run_no_chart_script(tmp_path):
    """Without a station there is nothing to analyse: the page says what to import (not「name one
    station (--station CODE)」) and the chart script, which reads the result, is not on the page."""
    c = _signed_in(tmp_path / "ws")
    for kind in ("calendar", "variation", "trend", "exceedance", "compare"):
        r = c.get(f"/analysis/{kind}")
        assert r.status_code == 200, (kind, r.text[:300])
        assert "尚无可分析的站点或区域" in r.text and "lantian import stations" in r.text, kind
        assert "--station CODE" not in r.text and 'getElementById("analysis-data")' not in r.text, kind


def test_targets_before_the_boundaries_say_to_import_the_boundaries(tmp_path):
    """Step 5 before step 2: the refusal names the boundaries import, not an empty list of units."""
    root = tmp_path / "ws"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(root)]).exit_code == 0
    f = tmp_path / "targets.csv"
    f.write_text("单位,年份,指标,目标值,来源\n长治市,2025,PM2.5年均浓度,38,晋气防办〔2025〕1号\n", encoding="utf-8")
    r = runner.invoke(cli, ["target", "import", str(f), "-w", str(root)])
    assert r.exit_code != 0 and "Traceback" not in r.output
    assert "第 2 行「单位」" in r.output and "--boundaries" in r.output and "或代码：（" not in r.output, r.output


def test_assessment_page_of_a_new_workspace_says_why_the_progress_table_is_empty(tmp_path):
    c = _signed_in(tmp_path / "ws")
    r = c.get("/assessment")
    assert r.status_code == 200
    assert 'id="progress-empty"' in r.text and "lantian import wide" in r.text


def test_a_new_workspace_in_the_browser_has_no_script_error_and_says_what_to_import(tmp_path):
    """Debian's Chromium on the pages that draw the county map or a chart: no page error, and the map
    boxes say to import the boundaries (they showed「Cannot read properties of null (reading '0')」)."""
    import socket
    import threading
    import time

    import uvicorn
    from playwright.sync_api import sync_playwright

    from lantian.web.app import create_app
    from tests.web.test_browser import CHROMIUM, FLAGS
    root = tmp_path / "ws"
    _signed_in(root)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(root), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.1)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
            page = b.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(base + "/login")
            page.fill("input[name=username]", "office")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
            page.wait_for_selector("#dashboard-message:not([hidden])", timeout=20_000)
            assert "尚无区县边界" in page.inner_text("#dashboard-message")
            assert "数据加载失败" not in page.content()
            page.goto(base + "/fires")
            page.wait_for_function("document.getElementById('map').textContent.includes('尚无区县边界')",
                                   timeout=20_000)
            for path in ("/analysis", "/analysis/trend", "/forecast"):
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
            b.close()
        assert errors == []
    finally:
        srv.should_exit = True
        thread.join(10)
