"""The live series: every value a device sent, real-time (2011), minute (2051), hour (2061) and day
(2031), as received — the value in the unit the device sends, its 表8 data flag, when it came.

They sit beside the station store and the facility tree as a sibling Hive-partitioned Parquet set
(Spark and DuckDB read it as it is)::

    WORKSPACE/measurements/live/kind=minute/date=2024-05-01/part-<batch>.parquet

A batch is written once under a name fixed by its place in the journal, so building the same
journal again writes the same file; a value sent again (a correction) is a new row, and reading
keeps the latest received for each (device, DataTime, factor, field) — the earlier stays on disk.
``data_time`` is the device's DataTime (HJ 212—2017 表4): the instant of a real-time value, the
start of the interval of a minute, hour or day value.
"""
from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

KINDS = ("realtime", "minute", "hour", "day")
SCHEMA = pa.schema([("mn", pa.string()), ("station", pa.string()), ("facility", pa.string()),
                    ("data_time", pa.timestamp("s")), ("code", pa.string()), ("field", pa.string()),
                    ("value", pa.float64()), ("unit", pa.string()), ("flag", pa.string()),
                    ("received_at", pa.timestamp("ms", tz="UTC")), ("qn", pa.string())])
COLUMNS = tuple(SCHEMA.names)


class LiveSeries:
    def __init__(self, measurements_root: str | Path):
        self.root = Path(measurements_root) / "live"

    def write(self, kind: str, day: dt.date, columns: dict[str, list], batch: str) -> Path:
        """One part file of ``kind`` and ``day`` (the rows' DataTime date) named by ``batch``."""
        folder = self.root / f"kind={kind}" / f"date={day.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"part-{batch}.parquet"
        tmp = folder / f".part-{uuid.uuid4().hex}.parquet"
        pq.write_table(pa.table(columns, schema=SCHEMA), tmp, compression="zstd")
        os.replace(tmp, path)
        return path

    def files(self, kind: str, start: dt.datetime | None = None, end: dt.datetime | None = None) -> list[str]:
        out = []
        for folder in sorted((self.root / f"kind={kind}").glob("date=*")):
            day = dt.date.fromisoformat(folder.name[5:])
            if start and day < start.date() or end and day > end.date():
                continue
            out.extend(str(p) for p in sorted(folder.glob("part-*.parquet")))
        return out

    def read(self, kind: str, *, station: str | None = None, facility: str | None = None, mn: str | None = None,
             start: dt.datetime | None = None, end: dt.datetime | None = None,
             codes: list[str] | None = None) -> pa.Table:
        """The latest received value of each (device, DataTime, factor, field) in [start, end]."""
        if kind not in KINDS:
            raise ValueError(f"kind is one of {', '.join(KINDS)}")
        files = self.files(kind, start, end)
        if not files:
            return SCHEMA.empty_table()
        where, params = ["1=1"], []
        for column, value in (("station", station), ("facility", facility), ("mn", mn)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if start is not None:
            where.append("data_time >= ?")
            params.append(start)
        if end is not None:
            where.append("data_time <= ?")
            params.append(end)
        if codes:
            where.append("code IN (SELECT unnest(?))")
            params.append(list(codes))
        con = duckdb.connect()
        try:
            cols = ", ".join(COLUMNS)
            out = con.sql(f"SELECT {cols} FROM read_parquet({files!r}, hive_partitioning = false) "
                          f"WHERE {' AND '.join(where)} QUALIFY row_number() OVER (PARTITION BY mn, data_time, code, "
                          f"field ORDER BY received_at DESC) = 1 ORDER BY mn, code, field, data_time",
                          params=params).to_arrow_table()
        finally:
            con.close()
        return out.cast(SCHEMA)

    def latest(self, kind: str, mn: str, since: dt.datetime) -> pa.Table:
        return self.read(kind, mn=mn, start=since)
