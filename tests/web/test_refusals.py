"""Refusals as an office meets them (issue 21 §4), on SQLite and PostgreSQL alike: a text over its
field's limit is a 422 naming the field and the limit (PostgreSQL answered 500, SQLite stored it);
a progress report is capped; a re-imported unchanged ledger is "unchanged"; an upload's error names
the uploaded file, never the server's temporary path; a browser's failed upload gets a page."""
from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from databases import fresh_database, database_url
from lantian import db
from lantian.accounts.models import Enterprise
from lantian.enterprises.demo import demo_ledger
from lantian.plan.demo import demo_plan
from lantian.limits import FREE_TEXT_CHARS, FieldTooLong
from tests.web.conftest import bearer, page_session, registry_workspace


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory, data_dir):
    from lantian.web.app import create_app
    folder = tmp_path_factory.mktemp(f"refusals-{request.param}")
    with fresh_database(request.param, folder) as url:
        with database_url(url):
            ws = registry_workspace(folder / "ws", data_dir)
            demo_plan(url, data_dir)
            demo_ledger(url)
            yield create_app(folder / "ws", warm=False)


@pytest.fixture(scope="module")
def client(app):
    return TestClient(app)


def _names(app):
    with db.session(app.state.db_url) as s:
        return sorted(s.scalars(sa.select(Enterprise.name)))


def test_a_name_over_its_limit_is_refused_alike_on_both_databases(app, client):
    city = bearer(client, "daqiban")
    exported = client.get("/api/ledger/export", headers=city).content
    again = client.post("/api/ledger/import", headers=city, files={"file": ("台账.xlsx", io.BytesIO(exported))})
    assert again.status_code == 200, again.text
    counts = again.json()
    assert counts["enterprises unchanged"] == 10 and not any(k.endswith("updated") for k in counts), counts
    before = _names(app)
    book = openpyxl.load_workbook(io.BytesIO(exported))
    book["企业"].cell(row=2, column=1).value = "长" * 200
    changed = io.BytesIO()
    book.save(changed)
    r = client.post("/api/ledger/import", headers=city, files={"file": ("台账.xlsx", io.BytesIO(changed.getvalue()))})
    assert r.status_code == 422, r.text
    assert "企业名称" in r.text and "128" in r.text and "200" in r.text
    assert _names(app) == before                                   # nothing of the file written
    with pytest.raises(FieldTooLong, match="enterprises.name"):
        with db.session(app.state.db_url) as s:
            s.add(Enterprise(name="x" * 129, credit_code="91140400MA0LIMIT1X"))
    assert _names(app) == before


def test_a_progress_report_is_capped(app, client):
    city = bearer(client, "daqiban")
    task = client.get("/api/plan/tasks", headers=city).json()[0]["id"]
    r = client.post(f"/api/plan/tasks/{task}/reports", headers=city, data={"text": "a" * 300_000})
    assert r.status_code == 422, r.text[:300]
    assert "进展报告" in r.text and f"{FREE_TEXT_CHARS:,}" in r.text and "300,000" in r.text
    ok = client.post(f"/api/plan/tasks/{task}/reports", headers=city, data={"text": "进" * FREE_TEXT_CHARS})
    assert ok.status_code == 201, ok.text[:300]


def test_an_upload_error_names_the_users_file_not_a_server_path(client):
    city = bearer(client, "daqiban")
    data = "单位编号,所在县区,餐饮单位名称,位于主城区,安装油烟净化设施,净化设施稳定运行\nCT-8,潞州区,饭店,否,是,是\n"
    r = client.post("/api/registers/catering/import", headers=city,
                    files={"file": ("餐饮台账.csv", io.BytesIO(data.encode("utf-8")[:-3]))})
    assert r.status_code == 422, r.text
    assert "餐饮台账.csv" in r.text and "截断" in r.text
    assert "/tmp" not in r.text and "upload.csv" not in r.text and "lantian-register-" not in r.text


def test_a_failed_browser_upload_shows_a_page(app):
    browser = page_session(app, "daqiban")
    token = browser.get("/enterprises").text.split('name="csrf_token" value="')[1].split('"')[0]
    r = browser.post("/api/ledger/import", data={"csrf_token": token},
                     files={"file": ("台账.xlsx", io.BytesIO(b"PK\x03\x04 not really a workbook"))},
                     headers={"Accept": "text/html,application/xhtml+xml"}, follow_redirects=False)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert "台账.xlsx" in r.text and "返回" in r.text and '{"detail"' not in r.text
    api = browser.post("/api/ledger/import", data={"csrf_token": token},
                       files={"file": ("台账.xlsx", io.BytesIO(b"PK\x03\x04 not really a workbook"))})
    assert api.status_code == 422 and api.json()["detail"]                 # a script still gets JSON


def test_sizes_are_said_so_the_message_is_true():
    from lantian.attachments import MAX_BYTES, check
    from lantian.errors import UsageError
    with pytest.raises(UsageError) as caught:
        check("scan.pdf", b"%PDF" + b"0" * (MAX_BYTES - 3))
    text = str(caught.value)
    assert f"{MAX_BYTES + 1:,}" in text and f"{MAX_BYTES:,}" in text and "20 MB" in text
    assert "20.0 MB is over" not in text


def _upload_routes(app):
    from fastapi.routing import APIRoute
    from lantian.web.scoping import all_routes
    for route in all_routes(app.routes):
        if not isinstance(route, APIRoute) or "POST" not in route.methods or not route.path.startswith("/api/"):
            continue
        files = [p.alias for p in route.dependant.body_params if type(p.field_info).__name__ == "File"]
        if files:
            yield route.path, files[0]


def test_no_upload_route_shows_a_server_path(app, client):
    """Every API route that takes a file, given a file cut in the middle of a character: a 4xx that
    names the uploaded file's own name, never a temporary path, never a 5xx."""
    import re
    city = bearer(client, "daqiban")
    tried = 0
    for path, field in _upload_routes(app):
        url = re.sub(r"\{[^}]+\}", "1", path)
        body = "名称,数值\n长治,1\n".encode("utf-8")[:-4]
        r = client.post(url, headers=city, files={field: ("用户的文件.csv", io.BytesIO(body))},
                        data={"text": "x", "entity": "plan_task", "entity_id": "1"})
        assert r.status_code < 500, (url, r.status_code, r.text[:300])
        assert "/tmp" not in r.text and "lantian-" not in r.text, (url, r.text[:300])
        tried += 1
    assert tried >= 8
