"""Reading NASA FIRMS files (MODIS, VIIRS, the area-API sample, the spreadsheet-resaved file) and
report files: UTC HHMM to Beijing time, day/month order decided for the whole file or refused with
file, line and column, bad cells named."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lantian.db import to_beijing
from lantian.errors import InputError
from lantian.fires import reader
from lantian.fires.service import fingerprint

UTC = dt.timezone.utc
MESSY = "MODIS_C6_1_Global_24h_20220603-04_reformatted.csv"
WEEK = "MODIS_C6_1_Global_7d_20220528-20220604.csv"
SUBSET = "MODIS_C6_1_NorthChina_subset_20220528-20220604.csv"
AREA_API = "VIIRS_SNPP_NRT_area_api_sample_20250626-27.csv"


@pytest.fixture(scope="module")
def firms(data_dir):
    return data_dir / "firms"


def test_the_spreadsheet_resaved_file_reads_as_the_original(firms):
    messy = reader.read(firms / MESSY)
    assert messy.layout == "modis" and messy.read == 18041 and not messy.rejected
    assert messy.notes == ["dates read as m/d/yyyy (the file's dates span 1 days that way, 31 the other)"]
    first = messy.rows[0]          # line 2: -16.79034,144.18723,…,6/3/2022,18,T,68 — "18" is 00:18 UTC
    assert first.line == 2 and first.observed_at == dt.datetime(2022, 6, 3, 0, 18, tzinfo=UTC)
    assert to_beijing(first.observed_at).strftime("%Y-%m-%d %H:%M") == "2022-06-03 08:18"
    # the same detection in the 7-day file (line 44124, written 2022-06-03,0018): the same fingerprint,
    # so importing both files stores it once
    week = {(o.lat, o.lon, o.observed_at): o for o in reader.read(firms / WEEK).rows}
    twin = week[(Decimal("-16.79034"), Decimal("144.18723"), first.observed_at)]
    assert twin.line == 44124 and fingerprint(twin) == fingerprint(first)
    late = next(o for o in messy.rows if o.line == 6452)   # 6/3/2022,1613 UTC: after 16:00, the next day in Beijing
    assert to_beijing(late.observed_at).strftime("%Y-%m-%d %H:%M") == "2022-06-04 00:13"
    assert {o.observed_at.date() for o in messy.rows} == {dt.date(2022, 6, 3), dt.date(2022, 6, 4)}


def test_modis_viirs_and_area_api_layouts(firms):
    subset = reader.read(firms / SUBSET)
    assert subset.layout == "modis" and len(subset.rows) == 779
    o = subset.rows[0]
    assert (o.source, o.satellite, o.confidence, o.confidence_class()) == ("modis", "T", "24", "low")
    api = reader.read(firms / AREA_API)
    assert api.layout == "viirs" and len(api.rows) == 127
    first = api.rows[0]              # acq_time 603 (no leading zero) is 06:03 UTC, confidence "n" is nominal
    assert first.observed_at == dt.datetime(2025, 6, 26, 6, 3, tzinfo=UTC) and first.confidence == "nominal"
    assert first.brightness == "339.99"
    viirs = reader.read(firms / "SUOMI_VIIRS_C2_South_Asia_24h_20250627-28.csv")
    assert viirs.layout == "viirs" and len(viirs.rows) == 545
    assert {o.confidence for o in viirs.rows} <= {"low", "nominal", "high"}


HEAD = "latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,confidence,version,bright_t31,frp,daynight\n"
ROW = "36.1,113.1,320.1,1.0,1.0,{date},{time},A,{conf},6.1NRT,300.0,9.9,D\n"


@pytest.mark.parametrize("rows, message", [
    ([("6/3/2022", "538", 50)], "line 2, column acq_date: '6/3/2022': day and month cannot be told apart"),
    ([("6/3/2022", "538", 50), ("3/6/2022", "538", 50)], "line 2, column acq_date"),
    ([("13/6/2022", "538", 50), ("6/13/2022", "538", 50)], "line 3, column acq_date"),
    ([("2022-06-03", "2460", 50)], "line 2, column acq_time: acq_time '2460' is not a time of day"),
    ([("2022-06-03", "5.38", 50)], "line 2, column acq_time"),
    ([("2022-06-03", "538", 101)], "line 2, column confidence: confidence '101' (expected 0–100 (MODIS))"),
    ([("2022-06-31", "538", 50)], "line 2, column acq_date"),
])
def test_ambiguous_or_bad_cells_are_named(tmp_path, rows, message):
    f = tmp_path / "bad.csv"
    f.write_text(HEAD + "".join(ROW.format(date=d, time=t, conf=c) for d, t, c in rows), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        reader.read(f)
    assert str(exc.value).startswith(str(f)) and message in str(exc.value)


def test_a_day_above_12_decides_the_order(tmp_path):
    f = tmp_path / "dmy.csv"
    f.write_text(HEAD + ROW.format(date="28/5/2022", time="538", conf=60) + ROW.format(date="3/6/2022", time="0", conf=60),
                 encoding="utf-8")
    batch = reader.read(f)
    assert batch.notes == ["dates read as d/m/yyyy"]
    assert [o.observed_at for o in batch.rows] == [dt.datetime(2022, 5, 28, 5, 38, tzinfo=UTC),
                                                   dt.datetime(2022, 6, 3, 0, 0, tzinfo=UTC)]


def test_lenient_skips_and_counts_bad_rows(tmp_path):
    f = tmp_path / "some-bad.csv"
    f.write_text(HEAD + ROW.format(date="2022-06-03", time="538", conf=60) + ROW.format(date="2022-06-03", time="x",
                                                                                         conf=60), encoding="utf-8")
    with pytest.raises(InputError, match="line 3, column acq_time"):
        reader.read(f)
    batch = reader.read(f, lenient=True)
    assert batch.read == 2 and len(batch.rows) == 1 and batch.rejected == {"bad acq_time": 1}
    assert "line 3, column acq_time" in batch.errors[0]


def test_report_files(tmp_path):
    f = tmp_path / "reports.csv"
    f.write_text("时间,纬度,经度,来源,报告人,备注\n2023-06-30 19:30,36.2,113.11,无人机,巡查队,冒烟\n"
                 "2023-06-30 21:05,36.33,112.95,manual,网格员,\n", encoding="gbk")
    batch = reader.read(f)
    assert batch.layout == "report"
    a, b = batch.rows
    assert (a.source, a.reporter, a.note) == ("drone", "巡查队", "冒烟") and b.note is None
    assert a.observed_at == dt.datetime(2023, 6, 30, 11, 30, tzinfo=UTC)          # Beijing 19:30 = 11:30 UTC
    bad = tmp_path / "bad-report.csv"
    bad.write_text("time,lat,lon,source,reporter,note\n2023-06-30 19:30,36.2,113.11,卫星,巡查队,\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2, column source"):
        reader.read(bad)
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("when,where\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1: unknown layout"):
        reader.read(unknown)
