"""Measurements as sorted integer keys: the store's merge and quality flags, vectorized with numpy.

A value's key packs (station, pollutant, hour): ``(station_index · 8 + pollutant_index) · 2^28 + hour``,
with ``hour`` counted from 1970-01-01 00:00 (Beijing time, hour-ending label). Sorting the keys
sorts by station, pollutant, time — the order the store keeps, and the order that makes
"previous hour of the same series" an array shift.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lantian.standards.pollutants import POLLUTANTS

UNITS = tuple("mg/m³" if p == "CO" else "µg/m³" for p in POLLUTANTS)
SHIFT = 1 << 28
BITS = 28          # SHIFT = 2^BITS: keys are non-negative, so // and % are shifts and masks


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
        return self.key & (SHIFT - 1)

    @property
    def series(self) -> np.ndarray:
        return self.key >> BITS

    @property
    def station(self) -> np.ndarray:
        return self.key >> (BITS + 3)

    @property
    def pollutant(self) -> np.ndarray:
        return (self.key >> BITS) & 7


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
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    secs = [pc.cast(pc.cast(c, pa.timestamp("s")), pa.int64()).to_numpy(zero_copy_only=False) for c in chunks]
    return (np.concatenate(secs) if secs else np.array([], np.int64)) // 3600


def keys_of(table: pa.Table, names: np.ndarray) -> np.ndarray:
    pol_names = np.array(POLLUTANTS, dtype=object)
    order = np.argsort(pol_names)
    pol = order[_codes(table.column("pollutant"), pol_names[order])]
    hours = hours_of(table.column("time"))
    return (((_codes(table.column("station"), names) << 3) + pol) << BITS) + hours


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
    dup = key[1:] == key[:-1]                   # a row whose key comes again in the next row
    if not dup.any():
        return Incoming(key, value, 0, 0)
    conflicting = int((dup & (value[1:] != value[:-1])).sum())
    last = np.append(~dup, True)
    return Incoming(key[last], value[last], int(dup.sum()) - conflicting, conflicting)


def rekeyed(inc: Incoming, names: np.ndarray, union: np.ndarray) -> Incoming:
    """``inc`` with its keys over ``names`` turned into keys over ``union`` (sorted, ⊇ ``names``);
    the order of the keys is kept."""
    if len(union) == len(names):
        return inc
    shift = (np.searchsorted(union, names) - np.arange(len(names))) << (BITS + 3)
    return Incoming(inc.key + shift[inc.key >> (BITS + 3)], inc.value, inc.duplicates_identical,
                    inc.duplicates_conflicting)


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
    if not len(old.key):                        # nothing stored yet: every value is new, in order
        frame = Frame(old.names, inc.key, inc.value, np.full(len(inc.key), me, np.int32), imports)
        return Merge(frame, len(inc.key), 0, 0, None)
    pos_c = np.minimum(np.searchsorted(old.key, inc.key), len(old.key) - 1)
    match = old.key[pos_c] == inc.key
    same = match & (old.value[pos_c] == inc.value)
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


CHUNK = 1 << 20     # rows per step of the passes below: their temporaries stay small and are reused


def chunks(n: int):
    """(start, stop) of consecutive slices covering ``range(n)``."""
    return ((a, min(n, a + CHUNK)) for a in range(0, n, CHUNK))


def hour_range(key: np.ndarray) -> tuple[int, int]:
    """The first and the last hour among ``key``."""
    parts = [(int(h.min()), int(h.max())) for h in (key[a:b] & (SHIFT - 1) for a, b in chunks(len(key)))]
    return min(p[0] for p in parts), max(p[1] for p in parts)


def station_count(key: np.ndarray) -> int:
    """How many stations ``key`` (ascending) holds values of."""
    count, last = 0, None
    for a, b in chunks(len(key)):
        station = key[a:b] >> (BITS + 3)
        count += int(np.count_nonzero(station[1:] != station[:-1])) + (station[0] != last)
        last = station[-1]
    return int(count)


def flags(f: Frame, q: dict, threads: int = 2) -> np.ndarray:
    """Quality bits of every value (quality.toml): negative, above range, constant run, PM2.5 > PM10, spike."""
    n = len(f.key)
    adjacent = np.zeros(n, dtype=bool)                          # previous row is the previous hour
    same = np.zeros(n, dtype=bool)                              # … and the same value
    out = np.zeros(n, dtype=np.int32)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(lambda ab: _neighbours(f, adjacent, same, *ab), chunks(n)))
        in_run = _in_runs(same, q["constant_run"]["hours"])
        list(pool.map(lambda ab: _flags_of(f, q, adjacent, in_run, out, *ab), chunks(n)))
    return out


def _neighbours(f: Frame, adjacent: np.ndarray, same: np.ndarray, a: int, b: int) -> None:
    key, v = f.key, f.value
    lo = max(a, 1)
    adjacent[lo:b] = (key[lo:b] - key[lo - 1:b - 1] == 1) & ((key[lo - 1:b - 1] & (SHIFT - 1)) != SHIFT - 1)
    same[lo:b] = adjacent[lo:b] & (v[lo:b] == v[lo - 1:b - 1])


def _flags_of(f: Frame, q: dict, adjacent: np.ndarray, in_run: np.ndarray, out: np.ndarray, a: int, b: int) -> None:
    """The flags of rows a … b − 1 into ``out`` (each row's own bits: a chunk writes only its rows)."""
    bits, spike = q["bits"], q["spike"]
    per = lambda table, default=np.inf: np.array([table.get(p, default) for p in POLLUTANTS] + [default] * 2)
    key, v, n = f.key, f.value, len(f.key)
    pol = (key[a:b] >> BITS) & 7
    mine = out[a:b]
    mine[v[a:b] < 0] |= bits["negative"]
    mine[v[a:b] > per(q["above_range"])[pol]] |= bits["above_range"]
    mine[in_run[a:b] & (v[a:b] >= per(q["constant_run"]["min_value"])[pol])] |= bits["constant_run"]
    lo, hi = max(a, 1), min(b, n - 1)                           # rows with a row on either side
    if lo < hi:
        mid, peak = v[lo:hi], np.maximum(v[lo - 1:hi - 1], v[lo + 1:hi + 1])
        hit = adjacent[lo:hi] & adjacent[lo + 1:hi + 1] & (mid > spike["factor"] * peak)
        hit &= mid - peak >= per(spike["delta"])[(key[lo:hi] >> BITS) & 7]
        out[lo:hi][hit] |= bits["spike"]
    step = (POLLUTANTS.index("PM10") - POLLUTANTS.index("PM2_5")) * SHIFT
    for own, other, sign in ((POLLUTANTS.index("PM2_5"), "PM10", 1), (POLLUTANTS.index("PM10"), "PM2_5", -1)):
        rows = a + np.flatnonzero(pol == own)
        partner = key[rows] + sign * step
        at = np.minimum(np.searchsorted(key, partner), n - 1)
        both = key[at] == partner
        pm25, pm10 = (v[rows], v[at]) if sign > 0 else (v[at], v[rows])
        out[rows[both & (pm25 > pm10)]] |= bits["pm25_gt_pm10"]


def _in_runs(link: np.ndarray, length: int) -> np.ndarray:
    """Whether each element is in a run of at least ``length`` elements, ``link[k]`` saying that
    element k continues the run of element k − 1: the windows of ``length`` linked elements,
    found by shifting, then widened back over the elements they cover."""
    if length <= 1:
        return np.ones(len(link), dtype=bool)
    ends = link.copy()                      # the window of `length` elements ending here is linked
    for j in range(1, length - 1):
        ends[j:] &= link[:-j]
        ends[:j] = False
    covered = ends.copy()
    for j in range(1, length):
        covered[:-j] |= ends[j:]
    return covered


def _array(values: np.ndarray, type: pa.DataType | None = None) -> pa.Array:
    """An Arrow array over ``values`` (no copy; ``pa.array`` would also import pandas on first use)."""
    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(type or pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values)])


def _strings(values: list[str]) -> pa.Array:
    data = [v.encode() for v in values]
    offsets = np.zeros(len(data) + 1, dtype=np.int32)
    np.cumsum([len(d) for d in data], out=offsets[1:])
    return pa.StringArray.from_buffers(len(data), pa.py_buffer(offsets), pa.py_buffer(b"".join(data)))


def to_table(f: Frame, rows: np.ndarray | None, flag: np.ndarray) -> pa.Table:
    """Rows of ``f`` (a boolean mask, None for all) as a part-file table, in key order."""
    pick = (lambda a: a) if rows is None or rows.all() else (lambda a: a[rows])
    key = pick(f.key)
    n = len(key)
    station, pol, seconds = np.empty(n, np.int32), np.empty(n, np.int8), np.empty(n, np.int64)
    for a, b in chunks(n):
        station[a:b] = key[a:b] >> (BITS + 3)
        pol[a:b] = (key[a:b] >> BITS) & 7
        seconds[a:b] = (key[a:b] & (SHIFT - 1)) * 3600
    dictionary = pa.DictionaryArray.from_arrays      # Parquet stores these as dictionaries anyway
    return pa.table({
        "station": dictionary(_array(station), _strings(list(f.names))),
        "time": _array(seconds, pa.timestamp("s")),
        "pollutant": dictionary(_array(pol), _strings(list(POLLUTANTS) + ["?", "?"])),
        "value": _array(pick(f.value)),
        "unit": dictionary(_array(pol), _strings(list(UNITS) + ["?", "?"])),
        "averaging": dictionary(_array(np.zeros(n, np.int8)), _strings(["1h"])),
        "flag": _array(pick(flag).astype(np.int32, copy=False)),
        "import_id": dictionary(_array(pick(f.origin).astype(np.int32, copy=False)), _strings(list(f.imports))),
    })
