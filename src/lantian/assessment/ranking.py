"""Ranking counties or cities by the composite index (环境空气质量综合指数) for a period.

Units are given as a mapping unit → its evaluation stations (对照点 left out). Their daily values
are formed by :func:`lantian.assessment.statistics.area_daily_units` (hj663.toml
``city_aggregation``), their period statistics by :func:`period_statistics`, and the indices by
the scheme of ``standards/tables/ranking.toml`` (default the 2018 rule) — vectorized over units in
integers, equal to :func:`lantian.standards.ranking.composite`. Sand-dust days given are deducted
from PM10/PM2.5 (and so from the composite); the good-day ratio keeps them.

Conventions (see :mod:`lantian.standards.ranking`): concentrations rounded (GB/T 8170) to
integers (CO 1 dp) before dividing; composite = round(Σ w_i·C_i/S_i, 2); rank ascending with ties
(并列) sharing the best rank and the next rank skipping (1, 2, 2, 4); units without all six
statistics get no rank. Change rate = (this − last)/last × 100 on the 2-dp composites, 1 dp,
ranked ascending (most improved = 1).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from math import lcm
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pyarrow as pa

from lantian.assessment.statistics import area_daily_units, period_statistics
from lantian.measurements.store import Store
from lantian.standards import period as ref
from lantian.standards.pollutants import DECIMALS, POLLUTANTS
from lantian.standards.ranking import Scheme, change_rate, ranks, scheme as scheme_named
from lantian.standards.rulesets import RuleSet
from lantian.assessment.coverage import coverage
from lantian.assessment.networks import Membership, describe, fixed

#: output names of the ranked concentrations
OUTPUT = {"PM2_5": "pm25", "PM10": "pm10", "SO2": "so2", "NO2": "no2", "CO": "co_p95", "O3": "o3_8h_p90"}
STATISTIC = {"PM2_5": "mean", "PM10": "mean", "SO2": "mean", "NO2": "mean", "CO": "percentile", "O3": "percentile"}


def units_from_site_list(path: str | Path, province: str, level: str = "地级行政区") -> dict[str, list[str]]:
    """unit → evaluation stations from the CNEMC site list (``NewSiteList_utf8.csv``), 对照点=Y left out."""
    out: dict[str, list[str]] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["省级行政区"] != province or row["对照点"].strip().upper() == "Y":
                continue
            out.setdefault(row[level], []).append(row["监测点编码"])
    return out


def _half_even(num: np.ndarray, den) -> np.ndarray:
    """GB/T 8170 rounding of num/den (num ≥ 0, den > 0) to integers, elementwise in int64."""
    q, r = np.divmod(num, den)
    up = (2 * r > den) | ((2 * r == den) & (q % 2 == 1))
    return q + up


def composite_columns(stats: pa.Table, sch: Scheme | None = None) -> dict[str, np.ndarray]:
    """Concentrations (× 10^dp integers), single indices and composite (× 100 integers) of every row.

    Missing statistics give -1 in the integer columns and a False ``complete`` flag.
    """
    s = sch or scheme_named()
    n = stats.num_rows
    complete = np.ones(n, dtype=bool)
    conc, single = {}, {}
    for p in POLLUTANTS:
        shift = s.concentration_dp[p] - DECIMALS[p]
        if STATISTIC[p] == "mean":
            num = stats.column(f"sum_{p}").to_numpy(zero_copy_only=False)
            den = stats.column(f"nused_{p}").to_numpy(zero_copy_only=False)
        else:
            num = stats.column(f"pct100_{p}").to_numpy(zero_copy_only=False)
            den = np.full(n, 100)
        ok = ~np.isnan(num.astype(float)) & (den > 0)
        num = np.where(ok, np.nan_to_num(num.astype(float)), 0).astype(np.int64)
        den = np.where(ok, den, 1).astype(np.int64)
        c = _half_even(num * 10 ** max(shift, 0), den * 10 ** max(-shift, 0))
        conc[p] = np.where(ok, c, -1)
        complete &= ok
        f = Fraction(1) / (s.divisors[p] * 10 ** s.concentration_dp[p]) * 10 ** s.index_dp
        single[p] = np.where(ok, _half_even(np.where(ok, c, 0) * f.numerator, f.denominator), -1)
    coefs = {p: s.weights[p] / (s.divisors[p] * 10 ** s.concentration_dp[p]) for p in POLLUTANTS}
    D = lcm(*[c.denominator for c in coefs.values()])
    total = sum(np.where(complete, conc[p], 0) * int(coefs[p] * D) for p in POLLUTANTS)
    comp = np.where(complete, _half_even(total * 10 ** s.index_dp, D), -1)
    return {"complete": complete, "composite": comp, **{f"c_{p}": conc[p] for p in POLLUTANTS},
            **{f"i_{p}": single[p] for p in POLLUTANTS}}


@dataclass
class Ranking:
    table: pa.Table          # one row per unit, sorted by rank (unranked last)
    period: ref.Period
    previous: ref.Period | None
    scheme: str
    method: str
    sand_dust: str
    rules: list[str]


def rank_units(store: Store, units, period: ref.Period, con, *,
               previous: ref.Period | None = None, scheme: Scheme | str | None = None,
               sand_dust: Mapping[str, Iterable[date]] | Iterable[date] | None = None,
               ruleset: RuleSet | None = None, daily: pa.Table | None = None) -> Ranking:
    """Rank ``units`` for ``period`` by composite index; with ``previous`` (e.g.
    :func:`standards.period.same_period_last_year`) add the change rate and its rank.

    ``units``: a :class:`~lantian.assessment.networks.Membership` (dated assessment stations) or a
    mapping unit → stations. ``daily`` may give the units' daily table directly (columns as
    :func:`area_daily_units`); otherwise it is computed from ``store``. Each row states its data
    (:mod:`lantian.assessment.coverage`: ``valid_days``, ``days``, ``last_day``, ``complete``,
    ``coverage_text``, ``coverage_problem``; ``valid`` = the statistics valid *and* the coverage
    complete) and the stations it used (``stations``, ``stations_text``).
    """
    members = units if isinstance(units, Membership) else fixed(units)
    sch = scheme if isinstance(scheme, Scheme) else scheme_named(scheme)
    periods = [period] + ([previous] if previous else [])
    method = "given"
    if daily is None:
        series = area_daily_units(store, members, min(p.start for p in periods), max(p.end for p in periods), con)
        daily, method = series.table, series.method
    stats = period_statistics(daily, periods, con, ruleset=ruleset, method=method, sand_dust=sand_dust,
                              deduct_sand_dust=True)
    covered = coverage(daily, members.units, period.start, period.end)
    tab = stats.table
    cols = composite_columns(tab, sch)
    labels = tab.column("period").to_pylist()
    unit_col = tab.column("unit").to_pylist()
    this = [i for i, lab in enumerate(labels) if lab == period.label]
    last = {unit_col[i]: i for i, lab in enumerate(labels) if previous and lab == previous.label}
    idp = sch.index_dp
    comp = [None if cols["composite"][i] < 0 else Fraction(int(cols["composite"][i]), 10 ** idp) for i in this]
    rk = ranks(comp)
    rows = []
    for k, i in enumerate(this):
        singles = {p: int(cols[f"i_{p}"][i]) for p in POLLUTANTS}
        present = [v for v in singles.values() if v >= 0]
        best = max(present) if present else None
        row = {"unit": unit_col[i], "rank": rk[k],
               "composite_index": None if comp[k] is None else float(comp[k])}
        for p in POLLUTANTS:
            v = int(cols[f"c_{p}"][i])
            row[OUTPUT[p]] = None if v < 0 else v / 10 ** sch.concentration_dp[p]
        for p in POLLUTANTS:
            row[f"i_{OUTPUT[p]}"] = None if singles[p] < 0 else singles[p] / 10 ** idp
        row["largest_index_pollutant"] = ",".join(ref.LABELS[p] for p in POLLUTANTS
                                                  if best is not None and singles[p] == best) or None
        row["good_ratio"] = tab.column("good_ratio")[i].as_py()
        row["coverage"] = min(tab.column(f"coverage_{p}")[i].as_py() for p in ref.COLUMNS)
        c = covered[unit_col[i]]
        row.update(days=c.days, valid_days=c.valid_days, last_day=None if c.last_day is None else c.last_day.isoformat(),
                   complete=c.complete, coverage_text=c.text(), coverage_problem=c.problem())
        row["valid"] = c.complete and all(tab.column(f"valid_{p}")[i].as_py() for p in ref.COLUMNS)
        used = members.used(unit_col[i], period.start, period.end)
        row.update(stations=used, stations_text=describe(used))
        if previous:
            j = last.get(unit_col[i])
            lc = None if j is None or cols["composite"][j] < 0 else Fraction(int(cols["composite"][j]), 10 ** idp)
            row["composite_last"] = None if lc is None else float(lc)
            ch = change_rate(comp[k], lc)
            row["change_rate"] = None if ch is None else float(ch)
        row.update(ruleset=tab.column("ruleset")[i].as_py(), scheme=sch.name, method=method)
        rows.append(row)
    if previous:
        crk = ranks([None if r["change_rate"] is None else Fraction(str(r["change_rate"])) for r in rows])
        for r, c in zip(rows, crk):
            r["change_rank"] = c
    seen = {r["unit"] for r in rows}
    for unit in members.units:                     # a unit without a single day of data: no rank, said so
        if unit not in seen:
            c = covered[unit]
            used = members.used(unit, period.start, period.end)
            rows.append({"unit": unit, "rank": None, "composite_index": None, **dict.fromkeys(OUTPUT.values()),
                         **{f"i_{v}": None for v in OUTPUT.values()}, "largest_index_pollutant": None,
                         "good_ratio": None, "coverage": 0.0, "days": c.days, "valid_days": 0, "last_day": None,
                         "complete": False, "coverage_text": c.text(), "coverage_problem": c.problem(),
                         "valid": False, "stations": used, "stations_text": describe(used),
                         **({"composite_last": None, "change_rate": None, "change_rank": None} if previous else {}),
                         "ruleset": None, "scheme": sch.name, "method": method})
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["unit"]))
    return Ranking(pa.Table.from_pylist(rows), period, previous, sch.name, method, stats.sand_dust, stats.rules)
