"""序时进度 — schedule progress against an annual target (docs/standards.md §6.1; practice, no single national formula).

Three methods, all selectable, all exact (fractions; rounding only for display):

- absolute (绝对值法): the cumulative PM2.5 (mean of the valid daily means from 1 January to the
  date) is at or below the annual target;
- improvement rate (改善率法): the cumulative reduction against the same period last year reaches
  the planned annual reduction rate;
- remaining daily allowance (剩余日控制值): the mean the rest of the year may not exceed,
  R = (T·D_year − C_cum·D_elapsed) / (D_year − D_elapsed), over valid-day counts;
and for good days: the days the target ratio needs, G = ⌈ratio·D_year⌉ (⚠ rounding up is a
default), the days still needed and the ratio the rest of the year must keep.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from lantian.standards.rounding import Number, ceil_fraction, exact, round_half_even


def days_in_year(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


@dataclass(frozen=True)
class Allowance:
    """剩余日控制值: the mean the remaining days may not exceed (None when no day remains)."""
    value: Fraction | None
    remaining_days: int
    feasible: bool          # False when even zero for the rest of the year cannot meet the target

    def shown(self, dp: int = 1):
        return None if self.value is None else round_half_even(self.value, dp)


def absolute_on_track(cumulative: Number, target: Number) -> bool:
    """绝对值法: cumulative concentration at or below the annual target."""
    return exact(cumulative) <= exact(target)


def improvement_rate(last_year_same_period: Number, cumulative: Number) -> Fraction:
    """改善率: (C_last − C_cum) / C_last (a fraction; ×100 for %)."""
    last = exact(last_year_same_period)
    if last == 0:
        raise ValueError("the same period last year has no concentration to improve on")
    return (last - exact(cumulative)) / last


def rate_on_track(last_year_same_period: Number, cumulative: Number, planned_rate: Number) -> bool:
    """改善率法: the cumulative improvement reaches the planned annual reduction rate."""
    return improvement_rate(last_year_same_period, cumulative) >= exact(planned_rate)


def remaining_allowance(target: Number, cumulative: Number, elapsed_days: int, year_days: int) -> Allowance:
    """剩余日控制值 R = (T·D_year − C_cum·D_elapsed) / (D_year − D_elapsed)."""
    if not 0 <= elapsed_days <= year_days:
        raise ValueError(f"elapsed days {elapsed_days} outside 0…{year_days}")
    remaining = year_days - elapsed_days
    budget = exact(target) * year_days - exact(cumulative) * elapsed_days
    if remaining == 0:
        return Allowance(None, 0, budget >= 0)
    value = budget / remaining
    return Allowance(value, remaining, value >= 0)


@dataclass(frozen=True)
class GoodDays:
    target_days: int        # G = ⌈ratio · D_year⌉
    so_far: int
    still_needed: int       # "距离年目标值差 X 天"
    remaining_days: int
    required_ratio: Fraction | None   # what the rest of the year must keep (None: no day remains)
    on_track: bool          # cumulative ratio ≥ target ratio

    def required_percent(self, dp: int = 1):
        return None if self.required_ratio is None else round_half_even(self.required_ratio * 100, dp)


def good_days(target_ratio: Number, good_so_far: int, elapsed: int, year_days: int,
              valid_so_far: int | None = None) -> GoodDays:
    """Good-day (优良天数) schedule: target days, days still needed, the ratio the rest must keep.

    ``elapsed`` days of the year have passed; the ratio so far is over ``valid_so_far`` days with a
    valid AQI (default: all elapsed days)."""
    ratio = exact(target_ratio)
    target = ceil_fraction(ratio * year_days)
    remaining = year_days - elapsed
    needed = max(target - good_so_far, 0)
    required = Fraction(needed, remaining) if remaining > 0 else None
    valid = elapsed if valid_so_far is None else valid_so_far
    on_track = valid > 0 and Fraction(good_so_far, valid) >= ratio
    return GoodDays(target, good_so_far, needed, remaining, required, on_track)


@dataclass(frozen=True)
class Verdict:
    status: str             # "on_schedule" | "behind" | "seriously_behind"
    reasons: tuple[str, ...]
    rule: str


#: what can make a unit 滞后 (behind): failures against this year's target
BEHIND_CONDITIONS = {
    "pm25_above_target": "PM2.5累计浓度高于年度目标",
    "good_days_below_target": "优良天数进度低于年度目标",
    "pm25_rate_below_plan": "PM2.5改善率低于计划改善率",
    "tasks_late": "重点任务进展缓慢",
}
#: what can make a behind unit 严重滞后 (seriously behind)
SERIOUS_CONDITIONS = {
    "pm25_worse_than_last_year": "PM2.5累计浓度同比上升",
    "good_days_worse_than_last_year": "优良天数比例同比下降",
    "pm25_far_above_target": "PM2.5累计浓度超出年度目标的幅度超过设定比例",
    "tasks_seriously_late": "重点任务进展严重滞后",
    "findings_unresolved": "督察反馈问题整改不到位",
}


@dataclass(frozen=True)
class ProgressRule:
    """Which failures make a unit behind (滞后) and seriously behind (严重滞后) — docs/standards.md §6.1, plan 五（五）.

    ⚠ Every field is a configurable default (``[assessment.progress]`` in the workspace's
    lantian.toml). The default: behind = cumulative PM2.5 above target or good-day progress below
    target; seriously behind = behind and also worse than the same period last year.
    """
    behind_if_any: tuple[str, ...] = ("pm25_above_target", "good_days_below_target")
    seriously_if_any: tuple[str, ...] = ("pm25_worse_than_last_year", "good_days_worse_than_last_year")
    far_above_percent: Fraction | None = None      # for pm25_far_above_target, e.g. 10 (%)
    planned_rate_percent: Fraction | None = None   # for pm25_rate_below_plan, e.g. 5 (% a year)
    name: str = "default"

    def __post_init__(self):
        for key in self.behind_if_any:
            if key not in BEHIND_CONDITIONS:
                raise ValueError(f"unknown behind condition {key!r}; one of {', '.join(BEHIND_CONDITIONS)}")
        for key in self.seriously_if_any:
            if key not in SERIOUS_CONDITIONS:
                raise ValueError(f"unknown seriously-behind condition {key!r}; one of {', '.join(SERIOUS_CONDITIONS)}")
        if "pm25_far_above_target" in self.seriously_if_any and self.far_above_percent is None:
            raise ValueError("pm25_far_above_target needs far_above_percent")
        if "pm25_rate_below_plan" in self.behind_if_any and self.planned_rate_percent is None:
            raise ValueError("pm25_rate_below_plan needs planned_rate_percent")

    def describe(self) -> str:
        """The rule in words, as letters and pages state it."""
        behind = "或".join(self._label(k, BEHIND_CONDITIONS) for k in self.behind_if_any)
        serious = "或".join(self._label(k, SERIOUS_CONDITIONS) for k in self.seriously_if_any)
        text = f"滞后：{behind}；严重滞后：滞后且{serious}" if serious else f"滞后：{behind}"
        return text + ("（默认规则）" if self.name == "default" else f"（{self.name}）")

    def _label(self, key: str, table: dict) -> str:
        if key == "pm25_far_above_target":
            return f"PM2.5累计浓度超出年度目标{self.far_above_percent}%以上"
        if key == "pm25_rate_below_plan":
            return f"PM2.5同比改善率低于{self.planned_rate_percent}%"
        return table[key]


DEFAULT_RULE = ProgressRule()


def verdict(*, pm25_cumulative: Number | None, pm25_target: Number | None, good: GoodDays | None = None,
            pm25_last_year: Number | None = None, good_ratio_last_year: Number | None = None,
            good_ratio_now: Number | None = None, rule: ProgressRule = DEFAULT_RULE,
            other_findings: tuple[str, ...] = ()) -> Verdict:
    """On schedule, behind or seriously behind under ``rule``.

    ``other_findings`` are conditions decided outside the air-quality data — ``tasks_late`` and
    ``tasks_seriously_late`` from the plan's task status — and count only when the rule lists them.
    """
    failed = set()
    if pm25_cumulative is not None and pm25_target is not None and not absolute_on_track(pm25_cumulative, pm25_target):
        failed.add("pm25_above_target")
    if good is not None and not good.on_track:
        failed.add("good_days_below_target")
    if rule.planned_rate_percent is not None and pm25_last_year is not None and pm25_cumulative is not None \
            and exact(pm25_last_year) > 0 \
            and not rate_on_track(pm25_last_year, pm25_cumulative, exact(rule.planned_rate_percent) / 100):
        failed.add("pm25_rate_below_plan")
    failed |= set(other_findings) & set(BEHIND_CONDITIONS)
    reasons = [k for k in rule.behind_if_any if k in failed]
    if not reasons:
        return Verdict("on_schedule", (), rule.describe())
    worse = set(other_findings)
    if pm25_last_year is not None and pm25_cumulative is not None and exact(pm25_cumulative) > exact(pm25_last_year):
        worse.add("pm25_worse_than_last_year")
    if good_ratio_last_year is not None and good_ratio_now is not None and \
            exact(good_ratio_now) < exact(good_ratio_last_year):
        worse.add("good_days_worse_than_last_year")
    if rule.far_above_percent is not None and pm25_cumulative is not None and pm25_target is not None and \
            exact(pm25_cumulative) > exact(pm25_target) * (1 + exact(rule.far_above_percent) / 100):
        worse.add("pm25_far_above_target")
    serious = [k for k in rule.seriously_if_any if k in worse]
    return Verdict("seriously_behind" if serious else "behind", tuple(reasons + serious), rule.describe())
