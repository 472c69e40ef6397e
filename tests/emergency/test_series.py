"""The facility series CSV: reading, bad input named by line and field, writing, the dense grid."""
from datetime import datetime

import numpy as np
import pyarrow as pa
import pytest

from lantian.emergency.series import SCHEMA, grid, read_csv, write_csv
from lantian.emergency.synthetic import generate
from lantian.errors import InputError

HEADER = "facility,time,metric,value,unit\n"
GOOD = "SYN-001,2024-12-01 01:00,production_kw,812.5,kW\n"


def write(tmp_path, body: str, header: str = HEADER, encoding: str = "utf-8"):
    path = tmp_path / "series.csv"
    path.write_bytes((header + body).encode(encoding))
    return path


def test_reads_the_layout_and_leaves_gaps_out(tmp_path):
    path = write(tmp_path, GOOD
                 + "SYN-001,2024-12-01T02:00:00+08:00,production_kw,,kW\n"      # a gap
                 + "\n"
                 + "SYN-001,2024-12-01 24:00,so2_kgh,1.5e-1,\n"                  # 24:00, unit left empty
                 + " SYN-002 , 2024-12-01 03:00 ,treatment_kw, 0 ,KW\n")
    table = read_csv(path)
    assert table.schema == SCHEMA
    assert table.to_pylist() == [
        {"facility": "SYN-001", "time": datetime(2024, 12, 1, 1), "metric": "production_kw", "value": 812.5,
         "unit": "kW"},
        {"facility": "SYN-001", "time": datetime(2024, 12, 2, 0), "metric": "so2_kgh", "value": 0.15, "unit": "kg/h"},
        {"facility": "SYN-002", "time": datetime(2024, 12, 1, 3), "metric": "treatment_kw", "value": 0.0, "unit": "kW"},
    ]


def test_reads_a_bom_and_gb18030(tmp_path):
    assert read_csv(write(tmp_path, GOOD, header="\ufeff" + HEADER)).num_rows == 1
    table = read_csv(write(tmp_path, "SYN-钢铁01,2024-12-01 01:00,pm_kgh,2,kg/h\n", encoding="gb18030"))
    assert table.column("facility").to_pylist() == ["SYN-钢铁01"]


@pytest.mark.parametrize("row, column, words", [
    ("SYN-001,2024-12-01 01:00,power_kw,1,kW", "metric", "unknown metric 'power_kw'"),
    ("SYN-001,01/12/2024 01:00,production_kw,1,kW", "time", "not a time"),
    ("SYN-001,2024-02-30 01:00,production_kw,1,kW", "time", "no such date"),
    ("SYN-001,2024-12-01 25:00,production_kw,1,kW", "time", "no such time of day"),
    ("SYN-001,2024-12-01 01:30,production_kw,1,kW", "time", "not on the hour"),
    ("SYN-001,2024-12-01T01:00Z,production_kw,1,kW", "time", "not Beijing time"),
    ("SYN-001,2024-12-01 01:00,production_kw,n/a,kW", "value", "not a number: 'n/a'"),
    ("SYN-001,2024-12-01 01:00,production_kw,nan,kW", "value", "not a number"),
    ("SYN-001,2024-12-01 01:00,production_kw,1e999,kW", "value", "not a number"),
    ("SYN-001,2024-12-01 01:00,treatment_kw,-3.5,kW", "value", "negative treatment_kw: -3.5"),
    ("SYN-001,2024-12-01 01:00,nox_kgh,-0.1,kg/h", "value", "negative nox_kgh"),
    ("SYN-001,2024-12-01 01:00,production_kw,1,MW", "unit", "unit 'MW' for production_kw"),
    (",2024-12-01 01:00,production_kw,1,kW", "facility", "no facility id"),
])
def test_bad_row_names_line_and_field(tmp_path, row, column, words):
    path = write(tmp_path, GOOD + "SYN-002,2024-12-01 01:00,nox_kgh,3,kg/h\n" + row + "\n")
    with pytest.raises(InputError) as caught:
        read_csv(path)
    error = caught.value
    assert (error.line, error.column) == (4, column)
    assert words in error.message
    assert error.expected
    assert str(error).startswith(f"{path}, line 4, column {column}: ")


def test_duplicate_names_both_lines_even_when_one_is_a_gap(tmp_path):
    path = write(tmp_path, GOOD + "SYN-001,2024-12-01 02:00,production_kw,1,kW\n"
                 + "SYN-001,2024-12-01T01:00,production_kw,,kW\n")
    with pytest.raises(InputError) as caught:
        read_csv(path)
    assert caught.value.line == 4
    assert "repeats line 2" in caught.value.message


def test_same_hour_of_another_metric_or_facility_is_no_duplicate(tmp_path):
    path = write(tmp_path, GOOD + "SYN-001,2024-12-01 01:00,treatment_kw,1,kW\n"
                 + "SYN-002,2024-12-01 01:00,production_kw,1,kW\n")
    assert read_csv(path).num_rows == 3


def test_the_earliest_bad_line_is_reported(tmp_path):
    path = write(tmp_path, GOOD + "SYN-001,2024-12-01 02:00,production_kw,-1,kW\n"
                 + "SYN-001,2024-12-01 03:00,smoke,1,kW\n")
    with pytest.raises(InputError) as caught:
        read_csv(path)
    assert (caught.value.line, caught.value.column) == (3, "value")


def test_line_numbers_count_blank_lines(tmp_path):
    path = write(tmp_path, GOOD + "\n\n" + "SYN-001,2024-12-01 02:00,production_kw,abc,kW\n")
    with pytest.raises(InputError) as caught:
        read_csv(path)
    assert caught.value.line == 5


def test_header_and_shape_errors(tmp_path):
    with pytest.raises(InputError) as caught:
        read_csv(write(tmp_path, GOOD, header="facility,time,metric,unit\n"))
    assert (caught.value.line, caught.value.column) == (1, "value")
    with pytest.raises(InputError) as caught:
        read_csv(write(tmp_path, GOOD + "SYN-001,2024-12-01 02:00,production_kw\n"))
    assert caught.value.line == 3 and "3 fields" in caught.value.message
    with pytest.raises(InputError, match="empty file"):
        read_csv(write(tmp_path, "", header=""))


def test_writer_reader_round_trip(tmp_path):
    table, _ = generate(n_facilities=4, days=9, warning=(7, 9), seed=11)
    table = table.set_column(3, "value", pa.array(table.column("value").to_numpy() / 3))  # unrounded floats
    path = write_csv(table, tmp_path / "out.csv")
    again = read_csv(path)
    assert again.equals(table)
    assert path.read_text(encoding="utf-8").splitlines()[0] == "facility,time,metric,value,unit"


def test_grid_places_values_and_leaves_gaps_nan():
    table = pa.table({"facility": ["B", "A", "A"], "time": [datetime(2024, 1, 1, 2), datetime(2024, 1, 1, 1),
                                                          datetime(2024, 1, 1, 9)],
                      "metric": ["so2_kgh", "production_kw", "production_kw"], "value": [2.0, 5.0, 7.0],
                      "unit": ["kg/h", "kW", "kW"]}, schema=SCHEMA)
    g = grid(table, datetime(2024, 1, 1, 1), datetime(2024, 1, 1, 4))
    assert g.facilities == ["A", "B"] and g.n_hours == 4
    np.testing.assert_array_equal(g.metric("production_kw"), [[5, np.nan, np.nan, np.nan], [np.nan] * 4])
    np.testing.assert_array_equal(g.metric("so2_kgh")[1], [np.nan, 2, np.nan, np.nan])
    assert g.hour_of(datetime(2024, 1, 1, 3)) == 2
