"""Facility series in the measurement store: hourly 用电监控 (electricity) and CEMS values per facility.

They are not station-hours (a facility is no station, a metric no pollutant), so they keep their
own Hive-partitioned Parquet beside the station store, which Spark and DuckDB read as they are::

    WORKSPACE/measurements/facility/year=2023/month=01/series.parquet

Columns: facility, time (hour-ending label, Beijing time, naive), metric, value, unit, import_id.
An import is idempotent — a value already stored for (facility, time, metric) is replaced only when
the number differs, so the same file twice changes nothing — and atomic per month: each month's
file is rewritten beside the old one and renamed over it.
"""
from __future__ import annotations

import fcntl
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

KEY = ("facility", "time", "metric")
SCHEMA = pa.schema([("facility", pa.string()), ("time", pa.timestamp("s")), ("metric", pa.string()),
                    ("value", pa.float64()), ("unit", pa.string()), ("import_id", pa.string())])


@dataclass
class FacilityImport:
    import_id: str
    rows: int
    new: int
    changed: int
    unchanged: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class FacilityStore:
    def __init__(self, measurements_root: str | Path):
        self.root = Path(measurements_root) / "facility"

    @contextmanager
    def _lock(self):
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def files(self) -> list[Path]:
        return sorted(self.root.glob("year=*/month=*/series.parquet"))

    def ingest(self, table: pa.Table) -> FacilityImport:
        """Merge a series table (the columns of :data:`lantian.emergency.series.SCHEMA`)."""
        import_id = uuid.uuid4().hex[:12]
        table = table.select(["facility", "time", "metric", "value", "unit"]).cast(SCHEMA.remove(5))
        summary = FacilityImport(import_id, table.num_rows, 0, 0, 0)
        if not table.num_rows:
            return summary
        months = pc.strftime(table.column("time"), "%Y-%m")
        with self._lock():
            for month in pc.unique(months).to_pylist():
                self._merge_month(month, table.filter(pc.equal(months, month)), import_id, summary)
        return summary

    def _merge_month(self, month: str, incoming: pa.Table, import_id: str, summary: FacilityImport) -> None:
        year, mm = month.split("-")
        path = self.root / f"year={year}" / f"month={mm}" / "series.parquet"
        con = duckdb.connect()
        con.register("inc", incoming.append_column("import_id", pa.array([import_id] * incoming.num_rows)))
        if path.exists():
            con.register("old", pq.read_table(path, schema=SCHEMA))
        else:
            con.register("old", SCHEMA.empty_table())
        counts = con.sql("""
            SELECT count(*) FILTER (WHERE o.value IS NULL),
                   count(*) FILTER (WHERE o.value IS NOT NULL AND o.value <> i.value),
                   count(*) FILTER (WHERE o.value = i.value)
            FROM inc i LEFT JOIN old o USING (facility, time, metric)""").fetchall()[0]
        new, changed, unchanged = (int(x) for x in counts)
        summary.new += new
        summary.changed += changed
        summary.unchanged += unchanged
        if new or changed:
            merged = con.sql("""
                SELECT * FROM old o WHERE NOT EXISTS (
                    SELECT 1 FROM inc i WHERE i.facility = o.facility AND i.time = o.time AND i.metric = o.metric
                      AND i.value <> o.value)
                UNION ALL
                SELECT i.* FROM inc i LEFT JOIN old o USING (facility, time, metric)
                WHERE o.value IS NULL OR o.value <> i.value
                ORDER BY facility, metric, time""").to_arrow_table().cast(SCHEMA)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".series-{import_id}.parquet")
            pq.write_table(merged, tmp, compression="zstd")
            os.replace(tmp, path)
        con.close()

    def read(self, facilities: list[str] | None = None, start: datetime | None = None,
             end: datetime | None = None) -> pa.Table:
        """The stored values (long, as :data:`lantian.emergency.series.SCHEMA`) for a period."""
        files = self.files()
        if not files:
            return SCHEMA.remove(5).empty_table()
        where, params = ["1=1"], []
        if facilities is not None:
            where.append("facility IN (SELECT unnest(?))")
            params.append(list(facilities))
        if start is not None:
            where.append("time >= ?")
            params.append(start)
        if end is not None:
            where.append("time <= ?")
            params.append(end)
        con = duckdb.connect()
        out = con.sql(f"SELECT facility, time, metric, value, unit FROM read_parquet({[str(f) for f in files]!r}) "
                      f"WHERE {' AND '.join(where)} ORDER BY facility, metric, time", params=params).to_arrow_table()
        con.close()
        return out.cast(SCHEMA.remove(5))
