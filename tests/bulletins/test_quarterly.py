"""季度调度评估报告: the plan's 2023 second quarter on the test workspace (as of 2023-06-30) — the
status counts are `lantian plan status`'s, the departments, measured results and evidence are in the
.docx and in the PDF's text; a bad quarter is refused."""
from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
from collections import Counter
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from databases import fresh_database, database_url
from lantian import db
from lantian.accounts.models import User
from lantian.accounts.scope import Scope
from lantian.accounts.service import principal
from lantian.errors import UsageError
from lantian.bulletins.quarterly import parse_quarter, quarterly, quarterly_docx
from tests.web.conftest import build_workspace

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def _reports(ws) -> None:
    """Two progress reports: one in the quarter by 市工信局 with a file, one before it (not listed)."""
    from lantian.plan import service as plan
    url = ws.database_url
    with db.session(url) as s:
        gxj = Scope.of(principal(s.scalar(sa.select(User).where(User.username == "gongxin"))), url)
        office = Scope.office(url, "test")
        task = next(t for t in [plan.task_by_number(s, n) for n in range(1, 27)]
                    if plan.is_lead(s, t.id, "gxj"))
        plan.add_report(s, ws.root, gxj, task.id, "已完成退城搬迁企业摸排，建立工作台账（示例）。",
                        as_of=dt.date(2023, 5, 20), percent=60, files=[("搬迁企业摸排台账.png", PNG)])
        plan.add_report(s, ws.root, office, task.id, "一季度调度（示例）。", as_of=dt.date(2023, 3, 31))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def review(request, tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp(f"quarterly-{request.param}")
    with fresh_database(request.param, folder) as url:
        with database_url(url):
            ws = build_workspace(folder / "ws", data_dir)
            _reports(ws)
            data = quarterly(ws, "2023Q2")
            path, pdf = quarterly_docx(data, folder / "out", workspace=ws, pdf=request.param == "sqlite")
            yield ws, data, path, pdf


def _plan_status(ws) -> list[dict]:
    from lantian.cli import app
    r = CliRunner().invoke(app, ["plan", "status", "--json", "-w", str(ws.root)],
                           env={"LANTIAN_DATABASE_URL": ws.database_url})
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_status_counts_are_plan_status_as_of_quarter_end(review):
    ws, data, _, _ = review
    assert data["as_of"] == "2023-06-30" and ws.as_of == dt.date(2023, 6, 30)
    counts = {c["status"]: c["tasks"] for c in data["counts"]}
    assert data["total"] == 26 and sum(counts.values()) == 26
    rows = _plan_status(ws)
    assert len(rows) == 26
    assert counts == {k: Counter(r["status"] for r in rows)[k] for k in counts}
    assert {c["label"] for c in data["counts"]} >= {"逾期", "正常推进", "已完成"}


def test_departments_led_tasks_and_overdue_milestones(review):
    _, data, _, _ = review
    depts = {d["name"]: d for d in data["departments"]}
    assert {"市工信局", "市生态环境局", "市交通运输局"} <= set(depts)
    assert any(t["number"] == 2 for t in depts["市工信局"]["tasks"])
    led = {t["number"] for d in data["departments"] for t in d["tasks"]}
    assert led == set(range(1, 27))                               # every task under its lead (or 未明确)
    for d in data["departments"]:
        assert d["overdue"] == sum(t["overdue"] for t in d["tasks"])


def test_measured_results_and_evidence(review):
    _, data, _, _ = review
    assert data["results"], "the demo plan binds indicators"
    assert all(r["result"] in ("达标", "未达标", "暂无数据") and r["label"] for r in data["results"])
    assert {r["result"] for r in data["results"]} == {"达标", "未达标", "暂无数据"}
    assert data["synthetic"] and any(r["synthetic"] for r in data["results"])   # demo rows say 合成
    assert [e["date"] for e in data["evidence"]] == ["2023-05-20"]         # March's report is Q1's
    e = data["evidence"][0]
    assert e["unit"] == "市工信局" and e["number"] == 2
    assert e["files"] == ["搬迁企业摸排台账.png"] and e["text"].startswith("已完成退城搬迁企业摸排")
    json.dumps(data, default=str)


def test_docx_has_departments_results_and_evidence(review):
    _, data, path, _ = review
    d = docx.Document(str(path))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "2023年第二季度" in text and "共26项重点任务" in text and "合成演示数据" in text
    cells = {c.text for t in d.tables for row in t.rows for c in row.cells}
    for dept in data["departments"]:
        assert dept["name"] in cells, dept["name"]
    for r in data["results"]:
        assert r["label"] in cells and r["result"] in cells
    assert "搬迁企业摸排台账.png" in cells and "2023-05-20" in cells


def test_pdf_text_has_them_too(review):
    _, data, _, pdf = review
    if pdf is None:                     # the PostgreSQL run skips the (slow) conversion: nothing to check
        return
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    for word in ["调度评估报告", "搬迁企业摸排台账.png"] + [d["name"] for d in data["departments"]] + \
            [r["label"] for r in data["results"]]:
        assert "".join(word.split()) in flat, word


def test_bad_quarter_is_refused():
    assert parse_quarter("2023Q2").start == dt.date(2023, 4, 1)
    for bad in ("2023Q5", "2023-06", "Q2", ""):
        with pytest.raises(UsageError, match="YYYYQn"):
            parse_quarter(bad)


def test_cli_quarterly_json_and_bad_quarter(review, tmp_path):
    import typer

    from lantian.bulletins.cli import app as report
    ws, data, _, pdf = review
    if pdf is None:                     # the command is the same on both databases: run it once (60 s budget)
        return
    app = typer.Typer()
    app.add_typer(report, name="report")
    env = {"LANTIAN_DATABASE_URL": ws.database_url, "LANTIAN_SOFFICE": str(tmp_path / "no-soffice")}
    r = CliRunner().invoke(app, ["report", "quarterly", "--quarter", "2023Q1", "-o", str(tmp_path), "-w",
                                 str(ws.root), "--json"], env=env)
    assert r.exit_code == 0, r.output
    got = json.loads(r.output)
    assert got["data"]["as_of"] == "2023-03-31" and got["data"]["total"] == 26
    assert got["pdf"] is None and Path(got["docx"]).is_file()           # no LibreOffice: the .docx alone
    assert [e["date"] for e in got["data"]["evidence"]] == ["2023-03-31"]
    bad = CliRunner().invoke(app, ["report", "quarterly", "--quarter", "2023-2", "-w", str(ws.root)], env=env)
    assert bad.exit_code == 2 and "YYYYQn" in bad.output


def test_route_docx_and_refusals(review):
    from fastapi.testclient import TestClient

    from lantian.web.app import create_app
    from tests.web.conftest import bearer
    ws, data, _, _ = review
    c = TestClient(create_app(ws.root))              # the app keeps the URL set by the fixture
    city = bearer(c, "daqiban")
    r = c.get("/api/reports/quarterly?quarter=2023Q2&format=docx", headers=city)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    d = docx.Document(io.BytesIO(r.content))
    cells = {c.text for t in d.tables for row in t.rows for c in row.cells}
    assert {x["name"] for x in data["departments"]} <= cells and "搬迁企业摸排台账.png" in cells
    for user in ("luzhou", "qiye"):
        assert c.get("/api/reports/quarterly?quarter=2023Q2", headers=bearer(c, user)).status_code == 404, user
    assert c.get("/api/reports/quarterly?quarter=2023-06", headers=city).status_code == 422
    assert c.get("/api/reports/quarterly?quarter=2023Q2").status_code == 401
