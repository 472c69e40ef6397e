"""The reports on the web: GET /api/reports/monthly (JSON, .docx, PDF) and the pages /reports,
/reports/monthly and /reports/quarterly — the city office's: a county or an enterprise gets 404.
The pages show what the documents hold (one service computes both) and their buttons fetch them."""
from __future__ import annotations

import io
import re

import docx

from tests.web.conftest import bearer, client, page_session, web_app  # noqa: F401  (fixtures)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _buttons(html: str) -> dict[str, str]:
    """format → href of the page's download buttons."""
    block = re.search(r'<span id="downloads">(.*?)</span>', html, re.S).group(1)
    return {m.group(2): m.group(1).replace("&amp;", "&")
            for m in re.finditer(r'href="([^"]*format=(docx|pdf))"', block)}


def test_city_reads_the_bulletin_as_json(client):  # noqa: F811
    r = client.get("/api/reports/monthly?month=2019-01", headers=bearer(client, "daqiban"))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["month"] == "2019-01" and data["city"]["month"]["composite_index"] == 8.35
    assert {"city", "counties", "dustfall", "fires", "alerts", "tasks"} <= set(data["sections"])
    assert data["dustfall"]["synthetic"] and data["letters"] is None      # no 2019 targets in this workspace


def test_city_downloads_the_docx(client):  # noqa: F811
    r = client.get("/api/reports/monthly?month=2019-01&format=docx", headers=bearer(client, "daqiban"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
    assert "2019年1月" in text and "全市环境空气质量" in text and "降尘监测（合成演示数据）" in text


def test_counties_and_enterprises_get_404_and_bad_months_422(client):  # noqa: F811
    for user in ("luzhou", "qiye"):
        r = client.get("/api/reports/monthly?month=2019-01", headers=bearer(client, user))
        assert r.status_code == 404, (user, r.status_code)
    r = client.get("/api/reports/monthly?month=2019-1", headers=bearer(client, "daqiban"))
    assert r.status_code == 422
    assert client.get("/api/reports/monthly?month=2019-01").status_code == 401


def test_reports_page_offers_both_documents(web_app):  # noqa: F811
    r = page_session(web_app, "guancha").get("/reports")
    assert r.status_code == 200, r.text
    assert 'action="/reports/quarterly"' in r.text and 'value="2023Q2"' in r.text      # the as-of quarter
    assert 'action="/reports/monthly"' in r.text and 'href="/reports/monthly?month=2019-01"' in r.text


def test_monthly_page_shows_the_sections_labelled_and_its_buttons_fetch_the_bulletin(web_app):  # noqa: F811
    office = page_session(web_app, "daqiban")
    r = office.get("/reports/monthly?month=2019-01")
    assert r.status_code == 200, r.text
    html = r.text
    for section in ("city", "counties", "dustfall", "fires", "alerts", "tasks"):
        assert f'id="section-{section}"' in html, section
    labelled = re.findall(r'<section class="card" id="section-(\w+)">\s*<h2>[^<]*<span class="tag synthetic">', html)
    assert labelled == ["dustfall", "fires", "alerts", "tasks"]                   # city, counties: real data
    assert "橙色预警（Ⅱ级）" in html and "沁源县" in html and "任务13" in html and ">8.35<" in html
    buttons = _buttons(html)
    assert buttons == {"docx": "/api/reports/monthly?month=2019-01&format=docx",
                       "pdf": "/api/reports/monthly?month=2019-01&format=pdf"}
    got = office.get(buttons["docx"])
    assert got.status_code == 200 and got.headers["content-type"] == DOCX
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(got.content)).paragraphs)
    assert "关于2019年1月全市环境空气质量\n情况的通报" in text and "火点监测（合成演示数据）" in text


def test_quarterly_page_shows_the_review_and_its_buttons_fetch_it(web_app):  # noqa: F811
    office = page_session(web_app, "daqiban")
    r = office.get("/reports/quarterly?quarter=2023Q2")
    assert r.status_code == 200, r.text
    html = r.text
    for part in ("status-counts", "departments", "results", "evidence", "synthetic-note"):
        assert f'id="{part}"' in html, part
    assert "截至 2023-06-30" in html and "市生态环境局" in html and "任务18" in html and "PM2.5序时进度" in html
    counts = office.get("/api/reports/quarterly?quarter=2023Q2").json()            # the same service
    total = re.search(r"任务总体进展（共(\d+)项）", html).group(1)
    assert int(total) == counts["total"] == 26
    buttons = _buttons(html)
    assert buttons == {"docx": "/api/reports/quarterly?quarter=2023Q2&format=docx",
                       "pdf": "/api/reports/quarterly?quarter=2023Q2&format=pdf"}
    pdf = office.get(buttons["pdf"])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert office.get("/reports/quarterly").status_code == 200                     # default: the as-of quarter
    q4 = office.get("/reports/quarterly?quarter=2019-Q4")
    assert q4.status_code == 200 and "2019年第4季度" in q4.text and "quarter=2019Q4&amp;format=pdf" in q4.text
    assert office.get("/reports/quarterly?quarter=2019Q5").status_code == 422


def test_county_and_enterprise_users_are_refused_the_pages(web_app):  # noqa: F811
    for user in ("luzhou", "qiye"):
        session = page_session(web_app, user)
        for path in ("/reports", "/reports/monthly?month=2019-01", "/reports/quarterly?quarter=2023Q2"):
            r = session.get(path)
            assert r.status_code == 404, (user, path, r.status_code)
            assert "2019年1月全市环境空气质量" not in r.text and "任务总体进展" not in r.text
    assert page_session(web_app, "gongxin").get("/reports").status_code == 200        # a department reads them
