"""Rule sets chosen by date (docs/standards.md §7).

Data dated before 2026-03-01 is judged by GB 3095—2012 (with its 2018 amendment),
HJ 633—2012 and HJ 663—2013; from 2026-03-01 by GB 3095—2026 (transitional limits until
2030-12-31, final limits from 2031-01-01), HJ 633—2026 and HJ 663—2026. A rule set can
also be named explicitly; every result carries ``RuleSet.id``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lantian.standards.tables import load

SWITCH_2026 = date(2026, 3, 1)
FINAL_LIMITS = date(2031, 1, 1)


@dataclass(frozen=True)
class RuleSet:
    id: str
    aqi: str          # "HJ633-2012" | "HJ633-2026"
    limits: str       # "GB3095-2012" | "GB3095-2026-transitional" | "GB3095-2026-final"
    evaluation: str   # "HJ663-2013" | "HJ663-2026"

    @property
    def aqi_version(self) -> int:
        return 2012 if self.aqi == "HJ633-2012" else 2026


RULESETS: dict[str, RuleSet] = {
    "2012": RuleSet("2012", "HJ633-2012", "GB3095-2012", "HJ663-2013"),
    "2026": RuleSet("2026", "HJ633-2026", "GB3095-2026-transitional", "HJ663-2026"),
    "2031": RuleSet("2031", "HJ633-2026", "GB3095-2026-final", "HJ663-2026"),
}


def ruleset_for(day: date) -> RuleSet:
    """The rule set in force on ``day``."""
    if day < SWITCH_2026:
        return RULESETS["2012"]
    if day < FINAL_LIMITS:
        return RULESETS["2026"]
    return RULESETS["2031"]


def ruleset_named(name: str | int) -> RuleSet:
    """Look a rule set up by name (``2012``, ``2026``, ``2031``); a clear error otherwise."""
    key = str(name)
    if key not in RULESETS:
        raise KeyError(f"unknown rule set {name!r}; choose one of {', '.join(RULESETS)}")
    return RULESETS[key]


def limit(ruleset: RuleSet, key: str, grade: str = "II") -> float:
    """A GB 3095 limit, e.g. ``limit(rs, 'PM2_5_24h')`` → 75 for the 2012 grade II."""
    for ls in load("gb3095")["limit_sets"]:
        if ls["id"] == ruleset.limits:
            table = ls[f"grade_{grade}"]
            if key not in table:
                raise KeyError(f"{ruleset.limits} has no limit {key!r}")
            return table[key]
    raise KeyError(ruleset.limits)
