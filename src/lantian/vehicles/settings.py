"""The ``[vehicles]`` settings of a workspace (lantian.toml), with their defaults (⚠ open points):

```toml
[vehicles]
freight_threshold_tonnes = 1500000   # 任务11 年货运量150万吨以上 (以上 includes the number)
silence_hours = 24                   # a gate with no record for longer is flagged (停传)
indicator_days = 30                  # the plan indicator looks at the last N days up to the as-of date
```
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from lantian.errors import UsageError

FREIGHT_THRESHOLD = Fraction(1_500_000)     # ⚠ t/a, 行动计划 任务11
SILENCE_HOURS = 24                          # ⚠ h; no national number found for 门禁停传
INDICATOR_DAYS = 30                         # ⚠ d


@dataclass(frozen=True)
class Settings:
    freight_threshold: Fraction = FREIGHT_THRESHOLD
    silence_hours: int = SILENCE_HOURS
    indicator_days: int = INDICATOR_DAYS


def settings(config: dict | None) -> Settings:
    section = (config or {}).get("vehicles", {})
    unknown = set(section) - {"freight_threshold_tonnes", "silence_hours", "indicator_days"}
    if unknown:
        raise UsageError(f"[vehicles] has unknown key(s) {', '.join(sorted(unknown))}; known: "
                         "freight_threshold_tonnes, silence_hours, indicator_days")
    try:
        threshold = Fraction(str(section.get("freight_threshold_tonnes", FREIGHT_THRESHOLD)))
        hours = int(section.get("silence_hours", SILENCE_HOURS))
        days = int(section.get("indicator_days", INDICATOR_DAYS))
    except (TypeError, ValueError):
        raise UsageError("[vehicles] settings are numbers") from None
    if threshold <= 0 or hours <= 0 or days <= 0:
        raise UsageError("[vehicles] settings must be above 0")
    return Settings(threshold, hours, days)
