"""Generic long and wide readers: small CSV (UTF-8, BOM, GBK) and XLSX files written here."""
from __future__ import annotations

from datetime import datetime, timedelta

import openpyxl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lantian.errors import InputError, UsageError
from lantian.measurements.readers.common import UnitProblem, parse_times, pollutant_name, split_header, unit_name
from lantian.measurements.readers.table import read_long, read_wide

LONG = ("station,time,pollutant,value,unit\n"
        "1001A,2019-01-01 01:00,PM2.5,35,µg/m³\n"
        "1001A,2019-01-01 01:00,CO,0.8,mg/m3\n"
        "1001A,2019-01-01 02:00,PM2.5,40,ug/m3\n"
        "1002A,2019-01-01 01:00,O3,-2,μg/m3\n")


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def rows(readout):
    return [(r["station"], r["time"], r["pollutant"], r["value"], r["unit"]) for r in readout.table.to_pylist()]


def raises(fn, *args, **kw) -> InputError:
    with pytest.raises(InputError) as exc:
        fn(*args, **kw)
    return exc.value


# --------------------------------------------------------------------------------- long, good

def test_long_utf8(tmp_path):
    r = read_long(write(tmp_path, LONG))
    assert rows(r) == [
        ("1001A", datetime(2019, 1, 1, 1), "PM2_5", 35.0, "µg/m³"),
        ("1001A", datetime(2019, 1, 1, 1), "CO", 0.8, "mg/m³"),
        ("1001A", datetime(2019, 1, 1, 2), "PM2_5", 40.0, "µg/m³"),
        ("1002A", datetime(2019, 1, 1, 1), "O3", -2.0, "µg/m³"),       # negative kept
    ]
    assert r.rejected == {} and r.source == "table" and r.notes == []
    assert set(r.table.column("averaging").to_pylist()) == {"1h"}


def test_long_utf8_bom_and_crlf(tmp_path):
    r = read_long(write(tmp_path, "\ufeff" + LONG.replace("\n", "\r\n")))
    assert len(rows(r)) == 4 and r.notes == []


def test_long_gbk_with_chinese_headers_and_names(tmp_path):
    text = ("站点,时间,污染物,浓度,单位\n"
            "长治市监测站,2019/1/1 1:00,细颗粒物,35,微克/立方米\n"
            "长治市监测站,2019/1/1 1:00,一氧化碳,1.2,毫克/立方米\n"
            "长治市监测站,2019/1/1 1:00,二氧化硫,NA,微克/立方米\n")
    r = read_long(write(tmp_path, text, encoding="gbk"))
    assert rows(r) == [("长治市监测站", datetime(2019, 1, 1, 1), "PM2_5", 35.0, "µg/m³"),
                       ("长治市监测站", datetime(2019, 1, 1, 1), "CO", 1.2, "mg/m³")]
    assert any("GBK" in n for n in r.notes)
    assert r.rejected == {}                                             # NA is missing, not rejected


def test_long_gb18030_equals_utf8(tmp_path):
    text = "站点,时间,污染物,浓度\n朔州,2019-01-01 05:00,臭氧,88\n"
    a = read_long(write(tmp_path, text, "a.csv", "utf-8"))
    b = read_long(write(tmp_path, text, "b.csv", "gb18030"))
    assert rows(a) == rows(b) == [("朔州", datetime(2019, 1, 1, 5), "O3", 88.0, "µg/m³")]
    assert any("no unit column" in n for n in a.notes)


@pytest.mark.parametrize("text,expected", [
    ("2019-01-01 01:00", datetime(2019, 1, 1, 1)),
    ("2019/1/1 1:00", datetime(2019, 1, 1, 1)),
    ("2019-01-01T01:00:00", datetime(2019, 1, 1, 1)),
    ("2019-01-01 01:00:00", datetime(2019, 1, 1, 1)),
    ("2019-01-01T01:00:00+08:00", datetime(2019, 1, 1, 1)),
    ("2019年1月1日 1时", datetime(2019, 1, 1, 1)),
    ("2019-01-01 00:00", datetime(2019, 1, 1, 0)),
    ("2019-01-01 24:00", datetime(2019, 1, 2, 0)),                    # end of that day
    ("2019-12-31 24:00", datetime(2020, 1, 1, 0)),
    ("2020-02-29 13:00", datetime(2020, 2, 29, 13)),
])
def test_time_formats(tmp_path, text, expected):
    r = read_long(write(tmp_path, f"station,time,pollutant,value\nA,{text},PM10,1\n"))
    assert r.table["time"][0].as_py() == expected


def test_time_label_start_adds_an_hour(tmp_path):
    path = write(tmp_path, "station,time,pollutant,value\nA,2019-01-01 00:00,PM10,1\nA,2019-01-01 23:00,PM10,2\n")
    r = read_long(path, time_label="start")
    assert r.table["time"].to_pylist() == [datetime(2019, 1, 1, 1), datetime(2019, 1, 2, 0)]
    assert any("hour-START" in n for n in r.notes)
    with pytest.raises(UsageError):
        read_long(path, time_label="middle")


def test_24h_is_not_an_hour_start(tmp_path):
    path = write(tmp_path, "station,time,pollutant,value\nA,2019-01-01 24:00,PM10,1\n")
    e = raises(read_long, path, time_label="start")
    assert e.line == 2 and e.column == "time" and "24:00" in str(e)


def test_unit_conversions_with_notes(tmp_path):
    text = ("station,time,pollutant,value,unit\n"
            "A,2019-01-01 01:00,CO,800,ug/m3\n"
            "A,2019-01-01 02:00,CO,1200,μg/m³\n"
            "A,2019-01-01 01:00,PM10,0.15,mg/m3\n"
            "A,2019-01-01 01:00,SO2,12,\n")
    r = read_long(write(tmp_path, text))
    got = {(p, t.hour): (v, u) for _, t, p, v, u in rows(r)}
    assert got[("CO", 1)] == (0.8, "mg/m³") and got[("CO", 2)] == (1.2, "mg/m³")
    assert got[("PM10", 1)] == (pytest.approx(150.0), "µg/m³")
    assert got[("SO2", 1)] == (12.0, "µg/m³")
    assert "CO converted from µg/m³ to mg/m³ (÷1000): 2 values" in r.notes
    assert "PM10 converted from mg/m³ to µg/m³ (×1000): 1 value" in r.notes
    assert any("1 row without a unit" in n for n in r.notes)


def test_vendor_export_with_mapping(tmp_path):
    text = ("序号,监测点位,监测时间,监测项目,小时浓度,计量单位,审核状态\n"
            "1,城区站,2019-03-05 10:00,PM₂.₅,56,μg/m³,已审核\n"
            "2,城区站,2019-03-05 10:00,CO,0.9,mg/m³,已审核\n")
    mapping = {"station": "监测点位", "time": "监测时间", "pollutant": "监测项目", "value": "小时浓度",
               "unit": "计量单位"}
    r = read_long(write(tmp_path, text), mapping=mapping)
    assert rows(r) == [("城区站", datetime(2019, 3, 5, 10), "PM2_5", 56.0, "µg/m³"),
                       ("城区站", datetime(2019, 3, 5, 10), "CO", 0.9, "mg/m³")]
    e = raises(read_long, write(tmp_path, text, "v2.csv"), mapping={**mapping, "value": "日均浓度"})
    assert e.line == 1 and e.column == "日均浓度" and "小时浓度" in str(e)   # lists what was found
    with pytest.raises(UsageError):
        read_long(write(tmp_path, text, "v3.csv"), mapping={"concentration": "小时浓度"})


def test_tab_separated(tmp_path):
    r = read_long(write(tmp_path, LONG.replace(",", "\t"), "data.tsv"))
    assert len(rows(r)) == 4


def test_long_xlsx_with_excel_datetimes(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(["station", "time", "pollutant", "value", "unit"])
    ws.append(["1001A", datetime(2019, 1, 1, 1), "PM2.5", 35, "µg/m³"])
    ws.append([])                                                     # blank row: skipped
    ws.append(["1001A", "2019/1/1 2:00", "pm25", 36.5, "ug/m3"])
    ws.append(["1001A", 43466.125, "CO", 0.7, "mg/m3"])               # serial number formatted as a date
    ws.cell(row=5, column=2).number_format = "yyyy-mm-dd hh:mm"
    wb.create_sheet("说明").append(["notes"])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    r = read_long(path)
    assert rows(r) == [("1001A", datetime(2019, 1, 1, 1), "PM2_5", 35.0, "µg/m³"),
                       ("1001A", datetime(2019, 1, 1, 2), "PM2_5", 36.5, "µg/m³"),
                       ("1001A", datetime(2019, 1, 1, 3), "CO", 0.7, "mg/m³")]
    assert any("数据" in n and "2 sheets" in n for n in r.notes)
    assert rows(read_long(path, sheet="数据")) == rows(r)


def test_xlsx_errors_name_sheet_and_row(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Hourly"
    ws.append(["title row of a vendor export"])
    ws.append(["station", "time", "pollutant", "value"])
    ws.append(["A", datetime(2019, 1, 1, 1), "PM10", 10])
    ws.append([])
    ws.append(["A", "tomorrow", "PM10", 10])
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    # the first non-empty row is the header: here a title row, so the columns are missing
    e = raises(read_long, path)
    assert e.line == 1 and "sheet 'Hourly'" in str(e) and "missing column" in str(e)
    ws.delete_rows(1)
    wb.save(path)
    e = raises(read_long, path)
    assert (e.line, e.column) == (4, "time") and "sheet 'Hourly'" in str(e) and "'tomorrow'" in str(e)
    assert read_long(path, lenient=True).rejected == {"time": 1}


# ---------------------------------------------------------------------------------- long, bad

def bad_long(tmp_path, line, name="bad.csv"):
    return write(tmp_path, LONG + line + "\n", name)


def test_unknown_pollutant(tmp_path):
    path = bad_long(tmp_path, "1001A,2019-01-01 03:00,PM1.0,5,ug/m3")
    e = raises(read_long, path)
    assert (e.line, e.column) == (6, "pollutant")
    assert "bad.csv" in str(e) and "unknown pollutant 'PM1.0'" in str(e) and "PM2.5" in str(e) and "一氧化碳" in str(e)
    r = read_long(path, lenient=True)
    assert r.rejected == {"pollutant": 1} and r.table.num_rows == 4


def test_missing_column(tmp_path):
    path = write(tmp_path, "station,time,pollutant,conc_x\nA,2019-01-01 01:00,PM10,1\n", "nocol.csv")
    for lenient in (False, True):
        e = raises(read_long, path, lenient=lenient)
        assert e.line == 1 and e.column == "value" and "nocol.csv" in str(e)
        assert "columns found: 'station', 'time', 'pollutant', 'conc_x'" in str(e)


@pytest.mark.parametrize("bad", ["2019-13-01 01:00", "2019-02-30 01:00", "01/02/2019 01:00", "2019-01-01",
                                 "2019-01-01 25:00", "2019-01-01 01:30", ""])
def test_unparseable_time(tmp_path, bad):
    path = bad_long(tmp_path, f"1001A,{bad},PM10,5,ug/m3")
    e = raises(read_long, path)
    assert (e.line, e.column) == (6, "time") and "bad.csv, line 6, column time" in str(e)
    assert read_long(path, lenient=True).rejected == {"time": 1}


def test_non_numeric_value(tmp_path):
    path = bad_long(tmp_path, "1001A,2019-01-01 03:00,PM10,12H,ug/m3")
    e = raises(read_long, path)
    assert (e.line, e.column) == (6, "value") and "'12H' is not a number" in str(e)
    assert read_long(path, lenient=True).rejected == {"value": 1}


@pytest.mark.parametrize("unit,message", [("ppb", "not supported"), ("ppm", "temperature and pressure"),
                                          ("°C", "not a mass concentration"), ("mg/L", "not a mass concentration")])
def test_unit_that_does_not_fit(tmp_path, unit, message):
    path = bad_long(tmp_path, f"1001A,2019-01-01 03:00,NO2,12,{unit}")
    e = raises(read_long, path)
    assert (e.line, e.column) == (6, "unit") and message in str(e) and "NO2" in str(e)
    r = read_long(path, lenient=True)
    assert r.rejected == {"unit": 1} and r.table.num_rows == 4


def test_duplicate(tmp_path):
    path = bad_long(tmp_path, "1001A,2019-01-01 01:00,PM2.5,36,ug/m3")
    e = raises(read_long, path)
    assert e.line == 6 and "already on line 2" in str(e)
    r = read_long(path, lenient=True)
    assert r.rejected == {"duplicate": 1}
    assert rows(r)[0][3] == 35.0                                        # the first occurrence is kept


def test_strict_reports_the_earliest_line(tmp_path):
    text = LONG + "1001A,2019-01-01 09:00,PM10,abc,ug/m3\n1001A,never,PM10,1,ug/m3\n"
    text = text.replace("1002A,2019-01-01 01:00,O3", "1002A,2019-01-01 01:00,Ozone")  # line 5
    e = raises(read_long, write(tmp_path, text))
    assert (e.line, e.column) == (5, "pollutant")


def test_lenient_counts_every_reason(tmp_path):
    text = LONG + ("\n"                                                 # blank line: not a row
                   ",2019-01-01 03:00,PM10,1,ug/m3\n"
                   "A,2019/13/1 1:00,PM10,1,ug/m3\n"
                   "A,2019-01-01 03:00,苯,1,ug/m3\n"
                   "A,2019-01-01 03:00,PM10,1,ppb\n"
                   "A,2019-01-01 04:00,PM10,?,ug/m3\n"
                   "1001A,2019-01-01 02:00,PM2.5,41,ug/m3\n"
                   "A,2019-01-01 05:00,PM10,—,ug/m3\n"                  # missing, not rejected
                   "A,2019-01-01 05:00,PM10,1,ug/m3\n")                 # repeats the line before
    path = write(tmp_path, text)
    r = read_long(path, lenient=True)
    assert r.rejected == {"station": 1, "time": 1, "pollutant": 1, "unit": 1, "value": 1, "duplicate": 2}
    assert r.table.num_rows == 4 and r.rejected_total == 7
    e = raises(read_long, path)
    assert (e.line, e.column) == (7, "station")                         # line 6 is blank
    # the refusal lists the file's other problems too, each with its first line and column
    assert e.more.startswith("另有 6 处问题")
    for place in ("line 8, column time", "line 9, column pollutant", "line 10, column unit",
                  "line 11, column value", "line 12, column time"):
        assert place in e.more, place
    assert "is already on line 4 (×2 rows)" in e.more and "另有 6 处问题" in str(e)


def test_wrong_field_count(tmp_path):
    path = bad_long(tmp_path, "1001A,2019-01-01 03:00,PM10,5")
    e = raises(read_long, path)
    assert e.line == 6 and "4 fields where the header has 5" in str(e)
    r = read_long(path, lenient=True)
    assert r.rejected == {"fields": 1} and r.table.num_rows == 4


def test_wrong_encoding(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(LONG.encode("utf-8") + b"1001A,2019-01-01 03:00,PM10,5,\xff\xfe\n")
    e = raises(read_long, path)
    assert e.line == 6 and "neither UTF-8 nor GBK" in str(e) and "latin.csv" in str(e)


def test_broken_byte_in_a_utf8_file(tmp_path):
    text = "站点,时间,污染物,浓度\n" + "".join(f"城区站,2019-01-01 {h:02d}:00,臭氧,{h}\n" for h in range(1, 20))
    data = text.encode("utf-8").replace("臭氧,7\n".encode(), "臭氧,7".encode() + b"\xff\n")
    path = tmp_path / "broken.csv"
    path.write_bytes(data)
    e = raises(read_long, path)
    assert e.line == 8 and "invalid UTF-8 byte 0xff" in str(e)


def test_not_a_table(tmp_path):
    e = raises(read_long, write(tmp_path, "", "empty.csv"))
    assert "empty file" in str(e)
    e = raises(read_long, write(tmp_path, "station,time,pollutant,value\n", "header_only.csv"))
    assert e.line == 2 and "no data rows" in str(e)
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert "old binary .xls" in str(raises(read_long, tmp_path / "old.xls"))
    assert "no such file" in str(raises(read_long, tmp_path / "nope.csv"))


# ------------------------------------------------------------------------------------- wide

WIDE = ("站点编码,时间,AQI,PM2.5,PM10,SO2,NO2,CO(mg/m3),O3 μg/m³,O3_8h,首要污染物\n"
        "1001A,2019-01-01 01:00,50,35,60,9,40,0.8,20,30,PM10\n"
        "1001A,2019-01-01 02:00,55,,62,NA,41,0.9,18,31,PM10\n"
        "1002A,2019-01-01 01:00,40,30,50,8,-1,0.7,25,33,—\n")


def test_wide_csv(tmp_path):
    r = read_wide(write(tmp_path, WIDE))
    got = rows(r)
    assert len(got) == 6 + 4 + 6                                         # two cells missing
    assert ("1001A", datetime(2019, 1, 1, 1), "CO", 0.8, "mg/m³") in got
    assert ("1002A", datetime(2019, 1, 1, 1), "NO2", -1.0, "µg/m³") in got
    assert [g[2] for g in got[:6]] == ["PM2_5", "PM10", "SO2", "NO2", "CO", "O3"]
    assert "columns ignored (not hourly concentrations): AQI, O3_8h, 首要污染物" in r.notes
    assert any("no unit in the header of PM2.5, PM10, SO2, NO2" in n for n in r.notes)
    assert r.rejected == {}


def test_wide_gbk_chinese_headers_and_units(tmp_path):
    text = ("站点,时间,细颗粒物(微克/立方米),可吸入颗粒物,二氧化硫,二氧化氮,一氧化碳（μg/m3）,臭氧\n"
            "城区站,2019/1/1 24:00,35,60,9,40,800,20\n")
    r = read_wide(write(tmp_path, text, encoding="gbk"))
    got = {p: v for _, _, p, v, _ in rows(r)}
    assert got == {"PM2_5": 35.0, "PM10": 60.0, "SO2": 9.0, "NO2": 40.0, "CO": 0.8, "O3": 20.0}
    assert r.table["time"][0].as_py() == datetime(2019, 1, 2, 0)
    assert "CO converted from µg/m³ to mg/m³ (÷1000): 1 value" in r.notes


def test_wide_header_spellings():
    assert split_header("CO(mg/m3)") == ("CO", "mg/m3")
    assert split_header("PM2.5 μg/m³") == ("PM2.5", "μg/m³")
    assert split_header("细颗粒物(PM2.5)") == ("细颗粒物(PM2.5)", None)
    assert pollutant_name("细颗粒物(PM2.5)") == "PM2_5"
    assert [pollutant_name(n) for n in ("PM2.5", "PM2_5", "pm25", "PM₂.₅", "ＰＭ２.５", "O3_1h", "NOx", "no")] == \
        ["PM2_5", "PM2_5", "PM2_5", "PM2_5", "PM2_5", "O3", "NOx", "NO"]
    assert pollutant_name("PM1") is None and pollutant_name("AQI") is None
    assert {unit_name(u) for u in ("ug/m3", "μg/m³", "µg/m³", "µg/m3", "ug m-3", "微克/立方米")} == {"µg/m³"}
    assert {unit_name(u) for u in ("mg/m3", "mg/m³", "MG/M3", "毫克/立方米")} == {"mg/m³"}
    with pytest.raises(UnitProblem, match="not supported"):
        unit_name("ppb")


def test_wide_unknown_column(tmp_path):
    path = write(tmp_path, "station,time,PM2.5,TEMP\nA,2019-01-01 01:00,3,-5\n", "met.csv")
    e = raises(read_wide, path)
    assert (e.line, e.column) == (1, "TEMP") and "unknown pollutant column 'TEMP'" in str(e) and "met.csv" in str(e)
    r = read_wide(path, mapping={"PM2_5": "PM2.5"})                     # mapping pollutants selects columns
    assert rows(r) == [("A", datetime(2019, 1, 1, 1), "PM2_5", 3.0, "µg/m³")]


def test_wide_vendor_mapping(tmp_path):
    text = "点位,采样时间,细颗粒物浓度值,气温\n城区站,2019-01-01T05:00:00,41,-3\n"
    r = read_wide(write(tmp_path, text), mapping={"station": "点位", "time": "采样时间", "PM2.5": "细颗粒物浓度值"})
    assert rows(r) == [("城区站", datetime(2019, 1, 1, 5), "PM2_5", 41.0, "µg/m³")]


def test_wide_unit_that_does_not_fit(tmp_path):
    e = raises(read_wide, write(tmp_path, "station,time,NO2 (ppb)\nA,2019-01-01 01:00,3\n"))
    assert (e.line, e.column) == (1, "NO2 (ppb)") and "not supported" in str(e)
    e = raises(read_wide, write(tmp_path, "station,time,PM10[%]\nA,2019-01-01 01:00,3\n"))
    assert e.column == "PM10[%]" and "not a mass concentration" in str(e)


def test_wide_same_pollutant_twice(tmp_path):
    e = raises(read_wide, write(tmp_path, "station,time,PM2.5,pm25\nA,2019-01-01 01:00,3,4\n"))
    assert e.line == 1 and e.column == "pm25" and "both PM2.5" in str(e)


def test_wide_missing_time_column(tmp_path):
    e = raises(read_wide, write(tmp_path, "station,date,PM2.5\nA,2019-01-01,3\n", "w.csv"))
    assert (e.line, e.column) == (1, "time") and "'date'" in str(e)


def test_wide_bad_cells_strict_and_lenient(tmp_path):
    text = WIDE + ("1002A,2019-01-01 02:00,40,abc,50,8,1,0.7,25,33,—\n"      # one bad cell
                   "1002A,2019-01-01 02:00,40,30,50,8,1,0.7,25,33,—\n"      # duplicate hour
                   "1002A,2019-01-01 03:30,40,30,50,8,1,0.7,25,33,—\n")     # bad time
    path = write(tmp_path, text, "wide_bad.csv")
    e = raises(read_wide, path)
    assert (e.line, e.column) == (5, "PM2.5") and "'abc' is not a number" in str(e) and "wide_bad.csv" in str(e)
    r = read_wide(path, lenient=True)
    assert r.rejected == {"value": 1, "duplicate": 1, "time": 1}
    assert r.table.num_rows == 16 + 5                                    # line 5 keeps its five good cells


def test_wide_xlsx(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "小时数据"
    ws.append(["站点", "时间", "PM2.5(μg/m³)", "CO(mg/m³)"])
    ws.append(["A", datetime(2019, 1, 1, 0), 12, 0.4])
    ws.append(["A", datetime(2019, 1, 1, 1), "—", 0.5])
    ws.append(["A", datetime(2019, 1, 1, 2), "x", 0.5])
    path = tmp_path / "wide.xlsx"
    wb.save(path)
    e = raises(read_wide, path)
    assert (e.line, e.column) == (4, "PM2.5(μg/m³)") and "sheet '小时数据'" in str(e)
    r = read_wide(path, lenient=True, time_label="start")
    assert rows(r) == [("A", datetime(2019, 1, 1, 1), "PM2_5", 12.0, "µg/m³"),
                       ("A", datetime(2019, 1, 1, 1), "CO", 0.4, "mg/m³"),
                       ("A", datetime(2019, 1, 1, 2), "CO", 0.5, "mg/m³"),
                       ("A", datetime(2019, 1, 1, 3), "CO", 0.5, "mg/m³")]
    assert r.rejected == {"value": 1}


def test_line_numbers_survive_quoted_newlines_and_blank_rows(tmp_path):
    text = ("station,time,pollutant,value,note\n"
            "A,2019-01-01 01:00,PM10,1,\"two\nlines\"\n"            # lines 2-3
            ",,,,\n"                                                  # line 4: an empty spreadsheet row
            "\n"
            "A,2019-01-01 02:00,PM10,1,ok\n"                          # line 6
            "A,2019-01-01 03:00,PM10,oops,ok\n")                      # line 7
    e = raises(read_long, write(tmp_path, text))
    assert (e.line, e.column) == (7, "value")
    assert read_long(write(tmp_path, text, "b.csv"), lenient=True).table.num_rows == 2


def test_whitespace_only_line_is_blank(tmp_path):
    text = "station,time,pollutant,value\nA,2019-01-01 01:00,PM10,1\n   \nA,2019-01-01 02:00,PM10,x\n"
    e = raises(read_long, write(tmp_path, text))
    assert (e.line, e.column) == (4, "value")


def test_header_mapped_twice_is_ambiguous(tmp_path):
    e = raises(read_long, write(tmp_path, "station,time,pollutant,value,value\nA,2019-01-01 01:00,PM10,1,2\n"))
    assert e.line == 1 and e.column == "value" and "2 columns could be the value" in str(e)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31)),
       st.sampled_from(["%Y-%m-%d %H:00", "%Y/{m}/{d} {H}:00", "%Y-%m-%dT%H:00:00", "%Y年{m}月{d}日 {H}时"]))
def test_parse_times_matches_datetime(when, fmt):
    when = when.replace(minute=0, second=0, microsecond=0)
    text = when.strftime(fmt).format(m=when.month, d=when.day, H=when.hour)
    seconds, code = parse_times(pa.array([text]))
    assert code[0] == 0
    assert datetime(1970, 1, 1) + timedelta(seconds=int(seconds[0])) == when
    seconds, code = parse_times(pa.array([text]), time_label="start")
    assert datetime(1970, 1, 1) + timedelta(seconds=int(seconds[0])) == when + timedelta(hours=1)
