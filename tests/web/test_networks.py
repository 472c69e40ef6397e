"""A station's network over HTTP: the station API states it, the city office changes it from a date
(audited, in the station's history), a county cannot, another county's station does not exist for
it — on SQLite and PostgreSQL (the web workspace). The change is dated 2030 and taken back, so the
2019 figures the other web tests read are untouched."""
from __future__ import annotations

import datetime as dt

from lantian import audit, db
from lantian.measurements import stations as registry
from tests.web.conftest import bearer, client, page_session, web_app  # noqa: F401  (fixtures)

URL = "/api/stations/{}/network"


def test_the_station_api_states_the_network(client):  # noqa: F811
    one = client.get("/api/stations/1727A", headers=bearer(client, "luzhou")).json()
    assert (one["network"], one["network_name"], one["since"]) == ("national", "国控", None)


def test_only_the_city_office_sets_it_and_it_is_dated_and_audited(client, web_app):  # noqa: F811
    county = bearer(client, "luzhou")
    assert client.post(URL.format("1727A"), json={"network": "county"}, headers=county).status_code == 403
    assert client.post(URL.format("3569A"), json={"network": "county"}, headers=county).status_code in (403, 404)
    city = bearer(client, "daqiban")
    bad = client.post(URL.format("1727A"), json={"network": "国家队", "since": "2030-01-01"}, headers=city)
    assert bad.status_code == 422 and "is not one of" in bad.json()["detail"]
    r = client.post(URL.format("1727A"), json={"network": "县控", "since": "2030-01-01", "reason": "测试调整"},
                    headers=city)
    assert r.status_code == 200, r.text
    assert (r.json()["network"], r.json()["network_name"], r.json()["since"]) == ("county", "县控", "2030-01-01")
    url = web_app.state.db_url
    assert registry.station_at(url, "1727A", dt.date(2029, 12, 31)).network == "national"   # earlier days unchanged
    back = client.post(URL.format("1727A"), json={"network": "national", "since": "2030-01-02"}, headers=city)
    assert back.status_code == 200 and back.json()["network"] == "national"
    history = registry.history(url, "1727A")
    assert [(v.network, v.changed_by, v.reason) for v in history[-2:]] == \
        [("county", "daqiban", "测试调整"), ("national", "daqiban", "站点类别调整")]
    with db.session(url) as s:
        mine = [e for e in audit.entries(s, entity="station", limit=1000).entries if e.entity_id == "1727A"]
    assert [e.actor for e in mine[:2]] == ["daqiban", "daqiban"]


def test_the_page_form_needs_its_csrf_token_and_shows_the_network(web_app):  # noqa: F811
    page = page_session(web_app, "daqiban")
    r = page.get("/stations/1727A")
    assert r.status_code == 200 and "站点类别" in r.text and "国控" in r.text and 'id="network-form"' in r.text
    assert "参与长治市、潞州区考核评价" in r.text
    refused = page.post(URL.format("1727A"), data={"network": "township", "since": "2030-01-01"})
    assert refused.status_code == 403
    county_page = page_session(web_app, "luzhou").get("/stations/1727A")
    assert county_page.status_code == 200 and 'id="network-form"' not in county_page.text
