"""The measurement store: Parquet partitioned by source/year/month, one row per stored value.

```
WORKSPACE/measurements/
  manifest.json                              the committed version: partition → file
  source=cnemc/year=2019/month=01/part-<import>.parquet
  imports.jsonl                              one line per import (files, counts, rejections)
  changes/<import>.parquet                   values a later import replaced (old → new)
```
Schema of a part file: station, time (hour-ending label, Beijing time, naive), pollutant,
value (µg/m³; CO mg/m³), unit, averaging, flag (quality bits, see quality.toml), import_id;
``source``, ``year``, ``month`` come from the path (Hive layout, which Spark reads as is).

Imports are idempotent — a value already stored with the same number is left alone, so the
same file twice changes nothing — and atomic: new part files are written beside the old ones
and become the store only when ``manifest.json`` is replaced in one rename; a failure before
that leaves the store as it was, and the orphans are swept at the next import.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tomllib
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from lantian.errors import InputError
from lantian.measurements import frame as fr
from lantian.measurements.engine import read_parquet

BATCH_COLUMNS = ("station", "time", "pollutant", "value", "unit", "averaging")
#: How part files are written: min/max statistics only where a query can skip row groups by them.
PART_FILE = dict(compression="zstd", compression_level=1, row_group_size=1 << 20, write_batch_size=1 << 16,
                 write_statistics=["station", "time", "pollutant"])


def quality_settings() -> dict:
    text = resources.files("lantian.measurements").joinpath("quality.toml").read_text("utf-8")
    return tomllib.loads(text)


@dataclass
class ImportSummary:
    import_id: str
    source: str
    files: list[dict]
    rows_read: int = 0
    stored: int = 0            # values in the batch after removing in-batch duplicates
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    duplicates_identical: int = 0
    duplicates_conflicting: int = 0
    stations: int = 0
    first: str | None = None
    last: str | None = None
    rejected: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    committed: bool = False
    unknown_stations: dict[str, int] = field(default_factory=dict)   # key the registry lacks → values left out
    repeated_columns: list[dict] = field(default_factory=list)       # a station repeated in a file's header
    truncated: list[dict] = field(default_factory=list)              # a file's last line cut short, not read

    def as_dict(self) -> dict:
        return asdict(self)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class Store:
    """One workspace's measurement store."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    # --- manifest ---------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def manifest(self) -> dict:
        if not self.manifest_path.is_file():
            return {"version": 0, "partitions": {}}
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def _commit(self, manifest: dict) -> None:
        tmp = self.root / f".manifest-{uuid.uuid4().hex}.json"
        tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.manifest_path)

    def files(self, source: str | None = None, start: datetime | None = None,
              end: datetime | None = None) -> list[Path]:
        """Committed part files, optionally only those of ``source`` whose month meets [start, end]."""
        out = []
        for key, rel in sorted(self.manifest()["partitions"].items()):
            src, year, month = key.split("/")
            if source and src != source:
                continue
            first = datetime(int(year), int(month), 1)
            nxt = datetime(int(year) + (month == "12"), int(month) % 12 + 1, 1)
            # hour-ending labels: 00:00 of the 1st belongs to the month's partition of its label
            if start and nxt < start or end and first > end:
                continue
            out.append(self.root / rel)
        return out

    def months(self) -> list[tuple[int, int]]:
        """The (year, month) partitions that hold data, of every source, oldest first."""
        return sorted({(int(year), int(month)) for _, year, month in
                       (key.split("/") for key in self.manifest()["partitions"])})

    @contextmanager
    def _lock(self):
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _sweep(self) -> None:
        """Remove part files and staging folders that no committed manifest names."""
        live = {str(self.root / rel) for rel in self.manifest()["partitions"].values()}
        for part in self.root.glob("source=*/year=*/month=*/part-*.parquet"):
            if str(part) not in live:
                part.unlink(missing_ok=True)
        for staging in self.root.glob(".staging-*"):
            shutil.rmtree(staging, ignore_errors=True)
        for tmp in self.root.glob(".manifest-*.json"):
            tmp.unlink(missing_ok=True)

    # --- import -----------------------------------------------------------------------------
    def ingest(self, batch: pa.Table, source: str, summary: ImportSummary) -> ImportSummary:
        """Merge ``batch`` (columns ``BATCH_COLUMNS`` plus ``seq``, the file order) into the store."""
        missing = [c for c in BATCH_COLUMNS if c not in batch.column_names]
        if missing:
            raise ValueError(f"batch lacks columns {missing}")
        if "seq" not in batch.column_names:
            batch = batch.append_column("seq", pa.array(np.zeros(batch.num_rows, np.int32)))
        summary.rows_read = batch.num_rows
        with self._lock():
            self._sweep()
            if batch.num_rows:
                names = fr.station_names(batch.column("station"))
                self._merge(names, fr.incoming(batch, names), source, summary)
            self._log(summary)
        return summary

    def ingest_keyed(self, names: np.ndarray, key: np.ndarray, value: np.ndarray, source: str,
                     summary: ImportSummary) -> ImportSummary:
        """Merge values already keyed (:mod:`~lantian.measurements.frame` keys over the sorted station
        ``names``, ascending, each once) into the store, as :meth:`ingest` merges a batch."""
        with self._lock():
            self._sweep()
            if len(key):
                self._merge(names, fr.Incoming(key, value, 0, 0), source, summary)
            self._log(summary)
        return summary

    def _merge(self, names: np.ndarray, inc, source: str, summary: ImportSummary) -> None:
        import pyarrow.compute as pc
        months = _months_of(inc.key)
        manifest = self.manifest()
        keys = [f"{source}/{m.year:04d}/{m.month:02d}" for m in months]
        old_files = [self.root / manifest["partitions"][k] for k in keys if k in manifest["partitions"]]
        old_table = pq.read_table([str(f) for f in old_files]) if old_files else None
        if old_table is not None:
            union = fr.station_names(pa.array(names, pa.string()), old_table.column("station"))
            inc = fr.rekeyed(inc, names, union)
            names = union
            imports = sorted(set(pc.unique(old_table.column("import_id")).to_pylist()))
            old = fr.from_table(old_table, names, imports)
        else:
            old = fr.Frame(names, np.array([], np.int64), np.array([], np.float64), np.array([], np.int32), [])
        summary.duplicates_identical, summary.duplicates_conflicting = inc.duplicates_identical, inc.duplicates_conflicting
        summary.stored = len(inc.key)
        summary.stations = fr.station_count(inc.key)
        first, last = fr.hour_range(inc.key)
        fmt = lambda h: str((np.int64(h) * 3600).astype("datetime64[s]")).replace("T", " ")[:16]
        summary.first, summary.last = fmt(first), fmt(last)
        m = fr.merge(old, inc, summary.import_id)
        summary.new, summary.changed, summary.unchanged = m.new, m.changed, m.unchanged
        if m.new == 0 and m.changed == 0:
            return                                              # idempotent: nothing to write
        flag = fr.flags(m.frame, quality_settings())
        bits = quality_settings()["bits"]
        summary.flagged = {name: int(((flag & b) != 0).sum()) for name, b in bits.items() if ((flag & b) != 0).any()}
        iid = summary.import_id
        staging = self.root / f".staging-{iid}"
        staging.mkdir(parents=True)
        try:
            self._write(m, flag, months, keys, manifest, names, source, staging, summary, old_files)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _write(self, m, flag, months, keys, manifest, names, source, staging, summary, old_files) -> None:
        iid = summary.import_id
        starts = np.array([np.datetime64(month, "M") for month in months]).astype("datetime64[h]").astype(np.int64)
        row_month = _month_index(m.frame.hour, starts) if len(months) > 1 else None
        new_parts = dict(manifest["partitions"])
        for k, (month, key) in enumerate(zip(months, keys)):
            rows = None if row_month is None else row_month == k
            pq.write_table(fr.to_table(m.frame, rows, flag), staging / f"{key.replace('/', '-')}.parquet",
                           **PART_FILE)
            new_parts[key] = f"source={source}/year={month.year:04d}/month={month.month:02d}/part-{iid}.parquet"
        if m.changes is not None:
            (self.root / "changes").mkdir(exist_ok=True)
            ch = m.changes
            station = np.array(list(names), dtype=object)[ch["key"] // fr.SHIFT // 8]
            pq.write_table(pa.table({
                "station": pa.array(station, pa.string()),
                "time": pa.array((ch["key"] % fr.SHIFT) * 3600).cast(pa.timestamp("s")),
                "pollutant": pa.array(np.array(fr.POLLUTANTS + ("?", "?"), dtype=object)[ch["key"] // fr.SHIFT % 8]),
                "old_value": pa.array(ch["old"]), "new_value": pa.array(ch["new"]),
                "old_import": pa.array(np.array(m.frame.imports, dtype=object)[ch["old_origin"]]),
                "new_import": pa.array([iid] * len(ch["key"]))}), self.root / "changes" / f"{iid}.parquet")
        for key in keys:
            final = self.root / new_parts[key]
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / f"{key.replace('/', '-')}.parquet", final)
        self._commit({"version": manifest["version"] + 1, "partitions": new_parts})
        summary.committed = True
        for old_file in old_files:
            old_file.unlink(missing_ok=True)

    def _log(self, summary: ImportSummary) -> None:
        with open(self.root / "imports.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"at": datetime.now().isoformat(timespec="seconds"), **summary.as_dict()},
                                ensure_ascii=False) + "\n")

    def imports(self) -> list[dict]:
        path = self.root / "imports.jsonl"
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    # --- reading ----------------------------------------------------------------------------
    def count(self, source: str | None = None) -> int:
        files = self.files(source)
        if not files:
            return 0
        return sum(pq.ParquetFile(f).metadata.num_rows for f in files)

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.files())

    def table(self, con, source: str | None = None, start: datetime | None = None, end: datetime | None = None):
        """The committed part files (of ``source``, of the months meeting [start, end]) as a table
        of ``con``'s engine, read by the engine: the part files' columns and ``source``, ``year``,
        ``month`` from the path. None when nothing is stored."""
        files = self.files(source, start, end)
        return read_parquet(con, [str(f) for f in files], str(self.root)) if files else None

    def exclusion_mask(self, exclude: list[str] | None = None) -> tuple[int, list[str]]:
        """The quality bits a rule ``exclude`` drops (default: quality.toml's), and the rule."""
        settings = quality_settings()
        exclude = settings["exclude"] if exclude is None else exclude
        return sum(settings["bits"][name] for name in exclude), exclude

    def hourly(self, stations: list[str] | None = None, pollutants: list[str] | None = None,
               start: datetime | None = None, end: datetime | None = None, source: str | None = None,
               exclude: list[str] | None = None) -> "HourlySeries":
        """Hourly values (long) for a period, with what the quality rule excluded, as Arrow."""
        files = self.files(source, start, end)
        bits = quality_settings()["bits"]
        exclude = quality_settings()["exclude"] if exclude is None else exclude
        mask = sum(bits[name] for name in exclude)
        empty = pa.table({"station": pa.array([], pa.string()), "time": pa.array([], pa.timestamp("us")),
                          "pollutant": pa.array([], pa.string()), "value": pa.array([], pa.float64()),
                          "unit": pa.array([], pa.string()), "flag": pa.array([], pa.int32()),
                          "source": pa.array([], pa.string())})
        if not files:
            return HourlySeries(empty, 0, exclude)
        where = ["1=1"]
        params: list = []
        if stations is not None:
            where.append("station IN (SELECT unnest(?))")
            params.append(list(stations))
        if pollutants is not None:
            where.append("pollutant IN (SELECT unnest(?))")
            params.append(list(pollutants))
        if start:
            where.append("time >= ?")
            params.append(start)
        if end:
            where.append("time <= ?")
            params.append(end)
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        sql = (f"SELECT station, time, pollutant, value, unit, flag, source FROM read_parquet({[str(f) for f in files]!r}, "
               f"hive_partitioning = true) WHERE {' AND '.join(where)}")
        rel = con.sql(f"SELECT *, (flag & {mask}) <> 0 AS excluded FROM ({sql}) ORDER BY station, pollutant, time",
                      params=params).to_arrow_table()
        con.close()
        excluded = int(pa.compute.sum(rel.column("excluded").cast(pa.int64())).as_py() or 0)
        kept = rel.filter(pa.compute.invert(rel.column("excluded"))).drop_columns(["excluded"])
        return HourlySeries(kept, excluded, exclude)


@dataclass
class HourlySeries:
    """Hourly values with the quality rule applied: ``excluded`` values were dropped by ``rule``."""
    table: pa.Table
    excluded: int
    rule: list[str]


def _months_of(key: np.ndarray) -> list:
    """The months (datetime.date of their 1st) that the hours of ``key`` fall in, in order."""
    starts = _month_starts(np.array(fr.hour_range(key)))
    first = starts.astype("datetime64[h]").astype("datetime64[M]").tolist()
    if len(starts) == 1:
        return first
    counts = sum(np.bincount(_month_index(key[a:b] & (fr.SHIFT - 1), starts), minlength=len(starts))
                 for a, b in fr.chunks(len(key)))
    return [m for m, n in zip(first, counts) if n]


def _month_starts(hours: np.ndarray) -> np.ndarray:
    """The first hour (hours since 1970, an int64 array) of every month from ``hours``' first to last."""
    low, high = (np.array([hours.min(), hours.max()]) * 3600).astype("datetime64[s]").astype("datetime64[M]")
    return np.arange(low, high + 1).astype("datetime64[h]").astype(np.int64)


def _month_index(hours: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Which of the months beginning at ``starts`` (sorted, first hours) each hour falls in."""
    return np.searchsorted(starts, hours, side="right") - 1


def check_batch(batch: pa.Table, path: Path) -> None:
    """Units must agree with the pollutant (CO mg/m³, the others µg/m³)."""
    import pyarrow.compute as pc
    pairs = batch.select(["pollutant", "unit"]).group_by(["pollutant", "unit"]).aggregate([]).to_pylist()
    for pair in pairs:
        want = "mg/m³" if pair["pollutant"] == "CO" else "µg/m³"
        if pair["unit"] != want:
            rows = pc.and_(pc.equal(pc.cast(batch.column("pollutant"), pa.string()), pair["pollutant"]),
                           pc.equal(pc.cast(batch.column("unit"), pa.string()), pair["unit"]))
            row = batch.filter(rows).slice(0, 1).to_pylist()[0]
            raise InputError(path, f"{row['pollutant']} of station {row['station']} at {row['time']} is in "
                                   f"{row['unit']!r}", column="unit",
                             expected="CO in mg/m³ and other pollutants in µg/m³")
