"""序时进度 over the store: each county's (and the city's) year-to-date against its targets."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Mapping, Sequence

import pyarrow as pa

from lantian.assessment.coverage import Coverage, coverage
from lantian.assessment.statistics import area_daily_units, period_statistics
from lantian.errors import UsageError
from lantian.workspace import check_keys
from lantian.measurements.store import Store
from lantian.standards import period as ref
from lantian.standards import progress as std
from lantian.assessment.networks import describe, Membership, fixed


@dataclass
class UnitProgress:
    unit: str
    name: str
    date: dt.date
    valid_days: int
    pm25: float | None                      # cumulative (year-to-date) PM2.5, statistics decimals
    pm25_last_year: float | None
    good_days: int
    good_ratio: float | None                # %
    heavy_days: int
    pm25_target: Fraction | None = None
    good_ratio_target: Fraction | None = None
    allowance: std.Allowance | None = None
    good: std.GoodDays | None = None
    verdict: std.Verdict | None = None
    synthetic_targets: bool = False
    aqi_days: int = 0                       # days with a valid daily AQI
    notes: list[str] = field(default_factory=list)
    coverage: Coverage | None = None        # what the year to date's data covers (HJ 663 minimums)
    stations: list[dict] = field(default_factory=list)   # the assessment stations used (networks.Membership.used)
    level: str | None = None                # city | county | zone (networks.Membership.levels)

    @property
    def complete(self) -> bool:
        return self.coverage is not None and self.coverage.complete

    def as_dict(self) -> dict:
        c = self.coverage
        return {"unit": self.unit, "name": self.name, "date": self.date.isoformat(), "valid_days": self.valid_days,
                "aqi_days": self.aqi_days, "days": None if c is None else c.days,
                "last_day": None if c is None or c.last_day is None else c.last_day.isoformat(),
                "complete": self.complete, "coverage_text": None if c is None else c.text(),
                "coverage_problem": None if c is None else c.problem(),
                "stations": self.stations, "stations_text": describe(self.stations),
                "pm25": self.pm25, "pm25_last_year": self.pm25_last_year, "pm25_target":
                None if self.pm25_target is None else float(self.pm25_target),
                "good_days": self.good_days, "good_ratio": self.good_ratio,
                "good_ratio_target": None if self.good_ratio_target is None else float(self.good_ratio_target * 100),
                "heavy_days": self.heavy_days,
                "remaining_allowance": None if not self.allowance or self.allowance.value is None
                else float(self.allowance.shown()),
                "remaining_days": None if not self.allowance else self.allowance.remaining_days,
                "good_days_target": None if not self.good else self.good.target_days,
                "good_days_needed": None if not self.good else self.good.still_needed,
                "required_good_ratio": None if not self.good or self.good.required_ratio is None
                else float(self.good.required_percent()),
                "status": None if not self.verdict else self.verdict.status,
                "reasons": [] if not self.verdict else list(self.verdict.reasons),
                "rule": None if not self.verdict else self.verdict.rule,
                "synthetic_targets": self.synthetic_targets, "notes": self.notes}


SETTINGS_KEY = "assessment.progress"


def progress_rule(config: Mapping, source: str = "lantian.toml") -> std.ProgressRule:
    """The workspace's 滞后/严重滞后 rule (``[assessment.progress]``), else the named default."""
    section = config.get("assessment", {}).get("progress")
    if not section:
        return std.DEFAULT_RULE
    known = {"behind_if_any", "seriously_if_any", "far_above_percent", "planned_rate_percent", "name"}
    check_keys(section, known, SETTINGS_KEY, source)
    args = {}
    for key in ("behind_if_any", "seriously_if_any"):
        if key in section:
            value = section[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise UsageError(f"{source}: [{SETTINGS_KEY}] {key} must be a list of condition names")
            args[key] = tuple(value)
    for key in ("far_above_percent", "planned_rate_percent"):
        if key in section:
            value = section[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise UsageError(f"{source}: [{SETTINGS_KEY}] {key} must be a number ≥ 0, not {value!r}")
            args[key] = Fraction(str(value))
    args["name"] = str(section.get("name", "lantian.toml"))
    try:
        return std.ProgressRule(**args)
    except ValueError as exc:
        raise UsageError(f"{source}: [{SETTINGS_KEY}] {exc}") from None


#: the notes a unit's row carries, in the words the pages and documents print
NO_DATA = "本期无有效监测数据"
NO_TARGETS = "本年度未设定目标"


def progress(store: Store, units, names: Mapping[str, str], day: dt.date,
             targets: Mapping[str, Mapping[str, object]], con,
             sand_dust: Mapping[str, Sequence[dt.date]] | None = None,
             rule: std.ProgressRule = std.DEFAULT_RULE,
             findings: Mapping[str, Sequence[str]] | None = None, daily: pa.Table | None = None) -> list[UnitProgress]:
    """Year-to-date statistics of every unit up to ``day`` and the three methods of docs/standards.md §6.1.

    ``sand_dust`` days (unit → dates) are deducted from the PM2.5 cumulative mean, kept in the
    good-day counts (CNEMC practice, docs/standards.md §3.4). ``units``: a
    :class:`~lantian.assessment.networks.Membership` (or a mapping unit → stations). ``daily`` may give
    the units' daily values from 1 January of the year before (columns as :func:`area_daily_units`),
    already computed. Each row says what its data covers (:mod:`lantian.assessment.coverage`) and
    which stations it used."""
    members = units if isinstance(units, Membership) else fixed(units)
    ytd = ref.year_to_date(day)
    last = ref.same_period_last_year(ytd)
    method = "given"
    if daily is None:
        series = area_daily_units(store, members, last.start, ytd.end, con)
        daily, method = series.table, series.method
    covered = coverage(daily, members.units, ytd.start, ytd.end)
    stats = period_statistics(daily, [ytd, last], con, method=method, sand_dust=sand_dust or None,
                              deduct_sand_dust=bool(sand_dust)).table.to_pylist()
    by = {(r["unit"], r["period"]): r for r in stats}
    year_days = std.days_in_year(day.year)
    out = []
    for unit in members.units:
        now = by.get((unit, ytd.label))
        before = by.get((unit, last.label))
        used = members.used(unit, ytd.start, ytd.end)
        if now is None or not now["n_aqi_days"]:
            out.append(UnitProgress(unit, names.get(unit, unit), day, 0, None, None, 0, None, 0,
                                    notes=[NO_DATA], coverage=covered[unit], stations=used,
                                    level=members.levels.get(unit)))
            continue
        p = UnitProgress(unit, names.get(unit, unit), day, int(now["n_PM2_5"] or 0), now["mean_PM2_5"],
                         None if before is None else before["mean_PM2_5"], int(now["good_days"] or 0),
                         now["good_ratio"], int(now["heavy_days"] or 0), coverage=covered[unit], stations=used,
                         level=members.levels.get(unit))
        t = targets.get(unit, {})
        p.aqi_days = int(now["n_aqi_days"] or 0)
        # elapsed = calendar days since 1 January (⚠ default; the letter states the same arithmetic)
        elapsed = ytd.n_days
        if "pm25_mean" in t:
            p.pm25_target = Fraction(str(t["pm25_mean"].value))
            if p.pm25 is not None:
                p.allowance = std.remaining_allowance(p.pm25_target, Fraction(str(p.pm25)), elapsed, year_days)
        if "good_day_ratio" in t:
            p.good_ratio_target = Fraction(str(t["good_day_ratio"].value)) / 100
            p.good = std.good_days(p.good_ratio_target, p.good_days, elapsed, year_days, valid_so_far=p.aqi_days)
        p.synthetic_targets = any(getattr(x, "synthetic", False) for x in t.values())
        if p.pm25_target is not None or p.good is not None:
            last_ratio = None if before is None or before["good_ratio"] is None else Fraction(str(before["good_ratio"]))
            p.verdict = std.verdict(pm25_cumulative=None if p.pm25 is None else Fraction(str(p.pm25)),
                                    pm25_target=p.pm25_target, good=p.good,
                                    pm25_last_year=None if p.pm25_last_year is None else Fraction(str(p.pm25_last_year)),
                                    good_ratio_last_year=last_ratio,
                                    good_ratio_now=None if p.good_ratio is None else Fraction(str(p.good_ratio)),
                                    rule=rule, other_findings=tuple((findings or {}).get(unit, ())))
        else:
            p.notes.append(NO_TARGETS)
        out.append(p)
    return out
