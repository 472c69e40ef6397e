"""Measurements as sorted integer keys: the store's merge and quality flags, vectorized with numpy.

A value's key packs (station, pollutant, hour): ``(station_index · 8 + pollutant_index) · 2^28 + hour``,
with ``hour`` counted from 1970-01-01 00:00 (Beijing time, hour-ending label). Sorting the keys
sorts by station, pollutant, time — the order the store keeps, and the order that makes
"previous hour of the same series" an array shift.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

POLLUTANTS = ("PM2_5", "PM10", "SO2", "NO2", "CO", "O3")
UNITS = tuple("mg/m³" if p == "CO" else "µg/m³" for p in POLLUTANTS)
SHIFT = 1 << 28


@dataclass
class Frame:
    """Sorted, unique keys with their values and the import that stored each."""
    names: np.ndarray      # station codes, sorted (object array of str)
    key: np.ndarray        # int64, ascending, unique
    value: np.ndarray      # float64
    origin: np.ndarray     # int32 index into ``imports``
    imports: list[str]

    @property
    def hour(self) -> np.ndarray:
        return self.key % SHIFT

    @property
    def series(self) -> np.ndarray:
        return self.key // SHIFT

    @property
    def station(self) -> np.ndarray:
        return self.series // 8

    @property
    def pollutant(self) -> np.ndarray:
        return self.series % 8


def _codes(column: pa.ChunkedArray | pa.Array, names: np.ndarray) -> np.ndarray:
    """Index of each string of ``column`` in the sorted ``names`` (dictionary columns used as they are)."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    out = []
    for chunk in chunks:
        enc = chunk if pa.types.is_dictionary(chunk.type) else pc.dictionary_encode(chunk)
        lookup = np.searchsorted(names, np.array(enc.dictionary.to_pylist(), dtype=object))
        out.append(lookup[enc.indices.to_numpy(zero_copy_only=False)])
    return np.concatenate(out).astype(np.int64) if out else np.array([], np.int64)


def station_names(*columns) -> np.ndarray:
    found: set[str] = set()
    for col in columns:
        for chunk in (col.chunks if isinstance(col, pa.ChunkedArray) else [col]):
            values = chunk.dictionary if pa.types.is_dictionary(chunk.type) else pc.unique(chunk)
            found.update(values.to_pylist())
    found.discard(None)
    return np.array(sorted(found), dtype=object)


def hours_of(column) -> np.ndarray:
    secs = pc.cast(pc.cast(column, pa.timestamp("s")), pa.int64()).to_numpy(zero_copy_only=False)
    return secs // 3600


def keys_of(table: pa.Table, names: np.ndarray) -> np.ndarray:
    pol_names = np.array(POLLUTANTS, dtype=object)
    order = np.argsort(pol_names)
    pol = order[_codes(table.column("pollutant"), pol_names[order])]
    return (_codes(table.column("station"), names) * 8 + pol) * SHIFT + hours_of(table.column("time"))


def from_table(table: pa.Table, names: np.ndarray, imports: list[str]) -> Frame:
    """A stored partition (already unique and sorted by its writer, re-sorted here for safety)."""
    key = keys_of(table, names)
    order = np.argsort(key, kind="stable")
    origin = _codes(table.column("import_id"), np.array(imports, dtype=object))
    return Frame(names, key[order], table.column("value").to_numpy()[order], origin[order].astype(np.int32),
                 imports)


@dataclass
class Incoming:
    key: np.ndarray
    value: np.ndarray
    duplicates_identical: int
    duplicates_conflicting: int


def incoming(table: pa.Table, names: np.ndarray) -> Incoming:
    """A batch keyed and de-duplicated: for a key given twice, the later file (``seq``) wins."""
    key = keys_of(table, names)
    value = table.column("value").to_numpy()
    order = np.argsort(key, kind="stable")      # rows come in file order: the later file sorts last
    key, value = key[order], value[order]
    last = np.ones(len(key), dtype=bool)
    last[:-1] = key[1:] != key[:-1]
    dup = ~last
    conflicting = dup & (value != np.roll(value, -1))
    return Incoming(key[last], value[last], int(dup.sum() - conflicting.sum()), int(conflicting.sum()))


@dataclass
class Merge:
    frame: Frame
    new: int
    changed: int
    unchanged: int
    changes: dict | None       # arrays of the replaced values


def merge(old: Frame, inc: Incoming, import_id: str) -> Merge:
    """Incoming values over stored ones: equal values keep their original import; new or different ones
    take ``import_id``."""
    imports = old.imports + [import_id]
    me = len(imports) - 1
    if len(old.key):
        pos_c = np.minimum(np.searchsorted(old.key, inc.key), len(old.key) - 1)
        match = old.key[pos_c] == inc.key
        same = match & (old.value[pos_c] == inc.value)
    else:
        pos_c = np.zeros(len(inc.key), np.int64)
        match = same = np.zeros(len(inc.key), bool)
    differ = match & ~same
    fresh = ~match
    value = old.value.copy()
    origin = old.origin.copy()
    value[pos_c[differ]] = inc.value[differ]
    origin[pos_c[differ]] = me
    changes = None
    if differ.any():
        changes = {"key": inc.key[differ], "old": old.value[pos_c[differ]], "new": inc.value[differ],
                   "old_origin": old.origin[pos_c[differ]]}
    key = np.concatenate([old.key, inc.key[fresh]])
    value = np.concatenate([value, inc.value[fresh]])
    origin = np.concatenate([origin, np.full(int(fresh.sum()), me, np.int32)])
    order = np.argsort(key, kind="stable")
    frame = Frame(old.names, key[order], value[order], origin[order], imports)
    return Merge(frame, int(fresh.sum()), int(differ.sum()), int(same.sum()), changes)


def flags(f: Frame, q: dict) -> np.ndarray:
    """Quality bits of every value (quality.toml): negative, above range, constant run, PM2.5 > PM10, spike."""
    bits = q["bits"]
    pol = f.pollutant
    v = f.value
    per = lambda table, default=np.inf: np.array([table.get(p, default) for p in POLLUTANTS] + [default] * 2)
    out = np.zeros(len(v), dtype=np.int32)
    out[v < 0] |= bits["negative"]
    out[v > per(q["above_range"])[pol]] |= bits["above_range"]
    series, hour = f.series, f.hour
    adjacent = np.zeros(len(v), dtype=bool)                     # previous row is the previous hour
    adjacent[1:] = (series[1:] == series[:-1]) & (hour[1:] == hour[:-1] + 1)
    same = adjacent.copy()
    same[1:] &= v[1:] == v[:-1]
    run_id = np.cumsum(~same)
    run_len = np.bincount(run_id)[run_id]
    run = q["constant_run"]
    out[(run_len >= run["hours"]) & (v >= per(run["min_value"])[pol])] |= bits["constant_run"]
    nxt = np.zeros(len(v), dtype=bool)
    nxt[:-1] = adjacent[1:]
    prev_v = np.roll(v, 1)
    next_v = np.roll(v, -1)
    peak = np.maximum(prev_v, next_v)
    spike = q["spike"]
    out[adjacent & nxt & (v > spike["factor"] * peak) & (v - peak >= per(spike["delta"])[pol])] |= bits["spike"]
    i25, i10 = POLLUTANTS.index("PM2_5"), POLLUTANTS.index("PM10")
    is25 = pol == i25
    k10 = f.key[is25] + (i10 - i25) * SHIFT
    p = np.minimum(np.searchsorted(f.key, k10), len(f.key) - 1)
    both = f.key[p] == k10
    bad = np.zeros(int(is25.sum()), dtype=bool)
    bad[both] = v[is25][both] > v[p[both]]
    rows25 = np.nonzero(is25)[0][bad]
    out[rows25] |= bits["pm25_gt_pm10"]
    out[p[both][bad[both]]] |= bits["pm25_gt_pm10"]
    return out


def to_table(f: Frame, rows: np.ndarray, flag: np.ndarray) -> pa.Table:
    """Rows of ``f`` (a boolean mask) as a part-file table, in key order."""
    st = f.station[rows]
    pol = f.pollutant[rows]
    n = int(rows.sum())
    dictionary = pa.DictionaryArray.from_arrays      # Parquet stores these as dictionaries anyway
    return pa.table({
        "station": dictionary(pa.array(st.astype(np.int32)), pa.array(list(f.names), pa.string())),
        "time": pa.array(f.hour[rows] * 3600).cast(pa.timestamp("s")),
        "pollutant": dictionary(pa.array(pol.astype(np.int8)), pa.array(list(POLLUTANTS) + ["?", "?"])),
        "value": pa.array(f.value[rows]),
        "unit": dictionary(pa.array(pol.astype(np.int8)), pa.array(list(UNITS) + ["?", "?"])),
        "averaging": dictionary(pa.array(np.zeros(n, np.int8)), pa.array(["1h"])),
        "flag": pa.array(flag[rows], pa.int32()),
        "import_id": dictionary(pa.array(f.origin[rows]), pa.array(f.imports, pa.string())),
    })
