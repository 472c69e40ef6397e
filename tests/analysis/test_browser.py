"""The analysis pages in a real browser (Debian's Chromium, headless): every chart draws without a
script error, and what its toolbox downloads is a PNG (saveAsImage) and an SVG."""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import sync_playwright

from lantian.demo import PASSWORD

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(analysis_ws):
    from lantian.web.app import create_app
    app = create_app(analysis_ws.root)
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
    assert srv.started
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def test_charts_draw_and_download_as_png_and_svg(server):
    assert Path(CHROMIUM).exists(), "Debian's chromium is required"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server + "/login")
        page.fill("input[name=username]", "daqiban")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(server + "/")
        for path, charts in [("/analysis/trend?station=3568A&pollutant=PM2.5&deseason=1", ["trend-chart"]),
                             ("/analysis/variation?station=1728A&from=2019-01-01&to=2019-03-31",
                              ["diurnal-chart", "weekday-chart", "month-chart", "level-chart"]),
                             ("/analysis/calendar?station=1728A&year=2019", ["calendar-chart"]),
                             ("/analysis/rose?pollutant=PM2.5", ["wind-rose", "pollution-rose", "polar-plot"])]:
            page.goto(server + path, timeout=120_000)
            for chart in charts:
                page.wait_for_selector(f"#{chart}[data-ready]", timeout=60_000)
                png = page.evaluate(f"echarts.getInstanceByDom(document.getElementById('{chart}'))"
                                    ".getDataURL({type: 'png', backgroundColor: '#fff'})")
                svg = page.evaluate(f"document.getElementById('{chart}').lantianSVG()")
                assert png.startswith("data:image/png;base64,") and len(png) > 5000, chart
                assert svg.startswith("<svg") and "</svg>" in svg and len(svg) > 2000, chart
        browser.close()
    assert errors == []
