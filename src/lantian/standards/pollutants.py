"""The six basic pollutants and their averaging items, as HJ 633 names them."""
from __future__ import annotations

#: The six basic pollutants of GB 3095—2012 表1 — the one definition in lantian — in the order the
#: ranking rule and CNEMC's tables list them (particles first). The measurement store's pollutant
#: codes are positions in this tuple (:mod:`lantian.measurements.frame`): never reorder it.
POLLUTANTS: tuple[str, ...] = ("PM2_5", "PM10", "SO2", "NO2", "CO", "O3")

#: Chinese/chemical display names, as published (PM2_5 is written PM2.5).
DISPLAY = {"SO2": "SO2", "NO2": "NO2", "PM10": "PM10", "PM2_5": "PM2.5", "CO": "CO", "O3": "O3"}

#: Reporting decimals — HJ 633—2026 §4.2.2: integers (µg/m³), CO one decimal (mg/m³).
DECIMALS = {"SO2": 0, "NO2": 0, "PM10": 0, "PM2_5": 0, "CO": 1, "O3": 0}

UNITS = {"SO2": "µg/m³", "NO2": "µg/m³", "PM10": "µg/m³", "PM2_5": "µg/m³", "CO": "mg/m³", "O3": "µg/m³"}


def pollutant_of(item: str) -> str:
    """``'PM2_5_24h'`` → ``'PM2_5'``; ``'O3_8h_max'`` → ``'O3'``."""
    for p in sorted(POLLUTANTS, key=len, reverse=True):
        if item == p or item.startswith(p + "_"):
            return p
    raise KeyError(f"unknown item {item!r}")


