"""The forecast page and API, on SQLite and PostgreSQL, scoped: the city office sees the city and
each county's forecast and verification; a county only its own (another unit: 404, never shown);
the dashboard and the emergency page show the latest forecasts the caller may see."""
from __future__ import annotations

from fastapi.testclient import TestClient

from tests.forecast.conftest import CITY, LUZHOU
from tests.web.conftest import bearer, page_session

PERIOD = "from=2019-11-01&to=2019-12-31"


def test_the_forecasts_were_stored(site):
    assert len(site.ids) == 2 and len(site.skipped) == 3


def test_api_latest_is_scoped(site):
    c = TestClient(site.app)
    city = c.get("/api/forecasts", headers=bearer(c, "daqiban")).json()
    assert {r["unit"] for r in city} == {CITY, LUZHOU}
    run = next(r for r in city if r["unit"] == CITY)
    assert run["base_day"] == "2019-12-28" and len(run["days"]) == 3 and run["model"] == "wls"
    county = c.get("/api/forecasts", headers=bearer(c, "luzhou")).json()
    assert [r["unit"] for r in county] == [LUZHOU]
    assert c.get(f"/api/forecasts/{run['id']}", headers=bearer(c, "luzhou")).status_code == 404
    assert c.get(f"/api/forecasts/{run['id']}", headers=bearer(c, "guancha")).json()["unit"] == CITY
    assert c.get("/api/forecasts", headers=bearer(c, "tunliu")).json() == []
    assert c.get("/api/forecasts").status_code == 401


def test_api_verification_is_scoped(site):
    c = TestClient(site.app)
    rows = c.get(f"/api/forecast/verification?{PERIOD}", headers=bearer(c, "daqiban")).json()
    assert [r["unit"] for r in rows] == [CITY, LUZHOU]
    assert rows[0]["variables"]["aqi"]["1"]["mae_persistence"] > 0
    mine = c.get(f"/api/forecast/verification?{PERIOD}", headers=bearer(c, "luzhou")).json()
    assert [r["unit"] for r in mine] == [LUZHOU]
    assert mine[0]["variables"] == rows[1]["variables"]
    r = c.get(f"/api/forecast/verification?unit={CITY}&{PERIOD}", headers=bearer(c, "luzhou"))
    assert r.status_code == 404
    assert c.get("/api/forecast/verification?from=2019-12-31&to=2019-11-01",
                 headers=bearer(c, "daqiban")).status_code == 422


def test_the_page_shows_each_visible_unit(site):
    city = page_session(site.app, "daqiban").get(f"/forecast?{PERIOD}")
    assert city.status_code == 200
    assert 'id="unit-140400"' in city.text and 'id="unit-140403"' in city.text and "持续性 MAE" in city.text
    assert "2019-12-29" in city.text                         # the stored forecast's first day
    county = page_session(site.app, "luzhou").get(f"/forecast?{PERIOD}")
    assert 'id="unit-140403"' in county.text and 'id="unit-140400"' not in county.text
    assert "仅显示本辖区" in county.text
    other = page_session(site.app, "tunliu").get(f"/forecast?{PERIOD}")
    assert 'id="unit-' not in other.text and "长治市 · 第" not in other.text


def test_dashboard_and_emergency_page_show_the_latest_forecasts(site):
    c = page_session(site.app, "daqiban")
    for path in ("/", "/emergency"):
        page = c.get(path)
        assert page.status_code == 200 and 'id="forecasts"' in page.text
        assert "长治市 · 第" in page.text and "潞州区 · 第" in page.text
    county = page_session(site.app, "luzhou").get("/emergency").text
    assert "潞州区 · 第" in county and "长治市 · 第" not in county
