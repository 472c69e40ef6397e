"""The regional feature of the single-unit forecast (lantian.forecast.region): causal, absent when the
store has no other city on the base day (the forecast is then exactly the one without it), and the
upwind anomaly reads the city the wind blows from. Synthetic frames only (fast)."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from lantian.forecast import evaluate, region, service

INDEX = pd.date_range("2019-01-01", "2019-12-31", freq="D")
HERE = (113.1, 36.2)                                     # the unit (Changzhi's place)
PLACES = {"west": (112.0, 36.2), "east": (114.2, 36.2), "north": (113.1, 37.3)}    # ≈ 100–120 km away


def _frame(rng: np.random.Generator, shared: np.ndarray, lag: int = 0) -> pd.DataFrame:
    s = np.roll(shared, lag)
    noise = rng.normal(0, 8, len(INDEX))
    season = 20 * np.cos(2 * np.pi * np.arange(len(INDEX)) / 365.25)
    f = pd.DataFrame(index=INDEX)
    f["pm25"] = np.maximum(5.0, 45 + season + s + noise)
    f["pm10"] = np.maximum(10.0, 80 + 1.5 * (season + s) + noise)
    f["o3_8h"] = np.maximum(10.0, 110 - 2 * season + 0.5 * s + rng.normal(0, 10, len(INDEX)))
    f["aqi"] = np.maximum(f["pm25"] * 1.3, f["o3_8h"] * 0.6)
    f["primary"] = None
    return f


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(7)
    shared = np.convolve(rng.normal(0, 15, len(INDEX) + 6), np.ones(4) / 2, mode="valid")[:len(INDEX)]
    unit = _frame(rng, shared)
    cities = {c: _frame(rng, shared, lag=-1) for c in PLACES}          # the region is a day ahead of the unit
    wind = pd.DataFrame({"wind_u": 2.0 * np.sin(np.arange(len(INDEX)) / 5), "wind_v": 1.0}, index=INDEX)
    reg = region.Region("u", HERE, cities, dict(PLACES))
    return {"u": unit}, reg, wind


def _january(f: pd.DataFrame) -> pd.DataFrame:
    g = f.copy()
    g.loc[g.index.month != 1, ["aqi", "pm25", "pm10", "o3_8h"]] = np.nan
    return g


def _values(made):
    return [(d["day"], {v: (x["value"], x["lower"], x["upper"], x["model"]) for v, x in d["values"].items()})
            for d in made]


BASES = [dt.date(2019, 6, 14), dt.date(2019, 10, 3)]


@pytest.mark.parametrize("base", BASES)
def test_the_regional_forecast_is_causal(synthetic, base):
    frames, reg, wind = synthetic
    made = service.make(frames, "u", base, met=wind, region=reg)
    assert _values(made) != _values(service.make(frames, "u", base, met=wind))      # the feature acts
    day = pd.Timestamp(base)
    def later(f):
        g = f.copy()
        g.loc[g.index > day, ["aqi", "pm25", "pm10", "o3_8h"]] = 999.0          # a future nothing may see
        return g
    changed_region = region.Region("u", HERE, {c: later(f) for c, f in reg.frames.items()}, reg.coords)
    changed_met = wind.copy()
    changed_met.loc[changed_met.index > day + pd.Timedelta(days=3)] = -50.0         # past the target days
    assert _values(service.make({"u": later(frames["u"])}, "u", base, met=changed_met, region=changed_region)) \
        == _values(made)
    cut = region.Region("u", HERE, {c: f.loc[:day] for c, f in reg.frames.items()}, reg.coords)
    assert _values(service.make({"u": frames["u"].loc[:day]}, "u", base, met=wind, region=cut)) == _values(made)


def test_without_other_cities_on_the_base_day_the_forecast_is_unchanged(synthetic):
    frames, reg, wind = synthetic
    base = dt.date(2019, 10, 3)
    plain = _values(service.make(frames, "u", base, met=wind))
    empty = region.Region("u", HERE, {c: f.assign(aqi=np.nan, pm25=np.nan, pm10=np.nan, o3_8h=np.nan)
                                      for c, f in reg.frames.items()}, reg.coords)
    assert _values(service.make(frames, "u", base, met=wind, region=empty)) == plain
    # the demo workspace's case: other cities in January only, a forecast made in October
    january = region.Region("u", HERE, {c: _january(f) for c, f in reg.frames.items()}, reg.coords)
    assert _values(service.make(frames, "u", base, met=wind, region=january)) == plain
    assert _values(service.make(frames, "u", base, met=wind, region=None)) == plain


def test_the_evaluation_uses_the_forecasts_made_on_each_day_and_reports_the_gain(synthetic):
    frames, reg, wind = synthetic
    start, end = dt.date(2019, 8, 10), dt.date(2019, 8, 14)
    used: dict = {}
    got = evaluate.rolling(frames, "u", start, end, met=wind, region=reg, used=used)
    assert used["forecasts"] == 4 * 3 * 5
    for h in (1, 3):
        for t, (obs, fc, pers, clim, lo, hi) in got["pm25"][h].items():
            made = service.make(frames, "u", t - dt.timedelta(days=h), met=wind, region=reg)[h - 1]["values"]["pm25"]
            assert (fc, lo, hi) == (made["value"], made["lower"], made["upper"])
    result = evaluate.evaluate(frames, "u", start, end, met=wind, region=reg)
    assert result["region"]["cities"] == ["east", "north", "west"]
    g = result["region_gain"]["aqi"]["1"]
    assert g["mae_with_region"] == result["variables"]["aqi"]["1"]["mae"]
    assert "region_gain" not in evaluate.evaluate(frames, "u", start, end, met=wind)
    january = region.Region("u", HERE, {c: _january(f) for c, f in reg.frames.items()}, reg.coords)
    assert "region_gain" not in evaluate.evaluate(frames, "u", start, end, region=january)    # never used


def test_the_upwind_anomaly_reads_the_city_the_wind_blows_from():
    index = pd.date_range("2019-03-01", periods=40, freq="D")
    flat = lambda v: pd.DataFrame({"aqi": np.full(40, v, float)}, index=index)
    west, east, north = flat(100.0), flat(100.0), flat(100.0)
    west.iloc[-1, 0], east.iloc[-1, 0], north.iloc[-1, 0] = 160.0, 40.0, 130.0
    reg = region.Region("u", HERE, {"west": west, "east": east, "north": north}, dict(PLACES))
    jump = lambda x: x - (29 * 100 + x) / 30                       # the last day's anomaly
    winds = {"westerly": (3.0, 0.0), "easterly": (-3.0, 0.0), "northerly": (0.0, -3.0), "calm": (0.0, 0.0),
             "north-westerly": (2.0, -2.0)}
    got = {}
    for name, (u, v) in winds.items():
        met = pd.DataFrame({"wind_u": u, "wind_v": v}, index=index)
        got[name] = region.features(reg, index, "aqi", met).iloc[-1]
    assert got["westerly"]["region_upwind"] == pytest.approx(jump(160.0), abs=1e-6)   # blows from the west
    assert got["easterly"]["region_upwind"] == pytest.approx(jump(40.0), abs=1e-6)
    assert got["northerly"]["region_upwind"] == pytest.approx(jump(130.0), abs=1e-6)
    assert math.isnan(got["calm"]["region_upwind"])                                    # no wind: no upwind
    assert got["north-westerly"]["region_upwind"] == pytest.approx((jump(160.0) + jump(130.0)) / 2, abs=1e-6)
    for name in winds:                                  # the regional mean does not depend on the wind
        assert got[name]["region"] == pytest.approx((jump(160.0) + jump(40.0) + jump(130.0)) / 3)
    assert math.isnan(region.features(reg, index, "aqi", None).iloc[-1]["region_upwind"])


def test_the_upwind_weights():
    w = region.upwind_weights(HERE, PLACES, ["west", "east", "north"], np.array([1.0, 0.0, np.nan]),
                              np.array([0.0, -1.0, np.nan]))
    assert w[0] == pytest.approx([1.0, 0.0, 0.0], abs=1e-3)      # westerly: west → unit is along the wind
    assert w[1] == pytest.approx([0.0, 0.0, 1.0], abs=1e-3)      # northerly
    assert np.isnan(w[2]).all()                                  # no wind
