"""The pooled model (``lantian.forecast.pool``) for cities of the national feed: a forecast made on D
reads nothing after D (values after D changed or removed, in every city of the pool: the same
forecast; the rolling evaluation uses exactly those forecasts), it beats both baselines where the
anomalies persist and each city alone has too short a history to train on, and the CLI path
(``--pool``) on a few days of the real national feed."""
from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from lantian.forecast import pool, service
from lantian.forecast import predictors as P
from tests.forecast.conftest import national_workspace

START = dt.date(2019, 6, 1)
DAYS = 60


def _synthetic(units: int = 30, phi: float = 0.9, seed: int = 3) -> tuple[dict, dict]:
    """``units`` cities, ``DAYS`` days each: a level of their own times (1 + a regional and a local
    AR(1) anomaly with persistence ``phi`` + the day's own noise), O3 around 150 the same way:
    persistence carries the day's noise twice, the climatology misses the anomaly."""
    rng = np.random.default_rng(seed)
    index = pd.date_range(START, periods=DAYS, freq="D")
    region = np.zeros(DAYS)
    for t in range(1, DAYS):
        region[t] = phi * region[t - 1] + rng.normal(0, 0.12)
    frames, coords = {}, {}
    for k in range(units):
        own = np.zeros(DAYS)
        for t in range(1, DAYS):
            own[t] = phi * own[t - 1] + rng.normal(0, 0.08)
        anomaly = np.clip(region + own + rng.normal(0, 0.15, DAYS), -0.8, 3)
        level = rng.uniform(50, 120)
        f = pd.DataFrame(index=index)
        f["aqi"] = np.round(level * (1 + anomaly))
        f["pm25"] = np.round(0.6 * level * (1 + anomaly))
        f["pm10"] = np.round(1.1 * level * (1 + anomaly))
        f["o3_8h"] = np.round(150 + 40 * anomaly)
        f["primary"] = "PM2.5"
        frames[f"c{k:02d}"] = f
        coords[f"c{k:02d}"] = (112.0 + (k % 6) * 0.8, 35.0 + (k // 6) * 0.8)
    return frames, coords


@pytest.fixture(scope="module")
def synthetic():
    return _synthetic()


def _values(made):
    return [(d["day"], {v: (x["value"], x["lower"], x["upper"], x["model"]) for v, x in d["values"].items()})
            for d in made]


@pytest.mark.parametrize("base", [dt.date(2019, 7, 12), dt.date(2019, 7, 25)])
def test_a_pooled_forecast_made_on_d_is_unchanged_when_any_city_s_data_after_d_is_changed(synthetic, base):
    frames, coords = synthetic
    made = pool.make(frames, coords, "c07", base)
    assert {x["model"] for d in made for x in d["values"].values()} == {"wls-pool"}
    scrambled = {}
    for u, f in frames.items():
        g = f.copy()
        g.loc[g.index > pd.Timestamp(base), list(P.VARIABLES)] = 999.0         # a future nothing may see
        scrambled[u] = g
    assert _values(pool.make(scrambled, coords, "c07", base)) == _values(made)
    removed = {u: f.loc[:pd.Timestamp(base)] for u, f in frames.items()}
    assert _values(pool.make(removed, coords, "c07", base)) == _values(made)
    assert all(math.isfinite(d["values"]["aqi"]["value"]) for d in made)


def test_the_pooled_evaluation_uses_exactly_the_forecasts_made_on_each_day(synthetic):
    frames, coords = synthetic
    t = dt.date(2019, 7, 22)
    got = pool.rolling(frames, coords, t, t, only=["c03"])["c03"]
    for h in (1, 2, 3):
        base = t - dt.timedelta(days=h)
        made = pool.make(frames, coords, "c03", base)[h - 1]["values"]
        for var in P.VARIABLES:
            obs, fc, pers, clim, lo, hi = got[var][h][t]
            assert (fc, lo, hi) == (made[var]["value"], made[var]["lower"], made[var]["upper"])
            assert pers == frames["c03"].loc[pd.Timestamp(base), var]
            assert obs == frames["c03"].loc[pd.Timestamp(t), var]


def test_pooled_beats_both_baselines_where_a_city_alone_has_too_short_a_history(synthetic):
    """Persistent anomalies, 60 days a city: alone, a city forecasts its climatology (nothing to hold
    out); pooled, the forecast beats persistence and climatology at D+1 in most cities."""
    frames, coords = synthetic
    start, end = dt.date(2019, 7, 10), dt.date(2019, 7, 30)
    alone = service.make({"c00": frames["c00"]}, "c00", dt.date(2019, 7, 20))
    assert alone[0]["values"]["aqi"]["model"] == "climatology"
    got = pool.rolling(frames, coords, start, end)
    results = {u: pool.summary(g) for u, g in got.items()}
    o = pool.overview(results)
    for var in ("aqi", "o3_8h"):
        d1 = o["mae"][var]["1"]
        for stat in ("median", "mean"):
            assert d1[f"{stat}_mae"] < d1[f"{stat}_mae_persistence"]
            assert d1[f"{stat}_mae"] < d1[f"{stat}_mae_climatology"]
        assert d1["beats_climatology"] >= 20
    cover = [r["variables"]["aqi"]["1"]["interval_coverage"] for r in results.values()]
    assert 0.6 < float(np.mean(cover)) < 0.95


def test_too_few_pool_rows_give_the_climatology(synthetic):
    frames, coords = synthetic
    few = {u: frames[u] for u in ("c00", "c01")}
    made = pool.make(few, coords, "c00", dt.date(2019, 6, 20))
    a = made[0]["values"]["aqi"]
    assert a["model"] == "climatology"
    assert a["value"] == pytest.approx(frames["c00"]["aqi"].loc[:"2019-06-20"].tail(30).mean())


def test_the_neighbour_anomaly_reads_cities_within_reach_only():
    index = pd.date_range(START, periods=40, freq="D")
    flat = lambda v: pd.DataFrame({"aqi": np.full(40, v, float)}, index=index)
    jump = flat(100.0)
    jump.iloc[-1, 0] = 160.0
    frames = {"a": flat(50.0), "b": jump, "far": flat(80.0)}
    coords = {"a": (112.0, 36.0), "b": (112.5, 36.2), "far": (125.0, 45.0)}
    nb = pool.neighbour_anomalies(frames, coords, "aqi")
    assert nb["a"].iloc[-1] == pytest.approx(160.0 - (29 * 100 + 160) / 30)      # b only; far is > 250 km
    assert math.isnan(nb["far"].iloc[-1])                                        # nobody within reach


# ------------------------------------------------------------------ the CLI on the real national feed
runner = CliRunner()


@pytest.fixture(scope="module")
def national(tmp_path_factory, data_dir):
    """A fresh workspace: the national site list and 1–24 July 2019 of the national feed."""
    root = tmp_path_factory.mktemp("pool") / "ws"
    files = sorted((data_dir / "cnemc" / "2019-07").glob("china_sites_201907*.csv.gz"))[:22]     # 1–24 July
    national_workspace(root, data_dir, files)
    return root


def test_cli_evaluate_and_run_with_a_pool(national):
    from lantian.cli import app
    r = runner.invoke(app, ["forecast", "evaluate", "--unit", "晋城市", "--pool", "山西省", "--from", "2019-07-22",
                            "--to", "2019-07-24", "--json", "-w", str(national)])
    assert r.exit_code == 0, r.output
    v = json.loads(r.output)
    assert v["pool"] == "山西省" and v["pool_units"] == 11 and v["model"] == "wls-pool"
    assert "2160A" in v["stations"] and v["variables"]["aqi"]["1"]["n"] == 3
    r = runner.invoke(app, ["forecast", "evaluate", "--unit", "all", "--pool", "山西省", "--from", "2019-07-23",
                            "--to", "2019-07-24", "-w", str(national)])
    assert r.exit_code == 0, r.output
    assert "cities beat persistence and climatology at every lead" in r.output
    r = runner.invoke(app, ["forecast", "run", "--unit", "晋城市", "--pool", "山西省", "--date", "2019-07-24",
                            "--json", "-w", str(national)])
    assert r.exit_code == 0, r.output
    run = json.loads(r.output)["runs"][0]
    assert run["unit"] == "晋城市" and run["base_day"] == "2019-07-24" and len(run["days"]) == 3
    assert json.loads(service_settings(national, run["id"]))["pool"] == "山西省"
    r = runner.invoke(app, ["forecast", "run", "--unit", "晋城", "--pool", "山西省", "-w", str(national)])
    assert r.exit_code != 0 and "晋城市" in r.output                      # a name that is no city: the near ones


def service_settings(root, run_id: int) -> str:
    import sqlalchemy as sa
    from lantian import db
    from lantian.forecast.models import ForecastRun
    from lantian.workspace import open_workspace
    with db.session(open_workspace(root).database_url) as s:
        return s.scalar(sa.select(ForecastRun.settings).where(ForecastRun.id == run_id))
