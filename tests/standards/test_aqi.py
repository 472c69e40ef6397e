import json
from pathlib import Path

import pytest

from lantian.standards import aqi

VECTORS = Path(__file__).with_name("iaqi_test_vectors.json")   # the team's reference vectors, kept with the tests
ITEM = {"PM25_24h": "PM2_5_24h"}


def vectors():
    rows = json.loads(VECTORS.read_text(encoding="utf-8"))
    return [r for r in rows if "item" in r]


def test_all_vectors_present():
    assert len(vectors()) == 51


@pytest.mark.parametrize("row", vectors(), ids=lambda r: f"{r['item']}={r['conc']}")
@pytest.mark.parametrize("version", [2012, 2026])
def test_iaqi_vectors(row, version):
    item = ITEM.get(row["item"], row["item"])
    fallback = None
    if item == "O3_8h" and row["conc"] > 800 or item == "SO2_1h" and row["conc"] > 800:
        fallback = row["conc"]
    assert aqi.iaqi(item, row["conc"], version, fallback=fallback) == row[f"iaqi_hj633_{version}"]


@pytest.mark.parametrize("item, conc, version, fallback, expected", [
    ("SO2_1h", 900, 2012, 160, 102),      # note (2): the 24-h mean's IAQI
    ("SO2_1h", 900, 2026, 160, 200),      # 2026 Table 3 note b
    ("O3_8h", 850, 2012, 850, 325),       # note (3): the 1-h mean's IAQI
    ("O3_8h", 850, 2026, None, 300),      # 2026 note c
    ("CO_24h", 2.2, 2012, None, 55),      # the float trap: naive float gives 56
    ("CO_1h", 65.4, 2012, None, 218),
    ("PM2_5_24h", 76, 2012, None, 102),   # ceil, not round-half-up (101)
    ("PM2_5_24h", 75.5, 2012, None, 102),  # GB/T 8170 first: 75.5 → 76
    ("PM2_5_24h", 74.5, 2012, None, 99),   # 74.5 → 74 (half-even) → 98.75 → 99
    ("PM2_5_24h", 600, 2012, None, 500),   # above the table: capped (configurable)
    ("PM2_5_1h", 61, 2026, None, 101),     # 1-h PM on the daily columns
])
def test_special_cases(item, conc, version, fallback, expected):
    assert aqi.iaqi(item, conc, version, fallback=fallback) == expected


def test_above_top_can_be_none_and_missing_is_none():
    assert aqi.iaqi("PM2_5_24h", 501, 2012, above_top="none") is None
    assert aqi.iaqi("PM2_5_24h", None) is None
    with pytest.raises(ValueError):
        aqi.iaqi("PM2_5_24h", -1)


DAY = {"PM2_5_24h": 76, "PM10_24h": 151, "SO2_24h": 8, "NO2_24h": 33, "CO_24h": 0.9, "O3_1h_max": 250,
       "O3_8h_max": 169}


def test_daily_example_2012():
    r = aqi.daily_aqi(DAY, 2012)
    assert r.value == 125 and r.primary == ("O3",)
    assert r.iaqi == {"SO2_24h": 8, "NO2_24h": 42, "PM10_24h": 101, "PM2_5_24h": 102, "CO_24h": 23,
                      "O3_1h_max": 125, "O3_8h_max": 109}
    assert set(r.exceeding) == {"PM2_5", "PM10", "O3"}
    assert r.category.name == "轻度污染" and r.category.hex == "#FF7E00"


def test_daily_example_2026():
    r = aqi.daily_aqi(DAY, 2026)
    assert r.value == 115 and r.primary == ("PM2_5",) and r.exceeding == ()
    assert "O3_1h_max" not in r.iaqi


def test_ties_and_no_primary_at_50():
    r = aqi.daily_aqi({"PM2_5_24h": 75, "PM10_24h": 150, "SO2_24h": 5, "NO2_24h": 10, "CO_24h": 0.5,
                       "O3_1h_max": 50, "O3_8h_max": 50}, 2012)
    assert r.value == 100 and set(r.primary) == {"PM2_5", "PM10"}
    r = aqi.daily_aqi({"PM2_5_24h": 35, "PM10_24h": 20, "SO2_24h": 5, "NO2_24h": 10, "CO_24h": 0.5,
                       "O3_8h_max": 50}, 2026)
    assert r.value == 50 and r.primary == () and r.category.name == "优"


def test_missing_pollutant_rule_2026():
    # HJ 633—2026 §5.3.1: published only when AQI > 100
    low = aqi.daily_aqi({"PM2_5_24h": 50, "PM10_24h": 60, "SO2_24h": 5, "NO2_24h": 10, "CO_24h": 0.5}, 2026)
    assert low.value == 80 and not low.published and low.missing == ("O3_8h_max",)
    high = aqi.daily_aqi({"PM2_5_24h": 150, "SO2_24h": 5}, 2026)
    assert high.value == 200 and high.published
    old = aqi.daily_aqi({"PM2_5_24h": 50}, 2012)
    assert old.published and old.value == 69


def test_realtime_uses_1h_items():
    r = aqi.realtime_aqi({"PM2_5_1h": 116, "PM10_1h": 249, "SO2_1h": 915, "SO2_24h": 185, "NO2_1h": 40,
                          "CO_1h": 1.0, "O3_1h": 20}, 2026)
    assert r.value == 200 and r.primary == ("SO2",)
    r12 = aqi.realtime_aqi({"PM2_5_1h": 116, "PM10_1h": 249, "SO2_1h": 915, "SO2_24h": 185, "NO2_1h": 40,
                            "CO_1h": 1.0, "O3_1h": 20}, 2012)
    assert r12.value == 152


@pytest.mark.parametrize("value, level, name", [(0, 1, "优"), (50, 1, "优"), (51, 2, "良"), (100, 2, "良"),
                                                 (101, 3, "轻度污染"), (200, 4, "中度污染"),
                                                 (201, 5, "重度污染"), (300, 5, "重度污染"), (301, 6, "严重污染")])
def test_categories(value, level, name):
    for version in (2012, 2026):
        c = aqi.category(value, version)
        assert (c.level, c.name) == (level, name)
    assert aqi.table(2012)["first_band_label"] == "0～50" and aqi.table(2026)["first_band_label"] == "1～50"
    assert "儿童" in aqi.category(101, 2012).advice and "青少年儿童" in aqi.category(101, 2026).advice


def test_2026_sensitive_groups_and_colours():
    t = aqi.table(2026)
    assert set(t["sensitive_groups"]) == {"SO2", "NO2", "CO", "O3", "PM10", "PM2_5"}
    assert [c["hex"] for c in t["categories"]] == ["#00E400", "#FFFF00", "#FF7E00", "#FF0000", "#99004C",
                                                   "#7E0023"]
