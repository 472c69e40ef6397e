"""The national archive as it comes: July 2019's files repeat station 3207A's column (1,641 station
columns), January's have 1,605; days of 1 to 24 hours; stations appearing and disappearing between
days; a file whose last line was cut. Test files are cut from the real ones in tmp dirs."""
import gzip

import numpy as np
import pytest
from typer.testing import CliRunner

from lantian.cli import app
from lantian.errors import InputError
from lantian.measurements.feed import load_feed, recompute, write_all
from lantian.measurements.readers import cnemc
from lantian.measurements.readers.cnemc import DERIVED_TYPES, HOURLY_TYPES, Repeated, Truncated, read_feed

JULY_1 = ("cnemc", "2019-07", "china_sites_20190701.csv.gz")
JAN_30 = ("cnemc", "2019-01", "china_sites_20190130.csv.gz")


def rows_of(path) -> list[list[str]]:
    """The lines of a real feed file, split into fields (header first)."""
    text = gzip.decompress(path.read_bytes()).decode()
    return [line.split(",") for line in text.split("\r\n") if line]


def cut(rows, stations=None, hours=None, date=None):
    """``rows`` keeping the station fields numbered ``stations`` (0 = the first station field, in the
    order given: a number twice repeats the column) and the hours ``hours``; ``date`` renames the day."""
    out = []
    for r in rows:
        if r[0] != "date" and hours is not None and int(r[1]) not in hours:
            continue
        keys = r[:3] if date is None or r[0] == "date" else [date] + r[1:3]
        out.append(keys + ([r[3 + i] for i in stations] if stations is not None else r[3:]))
    return out


def write(path, rows, eol="\r\n"):
    data = (eol.join(",".join(r) for r in rows) + eol).encode()
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


@pytest.fixture(scope="module")
def july(data_dir):
    path = data_dir.joinpath(*JULY_1)
    return path, rows_of(path)


@pytest.fixture(scope="module")
def small_july(july):
    """July 1 with 3207A's two columns and the 6 stations around them, every hour."""
    path, rows = july
    at = rows[0].index("3207A") - 3
    return cut(rows, list(range(at - 3, at + 5)))


def careful(path, lenient=False):
    return read_feed(path, lenient, careful=True)


def assert_same(a, b):
    assert (a.stations, a.header, a.repeated, a.truncated, a.crlf) == (b.stations, b.header, b.repeated, b.truncated,
                                                                        b.crlf)
    assert list(a.types) == list(b.types) and a.bodies == b.bodies
    assert np.array_equal(a.numbers, b.numbers, equal_nan=True)


def test_july_file_reads_the_repeated_station_once(july):
    path, rows = july
    assert len(rows[0]) - 3 == 1641 and rows[0].count("3207A") == 2
    f = read_feed(path)
    assert cnemc._read_lines(path, cnemc._raw_bytes(path)[0], cnemc._check_header(path, rows[0])) is not None
    assert len(f.stations) == 1640 and f.ncells == 1641 and f.stations.count("3207A") == 1
    assert f.repeated == [Repeated("3207A", (1634, 1635))]
    i = f.stations.index("3207A")
    pm25 = f.rows_of("PM2.5")
    assert np.array_equal(f.values(pm25)[:, i], np.array([float(r[1633]) if r[1633] else np.nan
                                                           for r in rows[1:] if r[2] == "PM2.5"]), equal_nan=True)
    assert_same(f, careful(path))


def test_recompute_writes_the_file_back_as_it_came(tmp_path, july, con):
    """The header as it came, every 1-hour line byte for byte, both copies' derived cells alike — and
    the same cells as the file gives without its repeated column."""
    path, rows = july
    out = tmp_path / "out"
    write_all(recompute(load_feed([path]), con), out)
    original = gzip.decompress(path.read_bytes()).split(b"\r\n")
    got = gzip.decompress((out / path.name).read_bytes()).split(b"\r\n")
    assert got[0] == original[0] and len(got) == len(original) and original[-1]     # no line end after the last
    types = [line.split(b",")[2].decode() for line in original[1:]]
    derived = [k for k, typ in enumerate(types, start=1) if typ in DERIVED_TYPES]
    hourly = [k for k, typ in enumerate(types, start=1) if typ in HOURLY_TYPES]
    assert len(hourly) == 144 and all(got[k] == original[k] for k in hourly)
    cells = [got[k].split(b",") for k in derived]
    assert all(c[1633] == c[1634] for c in cells) and any(c[1633] for c in cells)
    once = tmp_path / "once" / path.name
    once.parent.mkdir()
    write(once, [r[:1634] + r[1635:] for r in rows])          # the second copy dropped
    write_all(recompute(load_feed([once]), con), tmp_path / "once-out")
    alone = rows_of(tmp_path / "once-out" / path.name)
    assert [r[1633] for r in alone if r[2] in DERIVED_TYPES] == [c[1633].decode() for c in cells]


@pytest.mark.parametrize("cell", ["12", "12.0"])
def test_copies_that_agree_as_numbers_are_read_once(tmp_path, small_july, cell):
    rows = [list(r) for r in small_july]
    line = next(k for k, r in enumerate(rows) if r[2] == "PM10" and r[3] and r[4] and r[1] == "5")
    rows[line][6], rows[line][7] = "12", cell                 # the two copies of 3207A
    f = read_feed(write(tmp_path / "china_sites_20190701.csv", rows))
    assert f.repeated == [Repeated("3207A", (7, 8))] and len(f.stations) == 7
    assert_same(f, careful(f.path))


def test_copies_that_differ_are_refused(tmp_path, small_july):
    rows = [list(r) for r in small_july]
    line = next(k for k, r in enumerate(rows) if r[2] == "NO2" and r[6] and r[1] == "9")
    rows[line][7] = str(int(rows[line][6]) + 5)               # one cell of the second copy changed
    path = write(tmp_path / "china_sites_20190701.csv.gz", rows)
    for read in (read_feed, careful):
        with pytest.raises(InputError) as exc:
            read(path)
        e = exc.value
        assert (e.line, e.column) == (line + 1, "3207A")
        assert "fields 7 and 8" in e.message and "different values" in e.message
        assert f"{rows[line][6]!r} and {rows[line][7]!r}" in e.message
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner().invoke(app, ["cnemc", "recompute", str(path), "-o", str(out)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "china_sites_20190701.csv.gz" in result.output and f"line {line + 1}" in result.output
    assert "3207A" in result.output and "fields 7 and 8" in result.output
    assert list(out.iterdir()) == []


def test_layouts_change_between_days(tmp_path, data_dir):
    """A 1,605-column day without the repeat, then a day with it; stations appearing and
    disappearing; days of 1, 7 and 24 hours. Every file comes back in its own layout."""
    jan = rows_of(data_dir.joinpath(*JAN_30))
    assert len(jan[0]) - 3 == 1605 and "3207A" not in jan[0]          # 3207A, repeated, came in June
    at = 3                                                             # 1004A stands for it here
    day1 = cut(jan, [0, 1, 2, at, 5], date="20190130")                           # 1004A once
    day2 = cut(jan, [1, 2, at, at, 4], hours=set(range(0, 7)), date="20190131")    # 1001A gone, 1005A new, repeat
    day3 = cut(jan, [at, 2], hours={0}, date="20190201")                           # one hour: 24:00 of the 31st
    files = [write(tmp_path / f"china_sites_{d}.csv", rows) for d, rows in
             (("20190130", day1), ("20190131", day2), ("20190201", day3))]
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["cnemc", "recompute", *map(str, files), "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    import json
    summary = json.loads(result.output)
    assert summary["stations"] == 6 and summary["hours"] == 49          # 30th 00:00 … 1st 00:00
    assert summary["repeated_columns"] == [{"file": "china_sites_20190131.csv", "station": "1004A", "fields": [6, 7],
                                            "values": "identical", "note": "repeated column, identical values"}]
    for path, rows in zip(files, (day1, day2, day3)):
        back = (out / path.name).read_bytes().split(b"\r\n")[:-1]
        assert len(back) == len(rows) and back[0] == ",".join(rows[0]).encode()
        for line, r in zip(back[1:], rows[1:]):
            if r[2] in HOURLY_TYPES:
                assert line == ",".join(r).encode()
    two = rows_of_plain(out / files[1].name)
    assert all(r[5] == r[6] for r in two[1:])                  # both copies alike
    # 1004A's 24-hour mean carries on across the layouts: at 01:00 of the 31st it averages the
    # hours ending 02:00 … 24:00 of the 30th and 01:00 of the 31st
    pm = {(int(r[0]), int(r[1])): float(r[6]) for r in day1[1:] if r[2] == "PM2.5" and r[6]}
    pm.update({(int(r[0]), int(r[1])): float(r[5]) for r in day2[1:] if r[2] == "PM2.5" and r[5]})
    window = [v for (d, h), v in pm.items() if (d, h) >= (20190130, 2)  and (d, h) <= (20190131, 1)]
    f2 = read_feed(out / files[1].name)
    got = f2.values(f2.rows_of("PM2.5_24h"))[1, f2.stations.index("1004A")]
    assert len(window) >= 20 and got == round(sum(window) / len(window))


def rows_of_plain(path) -> list[list[str]]:
    return [line.split(",") for line in path.read_text().split("\r\n") if line]


def test_a_last_line_cut_short(tmp_path, small_july, con):
    text = "\r\n".join(",".join(r) for r in small_july)
    cut_at = text.rindex("\r\n") + 20                           # inside the last line, no line end
    path = tmp_path / "china_sites_20190701.csv"
    path.write_text(text[:cut_at])
    n_lines = len(small_july)
    for read in (read_feed, careful):
        with pytest.raises(InputError) as exc:
            read(path)
        assert exc.value.line == n_lines and "truncated" in exc.value.message and "no line end" in exc.value.message
    fast, slow = read_feed(path, lenient=True), careful(path, lenient=True)
    assert_same(fast, slow)
    assert fast.truncated == Truncated(n_lines, text[text.rindex("\r\n") + 2:cut_at].count(",") + 1, 11)
    assert len(fast.types) == n_lines - 2
    out = tmp_path / "out"
    refused = CliRunner().invoke(app, ["cnemc", "recompute", str(path), "-o", str(out)])
    assert refused.exit_code == 2 and f"line {n_lines}" in refused.output and "--lenient" in refused.output
    done = CliRunner().invoke(app, ["cnemc", "recompute", str(path), "-o", str(out), "--lenient"])
    assert done.exit_code == 0, done.output
    assert f"line {n_lines}: truncated last line" in done.output
    back = (out / path.name).read_bytes().split(b"\r\n")
    assert len(back) == n_lines and back[-1] == b""               # the complete lines, each with its end
