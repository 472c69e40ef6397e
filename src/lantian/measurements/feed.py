"""The CNEMC real-time feed (实时报) recomputed from its own 1-hour rows.

Given the feed files of consecutive days, every derived row — ``AQI``, the five ``*_24h``
means, ``O3_8h``, ``O3_24h`` and ``O3_8h_24h`` — is recomputed from the 1-hour rows of all
files together (earlier days supply the trailing windows) and written back in the same
format. The conventions the national platform follows were worked out from the published
data; they are :class:`FeedRules`, documented with their evidence in docs/cnemc-feed.md.

All arithmetic is on int64 (values × ``SCALE``), so every rounding is exact and the Ibis
expressions give identical results on any engine.
"""
from __future__ import annotations

import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lantian.measurements import aqi as vaqi
from lantian.measurements import packing
from lantian.measurements.arith import SCALE, floordiv, half_even_from, to_units, to_units_array
from lantian.measurements.packing import Packing
from lantian.measurements.readers.cnemc import (DERIVED_TYPES, HOURLY_TYPES, MISSING, FeedFile,
                                                read_feed, scaled_values)
from lantian.standards.pollutants import DECIMALS
from lantian.errors import InputError

#: feed type → lantian pollutant key
POLLUTANT = {"PM2.5": "PM2_5", "PM10": "PM10", "SO2": "SO2", "NO2": "NO2", "O3": "O3", "CO": "CO"}
MEAN_24H = {"PM2.5_24h": "PM2.5", "PM10_24h": "PM10", "SO2_24h": "SO2", "NO2_24h": "NO2", "CO_24h": "CO"}
#: the derived rows :func:`expression` computes in the engine (the AQI row is :func:`hourly_aqi`)
WINDOWED_TYPES = tuple(typ for typ in DERIVED_TYPES if typ != "AQI")


@dataclass(frozen=True)
class FeedRules:
    """How the national platform derives its published rows (found in the data, see docs).

    - ``AQI``: HJ 633—2012 real-time AQI of the six 1-hour values, PM2.5/PM10 on the 24-hour
      breakpoints, the maximum over the pollutants present.
    - ``X_24h``: trailing mean of the 24 hourly values ending at the labelled hour, over the
      hours present (at least ``min_hours_24h``), GB/T 8170 half-even, CO to 0.1.
    - ``O3_8h``: mean of the hours of the same day (hours 1…24) in the 8 hours ending at the
      label: the window restarts at 01:00, so at 03:00 it is the mean of 01:00–03:00.
      No minimum number of hours: one valid hour gives a value.
    - ``O3_8h`` above ``o3_8h_cap`` (300 µg/m³) is published as the cap, and so is ``O3_8h_24h``,
      the maximum of the published ``O3_8h`` (every month from May to September 2019: no value
      above 300, and 300 wherever the mean is 300 or more; None: no cap).
    - ``O3_8h_24h``: the running maximum of the day's ``O3_8h`` (partial windows included) at
      01:00…23:00; at 24:00 the HJ 663 daily value, the maximum of the windows ending 08:00…24:00.
    - ``O3_24h``: the maximum of the 1-hour O3 over the trailing 24 hours.
    - SO2 1-hour above 800 µg/m³ indexes as 200 (as HJ 633—2026 Table 3 note b, already in 2019);
      the AQI is left blank where both PM2.5 and PM10 are missing.
    - A station-hour without any 1-hour value publishes no derived value either.
    """
    aqi_version: int = 2012
    min_hours_24h: int = 1
    o3_8h_hours: int = 8
    o3_8h_restarts_daily: bool = True
    o3_8h_cap: int | None = 300          # µg/m³ ⚠ found in the data, not written in HJ 633 or HJ 663
    so2_1h_over_800: int | None = 200    # None: the HJ 633—2012 note (2) fallback to the 24-h mean
    aqi_requires_pm: bool = True
    blank_when_silent: bool = True

    def describe(self) -> dict:
        return self.__dict__.copy()


@dataclass
class Feed:
    """Feed files read together: a dense station × hour grid of the 1-hour values."""
    files: list[FeedFile]
    stations: list[str]
    t0: int
    n_hours: int
    hourly: dict[str, np.ndarray] = field(default_factory=dict)     # 1-hour type → int64 S×T (MISSING)
    published: dict[str, np.ndarray] = field(default_factory=dict)  # derived type → as published
    present: np.ndarray | None = None                               # bool T: hour present in a file
    covered: np.ndarray | None = None                               # bool S×T: station column there
    padded: dict[str, np.ndarray] = field(default_factory=dict)     # the grids behind ``hourly``, as
                                                                    # Layout.of(self) lays them out

    def index(self, t: np.ndarray) -> np.ndarray:
        return t - self.t0


def load_feed(paths: list[str | Path], threads: int = 4, published: bool = False,
              progress=None, lenient: bool = False) -> Feed:
    """Read ``paths`` (validating each fully) and lay their 1-hour rows on one grid.

    With ``published`` the derived rows are kept too, in reporting units (CO in 0.1).
    ``lenient``: a file whose last line was cut short is read without it (see :func:`read_feed`).
    """
    paths = [Path(p) for p in paths]
    def read(path: Path) -> FeedFile:
        f = read_feed(path, lenient)
        if published:
            f.parse(np.arange(len(f.bodies)))
        if progress:
            progress(f.name)
        return f

    with ThreadPoolExecutor(max_workers=threads) as pool:
        files = list(pool.map(read, paths))
    _check_overlaps(files)
    stations = sorted({s for f in files for s in f.stations})
    col = {s: i for i, s in enumerate(stations)}
    t_all = np.concatenate([f.t for f in files])
    t0, t1 = int(t_all.min()), int(t_all.max())
    n = t1 - t0 + 1
    feed = Feed(files, stations, t0, n)
    feed.present = np.zeros(n, dtype=bool)
    feed.covered = np.zeros((len(stations), n), dtype=bool)
    places = []                                   # (file, its station rows, its hour columns)
    for f in files:
        cols, ti = np.array([col[s] for s in f.stations]), f.t - t0
        feed.present[ti] = True
        feed.covered[np.ix_(cols, np.unique(ti))] = True
        places.append((f, cols, ti))
    layout = Layout.of(feed)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        grids = dict(zip(HOURLY_TYPES, pool.map(lambda typ: _grid(places, typ, len(stations), layout),
                                                 HOURLY_TYPES)))
        if published:
            feed.published = dict(zip(DERIVED_TYPES, pool.map(
                lambda typ: _grid(places, typ, len(stations), Layout(t0, 0, n)), DERIVED_TYPES)))
    feed.padded = grids
    feed.hourly = {typ: grid[:, layout.pad:layout.pad + n] for typ, grid in grids.items()}
    return feed


def _grid(places: list, typ: str, n_stations: int, layout: "Layout") -> np.ndarray:
    """The rows of type ``typ`` of every file on one station × hour grid laid out as ``layout``
    says; values × SCALE, or for a derived type in reporting units (CO in 0.1)."""
    grid = np.full((n_stations, layout.width), MISSING, dtype=np.int64)
    for f, cols, ti in places:
        rows = f.rows_of(typ)
        if not len(rows):
            continue
        block = scaled_values(f, SCALE, rows).T
        if typ in DERIVED_TYPES:
            unit = SCALE // 10 ** (1 if typ == "CO_24h" else 0)
            block = np.where(block == MISSING, MISSING, np.rint(block / unit).astype(np.int64))
        grid[np.ix_(cols, ti[rows] + layout.pad)] = block
    return grid


def _check_overlaps(files: list[FeedFile]) -> None:
    owner: dict[int, str] = {}
    for f in files:
        for t in np.unique(f.t[np.isin(f.types, HOURLY_TYPES)]).tolist():
            if t in owner and owner[t] != f.name:
                i = int(np.nonzero(f.t == t)[0][0])
                raise InputError(f.path, f"duplicated hour: date {f.dates[i]} hour {f.hours[i]} is also in "
                                         f"{owner[t]}", line=i + 2, column="hour",
                                 expected="each hour in one file only")
            owner[t] = f.name


def grid_table(feed: Feed) -> pa.Table:
    """The filled grid as an Arrow table (s, t, one int64 column per pollutant, null = missing)."""
    S, T = len(feed.stations), feed.n_hours
    cols = {"s": pa.array(np.repeat(np.arange(S, dtype=np.int32), T)),
            "t": pa.array(np.tile(np.arange(feed.t0, feed.t0 + T, dtype=np.int64), S))}
    for typ in HOURLY_TYPES:
        flat = feed.hourly[typ].reshape(-1)
        cols[POLLUTANT[typ]] = pa.array(flat, mask=flat == MISSING)
    return pa.table(cols)


@dataclass(frozen=True)
class Layout:
    """How :func:`expression` wants the grid: station after station, each station's hours padded in
    front to the start of a day at least 23 hours before the feed's first hour and at the back to
    the end of a day. A trailing 24-hour window then never reaches into the previous station, and
    every HJ 663 day (hours 1…24) is 24 consecutive rows, so no window needs a partition."""
    first: int       # label of every station's first row (an hour 1)
    pad: int         # rows before the feed's first hour
    width: int       # rows per station

    @classmethod
    def of(cls, feed: Feed) -> "Layout":
        pad = (feed.t0 - 1) % 24
        pad += 24 if pad < 23 else 0
        last = feed.t0 + feed.n_hours - 1
        return cls(feed.t0 - pad, pad, pad + feed.n_hours + (-last) % 24)


def padded_table(feed: Feed, layout: Layout, by_station: bool = False) -> pa.Table:
    """The grid laid out as ``layout`` says: ``i`` (row), one int64 column per pollutant (values ×
    SCALE, null = missing). Row ``i`` is station ``i // width``, hour ``layout.first + i % width``.
    ``by_station`` adds ``s`` (the station), by which :func:`expression` then partitions its windows."""
    S, W, T = len(feed.stations), layout.width, feed.n_hours
    rows = np.arange(S * W, dtype=np.int32 if S * W < 2**31 else np.int64)
    cols = {"i": pa.Array.from_buffers(pa.from_numpy_dtype(rows.dtype), len(rows), [None, pa.py_buffer(rows)])}
    if by_station:
        cols["s"] = pa.array(np.repeat(np.arange(S, dtype=np.int32), W))
    for typ in HOURLY_TYPES:
        grid = feed.padded.get(typ)
        if grid is None or grid.shape != (S, W):
            grid = np.full((S, W), MISSING, dtype=np.int64)
            grid[:, layout.pad:layout.pad + T] = feed.hourly[typ]
        cols[POLLUTANT[typ]] = _nullable(grid.reshape(-1))
    return pa.table(cols)


def _nullable(values: np.ndarray) -> pa.Array:
    """An int64 Arrow array over ``values`` (no copy), null where ``MISSING``."""
    present = values != MISSING
    return pa.Array.from_buffers(pa.int64(), len(values), [pa.py_buffer(np.packbits(present, bitorder="little")),
                                                           pa.py_buffer(values)],
                                 null_count=len(values) - int(np.count_nonzero(present)))


MEAN_COLUMNS = tuple(POLLUTANT[src] for src in MEAN_24H.values())


@dataclass(frozen=True)
class Fit:
    """What :func:`expression` may take for granted about one feed's values (checked on them).

    ``whole``: columns whose every value is a whole number of reporting units, so that rounding
    them is an exact division and their means can be taken over the rounded values. ``means``
    and ``o3``: how the 24-hour and the O3 8-hour sums and counts travel
    (:mod:`lantian.measurements.packing`).
    """
    whole: frozenset[str]
    means: Packing
    o3: Packing

    @classmethod
    def plain(cls, rules: FeedRules | None = None) -> "Fit":
        """Nothing taken for granted: any values."""
        hours = (rules or FeedRules()).o3_8h_hours
        return cls(frozenset(), Packing.plain(24, MEAN_COLUMNS), Packing.plain(hours, ("O3",), "o"))

    def summed(self, column: str) -> str:
        """The column whose windowed sum gives the mean of ``column``."""
        return _summed(column, self.whole)

    def per(self, column: str) -> int:
        """A mean of ``column`` in reporting units is its windowed sum / (count × per)."""
        return 1 if column in self.whole else SCALE // 10 ** DECIMALS[column]


def _summed(column: str, whole) -> str:
    return f"r_{column}" if column in whole else column


def fit_of(feed: Feed, rules: FeedRules = FeedRules()) -> Fit:
    """The :class:`Fit` of ``feed``'s 1-hour values."""
    ranges, whole = {}, set()          # the least and the largest value to be summed
    for typ in HOURLY_TYPES:
        column, v = POLLUTANT[typ], feed.hourly[typ]
        v = v[v != MISSING]
        unit = SCALE // 10 ** DECIMALS[column]
        ranges[column] = (int(v.min()), int(v.max())) if len(v) else (0, 0)
        if not np.any(v % unit):
            whole.add(column)
            ranges[column] = tuple(x // unit for x in ranges[column])
    means = packing.plan({_summed(c, whole): ranges[c] for c in MEAN_COLUMNS}, 24)
    o3 = packing.plan({_summed("O3", whole): ranges["O3"]}, rules.o3_8h_hours, prefix="o")
    return Fit(frozenset(whole), means, o3)


def expression(grid, rules: FeedRules = FeedRules(), fit: Fit | None = None):
    """The Ibis expression that derives the windowed rows (:data:`WINDOWED_TYPES`: every published
    row but ``AQI``, which is :func:`hourly_aqi`) from the 1-hour columns of ``grid`` (``i``,
    PM2_5 … CO, laid out as :class:`Layout` says: row ``i`` is hour ``i % 24 + 1`` of its day).

    In stages, each a projection over named columns, so that no window or rounding expression
    is repeated inside another. Two sorts (the O3_8h_24h window needs O3_8h): what needs no
    window is computed before them, so that they carry few columns; a 24-hour window is four
    6-hour blocks, lags 0…5 in the first sort and lags 0, 6, 12, 18 of the blocks in the second.

    With a column ``s`` (the station) every window is partitioned by it: a distributed engine
    then spreads the stations over its workers (the values are the same; on DuckDB, one machine,
    the unpartitioned sort is faster).
    """
    if not 1 <= rules.o3_8h_hours <= 24:            # the layout pads 23 hours: windows reach back 23 at most
        raise ValueError(f"o3_8h_hours must be 1…24, not {rules.o3_8h_hours}")
    fit = fit or Fit.plain(rules)
    keys = ["i", "s"] if "s" in grid.columns else ["i"]
    g = grid.mutate(**{f"r_{c}": _rounded(grid[c], c, fit) for c in POLLUTANT.values()
                       if c in fit.whole or c == "O3"})         # the summed ones, and O3_24h's
    apart = _o3_days_apart(fit, rules)
    o3_words = {w: _odd_days_shifted(g, x, apart) for w, x in fit.o3.inputs(g).items()}
    g = g.mutate(**fit.means.inputs(g), **o3_words, top_O3=g.r_O3.fill_null(NONE),
                 silent=ibis.and_(*[g[c].isnull() for c in POLLUTANT.values()]))
    words = fit.means.names()
    g = g.select(*keys, "silent", "top_O3", *words, *o3_words)

    g = g.mutate(**{w: _add(_lags(g[w], range(6), 0, _rows(g))) for w in words},
                 **{w: _o3_8h_sum(g, g[w], rules, apart) for w in o3_words},
                 top_O3=ibis.greatest(*_lags(g.top_O3, range(6), NONE, _rows(g))))
    g = _with_means(g, {"O3_8h": (*fit.o3.decode(g, fit.summed("O3")), fit.per("O3"), 1)})
    if rules.o3_8h_cap is not None:
        g = g.mutate(O3_8h=ibis.ifelse(g.O3_8h > rules.o3_8h_cap, rules.o3_8h_cap, g.O3_8h))
    g = g.select(*keys, "silent", "top_O3", *words, "O3_8h")

    # O3_8h_24h: the running maximum of the day's O3_8h; at 24:00 the windows ending 08…24 (HJ 663 §6.1.2)
    # as two running maxima over the day (a frame bound that is an expression is DuckDB's, not Spark's)
    hod = _hod(g)
    day = ibis.window(group_by=[g[k] for k in keys[1:]] + [g.i // 24], order_by="i", preceding=None, following=0)
    blocks = range(0, 24, 6)
    g = g.mutate(**{w: _add(_lags(g[w], blocks, 0, _rows(g))) for w in words},
                 O3_24h=ibis.greatest(*_lags(g.top_O3, blocks, NONE, _rows(g))).nullif(NONE),
                 O3_8h_24h=ibis.ifelse(hod == 24, ibis.ifelse(hod >= 8, g.O3_8h, vaqi.NULL_INT).max().over(day),
                                       g.O3_8h.max().over(day)))
    g = _with_means(g, {typ: (*fit.means.decode(g, fit.summed(POLLUTANT[src])), fit.per(POLLUTANT[src]),
                              rules.min_hours_24h) for typ, src in MEAN_24H.items()})
    if rules.blank_when_silent:
        g = g.mutate(**{typ: ibis.ifelse(g.silent, vaqi.NULL_INT, g[typ]) for typ in WINDOWED_TYPES})
    return g.select("i", *WINDOWED_TYPES)


def _hod(g):
    """HJ 663 hour of the day, 1…24 (a day is the hours ending 01:00 … 24:00), from the layout."""
    return g.i % 24 + 1


NONE = -(1 << 62)      # below every value: "no value" inside a running maximum


def _rows(g):
    """The grid's order, per station when it has ``s`` (the padding keeps a station's lags inside
    it either way)."""
    return ibis.window(group_by="s", order_by="i") if "s" in g.columns else ibis.window(order_by="i")


def _lags(x, offsets, default, rows) -> list:
    """``x`` at each of the rows ``offsets`` before (0: the row itself), in the order ``rows``."""
    return [x if k == 0 else x.lag(k, default).over(rows) for k in offsets]


def _add(terms: list):
    return sum(terms[1:], terms[0])


def _with_means(g, sums: dict):
    """``g`` with the GB/T 8170 half-even means in reporting units of windowed sums:
    ``sums[name] = (sum, count, per, least count)``, a mean being sum / (count × per)."""
    def divisor(n, per: int, least: int):
        d = n.nullif(0) if least <= 1 else ibis.ifelse(n >= least, n, vaqi.NULL_INT)
        return d * per if per != 1 else d
    g = g.mutate(**{f"sum_{name}": total for name, (total, _, _, _) in sums.items()},
                 **{f"d_{name}": divisor(n, per, least) for name, (_, n, per, least) in sums.items()})
    g = g.mutate(**{f"q_{name}": floordiv(g[f"sum_{name}"], g[f"d_{name}"]) for name in sums})
    g = g.mutate(**{name: half_even_from(g[f"q_{name}"], g[f"sum_{name}"], g[f"d_{name}"]) for name in sums})
    return g.drop(*[f"{k}_{name}" for name in sums for k in ("sum", "d", "q")])


def _rounded(value, column: str, fit: Fit):
    """``value`` (× SCALE) rounded to reporting units, GB/T 8170; a division where it is exact."""
    unit = SCALE // 10 ** DECIMALS[column]
    return floordiv(value, unit) if column in fit.whole else to_units(value, DECIMALS[column])


def _o3_days_apart(fit: Fit, rules: FeedRules) -> int | None:
    """Where odd days' O3 word starts, when the O3 sums and counts restart daily and fit one word
    twice over: adding lags then never mixes two days, and no lag needs a mask."""
    o3 = fit.o3
    if not rules.o3_8h_restarts_daily or len(o3.names()) != 1 or len(o3.fields) != 2 * len(o3.columns):
        return None
    used = max(f.shift + f.width for f in o3.fields.values())
    return used if 2 * used <= packing.WORD_BITS else None


def _odd_days(g):
    return g.i % 48 >= 24                  # the layout starts every station at a day (an even one)


def _odd_days_shifted(g, word, apart: int | None):
    return word if apart is None else ibis.ifelse(_odd_days(g), word * (1 << apart), word)


def _o3_8h_sum(g, x, rules: FeedRules, apart: int | None):
    """The sum of ``x`` over the O3 8-hour window ending at each row: lags 0…7, those before 01:00
    of the same day left out when the window restarts daily (by masks, or with ``apart`` by
    taking the day's own half of the word)."""
    terms = _lags(x, range(rules.o3_8h_hours), 0, _rows(g))
    if apart is not None:
        total = _add(terms)
        return ibis.ifelse(_odd_days(g), total >> apart, total & ((1 << apart) - 1))
    if rules.o3_8h_restarts_daily:
        hod = _hod(g)
        terms = [terms[0]] + [ibis.ifelse(hod > k, term, 0) for k, term in enumerate(terms) if k]
    return _add(terms)


@dataclass
class Recomputed:
    """Derived rows on the feed's grid, int64 in reporting units (CO in 0.1), MISSING where blank."""
    feed: Feed
    values: dict[str, np.ndarray]
    rules: FeedRules


@contextmanager
def _unfused_selects():
    """Compile without merging consecutive projections: the stages of :func:`expression` are
    already as merged as they should be, and trying costs Ibis more than the query takes."""
    before = ibis.options.sql.fuse_selects
    ibis.options.sql.fuse_selects = False
    try:
        yield
    finally:
        ibis.options.sql.fuse_selects = before


def recompute(feed: Feed, con, rules: FeedRules = FeedRules()) -> Recomputed:
    """Run :func:`expression` on ``con``, scatter the result back onto the grid, and add the AQI row
    (:func:`hourly_aqi`, with the SO2_24h row for the rules' SO2 fallback)."""
    layout = Layout.of(feed)
    with ThreadPoolExecutor(max_workers=1) as pool:
        fit = pool.submit(fit_of, feed, rules)           # numpy, beside the memtable's imports
        grid = ibis.memtable(padded_table(feed, layout, by_station=con.name != "duckdb"))
        derived = expression(grid, rules, fit.result())
    with _unfused_selects():
        table = con.to_pyarrow(derived.mutate(**{typ: derived[typ].fill_null(MISSING) for typ in WINDOWED_TYPES}))
    S, W = len(feed.stations), layout.width
    with ThreadPoolExecutor(max_workers=2) as pool:        # joining Arrow's many small chunks
        rows, *columns = pool.map(lambda name: table.column(name).to_numpy(), ["i", *WINDOWED_TYPES])
    in_order = len(rows) == S * W and rows[0] == 0 and bool((rows[1:] > rows[:-1]).all())
    values = {}
    for typ, got in zip(WINDOWED_TYPES, columns):
        if not in_order:
            placed = np.empty(S * W, dtype=np.int64)
            placed[rows] = got
            got = placed
        values[typ] = got.reshape(S, W)[:, layout.pad:layout.pad + feed.n_hours]
    values["AQI"] = hourly_aqi(feed, rules, so2_24h=values["SO2_24h"])
    return Recomputed(feed, {typ: values[typ] for typ in DERIVED_TYPES}, rules)


#: the 1-hour items of the real-time AQI (HJ 633—2012 Table 1; PM on the 24-hour breakpoints)
AQI_ITEMS = {"PM2.5": "PM2_5_1h", "PM10": "PM10_1h", "SO2": "SO2_1h", "NO2": "NO2_1h", "O3": "O3_1h",
             "CO": "CO_1h"}


def hourly_aqi(feed: Feed, rules: FeedRules = FeedRules(), so2_24h: np.ndarray | None = None) -> np.ndarray:
    """The ``AQI`` row: HJ 633 real-time AQI, the maximum IAQI of the GB/T 8170-rounded 1-hour
    values present (station × hour, MISSING where blank).

    A lookup in the IAQI tables (:func:`lantian.measurements.aqi.iaqi_table`): the feed is a grid
    in memory, and indexing it costs a fifth of sending it through the engine's CASE.
    ``so2_24h`` (reporting units, MISSING where blank) is needed only when
    ``rules.so2_1h_over_800`` is None (2012 note (2): SO2 above 800 indexed by its 24-hour mean).
    """
    if rules.so2_1h_over_800 is not None:
        fallback = np.int64(rules.so2_1h_over_800)
    elif so2_24h is not None:
        fallback = vaqi.iaqi_array(so2_24h, "SO2_24h", rules.aqi_version)       # MISSING is negative
    else:
        raise ValueError("hourly_aqi: these rules index SO2 above 800 by SO2_24h, which was not given")
    iaqis = []
    for typ, item in AQI_ITEMS.items():
        c = to_units_array(feed.hourly[typ], DECIMALS[POLLUTANT[typ]])       # MISSING → negative
        iaqis.append(vaqi.iaqi_array(c, item, rules.aqi_version, fallback=fallback if typ == "SO2" else None))
    aqi = vaqi.aqi_array(iaqis)
    blank = aqi == vaqi.ABSENT
    if rules.aqi_requires_pm:
        blank |= (feed.hourly["PM2.5"] == MISSING) & (feed.hourly["PM10"] == MISSING)
    aqi[blank] = MISSING
    return aqi


# ---------------------------------------------------------------------------------------------
# writing the recomputed files


def _text_lookup(values: list[np.ndarray]) -> tuple[pa.Array, int]:
    """A string table [blank, "0", "1", …, "N", CO "0", "0.1", …] big enough for ``values``."""
    top = max([int(v.max(initial=0)) for v in values] + [0]) + 1          # MISSING is below every value
    plain = [str(i) for i in range(top)]
    tenths = [str(i // 10) if i % 10 == 0 else f"{i // 10}.{i % 10}" for i in range(top)]
    return pa.array([""] + plain + tenths, pa.string()), top


def _block(values: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """``values[rows][:, columns]``, taking a run of consecutive columns as a slice first."""
    if len(columns) and np.array_equal(columns, np.arange(columns[0], columns[0] + len(columns))):
        return values[:, columns[0]:columns[0] + len(columns)][rows]
    return values[np.ix_(rows, columns)]


def _derived_cells(rec: Recomputed, f: FeedFile, rows: np.ndarray, lookup: tuple[pa.Array, int]) -> list[bytes]:
    """The station cells of the derived ``rows`` of ``f``, recomputed, as text (one per row)."""
    feed = rec.feed
    col = {s: i for i, s in enumerate(feed.stations)}
    cols = np.array([col[s] for s in f.header])            # a repeated station: each copy alike
    ti = f.t - feed.t0
    texts, top = lookup
    codes = np.zeros((len(rows), f.ncells), dtype=np.int32 if len(texts) < 2**31 else np.int64)  # 0: blank
    for typ in DERIVED_TYPES:
        mine = f.types[rows] == typ
        if mine.any():
            v = _block(rec.values[typ], cols, ti[rows[mine]]).T
            codes[mine] = np.where(v == MISSING, 0, v + (1 + top if typ == "CO_24h" else 1))
    cells = pc.take(texts, pa.array(codes.reshape(-1)))
    starts = pa.array(np.arange(0, codes.size + 1, f.ncells, dtype=np.int32))
    lines = pc.binary_join(pa.ListArray.from_arrays(starts, cells), ",")
    return [line.as_buffer().to_pybytes() for line in lines]


def render(rec: Recomputed, f: FeedFile, lookup: tuple[pa.Array, int] | None = None) -> bytes:
    """File ``f`` as text: its header and its 1-hour rows as they were, its derived rows replaced by
    ``rec`` (every copy of a repeated station filled alike); lines end as the header's did, the
    last one only if it did."""
    lookup = lookup or _text_lookup(list(rec.values.values()))
    rows = np.nonzero(np.isin(f.types, DERIVED_TYPES))[0]
    bodies = list(f.bodies)
    for r, text in zip(rows.tolist(), _derived_cells(rec, f, rows, lookup)):
        bodies[r] = text
    eol = b"\r\n" if f.crlf else b"\n"
    lines = [f.header_text()] + [k + b"," + b for k, b in zip(f.key_texts(), bodies)]
    return eol.join(lines) + (eol if f.final_eol else b"")


def _encode(rec: Recomputed, f: FeedFile, lookup) -> bytes:
    data = render(rec, f, lookup)
    return _gzip(data) if f.gzip else data


def _gzip(data: bytes) -> bytes:
    """A gzip file of ``data``, level 1, Huffman coding only: a feed file is digits and commas,
    where back-references gain little, so this is faster and the file no bigger."""
    deflate = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS, 8, zlib.Z_HUFFMAN_ONLY)
    return deflate.compress(data) + deflate.flush()


def write_all(rec: Recomputed, outdir: str | Path, threads: int = 2, progress=None) -> list[Path]:
    """Write every file of the feed into ``outdir`` under its own name, all or nothing.

    Files are first written into a hidden folder inside ``outdir`` and moved into place only
    when every one has been written, so a failure leaves ``outdir`` as it was.
    """
    import os
    import shutil
    import tempfile
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".lantian-", dir=outdir))
    written = []
    try:
        lookup = _text_lookup(list(rec.values.values()))
        with ThreadPoolExecutor(max_workers=threads) as pool:
            blobs = pool.map(lambda f: (f.name, _encode(rec, f, lookup)), rec.feed.files)
            for name, data in blobs:
                target = staging / name
                target.write_bytes(data)
                written.append(target)
                if progress:
                    progress(name)
        finals = []
        for path in written:
            final = outdir / path.name
            os.replace(path, final)
            finals.append(final)
        return finals
    finally:
        shutil.rmtree(staging, ignore_errors=True)
