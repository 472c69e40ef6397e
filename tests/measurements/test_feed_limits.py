"""The archive's own limit against lantian's error, tried both ways on three real July days (40
stations): a "platform" publishes lantian's rows of the real hours; its archive then differs from
what it published as the real one does — hours revised after publication at several stations, a
province's hours not in yet, CO averaged unrounded — and every difference must come out as the
archive's; lantian's rules made wrong on purpose must come out as not the archive's."""
import csv
import gzip
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from lantian.cli import app
from lantian.measurements.feed import FeedRules, load_feed, recompute, write_all
from lantian.measurements.feed_diff import completeness, diff
from lantian.measurements.feed_limits import ARCHIVE, explain
from lantian.measurements.readers.cnemc import MISSING

DAYS = ("20190701", "20190702", "20190703")
STATIONS = 40


def rows_of(path):
    data = path.read_bytes()
    text = (gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).decode()
    return [line.split(",") for line in text.split("\r\n") if line]


def write(path, rows):
    path.write_bytes(("\r\n".join(",".join(r) for r in rows) + "\r\n").encode())
    return path


def cell(rows, day, hour, typ, station):
    """(row index, field index) of a station's cell."""
    r = next(k for k, r in enumerate(rows) if r[0] == day and r[1] == str(hour) and r[2] == typ)
    return r, 3 + station


@pytest.fixture(scope="module")
def platform(tmp_path_factory, data_dir, con):
    """The platform's files: 40 real stations, three real days, the derived rows lantian's."""
    root = tmp_path_factory.mktemp("platform")
    real = root / "real"
    real.mkdir()
    files = []
    for day in DAYS:
        rows = rows_of(data_dir / "cnemc" / "2019-07" / f"china_sites_{day}.csv.gz")
        rows = [r[:3 + STATIONS] for r in rows]
        if day == "20190702":                              # a hot afternoon at station 30: O3 above 300
            for h in range(12, 20):
                k, j = cell(rows, day, h, "O3", 30)
                rows[k][j] = "350"
        files.append(write(real / f"china_sites_{day}.csv", rows))
    published = root / "published"
    write_all(recompute(load_feed(files), con), published)
    return root, published


def archive_of(platform, name, change):
    """A copy of the platform's files changed by ``change(day, rows)``: its archive."""
    root, published = platform
    folder = root / name
    folder.mkdir()
    for day in DAYS:
        rows = rows_of(published / f"china_sites_{day}.csv")
        change(day, rows)
        write(folder / f"china_sites_{day}.csv", rows)
    return folder


def full_stations(platform) -> list[int]:
    """The stations with every PM2.5 and NO2 hour of the three days."""
    rows = [r for day in DAYS for r in rows_of(platform[1] / f"china_sites_{day}.csv")[1:]]
    return [k for k in range(STATIONS) if all(r[3 + k] for r in rows if r[2] in ("PM2.5", "NO2"))]


def revised(stations: list[int]):
    """Hours revised after publication, July 2 10:00, PM2.5 and NO2: at six stations by 2.5 and 2
    of a 24-hour mean (no rounding reaches the published value), at six more by 1 (one does)."""
    def change(day, rows):
        if day == "20190702":
            for n, station in enumerate(stations[:12]):
                for typ, add in (("PM2.5", 60 if n < 6 else 24), ("NO2", 48 if n < 6 else 24)):
                    k, j = cell(rows, day, 10, typ, station)
                    rows[k][j] = str(int(rows[k][j]) + add)
    return change


def late(day, rows):
    """Station 7's O3 hours of July 2 came late: the platform's O3_8h at 02:00…08:00 is the hour's own."""
    if day == "20190702":
        for h in range(2, 9):
            k, j = cell(rows, day, h, "O3", 7)
            k8, _ = cell(rows, day, h, "O3_8h", 7)
            rows[k8][j] = rows[k][j]


def code(platform, k: int) -> str:
    return rows_of(platform[1] / "china_sites_20190701.csv")[0][3 + k]


def reasons(report):
    return {(m.station, m.type, m.hour): m.reason for m in report.misses}


def test_revised_hours_are_the_archives(platform, con):
    stations = full_stations(platform)
    folder = archive_of(platform, "revised", revised(stations))
    out = folder.parent / "revised-out"
    write_all(recompute(load_feed(sorted(folder.iterdir())), con), out)
    report = diff(folder, out)
    got = reasons(report)
    assert got and all(r in ARCHIVE for r in got.values()), got
    assert len(stations) >= 12 and {s for s, _, _ in got} == {code(platform, k) for k in stations[:12]}
    assert {t for _, t, _ in got} == {"AQI", "PM2.5_24h", "NO2_24h"}
    assert all("2019-07-02 10:00" <= h <= "2019-07-03 09:00" for _, _, h in got)
    assert {h for _, t, h in got if t == "AQI"} == {"2019-07-02 10:00"}     # the hour's own index, at the event
    at_the_hour = [m for m in report.misses if m.hour == "2019-07-02 10:00" and m.type != "AQI"]
    assert len(at_the_hour) == 24 and all(m.event == 12 for m in at_the_hour)
    by_size = {m.station: m.reason for m in at_the_hour}
    assert [by_size[code(platform, k)] for k in stations[:12]] == ["not_from_archived_hours"] * 6 + ["event"] * 6
    assert report.rows[("AQI", "complete")].exact < report.rows[("AQI", "complete")].compared


def test_hours_not_in_yet_are_the_archives(platform, con):
    folder = archive_of(platform, "late", late)
    out = folder.parent / "late-out"
    write_all(recompute(load_feed(sorted(folder.iterdir())), con), out)
    report = diff(folder, out)
    got = reasons(report)
    assert got and all(r in ARCHIVE for r in got.values()), got
    assert "late_hours" in got.values() and {s for s, _, _ in got} == {code(platform, 7)}


def test_co_averaged_unrounded_is_the_archives(platform, con):
    root, published = platform
    feed = load_feed(sorted(published.iterdir()), published=True)
    complete = completeness(feed)
    co = feed.hourly["CO"]
    sums = np.cumsum(np.where(co == MISSING, 0, co), axis=1)
    window = sums[:, 23:] - np.concatenate([np.zeros((co.shape[0], 1), np.int64), sums[:, :-24]], axis=1)
    ties = np.zeros_like(complete["CO_24h"])
    ties[:, 23:] = (window * 2) % (2 * 24 * 100) == 24 * 100              # exactly halfway between tenths
    s, t = np.argwhere(ties & complete["CO_24h"])[0]
    got = {typ: v.copy() for typ, v in feed.published.items()}
    mine = got["CO_24h"][s, t]
    feed.published["CO_24h"][s, t] = mine + 1 if mine * 2400 < window[s, t - 23] else mine - 1
    [miss] = explain(feed, got, complete)
    assert (miss.type, miss.reason, abs(miss.published - miss.recomputed)) == ("CO_24h", "co_unrounded", 1)


@pytest.mark.parametrize("rules, rows", [
    (FeedRules(o3_8h_restarts_daily=False), {"O3_8h", "O3_8h_24h"}),
    (FeedRules(o3_8h_hours=7), {"O3_8h", "O3_8h_24h"}),
], ids=["no-restart-at-01", "7-hour-window"])
def test_a_wrong_rule_is_not_the_archives(platform, con, rules, rows):
    root, published = platform
    feed = load_feed(sorted(published.iterdir()), published=True)
    misses = explain(feed, recompute(feed, con, rules).values, completeness(feed), rules)
    assert len(misses) > 500 and {m.type for m in misses} == rows
    assert all(m.reason == "network_wide" for m in misses)


def test_a_rule_at_rare_values_is_not_the_archives(platform, con):
    """lantian without the O3_8h cap: station 30's afternoon above 300, one pollutant, no event."""
    root, published = platform
    feed = load_feed(sorted(published.iterdir()), published=True)
    rules = FeedRules(o3_8h_cap=None)
    misses = explain(feed, recompute(feed, con, rules).values, completeness(feed), rules)
    assert misses and {m.station for m in misses} == {code(platform, 30)}
    assert all(m.published == 300 and m.reason == "unexplained" for m in misses)


def test_diff_lists_the_windows(platform, con, tmp_path):
    folder = archive_of(platform, "listed", revised(full_stations(platform)))
    out = folder.parent / "listed-out"
    write_all(recompute(load_feed(sorted(folder.iterdir())), con), out)
    csv_path = tmp_path / "misses.csv"
    result = CliRunner().invoke(app, ["cnemc", "diff", str(folder), str(out), "--misses", str(csv_path)])
    assert result.exit_code == 0, result.output
    assert "CNEMC feed 2019-07: published vs recomputed" in result.output
    assert "the archive's own limit" in result.output and "event (12 stations)" in result.output
    listed = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert listed and all(r["archives"] == "yes" for r in listed)
    assert {"station", "type", "hour", "published", "recomputed", "reason", "why"} <= set(listed[0])
    data = json.loads(CliRunner().invoke(app, ["cnemc", "diff", str(folder), str(out), "--json"]).output)
    assert list(data["months"]) == ["2019-07"] and data["months"]["2019-07"]["PM2.5_24h/complete"]["compared"] > 0
    assert len(data["misses"]) == len(listed) and data["reasons"]["2019-07"]["PM2.5_24h"]
