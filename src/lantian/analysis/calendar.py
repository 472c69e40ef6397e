"""Calendar plot (openair's ``calendarPlot``): a month or a year of daily values laid out as
calendars, each cell coloured by its AQI category (HJ 633—2012 Table 2 / HJ 633—2026 Table 1,
docs/standards.md §2.3) and carrying its value.

For a pollutant the category is that of the pollutant's IAQI of the daily value (its 24-hour item,
O3 its 8-hour item) under the HJ 633 version in force on the day (§2.1: 2012 before 2026-03-01).
"""
from __future__ import annotations

import datetime as dt

from lantian.standards import aqi as std_aqi
from lantian.standards.rulesets import ruleset_for

#: the daily column of the store's daily table → the HJ 633 item its IAQI is read on
ITEMS = {"AQI": None, "PM2_5": "PM2_5_24h", "PM10": "PM10_24h", "SO2": "SO2_24h", "NO2": "NO2_24h",
         "CO": "CO_24h", "O3_8h_max": "O3_8h"}
NAMES = {"AQI": "AQI", "PM2_5": "PM2.5", "PM10": "PM10", "SO2": "SO2", "NO2": "NO2", "CO": "CO",
         "O3_8h_max": "O3-8h"}
CATEGORIES = [(1, "优", "#00E400"), (2, "良", "#FFFF00"), (3, "轻度污染", "#FF7E00"), (4, "中度污染", "#FF0000"),
              (5, "重度污染", "#99004C"), (6, "严重污染", "#7E0023")]


def cell_category(column: str, day: dt.date, value: float | None):
    """The HJ 633 category of one day's value (None when missing)."""
    if value is None:
        return None
    version = ruleset_for(day).aqi_version
    index = int(value) if column == "AQI" else std_aqi.iaqi(ITEMS[column], value, version)
    return std_aqi.category(index, version)


def calendar(days: list[tuple[dt.date, float | None]], column: str, year: int, month: int | None = None) -> dict:
    """One cell per day of ``year`` (or of ``month``): date, weekday (0 = Monday), week row within
    its month, value, category level/name/colour."""
    if column not in ITEMS:
        raise ValueError(f"no calendar of {column!r}; choose one of {', '.join(ITEMS)}")
    by_day = {d: v for d, v in days}
    first = dt.date(year, month or 1, 1)
    last = dt.date(year, month, 1) if month else dt.date(year, 12, 1)
    last = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    cells, counts = [], {name: 0 for _, name, _ in CATEGORIES}
    d = first
    while d <= last:
        v = by_day.get(d)
        cat = cell_category(column, d, v)
        offset = d.replace(day=1).weekday()
        cells.append({"date": d.isoformat(), "month": d.month, "day": d.day, "weekday": d.weekday(),
                      "week": (d.day - 1 + offset) // 7, "value": v,
                      "level": cat.level if cat else None, "category": cat.name if cat else None,
                      "colour": cat.hex if cat else None})
        if cat:
            counts[cat.name] += 1
        d += dt.timedelta(days=1)
    return {"column": column, "name": NAMES[column], "year": year, "month": month, "cells": cells,
            "counts": counts, "legend": [{"level": lv, "name": n, "colour": c} for lv, n, c in CATEGORIES]}
