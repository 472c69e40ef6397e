"""The gate rules at their boundaries: measure text → ban, 国五 vs 国六, 1.5 Mt exactly, the rail
siding's opening day, the warning's start and end, a gate silent for exactly N hours."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from lantian.db import to_utc
from lantian.emergency import measures as M
from lantian.vehicles import rules
from lantian.vehicles.rules import Freight, Vehicle, Window

T = Fraction(1_500_000)
B_CEMENT = "停止使用国四及以下重型载货车辆（含燃气）进行运输"


def truck(standard, fuel="柴油", kind="重型货车", plate="晋DA1234"):
    return Vehicle(plate, kind, fuel, standard)


def at(day, hour=0, minute=0, second=0):
    return to_utc(dt.datetime.combine(day, dt.time(hour, minute, second)))


def test_measure_texts_map_to_bans():
    b = rules.ban_from_measure(B_CEMENT)
    assert b.kind == "stages" and dict(b.limits) == {"柴油": 4, "天然气": 4} and b.heavy_only
    assert rules.ban_from_measure("停产；停止公路运输").kind == "all_road"
    assert rules.ban_from_measure("未评级企业按D级管控：停产；停止公路运输").kind == "all_road"
    mixed = rules.ban_from_measure("停止使用国四及以下柴油货车和国五及以下燃气货车进行运输")
    assert dict(mixed.limits) == {"柴油": 4, "天然气": 5} and not mixed.heavy_only
    assert dict(rules.ban_from_measure("禁止国Ⅴ及以下重型柴油货车进出厂区").limits) == {"柴油": 5}
    for text in ("限产20%", "出焦时间延长至48小时以上", "鼓励结合实际，自主采取减排措施", "", None):
        assert rules.ban_from_measure(text) == rules.NO_BAN


def test_the_shipped_cement_table_bans_what_the_guide_says():
    table = M.load()
    for level in ("yellow", "orange", "red"):
        assert rules.ban_from_measure(table.lookup("水泥", "B", level).text).kind == "stages"
        assert rules.ban_from_measure(table.lookup("水泥", "D", level).text).kind == "all_road"
        assert rules.ban_from_measure(table.lookup("水泥", "A", level).text).kind == "none"


@pytest.mark.parametrize("vehicle, banned", [
    (truck("国四"), True), (truck("国三"), True), (truck("国五"), False), (truck("国六"), False),
    (truck("国四", "天然气"), True), (truck("国五", "天然气"), False),
    (truck("国四", kind="中型货车"), False),                       # "重型" confines the ban
    (truck("新能源", "电"), False), (truck("国四", "汽油"), False),
    (truck("国三", kind="客车"), False), (truck("未知"), None),
])
def test_the_cement_b_ban_by_vehicle(vehicle, banned):
    assert rules.banned(rules.ban_from_measure(B_CEMENT), vehicle) is banned


def test_all_road_bans_every_goods_vehicle_only():
    ban = rules.ban_from_measure("停止公路运输")
    assert rules.banned(ban, truck("国六")) and rules.banned(ban, truck("新能源", "电"))
    assert rules.banned(ban, truck("国三", kind="非道路移动机械")) is False


def test_warning_start_is_inclusive_and_end_exclusive():
    start, end = at(dt.date(2023, 12, 5)), at(dt.date(2023, 12, 7), 14)
    w = [Window(1, "orange", start, end, B_CEMENT)]
    old = truck("国四")
    assert rules.warning_violation(old, start - dt.timedelta(seconds=1), w) is None
    f = rules.warning_violation(old, start, w)
    assert f.rule == rules.RULE_WARNING and "橙色预警" in f.reason and B_CEMENT in f.clause and f.alert_id == 1
    assert rules.warning_violation(old, end - dt.timedelta(seconds=1), w) is not None
    assert rules.warning_violation(old, end, w) is None
    assert rules.warning_violation(truck("国五"), start, w) is None           # 国五 diesel is not ≤ 国四
    open_ended = [Window(2, "red", start, None, "停止公路运输")]
    assert rules.warning_violation(truck("国六"), start + dt.timedelta(days=90), open_ended) is not None
    unknown = rules.warning_violation(truck("未知"), start, w)
    assert unknown.undecided and "待核实" in unknown.reason


def test_task11_threshold_includes_1_5_mt_exactly():
    day = at(dt.date(2023, 6, 1), 9)
    p = lambda tonnes: [Freight(2023, Fraction(tonnes), None)]
    assert rules.freight_violation(truck("国五"), day, p(1_500_000), T).rule == rules.RULE_FREIGHT
    assert rules.freight_violation(truck("国五"), day, p(1_499_999), T) is None
    assert rules.freight_violation(truck("国六"), day, p(2_000_000), T) is None      # 国六 is allowed
    assert rules.freight_violation(truck("新能源", "电"), day, p(2_000_000), T) is None
    assert rules.freight_violation(truck("国六", "天然气"), day, p(2_000_000), T) is None
    assert rules.freight_violation(truck("国五", "天然气"), day, p(2_000_000), T) is not None
    assert rules.freight_violation(truck("国五", kind="客车"), day, p(2_000_000), T) is None
    assert rules.freight_violation(truck("未知"), day, p(2_000_000), T).undecided
    assert "任务11" in rules.freight_violation(truck("国四"), day, p(2_000_000), T).clause


def test_task11_ends_on_the_rail_sidings_opening_day_beijing():
    opening = dt.date(2023, 7, 1)
    p = [Freight(2023, Fraction(1_800_000), opening)]
    last_minute = at(dt.date(2023, 6, 30), 23, 59, 59)             # Beijing, 15:59:59 UTC
    assert rules.freight_violation(truck("国五"), last_minute, p, T) is not None
    assert rules.freight_violation(truck("国五"), at(opening), p, T) is None


def test_task11_uses_the_latest_profile_not_after_the_year():
    profiles = [Freight(2022, Fraction(2_000_000), None), Freight(2024, Fraction(100), None)]
    assert rules.profile_for(profiles, 2023).year == 2022
    assert rules.profile_for(profiles, 2021) is None
    assert rules.freight_violation(truck("国五"), at(dt.date(2023, 3, 1)), profiles, T) is not None
    assert rules.freight_violation(truck("国五"), at(dt.date(2024, 3, 1)), profiles, T) is None


def test_silence_is_more_than_n_hours():
    last = at(dt.date(2023, 6, 1), 8)
    created = at(dt.date(2023, 1, 1))
    assert not rules.silent(last, created, last + dt.timedelta(hours=24), 24)
    assert rules.silent(last, created, last + dt.timedelta(hours=24, seconds=1), 24)
    assert rules.silent(None, created, created + dt.timedelta(hours=25), 24)      # never sent: since creation
    assert not rules.silent(None, created, created + dt.timedelta(hours=2), 24)
