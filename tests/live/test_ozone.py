"""The ozone response (task 20) as a record: issued from a forecast with its notice, each enterprise's
10:00–18:00 measure and the plan's controls (加油站错时加油, 露天烧烤 …) with their lead departments;
acknowledged by the enterprise, the county and the department; scoped; lifted; heard of as events."""
from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from lantian import db
from lantian.emergency import ozone
from lantian.errors import Forbidden, UsageError
from tests.live.conftest import database_env
from tests.web.conftest import bearer


@pytest.fixture(scope="module")
def client(live):
    from lantian.web.app import create_app
    with database_env(live.url):
        return TestClient(create_app(live.root))


def test_an_ozone_response_issued_acknowledged_and_lifted(live, client):
    with db.session(live.url) as s:
        with pytest.raises(UsageError, match="no forecast day"):
            ozone.issue(s, live.root, live.office(), dt.date(2024, 6, 10), [120, 140], live.ws.config)
    office = bearer(client, "daqiban")
    r = client.post("/api/ozone-responses", data={"forecast_o3": "180,240,270", "start": "2024-06-10"}, headers=office)
    assert r.status_code == 201, r.text
    made = r.json()
    assert (made["start"], made["end"], made["hours"]) == ("2024-06-11", "2024-06-12", "10:00—18:00")
    assert [d["triggered"] for d in made["forecast"]] == [False, True, True]
    controls = {m["name"]: m for m in made["measures"] if m["kind"] == "control"}
    assert controls["加油站错时加油"]["department"] == "swj" and "错时加油优惠" in controls["加油站错时加油"]["measure"]
    assert controls["露天烧烤"]["department"] == "cgj" and "严禁露天烧烤" in controls["露天烧烤"]["measure"]
    enterprise_rows = [m for m in made["measures"] if m["kind"] == "enterprise"]
    assert enterprise_rows and all("涉VOCs" in m["measure"] for m in enterprise_rows)
    assert (live.root / made["document"]).is_file()
    from docx import Document
    text = "\n".join(p.text for p in Document(live.root / made["document"]).paragraphs)
    assert "关于启动臭氧污染应急响应的通知" in text and "10:00—18:00" in text
    rid = made["id"]
    assert client.post("/api/ozone-responses", data={"forecast_o3": "300"}, headers=office).status_code == 422   # one at a time
    assert client.post("/api/ozone-responses", data={"forecast_o3": "300"}, headers=bearer(client, "luzhou")).status_code == 403
    qiye = client.get(f"/api/ozone-responses/{rid}", headers=bearer(client, "qiye")).json()
    assert {m["kind"] for m in qiye["measures"]} == {"enterprise"} and len(qiye["measures"]) == 1   # its own only
    assert client.post(f"/api/ozone-responses/{rid}/ack", headers=bearer(client, "qiye")).json() == {"acknowledged": 1}
    assert client.post(f"/api/ozone-responses/{rid}/ack", headers=bearer(client, "luzhou")).json() == {"acknowledged": 1}
    assert client.post(f"/api/ozone-responses/{rid}/ack", headers=bearer(client, "gongxin")).status_code == 404   # no control of 工信局
    assert [x["id"] for x in client.get("/api/ozone-responses", headers=office).json()][0] == rid
    after = client.get(f"/api/ozone-responses/{rid}", headers=office).json()
    assert after["acknowledged"] == 1 and after["county_acks"] == {"140403": "luzhou"}
    own = qiye["measures"][0]["id"]                               # 核查 of the enterprise's measure
    verify = f"/api/ozone-responses/{rid}/measures/{own}/verify"
    assert client.post(verify, data={"complied": "true"}, headers=bearer(client, "qiye")).status_code == 403
    assert client.post(verify, data={"complied": "true"}, headers=bearer(client, "guancha")).status_code == 403
    control = controls["露天烧烤"]["id"]
    assert client.post(f"/api/ozone-responses/{rid}/measures/{control}/verify", data={"complied": "true"},
                       headers=office).status_code == 422                 # only enterprise lines are verified
    assert client.post(verify, data={"complied": "false", "note": "10时用电未下降"}, headers=office).json()["complied"] is False
    with db.session(live.url) as s:
        from lantian.emergency import service
        recs = service.ozone_response_records(s, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
        assert [(r.days, r.acknowledged, r.verified, r.complied) for r in recs] == [
            ((dt.date(2024, 6, 11), dt.date(2024, 6, 12)), 1, 1, 0)]
        assert service.ozone_response_records(s, dt.date(2024, 6, 13), dt.date(2024, 12, 31)) == []
    assert client.get(f"/api/ozone-responses/{rid}/notice", headers=bearer(client, "luzhou")).status_code == 404
    assert client.get(f"/api/ozone-responses/{rid}/notice", headers=office).status_code == 200
    from tests.web.conftest import page_session
    page = page_session(client.app, "daqiban").get("/emergency").text
    assert 'id="ozone-responses"' in page and f"/emergency/ozone/{rid}" in page and 'id="ozone-form"' in page
    with db.session(live.url) as s:
        with pytest.raises(Forbidden):
            from lantian.accounts.scope import Scope
            from lantian.accounts.service import Principal
            ozone.lift(s, Scope(Principal(9, "x", "county", county_code="140403"), live.url, "140403"), rid)
    assert client.post(f"/api/ozone-responses/{rid}/lift", headers=office).json() == {"state": "lifted"}
    assert client.get(f"/api/ozone-responses/{rid}", headers=office).json()["state"] == "lifted"
    from lantian.audit import AuditEntry
    import sqlalchemy as sa
    with db.session(live.url) as s:
        actions = [a.action for a in s.scalars(sa.select(AuditEntry).where(AuditEntry.entity == "ozone_response",
                                                                           AuditEntry.entity_id == str(rid)))]
    assert actions[0] == "issue" and actions[-1] == "lift" and actions.count("acknowledge") == 2
