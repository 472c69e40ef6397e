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

import gzip
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from lantian.measurements import aqi as vaqi
from lantian.measurements.arith import SCALE, half_even_div, to_units
from lantian.measurements.readers.cnemc import (DERIVED_TYPES, HOURLY_TYPES, MISSING, FeedFile,
                                                read_feed, scaled_values)
from lantian.standards.pollutants import DECIMALS

#: feed type → lantian pollutant key
POLLUTANT = {"PM2.5": "PM2_5", "PM10": "PM10", "SO2": "SO2", "NO2": "NO2", "O3": "O3", "CO": "CO"}
MEAN_24H = {"PM2.5_24h": "PM2.5", "PM10_24h": "PM10", "SO2_24h": "SO2", "NO2_24h": "NO2", "CO_24h": "CO"}


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

    def index(self, t: np.ndarray) -> np.ndarray:
        return t - self.t0


def load_feed(paths: list[str | Path], threads: int = 4, published: bool = False,
              progress=None) -> Feed:
    """Read ``paths`` (validating each fully) and lay their 1-hour rows on one grid.

    With ``published`` the derived rows are kept too, in reporting units (CO in 0.1).
    """
    paths = [Path(p) for p in paths]
    def read(path: Path) -> FeedFile:
        f = read_feed(path)
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
    kept = HOURLY_TYPES + (DERIVED_TYPES if published else ())
    for typ in kept:
        target = feed.hourly if typ in HOURLY_TYPES else feed.published
        target[typ] = np.full((len(stations), n), MISSING, dtype=np.int64)
    for f in files:
        values = scaled_values(f, SCALE)
        cols = np.array([col[s] for s in f.stations])
        ti = f.t - t0
        feed.present[ti] = True
        feed.covered[np.ix_(cols, np.unique(ti))] = True
        for typ in kept:
            rows = np.nonzero(f.types == typ)[0]
            if not len(rows):
                continue
            block = values[rows].T
            if typ in DERIVED_TYPES:
                unit = SCALE // 10 ** (1 if typ == "CO_24h" else 0)
                block = np.where(block == MISSING, MISSING, np.rint(block / unit).astype(np.int64))
                feed.published[typ][np.ix_(cols, ti[rows])] = block
            else:
                feed.hourly[typ][np.ix_(cols, ti[rows])] = block
    return feed


def _check_overlaps(files: list[FeedFile]) -> None:
    from lantian.errors import InputError
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


def expression(grid, rules: FeedRules = FeedRules()):
    """The Ibis expression that derives every published row from the 1-hour columns of ``grid``.

    Built in stages (each a projection over named columns) so that no window or rounding
    expression is repeated inside another.
    """
    day = ((grid.t - 1) - (grid.t - 1) % 24) / 24   # HJ 663: hour-ending labels, day = hours 1…24
    keys = {"s": grid.s, "t": grid.t}
    g = grid.mutate(day=day.round().cast("int64"))

    w24 = ibis.window(group_by="s", order_by="t", preceding=23, following=0)
    w8 = ibis.window(group_by=["s", "day"] if rules.o3_8h_restarts_daily else "s", order_by="t",
                     preceding=rules.o3_8h_hours - 1, following=0)
    sums = {}
    for typ, src in MEAN_24H.items():
        col = g[POLLUTANT[src]]
        sums[f"sum_{typ}"] = col.sum().over(w24)
        sums[f"n_{typ}"] = col.count().over(w24)
    sums["sum_O3_8h"] = g.O3.sum().over(w8)
    sums["n_O3_8h"] = g.O3.count().over(w8)
    g = g.mutate(**sums)

    means = {}
    for typ, src in MEAN_24H.items():
        unit = SCALE // 10 ** DECIMALS[POLLUTANT[src]]
        n = g[f"n_{typ}"]
        means[typ] = ibis.ifelse(n >= rules.min_hours_24h, half_even_div(g[f"sum_{typ}"], n * unit),
                                 vaqi.NULL_INT)
    n8 = g.n_O3_8h
    means["O3_8h"] = ibis.ifelse(n8 >= 1, half_even_div(g.sum_O3_8h, n8 * SCALE), vaqi.NULL_INT)
    g = g.mutate(**means).drop(*sums)
    g = g.mutate(**{f"r_{POLLUTANT[p]}": to_units(g[POLLUTANT[p]], DECIMALS[POLLUTANT[p]])
                    for p in HOURLY_TYPES})

    items = {"PM2_5": "PM2_5_1h", "PM10": "PM10_1h", "SO2": "SO2_1h", "NO2": "NO2_1h", "O3": "O3_1h",
             "CO": "CO_1h"}
    if rules.so2_1h_over_800 is None:
        so2_fallback = vaqi.iaqi(g["SO2_24h"], "SO2_24h", rules.aqi_version)
    else:
        so2_fallback = ibis.literal(rules.so2_1h_over_800, "int64")
    g = g.mutate(**{f"i_{p}": vaqi.iaqi(g[f"r_{p}"], item, rules.aqi_version,
                                         fallback=so2_fallback if p == "SO2" else None)
                    for p, item in items.items()})
    aqi = vaqi.max_ignoring_null([g[f"i_{p}"] for p in items])
    if rules.aqi_requires_pm:
        aqi = ibis.ifelse(g.PM2_5.isnull() & g.PM10.isnull(), vaqi.NULL_INT, aqi)
    g = g.mutate(AQI=aqi, hod=g.t - g.day * 24)

    w_day = ibis.window(group_by=["s", "day"], order_by="t", preceding=None, following=0)
    w_24 = ibis.window(group_by="s", order_by="t", preceding=23, following=0)
    in_daily = ibis.ifelse(g.hod >= 8, g.O3_8h, vaqi.NULL_INT)   # HJ 663 §6.1.2 windows 08…24
    g = g.mutate(run_max=g.O3_8h.max().over(w_day), daily_max=in_daily.max().over(w_day),
                 O3_24h=g.r_O3.max().over(w_24))
    g = g.mutate(O3_8h_24h=ibis.ifelse(g.hod == 24, g.daily_max, g.run_max))
    if rules.blank_when_silent:
        silent = ibis.and_(*[g[POLLUTANT[p]].isnull() for p in HOURLY_TYPES])
        g = g.mutate(**{typ: ibis.ifelse(silent, vaqi.NULL_INT, g[typ]) for typ in DERIVED_TYPES})
    return g.select(*keys, *DERIVED_TYPES)


@dataclass
class Recomputed:
    """Derived rows on the feed's grid, int64 in reporting units (CO in 0.1), MISSING where blank."""
    feed: Feed
    values: dict[str, np.ndarray]
    rules: FeedRules


def recompute(feed: Feed, con, rules: FeedRules = FeedRules()) -> Recomputed:
    """Run :func:`expression` on ``con`` and scatter the result back onto the grid."""
    table = con.to_pyarrow(expression(ibis.memtable(grid_table(feed)), rules))
    S, T = len(feed.stations), feed.n_hours
    pos = (table.column("s").to_numpy().astype(np.int64) * T
           + table.column("t").to_numpy() - feed.t0)
    values = {}
    for typ in DERIVED_TYPES:
        col = table.column(typ)
        arr = np.full(S * T, MISSING, dtype=np.int64)
        got = col.to_numpy(zero_copy_only=False)
        ok = ~np.asarray(col.is_null().to_numpy(zero_copy_only=False))
        arr[pos[ok]] = got[ok].astype(np.int64)
        values[typ] = arr.reshape(S, T)
    return Recomputed(feed, values, rules)


# ---------------------------------------------------------------------------------------------
# writing the recomputed files


def _text_lookup(values: list[np.ndarray]) -> tuple[pa.Array, int]:
    """A string table [blank, "0", "1", …, "N", CO "0", "0.1", …] big enough for ``values``."""
    top = max([int(v[v != MISSING].max(initial=0)) for v in values] + [0]) + 1
    plain = [str(i) for i in range(top)]
    tenths = [str(i // 10) if i % 10 == 0 else f"{i // 10}.{i % 10}" for i in range(top)]
    return pa.array([None] + plain + tenths, pa.string()), top


def render(rec: Recomputed, f: FeedFile, lookup: tuple[pa.Array, int] | None = None) -> pa.Table:
    """File ``f`` with its derived rows replaced by ``rec`` and its 1-hour rows as they were."""
    from lantian.measurements.readers.cnemc import _flat
    feed = rec.feed
    col = {s: i for i, s in enumerate(feed.stations)}
    cols = np.array([col[s] for s in f.stations])
    ti = f.t - feed.t0
    R, S = len(f.types), len(f.stations)
    index = np.zeros((S, R), dtype=np.int64)        # column-major like _flat; 0 = blank
    is_derived = np.zeros(R, dtype=bool)
    texts, top = lookup or _text_lookup(list(rec.values.values()))
    for typ in DERIVED_TYPES:
        rows = np.nonzero(f.types == typ)[0]
        if len(rows):
            v = rec.values[typ][np.ix_(cols, ti[rows])]
            offset = 1 + top if typ == "CO_24h" else 1
            index[:, rows] = np.where(v == MISSING, 0, v + offset)
            is_derived[rows] = True
    text = pc.take(texts, pa.array(index.reshape(-1)))
    merged = pc.if_else(pa.array(np.tile(is_derived, S)), text, _flat(f.cells))
    columns = [pa.array(f.dates.astype(str)), pa.array(f.hours.astype(str)), pa.array(f.types.astype(str))]
    columns += [merged.slice(j * R, R) for j in range(S)]
    return pa.Table.from_arrays(columns, names=["date", "hour", "type", *f.stations])


def _encode(rec: Recomputed, f: FeedFile, lookup) -> bytes:
    sink = pa.BufferOutputStream()
    options = pacsv.WriteOptions(quoting_style="none", quoting_header="none", eol="\r\n" if f.crlf else "\n")
    pacsv.write_csv(render(rec, f, lookup), sink, write_options=options)
    data = sink.getvalue().to_pybytes()
    return gzip.compress(data, compresslevel=1, mtime=0) if f.gzip else data


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
