"""Bad input: one clear message naming file, line and column; non-zero exit; OUTDIR untouched."""
import gzip

import pytest
from typer.testing import CliRunner

from lantian.cli import app
from lantian.errors import InputError
from lantian.measurements.feed import load_feed
from lantian.measurements.readers.cnemc import read_feed

HEADER = "date,hour,type,1001A,1002A\r\n"


def small(tmp_path, body, name="china_sites_20190102.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


GOOD = "20190102,1,PM2.5,10,12\r\n20190102,1,AQI,,\r\n20190102,2,PM2.5,11,13\r\n"


def run_cli(tmp_path, *files):
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    (out / "keep.txt").write_text("already here")
    result = CliRunner().invoke(app, ["cnemc", "recompute", *map(str, files), "-o", str(out)])
    return result, out


def assert_refused(result, out, *fragments):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for frag in fragments:
        assert frag in result.output, (frag, result.output)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]   # nothing half-written


def test_truncated_gzip(tmp_path, data_dir):
    src = (data_dir / "cnemc" / "2019-01" / "china_sites_20190106.csv.gz").read_bytes()
    bad = tmp_path / "china_sites_20190106.csv.gz"
    bad.write_bytes(src[: len(src) // 2])
    with pytest.raises(InputError) as exc:
        read_feed(bad)
    assert "truncated gzip" in str(exc.value) and exc.value.line > 1
    result, out = run_cli(tmp_path, bad)
    assert_refused(result, out, "china_sites_20190106.csv.gz", "truncated gzip", "line")


def test_file_of_another_format(tmp_path, data_dir):
    firms = data_dir / "firms" / "MODIS_C6_1_NorthChina_subset_20220528-20220604.csv"
    with pytest.raises(InputError) as exc:
        read_feed(firms)
    assert exc.value.line == 1 and "not a CNEMC feed file" in str(exc.value)
    result, out = run_cli(tmp_path, firms)
    assert_refused(result, out, "MODIS_C6_1_NorthChina", "line 1", "date,hour,type")


def test_non_numeric_cell(tmp_path):
    bad = small(tmp_path, GOOD + "20190102,3,PM2.5,11,n/a\r\n")
    with pytest.raises(InputError) as exc:
        read_feed(bad)
    assert (exc.value.line, exc.value.column) == (5, "1002A") and "'n/a' is not a number" in str(exc.value)
    result, out = run_cli(tmp_path, bad)
    assert_refused(result, out, "line 5", "column 1002A", "n/a")


def test_duplicated_hour_in_a_file(tmp_path):
    bad = small(tmp_path, GOOD + "20190102,1,PM2.5,10,12\r\n")
    with pytest.raises(InputError) as exc:
        read_feed(bad)
    assert exc.value.line == 5 and exc.value.column == "hour" and "line 2" in str(exc.value)
    result, out = run_cli(tmp_path, bad)
    assert_refused(result, out, "duplicated hour", "line 5")


def test_duplicated_hour_across_files(tmp_path):
    a = small(tmp_path, GOOD, "a.csv")
    b = small(tmp_path, GOOD, "b.csv")
    with pytest.raises(InputError) as exc:
        load_feed([a, b])
    assert "duplicated hour" in str(exc.value) and "a.csv" in str(exc.value)
    result, out = run_cli(tmp_path, a, b)
    assert_refused(result, out, "duplicated hour")


@pytest.mark.parametrize("row, line, column, text", [
    ("2019010x,1,PM2.5,1,2", 3, "date", "YYYYMMDD"),
    ("20190230,1,PM2.5,1,2", 3, "date", "calendar date"),
    ("20190102,24,PM2.5,1,2", 3, "hour", "0–23"),
    ("20190102,3,PM25,1,2", 3, "type", "unknown type"),
    ("20190102,3,PM2.5,1", 3, None, "fields"),
    ("20190102,3,PM2.5,4..2,2", 3, "1001A", "not a number"),
    ("20190102,3,PM2.5,nan,2", 3, "1001A", "not a number"),
])
def test_other_bad_cells(tmp_path, row, line, column, text):
    bad = small(tmp_path, "20190102,1,PM2.5,10,12\r\n" + row + "\r\n")
    with pytest.raises(InputError) as exc:
        read_feed(bad)
    assert exc.value.line == line and exc.value.column == column and text in str(exc.value)


def test_gz_name_without_gzip_and_not_utf8(tmp_path):
    fake = tmp_path / "x.csv.gz"
    fake.write_text(HEADER + GOOD)
    with pytest.raises(InputError, match="not a gzip file"):
        read_feed(fake)
    binary = tmp_path / "y.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError, match="not UTF-8"):
        read_feed(binary)


def test_refuses_to_overwrite_inputs(tmp_path):
    good = small(tmp_path, GOOD)
    result = CliRunner().invoke(app, ["cnemc", "recompute", str(good), "-o", str(tmp_path)])
    assert result.exit_code == 2 and "overwrite" in result.output
    assert good.read_text().startswith("date,hour,type")


def test_a_good_small_file_goes_through(tmp_path):
    good = small(tmp_path, GOOD)
    result, out = run_cli(tmp_path, good)
    assert result.exit_code == 0, result.output
    text = (out / good.name).read_text()
    assert text.splitlines()[2] == "20190102,1,AQI,15,18"
    assert not [p for p in out.iterdir() if p.name.startswith(".lantian-")]
    assert gzip  # (module used above)
