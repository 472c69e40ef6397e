"""The import's fast paths change nothing stored: quality flags computed in chunks, runs found by
shifting, CNEMC files keyed straight from a dense grid — each against the plain way of doing it."""
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from lantian.measurements import frame as fr
from lantian.measurements import importer
from lantian.measurements.store import quality_settings


def plain_flags(f: fr.Frame, q: dict) -> np.ndarray:
    """The flags as first written: whole-array passes, run lengths by cumulative sums."""
    bits, pol, v = q["bits"], f.pollutant, f.value
    per = lambda table, default=np.inf: np.array([table.get(p, default) for p in fr.POLLUTANTS] + [default] * 2)
    out = np.zeros(len(v), dtype=np.int32)
    out[v < 0] |= bits["negative"]
    out[v > per(q["above_range"])[pol]] |= bits["above_range"]
    series, hour = f.series, f.hour
    adjacent = np.zeros(len(v), dtype=bool)
    adjacent[1:] = (series[1:] == series[:-1]) & (hour[1:] == hour[:-1] + 1)
    same = adjacent.copy()
    same[1:] &= v[1:] == v[:-1]
    run_id = np.cumsum(~same)
    run_len = np.bincount(run_id)[run_id]
    run = q["constant_run"]
    out[(run_len >= run["hours"]) & (v >= per(run["min_value"])[pol])] |= bits["constant_run"]
    nxt = np.zeros(len(v), dtype=bool)
    nxt[:-1] = adjacent[1:]
    peak = np.maximum(np.roll(v, 1), np.roll(v, -1))
    spike = q["spike"]
    out[adjacent & nxt & (v > spike["factor"] * peak) & (v - peak >= per(spike["delta"])[pol])] |= bits["spike"]
    is25 = pol == 0
    k10 = f.key[is25] + SHIFT_PM10
    p = np.minimum(np.searchsorted(f.key, k10), len(f.key) - 1)
    both = f.key[p] == k10
    bad = np.zeros(int(is25.sum()), dtype=bool)
    bad[both] = v[is25][both] > v[p[both]]
    out[np.nonzero(is25)[0][bad]] |= bits["pm25_gt_pm10"]
    out[p[both][bad[both]]] |= bits["pm25_gt_pm10"]
    return out


SHIFT_PM10 = (fr.POLLUTANTS.index("PM10") - fr.POLLUTANTS.index("PM2_5")) * fr.SHIFT


def random_frame(seed: int) -> fr.Frame:
    rng = np.random.default_rng(seed)
    keys, values = [], []
    for station in range(4):
        for pol in range(len(fr.POLLUTANTS)):
            hours = np.cumsum(rng.choice([1, 1, 1, 1, 2, 5], size=200)) + 430_000
            level = rng.choice([0.4, 15.0, 60.0, 900.0])
            v = np.round(rng.normal(level, level / 3 + 1, size=200), 1)
            v[rng.random(200) < 0.3] = level                          # runs of one value
            v[rng.random(200) < 0.02] *= 40                           # spikes
            v[rng.random(200) < 0.01] = -1
            keys.append(((station * 8 + pol) << fr.BITS) + hours)
            values.append(v)
    names = np.array([f"S{i}" for i in range(4)], dtype=object)
    key = np.concatenate(keys)
    return fr.Frame(names, key, np.concatenate(values), np.zeros(len(key), np.int32), ["x"])


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_flags_in_chunks_equal_the_plain_flags(monkeypatch, chunk):
    monkeypatch.setattr(fr, "CHUNK", chunk)
    q = quality_settings()
    for seed in range(5):
        f = random_frame(seed)
        assert np.array_equal(fr.flags(f, q), plain_flags(f, q)), seed


@pytest.mark.parametrize("length", [0, 1, 2, 3, 8, 30])
def test_runs_found_by_shifting_equal_run_lengths(length):
    rng = np.random.default_rng(length)
    link = rng.random(5000) < 0.8
    link[0] = False
    run_id = np.cumsum(~link)
    want = np.bincount(run_id)[run_id] >= length
    assert np.array_equal(fr._in_runs(link, length), want)


def part_tables(root: Path) -> dict:
    manifest = json.loads((root / "manifest.json").read_text())
    return {k: pq.read_table(root / rel).drop_columns(["import_id"]) for k, rel in manifest["partitions"].items()}


def test_keyed_import_equals_the_general_path(tmp_path, data_dir, monkeypatch):
    files = sorted((data_dir / "cnemc" / "2019-01").glob("china_sites_*.csv.gz"))[:3]
    files.append(data_dir / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv")
    fast = importer.import_files(tmp_path / "fast", "cnemc", files[:3])
    fast_again = importer.import_files(tmp_path / "fast", "cnemc", files[3:])
    monkeypatch.setattr(importer, "_keyed", lambda feeds, known=None: None)
    slow = importer.import_files(tmp_path / "slow", "cnemc", files[:3])
    slow_again = importer.import_files(tmp_path / "slow", "cnemc", files[3:])
    for a, b in ((fast, slow), (fast_again, slow_again)):
        assert {**a.as_dict(), "import_id": ""} == {**b.as_dict(), "import_id": ""}
    fast_parts, slow_parts = part_tables(tmp_path / "fast"), part_tables(tmp_path / "slow")
    assert fast_parts.keys() == slow_parts.keys()
    for key in fast_parts:
        assert fast_parts[key].equals(slow_parts[key]), key


def test_files_repeating_an_hour_take_the_general_path(tmp_path, data_dir):
    day = sorted((data_dir / "cnemc" / "2019-01").glob("china_sites_*.csv.gz"))[0]
    copy = tmp_path / "copy_of_the_same_day.csv.gz"
    copy.write_bytes(day.read_bytes())
    from lantian.measurements.readers.cnemc import read_feed
    assert importer._keyed([read_feed(day), read_feed(copy)]) is None
    summary = importer.import_files(tmp_path / "store", "cnemc", [day, copy])
    assert summary.duplicates_identical == summary.stored > 0 and summary.duplicates_conflicting == 0


def test_keyed_import_equals_the_general_path_against_a_registry(tmp_path, data_dir, monkeypatch):
    """July (3207A twice) against a registry of 300 of its stations, leniently: both paths leave out
    and count the same values, and store the same."""
    from types import SimpleNamespace
    from lantian.measurements.readers.cnemc import read_feed
    from lantian.measurements.station_keys import StationKeys
    files = sorted((data_dir / "cnemc" / "2019-07").glob("china_sites_*.csv.gz"))[:2]
    stations = read_feed(files[0]).stations
    registry = StationKeys.of_records([SimpleNamespace(code=c, name=f"站{c}") for c in stations[:300]])
    fast = importer.import_files(tmp_path / "fast", "cnemc", files, registry=registry, lenient=True)
    monkeypatch.setattr(importer, "_keyed", lambda feeds, known=None: None)
    slow = importer.import_files(tmp_path / "slow", "cnemc", files, registry=registry, lenient=True)
    assert {**fast.as_dict(), "import_id": ""} == {**slow.as_dict(), "import_id": ""}
    assert fast.rejected["unknown station"] > 0 and len(fast.unknown_stations) > 1000
    assert fast.stations <= 300 and len(fast.repeated_columns) == 2
    fast_parts, slow_parts = part_tables(tmp_path / "fast"), part_tables(tmp_path / "slow")
    assert all(fast_parts[k].equals(slow_parts[k]) for k in fast_parts)
