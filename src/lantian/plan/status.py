"""Task and milestone status against the workspace's as-of date (docs/architecture.md "Time").

A milestone is done (or cancelled), overdue (due before the as-of date and not done; 严重滞后 when
more than ``seriously_late_days`` late), at risk (due within ``at_risk_days``), on track, or
undated. A measured milestone or commitment (bound to an indicator) is decided by the data:
red is ``off_target``. A task takes the worst of its parts; with no milestone and no indicator
its status is only what the office typed (``unscheduled`` until closed).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from lantian.plan.settings import DEFAULT, PlanSettings

#: worst first
ORDER = ("off_target", "overdue", "at_risk", "on_track", "unscheduled", "done")
LABELS = {"off_target": "指标未达", "overdue": "逾期", "at_risk": "临期", "on_track": "正常推进",
          "unscheduled": "未设节点", "done": "已完成", "cancelled": "已取消", "undated": "持续推进"}


@dataclass(frozen=True)
class Measured:
    """One indicator's reading: ``ok`` True (green), False (red) or None (no data to decide)."""
    indicator: str
    params: dict
    ok: bool | None
    value: str
    detail: str
    as_of: dt.date | None = None
    synthetic: bool = False         # decided on synthetic (demo) records or targets


@dataclass
class MilestoneStatus:
    id: int
    status: str                   # done | cancelled | off_target | overdue | at_risk | on_track | undated
    days_late: int = 0
    seriously_late: bool = False
    measured: Measured | None = None


@dataclass
class TaskStatus:
    status: str
    percent: int
    milestones: list[MilestoneStatus] = field(default_factory=list)
    measured: list[Measured] = field(default_factory=list)
    seriously_late: bool = False


def milestone_status(m, as_of: dt.date, settings: PlanSettings = DEFAULT,
                     measured: Measured | None = None) -> MilestoneStatus:
    if m.state in ("done", "cancelled"):
        return MilestoneStatus(m.id, m.state, measured=measured)
    if measured is not None and measured.ok is False:
        return MilestoneStatus(m.id, "off_target", measured=measured)
    if m.due is None:
        return MilestoneStatus(m.id, "undated", measured=measured)
    late = (as_of - m.due).days
    if late > 0:
        return MilestoneStatus(m.id, "overdue", late, late > settings.seriously_late_days, measured)
    if -late <= settings.at_risk_days:
        return MilestoneStatus(m.id, "at_risk", measured=measured)
    return MilestoneStatus(m.id, "on_track", measured=measured)


def task_status(task, milestones: list, as_of: dt.date, settings: PlanSettings = DEFAULT,
                measured: dict | None = None, commitments: list[Measured] = (),
                reported_percent: int | None = None) -> TaskStatus:
    """``measured`` maps milestone id → its reading; ``commitments`` are the task's measured
    commitments; ``reported_percent`` the last percent reported on the task as a whole, its progress
    when it has no milestone."""
    measured = measured or {}
    parts = [milestone_status(m, as_of, settings, measured.get(m.id)) for m in milestones]
    readings = [p.measured for p in parts if p.measured is not None] + list(commitments)
    live = [p for p in parts if p.status != "cancelled"]
    percent = _percent(milestones) if live else (reported_percent or 0)
    if task.done:
        return TaskStatus("done", 100, parts, readings)
    worst = "unscheduled"
    if any(r.ok is False for r in commitments):
        worst = "off_target"
    for p in live:
        status = {"undated": "on_track", "done": "on_track"}.get(p.status, p.status)
        if ORDER.index(status) < ORDER.index(worst):
            worst = status
    if worst == "unscheduled" and any(r.ok is True for r in commitments):
        worst = "on_track"
    return TaskStatus(worst, percent, parts, readings, any(p.seriously_late for p in parts))


def _percent(milestones: list) -> int:
    live = [m for m in milestones if m.state != "cancelled"]
    if not live:
        return 0
    return round(sum(100 if m.state == "done" else (m.percent or 0) for m in live) / len(live))
