"""The vectorized IAQI — the Ibis expression on DuckDB and the lookup table for grids in memory —
equals the exact scalar reference for every concentration of every item up past its last
breakpoint, both versions."""
from decimal import Decimal
from fractions import Fraction

import ibis
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lantian.measurements import aqi as vaqi
from lantian.measurements.arith import SCALE, half_even_div, to_units, to_units_array
from lantian.standards import aqi as ref
from lantian.standards.rounding import round_half_even

ITEMS = ["SO2_24h", "SO2_1h", "NO2_24h", "NO2_1h", "CO_24h", "CO_1h", "O3_1h", "O3_8h",
         "PM10_24h", "PM2_5_24h", "PM10_1h", "PM2_5_1h"]


@pytest.mark.parametrize("version", [2012, 2026])
@pytest.mark.parametrize("item", ITEMS)
def test_exhaustive_sweep(con, item, version):
    tenths = item.startswith("CO")
    top = int(ref.breakpoints(item, version)[-1] * (10 if tenths else 1)) + 50
    values = list(range(0, top + 1))
    t = ibis.memtable(pa.table({"c": pa.array(values, pa.int64()), "fb": pa.array([123] * len(values))}))
    expr = t.mutate(i=vaqi.iaqi(t.c, item, version, fallback=t.fb))
    got = con.to_pyarrow(expr.order_by("c")).column("i").to_pylist()
    for c, g in zip(values, got):
        conc = Fraction(c, 10) if tenths else c
        key = ref.TABLE_OF_ITEM.get(item, item)
        if key in ("SO2_1h", "O3_8h") and conc > 800 and version == 2012:
            assert g == 123, (item, c)
            continue
        assert g == ref.iaqi(item, conc, version), (item, version, c)


def test_null_stays_null(con):
    t = ibis.memtable(pa.table({"c": pa.array([None, 5], pa.int64())}))
    got = con.to_pyarrow(t.mutate(i=vaqi.iaqi(t.c, "PM2_5_24h", 2012))).column("i").to_pylist()
    assert got == [None, 8]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(1, 24)), min_size=1, max_size=40))
def test_half_even_division_matches_fractions(con, pairs):
    t = ibis.memtable(pa.table({"a": [a for a, _ in pairs], "n": [n for _, n in pairs]}))
    got = con.to_pyarrow(t.mutate(r=half_even_div(t.a, t.n * SCALE))).column("r").to_pylist()
    assert got == [int(round_half_even(Fraction(a, n * SCALE))) for a, n in pairs]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.decimals(min_value=0, max_value=2000, places=3), min_size=1, max_size=30))
def test_to_units_matches_gbt8170(con, values):
    scaled = [int(v * SCALE) for v in values]
    t = ibis.memtable(pa.table({"v": pa.array(scaled, pa.int64())}))
    got = con.to_pyarrow(t.mutate(i=to_units(t.v, 0), c=to_units(t.v, 1)))
    assert got.column("i").to_pylist() == [int(round_half_even(v, 0)) for v in values]
    assert got.column("c").to_pylist() == [int(round_half_even(v, 1) * 10) for v in values]
    assert all(isinstance(v, Decimal) for v in values)


@pytest.mark.parametrize("version", [2012, 2026])
@pytest.mark.parametrize("item", ITEMS)
def test_table_is_the_reference_at_every_entry(item, version):
    tenths = item.startswith("CO")
    key = ref.TABLE_OF_ITEM.get(item, item)
    top = int(ref.breakpoints(item, version)[-1] * (10 if tenths else 1))
    c = np.arange(-3, top + 60, dtype=np.int64)
    fallback = np.full(len(c), 123, dtype=np.int64)
    got = vaqi.iaqi_array(c, item, version, fallback=fallback)
    for x, g in zip(c.tolist(), got.tolist()):
        conc = Fraction(x, 10) if tenths else x
        if x < 0:
            assert g == vaqi.ABSENT
        elif key in ("SO2_1h", "O3_8h") and conc > 800 and version == 2012:
            assert g == 123, (item, x)
        else:
            assert g == ref.iaqi(item, conc, version), (item, version, x)


def test_table_without_fallback_or_cap():
    c = np.array([801, 800, 0], dtype=np.int64)
    assert vaqi.iaqi_array(c, "SO2_1h", 2012).tolist() == [vaqi.ABSENT, 200, 0]
    assert vaqi.iaqi_array(c, "SO2_1h", 2026).tolist() == [200, 200, 0]
    assert vaqi.iaqi_array(np.array([501, 500]), "PM2_5_24h", above_top="none").tolist() == [vaqi.ABSENT, 500]
    assert vaqi.aqi_array([np.array([-1, 3, -1]), np.array([-1, 1, 7])]).tolist() == [-1, 3, 7]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.decimals(min_value=-2, max_value=2000, places=3), min_size=1, max_size=30))
def test_to_units_array_is_the_engine_rounding(con, values):
    scaled = np.array([int(v * SCALE) for v in values], dtype=np.int64)
    t = ibis.memtable(pa.table({"v": pa.array(scaled, pa.int64())}))
    got = con.to_pyarrow(t.mutate(i=to_units(t.v, 0), c=to_units(t.v, 1)))
    assert to_units_array(scaled, 0).tolist() == got.column("i").to_pylist()
    assert to_units_array(scaled, 1).tolist() == got.column("c").to_pylist()
    positive = [v for v in values if v >= 0]
    assert to_units_array(np.array([int(v * SCALE) for v in positive], dtype=np.int64), 0).tolist() == \
        [int(round_half_even(v, 0)) for v in positive]


def test_to_units_array_in_any_layout_and_at_three_decimals():
    a = np.arange(0, 2_000_000, 250, dtype=np.int64).reshape(100, 80)     # every fourth value a tie
    want = to_units_array(np.ascontiguousarray(a.T), 0)
    assert np.array_equal(to_units_array(a.T, 0), want)                  # a Fortran-ordered view
    assert np.array_equal(to_units_array(a[:, ::3], 1), to_units_array(a[:, ::3].copy(), 1))
    assert to_units_array(np.array([500, 1500, 2500]), 0).tolist() == [0, 2, 2]
    assert to_units_array(np.array([0, 1, 3, -3]), 3).tolist() == [0, 1, 3, -3]
    with pytest.raises(ValueError):
        to_units_array(np.array([1]), 4)


def test_cached_tables_are_read_only():
    c = np.array([3], dtype=np.int64)
    vaqi.iaqi_array(c, "PM10_1h")[0] = 999                   # the result is the caller's own
    assert vaqi.iaqi_array(c, "PM10_1h").tolist() == [3]
    assert not vaqi.iaqi_table("PM10_1h").flags.writeable and not vaqi._shifted("PM10_1h", 2012, "cap_500").flags.writeable
