"""Ranking Shanxi's 11 prefecture cities for January 2019 from the real national files."""
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from lantian.assessment.ranking import OUTPUT, rank_units, units_from_site_list
from lantian.assessment.statistics import area_daily_units
from lantian.measurements.importer import import_files
from lantian.measurements.store import Store
from lantian.standards import period as P
from lantian.standards.ranking import change_rate, composite, ranks

JAN = P.month(2019, 1)
PREV = P.same_period_last_year(JAN)


@pytest.fixture(scope="module")
def shanxi(data_dir):
    return units_from_site_list(data_dir / "cnemc" / "stations" / "NewSiteList_utf8.csv", "山西省")


@pytest.fixture(scope="module")
def store(tmp_path_factory, data_dir):
    root = tmp_path_factory.mktemp("national")
    import_files(root, "cnemc", sorted((data_dir / "cnemc" / "2019-01").glob("*.csv.gz")), threads=4)
    return Store(root)


@pytest.fixture(scope="module")
def ranking(store, con, shanxi):
    return rank_units(store, shanxi, JAN, con)


def test_site_list_gives_11_cities_without_control_points(shanxi):
    assert len(shanxi) == 11 and "长治市" in shanxi and "临汾市" in shanxi
    assert "1729A" not in shanxi["长治市"] and "1727A" in shanxi["长治市"]


def test_ranking_is_sorted_with_shared_ranks(ranking):
    rows = ranking.table.to_pylist()
    assert len(rows) == 11 and all(r["rank"] is not None for r in rows)
    comps = [r["composite_index"] for r in rows]
    assert comps == sorted(comps)
    for r in rows:      # rank = 1 + number of strictly smaller composites (并列 → 1, 2, 2, 4)
        assert r["rank"] == 1 + sum(1 for c in comps if c < r["composite_index"])
    assert ranking.scheme == "2018" and ranking.method == "mean_of_station_daily_values"


def test_composite_equals_scalar_reference(ranking):
    for r in ranking.table.to_pylist():
        concs = {p: Decimal(repr(r[o])) for p, o in OUTPUT.items()}
        c = composite(concs)
        assert Decimal(repr(r["composite_index"])) == c.value
        assert {p: Decimal(repr(r[f"i_{o}"])) for p, o in OUTPUT.items()} == c.singles
        assert r["largest_index_pollutant"] == ",".join(P.LABELS[p] for p in c.largest)
        assert r["valid"] and 0 < r["coverage"] <= 1 and 0 <= r["good_ratio"] <= 100


def test_january_2019_is_a_pm25_month_and_linfen_is_worst(ranking):
    rows = ranking.table.to_pylist()
    # published/city_rankings_2019.csv: 临汾 worst of the 168 key cities in January 2019 (loose check)
    assert rows[-1]["unit"] == "临汾市"
    assert sum(1 for r in rows if r["largest_index_pollutant"].startswith("PM2.5")) >= 9
    assert all(r["pm25"] > 50 for r in rows)


def _shifted(table: pa.Table, keep_until: date | None = None) -> pa.Table:
    """Real January 2019 daily values relabelled one year earlier (a synthetic "previous year")."""
    if keep_until is not None:
        table = table.filter(pc.less_equal(table.column("date"), pa.scalar(keep_until, pa.date32())))
    dates = [d.replace(year=d.year - 1) for d in table.column("date").to_pylist()]
    days = [(d - date(1970, 1, 1)).days for d in dates]
    t = table.set_column(table.column_names.index("date"), "date", pa.array(dates, pa.date32()))
    return t.set_column(t.column_names.index("day"), "day", pa.array(days, pa.int64()))


def test_year_on_year_with_previous_year_shifted_from_real_data(store, con, shanxi):
    """Previous year = January 2019 shifted to January 2018: every change is 0.0 and all tie at rank 1."""
    daily = area_daily_units(store, shanxi, JAN.start, JAN.end, con).table
    both = pa.concat_tables([daily, _shifted(daily)])
    rows = rank_units(store, shanxi, JAN, con, previous=PREV, daily=both).table.to_pylist()
    assert all(r["change_rate"] == 0.0 and r["change_rank"] == 1 for r in rows)
    assert all(r["composite_last"] == r["composite_index"] for r in rows)


def test_year_on_year_with_previous_year_shifted_first_half_only(store, con, shanxi):
    """Previous year = only 1–15 January 2019 shifted to 2018: change rate and its rank vs the scalar."""
    daily = area_daily_units(store, shanxi, JAN.start, JAN.end, con).table
    both = pa.concat_tables([daily, _shifted(daily, keep_until=date(2019, 1, 15))])
    res = rank_units(store, shanxi, JAN, con, previous=PREV, daily=both)
    rows = res.table.to_pylist()
    assert res.previous == PREV and PREV.label == "2018-01"
    for r in rows:
        want = change_rate(Decimal(repr(r["composite_index"])), Decimal(repr(r["composite_last"])))
        assert Decimal(repr(r["change_rate"])) == want
    assert any(r["change_rate"] != 0 for r in rows)
    want_ranks = ranks([Fraction(repr(r["change_rate"])) for r in rows])
    assert [r["change_rank"] for r in rows] == want_ranks
