"""The measurement store: every number kept, none invented; idempotent, atomic, flags kept apart."""
import gzip
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lantian.errors import InputError
from lantian.measurements.importer import import_files
from lantian.measurements.store import ImportSummary, Store

HOURLY = ("PM2.5", "PM10", "SO2", "NO2", "O3", "CO")


def distinct_cells(files: list[Path]) -> int:
    """Independent oracle, plain Python: distinct non-empty (station, date, hour, type) 1-hour cells."""
    seen: set = set()
    total = 0
    for f in files:
        opener = gzip.open if f.suffix == ".gz" else open
        with opener(f, "rt", encoding="utf-8") as fh:
            header = fh.readline().rstrip("\r\n").split(",")
            for line in fh:
                cells = line.rstrip("\r\n").split(",")
                if cells[2] not in HOURLY:
                    continue
                for station, v in zip(header[3:], cells[3:]):
                    if v:
                        key = (station, cells[0], cells[1], cells[2])
                        if key not in seen:
                            seen.add(key)
                            total += 1
    return total


def snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.parquet"))} | \
        {"manifest": (root / "manifest.json").read_bytes()}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, data_dir):
    root = tmp_path_factory.mktemp("store")
    january = sorted((data_dir / "cnemc" / "2019-01").glob("*.csv.gz"))
    changzhi = data_dir / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"
    first = import_files(root, "cnemc", january)
    second = import_files(root, "cnemc", [changzhi])
    return root, january, changzhi, first, second


def test_stored_values_equal_distinct_cells(loaded):
    root, january, changzhi, first, second = loaded
    expected = distinct_cells(january + [changzhi])
    assert Store(root).count() == expected == 6_492_512
    assert first.stored == first.new == 6_267_207
    assert second.unchanged == 21_960 and second.new == 225_305 and second.changed == 0


def test_only_measurements_are_stored(loaded):
    root = loaded[0]
    files = [str(f) for f in Store(root).files()]
    rows = duckdb.sql(f"SELECT DISTINCT pollutant, unit, averaging FROM read_parquet({files!r}) ORDER BY 1").fetchall()
    assert rows == [("CO", "mg/m³", "1h"), ("NO2", "µg/m³", "1h"), ("O3", "µg/m³", "1h"),
                    ("PM10", "µg/m³", "1h"), ("PM2_5", "µg/m³", "1h"), ("SO2", "µg/m³", "1h")]
    # the hour-ending label: hour 0 of 2019-01-06 is stored as 2019-01-06 00:00, the value published there
    value = duckdb.sql(f"SELECT value FROM read_parquet({files!r}) WHERE station = '1001A' AND pollutant = 'PM2_5' "
                       f"AND time = TIMESTAMP '2019-01-06 00:00:00'").fetchall()
    assert value == [(61.0,)]


def test_layout_is_hive_partitioned_and_smaller_than_gzip(loaded, data_dir):
    root, january = loaded[0], loaded[1]
    keys = sorted(Store(root).manifest()["partitions"])
    assert keys[0] == "cnemc/2019/01" and len(keys) == 12
    part = Store(root).files(source="cnemc")[0]
    assert part.parent.name == "month=01" and part.parent.parent.name == "year=2019"
    january_bytes = sum(f.stat().st_size for f in january)
    jan_store = sum(p.stat().st_size for p in Store(root).files(start=datetime(2019, 1, 1), end=datetime(2019, 1, 31)))
    assert jan_store < january_bytes


def test_importing_again_changes_nothing(loaded):
    root, january = loaded[0], loaded[1]
    before = snapshot(root)
    again = import_files(root, "cnemc", january[:3])
    assert again.new == 0 and again.changed == 0 and not again.committed
    assert snapshot(root) == before
    assert Store(root).imports()[-1]["import_id"] == again.import_id


def test_damaged_copy_refused_store_unchanged(loaded, tmp_path):
    root, january = loaded[0], loaded[1]
    before = snapshot(root)
    damaged = tmp_path / january[5].name
    damaged.write_bytes(january[5].read_bytes()[:100_000])
    with pytest.raises(InputError, match="truncated gzip"):
        import_files(root, "cnemc", [january[4], damaged])
    assert snapshot(root) == before


def small_batch(rows):
    """rows: (station, 'YYYY-mm-dd HH', pollutant, value)"""
    return pa.table({
        "station": [r[0] for r in rows],
        "time": pa.array([datetime.strptime(r[1], "%Y-%m-%d %H") for r in rows], pa.timestamp("s")),
        "pollutant": [r[2] for r in rows], "value": pa.array([float(r[3]) for r in rows]),
        "unit": ["mg/m³" if r[2] == "CO" else "µg/m³" for r in rows], "averaging": ["1h"] * len(rows)})


def ingest(root, rows, iid):
    return Store(root).ingest(small_batch(rows), "test", ImportSummary(iid, "test", []))


def test_corrected_value_replaces_and_is_recorded(tmp_path):
    ingest(tmp_path, [("X", "2019-03-01 01", "PM2_5", 30), ("X", "2019-03-01 02", "PM2_5", 31)], "a")
    s = ingest(tmp_path, [("X", "2019-03-01 01", "PM2_5", 30), ("X", "2019-03-01 02", "PM2_5", 35)], "b")
    assert (s.new, s.changed, s.unchanged) == (0, 1, 1)
    t = Store(tmp_path).hourly(stations=["X"]).table
    assert t.column("value").to_pylist() == [30.0, 35.0]
    changes = pq.read_table(tmp_path / "changes" / "b.parquet").to_pylist()
    assert len(changes) == 1 and changes[0]["old_value"] == 31 and changes[0]["new_value"] == 35
    assert changes[0]["old_import"] == "a" and changes[0]["new_import"] == "b"
    ids = pq.read_table(Store(tmp_path).files()[0]).column("import_id").to_pylist()
    assert sorted(ids) == ["a", "b"]        # the unchanged value keeps the import that stored it


def test_failure_while_writing_leaves_store_as_it_was(tmp_path, monkeypatch):
    ingest(tmp_path, [("X", "2019-03-01 01", "PM2_5", 30)], "a")
    before = snapshot(tmp_path)
    calls = {"n": 0}
    real = pq.write_table

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real(*args, **kwargs)
    monkeypatch.setattr(pq, "write_table", failing)
    with pytest.raises(OSError):
        ingest(tmp_path, [("X", "2019-03-01 02", "PM2_5", 1), ("X", "2019-04-01 02", "PM2_5", 2)], "b")
    monkeypatch.setattr(pq, "write_table", real)
    assert snapshot(tmp_path) == before
    ingest(tmp_path, [("Y", "2019-05-01 01", "SO2", 3)], "c")          # the next import sweeps the debris
    assert not list(tmp_path.glob(".staging-*"))
    assert Store(tmp_path).count() == 2


def test_quality_flags_mark_never_drop(tmp_path):
    rows = [("S", f"2019-06-01 {h:02d}", "PM2_5", 40) for h in range(1, 11)]          # constant 10 h
    rows += [("S", f"2019-06-01 {h:02d}", "PM10", 30) for h in range(1, 4)]           # PM2.5 > PM10
    rows += [("S", "2019-06-01 01", "SO2", -3), ("S", "2019-06-01 02", "NO2", 5000)]
    rows += [("S", "2019-06-01 01", "O3", 20), ("S", "2019-06-01 02", "O3", 400), ("S", "2019-06-01 03", "O3", 25)]
    s = ingest(tmp_path, rows, "q")
    assert s.flagged == {"negative": 1, "above_range": 1, "constant_run": 10, "pm25_gt_pm10": 6, "spike": 1}
    store = Store(tmp_path)
    everything = store.hourly(exclude=[])
    assert everything.table.num_rows == len(rows) and everything.excluded == 0
    strict = store.hourly(exclude=["negative", "above_range", "spike"])
    assert strict.excluded == 3 and strict.table.num_rows == len(rows) - 3
    flags = dict(((r["pollutant"], r["time"].hour), r["flag"]) for r in everything.table.to_pylist())
    assert flags[("O3", 2)] == 16 and flags[("SO2", 1)] == 1 and flags[("PM2_5", 1)] == 4 | 8


def test_units_must_agree_with_pollutant(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("date,hour,type,A\n20190101,1,CO,1.2\n")
    from lantian.measurements.store import check_batch
    batch = small_batch([("A", "2019-01-01 01", "CO", 1.2)])
    batch = batch.set_column(4, "unit", pa.array(["µg/m³"]))
    with pytest.raises(InputError, match="expected CO in mg/m³"):
        check_batch(batch, bad)
