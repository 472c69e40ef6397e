"""The feed conventions on small hand-made files, where every expected value is worked by hand."""
import gzip


from lantian.measurements.engine import connect
from lantian.measurements.feed import load_feed, recompute, write_all
from lantian.measurements.readers.cnemc import DERIVED_TYPES, HOURLY_TYPES, open_text

TYPES = ["AQI", "PM2.5", "PM2.5_24h", "PM10", "PM10_24h", "SO2", "SO2_24h", "NO2", "NO2_24h", "O3", "O3_24h",
         "O3_8h", "O3_8h_24h", "CO", "CO_24h"]


def write_feed(path, rows_by_hour, stations=("A",), crlf=True):
    """rows_by_hour: {(date, hour): {type: [values per station]}}; derived rows left blank."""
    eol = "\r\n" if crlf else "\n"
    lines = ["date,hour,type," + ",".join(stations)]
    for (d, h), vals in sorted(rows_by_hour.items()):
        for typ in TYPES:
            cells = vals.get(typ, [""] * len(stations))
            lines.append(f"{d},{h},{typ}," + ",".join("" if v is None else str(v) for v in cells))
    data = (eol.join(lines) + eol).encode()
    if str(path).endswith(".gz"):
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def hours_of(day_values, date=20190102, prev=20190101):
    """O3 values for labels 1…23 of ``date`` and label 0 of the next day (a whole HJ 663 day)."""
    out = {}
    for i, v in enumerate(day_values, start=1):
        d, h = (date, i) if i < 24 else (date + 1, 0)
        out[(d, h)] = v
    return out


def recompute_rows(tmp_path, files):
    feed = load_feed(files)
    rec = recompute(feed, connect())
    outdir = tmp_path / "out"
    write_all(rec, outdir)
    result = {}
    for f in files:
        with open_text(outdir / f.name) as fh:
            header = fh.readline().strip().split(",")
            for line in fh:
                cells = line.rstrip("\r\n").split(",")
                result[(int(cells[0]), int(cells[1]), cells[2])] = dict(zip(header[3:], cells[3:]))
    return result


def test_o3_8h_restarts_at_01_and_daily_value_at_24(tmp_path):
    o3 = [20, 18, 15, 12, 10, 12, 20, 40, 70, 100, 130, 160, 180, 200, 210, 190, 160, 120, 90, 70, 50, 40, 30, 25]
    rows = {k: {"O3": [v], "PM2.5": [10]} for k, v in hours_of(o3).items()}
    rows[(20190101, 23)] = {"O3": [300], "PM2.5": [10]}     # the previous day must not leak in
    got = recompute_rows(tmp_path, [write_feed(tmp_path / "f.csv", rows)])
    assert got[(20190102, 1, "O3_8h")]["A"] == "20"                 # window of one hour
    assert got[(20190102, 3, "O3_8h")]["A"] == "18"                 # (20+18+15)/3 = 17.67
    assert got[(20190102, 18, "O3_8h")]["A"] == "169"               # 168.75, the worked example
    assert got[(20190103, 0, "O3_8h")]["A"] == "73"                 # 73.125
    assert got[(20190102, 2, "O3_8h_24h")]["A"] == "20"             # running max includes partials
    assert got[(20190103, 0, "O3_8h_24h")]["A"] == "169"            # 24:00: windows 08…24 only
    assert got[(20190102, 5, "O3_24h")]["A"] == "300"               # trailing 24 h, not day-based
    assert got[(20190102, 5, "PM2.5_24h")]["A"] == "10"


def test_daily_value_at_24_drops_early_partial_windows(tmp_path):
    o3 = [200] + [10] * 23                                           # hour 1 high, then low
    rows = {k: {"O3": [v], "PM2.5": [10]} for k, v in hours_of(o3).items()}
    got = recompute_rows(tmp_path, [write_feed(tmp_path / "f.csv", rows)])
    assert got[(20190102, 23, "O3_8h_24h")]["A"] == "200"           # running max of partial windows
    assert got[(20190103, 0, "O3_8h_24h")]["A"] == "34"             # max(windows 08…24) = (200+70)/8=33.75


def test_24h_means_half_even_and_partial_windows(tmp_path):
    rows = {}
    for h in range(1, 24):
        rows[(20190102, h)] = {"PM2.5": [10 if h % 2 else 11], "CO": ["1" if h % 2 else "1.2"], "SO2": [None]}
    rows[(20190102, 23)]["SO2"] = [7]
    got = recompute_rows(tmp_path, [write_feed(tmp_path / "f.csv", rows)])
    assert got[(20190102, 2, "PM2.5_24h")]["A"] == "10"     # 10.5 → 10 (half-even)
    assert got[(20190102, 4, "PM2.5_24h")]["A"] == "10"     # 10.5 → 10
    assert got[(20190102, 3, "PM2.5_24h")]["A"] == "10"     # 10.33
    assert got[(20190102, 2, "CO_24h")]["A"] == "1.1"
    assert got[(20190102, 1, "CO_24h")]["A"] == "1"         # written as the feed writes it, not 1.0
    assert got[(20190102, 22, "SO2_24h")]["A"] == ""        # no valid hour: blank
    assert got[(20190102, 23, "SO2_24h")]["A"] == "7"       # one valid hour is enough


def test_hourly_aqi_rules(tmp_path):
    rows = {
        (20190109, 13): {"PM2.5": [116], "PM10": [249], "SO2": [915], "NO2": [40], "CO": ["1"], "O3": [20]},
        (20190109, 14): {"PM2.5": [None], "PM10": [None], "SO2": [30], "NO2": [250], "CO": ["1"], "O3": [20]},
        (20190109, 15): {"PM2.5": [75], "PM10": [150], "SO2": [5], "NO2": [5], "CO": ["2.2"], "O3": [5]},
        (20190109, 16): {"PM2.5": [76], "PM10": [None], "SO2": [None], "NO2": [None], "CO": [None], "O3": [None]},
    }
    got = recompute_rows(tmp_path, [write_feed(tmp_path / "f.csv", rows)])
    assert got[(20190109, 13, "AQI")]["A"] == "200"   # SO2 1-h > 800 → 200 (what the feed does)
    assert got[(20190109, 14, "AQI")]["A"] == ""      # both PM missing: blank
    assert got[(20190109, 15, "AQI")]["A"] == "100"
    assert got[(20190109, 16, "AQI")]["A"] == "102"   # PM2.5 1-h on the 24-h breakpoints, ceil


def test_one_hour_rows_copied_and_format_kept(tmp_path):
    rows = {(20190102, h): {"PM2.5": [h, ""], "CO": ["0.60", "1"], "O3": [3, 4]} for h in range(0, 24)}
    src = write_feed(tmp_path / "x.csv.gz", rows, stations=("B", "A"), crlf=True)
    plain = write_feed(tmp_path / "y.csv", {(20190103, h): {k: c[:1] for k, c in v.items()}
                                            for (d, h), v in rows.items()}, stations=("A",), crlf=False)
    feed = load_feed([src, plain])
    write_all(recompute(feed, connect()), tmp_path / "out")
    original = gzip.decompress(src.read_bytes()).decode().split("\r\n")
    mine = gzip.decompress((tmp_path / "out" / "x.csv.gz").read_bytes()).decode().split("\r\n")
    assert mine[0] == original[0] == "date,hour,type,B,A"
    assert len(mine) == len(original)
    for a, b in zip(original, mine):
        if a and a.split(",")[2] in HOURLY_TYPES:
            assert a == b                                           # text kept, "0.60" included
    assert (tmp_path / "out" / "y.csv").read_bytes().count(b"\r\n") == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["x.csv.gz", "y.csv"]


def test_derived_types_known():
    assert set(DERIVED_TYPES) | set(HOURLY_TYPES) == set(TYPES)
