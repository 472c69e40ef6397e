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
