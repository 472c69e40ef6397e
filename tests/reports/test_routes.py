"""GET /api/reports/monthly — the city's bulletin as JSON, .docx or PDF; 404 for counties and enterprises.
(Runs once the router of lantian.reports.routes is included in lantian.web.app.)"""
from __future__ import annotations

import io

import docx

from tests.web.conftest import bearer, client, web_app  # noqa: F401  (fixtures)


def test_city_reads_the_bulletin_as_json(client):  # noqa: F811
    r = client.get("/api/reports/monthly?month=2019-01", headers=bearer(client, "daqiban"))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["month"] == "2019-01" and data["city"]["month"]["composite_index"] == 8.35
    assert "city" in data["sections"] and data["dustfall"] is None


def test_city_downloads_the_docx(client):  # noqa: F811
    r = client.get("/api/reports/monthly?month=2019-01&format=docx", headers=bearer(client, "daqiban"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
    assert "2019年1月" in text and "全市环境空气质量" in text


def test_counties_and_enterprises_get_404_and_bad_months_422(client):  # noqa: F811
    for user in ("luzhou", "qiye"):
        r = client.get("/api/reports/monthly?month=2019-01", headers=bearer(client, user))
        assert r.status_code == 404, (user, r.status_code)
    r = client.get("/api/reports/monthly?month=2019-1", headers=bearer(client, "daqiban"))
    assert r.status_code == 422
    assert client.get("/api/reports/monthly?month=2019-01").status_code == 401
