"""Seasonal control: the summer ozone response (task 20, 夏季臭氧污染应急管控 — the plan says 探索,
so the trigger is a setting) and autumn–winter staggered production (task 21, 秋冬季差异化错峰生产,
by performance grade and location).

Settings (``[emergency.ozone]`` and ``[emergency.staggered]`` in lantian.toml), all ⚠ defaults:
- ozone: a day triggers when its forecast O3 8-h IAQI is above ``iaqi_above`` (150, i.e. worse
  than 轻度污染); interruptible VOCs processes work outside ``hours`` (10:00–18:00, the plan's text);
  task 20 is met when every enterprise acknowledged and ``compliance_percent`` (100) of those
  verified complied;
- staggered: the season runs ``start``–``end`` (11-15 … 03-15); D grade stops for the season,
  C staggers (停产50%以生产线计), A/B/B-/引领性 are exempt (Shanxi 2020, docs/standards.md §5.4); an enterprise
  within ``near_km`` (20 km, task 4) of the urban centre ``centre`` is treated one grade stricter, and
  one inside 市区规划区 (task 2: 更为严格的差异化错峰生产) ``planning_area_steps`` (1) grade(s) stricter again;
  the issued calendar is acknowledged within ``ack_days`` (7) of its issue.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from lantian.standards import aqi, rulesets

OZONE = {"iaqi_above": 150, "hours": "10:00-18:00", "compliance_percent": 100,
         "uninterruptible": ["化工", "焦化"],
         "interruptible": ["工业涂装", "包装印刷", "家具制造", "人造板", "涂料", "油墨", "制药", "农药"]}
STAGGERED = {"start": "11-15", "end": "03-15", "near_km": 20, "centre": [113.116, 36.195], "planning_area_steps": 1,
             "ack_days": 7,
             "industries": ["钢铁", "水泥", "焦化", "铸造", "铁合金", "耐火材料", "石灰窑", "砖瓦窑", "陶瓷", "玻璃", "炭素"]}
CITY_WIDE_OZONE = ("严禁户外涂装作业和城市建成区建筑墙体涂刷", "道路划线、栏杆喷涂、道路沥青铺装等户外工程高温时段避峰作业",
                   "引导汽车维修、干洗等涉挥发性有机物生活污染源错时作业")


def settings(config: dict | None, name: str, default: dict) -> dict:
    return dict(default, **(config or {}).get("emergency", {}).get(name, {}))


# --------------------------------------------------------------------------- ozone (task 20)
@dataclass
class OzoneDay:
    day: dt.date
    o3_8h: float
    iaqi: int
    triggered: bool


def ozone_days(start: dt.date, forecast_o3_8h: list[float], config: dict | None = None) -> list[OzoneDay]:
    """Each forecast day's O3 8-h IAQI (HJ 633 of the day's rule set) and whether it triggers."""
    s = settings(config, "ozone", OZONE)
    out = []
    for i, value in enumerate(forecast_o3_8h):
        day = start + dt.timedelta(days=i)
        iaqi = aqi.iaqi("O3_8h_max", value, rulesets.ruleset_for(day).aqi_version)   # HJ 633 of the day
        # HJ 633 table 1 note: above 800 µg/m³ the 8-h IAQI is not computed (None) — its IAQI is above 300,
        # so the day triggers (a 500 before: None > int)
        out.append(OzoneDay(day, value, iaqi, iaqi is None or iaqi > s["iaqi_above"]))
    return out


def ozone_schedule(profiles: list[dict], voc_enterprises: set[int], config: dict | None = None) -> list[dict]:
    """Who does what during an ozone response: uninterruptible processes cut load, interruptible VOCs
    processes (by industry, or any enterprise with VOCs treatment on its ledger) work outside the hours."""
    s = settings(config, "ozone", OZONE)
    out = []
    for p in profiles:
        if p["industry"] in s["uninterruptible"]:
            what = "不可中断工序：涉VOCs工段压减负荷、错时出焦/错时生产"
        elif p["industry"] in s["interruptible"] or p["id"] in voc_enterprises:
            what = f"涉VOCs排放工序{s['hours'].replace('-', '—')}停止，错时生产"
        else:
            continue
        out.append({"enterprise_id": p["id"], "name": p["name"], "county": p["county"], "industry": p["industry"],
                    "measure": what})
    return out


# --------------------------------------------------------------------------- 错峰生产 (task 21)
def _season(year: int, s: dict) -> tuple[dt.date, dt.date]:
    sm, sd = (int(x) for x in s["start"].split("-"))
    em, ed = (int(x) for x in s["end"].split("-"))
    return dt.date(year, sm, sd), dt.date(year + 1, em, ed)


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine, mean earth radius 6371.0088 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


STRICTER = {"引领性": "A", "A": "B", "B-": "C", "B": "C", "C": "D", "D": "D", None: "D"}


def stricter(grade: str | None, steps: int) -> str | None:
    """The grade ``steps`` stricter (D stays D; 未评级 is treated as D)."""
    for _ in range(steps):
        grade = STRICTER[grade]
    return grade


@dataclass
class StaggeredEntry:
    enterprise_id: int
    name: str
    county: str | None
    grade: str | None
    near: bool | None                  # within near_km of the centre (None: location unknown)
    applied_grade: str | None
    start: dt.date
    end: dt.date
    measure: str
    notes: list[str] = field(default_factory=list)
    planning_area: bool | None = None  # inside 市区规划区 (None: no polygon, or location unknown)


def staggered_plan(profiles: list[dict], season_year: int, config: dict | None = None,
                   planning_area: set[int] | None = None) -> list[StaggeredEntry]:
    """The autumn–winter staggered-production calendar of the listed industries, by grade and location.
    ``planning_area``: the enterprises inside 市区规划区 (None when the polygon is not uploaded)."""
    s = settings(config, "staggered", STAGGERED)
    start, end = _season(season_year, s)
    out = []
    for p in profiles:
        if p["industry"] not in s["industries"]:
            continue
        near = None
        if p.get("lon") is not None and p.get("lat") is not None:
            near = distance_km(p["lon"], p["lat"], *s["centre"]) <= s["near_km"]
        grade = p["grade"]
        inside = None if planning_area is None or near is None else p["id"] in planning_area
        steps = (1 if near else 0) + (int(s["planning_area_steps"]) if inside else 0)
        applied = stricter(grade, steps) if steps else (grade or "D")
        notes = [] if near is not None else ["位置未知，按分级执行"]
        if applied == "D":
            measure = "错峰期间全时段停产"
        elif applied == "C":
            measure = "错峰期间停产50%（以生产线计）"
        else:
            measure = "豁免错峰（A/B级、引领性企业）"
        if near:
            notes.append(f"位于城区{s['near_km']}公里范围内，从严一级")
        if inside:
            notes.append(f"位于市区规划区内，再从严{s['planning_area_steps']}级（任务2）")
        out.append(StaggeredEntry(p["id"], p["name"], p["county"], grade, near, applied, start, end, measure, notes,
                                  inside))
    return out
