"""`lantian ledger …` on a workspace with the demo ledger: template, export → import, a workbook
with bad rows, the rule check as JSON, and a rule added as a data file in the workspace."""
from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
from typer.testing import CliRunner

from lantian.cli import app
from lantian.enterprises.demo import demo_ledger
from tests.web.conftest import registry_workspace

runner = CliRunner()


@pytest.fixture()
def ws(tmp_path, data_dir):
    w = registry_workspace(tmp_path / "ws", data_dir)
    demo_ledger(w.database_url)
    w.set_as_of(dt.date(2023, 6, 30))
    return w


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def check(ws, *extra):
    r = run("ledger", "check", "--json", "-w", ws.root, *extra)
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_check_json_names_enterprise_facility_rule_and_clause(ws):
    on_deadline = check(ws)                                  # the as-of date, 2023-06-30
    after = check(ws, "--date", "2023-07-01")
    assert all({"enterprise", "facility", "rule", "clause"} <= set(v) for v in after)
    shut = [v for v in after if v["rule"] == "coke-oven-4.3m-shutdown"]
    assert {v["enterprise"] for v in shut} == {"沁县华安焦化有限公司", "长治示例焦化有限公司（合成数据）"}
    assert all(v["clause"].startswith("任务3") for v in shut)
    assert not [v for v in on_deadline if v["rule"] == "coke-oven-4.3m-shutdown"]
    both = check(ws, "--upcoming")
    assert {v["rule"] for v in both["upcoming"]} >= {"coke-oven-4.3m-shutdown"}


def test_a_rule_added_as_a_file_takes_effect(ws):
    before = check(ws, "--date", "2023-07-01")
    assert not [v for v in before if v["rule"] == "coal-boiler-below-65th"]
    rules = ws.root / "rules"
    rules.mkdir()
    (rules / "local.toml").write_text('''
[[rule]]
id = "coal-boiler-below-65th"
task = 6
title = "65蒸吨/小时以下燃煤锅炉淘汰（本市加严）"
clause = "任务6：本市加严要求（示例）"
kind = "boiler"
when = ["fuel = 燃煤", "capacity < 65"]
require = "status != 在用"
from = 2023-07-01
message = "{capacity}蒸吨/小时燃煤锅炉仍在用"

[[rule]]
id = "coal-boiler-online-monitoring"
enabled = false
''', encoding="utf-8")
    after = check(ws, "--date", "2023-07-01")
    added = [v for v in after if v["rule"] == "coal-boiler-below-65th"]
    assert {(v["enterprise"], v["facility"]) for v in added} == {("沁县华安焦化有限公司", "1#燃煤锅炉"),
                                                              ("长治市上党区陶清河水泥有限公司", "燃煤锅炉")}
    assert not [v for v in after if v["rule"] == "coal-boiler-online-monitoring"]
    (rules / "broken.toml").write_text('[[rule]]\nid = "x"\ntask = 6\n', encoding="utf-8")
    bad = run("ledger", "check", "-w", ws.root)
    assert bad.exit_code == 2 and "broken.toml" in bad.output and "Traceback" not in bad.output


def test_template_export_import_and_bad_rows(ws, tmp_path):
    template = tmp_path / "模板.xlsx"
    assert run("ledger", "template", template, "-w", ws.root).exit_code == 0
    assert {"企业", "锅炉", "焦炉", "VOCs治理设施"} <= set(openpyxl.load_workbook(template).sheetnames)
    exported = tmp_path / "台账.xlsx"
    r = run("ledger", "export", exported, "-w", ws.root)
    assert r.exit_code == 0 and "10 enterprises" in r.output
    dry = run("ledger", "import", exported, "--dry-run", "-w", ws.root)
    assert dry.exit_code == 0 and "nothing stored" in " ".join(dry.output.split())   # the console may wrap
    again = run("ledger", "import", exported, "-w", ws.root)
    assert again.exit_code == 0 and "10 enterprises unchanged" in again.output and "updated" not in again.output
    book = openpyxl.load_workbook(exported)
    boilers = book["锅炉"]
    headers = [c.value for c in boilers[1]]
    col = lambda text: next(i for i, h in enumerate(headers, 1) if h and h.startswith(text))  # noqa: E731
    boilers.cell(row=2, column=col("额定蒸发量")).value = -5          # out of range
    boilers.cell(row=2, column=col("燃料")).value = "煤炭"            # not a choice
    boilers.cell(row=3, column=col("设施名称")).value = None          # required
    boilers.cell(row=3, column=col("投运日期")).value = "去年"         # not a date
    boilers.cell(row=4, column=col("企业统一社会信用代码")).value = "91140400MA0LT0099X"   # no such enterprise
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    before = run("ledger", "export", tmp_path / "before.xlsx", "-w", ws.root)
    r = run("ledger", "import", bad, "-w", ws.root)
    assert r.exit_code == 2 and "5 error(s); nothing stored" in r.output
    lines = [ln for ln in r.output.splitlines() if "sheet 锅炉" in ln]
    assert len(lines) == 5 and {ln.split(", column")[0].split("row ")[1] for ln in lines} == {"2", "3", "4"}
    after = run("ledger", "export", tmp_path / "after.xlsx", "-w", ws.root)
    assert before.output.split("→")[0] == after.output.split("→")[0]


def test_an_empty_file_or_bare_template_is_refused_not_imported(ws, tmp_path):
    (tmp_path / "空.csv").write_text("", encoding="utf-8")
    assert run("ledger", "template", tmp_path / "tpl.xlsx", "-w", ws.root).exit_code == 0
    before = run("ledger", "export", tmp_path / "before.xlsx", "-w", ws.root)
    assert before.exit_code == 0, before.output
    for name in ("空.csv", "tpl.xlsx"):
        r = run("ledger", "import", tmp_path / name, "-w", ws.root)
        assert r.exit_code == 2 and "没有数据行" in r.output and "Traceback" not in r.output, r.output
