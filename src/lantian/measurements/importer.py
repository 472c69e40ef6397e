"""``lantian import FORMAT FILES``: read every file fully (one reader per format), then merge into the store.

Every file is read and checked before anything is stored, so a bad file stores nothing.
"""
from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from lantian.errors import UsageError
from lantian.measurements.store import ImportSummary, Store, check_batch, sha256

FORMATS = {
    "cnemc": "CNEMC daily feed files china_sites_*.csv[.gz] (1-hour rows; derived rows are not stored)",
    "uci": "UCI Beijing Multi-Site Air-Quality CSV (CO converted from µg/m³ to mg/m³)",
    "long": "a long table, CSV or XLSX: station, time, pollutant, value[, unit]",
    "wide": "a wide table, CSV or XLSX: station, time, one column per pollutant",
}
DEFAULT_SOURCE = {"cnemc": "cnemc", "uci": "uci-beijing", "long": "table", "wide": "table"}


def _read_one(fmt: str, path: Path, lenient: bool, mapping: dict | None, time_label: str):
    """(long table, rejected-by-reason, notes) of one file."""
    if fmt == "cnemc":
        from lantian.measurements.readers.cnemc import long_table, read_feed
        return long_table(read_feed(path)), {}, []
    if fmt == "uci":
        from lantian.measurements.readers.uci import read_uci
        out = read_uci(path, lenient=lenient)
    elif fmt in ("long", "wide"):
        from lantian.measurements.readers import table
        reader = table.read_long if fmt == "long" else table.read_wide
        out = reader(path, mapping=mapping, lenient=lenient, time_label=time_label)
    else:
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return out.table, dict(out.rejected), list(out.notes)


_COUNTED = re.compile(r"^(.*): ([\d,]+) values?$")


def _add_note(summary: ImportSummary, note: str) -> None:
    """Keep notes once; notes ending in a count ("…: 33,288 values") are added up across files."""
    m = _COUNTED.match(note)
    if m:
        prefix, n = m.group(1), int(m.group(2).replace(",", ""))
        for i, old in enumerate(summary.notes):
            mo = _COUNTED.match(old)
            if mo and mo.group(1) == prefix:
                total = int(mo.group(2).replace(",", "")) + n
                summary.notes[i] = f"{prefix}: {total:,} values"
                return
    if note not in summary.notes:
        summary.notes.append(note)


def import_files(store_root: Path, fmt: str, files: list[Path], *, source: str | None = None,
                 lenient: bool = False, mapping: dict | None = None, time_label: str = "end",
                 progress=None, threads: int = 2) -> ImportSummary:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if not files:
        raise UsageError("no files given")
    source = source or DEFAULT_SOURCE[fmt]
    iid = datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]

    def read(path: Path):
        result = _read_one(fmt, path, lenient, mapping, time_label)
        if progress:
            progress(path.name)
        return result

    if fmt == "cnemc":
        summary = _import_cnemc(store_root, files, source, iid, progress, threads)
        if summary is not None:
            return summary
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(read, files))
    summary = ImportSummary(iid, source, [])
    tables = []
    for seq, (path, (table, rejected, notes)) in enumerate(zip(files, results)):
        check_batch(table, path)
        summary.files.append({"name": path.name, "sha256": sha256(path), "rows": table.num_rows})
        for reason, n in rejected.items():
            summary.rejected[reason] = summary.rejected.get(reason, 0) + n
        for note in notes:
            _add_note(summary, note)
        cols = table.select(["station", "time", "pollutant", "value", "unit", "averaging"])
        cols = cols.set_column(1, "time", cols.column("time").cast(pa.timestamp("s")))
        tables.append(cols.append_column("seq", pa.array(np.full(cols.num_rows, seq, np.int32))))
    batch = pa.concat_tables(tables)
    return Store(store_root).ingest(batch, source, summary)


def _import_cnemc(store_root: Path, files: list[Path], source: str, iid: str, progress,
                  threads: int) -> ImportSummary | None:
    """CNEMC files straight onto a dense grid (station, pollutant, hour), whose cells in order are
    the store's keys in order: nothing to sort. None when the files repeat a cell (the general
    path counts the duplicates) or the grid would be too sparse."""
    from lantian.measurements.readers.cnemc import read_feed

    def read(path: Path):
        f = read_feed(path)
        if progress:
            progress(path.name)
        return f

    with ThreadPoolExecutor(max_workers=threads) as pool:
        feeds = list(pool.map(read, files))
    keyed = _keyed(feeds)
    if keyed is None:
        return None
    names, key, value, rows = keyed
    summary = ImportSummary(iid, source, [{"name": path.name, "sha256": sha256(path), "rows": n}
                                          for path, n in zip(files, rows)])
    summary.rows_read = int(sum(rows))
    return Store(store_root).ingest_keyed(names, key, value, source, summary)


MAX_GRID_CELLS = 1 << 25


def _keyed(feeds: list) -> tuple | None:
    """(station names, keys, values, values per file) of the 1-hour cells of ``feeds``, in key order;
    None if two files give the same hour (the general path sorts that out)."""
    from lantian.measurements import frame as fr
    from lantian.measurements.readers.cnemc import POLLUTANT_OF_TYPE
    names = np.array(sorted({s for f in feeds for s in f.stations}), dtype=object)
    times = np.concatenate([f.t for f in feeds])
    t0, n_hours = int(times.min()), int(times.max() - times.min()) + 1
    n_pol = len(fr.POLLUTANTS)
    if len(names) * n_pol * n_hours > MAX_GRID_CELLS:
        return None
    grid = np.full((len(names), n_pol, n_hours), np.nan)
    col = {s: i for i, s in enumerate(names)}
    rows = []
    for f in feeds:
        cols, ti, n = np.array([col[s] for s in f.stations]), f.t - t0, 0
        for typ, pollutant in POLLUTANT_OF_TYPE.items():
            r = f.rows_of(typ)
            if len(r):
                block = f.values(r).T
                grid[np.ix_(cols, [fr.POLLUTANTS.index(pollutant)], ti[r])] = block[:, None, :]
                n += int(np.count_nonzero(~np.isnan(block)))
        rows.append(n)
    flat = grid.reshape(-1)
    present = ~np.isnan(flat)
    if np.count_nonzero(present) != sum(rows):           # a later file wrote over an hour of an earlier one
        return None
    return names, _keys(present.reshape(-1, n_hours), t0, n_pol), flat[present], rows


def _keys(present: np.ndarray, t0: int, n_pol: int) -> np.ndarray:
    """The keys of the present cells of a (station × pollutant, hour) grid, in the grid's order."""
    from lantian.measurements import frame as fr
    n_series, n_hours = present.shape
    key = np.flatnonzero(present)                 # cell (series, hour) → key (series, t0 + hour)
    series = np.arange(n_series)
    shift = ((((series // n_pol) << 3) + series % n_pol) << fr.BITS) + t0 - series * n_hours
    counts = present.sum(axis=1)
    ends = np.cumsum(counts)
    step = max(1, fr.CHUNK // n_hours)
    for a in range(0, n_series, step):
        b = min(n_series, a + step)
        key[ends[a] - counts[a]:ends[b - 1]] += np.repeat(shift[a:b], counts[a:b])
    return key
