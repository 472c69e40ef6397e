"""Bad input that used to get through (issue 21 §4): numbers that overflow to inf, text longer than its
field, NUL bytes, files cut in the middle of a character — each refused naming file, line and field."""
import pytest
from typer.testing import CliRunner

from lantian.cli import app
from lantian.errors import InputError
from lantian.measurements.readers.cnemc import read_feed

runner = CliRunner()
HUGE = "1" + "0" * 400          # a decimal number float64 cannot hold: it parses as inf


def test_import_wide_refuses_a_number_that_overflows(tmp_path):
    ws = str(tmp_path / "ws")
    assert runner.invoke(app, ["stations", "add", "V001", "A站", "--network", "county", "-w", ws]).exit_code == 0
    wide = tmp_path / "wide.csv"
    wide.write_text(f"station,time,PM2.5\nA站,2019-01-01 01:00,35\nA站,2019-01-01 02:00,{HUGE}\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "wide", str(wide), "-w", ws])
    assert result.exit_code == 2, result.output
    assert "wide.csv, line 3, column PM2.5" in result.output and "not a finite number" in result.output
    assert HUGE not in result.output                           # the cell shown short
    assert not (tmp_path / "ws" / "measurements" / "manifest.json").exists()


def test_import_long_refuses_a_number_that_overflows(tmp_path):
    ws = str(tmp_path / "ws")
    assert runner.invoke(app, ["stations", "add", "V001", "A站", "--network", "county", "-w", ws]).exit_code == 0
    long = tmp_path / "long.csv"
    long.write_text(f"station,time,pollutant,value\nA站,2019-01-01 01:00,PM2.5,-{HUGE}\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "long", str(long), "-w", ws])
    assert result.exit_code == 2 and "line 2, column value" in result.output, result.output
    assert "not a finite number" in result.output


def test_cnemc_feed_refuses_a_number_that_overflows(tmp_path):
    path = tmp_path / "china_sites_20190102.csv"
    path.write_text(f"date,hour,type,1001A,1002A\r\n20190102,1,PM2.5,10,{HUGE}\r\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_feed(path)
    assert caught.value.line == 2 and caught.value.column == "1002A"
    assert "not a finite number" in str(caught.value)


# ------------------------------------------------------------------ text files: NUL, cut characters

CATERING = "单位编号,所在县区,餐饮单位名称,位于主城区,安装油烟净化设施,净化设施稳定运行\n"


def test_a_register_csv_with_a_nul_byte_is_refused_naming_line_and_field(tmp_path):
    from lantian.registers import excel
    from lantian.registers.kinds import registers
    path = tmp_path / "catering.csv"
    path.write_text(CATERING + "CT-8,潞州区,饭店（合成）,否,是,是\nCT-9,潞州区,饭\x00店,否,是,是\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        excel.read(path, registers()["catering"], counties={"潞州区": "140403"}, name="餐饮.csv")
    e = caught.value
    assert (e.line, e.column) == (3, "第 3 列（餐饮单位名称）") and "NUL" in str(e) and "餐饮.csv" in str(e)


def test_a_file_cut_in_the_middle_of_a_character_is_said_so(tmp_path):
    from lantian.sheets import read_sheets
    data = (CATERING + "CT-8,潞州区,饭店（合成）,否,是,是\n").encode("utf-8")
    path = tmp_path / "cut.csv"
    path.write_bytes(data[:-3])                   # "是\n" is 4 bytes: cut after the first byte of 是
    with pytest.raises(InputError) as caught:
        read_sheets(path)
    e = caught.value
    assert "截断" in str(e) and "无法识别文件编码" not in str(e)
    assert e.line == 2 and f"字节偏移 {len(data) - 4}" in str(e)
    gbk = tmp_path / "cut_gbk.csv"
    gbk.write_bytes((CATERING + "CT-8,潞州区,饭店,否,是,是\n").encode("gbk")[:-2])
    with pytest.raises(InputError, match="截断.*GBK.*第 2 行"):
        read_sheets(gbk)


def test_one_decoder_reads_utf8_gbk_and_utf16_and_refuses_binary(tmp_path):
    from lantian.textfiles import GBK_NOTE, decode_text, decode_text_noted
    assert decode_text_noted("潞州区".encode("gbk"), "a.csv") == ("潞州区", GBK_NOTE)
    assert decode_text("\ufeff潞州区".encode("utf-8"), "a.csv") == "潞州区"
    assert decode_text("潞州区\n".encode("utf-16"), "a.csv") == "潞州区\n"
    with pytest.raises(InputError, match="NUL") as caught:
        decode_text(b"a,b\nc,d\x00\n", "a.csv")
    assert caught.value.line == 2


@pytest.mark.parametrize("module, call", [
    ("lantian.plan.parse", lambda m, p: m.parse_file(p)),
    ("lantian.emergency.forecast", lambda m, p: m.read(p)),
    ("lantian.fires.reader", lambda m, p: m.read(p)),
    ("lantian.measurements.readers.table", lambda m, p: m.read_long(p)),
])
def test_every_reader_says_a_file_is_cut(tmp_path, module, call):
    import importlib
    path = tmp_path / "cut.csv"
    path.write_bytes("日期,数值\n2019-01-01,长治".encode("utf-8")[:-1])
    with pytest.raises(InputError, match="截断") as caught:
        call(importlib.import_module(module), path)
    assert caught.value.line == 2


# ------------------------------------------------------------------ text field limits

def test_docs_list_every_limit_as_enforced():
    from pathlib import Path
    from lantian.limits import markdown_table
    doc = (Path(__file__).parents[1] / "docs" / "limits.md").read_text(encoding="utf-8")
    assert markdown_table() in doc
    assert "| enterprises | name（企业名称） | 128 |" in doc and "| plan_reports | text（进展报告） | 20,000 |" in doc


def test_every_table_is_in_the_limits():
    """A room's new models module is listed in MODEL_MODULES, or its fields would escape the doc."""
    import importlib
    import pkgutil
    import lantian
    from lantian.db import Base
    from lantian.limits import MODEL_MODULES, limits_table
    for info in pkgutil.walk_packages(lantian.__path__, "lantian."):
        if info.name.endswith(".models"):
            importlib.import_module(info.name)
    listed = {t for t, _, _ in limits_table()}
    with_text = {t.name for t in Base.metadata.sorted_tables
                 if any(getattr(c.type, "length", None) for c in t.columns)}
    assert with_text <= listed, sorted(with_text - listed)
    assert len(MODEL_MODULES) >= 15


def test_temporary_paths_are_never_shown():
    from lantian.web.answers import public
    detail = {"message": "/tmp/lantian-ledger-ab12/台账.xlsx, line 3: bad", "errors": ["/tmp/x/y/z.csv"]}
    assert public(detail) == {"message": "台账.xlsx, line 3: bad", "errors": ["z.csv"]}


def test_a_facility_form_value_that_overflows_is_refused():
    from lantian.enterprises.kinds import FACILITY_KINDS, parse_value
    field = next(f for kind in FACILITY_KINDS.values() for f in kind.fields if f.type == "float")
    with pytest.raises(ValueError, match="有限"):
        parse_value(field, HUGE + ".5")
    with pytest.raises(ValueError):
        parse_value(field, "inf")


def test_a_register_cell_over_its_limit_is_named_by_row_and_column(tmp_path):
    from lantian.limits import CELL_TEXT_CHARS
    from lantian.registers import excel
    from lantian.registers.kinds import registers
    path = tmp_path / "catering.csv"
    path.write_text(CATERING + f"CT-8,潞州区,{'饭' * (CELL_TEXT_CHARS + 1)},否,是,是\n", encoding="utf-8")
    with pytest.raises(excel.RegisterImportError) as caught:
        excel.read(path, registers()["catering"], counties={"潞州区": "140403"})
    [error] = caught.value.errors
    assert error.row == 2 and "餐饮单位名称" in error.column and f"{CELL_TEXT_CHARS:,}" in error.reason


@pytest.mark.parametrize("digits", [400, 5000])
def test_a_ledger_integer_with_too_many_digits_is_a_bad_cell(digits):
    """5,000 digits used to escape as Python's ValueError (int() refuses over 4,300 digits)."""
    from lantian.enterprises import excel
    from lantian.enterprises.kinds import FACILITY_KINDS
    kind, field = next((k, f) for k in FACILITY_KINDS.values() for f in k.fields if f.type == "int")
    with pytest.raises(excel.BadCell, match="数值过大"):
        excel.parse_cell(kind, field, "1" * digits, None)
