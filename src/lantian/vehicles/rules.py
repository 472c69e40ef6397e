"""The gate rules as pure functions: no database, no I/O.

1. **Warning-period transport ban** (行动计划 任务22 重污染天气应对; the measures of 环办大气函〔2020〕340号
   as the enterprise's measure at the warning level): a truck the measure bans entering the gate
   between the warning's start (inclusive) and its end (exclusive) is a violation.
   :func:`ban_from_measure` turns the measure's text into a structured ban:

   ========================================================  =========================================
   measure text (examples, cement table of 340号)             ban
   ========================================================  =========================================
   "停止公路运输" (D级, 未评级按D级)                              every goods vehicle (all road transport)
   "停止使用国四及以下重型载货车辆（含燃气）进行运输" (B/C级)       heavy goods vehicles, diesel and gas,
                                                             国一…国四 (the "含燃气" brings gas in)
   "停止使用国四及以下柴油货车" / "…国五及以下燃气货车"            that fuel only, goods vehicles of any size
   "限产20%" / "出焦时间延长至48小时以上" / 自主减排              no transport ban
   ========================================================  =========================================

   A clause without a fuel word ("国四及以下重型载货车辆") bans diesel only; "含燃气"/"燃气" adds gas
   (lean-burn gas trucks, 任务12). "重型" confines it to heavy goods vehicles (重型货车, 重型半挂牵引车).
2. **Task 11's freight rule** (行动计划 任务11): "加快推进年货运量150万吨以上工矿企业铁路专用线…建设，在铁路
   专用线建设投运前，公路运输应采用新能源车辆或国六排放标准车辆". For an enterprise whose freight in the
   record's year (else the latest earlier year) is ≥ the threshold (1.5 Mt ⚠; "以上" includes the number)
   and whose rail siding is not open on the record's day (Beijing), every goods vehicle that is
   neither new-energy nor 国六 is a violation. From the opening day on, the clause no longer applies.
3. **Gate silence**: a gate with no record for more than N hours (24 ⚠) is flagged; exactly N is not.

A record whose emission standard is 未知 (the gate could not identify it) cannot be decided by a
stage limit: it is reported as 待核实 (undecided), never as a violation.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from fractions import Fraction

from lantian.db import to_beijing

STAGES = {"国一": 1, "国二": 2, "国三": 3, "国四": 4, "国五": 5, "国六": 6}
STAGE_NAMES = {v: k for k, v in STAGES.items()}
NEW_ENERGY = "新能源"
UNKNOWN = "未知"
FUELS = ("柴油", "天然气", "汽油", "混合动力", "电", "氢")
NEW_ENERGY_FUELS = frozenset({"电", "氢"})
#: vehicle types: goods vehicles by size, and what is not a goods vehicle
GOODS = {"重型货车": "heavy", "重型半挂牵引车": "heavy", "中型货车": "medium", "轻型货车": "light", "微型货车": "light"}
VEHICLE_TYPES = tuple(GOODS) + ("非道路移动机械", "客车", "其他")

LEVEL_NAMES = {"yellow": "黄色", "orange": "橙色", "red": "红色"}
RULE_WARNING = "warning_ban"
RULE_FREIGHT = "task11_freight"
RULE_NAMES = {RULE_WARNING: "预警期间禁行车辆进出", RULE_FREIGHT: "大宗货物运输车辆不符合任务11要求"}
TASK11_CLAUSE = ("行动计划 任务11：年货运量150万吨以上工矿企业，在铁路专用线建设投运前，公路运输应采用新能源车辆"
                 "或国六排放标准车辆")

_STAGE_CHARS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "Ⅴ": 5, "Ⅵ": 6,
                "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6}
_STAGE_CLAUSE = re.compile(r"国([一二三四五六ⅠⅡⅢⅣⅤⅥ1-6])(?:排放标准)?及以下([^；;。，,国]*)")


@dataclass(frozen=True)
class TransportBan:
    """What a measure bans: ``kind`` none | stages | all_road; ``limits`` (fuel, highest banned stage)."""
    kind: str
    limits: tuple[tuple[str, int], ...] = ()
    heavy_only: bool = False
    clause: str = ""

    @property
    def label(self) -> str:
        if self.kind == "all_road":
            return "停止公路运输（全部货车）"
        if self.kind == "stages":
            size = "重型" if self.heavy_only else ""
            return "、".join(f"{STAGE_NAMES[s]}及以下{size}{fuel}货车" for fuel, s in self.limits) + "禁止进出"
        return "无运输管控"


NO_BAN = TransportBan("none")


def ban_from_measure(text: str | None) -> TransportBan:
    """The transport ban in a measure's text (see the table in the module docstring)."""
    text = text or ""
    if "停止公路运输" in text:
        return TransportBan("all_road", clause="停止公路运输")
    limits: dict[str, int] = {}
    heavy_only, clauses = True, []
    for m in _STAGE_CLAUSE.finditer(text):
        stage, rest = _STAGE_CHARS[m.group(1)], m.group(2)
        if not any(w in rest for w in ("车", "运输")):
            continue
        fuels = []
        if "柴油" in rest or "燃气" not in rest.replace("含燃气", ""):
            fuels.append("柴油")
        if "燃气" in rest:
            fuels.append("天然气")
        for fuel in fuels:
            limits[fuel] = max(limits.get(fuel, 0), stage)
        heavy_only = heavy_only and "重型" in rest
        clauses.append(m.group(0))
    if not limits:
        return NO_BAN
    return TransportBan("stages", tuple(sorted(limits.items(), key=lambda x: FUELS.index(x[0]))), heavy_only,
                        "；".join(clauses))


@dataclass(frozen=True)
class Vehicle:
    plate: str
    vehicle_type: str
    fuel: str
    standard: str                     # 国一…国六, 新能源, 未知

    @property
    def goods(self) -> bool:
        return self.vehicle_type in GOODS

    @property
    def heavy(self) -> bool:
        return GOODS.get(self.vehicle_type) == "heavy"

    @property
    def new_energy(self) -> bool:
        return self.fuel in NEW_ENERGY_FUELS or self.standard == NEW_ENERGY


def banned(ban: TransportBan, v: Vehicle) -> bool | None:
    """Whether ``ban`` forbids ``v``; None when it depends on a standard the gate did not identify."""
    if ban.kind == "none" or not v.goods:
        return False
    if ban.kind == "all_road":
        return True
    if ban.heavy_only and not v.heavy:
        return False
    if v.new_energy:
        return False
    limit = dict(ban.limits).get(v.fuel)
    if limit is None:
        return False
    if v.standard == UNKNOWN:
        return None
    return STAGES[v.standard] <= limit


@dataclass(frozen=True)
class Window:
    """A warning as the enterprise lives it: [start, end) (end None: still active) and its measure."""
    alert_id: int
    level: str
    start: dt.datetime
    end: dt.datetime | None
    measure: str

    def covers(self, t: dt.datetime) -> bool:
        return self.start <= t and (self.end is None or t < self.end)


@dataclass(frozen=True)
class Freight:
    year: int
    tonnes: Fraction
    rail_open: dt.date | None
    mode: str = "公路"


@dataclass(frozen=True)
class Finding:
    rule: str
    reason: str
    clause: str
    undecided: bool = False           # 待核实: the standard is unknown
    alert_id: int | None = None


def _describe(v: Vehicle) -> str:
    return f"{v.plate}（{v.vehicle_type}，{v.fuel}，{v.standard}）"


def warning_violation(v: Vehicle, time_in: dt.datetime, windows: list[Window]) -> Finding | None:
    """Rule 1: the vehicle entered during a warning whose measure bans it."""
    for w in windows:
        if not w.covers(time_in):
            continue
        ban = ban_from_measure(w.measure)
        verdict = banned(ban, v)
        if verdict is False:
            continue
        reason = (f"{_describe(v)}于{LEVEL_NAMES.get(w.level, w.level)}预警期间进厂，企业措施：{ban.label}" if verdict
                  else f"{_describe(v)}于{LEVEL_NAMES.get(w.level, w.level)}预警期间进厂，排放阶段未知，企业措施：{ban.label}，待核实")
        return Finding(RULE_WARNING, reason, f"重污染天气应急减排措施（环办大气函〔2020〕340号）：{w.measure}",
                       undecided=verdict is None, alert_id=w.alert_id)
    return None


def profile_for(profiles: list[Freight], year: int) -> Freight | None:
    """The profile of ``year``, else the latest earlier one."""
    earlier = [p for p in profiles if p.year <= year]
    return max(earlier, key=lambda p: p.year) if earlier else None


def freight_violation(v: Vehicle, time_in: dt.datetime, profiles: list[Freight],
                      threshold: Fraction) -> Finding | None:
    """Rule 2 (任务11): before the rail siding opens, road trucks of a ≥ threshold enterprise must be
    new-energy or 国六."""
    day = to_beijing(time_in).date()
    p = profile_for(profiles, day.year)
    if p is None or p.tonnes < threshold or not v.goods:
        return None
    if p.rail_open is not None and day >= p.rail_open:
        return None
    if v.new_energy or v.standard == "国六":
        return None
    siding = f"铁路专用线{p.rail_open.isoformat()}投运" if p.rail_open else "铁路专用线尚未投运"
    tonnes = f"{float(p.tonnes / 10_000):g}万吨"
    if v.standard == UNKNOWN:
        return Finding(RULE_FREIGHT, f"{_describe(v)}：企业{p.year}年货运量{tonnes}，{siding}，排放阶段未知，待核实",
                       TASK11_CLAUSE, undecided=True)
    return Finding(RULE_FREIGHT, f"{_describe(v)}：企业{p.year}年货运量{tonnes}，{siding}，公路运输应为新能源或国六",
                   TASK11_CLAUSE)


def findings(v: Vehicle, time_in: dt.datetime, windows: list[Window], profiles: list[Freight],
             threshold: Fraction) -> list[Finding]:
    """Every rule's finding for one gate record."""
    out = [warning_violation(v, time_in, windows), freight_violation(v, time_in, profiles, threshold)]
    return [f for f in out if f is not None]


def silent(last_record: dt.datetime | None, since: dt.datetime, now: dt.datetime, hours: int) -> bool:
    """Rule 3: no record for more than ``hours`` (from the last record, or from the gate's creation)."""
    return now - (last_record or since) > dt.timedelta(hours=hours)
