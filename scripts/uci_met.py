#!/usr/bin/env python
"""Write a lantian met file (``lantian forecast met import``) from the UCI Beijing station files'
OBSERVED weather: per day, the mean over the 12 stations of temperature (TEMP), relative humidity
(from TEMP and DEWP, Magnus formula), wind speed (WSPM), the vector-mean wind direction (wd), the
precipitation sum (RAIN, station mean). No boundary-layer height (blh empty).

Observed weather stands in for the weather bureau's forecast here, so the gain it shows is an upper
bound of what a real met forecast brings (docs/forecast.md). A day runs 01:00…24:00 Beijing time
(the UCI hour h labels the hour ending at h: hour 0 belongs to the day before).

    python scripts/uci_met.py DATA/uci_beijing UNIT OUT.csv
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

COMPASS = {d: i * 22.5 for i, d in enumerate(["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW",
                                               "WSW", "W", "WNW", "NW", "NNW"])}


def daily_met(folder: Path) -> pd.DataFrame:
    parts = []
    for f in sorted(folder.glob("PRSA_Data_*.csv")):
        d = pd.read_csv(f, usecols=["year", "month", "day", "hour", "TEMP", "DEWP", "RAIN", "wd", "WSPM"])
        t = pd.to_datetime(d[["year", "month", "day"]]) + pd.to_timedelta(d["hour"], unit="h")
        d["date"] = (t - pd.Timedelta(hours=1)).dt.normalize()        # hour 0 closes the day before
        parts.append(d)
    d = pd.concat(parts)
    es = lambda t: 6.112 * np.exp(17.62 * t / (243.12 + t))
    d["rh"] = (100 * es(d["DEWP"]) / es(d["TEMP"])).clip(0, 100)
    rad = np.deg2rad(d["wd"].map(COMPASS))
    d["u"], d["v"] = np.sin(rad) * d["WSPM"], np.cos(rad) * d["WSPM"]
    g = d.groupby("date")
    out = pd.DataFrame({"temperature": g["TEMP"].mean().round(1), "humidity": g["rh"].mean().round(0),
                        "wind_speed": g["WSPM"].mean().round(1),
                        "wind_direction": (np.rad2deg(np.arctan2(g["u"].mean(), g["v"].mean())) % 360).round(0),
                        "precipitation": (g["RAIN"].sum() / d["wd"].groupby(d["date"]).size() * 24).round(1)})
    return out.dropna(how="all")


def main(folder: str, unit: str, out: str) -> None:
    m = daily_met(Path(folder))
    m.insert(0, "unit", unit)
    m.index = m.index.strftime("%Y-%m-%d")
    m.index.name = "date"
    m["blh"] = ""
    m.to_csv(out)
    print(f"{out}: {len(m)} days")


if __name__ == "__main__":
    main(*sys.argv[1:4])
