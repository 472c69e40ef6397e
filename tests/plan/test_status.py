"""Task and milestone status against the as-of date: the boundaries, measured parts, settings."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace as M

import pytest

from lantian.errors import UsageError
from lantian.plan.importer import milestone_dates
from lantian.plan.parse import ParsedDeadline
from lantian.plan.settings import DEFAULT, PlanSettings, plan_settings
from lantian.plan.status import Measured, milestone_status, task_status

AS_OF = dt.date(2023, 6, 30)


def ms(id=1, due=None, state="open", percent=0):
    return M(id=id, due=due, state=state, percent=percent)


@pytest.mark.parametrize("due, status, late, serious", [
    (dt.date(2023, 6, 30), "at_risk", 0, False),        # due on the as-of date: not yet late
    (dt.date(2023, 7, 30), "at_risk", 0, False),        # 30 days ahead: within at_risk_days
    (dt.date(2023, 7, 31), "on_track", 0, False),
    (dt.date(2023, 6, 29), "overdue", 1, False),
    (dt.date(2023, 5, 31), "overdue", 30, False),       # 30 days late: not yet 严重滞后
    (dt.date(2023, 5, 30), "overdue", 31, True),
    (None, "undated", 0, False),
])
def test_milestone_boundaries(due, status, late, serious):
    s = milestone_status(ms(due=due), AS_OF)
    assert (s.status, s.days_late, s.seriously_late) == (status, late, serious)


def test_done_measured_and_settings():
    assert milestone_status(ms(due=dt.date(2023, 1, 1), state="done"), AS_OF).status == "done"
    red = Measured("pm25_schedule", {"unit": "140403"}, False, "55.9", "behind")
    assert milestone_status(ms(due=dt.date(2024, 1, 1)), AS_OF, measured=red).status == "off_target"
    strict = PlanSettings(at_risk_days=0, seriously_late_days=10)
    assert milestone_status(ms(due=dt.date(2023, 7, 1)), AS_OF, strict).status == "on_track"
    assert milestone_status(ms(due=dt.date(2023, 6, 19)), AS_OF, strict).seriously_late


def test_task_takes_the_worst_part_and_its_percent():
    task = M(done=False)
    parts = [ms(1, dt.date(2023, 12, 31), percent=50), ms(2, dt.date(2023, 6, 1), percent=20),
             ms(3, dt.date(2023, 3, 1), state="done")]
    st = task_status(task, parts, AS_OF)
    assert st.status == "overdue" and st.percent == round((50 + 20 + 100) / 3)
    assert task_status(task, [], AS_OF).status == "unscheduled"
    assert task_status(task, [], AS_OF, reported_percent=60).percent == 60
    green = Measured("pm25_schedule", {}, True, "30", "ok")
    assert task_status(task, [], AS_OF, commitments=[green]).status == "on_track"
    red = Measured("pm25_schedule", {}, False, "60", "behind")
    assert task_status(task, parts, AS_OF, commitments=[red]).status == "off_target"
    assert task_status(M(done=True), parts, AS_OF).status == "done"


def test_deadlines_become_dates_per_plan_year():
    issued, period = dt.date(2023, 6, 7), (2022, 2023)
    assert milestone_dates(ParsedDeadline("2023年6月底前", "date", dt.date(2023, 6, 30)), issued, period, DEFAULT) \
        == [dt.date(2023, 6, 30)]
    assert milestone_dates(ParsedDeadline("每年5月底前", "yearly", None, 5, 31), issued, (2023, 2025), DEFAULT) \
        == [dt.date(2023, 5, 31), dt.date(2024, 5, 31), dt.date(2025, 5, 31)]
    assert milestone_dates(ParsedDeadline("当年采暖季前", "heating_season"), issued, period, DEFAULT) \
        == [dt.date(2023, 11, 14)]
    early = PlanSettings(heating_season=(11, 1))
    assert milestone_dates(ParsedDeadline("采暖季前", "heating_season"), issued, period, early) == [dt.date(2023, 10, 31)]


@pytest.mark.parametrize("section, message", [
    ({"at_risk": 3}, "has no setting at_risk"),
    ({"at_risk_days": -1}, "whole number of days"),
    ({"heating_season": "11/15"}, "MM-DD"),
    ({"heating_season": "02-30"}, "MM-DD"),
])
def test_bad_plan_settings(section, message):
    with pytest.raises(UsageError, match=message):
        plan_settings({"plan": section})
    assert plan_settings({"plan": {"heating_season": "11-01"}}).heating_season == (11, 1)
