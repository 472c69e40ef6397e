"""Evidence files: type and size checks, scoped like their record, audited, downloadable."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from lantian import db
from tests.web.conftest import bearer, page_session

PDF = b"%PDF-1.4\n% lantian test evidence\n"


def upload(client, headers, entity_id, name="evidence.pdf", data=PDF, entity="station"):
    return client.post("/api/attachments", headers=headers, data={"entity": entity, "entity_id": entity_id},
                       files={"file": (name, data, "application/octet-stream")})


def test_upload_list_download_and_audit(client, web_app):
    h = bearer(client, "luzhou")
    r = upload(client, h, "1727A")
    assert r.status_code == 201, r.text
    meta = r.json()
    assert meta["filename"] == "evidence.pdf" and meta["size"] == len(PDF) and meta["uploaded_by"] == "luzhou"
    listed = client.get("/api/attachments", params={"entity": "station", "entity_id": "1727A"}, headers=h).json()
    assert meta["id"] in [a["id"] for a in listed]
    got = client.get(f"/api/attachments/{meta['id']}", headers=h)
    assert got.status_code == 200 and got.content == PDF
    audit = client.get("/api/audit", params={"entity": "attachment"}, headers=bearer(client, "daqiban")).json()
    assert any(e["entity_id"] == str(meta["id"]) and e["actor"] == "luzhou" and e["action"] == "upload"
               for e in audit)


def test_other_county_cannot_see_or_attach(client):
    mine = upload(client, bearer(client, "luzhou"), "1728A").json()
    other = bearer(client, "tunliu")
    assert client.get(f"/api/attachments/{mine['id']}", headers=other).status_code == 404
    assert upload(client, other, "1728A").status_code == 404
    assert client.get("/api/attachments", params={"entity": "station", "entity_id": "1728A"},
                      headers=other).status_code == 404
    assert client.get(f"/api/attachments/{mine['id']}", headers=bearer(client, "daqiban")).status_code == 200
    assert upload(client, bearer(client, "luzhou"), "1728A", entity="nothing").status_code == 404


@pytest.mark.parametrize("name, data, message", [
    ("run.exe", b"MZ\x90", "not accepted"),
    ("fake.pdf", b"MZ\x90 not a pdf", "not a PDF"),
    ("empty.txt", b"", "empty"),
    ("big.txt", b"x" * (20 * 1024 * 1024 + 1), "limit"),
])
def test_type_and_size_checks(client, name, data, message):
    r = upload(client, bearer(client, "luzhou"), "1727A", name=name, data=data)
    assert r.status_code == 422 and message in r.json()["detail"]


def test_page_form_upload_needs_csrf_and_returns_to_the_page(web_app):
    c = page_session(web_app, "luzhou")
    page = c.get("/stations/1727A")
    assert page.status_code == 200 and "证据附件" in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    bad = c.post("/api/attachments", data={"entity": "station", "entity_id": "1727A", "csrf_token": "x"},
                 files={"file": ("a.txt", b"hello", "text/plain")})
    assert bad.status_code == 403
    ok = c.post("/api/attachments", data={"entity": "station", "entity_id": "1727A", "csrf_token": token},
                files={"file": ("note.txt", b"hello", "text/plain")},
                headers={"accept": "text/html", "referer": "/stations/1727A"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/stations/1727A"
    assert "note.txt" in c.get("/stations/1727A").text


def test_audit_log_is_append_only(web_app):
    url = web_app.state.db_url
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine_for(url).begin() as conn:
                conn.execute(sa.text(statement))
    with db.engine_for(url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar() > 0
