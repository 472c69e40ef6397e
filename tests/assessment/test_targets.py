"""Targets (目标): known indicators only, each value in its range, the file read strictly (every bad row
named with its column, nothing stored on error), the same file twice changes nothing — on SQLite and
PostgreSQL."""
from __future__ import annotations

import json

import openpyxl
import pytest
from typer.testing import CliRunner

from databases import KINDS, fresh_database, database_url
from lantian import db
from lantian.assessment import targetfile
from lantian.assessment.targets import checked_value, indicator_name, set_target, targets
from lantian.cli import app
from lantian.errors import UsageError

runner = CliRunner()
UNITS = {"长治市": "140400", "140400": "140400", "潞州区": "140403", "140403": "140403"}


@pytest.mark.parametrize(("written", "name"), [
    ("pm25_mean", "pm25_mean"), ("PM2.5年均浓度", "pm25_mean"), ("PM2.5年均浓度（微克/立方米）", "pm25_mean"),
    ("优良天数比例（%）", "good_day_ratio"), ("优良天数比例", "good_day_ratio"), ("重污染天数", "heavy_days"),
    ("综合指数", "composite_index")])
def test_indicators_by_name_or_chinese_label(written, name):
    assert indicator_name(written) == name


@pytest.mark.parametrize("written", ["pm2.5_mean", "PM25_MEAN", "pm25", "优良率啊", ""])
def test_unknown_indicators_are_refused(written):
    with pytest.raises(UsageError, match="unknown indicator"):
        indicator_name(written)


@pytest.mark.parametrize(("indicator", "value", "ok"), [
    ("good_day_ratio", "100", True), ("good_day_ratio", "0", True), ("good_day_ratio", "100.1", False),
    ("good_day_ratio", "172", False), ("good_day_ratio", "-1", False), ("pm25_mean", "0", False),
    ("pm25_mean", "0.1", True), ("pm25_mean", "abc", False), ("heavy_days", "2.5", False), ("heavy_days", "3", True),
    ("composite_index", "4.21", True), ("pm25_reduction", "101", False)])
def test_ranges(indicator, value, ok):
    if ok:
        assert str(checked_value(indicator, value)) == value
    else:
        with pytest.raises(UsageError):
            checked_value(indicator, value)


def test_the_file_names_every_bad_row_with_its_column(tmp_path):
    path = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "年度目标"
    ws.append(["2025年各县区空气质量目标"])                       # a title row above the headers
    ws.append(["单位", "年份", "指标", "目标值", "来源"])
    ws.append(["长治市", 2025, "PM2.5年均浓度", 38, "晋气防办〔2025〕1号"])
    ws.append(["潞州区", 2025, "pm2.5_mean", 36, "x"])
    ws.append(["火星县", 2025, "pm25_mean", 36, "x"])
    ws.append(["潞州区", "二〇二五", "good_day_ratio", 75, "x"])
    ws.append(["潞州区", 2025, "good_day_ratio", 172, "x"])
    ws.append(["长治市", 2025, "pm25_mean", 40, "x"])                 # the same target twice
    wb.save(path)
    with pytest.raises(targetfile.TargetImportError) as caught:
        targetfile.read(path, units=UNITS)
    assert [(e.row, e.column) for e in caught.value.errors] == [
        (4, "指标"), (5, "单位"), (6, "年份"), (7, "目标值"), (8, "指标")]
    assert "0–100" in caught.value.errors[3].reason


def test_template_and_export_round_trip(tmp_path):
    targetfile.write(tmp_path / "tpl.csv", [])
    assert (tmp_path / "tpl.csv").read_text(encoding="utf-8-sig").splitlines() == ["单位*,年份*,指标*,目标值*,来源"]
    rows = [{"unit": "140400", "year": 2025, "indicator": "pm25_mean", "value": "38", "source": "文件"},
            {"unit": "140403", "year": 2025, "indicator": "good_day_ratio", "value": "75.5", "source": None}]
    for suffix in ("csv", "xlsx"):
        targetfile.write(tmp_path / f"out.{suffix}", rows, unit_names={"140400": "长治市", "140403": "潞州区"})
        back = targetfile.read(tmp_path / f"out.{suffix}", units=UNITS)
        assert [(r.unit, r.year, r.indicator, r.value, r.source) for r in back] == [
            ("140400", 2025, "pm25_mean", "38", "文件"), ("140403", 2025, "good_day_ratio", "75.5", None)]


@pytest.mark.parametrize("kind", KINDS)
def test_cli_import_all_or_nothing_and_set_checked(kind, tmp_path, data_dir):
    from tests.web.conftest import registry_workspace
    with fresh_database(kind, tmp_path) as url:
        env = {"LANTIAN_DATABASE_URL": url}
        with database_url(url):
            ws = registry_workspace(tmp_path / "ws", data_dir)

        def run(*args):
            return runner.invoke(app, [str(a) for a in args] + ["-w", str(ws.root)], env=env)
        bad = tmp_path / "bad.csv"
        bad.write_text("单位,年份,指标,目标值,来源\n长治市,2025,pm25_mean,38,x\n潞州区,2025,good_day_ratio,172,x\n",
                       encoding="utf-8")
        r = run("target", "import", bad)
        assert r.exit_code == 2 and "第 3 行「目标值」" in r.output
        assert json.loads(run("target", "list", "2025", "--json").output) == []     # nothing, not even row 2
        good = tmp_path / "good.csv"
        good.write_text("unit,year,indicator,value,source\n140400,2025,pm25_mean,38,晋气防办〔2025〕1号\n"
                        "潞州区,2025,优良天数比例,78.5,长气防办〔2025〕2号\n", encoding="utf-8")
        assert "2 new" in run("target", "import", good).output
        assert "2 unchanged" in run("target", "import", good).output
        assert run("target", "set", "140403", "2025", "good_day_ratio", "172").exit_code == 2
        assert run("target", "set", "140403", "2025", "pm2.5_mean", "35").exit_code == 2
        with db.session(url) as s:
            t = targets(s, 2025)
            assert t["140403"]["good_day_ratio"].value == "78.5" and t["140400"]["pm25_mean"].source == "晋气防办〔2025〕1号"
            set_target(s, "140403", 2025, "good_day_ratio", "78.5", by="test", source="长气防办〔2025〕2号")
        from lantian.audit import AuditEntry
        import sqlalchemy as sa
        with db.session(url) as s:
            entries = s.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.entity == "target"))
        assert entries == 2                       # the unchanged import and the same set wrote nothing


@pytest.mark.parametrize("text", ["", "\n\n"])
def test_an_empty_file_is_one_error_naming_the_columns(tmp_path, text):
    path = tmp_path / "空.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(targetfile.TargetImportError) as caught:
        targetfile.read(path, units=UNITS)
    (error,) = caught.value.errors
    assert error.row == 1 and "文件为空" in error.reason
    assert all(h in error.reason for h in ("单位", "年份", "指标", "目标值"))
