"""Gate-record files: emission standards in any spelling, Beijing times, and every bad cell named
by file, line and column with what was expected."""
from __future__ import annotations

import datetime as dt

import pytest

from lantian.errors import InputError
from lantian.vehicles import reader

HEADER = "enterprise,plate,vehicle_type,fuel,emission_standard,time_in,time_out,tonnage\n"


@pytest.mark.parametrize("text, want", [("国Ⅵ", "国六"), ("国6", "国六"), ("国六", "国六"), ("VI", "国六"),
                                        ("国六b", "国六"), ("China VI", "国六"), ("国IV", "国四"), ("Ⅴ", "国五"),
                                        ("电动", "新能源"), ("未知", "未知"), ("国七", None), ("abc", None)])
def test_emission_standards(text, want):
    assert reader.standard(text) == want


def test_plates_fuels_types():
    assert reader.plate("晋D·a1234") == "晋DA1234" and reader.plate("晋DD12345") == "晋DD12345"
    assert reader.plate("晋D1234挂") == "晋D1234挂"
    assert reader.plate("晋DI1234") is None and reader.plate("XX12345") is None
    assert reader.fuel("LNG") == "天然气" and reader.fuel("纯电动") == "电" and reader.fuel("煤") is None
    assert reader.vehicle_type("N3") == "重型货车" and reader.vehicle_type("重型自卸货车") == "重型货车"
    assert reader.vehicle_type("半挂牵引车") == "重型半挂牵引车" and reader.vehicle_type("自行车") is None


def test_template_reads_back_with_beijing_times(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(reader.template_text(), encoding="utf-8-sig")
    rows = reader.read(f)
    assert [r.emission_standard for r in rows] == ["国五", "新能源"]
    assert rows[0].time_in == dt.datetime(2023, 6, 29, 0, 15, tzinfo=dt.timezone.utc)     # 08:15 Beijing
    assert rows[0].tonnage == "32.5" and rows[1].vehicle_type == "重型半挂牵引车"


def test_chinese_headers_and_gbk(tmp_path):
    f = tmp_path / "gbk.csv"
    f.write_bytes(("企业,号牌号码,车辆类型,燃料类型,排放阶段,进厂时间\n"
                   "红旗水泥,晋D·B7788,重型货车,柴油,国Ⅴ,2023/06/29 07:05\n").encode("gb18030"))
    [r] = reader.read(f)
    assert (r.enterprise, r.plate, r.emission_standard) == ("红旗水泥", "晋DB7788", "国五")


@pytest.mark.parametrize("row, where, expected", [
    ("E,晋DA1234,重型货车,柴油,国七,2023-06-29 08:00,,", "line 2, column emission_standard", "国一…国六"),
    ("E,晋DA12,重型货车,柴油,国五,2023-06-29 08:00,,", "line 2, column plate", "号牌号码"),
    ("E,晋DA1234,拖拉机,柴油,国五,2023-06-29 08:00,,", "line 2, column vehicle_type", "重型货车"),
    ("E,晋DA1234,重型货车,煤,国五,2023-06-29 08:00,,", "line 2, column fuel", "柴油"),
    ("E,晋DA1234,重型货车,柴油,国五,29.6.2023,,", "line 2, column time_in", "YYYY-MM-DD"),
    ("E,晋DA1234,重型货车,柴油,国五,2023-06-29 08:00,2023-06-29 07:00,", "line 2, column time_out", "not before"),
    ("E,晋DA1234,重型货车,柴油,国五,2023-06-29 08:00,,-3", "line 2, column tonnage", "0–1000"),
    ("E,晋DA1234,重型货车,电,国五,2023-06-29 08:00,,", "line 2, column emission_standard", "新能源"),
    (",晋DA1234,重型货车,柴油,国五,2023-06-29 08:00,,", "line 2, column enterprise", "a value"),
])
def test_bad_cells_are_named(tmp_path, row, where, expected):
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + "E,晋DA1235,重型货车,柴油,国六,2023-06-29 07:00,,\n" + row + "\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        reader.read(f)
    text = str(e.value).replace("line 3", "line 2")          # the bad row is the second data row
    assert "bad.csv" in text and where in text and expected in text


def test_missing_column_and_missing_file(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("plate,time_in\n晋DA1234,2023-06-29 08:00\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1: no column enterprise, vehicle_type, fuel, emission_standard"):
        reader.read(f)
    with pytest.raises(InputError, match="no such file"):
        reader.read(tmp_path / "nope.csv")


def test_checks_file(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text(reader.checks_template_text(), encoding="utf-8")
    rows = reader.read_checks(f)
    assert [(r.kind, r.outcome) for r in rows] == [("roadcheck", "fail"), ("obd", "pass")]
    f.write_text("kind,plate,time,outcome\n路检,晋DA1234,2023-06-29 10:30,还行\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2, column outcome.*合格 or 不合格"):
        reader.read_checks(f)


@pytest.mark.parametrize("change, column", [({"goods": "煤\x00"}, "goods"), ({"tonnage": "1e9999"}, "tonnage"),
                                            ({"tonnage": "123.4567890123456789"}, "tonnage"),
                                            ({"time_in": "0001-01-01 00:00"}, "time_in"),
                                            ({"time_in": "2023-06-29"}, "time_in")])
def test_pushed_values_that_could_not_be_stored_are_refused(change, column):
    record = {"plate": "晋DA1234", "vehicle_type": "重型货车", "fuel": "柴油", "emission_standard": "国六",
              "time_in": "2023-06-29T08:00:00+08:00"}
    assert reader.parse_record(record, file="request", line=1, enterprise_required=False).time_in.hour == 0
    with pytest.raises(InputError, match=f"request, line 1, column {column}"):
        reader.parse_record(dict(record, **change), file="request", line=1, enterprise_required=False)


def test_odd_digits_and_malformed_files_are_refused_plainly(tmp_path):
    assert reader.standard("国²") is None and reader.standard("国6") == reader.standard("国六")
    big = tmp_path / "big.csv"
    big.write_text("plate,x\n晋DA1234," + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="big.csv, line 2.*not a readable CSV"):
        reader.read(big)
