"""序时进度 — the worked example of spec §6.1 and the edges (leap year, last day, infeasible)."""
from fractions import Fraction

import pytest

from lantian.standards.progress import (absolute_on_track, days_in_year, good_days, improvement_rate,
                                        rate_on_track, remaining_allowance, verdict)


def test_worked_example():
    # target 32, Jan–Jun 181 days at 38 ⇒ not on track; R = (32×365 − 38×181)/184 = 4802/184 = 26.1
    assert not absolute_on_track(38, 32)
    r = remaining_allowance(32, 38, 181, 365)
    assert r.value == Fraction(4802, 184) and str(r.shown()) == "26.1" and r.remaining_days == 184
    # last year same period 42, plan −10 %: r = 4/42 = 9.5 % < 10 %
    assert improvement_rate(42, 38) == Fraction(4, 42)
    assert not rate_on_track(42, 38, Fraction(1, 10)) and rate_on_track(42, 37, Fraction(1, 10))
    # good days: 80 % of 365 = 292; 140 of 181 so far; need 152 of 184 (82.6 %)
    g = good_days(Fraction(8, 10), 140, 181, 365)
    assert (g.target_days, g.still_needed, g.remaining_days) == (292, 152, 184)
    assert str(g.required_percent()) == "82.6" and not g.on_track


def test_leap_year_and_edges():
    assert days_in_year(2020) == 366 and days_in_year(2019) == 365 and days_in_year(2100) == 365
    assert good_days("0.8", 0, 0, 366).target_days == 293          # ⌈292.8⌉
    end = remaining_allowance(32, 31, 365, 365)
    assert end.value is None and end.feasible
    assert not remaining_allowance(32, 32.5, 365, 365).feasible        # the year is over, above target
    hopeless = remaining_allowance(30, 60, 300, 365)
    assert hopeless.value < 0 and not hopeless.feasible
    with pytest.raises(ValueError):
        remaining_allowance(30, 30, 366, 365)
    with pytest.raises(ValueError):
        improvement_rate(0, 10)


def test_verdicts():
    g_ok = good_days("0.8", 150, 181, 365)
    assert verdict(pm25_cumulative=30, pm25_target=32, good=g_ok).status == "on_schedule"
    behind = verdict(pm25_cumulative=38, pm25_target=32, good=g_ok, pm25_last_year=42)
    assert behind.status == "behind" and behind.reasons == ("pm25_above_target",)
    serious = verdict(pm25_cumulative=38, pm25_target=32, pm25_last_year=35)
    assert serious.status == "seriously_behind" and "pm25_worse_than_last_year" in serious.reasons


def test_rule_is_configurable():
    from lantian.standards.progress import DEFAULT_RULE, ProgressRule
    g_low = good_days("0.8", 100, 181, 365)              # far below the good-day schedule
    # default: good days below target alone makes a unit behind
    assert verdict(pm25_cumulative=30, pm25_target=32, good=g_low).status == "behind"
    pm_only = ProgressRule(behind_if_any=("pm25_above_target",), name="PM2.5 only")
    assert verdict(pm25_cumulative=30, pm25_target=32, good=g_low, rule=pm_only).status == "on_schedule"
    # seriously behind by margin: 38 > 32 × 1.15 = 36.8, but 36 is not
    margin = ProgressRule(seriously_if_any=("pm25_far_above_target",), far_above_percent=15, name="15%")
    assert verdict(pm25_cumulative=38, pm25_target=32, rule=margin).status == "seriously_behind"
    assert verdict(pm25_cumulative="36.8", pm25_target=32, rule=margin).status == "behind"   # not strictly above
    # improvement-rate method: 40 → 38 is 5.0 % better, exactly the planned 5 %: on track
    rate = ProgressRule(behind_if_any=("pm25_rate_below_plan",), planned_rate_percent=5, name="5%")
    assert verdict(pm25_cumulative=38, pm25_target=32, pm25_last_year=40, rule=rate).status == "on_schedule"
    v = verdict(pm25_cumulative="38.1", pm25_target=32, pm25_last_year=40, rule=rate)
    assert v.status == "behind" and v.reasons == ("pm25_rate_below_plan",)
    # a condition decided elsewhere (the plan's task status) counts only when the rule names it
    tasks = ProgressRule(seriously_if_any=("tasks_seriously_late",), name="tasks")
    assert verdict(pm25_cumulative=38, pm25_target=32, rule=tasks,
                   other_findings=("tasks_seriously_late",)).status == "seriously_behind"
    assert verdict(pm25_cumulative=38, pm25_target=32, rule=DEFAULT_RULE,
                   other_findings=("tasks_seriously_late",)).status == "behind"
    assert "默认规则" in DEFAULT_RULE.describe() and "15%" in margin.describe()
    # slow key tasks make a county behind when the office's rule says so (plan 五（五）预警)
    slow = ProgressRule(behind_if_any=("pm25_above_target", "tasks_late"), name="tasks")
    on_air = dict(pm25_cumulative=30, pm25_target=32)
    assert verdict(**on_air, rule=slow, other_findings=("tasks_late",)).reasons == ("tasks_late",)
    assert verdict(**on_air, other_findings=("tasks_late",)).status == "on_schedule"
    with pytest.raises(ValueError, match="unknown behind condition"):
        ProgressRule(behind_if_any=("pm10_above",))
    with pytest.raises(ValueError, match="far_above_percent"):
        ProgressRule(seriously_if_any=("pm25_far_above_target",))
