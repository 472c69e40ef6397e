"""The ledger workbook: template, strict reader (every problem listed, nothing partial), export."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from lantian.enterprises.excel import (
    NOTES_SHEET, LedgerBatch, LedgerImportError, RowError, credit_code_check_char, credit_code_problem,
    read_workbook, write_template, write_workbook,
)
from lantian.enterprises.kinds import CLUSTER, ENTERPRISE, FACILITY_KINDS, Kind
from lantian.errors import InputError

BOILER = FACILITY_KINDS["boiler"]
COKE_OVEN = FACILITY_KINDS["coke_oven"]
COUNTIES = {"潞州区": "140403", "140403": "140403", "上党区": "140404", "140404": "140404"}


def code(n: int) -> str:
    """A valid 18-character unified social credit code (synthetic, with a correct check digit)."""
    first17 = f"91140400MA{n:07d}"
    return first17 + credit_code_check_char(first17)


def headers(kind: Kind) -> list[str]:
    return [f.header for f in kind.fields]


def row(kind: Kind, **values) -> list:
    unknown = set(values) - {f.name for f in kind.fields}
    assert not unknown, unknown
    return [values.get(f.name) for f in kind.fields]


def build(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for values in rows:
            ws.append(values)
    wb.save(path)
    return path


def enterprise(n: int, **values) -> list:
    base = dict(name=f"企业{n}", credit_code=code(n), county="潞州区", industry="焦化")
    return row(ENTERPRISE, **(base | values))


def boiler(n: int, facility_code: str = "1#", **values) -> list:
    base = dict(enterprise=code(n), code=facility_code, name="燃煤锅炉", status="在用", capacity=35, fuel="燃煤")
    return row(BOILER, **(base | values))


def problems(path: Path, **kwargs) -> list[RowError]:
    with pytest.raises(LedgerImportError) as caught:
        read_workbook(path, **kwargs)
    return caught.value.errors


def where(errors: list[RowError]) -> set[tuple[str, int, str]]:
    return {(e.sheet, e.row, e.column) for e in errors}


# ---------------------------------------------------------------- credit codes

def test_check_digit_matches_published_codes():
    for published in ("91350100M000100Y43", "9144030071526726XG", "914403001922038216"):
        assert credit_code_check_char(published[:17]) == published[17]
        assert credit_code_problem(published) is None


def test_credit_code_problems_are_named():
    good = code(7)
    assert credit_code_problem(good) is None
    assert "18 位" in credit_code_problem(good[:17])
    assert "非法字符" in credit_code_problem("I" + good[1:])
    altered = good[:5] + ("1" if good[5] != "1" else "2") + good[6:]
    assert "校验位" in credit_code_problem(altered)


# ---------------------------------------------------------------- template

def test_template_has_every_sheet_header_and_dropdown(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path, counties=["潞州区", "上党区"])
    wb = openpyxl.load_workbook(path)
    kinds = [ENTERPRISE, CLUSTER, *FACILITY_KINDS.values()]
    assert wb.sheetnames == [NOTES_SHEET, *(k.label for k in kinds)]
    assert "统一社会信用代码" in " ".join(str(c.value) for c in wb[NOTES_SHEET]["A"] if c.value)
    for kind in kinds:
        ws = wb[kind.label]
        assert ws.freeze_panes == "A2"
        got = [c.value for c in ws[1]]
        assert got == [f.header + ("*" if f.required else "") for f in kind.fields]
        lists = {str(dv.sqref).split(":")[0][:-1]: dv.formula1
                 for dv in ws.data_validations.dataValidation if dv.type == "list"}
        for i, f in enumerate(kind.fields):
            column = openpyxl.utils.get_column_letter(i + 1)
            assert ws.column_dimensions[column].width >= 10
            if f.type == "choice":
                assert lists[column] == '"' + ",".join(f.choices) + '"'
            elif f.type == "bool":
                assert lists[column] == '"是,否"'
            elif f.name == "county":
                assert lists[column] == '"潞州区,上党区"'
            else:
                assert column not in lists
            if f.type == "date":
                assert ws.column_dimensions[column].number_format == "yyyy-mm-dd"


def test_template_without_counties_has_no_county_dropdown_and_reads_empty(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    ws = openpyxl.load_workbook(path)[ENTERPRISE.label]
    county = openpyxl.utils.get_column_letter(headers(ENTERPRISE).index("所在县区") + 1)
    assert not any(str(dv.sqref).startswith(county) for dv in ws.data_validations.dataValidation)
    assert read_workbook(path) == LedgerBatch()


def test_long_county_list_is_referenced_from_the_notes_sheet(tmp_path):
    counties = [f"第{i}号示例县区名称" for i in range(40)]      # far over Excel's 255-character inline list
    path = tmp_path / "template.xlsx"
    write_template(path, counties=counties)
    wb = openpyxl.load_workbook(path)
    formulas = [dv.formula1 for dv in wb[ENTERPRISE.label].data_validations.dataValidation
                if dv.type == "list" and str(dv.sqref).startswith("C")]
    assert formulas == ["'说明'!$H$2:$H$41"]
    assert [wb[NOTES_SHEET].cell(row=r, column=8).value for r in (2, 41)] == [counties[0], counties[-1]]


# ---------------------------------------------------------------- reading good workbooks

def test_valid_workbook_reads_typed_values(tmp_path):
    path = build(tmp_path / "ledger.xlsx", {
        "企业": [[f.header + ("*" if f.required else "") for f in ENTERPRISE.fields],
                 enterprise(1, lon="113.1", lat=36.2, grade="b", emergency_list="是", key_unit="N",
                            county="140403", cluster="潞州焦化集群")],
        "产业集群": [headers(CLUSTER),
                     row(CLUSTER, name="潞州焦化集群", county="潞州区", industry="焦化", strategy="就地改造",
                         enterprises="12")],
        "锅炉": [headers(BOILER),
                 boiler(1, commissioned=datetime(2015, 6, 30), stopped_on="2021/5/1", capacity="35.5",
                        online_monitoring=1, ultra_low="FALSE")],
        "焦炉": [headers(COKE_OVEN),
                 row(COKE_OVEN, enterprise=code(1), code=101, name="1号焦炉", status="停用",
                     chamber_height=5.5, quenching="干法")],
    })
    batch = read_workbook(path, counties=COUNTIES)
    assert batch.rows == 4
    assert batch.enterprises == [dict(
        name="企业1", credit_code=code(1), county="140403", industry="焦化", address=None, lon=113.1,
        lat=36.2, grade="B", emergency_list=True, key_unit=False, cluster="潞州焦化集群")]
    assert batch.clusters == [dict(name="潞州焦化集群", county="140403", industry="焦化", strategy="就地改造",
                                   enterprises=12)]
    boiler_row, oven = batch.facilities
    assert boiler_row == dict(kind="boiler", enterprise=code(1), code="1#", name="燃煤锅炉", status="在用",
                              commissioned=date(2015, 6, 30), stopped_on=date(2021, 5, 1), capacity=35.5,
                              fuel="燃煤", online_monitoring=True, ultra_low=False,
                              fuel_use=None, sulfur=None, desulfurization=None, denitration=None,   # 活动水平
                              dedusting=None, activity_year=None, hours=None)
    assert type(boiler_row["capacity"]) is float and type(boiler_row["commissioned"]) is date
    assert oven["kind"] == "coke_oven" and oven["code"] == "101" and oven["backup_dry_quenching"] is None


def test_without_counties_the_county_is_kept_as_written(tmp_path):
    path = build(tmp_path / "ledger.xlsx", {"企业": [headers(ENTERPRISE), enterprise(1, county=" 壶关县 ")]})
    assert read_workbook(path).enterprises[0]["county"] == "壶关县"


def test_fullwidth_digits_and_spaces_are_normalised(tmp_path):
    fullwidth = code(3).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"})
    path = build(tmp_path / "ledger.xlsx", {
        "企业": [headers(ENTERPRISE), enterprise(3, credit_code=f"  {fullwidth}　", lon=" １１３．２５ ")],
        "锅炉": [headers(BOILER), boiler(3, "２＃", enterprise=fullwidth, capacity="　３５　",
                                        commissioned="２０２１－０６－３０", ultra_low="Ｙ")],
    })
    batch = read_workbook(path)
    assert batch.enterprises[0]["credit_code"] == code(3)
    assert batch.enterprises[0]["lon"] == 113.25
    facility = batch.facilities[0]
    assert (facility["enterprise"], facility["code"], facility["capacity"]) == (code(3), "2#", 35.0)
    assert (facility["commissioned"], facility["ultra_low"]) == (date(2021, 6, 30), True)


@pytest.mark.parametrize(("written", "expected"), [
    ("是", True), ("否", False), ("y", True), ("N", False), ("true", True), ("FALSE", False),
    ("1", True), (0, False), (True, True)])
def test_bool_spellings(tmp_path, written, expected):
    path = build(tmp_path / "ledger.xlsx", {"企业": [headers(ENTERPRISE), enterprise(1, key_unit=written)]})
    assert read_workbook(path).enterprises[0]["key_unit"] is expected


def test_blank_rows_are_skipped_and_rows_keep_their_excel_numbers(tmp_path):
    path = build(tmp_path / "ledger.xlsx", {
        "企业": [headers(ENTERPRISE), enterprise(1), [None] * 3, ["  ", None, "　"], enterprise(2, lat=99)],
    })
    errors = problems(path)
    assert where(errors) == {("企业", 5, "纬度")}


def test_facility_of_a_known_enterprise_needs_no_enterprise_row(tmp_path):
    path = build(tmp_path / "ledger.xlsx", {"锅炉": [headers(BOILER), boiler(9)]})
    assert where(problems(path)) == {("锅炉", 2, "企业统一社会信用代码")}
    batch = read_workbook(path, known_enterprises={code(9)})
    assert [f["enterprise"] for f in batch.facilities] == [code(9)]


# ---------------------------------------------------------------- bad workbooks

def test_five_kinds_of_bad_rows_give_exactly_five_errors_and_no_batch(tmp_path):
    path = build(tmp_path / "ledger.xlsx", {
        "企业": [headers(ENTERPRISE),
                 enterprise(1),
                 enterprise(2, name=None),                            # required cell empty
                 enterprise(3, lat=99)],                              # out of range
        "锅炉": [headers(BOILER),
                 boiler(1, "1#", fuel="煤"),                          # not one of the choices
                 boiler(1, "2#", commissioned="2020-13-01"),          # not a date
                 boiler(4, "1#")],                                    # enterprise not in the file
    })
    with pytest.raises(LedgerImportError) as caught:
        read_workbook(path)
    errors = caught.value.errors
    assert [(e.sheet, e.row, e.column) for e in errors] == [
        ("企业", 3, "企业名称"), ("企业", 4, "纬度"),
        ("锅炉", 2, "燃料"), ("锅炉", 3, "投运日期"), ("锅炉", 4, "企业统一社会信用代码")]
    reasons = [e.reason for e in errors]
    assert "必填" in reasons[0]
    assert "3 至 54" in reasons[1] and errors[1].value == 99
    assert "燃煤、天然气" in reasons[2] and errors[2].value == "煤"
    assert "YYYY-MM-DD" in reasons[3]
    assert "企业" in reasons[4] and errors[4].value == code(4)
    assert isinstance(caught.value, InputError)
    assert "5 处错误" in str(caught.value) and "企业名称" in str(caught.value)


def test_summary_lists_only_the_first_few(tmp_path):
    rows = [enterprise(n, lat=99) for n in range(1, 9)]
    path = build(tmp_path / "ledger.xlsx", {"企业": [headers(ENTERPRISE), *rows]})
    with pytest.raises(LedgerImportError) as caught:
        read_workbook(path)
    assert len(caught.value.errors) == 8
    assert "另有 3 处" in caught.value.message


def test_duplicate_codes(tmp_path):
    path = build(tmp_path / "ledger.xlsx", {
        "企业": [headers(ENTERPRISE), enterprise(1), enterprise(2), enterprise(1, name="又一个企业1")],
        "锅炉": [headers(BOILER), boiler(1, "1#"), boiler(2, "1#"), boiler(1, "1#", name="重复的锅炉")],
        "焦炉": [headers(COKE_OVEN),   # the same code in another kind is fine
                 row(COKE_OVEN, enterprise=code(1), code="1#", name="1号焦炉", status="在用",
                     chamber_height=6, quenching="湿法")],
    })
    errors = problems(path)
    assert where(errors) == {("企业", 4, "统一社会信用代码"), ("锅炉", 4, "设施编号")}
    assert all("第 2 行" in e.reason for e in errors)


def test_bad_check_digit(tmp_path):
    good = code(5)
    altered = good[:10] + ("8" if good[10] != "8" else "9") + good[11:]
    assert credit_code_problem(altered) is not None
    path = build(tmp_path / "ledger.xlsx", {
        "企业": [headers(ENTERPRISE), enterprise(5, credit_code=altered)],
        "锅炉": [headers(BOILER), boiler(5, enterprise=altered)],
    })
    errors = problems(path)
    assert where(errors) == {("企业", 2, "统一社会信用代码"), ("锅炉", 2, "企业统一社会信用代码")}
    assert all("校验位" in e.reason for e in errors)


def test_credit_code_stored_as_a_number_says_why(tmp_path):
    path = build(tmp_path / "ledger.xlsx", {"企业": [headers(ENTERPRISE), enterprise(1, credit_code=911404001234567890)]})
    (error,) = problems(path)
    assert error.column == "统一社会信用代码" and "文本" in error.reason


def test_unknown_and_missing_headers(tmp_path):
    boiler_headers = [h.replace("（", "(").replace("）", ")") for h in headers(BOILER)]   # half-width brackets are fine
    boiler_headers[boiler_headers.index("燃料")] = "备注"
    path = build(tmp_path / "ledger.xlsx", {
        "锅炉": [boiler_headers, boiler(1, fuel="多余的值")],
        "企业": [headers(ENTERPRISE), enterprise(1)],
    })
    errors = problems(path)
    assert where(errors) == {("锅炉", 1, "备注"), ("锅炉", 1, "燃料")}
    assert {e.reason[:4] for e in errors} == {"未知的表", "缺少必填"}


def test_unknown_sheet_and_unheaded_data(tmp_path):
    path = build(tmp_path / "ledger.xlsx", {
        "说明": [["随便写点什么"]],
        "脱硝设施": [["名称"], ["SCR"]],
        "企业": [headers(ENTERPRISE), enterprise(1) + [None, "无表头的值"]],
    })
    errors = problems(path)
    assert [(e.sheet, e.row, e.column) for e in errors] == [("脱硝设施", 1, ""), ("企业", 2, "第 M 列")]


def test_unknown_county(tmp_path):
    path = build(tmp_path / "ledger.xlsx", {
        "企业": [headers(ENTERPRISE), enterprise(1, county="上党区"), enterprise(2, county="太原市")],
    })
    (error,) = problems(path, counties=COUNTIES)
    assert (error.row, error.column, error.value) == (3, "所在县区", "太原市")
    assert "潞州区" in error.reason and "140403" not in error.reason


def test_not_an_excel_file(tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_text("名称,代码\n")
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    assert not isinstance(caught.value, LedgerImportError)
    assert "Excel" in caught.value.message


# ---------------------------------------------------------------- export and round trip

ENTERPRISES = [
    dict(name="=长治市示例焦化有限公司（一厂）", credit_code=code(1), county="140403", industry="焦化",
         address="潞州区某路 1 号", lon=113.116, lat=36.195, grade="B", emergency_list=True, key_unit=False,
         cluster="潞州焦化集群"),
    dict(name="示例铸造厂", credit_code=code(2), county="140404", industry="铸造", address=None, lon=None,
         lat=None, grade=None, emergency_list=None, key_unit=None, cluster=None),
]
CLUSTERS = [dict(name="潞州焦化集群", county="140403", industry="焦化", strategy="做优做强", enterprises=7)]
FACILITIES = [
    dict(kind="boiler", enterprise=code(1), code="001", name="1号锅炉", status="停用",
         commissioned=date(2010, 1, 2), stopped_on=date(2022, 12, 31), capacity=20.5, fuel="燃煤",
         online_monitoring=True, ultra_low=False, fuel_use=12000.5, sulfur=0.8, desulfurization="石灰石-石膏湿法",
         denitration="SNCR", dedusting="袋式", activity_year=2022, hours=7200.0),           # 活动水平 round-trips
    dict(kind="coke_oven", enterprise=code(1), code="JL-1", name="1号焦炉", status="在用", commissioned=None,
         stopped_on=None, chamber_height=6.25, quenching="干法", backup_dry_quenching=False, capacity=None,
         ultra_low=True, production=None, desulfurization=None, denitration=None, dedusting=None,
         activity_year=None, hours=None),
    dict(kind="voc_treatment", enterprise=code(2), code="V1", name="喷涂线废气", status="在用",
         commissioned=date(2019, 7, 1), stopped_on=None, process="活性炭吸附+脱附再生", combined=True,
         carbon_fill=1234.567, carbon_required=500.0, carbon_replaced_on=date(2024, 3, 15)),
]


def test_round_trip_export_reimports_unchanged(tmp_path):
    first = tmp_path / "export.xlsx"
    write_workbook(first, ENTERPRISES, FACILITIES, CLUSTERS, counties=["潞州区", "上党区"])
    batch = read_workbook(first, counties=COUNTIES)
    assert batch.enterprises == ENTERPRISES
    assert batch.clusters == CLUSTERS
    assert batch.facilities == FACILITIES
    assert batch.rows == 6
    second = tmp_path / "again.xlsx"
    write_workbook(second, batch.enterprises, batch.facilities, batch.clusters)
    assert read_workbook(second, counties=COUNTIES) == batch


def test_export_has_the_template_layout(tmp_path):
    template, export = tmp_path / "template.xlsx", tmp_path / "export.xlsx"
    write_template(template)
    write_workbook(export, ENTERPRISES, FACILITIES, CLUSTERS)
    empty, full = openpyxl.load_workbook(template), openpyxl.load_workbook(export)
    assert full.sheetnames == empty.sheetnames
    for title in empty.sheetnames[1:]:
        assert [c.value for c in full[title][1]] == [c.value for c in empty[title][1]]
    boilers = full[FACILITY_KINDS["boiler"].label]
    assert boilers["B2"].value == "001" and boilers["E2"].number_format == "yyyy-mm-dd"
    assert full[ENTERPRISE.label]["A2"].data_type == "s"


def test_export_rejects_an_unknown_kind(tmp_path):
    with pytest.raises(ValueError):
        write_workbook(tmp_path / "x.xlsx", [], [dict(kind="scrubber", code="1")])


# ---------------------------------------------------------------- ledgers as offices keep them

OFFICE = Path(__file__).parent / "documents"


@pytest.mark.parametrize("name", ["office_ledger.xlsx", "office_ledger.xls"])
def test_a_title_row_merged_headers_and_a_legacy_xls_are_read(name):
    """A title row above the headers, a two-row header with merged cells (「基本信息」 over three columns,
    序号 and 纳入应急减排清单 merged over both rows), a sheet named its own way (「2023年锅炉台账」), an
    Excel 97–2003 file — the same ledger (documents/make_office_ledger.py builds both files)."""
    batch = read_workbook(OFFICE / name, counties=COUNTIES)
    assert batch.rows == 4
    assert [(e["name"], e["county"], e["industry"], e["emergency_list"]) for e in batch.enterprises] == [
        ("长治示例焦化厂（测试）", "140403", "焦化", True), ("长治示例水泥厂（测试）", "140404", "水泥", False)]
    assert [(f["kind"], f["code"], f["status"], f["capacity"], f["fuel"]) for f in batch.facilities] == [
        ("boiler", "1#", "在用", 20.0, "燃煤"), ("boiler", "2#", "停用", 10.0, "天然气")]


def test_the_xls_and_xlsx_give_one_batch():
    assert read_workbook(OFFICE / "office_ledger.xls", counties=COUNTIES) == \
        read_workbook(OFFICE / "office_ledger.xlsx", counties=COUNTIES)


def test_errors_below_a_title_row_keep_their_spreadsheet_rows(tmp_path):
    path = build(tmp_path / "t.xlsx", {"企业": [["企业台账（2024年）"], headers(ENTERPRISE),
                                               enterprise(1), enterprise(2, industry="炼油")]})
    (error,) = problems(path, counties=COUNTIES)
    assert (error.sheet, error.row, error.column) == ("企业", 4, "行业")


def test_a_file_that_is_no_workbook_says_so(tmp_path):
    path = tmp_path / "ledger.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(InputError, match="无法读取 .xls 文件"):
        read_workbook(path)
