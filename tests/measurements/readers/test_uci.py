"""UCI Beijing multi-site reader: the real files in shared/data/uci_beijing, and broken copies."""
from __future__ import annotations

import csv
from datetime import datetime

import numpy as np
import pyarrow.compute as pc
import pytest

from lantian.errors import InputError
from lantian.measurements.readers.uci import read_uci

POLS = {"PM2.5": "PM2_5", "PM10": "PM10", "SO2": "SO2", "NO2": "NO2", "CO": "CO", "O3": "O3"}
AOTI = "PRSA_Data_Aotizhongxin_20130301-20170228.csv"


@pytest.fixture(scope="module")
def uci_dir(data_dir):
    return data_dir / "uci_beijing"


@pytest.fixture(scope="module")
def aoti(uci_dir):
    return read_uci(uci_dir / AOTI)


@pytest.fixture(scope="module")
def aoti_rows(uci_dir):
    with open(uci_dir / AOTI, newline="") as fh:
        return list(csv.DictReader(fh))


def counts(table):
    agg = table.group_by("pollutant").aggregate([("value", "count")])
    return {r["pollutant"]: r["value_count"] for r in agg.to_pylist()}


def test_row_count_and_non_na_per_pollutant(aoti, aoti_rows):
    assert len(aoti_rows) == 35064
    expected = {p: sum(1 for r in aoti_rows if r[c] != "NA") for c, p in POLS.items()}
    assert counts(aoti.table) == expected
    assert expected["CO"] == 35064 - 1776          # the CO column has 1,776 NA cells
    assert aoti.table.num_rows == sum(expected.values())
    assert aoti.rejected == {}
    assert aoti.source == "uci-beijing"


def test_schema_units_and_station(aoti):
    t = aoti.table
    assert [f.name for f in t.schema] == ["station", "time", "pollutant", "value", "unit", "averaging"]
    assert str(t.schema.field("time").type) == "timestamp[s]"
    assert set(t.column("station").to_pylist()) == {"uci:Aotizhongxin"}
    units = dict(zip(*[t.column(c).to_pylist() for c in ("pollutant", "unit")]))
    assert units == {"PM2_5": "µg/m³", "PM10": "µg/m³", "SO2": "µg/m³", "NO2": "µg/m³", "CO": "mg/m³",
                     "O3": "µg/m³"}
    assert set(t.column("averaging").to_pylist()) == {"1h"}


def test_first_row_time_and_co_converted(aoti):
    first = aoti.table.filter(pc.equal(aoti.table["time"], aoti.table["time"][0])).to_pylist()
    assert first[0]["time"] == datetime(2013, 3, 1, 0, 0)     # year 2013, month 3, day 1, hour 0
    got = {r["pollutant"]: r["value"] for r in first}
    assert got == {"PM2_5": 4.0, "PM10": 4.0, "SO2": 4.0, "NO2": 7.0, "CO": 0.3, "O3": 77.0}
    assert any("CO converted from µg/m³ to mg/m³ (÷1000)" in n for n in aoti.notes)
    assert any("hour ENDING" in n for n in aoti.notes)


def test_a_middle_row_matches_the_file(aoti, aoti_rows):
    r = next(r for r in aoti_rows if r["SO2"] == "0.2856")   # a non-integer value, somewhere in the file
    when = datetime(int(r["year"]), int(r["month"]), int(r["day"]), int(r["hour"]))
    rows = aoti.table.filter(pc.equal(aoti.table["time"], when)).to_pylist()
    got = {x["pollutant"]: x["value"] for x in rows}
    want = {p: float(r[c]) / (1000 if c == "CO" else 1) for c, p in POLS.items() if r[c] != "NA"}
    assert got == pytest.approx(want) and got["SO2"] == 0.2856


def test_last_row_and_hours(aoti, aoti_rows):
    t = aoti.table
    times = np.unique(t.column("time").to_numpy())
    with_values = sum(1 for r in aoti_rows if any(r[c] != "NA" for c in POLS))
    assert len(times) == with_values                           # rows that are all NA leave no trace
    assert times[0] == np.datetime64("2013-03-01T00:00") and times[-1] == np.datetime64("2017-02-28T23:00")
    assert np.all((times - times[0]) % np.timedelta64(1, "h") == np.timedelta64(0, "h"))
    last = t.slice(t.num_rows - 6).to_pylist()
    assert {r["pollutant"]: r["value"] for r in last}["CO"] == 0.6   # 600 µg/m³ in the file


def test_hour_start_convention_shifts_one_hour(uci_dir):
    r = read_uci(uci_dir / AOTI, hour_label="start")
    assert r.table["time"][0].as_py() == datetime(2013, 3, 1, 1, 0)
    assert r.table["time"][r.table.num_rows - 1].as_py() == datetime(2017, 3, 1, 0, 0)
    assert any("hour STARTING" in n for n in r.notes)


def test_station_mapping(uci_dir):
    r = read_uci(uci_dir / AOTI, stations={"Aotizhongxin": "BJ-AOTI"})
    assert set(r.table.column("station").to_pylist()) == {"BJ-AOTI"}


@pytest.mark.slow
def test_all_twelve_station_files(uci_dir):
    files = sorted(uci_dir.glob("PRSA_Data_*.csv"))
    assert len(files) == 12
    stations = set()
    for f in files:
        with open(f, newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == 35064, f.name
        r = read_uci(f)
        assert r.rejected == {}
        name = f.name.split("_")[2]
        assert set(r.table.column("station").to_pylist()) == {f"uci:{name}"}
        stations.add(name)
        assert counts(r.table) == {p: sum(1 for x in rows if x[c] != "NA") for c, p in POLS.items()}, f.name
        co = r.table.filter(pc.equal(r.table["pollutant"], "CO")).column("value")
        assert pc.max(co).as_py() <= 10.0 + 1e-9                  # the raw file's maximum is 10000 µg/m³
    assert len(stations) == 12


# ------------------------------------------------------------------ bad input (small copies)

def small(tmp_path, uci_dir, edit=None, keep=6, name="uci_small.csv"):
    lines = (uci_dir / AOTI).read_text().splitlines(keepends=True)[: keep + 1]
    if edit:
        lines = edit(lines)
    path = tmp_path / name
    path.write_text("".join(lines))
    return path


def replace_field(lines, lineno, col, value):
    header = next(csv.reader([lines[0]]))
    fields = next(csv.reader([lines[lineno - 1]]))
    fields[header.index(col)] = value
    lines[lineno - 1] = ",".join(fields) + "\n"
    return lines


def test_small_copy_reads(tmp_path, uci_dir):
    r = read_uci(small(tmp_path, uci_dir))
    assert r.table.num_rows == 36 and counts(r.table)["CO"] == 6


@pytest.mark.parametrize("col,value,message", [
    ("hour", "24", "'2013-3-1 hour 24'"),
    ("hour", "x", "hour x"),
    ("day", "30", "not a calendar date"),
    ("month", "13", "not a calendar date"),
])
def test_bad_time_fields(tmp_path, uci_dir, col, value, message):
    def edit(lines):
        lines = replace_field(lines, 4, col, value)
        if col in ("day", "month"):
            lines = replace_field(lines, 4, "month", "2" if col == "day" else "13")
        return lines
    path = small(tmp_path, uci_dir, edit)
    with pytest.raises(InputError) as exc:
        read_uci(path)
    e = exc.value
    assert e.line == 4 and e.column == col
    assert e.expected == {"hour": "an hour 0–23", "day": "a day that exists in that month",
                          "month": "a month 1–12"}[col]
    assert "uci_small.csv" in str(e) and "line 4" in str(e) and message in str(e)
    lenient = read_uci(path, lenient=True)
    assert lenient.rejected == {"time": 1}
    assert lenient.table.num_rows == 30


def test_non_numeric_value(tmp_path, uci_dir):
    path = small(tmp_path, uci_dir, lambda ls: replace_field(ls, 3, "PM10", "n/d"))
    with pytest.raises(InputError) as exc:
        read_uci(path)
    assert exc.value.line == 3 and exc.value.column == "PM10" and "'n/d' is not a number" in str(exc.value)
    r = read_uci(path, lenient=True)
    assert r.rejected == {"value": 1} and r.table.num_rows == 35     # only that cell is dropped


def test_missing_column(tmp_path, uci_dir):
    def drop_co(lines):
        out = []
        for ln in lines:
            f = next(csv.reader([ln]))
            del f[9]
            out.append(",".join(f) + "\n")
        return out
    path = small(tmp_path, uci_dir, drop_co)
    for lenient in (False, True):
        with pytest.raises(InputError) as exc:
            read_uci(path, lenient=lenient)
        e = exc.value
        assert e.line == 1 and e.column == "CO" and "missing column 'CO'" in str(e)
        assert "'O3'" in str(e) and "uci_small.csv" in str(e)       # lists the columns found


def test_duplicate_hour(tmp_path, uci_dir):
    path = small(tmp_path, uci_dir, lambda ls: ls + [ls[2]])
    with pytest.raises(InputError) as exc:
        read_uci(path)
    assert exc.value.line == 8 and "already on line 3" in str(exc.value)
    r = read_uci(path, lenient=True)
    assert r.rejected == {"duplicate": 1} and r.table.num_rows == 36


def test_na_is_missing_not_rejected(tmp_path, uci_dir):
    path = small(tmp_path, uci_dir, lambda ls: replace_field(ls, 2, "O3", "NA"))
    r = read_uci(path)
    assert r.rejected == {} and r.table.num_rows == 35
    assert counts(r.table)["O3"] == 5


def test_wrong_field_count(tmp_path, uci_dir):
    path = small(tmp_path, uci_dir, lambda ls: ls[:5] + [ls[5].rstrip("\n") + ",extra\n"] + ls[6:])
    with pytest.raises(InputError) as exc:
        read_uci(path)
    assert exc.value.line == 6 and "19 fields where the header has 18" in str(exc.value)
    r = read_uci(path, lenient=True)
    assert r.rejected == {"fields": 1} and r.table.num_rows == 30
