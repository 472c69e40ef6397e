"""The fire-point room's settings (``[fires]`` in the workspace's lantian.toml). Every one is a ⚠ default:
no national rule fixes them (docs/standards.md §6.3 "scoring rules local ⚠"); the plan (行动计划 任务15) names the
four key time slots 收工时、上半夜、下雨前、播种前 without clock times.

```toml
[fires]
merge_distance_km = 2        # detections this close …
merge_hours = 12             # … and this close in time are the same fire
deadline_hours = 24          # a county verifies a fire point within this many hours of its detection
work_end = "17:00-20:00"     # 收工时 (Beijing time, start inclusive, end exclusive)
first_half_night = "20:00-24:00"   # 上半夜
rain_days_before = 1         # 下雨前: the rain day and this many days before it
min_confidence = "low"       # satellite points kept: low (all), nominal or high (FIRMS' classes)
utilisation_target = 90      # 秸秆综合利用率 target, percent (the plan: "稳定达到90％以上")
townships = "townships.json" # optional township layer (GeoJSON, features with a name), relative to the workspace
[fires.seasons]              # statistics seasons, MM-DD..MM-DD (a season may run over the new year)
"夏收" = "05-20..07-31"
"秋收" = "09-20..11-20"
```
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Mapping

from lantian.errors import UsageError
from lantian.workspace import check_keys

#: ⚠ docs/standards.md §6.3 names summer 5-20…7-31 and autumn 9-20…11-20 as examples; spring (春耕) is the plan's
#: 春耕、秋收阶段 patrol, its dates a local choice.
SEASONS = {"春耕": "03-01..05-19", "夏收": "05-20..07-31", "秋收": "09-20..11-20"}
KNOWN = {"merge_distance_km", "merge_hours", "deadline_hours", "work_end", "first_half_night", "rain_days_before",
         "utilisation_target", "townships", "seasons", "min_confidence"}
CONFIDENCE = ("low", "nominal", "high")


@dataclass(frozen=True)
class Window:
    """A clock window [start, end) in minutes after midnight, Beijing time; 24:00 is 1440."""
    start: int
    end: int

    def contains(self, minute: int) -> bool:
        if self.start <= self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end          # runs past midnight

    def __str__(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}–{self.end // 60:02d}:{self.end % 60:02d}"


@dataclass(frozen=True)
class Season:
    name: str
    start: tuple[int, int]      # (month, day)
    end: tuple[int, int]

    def year_of(self, day: dt.date) -> int | None:
        """The season year ``day`` falls in (the year the season starts), or None when outside."""
        key = (day.month, day.day)
        if self.start <= self.end:
            return day.year if self.start <= key <= self.end else None
        if key >= self.start:
            return day.year
        return day.year - 1 if key <= self.end else None

    def dates(self, year: int) -> tuple[dt.date, dt.date]:
        end_year = year if self.start <= self.end else year + 1
        return dt.date(year, *self.start), dt.date(end_year, *self.end)

    def __str__(self) -> str:
        return f"{self.start[0]:02d}-{self.start[1]:02d}..{self.end[0]:02d}-{self.end[1]:02d}"


def _season(name: str, text: str, source: str) -> Season:
    try:
        a, b = str(text).split("..")
        start = tuple(int(x) for x in a.strip().split("-"))
        end = tuple(int(x) for x in b.strip().split("-"))
        dt.date(2001, *start), dt.date(2001, *end)          # 02-29 is not a season boundary
    except (ValueError, TypeError):
        raise UsageError(f"{source}: [fires.seasons] {name} must be MM-DD..MM-DD (e.g. \"05-20..07-31\"), "
                         f"not {text!r}") from None
    return Season(name, start, end)          # type: ignore[arg-type]


@dataclass(frozen=True)
class FireSettings:
    merge_distance_km: Fraction = Fraction(2)     # ⚠ a MODIS pixel is 1 km at nadir, up to ~2 × 4.8 km at the edge
    merge_hours: int = 12                         # ⚠ Terra ~10:30/22:30, Aqua and Suomi NPP ~13:30/01:30 local
    deadline_hours: int = 24                      # ⚠ "核查反馈" within 24 h of the detection
    work_end: Window = Window(17 * 60, 20 * 60)           # ⚠ 收工时
    first_half_night: Window = Window(20 * 60, 24 * 60)   # ⚠ 上半夜
    rain_days_before: int = 1                     # ⚠ 下雨前
    utilisation_target: Fraction = Fraction(90)   # 秸秆综合利用率 ≥ 90 % (the plan); ⚠ as a setting
    townships: str | None = None
    min_confidence: str = "low"                   # ⚠ keep every satellite point: each is verified on the ground
    seasons: tuple[Season, ...] = field(default_factory=lambda: tuple(_season(n, t, "default")
                                                                      for n, t in SEASONS.items()))


DEFAULT = FireSettings()


def _window(key: str, text, source: str) -> Window:
    try:
        a, b = str(text).replace("–", "-").split("-")
        parts = [tuple(int(x) for x in t.strip().split(":")) for t in (a, b)]
        start, end = (h * 60 + m for h, m in parts)
        if not (0 <= start < 1440 and 0 < end <= 1440) or any(not 0 <= m < 60 for _, m in parts):
            raise ValueError(text)
    except (ValueError, TypeError):
        raise UsageError(f"{source}: [fires] {key} must be HH:MM-HH:MM (e.g. \"17:00-20:00\"), not {text!r}") from None
    return Window(start, end)


def _positive(key: str, value, source: str, whole: bool = True):
    if isinstance(value, bool):
        raise UsageError(f"{source}: [fires] {key} must be a number, not {value!r}")
    try:
        number = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        raise UsageError(f"{source}: [fires] {key} must be a number, not {value!r}") from None
    if number < 0 or (whole and number.denominator != 1):
        raise UsageError(f"{source}: [fires] {key} must be {'a whole number' if whole else 'a number'} ≥ 0, "
                         f"not {value!r}")
    return int(number) if whole else number


def fire_settings(config: Mapping | None, source: str = "lantian.toml") -> FireSettings:
    """The ``[fires]`` settings of a workspace config dict, each missing one at its ⚠ default."""
    section = (config or {}).get("fires")
    if not section:
        return DEFAULT
    check_keys(section, KNOWN, "fires", source)
    args: dict = {}
    for key in ("merge_hours", "deadline_hours", "rain_days_before"):
        if key in section:
            args[key] = _positive(key, section[key], source)
    for key in ("merge_distance_km", "utilisation_target"):
        if key in section:
            args[key] = _positive(key, section[key], source, whole=False)
    for key in ("work_end", "first_half_night"):
        if key in section:
            args[key] = _window(key, section[key], source)
    if "min_confidence" in section:
        if section["min_confidence"] not in CONFIDENCE:
            raise UsageError(f"{source}: [fires] min_confidence must be one of {', '.join(CONFIDENCE)}, "
                             f"not {section['min_confidence']!r}")
        args["min_confidence"] = section["min_confidence"]
    if "townships" in section:
        args["townships"] = str(section["townships"])
    if "seasons" in section:
        seasons = section["seasons"]
        if not isinstance(seasons, Mapping) or not seasons:
            raise UsageError(f"{source}: [fires.seasons] must name seasons, e.g. \"夏收\" = \"05-20..07-31\"")
        args["seasons"] = tuple(_season(str(n), t, source) for n, t in seasons.items())
    return FireSettings(**args)
