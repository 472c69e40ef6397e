"""The plan room's settings (``[plan]`` in the workspace's lantian.toml). Every one is a ⚠ default."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from lantian.errors import UsageError
from lantian.workspace import check_keys


@dataclass(frozen=True)
class PlanSettings:
    at_risk_days: int = 30            # a milestone due within this many days and not done is 有风险
    seriously_late_days: int = 30     # overdue by more than this is 严重滞后 (an input to 约谈)
    stale_report_days: int = 30       # a task whose lead has not reported for this long gets a reminder
    heating_season: tuple[int, int] = (11, 15)   # 采暖季 start (month, day): "当年采暖季前" is due the day before
    reply_days: int = 7               # a 督办函 asks for a reply within this many days


DEFAULT = PlanSettings()


def plan_settings(config: Mapping, source: str = "lantian.toml") -> PlanSettings:
    section = config.get("plan")
    if not section:
        return DEFAULT
    known = {"at_risk_days", "seriously_late_days", "stale_report_days", "heating_season", "reply_days"}
    check_keys(section, known, "plan", source)
    args = {}
    for key in known - {"heating_season"}:
        if key in section:
            value = section[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise UsageError(f"{source}: [plan] {key} must be a whole number of days ≥ 0, not {value!r}")
            args[key] = value
    if "heating_season" in section:
        text = str(section["heating_season"])
        try:
            month, day = (int(x) for x in text.split("-"))
            import datetime as dt
            dt.date(2001, month, day)
        except ValueError:
            raise UsageError(f"{source}: [plan] heating_season must be MM-DD (e.g. \"11-15\"), not {text!r}") \
                from None
        args["heating_season"] = (month, day)
    return PlanSettings(**args)
