"""The forecast's read (``series.load``) reads only the days the store may hold a value for
(``series.held_spans``), and gives exactly the frames one read of the whole window gives: the same
HJ 663 daily values of the assessment room (``area_daily_units``), the same missing days and types,
so the same pooled forecast. On six days of the real national feed (29–31 January and 1–3 July
2019: a store with a five-month gap), the cities of 山西省 and a handful of others."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from lantian.assessment.statistics import area_daily_units
from lantian.forecast import pool, series
from tests.forecast.conftest import national_workspace

FIRST, END = dt.date(2018, 10, 1), dt.date(2019, 7, 3)
OTHERS = ("北京市", "上海市", "广州市", "乌鲁木齐市", "拉萨市")


def whole_window(store, con, units, start, end):
    """The read before ``held_spans``: one ``area_daily_units`` call over every day of the window."""
    t = area_daily_units(store, units.membership, start, end, con).table.select(
        ["unit", "date", *series.COLUMNS.values(), "primary"]).to_pandas()
    index = pd.date_range(start, end, freq="D")
    out = {}
    for unit in units.order:
        part = t[t["unit"] == unit].copy()
        part["date"] = pd.to_datetime(part["date"])
        part = part.set_index("date").sort_index()
        frame = pd.DataFrame(index=index)
        for var, col in series.COLUMNS.items():
            frame[var] = part[col].astype(float).reindex(index) if len(part) else np.nan
        frame["primary"] = part["primary"].reindex(index) if len(part) else None
        out[unit] = frame
    return out


@pytest.fixture(scope="module")
def feed(tmp_path_factory, data_dir):
    from lantian.measurements.engine import connect
    from lantian.measurements.store import Store
    from lantian.workspace import open_workspace
    root = tmp_path_factory.mktemp("load") / "ws"
    files = [data_dir / "cnemc" / "2019-01" / f"china_sites_201901{d}.csv.gz" for d in ("29", "30", "31")]
    files += [data_dir / "cnemc" / "2019-07" / f"china_sites_201907{d}.csv.gz" for d in ("01", "02", "03")]
    national_workspace(root, data_dir, files)
    ws = open_workspace(root)
    national = pool.from_registry(ws.database_url, "national")
    shanxi = pool.from_registry(ws.database_url, "山西省")
    cities = {**shanxi.stations, **{u: national.stations[u] for u in OTHERS}}
    pl = pool.Pool(cities, {u: national.coords[u] for u in cities}, "test")
    return Store(ws.measurements), connect(None, ws.config), pl


def test_only_the_store_s_months_are_read():
    class Months:
        def __init__(self, months):
            self._m = months

        def months(self):
            return self._m
    d = dt.date
    assert series.held_spans(Months([(2019, 1), (2019, 7)]), FIRST, END) == [
        (d(2018, 12, 30), d(2019, 2, 2)), (d(2019, 6, 29), END)]
    assert series.held_spans(Months([(2019, 1), (2019, 2)]), d(2019, 1, 15), d(2019, 12, 31)) == [
        (d(2019, 1, 15), d(2019, 3, 2))]
    assert series.held_spans(Months([(2019, 1)]), d(2019, 3, 1), d(2019, 3, 31)) == []
    assert series.held_spans(Months([]), FIRST, END) == [(FIRST, END)]


def test_the_read_gives_exactly_the_frames_of_the_whole_window(feed):
    store, con, pl = feed
    units = pl.units()
    new = series.load(store, con, units, FIRST, END)
    old = whole_window(store, con, units, FIRST, END)
    assert list(new) == list(old) and len(new) == 16
    for u in old:
        pd.testing.assert_frame_equal(new[u], old[u], check_exact=True)
        assert [repr(x) for x in new[u]["primary"]] == [repr(x) for x in old[u]["primary"]]
    valid = sum(int(f["aqi"].notna().sum()) for f in new.values())
    assert valid >= 16 * 5                       # the values are there, not two empty frames alike
    base = dt.date(2019, 7, 2)
    made = pool.make(new, pl.coords, "晋城市", base, 1)
    assert made == pool.make(old, pl.coords, "晋城市", base, 1)
