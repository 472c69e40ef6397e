"""The registers' settings (``[registers]`` in the workspace's lantian.toml). Every one is a ⚠ default:
the plan gives no number, or the number is the office's to set. ::

    [registers]
    heating_season = "11-15"          # 采暖季开始日：“当年采暖季前完成替代”的期限是前一天
    lookback_days = 365               # “回头看”常态化：改造村（社区）至少这么多天查一次
    fleet_since = "2023-06-07"        # 计划印发日：此后新增或更换的公共领域车辆计入新能源比例
    fleet_new_energy_percent = 100    # 任务12：“全部使用”新能源汽车
    mechanised_rate_percent = 80      # 任务13：主城区机械化清扫率（计划只说“进一步提高”）
    key_area_km = 5                   # 任务13：一城四区重点区域 5km 范围
    muck_hours = "22:00-06:00"        # 任务13：渣土车规定行驶时间
    voc_patrol_months = [5, 6, 7, 8, 9]   # 任务17：每年5月—9月每月走航
    horizon_days = 90                 # 到期提醒：期限前多少天开始提示
    planning_area_zone = "planning_area"  # 区域名：市区规划区（lantian registers zone import NAME FILE）
    nonroad_zone = "nonroad_control"      # 区域名：非道路移动机械排放控制区
    key_area_zone = "key_area"            # 区域名：一城四区重点区域
    muck_route_zone = "muck_routes"       # 区域名：渣土车规定路线（未上传则不查路线）
    # 任务2 退城搬迁
    built_up_zone = "built_up"            # 区域名：市区及县城建成区（一个文件可含多个建成区多边形）
    built_up_near_km = 3                  # “建成区周边”：距建成区边界多少公里以内（计划未给数）
    relocation_industries = ["钢铁", "焦化", "水泥", "化工"]
    # 任务4 深度治理
    deep_treatment_km = 20                # 主城区规划区内及周边20km（大地线距离）
    deep_treatment_due = "2023-12-31"     # “率先实施”的完成期限（计划未给日期：取本计划期末，按省要求改）
    deep_treatment_industries = ["钢铁", "焦化", "火电"]
    deep_treatment_kinds = ["coke_oven", "sinter", "pellet_shaft", "blast_furnace", "converter", "electric_furnace", "boiler"]
    # 任务5 超低排放
    ultra_low_due = "2025-12-31"          # 省定时限（按省文件设置）
    # 任务10 清洁能源替代
    high_polluting_fuels = ["燃煤"]       # 台账“燃料”中属高污染燃料的取值
    # 任务18 活性炭与光氧/等离子
    carbon_deadline = "05-31"             # 每年5月底前完成一轮更换
    maintenance_days = 90                 # 光氧灯管、催化板、电场、过滤棉、自查：最近一次距今不超过的天数（“及时”）
    waste_transfer_days = 365             # 废活性炭、废灯管更换后多少天内应转移（危险废物贮存不得超过一年）
    # 任务23 联合执法
    joint_enforcement_days = 30           # “常态化”：最近一次联合执法距今不超过的天数
    trace_days = 30                       # 异常车辆查出后多少天内完成倒查排放检验机构
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields, replace
from fractions import Fraction
from typing import Mapping

from lantian.errors import UsageError
from lantian.workspace import check_keys

_HOURS = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class RegisterSettings:
    heating_season: tuple[int, int] = (11, 15)
    lookback_days: int = 365
    fleet_since: dt.date = dt.date(2023, 6, 7)
    fleet_new_energy_percent: Fraction = Fraction(100)
    mechanised_rate_percent: Fraction = Fraction(80)
    key_area_km: Fraction = Fraction(5)
    muck_hours: str = "22:00-06:00"
    voc_patrol_months: tuple[int, ...] = (5, 6, 7, 8, 9)
    horizon_days: int = 90
    planning_area_zone: str = "planning_area"
    nonroad_zone: str = "nonroad_control"
    key_area_zone: str = "key_area"
    muck_route_zone: str = "muck_routes"
    built_up_zone: str = "built_up"
    built_up_near_km: Fraction = Fraction(3)
    relocation_industries: tuple[str, ...] = ("钢铁", "焦化", "水泥", "化工")
    deep_treatment_km: Fraction = Fraction(20)
    deep_treatment_due: dt.date = dt.date(2023, 12, 31)
    deep_treatment_industries: tuple[str, ...] = ("钢铁", "焦化", "火电")
    deep_treatment_kinds: tuple[str, ...] = ("coke_oven", "sinter", "pellet_shaft", "blast_furnace", "converter",
                                             "electric_furnace", "boiler")
    ultra_low_due: dt.date = dt.date(2025, 12, 31)
    high_polluting_fuels: tuple[str, ...] = ("燃煤",)
    carbon_deadline: tuple[int, int] = (5, 31)
    maintenance_days: int = 90
    waste_transfer_days: int = 365
    joint_enforcement_days: int = 30
    trace_days: int = 30


DEFAULT = RegisterSettings()


def parse_hours(text: str) -> list[tuple[int, int]]:
    """"22:00-06:00,12:00-14:00" → [(1320, 360), (720, 840)] in minutes of the day (end exclusive;
    a window whose end is before its start runs over midnight)."""
    out = []
    for part in str(text).replace("，", ",").split(","):
        m = _HOURS.match(part.strip())
        if not m or int(m[1]) > 23 or int(m[3]) > 24 or int(m[2]) > 59 or int(m[4]) > 59:
            raise ValueError(f"{part!r} is not HH:MM-HH:MM")
        out.append((int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])))
    return out


def in_hours(minute: int, windows: list[tuple[int, int]]) -> bool:
    for start, end in windows:
        if start <= end and start <= minute < end:
            return True
        if start > end and (minute >= start or minute < end):
            return True
    return False


def register_settings(config: Mapping | None, source: str = "lantian.toml") -> RegisterSettings:
    section = (config or {}).get("registers")
    if not section:
        return DEFAULT
    known = {f.name for f in fields(RegisterSettings)}
    check_keys(section, known, "registers", source)
    args = {}
    for key, value in section.items():
        try:
            args[key] = _value(key, value)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"{source}: [registers] {key} = {value!r}: {exc}") from None
    return replace(DEFAULT, **args)


LISTS = ("relocation_industries", "deep_treatment_industries", "deep_treatment_kinds", "high_polluting_fuels")


def _value(key: str, value):
    if key in ("heating_season", "carbon_deadline"):
        month, day = (int(x) for x in str(value).split("-"))
        dt.date(2001, month, day)                       # a day of every year (29 February is not)
        return month, day
    if key in ("lookback_days", "horizon_days", "maintenance_days", "waste_transfer_days", "joint_enforcement_days",
               "trace_days"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError("a whole number of days ≥ 0")
        return value
    if key in ("fleet_since", "deep_treatment_due", "ultra_low_due"):
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if key in LISTS:
        if isinstance(value, str) or not value or not all(isinstance(x, str) and x for x in value):
            raise ValueError("a list of names, e.g. [\"钢铁\", \"焦化\"]")
        return tuple(value)
    if key in ("fleet_new_energy_percent", "mechanised_rate_percent", "key_area_km", "built_up_near_km",
               "deep_treatment_km"):
        number = Fraction(str(value))
        if number < 0:
            raise ValueError("a number ≥ 0")
        return number
    if key == "muck_hours":
        parse_hours(value)
        return str(value)
    if key == "voc_patrol_months":
        months = tuple(int(m) for m in value)
        if not months or any(m < 1 or m > 12 for m in months):
            raise ValueError("a list of months 1–12")
        return months
    if not isinstance(value, str) or not value:
        raise ValueError("a zone name")
    return value
