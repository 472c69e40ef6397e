"""HJ 663 period statistics — the scalar, exact reference (``fractions.Fraction`` throughout).

Input is a series of daily values (HJ 663 日评价, reporting units: µg/m³ integers, CO in mg/m³ with
one decimal) keyed by date. For a period (month, quarter, half-year, year, autumn-winter season,
year-to-date) this gives, per pollutant, the period mean and the HJ 663 percentile (Annex A,
k = 1 + (n−1)·p) rounded by GB/T 8170 to the statistics decimals of ``tables/hj663.toml``
``[rounding]``, each with coverage and a validity verdict; the AQI day counts and ratios; the
days per primary pollutant; and attainment per pollutant and overall (GB 3095 limits of the rule
set). The vectorized engine (:mod:`lantian.assessment.statistics`) is held to this module.

Conventions (docs/standards.md §3, §8 — each a named default):

* Validity. Calendar year (``kind == "year"``): ≥ ``annual_min_days`` (324) valid days and
  ≥ 27 in every month (≥ 25 in February) — GB 3095 Table 4; the same rule holds for the
  percentiles (O3 per HJ 663). Other periods: when ``monthly_enforce`` is true, every whole
  calendar month inside the period needs ≥ 27 (February ≥ 25) valid days; otherwise (the
  default — HJ 663 monthly validity is unknown) a statistic is valid with ≥ 1 valid day.
  Coverage is n valid days / n calendar days of the period.
* Rounding. Means and percentiles of the exact values are rounded once (GB/T 8170) to the
  statistics decimals (``statistics_*_dp``: integers, CO 1, PM2.5 1 by default). Attainment
  compares the exact value rounded to the reporting decimals (integers, CO 1 — 修约值比较法).
* Sand-dust. Days marked as sand-dust affected are deducted from PM10 and PM2.5 means and
  percentiles when ``deduct_sand_dust`` is set; the AQI counts and ratios keep them. Validity
  and coverage are judged on all valid days (a deducted day is valid data set aside by rule).
* Counts. Good (优良) AQI ≤ 100, exceedance (超标) > 100, heavy (重污染, 重度及以上) > 200,
  severe (严重) > 300, over the days with an AQI. Ratios are % of AQI days, 1 decimal.
  A day whose primary pollutant lists two pollutants counts once for each.
* Attainment. A pollutant attains when each of its statistics is valid and ≤ its limit:
  SO2, NO2, PM10, PM2.5 mean ≤ annual limit and percentile ≤ 24-h limit; CO P95 ≤ 24-h limit;
  O3 P90 (of MDA8) ≤ 8-h limit. Overall: all six attain → True; any valid statistic above its
  limit → False; otherwise None (not determinable).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Iterable, Mapping

from lantian.standards.evaluation import percentile, settings
from lantian.standards.pollutants import DISPLAY
from lantian.standards.rounding import Number, exact, round_half_even
from lantian.standards.rulesets import RuleSet, limit, ruleset_for

#: The six statistics columns of a daily series: five 24-h means and the O3 daily max 8-h mean.
COLUMNS: dict[str, str] = {"SO2": "SO2", "NO2": "NO2", "PM10": "PM10", "PM2_5": "PM2_5", "CO": "CO",
                           "O3": "O3_8h_max"}
#: Published primary-pollutant labels.
LABELS: dict[str, str] = DISPLAY
#: Pollutants deducted on sand-dust days (CNEMC: "PM10、PM2.5浓度、综合质量指数扣除沙尘天气影响").
SAND_DUST_DEDUCTED: tuple[str, ...] = ("PM10", "PM2_5")
#: Attainment items: (statistic, limit key suffix).
ATTAINMENT: dict[str, tuple[tuple[str, str], ...]] = {
    "SO2": (("mean", "annual"), ("percentile", "24h")),
    "NO2": (("mean", "annual"), ("percentile", "24h")),
    "PM10": (("mean", "annual"), ("percentile", "24h")),
    "PM2_5": (("mean", "annual"), ("percentile", "24h")),
    "CO": (("percentile", "24h"),),
    "O3": (("percentile", "8h"),),
}


# --- periods --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """A closed date range [start, end] with its kind (month, quarter, half, year, season, ytd)."""
    kind: str
    start: date
    end: date
    label: str

    @property
    def n_days(self) -> int:
        return (self.end - self.start).days + 1

    def months(self) -> list[tuple[int, int, date, date]]:
        """(year, month, first, last) of each calendar month the period touches, clipped to it."""
        out, y, m = [], self.start.year, self.start.month
        while date(y, m, 1) <= self.end:
            first = max(date(y, m, 1), self.start)
            last = min(date(y, m, calendar.monthrange(y, m)[1]), self.end)
            out.append((y, m, first, last))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


def month(year: int, m: int) -> Period:
    return Period("month", date(year, m, 1), date(year, m, calendar.monthrange(year, m)[1]), f"{year}-{m:02d}")


def quarter(year: int, q: int) -> Period:
    if q not in (1, 2, 3, 4):
        raise ValueError(f"quarter 1…4, not {q}")
    first, last = 3 * q - 2, 3 * q
    return Period("quarter", date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1]),
                  f"{year}-Q{q}")


def half_year(year: int, h: int) -> Period:
    if h not in (1, 2):
        raise ValueError(f"half-year 1 or 2, not {h}")
    return Period("half", date(year, 1, 1) if h == 1 else date(year, 7, 1),
                  date(year, 6, 30) if h == 1 else date(year, 12, 31), f"{year}-H{h}")


def year(y: int) -> Period:
    return Period("year", date(y, 1, 1), date(y, 12, 31), f"{y}")


def autumn_winter(y: int) -> Period:
    """秋冬季: 1 October of ``y`` to 31 March of ``y + 1``."""
    return Period("season", date(y, 10, 1), date(y + 1, 3, 31), f"{y}-{y + 1} autumn-winter")


def year_to_date(day: date) -> Period:
    """1 January of ``day``'s year to ``day`` (inclusive)."""
    return Period("ytd", date(day.year, 1, 1), day, f"{day.year}-01-01..{day.isoformat()}")


def same_period_last_year(p: Period) -> Period:
    """The same period one year earlier (year-to-date ending 29 February maps to 28 February)."""
    y = p.start.year - 1
    if p.kind == "month":
        return month(y, p.start.month)
    if p.kind == "quarter":
        return quarter(y, (p.start.month + 2) // 3)
    if p.kind == "half":
        return half_year(y, 1 if p.start.month == 1 else 2)
    if p.kind == "year":
        return year(y)
    if p.kind == "season":
        return autumn_winter(y)
    end = p.end.replace(year=p.end.year - 1, day=28) if (p.end.month, p.end.day) == (2, 29) \
        else p.end.replace(year=p.end.year - 1)
    return Period(p.kind, p.start.replace(year=y), end,
                  year_to_date(end).label if p.kind == "ytd" else f"{p.label} (−1 y)")


# --- rules ------------------------------------------------------------------------------------------

def statistics_dp(pollutant: str) -> int:
    """Decimals of a period statistic (hj663.toml ``statistics_<p>_dp``, else ``statistics_default_dp``)."""
    r = settings()["rounding"]
    return r.get(f"statistics_{pollutant}_dp", r["statistics_default_dp"])


def reporting_dp(pollutant: str) -> int:
    """Reporting decimals (hj663.toml ``<p>_dp``, else ``default_dp``): integers, CO 1."""
    r = settings()["rounding"]
    return r.get(f"{pollutant}_dp", r["default_dp"])


def percentile_p(pollutant: str) -> Fraction:
    """The percentile of a pollutant's daily values: SO2/NO2 0.98, PM10/PM2.5/CO 0.95, O3 0.90."""
    return exact(settings()["percentile"][f"p_{pollutant}"])


def percentile_name(pollutant: str) -> str:
    return f"p{int(percentile_p(pollutant) * 100)}"


@dataclass(frozen=True)
class Verdict:
    valid: bool
    n_valid: int
    n_days: int
    rule: str

    @property
    def coverage(self) -> Fraction:
        return Fraction(self.n_valid, self.n_days)


def month_minimum(y: int, m: int) -> int:
    v = settings()["validity"]
    return v["annual_min_days_february"] if m == 2 else v["annual_min_days_per_month"]


def validity_rule(period: Period) -> str:
    v = settings()["validity"]
    if period.kind == "year":
        return (f"GB3095 Table 4 / HJ663: year ≥{v['annual_min_days']} d and ≥{v['annual_min_days_per_month']} "
                f"d each month (Feb ≥{v['annual_min_days_february']})")
    if v["monthly_enforce"]:
        return (f"hj663.toml monthly_enforce: ≥{v['monthly_min_days']} d each whole month "
                f"(Feb ≥{v['monthly_min_days_february']})")
    return "hj663.toml monthly_enforce=false: valid with ≥1 valid day"


def validity(valid_days: Iterable[date], period: Period) -> Verdict:
    """The validity verdict of a statistic from the dates with a valid daily value."""
    v = settings()["validity"]
    days = {d for d in valid_days if d in period}
    n = len(days)
    rule = validity_rule(period)
    if period.kind == "year":
        ok = n >= v["annual_min_days"] and all(
            sum(1 for d in days if first <= d <= last) >= month_minimum(y, m)
            for y, m, first, last in period.months())
    elif v["monthly_enforce"]:
        ok = n >= 1
        for y, m, first, last in period.months():
            whole = first.day == 1 and last.day == calendar.monthrange(y, m)[1]
            need = v["monthly_min_days_february"] if m == 2 else v["monthly_min_days"]
            if whole and sum(1 for d in days if first <= d <= last) < need:
                ok = False
    else:
        ok = n >= 1
    return Verdict(ok, n, period.n_days, rule)


# --- statistics -------------------------------------------------------------------------------------

def period_mean(values: list[Number], pollutant: str) -> Decimal | None:
    """Arithmetic mean of the daily values, GB/T 8170 to the statistics decimals."""
    xs = [exact(v) for v in values]
    if not xs:
        return None
    return round_half_even(sum(xs, Fraction(0)) / len(xs), statistics_dp(pollutant))


def period_percentile(values: list[Number], pollutant: str) -> Decimal | None:
    """HJ 663 Annex A percentile (``evaluation.percentile``), GB/T 8170 to the statistics decimals."""
    if not values:
        return None
    return round_half_even(percentile(values, percentile_p(pollutant)), statistics_dp(pollutant))


@dataclass(frozen=True)
class PollutantStat:
    pollutant: str
    mean: Decimal | None
    percentile: Decimal | None
    percentile_name: str
    verdict: Verdict
    n_used: int                  # days entering mean/percentile (after any sand-dust deduction)
    n_sand_dust: int             # valid days deducted as sand-dust affected
    attains: bool | None
    exact_mean: Fraction | None = field(default=None, repr=False)
    exact_percentile: Fraction | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PeriodSummary:
    period: Period
    ruleset: str
    grade: str
    pollutants: dict[str, PollutantStat]
    n_aqi_days: int
    good_days: int
    exceedance_days: int
    heavy_days: int
    severe_days: int
    good_ratio: Decimal | None          # % of AQI days, 1 dp
    heavy_ratio: Decimal | None         # % of AQI days, 1 dp
    primary_days: dict[str, int]
    attains: bool | None
    sand_dust: str                      # "deducted" | "kept"
    n_sand_dust_days: int
    rule: str


def _ratio(k: int, n: int) -> Decimal | None:
    return None if n == 0 else round_half_even(Fraction(100 * k, n), 1)


def attains(pollutant: str, mean: Fraction | None, pct: Fraction | None, valid: bool,
            ruleset: RuleSet, grade: str = "II") -> bool | None:
    """Attainment of one pollutant: every statistic valid and, rounded to reporting decimals, ≤ its limit."""
    dp = reporting_dp(pollutant)
    verdicts = []
    for stat, averaging in ATTAINMENT[pollutant]:
        value = mean if stat == "mean" else pct
        if not valid or value is None:
            verdicts.append(None)
            continue
        verdicts.append(round_half_even(value, dp) <= exact(limit(ruleset, f"{pollutant}_{averaging}", grade)))
    if any(v is False for v in verdicts):
        return False
    if all(v is True for v in verdicts):
        return True
    return None


def overall(verdicts: Iterable[bool | None]) -> bool | None:
    vs = list(verdicts)
    if any(v is False for v in vs):
        return False
    return True if all(v is True for v in vs) else None


def summarize(days: Mapping[date, Mapping[str, Any]], period: Period, *, ruleset: RuleSet | None = None,
              grade: str = "II", sand_dust: Iterable[date] = (), deduct_sand_dust: bool = False) -> PeriodSummary:
    """HJ 663 statistics of one station or area over ``period``.

    ``days`` maps a date to its daily values: ``SO2``, ``NO2``, ``PM10``, ``PM2_5`` (µg/m³), ``CO``
    (mg/m³), ``O3_8h_max`` (µg/m³), ``AQI`` (int) and ``primary`` (e.g. ``"PM2.5,PM10"``); ``None`` =
    missing/invalid. Dates outside the period are ignored.
    """
    rs = ruleset or ruleset_for(period.start)
    dust = {d for d in sand_dust if d in period}
    inside = {d: row for d, row in days.items() if d in period}
    stats = {}
    for p, col in COLUMNS.items():
        valid_days = {d: row[col] for d, row in inside.items() if row.get(col) is not None}
        verdict = validity(valid_days, period)
        deduct = deduct_sand_dust and p in SAND_DUST_DEDUCTED
        used = [v for d, v in valid_days.items() if not (deduct and d in dust)]
        n_sd = sum(1 for d in valid_days if d in dust) if deduct else 0
        xs = [exact(v) for v in used]
        m = sum(xs, Fraction(0)) / len(xs) if xs else None
        q = percentile(xs, percentile_p(p)) if xs else None
        stats[p] = PollutantStat(
            p, None if m is None else round_half_even(m, statistics_dp(p)),
            None if q is None else round_half_even(q, statistics_dp(p)), percentile_name(p), verdict,
            len(used), n_sd, attains(p, m, q, verdict.valid, rs, grade), m, q)
    aqis = [row["AQI"] for row in inside.values() if row.get("AQI") is not None]
    good = sum(1 for a in aqis if a <= 100)
    heavy = sum(1 for a in aqis if a > 200)
    primary = {p: 0 for p in COLUMNS}
    by_label = {v: k for k, v in LABELS.items()}
    for row in inside.values():
        for label in (row.get("primary") or "").split(","):
            if label:
                primary[by_label[label.strip()]] += 1
    return PeriodSummary(
        period, rs.id, grade, stats, len(aqis), good, sum(1 for a in aqis if a > 100), heavy,
        sum(1 for a in aqis if a > 300), _ratio(good, len(aqis)), _ratio(heavy, len(aqis)), primary,
        overall(s.attains for s in stats.values()), "deducted" if deduct_sand_dust else "kept", len(dust),
        validity_rule(period))
