"""Screenshots of the analysis and forecast rooms' pages into docs/screenshots/ (Debian's Chromium,
headless).

    python scripts/analysis_screenshots.py WORKSPACE [PREFIX]     # PREFIX: only these (e.g. forecast)

The workspace needs Changzhi's 2019 in the store (and, for the deseasonalised trend, more than two
years at one station), a met file in WORKSPACE/met/ and a stored forecast (`lantian forecast run
--unit 140400 --date 2019-12-28`). Signs in as the city office (daqiban) and as a county (luzhou)."""
from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from lantian.demo import PASSWORD
from lantian.web.app import create_app

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]
PAGES = [("daqiban", "analysis-calendar-city", "/analysis/calendar?unit=140400&year=2019&pollutant=AQI"),
         ("daqiban", "analysis-calendar-month", "/analysis/calendar?station=1728A&year=2019&month=1&pollutant=PM2.5"),
         ("daqiban", "analysis-variation", "/analysis/variation?station=1728A&pollutant=PM2.5"),
         ("daqiban", "analysis-trend-deseason", "/analysis/trend?station=3568A&pollutant=PM2.5&deseason=1"),
         ("daqiban", "analysis-exceedance", "/analysis/exceedance?unit=140400"),
         ("daqiban", "analysis-compare", "/analysis/compare?unit=140400&pollutant=PM2.5&split=2019-04-01"),
         ("daqiban", "analysis-rose", "/analysis/rose?pollutant=PM2.5"),
         ("luzhou", "analysis-trend-county", "/analysis/trend?unit=140403&pollutant=PM2.5"),
         ("daqiban", "forecast-city", "/forecast?from=2019-10-01&to=2019-12-31"),
         ("luzhou", "forecast-county", "/forecast?from=2019-10-01&to=2019-12-31")]
#: what shows a page is drawn: a chart for the analysis pages, the verification table for /forecast
READY = {"forecast": "table"}


def serve(workspace: str):
    app = create_app(workspace)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.1)
    return srv, f"http://127.0.0.1:{port}"


def main(workspace: str, only: str = "") -> None:
    srv, base = serve(workspace)
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=FLAGS)
        pages = {}
        for user, name, path in [p for p in PAGES if p[1].startswith(only)]:
            if user not in pages:
                page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
                errors = []
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.goto(base + "/login")
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(base + "/")
                pages[user] = (page, errors)
            page, errors = pages[user]
            page.goto(base + path, timeout=120_000)
            page.wait_for_selector(READY.get(name.split("-")[0], ".chart[data-ready]"), timeout=60_000)
            page.wait_for_timeout(1200)
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
            print(name, "errors:", errors or "none")
        browser.close()
    srv.should_exit = True


if __name__ == "__main__":
    main(*sys.argv[1:3])
