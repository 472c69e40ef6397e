"""The blend toward the climatology and the 80 % interval are calibrated on the past only: the
held-out rows are forecast by a model that saw nothing after their base days, a future changed to
anything leaves the blend and the interval as they were, a useless model is blended away, and on
Changzhi's autumn 2019 the interval covers about 80 % of the observations."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from lantian.forecast import evaluate
from lantian.forecast import predictors as P
from tests.forecast.conftest import CITY


def _frame(y: np.ndarray, X: np.ndarray) -> P.Frame:
    n = len(y)
    return P.Frame(X=X, y=y, base=np.full(n, 100.0), persistence=np.full(n, 100.0), names=["x"],
                   index=pd.date_range("2018-01-01", periods=n, freq="D"))


def test_a_model_without_skill_is_blended_into_the_climatology():
    rng = np.random.default_rng(0)
    n, at = 400, 399
    noise = _frame(rng.normal(0, 10, n), rng.normal(0, 1, (n, 1)))       # anomaly unrelated to x
    pt = P.fit_predict_wls(noise, at, 1)
    assert pt.model == "wls" and abs(pt.value - 100.0) < 1.5             # α ≈ 0: the climatology
    x = rng.normal(0, 1, (n, 1))
    skill = _frame(20 * x[:, 0] + rng.normal(0, 1, n), x)                 # anomaly = 20·x
    pt = P.fit_predict_wls(skill, at, 1)
    moved, wanted = pt.value - 100.0, 20 * x[at, 0]                      # α ≈ 1: the (ridge-damped) model
    assert np.sign(moved) == np.sign(wanted) and 0.4 * abs(wanted) < abs(moved) <= abs(wanted)
    assert pt.lower < pt.value < pt.upper


def test_the_blend_and_interval_never_read_after_the_base_day():
    rng = np.random.default_rng(1)
    n, at, lead = 400, 300, 2
    x = rng.normal(0, 1, (n, 1))
    y = 10 * x[:, 0] + rng.normal(0, 5, n)
    before = P.fit_predict_wls(_frame(y, x), at, lead)
    later = y.copy()
    later[at - lead + 1:] = 999.0                # every target after the base day changed
    assert P.fit_predict_wls(_frame(later, x), at, lead) == before
    too_short = P.fit_predict_wls(_frame(y[:100], x[:100]), 99, lead)     # no past to hold out yet
    assert too_short.model == "climatology" and too_short.value == 100.0


def test_the_80_percent_interval_covers_about_80_percent(frames):
    got = evaluate.rolling(frames, CITY, dt.date(2019, 9, 1), dt.date(2019, 12, 31), variables=("aqi", "pm25"))
    for var in ("aqi", "pm25"):
        for h in (1, 2, 3):
            cov = evaluate._table(var, got[var][h])["interval_coverage"]
            assert 0.65 <= cov <= 0.92, (var, h, cov)


def test_the_interval_upper_end_is_scored_as_a_heavy_day_signal():
    obs, fc, pers, clim = [120, 230, 150, 90], [110, 180, 140, 95], [100, 120, 210, 80], [130, 130, 130, 130]
    lower, upper = [90, 150, 120, 95], [150, 240, 205, 120]
    s = evaluate.scores("aqi", obs, fc, pers, clim, lower, upper)
    assert s["interval_coverage"] == 0.75                     # 90 is below its interval [95, 120]
    u, f = s["aqi_above_200"]["upper_bound"], s["aqi_above_200"]["forecast"]
    assert (f["hits"], f["misses"]) == (0, 1)                  # the point forecast misses the 230
    assert (u["hits"], u["misses"], u["false_alarms"], u["pod"], u["far"]) == (1, 0, 1, 1.0, 0.5)
