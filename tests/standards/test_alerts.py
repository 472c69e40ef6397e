"""重污染天气预警 — the warning thresholds of 875号, 648号 and 环大气〔2024〕6号 (spec §5.2)."""
import copy
import dataclasses

import pytest

from lantian.standards.alerts import (
    level, level_hourly, level_name, parse_rules, rules, ruleset_for_year, settings, should_lift, step,
)

# spec §5.2 test vectors; the 875号 column is derived from the table, not given by the spec
VECTORS = [
    # forecast,            875号,    648号,    2024
    ([210, 230, 190],      "yellow", "yellow", "orange"),
    ([160, 170, 180],      "none",   "none",   "orange"),
    ([160, 170, 140],      "none",   "none",   "yellow"),
    ([205, 150, 120],      "blue",   "none",   "yellow"),
    ([220, 310, 260],      "orange", "orange", "red"),
    ([220, 310, 330, 240], "red",    "red",    "red"),
]


@pytest.mark.parametrize("forecast, under_875, under_648, under_2024", VECTORS)
def test_spec_vectors(forecast, under_875, under_648, under_2024):
    assert level(forecast, "875").level == under_875
    assert level(forecast, "648").level == under_648
    assert level(forecast, "2024").level == under_2024


def test_reasons_name_every_satisfied_condition_of_the_level():
    d = level([210, 230, 190], "2024")
    assert d.reasons == ("AQI>200持续2天（48小时）", "AQI>150持续3天（72小时）")
    assert d.reasons_en[0] == "AQI > 200 for 2 days (48 h)"
    assert level([210, 230, 190], "648").reasons == ("AQI>200持续2天（48小时）",)
    assert level([220, 310, 260], "2024").reasons == ("AQI>200持续3天（72小时）且日AQI>300（1天）",)
    assert level([120], "648").reasons == ()


def test_decision_records_ruleset_and_evidence():
    d = level([220, 310, 260], "2019")
    assert d.ruleset == "648" and d.document == "环办大气函〔2019〕648号"
    assert d.evidence == (220, 310, 260) and d.unit == "day"
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.level = "red"


# --- boundaries -----------------------------------------------------------------------------

def test_aqi_exactly_200_is_not_above_200():
    assert level([200, 200, 200, 200], "648").level == "none"
    assert level([200], "875").level == "none"
    assert level([201, 201], "648").level == "yellow"
    assert level([201], "875").level == "blue"


def test_300_is_not_above_300():
    assert level([220, 300, 260], "875").level == "yellow"
    assert level([220, 301, 260], "875").level == "orange"
    assert level([220, 300, 260], "2024").level == "orange"
    assert level([220, 301, 260], "2024").level == "red"


def test_aqi_reaching_500_is_red_under_875_and_648():
    assert level([500], "875").level == "red"
    assert level([500], "648").level == "red"
    assert level([500], "648").reasons == ("AQI达到500",)
    assert level([499], "875").level == "blue"
    assert level([499], "648").level == "none"


def test_2024_has_no_reaches_500_alternative():
    # ⚠ follows the table: 环大气〔2024〕6号's red needs AQI>200 for 72 h and AQI>300 for 24 h
    assert level([500], "2024").level == "yellow"


def test_red_needs_consecutive_days_above_300():
    assert level([220, 310, 250, 330, 240], "648").level == "orange"
    assert level([220, 310, 330, 250, 240], "648").level == "red"


def test_conditions_joined_by_and_hold_within_one_episode():
    # "AQI>200持续3天，且出现日AQI>300": the >300 day must belong to the 3-day run
    assert level([210, 220, 230, 150, 310], "875").level == "yellow"
    assert level([210, 220, 310, 150, 120], "875").level == "orange"


# --- blue -----------------------------------------------------------------------------------

def test_blue_only_under_875():
    assert level([205, 120], "875").level == "blue"
    assert "blue" not in rules("648").levels and "blue" not in rules("2024").levels
    assert level([205, 120], "648").level == "none"
    with pytest.raises(ValueError, match="blue"):
        step("blue", [120], "648")


# --- pre-warning (2024) ---------------------------------------------------------------------

def test_one_day_above_150_is_a_2024_pre_warning_not_a_level():
    d = level([160, 120], "2024")
    assert d.level == "none" and d.pre_warning
    assert "日AQI>150（1天）" in d.pre_warning_reason and "非预警级别" in d.pre_warning_reason
    assert "预警提示 Pre-warning" in d.explain()


def test_two_days_above_100_is_a_2024_pre_warning():
    d = level([120, 130, 90], "2024")
    assert d.level == "none" and d.pre_warning
    assert "AQI>100持续2天（48小时）" in d.pre_warning_reason


def test_no_pre_warning_at_the_boundaries_or_when_not_consecutive():
    assert not level([150, 100, 150], "2024").pre_warning
    assert not level([120, 90, 130], "2024").pre_warning
    assert level([150], "2024").pre_warning_reason is None


def test_pre_warning_only_below_yellow_and_only_in_2024():
    assert not level([160, 170], "2024").pre_warning          # that is yellow
    assert not level([160, 170], "648").pre_warning            # 648号 has no pre-warning rule
    assert level([160, 170], "648").level == "none"


# --- hourly forecasts -----------------------------------------------------------------------

def test_hourly_forecast_counts_consecutive_hours():
    assert level_hourly([210] * 47 + [120] * 30, "648").level == "none"
    d = level_hourly([210] * 48 + [120] * 30, "648")
    assert d.level == "yellow" and d.reasons == ("AQI>200持续48小时",) and d.unit == "hour"


def test_hourly_any_day_above_200_is_24_hours_under_2024():
    assert level_hourly([210] * 24 + [120] * 24, "2024").level == "yellow"
    assert level_hourly([210] * 23 + [120] * 24, "2024").level == "none"
    assert not level_hourly([210] * 23 + [120] * 24, "2024").pre_warning     # >100 for 47 h
    assert level_hourly([210] * 23 + [120] * 25, "2024").pre_warning         # >100 for 48 h


# --- lifting --------------------------------------------------------------------------------

def test_lift_with_daily_forecast_needs_two_days_below():
    assert should_lift("yellow", [120, 130], "648")
    assert should_lift("yellow", [200, 200, 250], "648")       # at 200 is below the yellow condition
    assert not should_lift("yellow", [120, 250], "648")
    assert not should_lift("yellow", [120], "648")             # 24 h is not more than 36 h
    assert not should_lift("yellow", [250, 120, 130], "648")   # must start now


def test_lift_with_hourly_forecast_35_vs_37_hours():
    assert not should_lift("orange", [100] * 35 + [250] * 10, "648", unit="hour")
    assert not should_lift("orange", [100] * 36 + [250] * 10, "648", unit="hour")
    assert should_lift("orange", [100] * 37 + [250] * 10, "648", unit="hour")


def test_lift_hours_is_configurable():
    assert not should_lift("yellow", [120, 130], "648", lift_hours=48)
    assert should_lift("yellow", [120, 130, 110], "648", lift_hours=48)
    assert should_lift("yellow", [100] * 13, "648", lift_hours=12, unit="hour")


def test_2024_lifts_only_at_or_below_150():
    assert not should_lift("yellow", [160, 130, 120], "2024")
    assert should_lift("yellow", [150, 130], "2024")


def test_nothing_to_lift_without_a_warning():
    assert not should_lift("none", [100, 100, 100], "648")


# --- the episode ----------------------------------------------------------------------------

def test_issue_and_none():
    t = step("none", [210, 230, 190], "648")
    assert (t.action, t.from_level, t.to_level) == ("issue", "none", "yellow")
    assert t.reasons == ("AQI>200持续2天（48小时）",)
    assert step("none", [120, 160], "648").action == "none"


def test_escalate_keep_downgrade():
    assert step("yellow", [220, 310, 260], "648").to_level == "orange"
    assert step("yellow", [220, 310, 260], "648").action == "escalate"
    assert step("orange", [220, 230, 240], "648").action == "keep"
    t = step("red", [210, 230, 120], "648")
    assert (t.action, t.to_level) == ("downgrade", "yellow")


def test_no_lift_merely_because_today_dropped():
    t = step("orange", [210, 120, 120], "648")      # no level satisfied, but 0 h below now
    assert (t.action, t.to_level) == ("downgrade", "yellow")
    t = step("yellow", [210, 120, 120], "648")
    assert (t.action, t.to_level) == ("keep", "yellow")
    assert any("未达解除条件" in r for r in t.reasons)


def test_a_coming_episode_keeps_the_warning_even_if_the_lift_rule_holds():
    t = step("orange", [120, 130, 250, 260], "648")
    assert (t.action, t.to_level) == ("downgrade", "yellow")


def test_lift_by_the_lift_rule():
    t = step("orange", [120, 130, 110], "648")
    assert (t.action, t.to_level) == ("lift", "none")
    assert "超过36小时" in t.reasons[-1]


def test_lift_uses_the_hourly_forecast_when_given():
    assert step("yellow", [120, 130], "648", hourly=[100] * 35 + [250] * 5).action == "keep"
    assert step("yellow", [120, 130], "648", hourly=[100] * 37).action == "lift"


def test_regional_warning_sets_a_floor():
    t = step("none", [120, 130], "648", regional="orange")
    assert (t.action, t.to_level) == ("issue", "orange")
    assert t.reasons == ("区域预警：橙色预警（Ⅱ级）（城市预警不低于区域预警）",)
    assert step("yellow", [210, 230], "648", regional="orange").action == "escalate"
    assert step("none", [220, 310, 260], "648", regional="yellow").to_level == "orange"
    assert step("orange", [120, 130, 110], "648", regional="orange").action == "keep"


def test_regional_level_must_exist_in_the_ruleset():
    with pytest.raises(ValueError, match="blue"):
        step("none", [120], "2024", regional="blue")


def test_transition_explain_names_both_levels():
    text = step("yellow", [220, 310, 260], "2024").explain()
    assert "escalate" in text and "黄色预警（Ⅲ级）" in text and "红色预警（Ⅰ级）" in text


# --- names, aliases and errors --------------------------------------------------------------

def test_level_names():
    assert level_name("yellow") == "黄色预警（Ⅲ级）"
    assert level_name("orange") == "橙色预警（Ⅱ级）"
    assert level_name("red") == "红色预警（Ⅰ级）"
    assert level_name("blue") == "蓝色预警（Ⅳ级）"
    assert level_name("none") == "无预警"
    assert level_name("red", "en") == "red warning (level I)"


def test_explain_is_bilingual():
    text = level([210, 230, 190], "2024").explain()
    assert "橙色预警（Ⅱ级）" in text and "orange warning (level II)" in text
    assert "环大气〔2024〕6号" in text and "210, 230, 190" in text
    assert "AQI > 200 for 2 days (48 h)" in text


def test_aliases_and_eras():
    assert rules("2018").key == "875" and rules("2019").key == "648" and rules(2024).key == "2024"
    assert [ruleset_for_year(y) for y in (2017, 2018, 2019, 2023, 2024, 2026)] == \
        ["875", "875", "648", "648", "2024", "2024"]
    with pytest.raises(ValueError):
        ruleset_for_year(2016)


def test_unknown_ruleset_names_the_known_ones():
    with pytest.raises(ValueError, match="875, 648, 2024"):
        level([210], "2020")


@pytest.mark.parametrize("bad", [[], [210, -1], [float("nan")]])
def test_empty_negative_or_nan_forecast(bad):
    with pytest.raises(ValueError):
        level(bad, "648")
    with pytest.raises(ValueError):
        level_hourly(bad, "648")


def test_non_numeric_forecast():
    with pytest.raises(TypeError):
        level(["210"], "648")


# --- the table as configuration -------------------------------------------------------------

def test_lift_threshold_defaults_to_the_lowest_yellow_threshold():
    for key in ("875", "648", "2024"):
        r = rules(key)
        assert r.lift_below_aqi == min(c.aqi for alt in r.conditions["yellow"] for c in alt)
        assert r.lift_more_than_hours == 36


def test_a_workspace_may_keep_the_aqi_300_condition_for_648_orange():
    table = copy.deepcopy(settings()["rulesets"]["648"])
    table["conditions"]["orange"] = [[{"above": 200, "hours": 72}, {"above": 300, "hours": 24}]]
    table["lift"]["more_than_hours"] = 48
    strict = parse_rules("648-strict", table)
    assert level([220, 250, 260], strict).level == "yellow"
    assert level([220, 250, 260], "648").level == "orange"
    assert not should_lift("yellow", [120, 130], strict)


def test_parse_rules_rejects_malformed_tables():
    table = copy.deepcopy(settings()["rulesets"]["648"])
    table["conditions"]["yellow"] = [[{"hours": 48}]]
    with pytest.raises(ValueError, match="above/reaches"):
        parse_rules("bad", table)
    table = copy.deepcopy(settings()["rulesets"]["648"])
    del table["conditions"]["red"]
    with pytest.raises(ValueError, match="red"):
        parse_rules("bad", table)
