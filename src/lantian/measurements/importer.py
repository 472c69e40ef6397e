"""``lantian import FORMAT FILES``: read every file fully (one reader per format), then merge into the store.

Every file is read and checked before anything is stored, so a bad file stores nothing.
"""
from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from lantian.errors import InputError, UsageError
from lantian.measurements.store import ImportSummary, Store, check_batch, sha256
from lantian.measurements import frame as fr
from lantian.measurements.readers.cnemc import long_table, read_feed, HOURLY_TYPES, POLLUTANT_OF_TYPE
from lantian.measurements.readers.uci import read_uci
from lantian.measurements.station_keys import EXPECTED

FORMATS = {
    "cnemc": "CNEMC daily feed files china_sites_*.csv[.gz] (1-hour rows; derived rows are not stored)",
    "uci": "UCI Beijing Multi-Site Air-Quality CSV (CO converted from µg/m³ to mg/m³)",
    "long": "a long table, CSV or XLSX: station, time, pollutant, value[, unit]",
    "wide": "a wide table, CSV or XLSX: station, time, one column per pollutant",
}
DEFAULT_SOURCE = {"cnemc": "cnemc", "uci": "uci-beijing", "long": "table", "wide": "table"}


@dataclass
class _Read:
    """One file as read: its long table and what its summary says of it."""
    table: pa.Table
    rejected: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    unknown: dict[str, int] = field(default_factory=dict)
    repeated: list[dict] = field(default_factory=list)
    truncated: list[dict] = field(default_factory=list)


def _read_one(fmt: str, path: Path, lenient: bool, mapping: dict | None, time_label: str, registry) -> _Read:
    if fmt == "cnemc":
        f = read_feed(path, lenient)
        known = _registered(f, registry, lenient)
        return _Read(long_table(f, known.names, known.keep), known.rejected, known.notes, known.unknown,
                     *_feed_notes(f))
    if fmt == "uci":
        out = read_uci(path, lenient=lenient, registry=registry)
    elif fmt in ("long", "wide"):
        from lantian.measurements.readers import table
        reader = table.read_long if fmt == "long" else table.read_wide
        out = reader(path, mapping=mapping, lenient=lenient, time_label=time_label, stations=registry)
    else:
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return _Read(out.table, dict(out.rejected), list(out.notes), dict(out.unknown_stations))


def _feed_notes(f) -> tuple[list[dict], list[dict]]:
    """A feed file's repeated stations and truncated last line, as the summary lists them."""
    return [r.describe(f.name) for r in f.repeated], [f.truncated.describe(f.name)] if f.truncated else []


@dataclass
class _Known:
    """A feed file's stations against the registry: ``keep`` (None: all), the stored ``names``
    (None: the header's), the values left out by reason and by station, notes."""
    keep: np.ndarray | None = None
    names: list[str] | None = None
    rejected: dict[str, int] = field(default_factory=dict)
    unknown: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _registered(f, registry, lenient: bool) -> _Known:
    """Check a feed file's stations against ``registry`` (:class:`StationKeys`; None: no check). A
    station the registry does not know with a 1-hour value in the file refuses it, naming the
    line of its first value — unless ``lenient``: its values are left out and counted. A station
    without any value loses nothing: a note names it."""
    if registry is None:
        return _Known()
    found = [registry.resolve(s) for s in f.stations]
    names = [code or s for s, (code, _) in zip(f.stations, found)]
    known = _Known(names=names if names != f.stations else None)
    renamed = {s: c for s, (c, _) in zip(f.stations, found) if c is not None and c != s}
    if renamed:
        known.notes.append("stations given by name, stored under their codes: "
                           + ", ".join(f"{k} → {c}" for k, c in sorted(renamed.items())))
    bad = [j for j, (_, reason) in enumerate(found) if reason]
    if not bad:
        return known
    rows = np.nonzero(np.isin(f.types, HOURLY_TYPES))[0]
    present = ~np.isnan(f.values(rows)[:, bad])                     # hourly rows × the unknown stations
    counts = present.sum(axis=0)
    if counts.any() and not lenient:
        first = np.where(present.any(axis=0), np.argmax(present, axis=0), len(rows))
        k = int(np.argmin(first))
        station = f.stations[bad[k]]
        raise InputError(f.path, f"{registry.problem(station)} ({int(counts[k]):,} values in this file)",
                         line=int(rows[first[k]]) + 2, column=station, expected=EXPECTED)
    known.keep = np.ones(len(f.stations), dtype=bool)
    known.keep[bad] = False
    for j, n in zip(bad, counts.tolist()):
        if n:
            reason = found[j][1]
            known.rejected[reason] = known.rejected.get(reason, 0) + n
            known.unknown[f.stations[j]] = n
    silent = [f.stations[j] for j, n in zip(bad, counts.tolist()) if not n]
    if silent:
        known.notes.append("stations not in the registry, without a value (nothing left out): " + ", ".join(silent))
    return known


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
                 progress=None, threads: int = 2, registry=None) -> ImportSummary:
    """Read every file, then merge their values into the store at ``store_root``.

    ``registry``: the workspace's :class:`~lantian.measurements.station_keys.StationKeys` (the
    commands always give it): a value whose station it does not know refuses the file, or with
    ``lenient`` is left out and counted (``unknown station``, each key listed). None: no check.
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if not files:
        raise UsageError("no files given")
    source = source or DEFAULT_SOURCE[fmt]
    iid = datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]

    def read(path: Path) -> _Read:
        result = _read_one(fmt, path, lenient, mapping, time_label, registry)
        if progress:
            progress(path.name)
        return result

    if fmt == "cnemc":
        summary = _import_cnemc(store_root, files, source, iid, progress, threads, registry, lenient)
        if summary is not None:
            return summary
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(read, files))
    summary = ImportSummary(iid, source, [])
    tables = []
    for seq, (path, got) in enumerate(zip(files, results)):
        table = got.table
        check_batch(table, path)
        summary.files.append({"name": path.name, "sha256": sha256(path), "rows": table.num_rows})
        _add_read(summary, got)
        cols = table.select(["station", "time", "pollutant", "value", "unit", "averaging"])
        cols = cols.set_column(1, "time", cols.column("time").cast(pa.timestamp("s")))
        tables.append(cols.append_column("seq", pa.array(np.full(cols.num_rows, seq, np.int32))))
    batch = pa.concat_tables(tables)
    return Store(store_root).ingest(batch, source, summary)


def _add_read(summary: ImportSummary, got) -> None:
    """Add one file's rejections, notes, unknown stations, repeated columns and truncation."""
    for reason, n in got.rejected.items():
        summary.rejected[reason] = summary.rejected.get(reason, 0) + n
    for note in got.notes:
        _add_note(summary, note)
    for key, n in got.unknown.items():
        summary.unknown_stations[key] = summary.unknown_stations.get(key, 0) + n
    summary.repeated_columns += got.repeated
    summary.truncated += got.truncated


def _import_cnemc(store_root: Path, files: list[Path], source: str, iid: str, progress,
                  threads: int, registry=None, lenient: bool = False) -> ImportSummary | None:
    """CNEMC files straight onto a dense grid (station, pollutant, hour), whose cells in order are
    the store's keys in order: nothing to sort. None when the files repeat a cell (the general
    path counts the duplicates) or the grid would be too sparse."""

    def read(path: Path):
        f = read_feed(path, lenient)
        known = _registered(f, registry, lenient)
        if progress:
            progress(path.name)
        return f, known

    with ThreadPoolExecutor(max_workers=threads) as pool:
        read_all = list(pool.map(read, files))
    feeds = [f for f, _ in read_all]
    keyed = _keyed(feeds, [k for _, k in read_all])
    if keyed is None:
        return None
    names, key, value, rows = keyed
    summary = ImportSummary(iid, source, [{"name": path.name, "sha256": sha256(path), "rows": n}
                                          for path, n in zip(files, rows)])
    for f, known in read_all:
        _add_read(summary, _Read(None, known.rejected, known.notes, known.unknown, *_feed_notes(f)))
    summary.rows_read = int(sum(rows))
    return Store(store_root).ingest_keyed(names, key, value, source, summary)


MAX_GRID_CELLS = 1 << 25


def _keyed(feeds: list, known: list[_Known] | None = None) -> tuple | None:
    """(station names, keys, values, values per file) of the 1-hour cells of ``feeds`` (of the
    stations ``known`` keeps, under the names it gives), in key order; None if two files give
    the same hour (the general path sorts that out)."""
    known = known or [_Known() for _ in feeds]
    named = [k.names or f.stations for f, k in zip(feeds, known)]
    names = np.array(sorted({s for n in named for s in n}), dtype=object)
    times = np.concatenate([f.t for f in feeds])
    t0, n_hours = int(times.min()), int(times.max() - times.min()) + 1
    n_pol = len(fr.POLLUTANTS)
    if len(names) * n_pol * n_hours > MAX_GRID_CELLS:
        return None
    grid = np.full((len(names), n_pol, n_hours), np.nan)
    col = {s: i for i, s in enumerate(names)}
    rows = []
    for f, k, stations in zip(feeds, known, named):
        cols, ti, n = np.array([col[s] for s in stations]), f.t - t0, 0
        for typ, pollutant in POLLUTANT_OF_TYPE.items():
            r = f.rows_of(typ)
            if len(r):
                block = f.values(r).T
                if k.keep is not None:
                    block[~k.keep] = np.nan
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
