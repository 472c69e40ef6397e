"""Packed windowed sums and counts unpack exactly: no field ever spills into the next."""
import ibis
import numpy as np
import pyarrow as pa
import pytest

from lantian.measurements import packing


def windowed(t, packing_, window):
    """Every input summed over the trailing ``window`` rows (the grid order ``i``)."""
    w = ibis.window(order_by="i", preceding=window - 1, following=0)
    return t.mutate(**{name: t[name].sum().over(w) for name in packing_.names()})


@pytest.mark.parametrize("seed", range(6))
def test_windowed_sums_and_counts_come_back(con, seed):
    rng = np.random.default_rng(seed)
    n, window = 500, int(rng.integers(2, 31))
    columns = {}
    for k in range(int(rng.integers(1, 7))):
        high = int(rng.choice([1, 9, 1000, 3761, 10**6, 10**15]))
        low = -5 if rng.random() < 0.2 else 0
        values, missing = rng.integers(low, high + 1, n), rng.random(n) < 0.3
        columns[f"c{k}"] = (values, missing)
    table = pa.table({"i": np.arange(n), **{c: pa.array(v, mask=m) for c, (v, m) in columns.items()}})
    plan = packing.plan({c: (int(v[~m].min()), int(v[~m].max())) for c, (v, m) in columns.items()}, window)
    t = ibis.memtable(table)
    t = windowed(t.mutate(**plan.inputs(t)), plan, window)
    got = con.to_pyarrow(t.select("i", **{f"{k}_{c}": x for c in columns
                                          for k, x in zip(("sum", "n"), plan.decode(t, c))}).order_by("i"))
    for c, (values, missing) in columns.items():
        v, present = np.where(missing, 0, values), ~missing
        want_sum = [int(v[max(0, i - window + 1):i + 1].sum()) for i in range(n)]
        want_n = [int(present[max(0, i - window + 1):i + 1].sum()) for i in range(n)]
        assert got.column(f"sum_{c}").to_pylist() == want_sum, c
        assert got.column(f"n_{c}").to_pylist() == want_n, c


def test_fields_are_disjoint_and_below_the_word_limit():
    rng = np.random.default_rng(1)
    for _ in range(200):
        window = int(rng.integers(1, 32))
        ranges = {f"c{k}": (0, int(rng.choice([0, 5, 900, 3761, 2**20, 2**40]))) for k in range(int(rng.integers(1, 8)))}
        plan = packing.plan(ranges, window)
        used: dict[int, list] = {}
        for (column, part), f in plan.fields.items():
            high = ranges[column][1] if part == "sum" else 1
            assert window * high < 1 << f.width
            assert f.shift + f.width <= packing.WORD_BITS
            used.setdefault(f.word, []).append(range(f.shift, f.shift + f.width))
        for spans in used.values():
            bits = [b for span in spans for b in span]
            assert len(bits) == len(set(bits))


def test_negative_or_huge_columns_keep_a_sum_of_their_own():
    plan = packing.plan({"a": (-1, 10), "b": (0, 2**62), "c": (0, 10)}, 24)
    assert ("a", "sum") not in plan.fields and ("b", "sum") not in plan.fields
    assert ("c", "sum") in plan.fields and ("a", "n") in plan.fields
