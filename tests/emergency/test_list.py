"""The reduction list kept from the office's file (task 22), on SQLite and PostgreSQL: the template, the
strict reader, an export that re-imports unchanged, the enterprises it creates or updates (nothing
else of their ledger), one fact with the ledger's 纳入应急减排清单, county proposals, the city totals,
and the warning notice listing the list's enterprises."""
from __future__ import annotations

import json
import os

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from databases import KINDS, fresh_database, database_url
from lantian import db
from lantian.cli import app
from lantian.emergency import listfile
from lantian.enterprises.excel import credit_code_check_char
from tests.web.conftest import registry_workspace

runner = CliRunner()
COUNTIES = {"潞州区": "140403", "140403": "140403", "长子县": "140428", "140428": "140428", "屯留区": "140405"}
HEADER = "统一社会信用代码,企业名称,县区,行业,绩效等级,污染物,基准排放量（吨/年）,数据来源,纳入清单"


def code(n: int) -> str:
    first17 = f"91140400MA0LU{n:04d}"
    return first17 + credit_code_check_char(first17)


LIST = "\n".join([HEADER,
                  f"{code(1)},长子测试焦化有限公司,长子县,焦化,B,NOx,1200,排污许可,是",
                  f"{code(1)},长子测试焦化有限公司,长子县,焦化,B,二氧化硫,300.25,排污许可,是",
                  f"{code(2)},潞州测试水泥有限公司,潞州区,水泥,C,NOx,800,排放清单2022,是",
                  f"{code(3)},潞州测试铸造有限公司,潞州区,铸造,未评级,,,,否"]) + "\n"


def test_reader_types_rows_and_names_every_problem(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(LIST, encoding="utf-8")
    rows = listfile.read(path, counties=COUNTIES)
    assert [(r.row, r.credit_code, r.county, r.grade, r.pollutant, r.tonnes, r.listed) for r in rows] == [
        (2, code(1), "140428", "B", "NOx", "1200", True), (3, code(1), "140428", "B", "SO2", "300.25", True),
        (4, code(2), "140403", "C", "NOx", "800", True), (5, code(3), "140403", None, None, None, False)]
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(LIST.encode("gb18030"))
    assert listfile.read(gbk, counties=COUNTIES) == rows
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([HEADER, f"{code(1)},A,长子县,焦化,B,NOx,1,x,是", f"{code(1)},A,长子县,焦化,B,NOx,2,x,是",
                              f"{code(4)},B,长子县,焦炭,B,NOx,1,x,是", f"{code(5)},C,长子县,焦化,E,,,,是"]) + "\n",
                   encoding="utf-8")
    with pytest.raises(listfile.ListImportError) as caught:
        listfile.read(bad, counties=COUNTIES)
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "污染物"), (4, "行业"), (5, "绩效等级")]
    assert caught.value.message.startswith("应急减排清单有 3 处错误，未导入任何数据")


def test_a_list_as_offices_keep_it(tmp_path):
    """A title row above the headers, a 序号 column, the list's sheet named its own way."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2025年清单"
    ws.append(["长治市重污染天气应急减排清单（2025年修订）"])
    ws.merge_cells("A1:J1")
    ws.append(["序号", *HEADER.split(",")])
    ws.append([1, code(1), "长子测试焦化有限公司", "长子县", "焦化", "B", "NOx", 1200.5, "排污许可", "是"])
    wb.save(tmp_path / "office.xlsx")
    (row,) = listfile.read(tmp_path / "office.xlsx", counties=COUNTIES)
    assert (row.row, row.tonnes, row.county) == (3, "1200.5", "140428")


def test_template_and_round_trip(tmp_path):
    listfile.write(tmp_path / "tpl.xlsx", [], counties=["潞州区", "长子县"])
    wb = openpyxl.load_workbook(tmp_path / "tpl.xlsx")
    assert wb.sheetnames == ["说明", "应急减排清单"]
    assert [c.value for c in wb["应急减排清单"][1]] == ["统一社会信用代码*", "企业名称*", "县区*", "行业*", "绩效等级", "污染物",
                                                    "基准排放量（吨/年）", "数据来源", "纳入清单*"]
    path = tmp_path / "list.csv"
    path.write_text(LIST, encoding="utf-8")
    rows = listfile.read(path, counties=COUNTIES)
    names = {"140428": "长子县", "140403": "潞州区"}
    for suffix in ("csv", "xlsx"):
        out = listfile.write(tmp_path / f"out.{suffix}", [r.as_dict() for r in rows], county_names=names)
        assert [r.as_dict() | {"row": 0} for r in listfile.read(out, counties=COUNTIES)] == \
            [r.as_dict() | {"row": 0} for r in rows]


@pytest.fixture(params=KINDS)
def ws(request, tmp_path, data_dir):
    with fresh_database(request.param, tmp_path) as url:
        with database_url(url):
            yield registry_workspace(tmp_path / "ws", data_dir)


def run(ws, *args, ok=True):
    r = runner.invoke(app, [str(a) for a in args] + ["-w", str(ws.root)])
    if ok:
        assert r.exit_code == 0, r.output
    return r


def test_cli_list_one_fact_with_the_ledger_proposals_totals_and_notice(ws, tmp_path):
    ws.set_as_of(__import__("datetime").date(2023, 12, 10))
    path = tmp_path / "list.csv"
    path.write_text(LIST, encoding="utf-8")
    r = run(ws, "reduction", "import", path, "--json")
    summary = json.loads(r.output)
    assert summary["created"] == ["长子测试焦化有限公司", "潞州测试水泥有限公司", "潞州测试铸造有限公司"]
    assert summary["joined"] == ["长子测试焦化有限公司", "潞州测试水泥有限公司"] and summary["baselines_set"] == 3
    assert json.loads(run(ws, "reduction", "import", path, "--json").output)["unchanged"] == summary["created"]
    # one fact: the ledger says so, and the ledger can say otherwise
    ledger = tmp_path / "ledger.xlsx"
    run(ws, "ledger", "export", ledger)
    wb = openpyxl.load_workbook(ledger)
    sheet = wb["企业"]
    head = [c.value for c in sheet[1]]
    column = head.index("纳入应急减排清单") + 1
    names = {sheet.cell(row=r, column=head.index("企业名称*") + 1).value: r for r in range(2, sheet.max_row + 1)}
    assert sheet.cell(row=names["长子测试焦化有限公司"], column=column).value == "是"
    assert sheet.cell(row=names["潞州测试铸造有限公司"], column=column).value == "否"
    sheet.cell(row=names["潞州测试铸造有限公司"], column=column).value = "是"
    wb.save(ledger)
    assert "1 joined the reduction list" in " ".join(run(ws, "ledger", "import", ledger).output.split())
    listed = {r["name"] for r in json.loads(run(ws, "reduction", "list", "--json").output) if r["listed"]}
    assert listed == {"长子测试焦化有限公司", "潞州测试水泥有限公司", "潞州测试铸造有限公司"}
    # the import touched nothing else of the ledger: a ledger re-import of the export changes no grade
    export = tmp_path / "export.xlsx"
    run(ws, "reduction", "export", export)
    again = json.loads(run(ws, "reduction", "import", export, "--dry-run", "--json").output)
    assert (again["created"], again["updated"], again["baselines_set"]) == ([], [], 0)
    # a county proposes, the office confirms
    run(ws, "user", "add", "changzi", "--role", "county", "--county", "140428", "--password", "a-long-password-1")
    own = tmp_path / "own.csv"
    own.write_text(HEADER + f"\n{code(1)},长子测试焦化有限公司,长子县,焦化,A,NOx,1000,排污许可（2024）,是\n",
                   encoding="utf-8")
    r = run(ws, "reduction", "import", own, "--as", "changzi", "--json")
    proposal = json.loads(r.output)["proposal"]
    other = tmp_path / "other.csv"
    other.write_text(HEADER + f"\n{code(2)},潞州测试水泥有限公司,潞州区,水泥,A,NOx,1,x,是\n", encoding="utf-8")
    refused = run(ws, "reduction", "import", other, "--as", "changzi", ok=False)
    assert refused.exit_code == 2 and "不在本县区" in refused.output and "「other.csv」第 2 行「县区」" in refused.output
    pending = json.loads(run(ws, "reduction", "proposals", "--json").output)
    assert [(p["id"], p["state"], p["county"]) for p in pending] == [(proposal, "pending", "140428")]
    before = {(r["credit_code"], r["pollutant"]): r["tonnes"] for r in json.loads(run(ws, "reduction", "list", "--json").output)}
    assert before[(code(1), "NOx")] == "1200"
    run(ws, "reduction", "confirm", proposal)
    after = {(r["credit_code"], r["pollutant"]): r for r in json.loads(run(ws, "reduction", "list", "--json").output)}
    assert after[(code(1), "NOx")]["tonnes"] == "1000" and after[(code(1), "NOx")]["grade"] == "A"
    # the city totals and the shares
    bad = run(ws, "reduction", "total", "CO2", "5", "--source", "x", ok=False)
    assert bad.exit_code == 2
    run(ws, "reduction", "total", "NOx", "10000", "--source", "2022年排放清单")
    check = json.loads(run(ws, "alert", "reduction", "--level", "orange", "--json").output)
    # 长子 A: 鼓励自主减排 (0); 潞州水泥 C orange 停产: 800; 潞州铸造: listed, no baseline
    assert check["year"] == 2023 and check["check"]["NOx"]["reduction_t"] == 800.0
    assert check["check"]["NOx"]["share_percent"] == 8.0 and check["check"]["NOx"]["shortfall_t"] == 1200.0
    # the warning notice lists the list's enterprises with their county and measure
    r = run(ws, "alert", "issue", "--forecast", "220,310,260")
    notice = docx.Document(" ".join(r.output.split()).split("→")[1].strip())
    rows = [[c.text for c in row.cells] for row in notice.tables[0].rows][1:]
    assert sorted((x[0], x[1], x[2]) for x in rows) == [("潞州测试水泥有限公司", "潞州区", "C"),
                                                      ("潞州测试铸造有限公司", "潞州区", "未评级"),
                                                      ("长子测试焦化有限公司", "长子县", "A")]
    with db.session(os.environ["LANTIAN_DATABASE_URL"]) as s:
        from lantian.audit import AuditEntry
        import sqlalchemy as sa
        actions = set(s.execute(sa.select(AuditEntry.entity, AuditEntry.action)).all())
    assert {("reduction_list", "import"), ("reduction_list", "propose"), ("reduction_list", "confirm"),
            ("emission_baseline", "set"), ("emission_total", "set"), ("enterprise", "create")} <= actions


def test_a_workspace_without_counties_says_what_to_do_first(tmp_path):
    from lantian.workspace import init
    root = init(tmp_path / "fresh").root
    path = tmp_path / "list.csv"
    path.write_text(LIST, encoding="utf-8")
    r = runner.invoke(app, ["reduction", "import", str(path), "-w", str(root)])
    assert r.exit_code == 2 and "尚未导入县区" in r.output and "--boundaries" in r.output
