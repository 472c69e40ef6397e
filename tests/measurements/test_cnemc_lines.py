"""The line reader of CNEMC files gives what the careful CSV path gives, or hands the file to it."""
import gzip

import numpy as np
import pytest

from lantian.errors import InputError
from lantian.measurements.readers import cnemc
from lantian.measurements.readers.cnemc import HOURLY_TYPES, read_feed

HEADER = "date,hour,type,1001A,1002A"


def careful(path, lenient=False):
    """The careful path alone, as read_feed ran before the line reader existed."""
    return read_feed(path, lenient, careful=True)


def header_of(path):
    text = cnemc._raw_bytes(path)[0]
    return cnemc._check_header(path, text.split(b"\n", 1)[0].rstrip(b"\r").decode().lstrip("\ufeff").split(","))


def assert_same(a, b):
    assert (a.stations, a.gzip, a.crlf, a.header, a.repeated, a.truncated) == \
        (b.stations, b.gzip, b.crlf, b.header, b.repeated, b.truncated)
    assert np.array_equal(a.dates, b.dates) and np.array_equal(a.hours, b.hours)
    assert list(a.types) == list(b.types)
    assert a.bodies == b.bodies
    assert np.array_equal(a.numbers, b.numbers, equal_nan=True)
    assert a.cells.equals(b.cells)


def real_files(data_dir):
    january = sorted((data_dir / "cnemc" / "2019-01").glob("china_sites_*.csv.gz"))
    return january[:2] + january[-1:] + [data_dir / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"]


def test_real_files_read_as_lines_equal_the_careful_path(data_dir):
    for path in real_files(data_dir):
        fast = cnemc._read_lines(path, cnemc._raw_bytes(path)[0], header_of(path))
        assert fast is not None, path                   # plain files take the fast path
        assert_same(read_feed(path), careful(path))


def test_only_hourly_rows_are_parsed_while_reading(data_dir):
    f = read_feed(real_files(data_dir)[0])
    parsed = f.block >= 0
    assert parsed[np.isin(f.types, HOURLY_TYPES)].all()
    assert parsed.sum() < len(f.types)                  # the plain derived rows wait until asked for
    assert not np.isnan(f.numbers[:, ~np.isin(f.types, HOURLY_TYPES)]).all()


def write(tmp_path, text, name="f.csv", gz=False):
    path = tmp_path / (name + (".gz" if gz else ""))
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.mark.parametrize("body", [
    "20190102,1,PM2.5,10,12\n20190102,1,AQI,1,\n",                       # LF
    "20190102,1,PM2.5,10,12\r\n20190102,1,AQI,,7\r\n",                   # CRLF
    "20190102,1,PM2.5,10,12\r\n20190102,1,AQI,,7\n",                     # mixed line ends
    "20190102,1,PM2.5,10,12\r\n20190102,1,CO_24h,0.6,1.25",              # no final line end
    "20190102,1,PM2.5,1e3,+5\r\n20190102,1,AQI,.5,5.\r\n",               # numbers Arrow reads
    '20190102,1,PM2.5,"10",12\r\n',                                      # quotes
    "20190102,1,PM2.5,10,12\r\n\r\n20190102,2,PM2.5,1,2\r\n",            # a blank line
    "20190102,1,PM2.5,10,12\r20190102,2,PM2.5,1,2\r\n",                  # a lone CR
    "20190102,01,PM2.5,10,12\r\n",                                       # a two-digit hour
])
def test_odd_but_valid_files_equal_the_careful_path(tmp_path, body):
    for gz in (False, True):
        path = write(tmp_path, "\ufeff" + HEADER + "\r\n" + body, gz=gz)
        assert_same(read_feed(path), careful(path))


@pytest.mark.parametrize("row", [
    "20190102,3,PM2.5,11,n/a", "20190102,3,AQI,11,n/a", "20190102,3,AQI,1.2.3,4", "20190102,3,CO_24h,.,4",
    "20190102,3,AQI,1" + "0" * 400 + ",4", "20190102,3,PM2.5,1" + "0" * 400 + ",4", "20190102,3,O3_8h,nan,1",
    "20190102,3,PM2.5,1", "20190102,3,PM2.5,1,2,3", "2019010x,1,PM2.5,1,2", "20190230,1,PM2.5,1,2",
    "20190102,24,PM2.5,1,2", "20190102,3,PM25,1,2", "20190102,1,PM2.5,10,12",
])
def test_bad_files_raise_what_the_careful_path_raises(tmp_path, row):
    path = write(tmp_path, HEADER + "\r\n20190102,1,PM2.5,10,12\r\n" + row + "\r\n")
    with pytest.raises(InputError) as expected:
        careful(path)
    with pytest.raises(InputError) as got:
        read_feed(path)
    assert str(got.value) == str(expected.value)


def test_values_of_a_few_rows(tmp_path):
    path = write(tmp_path, HEADER + "\n20190102,1,PM2.5,10,\n20190102,1,CO_24h,0.6,1.25\n20190102,2,PM2.5,,3\n")
    f = read_feed(path)
    got = f.values(np.array([2, 1]))
    assert np.isnan(got[0, 0]) and got[0, 1] == 3.0 and got[1].tolist() == [0.6, 1.25]
    assert cnemc.scaled_values(f, 1000, np.array([0])).tolist() == [[10000, cnemc.MISSING]]
