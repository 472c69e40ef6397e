"""The rolling evaluation never reads the future: a forecast made on D is the same when every value
after D is removed — from the frames, and from the store itself — and the evaluation's forecasts
(one design for the whole period) are exactly those made on D from the data cut at D."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from lantian.forecast import evaluate, series, service
from tests.forecast.conftest import CITY, LUZHOU

DAYS = [dt.date(2019, 5, 20), dt.date(2019, 8, 3), dt.date(2019, 11, 10)]


def _values(made):
    return [(d["day"], {v: (x["value"], x["lower"], x["upper"]) for v, x in d["values"].items()}) for d in made]


@pytest.mark.parametrize("base", DAYS)
def test_a_forecast_made_on_d_is_unchanged_when_data_after_d_is_changed(frames, base):
    made = service.make(frames, CITY, base)
    scrambled = {}
    for u, f in frames.items():
        g = f.copy()
        after = g.index > pd.Timestamp(base)
        g.loc[after, ["aqi", "pm25", "pm10", "o3_8h"]] = 999.0         # a future nothing may see
        scrambled[u] = g
    assert _values(service.make(scrambled, CITY, base)) == _values(made)
    removed = {u: f.loc[:pd.Timestamp(base)] for u, f in frames.items()}
    assert _values(service.make(removed, CITY, base)) == _values(made)
    assert all(math.isfinite(d["values"]["aqi"]["value"]) for d in made)


def test_a_forecast_is_unchanged_when_the_store_ends_on_d(changzhi, engine, frames):
    """Read from the store only up to D (as if the data after D did not exist)."""
    base = dt.date(2019, 10, 15)
    units = series.resolve(changzhi.database_url, changzhi.config, CITY)
    short = series.load(*engine, units, dt.date(2016, 1, 1), base)
    assert _values(service.make(short, CITY, base)) == _values(service.make(frames, CITY, base))
    assert short[CITY].index[-1] == pd.Timestamp(base)


def test_the_evaluation_uses_exactly_the_forecasts_made_on_each_day(frames):
    start, end = dt.date(2019, 11, 8), dt.date(2019, 11, 16)
    got = evaluate.rolling(frames, LUZHOU, start, end)
    for h in (1, 2, 3):
        for t, (obs, fc, pers, clim, lo, hi) in got["o3_8h"][h].items():
            base = t - dt.timedelta(days=h)
            made = service.make(frames, LUZHOU, base)[h - 1]["values"]["o3_8h"]
            assert fc == made["value"] and lo == made["lower"] and hi == made["upper"]
            assert pers == frames[LUZHOU].loc[pd.Timestamp(base), "o3_8h"]       # persistence: the value of D
            assert obs == frames[LUZHOU].loc[pd.Timestamp(t), "o3_8h"]


def test_scores_by_hand():
    obs, fc, pers, clim = [100, 210, 150], [95, 205, 180], [90, 120, 210], [130, 130, 130]
    s = evaluate.scores("aqi", obs, fc, pers, clim)
    assert s["mae"] == round((5 + 5 + 30) / 3, 1) and s["mae_persistence"] == round((10 + 90 + 60) / 3, 1)
    assert s["rmse"] == round(float(np.sqrt((25 + 25 + 900) / 3)), 1)
    e = s["aqi_above_200"]["forecast"]
    assert (e["hits"], e["misses"], e["false_alarms"], e["pod"], e["csi"]) == (1, 0, 0, 1.0, 1.0)
    p = s["aqi_above_200"]["persistence"]
    assert (p["hits"], p["misses"], p["false_alarms"], p["far"]) == (0, 1, 1, 1.0)
    assert s["category_accuracy"] == round(2 / 3, 3)        # 良/良, 重度/重度, 轻度 vs 中度
    assert s["skill_persistence"] == round(1 - 13.3 / 53.3, 3)


def test_lightgbm_is_measured_on_the_same_rows(frames):
    """The LightGBM alternative (measured in docs/forecast.md) predicts from the same design."""
    from lantian.forecast import predictors as P
    v = frames[CITY]
    at = v.index.get_loc(pd.Timestamp(dt.date(2019, 11, 10)))
    F = P.design(v, "aqi", 1)
    pt = P.predict(F, at, 1, "lightgbm")
    assert pt.model == "lightgbm" and 0 < pt.value < 500
    with pytest.raises(ValueError, match="unknown model"):
        P.predict(F, at, 1, "prophet")
