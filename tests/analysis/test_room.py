"""The analysis room end to end: ``lantian analyse …`` on a workspace (its JSON against a direct
computation from the store and against scipy/pymannkendall), the CSV it writes, bad input, and the
pages/API scoped by role on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import datetime as dt
import json

import numpy as np
import pandas as pd
import pymannkendall
import pytest
from scipy import stats as sps
from typer.testing import CliRunner

from lantian.cli import app
from tests.analysis.conftest import SYNTHETIC_SLOPE, SYNTHETIC_STATION

runner = CliRunner()


def cli(ws, *args):
    return runner.invoke(app, ["analyse", *args, "-w", str(ws.root)] if args[0] != "rose" else ["analyse", *args])


def _daily(ws, station, start, end):
    from lantian.measurements.engine import connect
    from lantian.measurements.series import station_daily
    from lantian.measurements.store import Store
    t = station_daily(Store(ws.measurements), [station], start, end, connect("duckdb")).table
    return pd.DataFrame({"date": pd.to_datetime(t.column("date").to_pylist()),
                         "AQI": t.column("AQI").to_pylist(), "PM2_5": t.column("PM2_5").to_pylist()})


def test_trend_deseasonalised_json_is_the_proof_shape_and_matches_the_references(analysis_ws):
    r = cli(analysis_ws, "trend", "--station", SYNTHETIC_STATION, "--pollutant", "PM2.5", "--deseason", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert {"series", "slope_per_year", "lower", "upper", "p"} <= set(out)
    assert all({"period", "value"} <= set(m) for m in out["series"])
    assert len(out["series"]) == 36 and out["series"][0]["period"] == "2016-01" and out["deseasonalised"]
    # the observed monthly means are the store's daily values averaged by month
    d = _daily(analysis_ws, SYNTHETIC_STATION, dt.date(2016, 1, 1), dt.date(2018, 12, 31)).dropna(subset=["PM2_5"])
    direct = d.groupby(d.date.dt.strftime("%Y-%m")).PM2_5.mean()
    assert [m["observed"] for m in out["series"]] == pytest.approx(list(direct.values), abs=1e-3)
    # the slope and p are scipy's and pymannkendall's on the series it fitted
    x = np.array([int(m["period"][:4]) + (int(m["period"][5:]) - 1) / 12 for m in out["series"]])
    y = np.array([m["value"] for m in out["series"]])
    assert out["slope_per_year"] == pytest.approx(sps.theilslopes(y, x).slope, abs=2e-3)
    assert out["p"] == pytest.approx(pymannkendall.original_test(y).p, abs=1e-9)
    assert out["slope_per_year"] == pytest.approx(SYNTHETIC_SLOPE, abs=1.0)
    assert out["lower"] < out["slope_per_year"] < out["upper"] < 0 and out["p"] < 0.01


def test_trend_of_one_real_year_and_its_refusal_to_deseasonalise(analysis_ws, tmp_path):
    r = cli(analysis_ws, "trend", "--station", "1728A", "-p", "PM2.5", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    d = _daily(analysis_ws, "1728A", dt.date(2019, 1, 1), dt.date(2019, 12, 31)).dropna(subset=["PM2_5"])
    jan = d[d.date.dt.month == 1].PM2_5.mean()
    assert [m["period"] for m in out["series"]][:2] == ["2019-01", "2019-02"] and len(out["series"]) == 12
    assert out["series"][0]["value"] == pytest.approx(jan, abs=1e-3)
    bad = cli(analysis_ws, "trend", "--station", "1728A", "-p", "PM2.5", "--deseason", "--json")
    assert bad.exit_code == 2 and "24 months" in bad.output and "Traceback" not in bad.output
    target = tmp_path / "trend.csv"
    ok = cli(analysis_ws, "trend", "--station", "1728A", "-p", "PM2.5", "-o", str(target))
    rows = list(csv.DictReader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert ok.exit_code == 0 and len(rows) == 12 and float(rows[0]["value"]) == pytest.approx(jan, abs=1e-3)


def test_calendar_csv_carries_the_store_aqi_and_hj633_colours(analysis_ws, tmp_path):
    target = tmp_path / "cal.csv"
    r = cli(analysis_ws, "calendar", "--station", "1728A", "--year", "2019", "--month", "1", "-o", str(target))
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 31
    d = _daily(analysis_ws, "1728A", dt.date(2019, 1, 1), dt.date(2019, 1, 31)).set_index("date")
    jan7 = next(r for r in rows if r["date"] == "2019-01-07")
    assert int(jan7["AQI"]) == d.loc["2019-01-07", "AQI"] == 343
    assert (jan7["category"], jan7["colour"]) == ("严重污染", "#7E0023")     # > 300: 六级 (docs/standards.md §2.3)
    pm = json.loads(cli(analysis_ws, "calendar", "--station", "1728A", "--year", "2019", "--month", "1", "-p", "PM2.5",
                        "--json").output)
    cell = next(c for c in pm["cells"] if c["date"] == "2019-01-07")
    assert cell["value"] == 293 and cell["category"] == "严重污染"                 # PM2.5 293 → IAQI 343


def test_variation_json_against_the_store_hours(analysis_ws):
    r = cli(analysis_ws, "variation", "--station", "1728A", "-p", "PM2.5", "--from", "2019-01-01", "--to", "2019-03-31",
            "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    from lantian.measurements.store import Store
    h = Store(analysis_ws.measurements).hourly(stations=["1728A"], pollutants=["PM2_5"],
                                               start=dt.datetime(2019, 1, 1, 1), end=dt.datetime(2019, 4, 1)).table
    start = pd.to_datetime(h.column("time").to_pylist()) - pd.Timedelta(hours=1)
    df = pd.DataFrame({"v": h.column("value").to_pylist(), "hour": start.hour, "dow": start.day_of_week})
    assert out["n_hours"] == len(df)
    for row in out["diurnal"]:
        assert row["mean"] == pytest.approx(df[df.hour == row["key"]].v.mean(), abs=1e-3)
        assert row["lower"] < row["mean"] < row["upper"]
    for row in out["weekday"]:
        assert row["n"] == int((df.dow == row["key"]).sum())


def test_compare_before_and_after_a_date(analysis_ws):
    r = cli(analysis_ws, "compare", "--station", "1728A", "-p", "PM2.5", "--from", "2019-01-01", "--to", "2019-12-31",
            "--split", "2019-04-01", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    d = _daily(analysis_ws, "1728A", dt.date(2019, 1, 1), dt.date(2019, 12, 31)).dropna(subset=["PM2_5"])
    before, after = d[d.date < "2019-04-01"].PM2_5, d[d.date >= "2019-04-01"].PM2_5
    assert not out["paired"] and out["difference"] == pytest.approx(after.mean() - before.mean(), abs=1e-3)
    assert out["upper"] < 0 and out["significant"]                      # winter is dirtier than the rest
    same = cli(analysis_ws, "compare", "--station", "1728A")
    assert same.exit_code == 2 and "nothing to compare" in same.output


def test_exceedance_counts_days_above_each_limit_set(analysis_ws):
    out = json.loads(cli(analysis_ws, "exceedance", "--station", "1728A", "--json").output)
    pm = next(r for r in out["rows"] if r["pollutant"] == "PM2_5")
    d = _daily(analysis_ws, "1728A", dt.date(2019, 1, 1), dt.date(2019, 12, 31)).dropna(subset=["PM2_5"])
    limits = {s["standard"]: s for s in pm["standards"]}
    assert limits["2012"]["limit"] == 75 and limits["2026"]["limit"] == 60 and limits["2031"]["limit"] == 50
    for key, s in limits.items():
        assert s["days_over"] == int((d.PM2_5 > s["limit"]).sum())
    assert pm["evaluation_percentile"] == 95 and pm["n"] == len(d)


def test_scope_applies_to_the_cli(analysis_ws):
    r = cli(analysis_ws, "trend", "--station", "1728A", "--as", "tunliu", "--json")
    assert r.exit_code == 2 and "no station '1728A' in your scope" in r.output
    assert cli(analysis_ws, "calendar", "--station", "1728A", "--year", "2019", "--as", "luzhou").exit_code == 0


def test_rose_of_a_met_file_and_its_bad_line(tmp_path):
    met = tmp_path / "met.csv"
    lines = ["time,wd,ws,PM2.5"] + [f"2019-01-01 {h:02d}:00,N,1.5,100" for h in range(1, 11)] \
        + [f"2019-01-02 {h:02d}:00,90,3.5,20" for h in range(1, 6)] + [f"2019-01-03 {h:02d}:00,,0.2,50" for h in range(1, 6)]
    met.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = json.loads(runner.invoke(app, ["analyse", "rose", "--met", str(met), "-p", "PM2.5", "--json"]).output)
    w = out["wind_rose"]
    assert w["calm"] == 25.0 and w["n"] == 20
    n, e = w["sectors"].index("N"), w["sectors"].index("E")
    assert w["frequency"][w["bands"].index("1–2")][n] == 50.0 and w["frequency"][w["bands"].index("3–4")][e] == 25.0
    assert out["pollution_rose"]["mean_by_sector"][n] == 100.0 and out["pollution_rose"]["mean_by_sector"][e] == 20.0
    met.write_text("time,wd,ws\n2019-01-01 01:00,N,1\n2019-01-01 02:00,NORTHISH,1\n", encoding="utf-8")
    bad = runner.invoke(app, ["analyse", "rose", "--met", str(met)])
    assert bad.exit_code == 2 and "line 3, column wd" in bad.output and "NORTHISH" in bad.output


def test_rose_of_uci_beijing_counts_its_hours(analysis_ws, data_dir):
    path = data_dir / "uci_beijing" / "PRSA_Data_Aotizhongxin_20130301-20170228.csv"
    out = json.loads(runner.invoke(app, ["analyse", "rose", "--met", str(path), "-p", "PM2.5", "--json"]).output)
    raw = pd.read_csv(path)
    known = raw.WSPM.notna() & (raw.wd.notna() | (raw.WSPM < 0.5))
    assert out["wind_rose"]["n"] == int(known.sum())
    ne = raw[(raw.wd == "NE") & (raw.WSPM >= 0.5) & raw["PM2.5"].notna()]["PM2.5"].mean()
    assert out["pollution_rose"]["mean_by_sector"][2] == pytest.approx(ne, abs=0.01)


# ------------------------------------------------------------------------------------------- pages
def _session(app_, username):
    from tests.web.conftest import page_session
    return page_session(app_, username)


@pytest.mark.parametrize("kind", ["calendar", "variation", "trend", "exceedance", "compare", "rose"])
def test_every_page_draws_with_its_downloads(analysis_app, kind):
    c = _session(analysis_app, "daqiban")
    query = {"calendar": "unit=140400&year=2019", "variation": "station=1728A", "trend": "unit=140400",
             "exceedance": "unit=140400", "compare": "station=1728A&split=2019-07-01", "rose": ""}[kind]
    r = c.get(f"/analysis/{kind}?{query}")
    assert r.status_code == 200 and "analysis-error" not in r.text, r.text[-800:]
    assert "/static/vendor/echarts.min.js" in r.text and "/static/js/analysis.js" in r.text
    assert f"/api/analysis/{kind}?" in r.text and "format=csv" in r.text
    csv_link = r.text.split(f'href="/api/analysis/{kind}?')[1].split('"')[0].replace("&amp;", "&")
    body = c.get(f"/api/analysis/{kind}?{csv_link}")
    assert body.status_code == 200 and body.headers["content-type"].startswith("text/csv")
    assert len(body.text.strip().splitlines()) > 1


def test_pages_and_api_are_scoped(analysis_app):
    luzhou, tunliu = _session(analysis_app, "luzhou"), _session(analysis_app, "tunliu")
    assert luzhou.get("/analysis/trend?station=1728A").status_code == 200
    assert tunliu.get("/analysis/trend?station=1728A").status_code == 404
    assert tunliu.get("/analysis/calendar?unit=140400&year=2019").status_code == 404     # the city is not a county's
    page = tunliu.get("/analysis/calendar")
    assert page.status_code == 200 and "1728A" not in page.text and "仅显示本辖区数据" in page.text
    rose = tunliu.get("/analysis/rose")                             # Beijing's met station is not 屯留区's
    assert rose.status_code == 200 and "本辖区没有气象数据" in rose.text and "wind_rose" not in rose.text
    assert tunliu.get("/analysis/rose?met_station=Aotizhongxin").status_code == 404
    from fastapi.testclient import TestClient
    from tests.web.conftest import bearer
    api = TestClient(analysis_app)
    assert api.get("/api/analysis/trend?station=1728A").status_code == 401
    assert api.get("/api/analysis/trend?station=1728A", headers=bearer(api, "tunliu")).status_code == 404
    got = api.get("/api/analysis/trend?station=1728A&pollutant=PM2.5", headers=bearer(api, "luzhou"))
    assert got.status_code == 200 and len(got.json()["series"]) == 12
    assert api.get("/api/analysis/trend?station=1728A&pollutant=XYZ", headers=bearer(api, "luzhou")).status_code == 422


def test_a_period_beyond_the_data_is_empty_not_slow(analysis_app):
    from fastapi.testclient import TestClient
    from tests.web.conftest import bearer
    api = TestClient(analysis_app)
    h = bearer(api, "daqiban")
    cal = api.get("/api/analysis/calendar?station=1728A&year=1901", headers=h).json()
    assert len(cal["cells"]) == 365 and all(c["value"] is None for c in cal["cells"])
    wide = api.get("/api/analysis/trend?station=1728A&pollutant=PM2.5&from=1901-01-01&to=2199-12-31", headers=h)
    assert wide.status_code == 200 and [m["period"] for m in wide.json()["series"]][0] == "2019-01"


def test_deseasonalised_trend_of_four_real_years_against_the_references(data_dir):
    """UCI Beijing's Aotizhongxin, 2013-03…2017-02: the monthly means from the CSV by pandas, the STL of
    statsmodels on them, then scipy's Theil–Sen and pymannkendall on the deseasonalised series."""
    from statsmodels.tsa.seasonal import STL
    path = data_dir / "uci_beijing" / "PRSA_Data_Aotizhongxin_20130301-20170228.csv"
    r = runner.invoke(app, ["analyse", "trend", "--met", str(path), "-p", "PM2.5", "--deseason", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    raw = pd.read_csv(path)
    label = pd.to_datetime(raw[["year", "month", "day"]]) + pd.to_timedelta(raw.hour, unit="h")
    day = (label - pd.Timedelta(hours=1)).dt.floor("D")                  # hour 0 closes the day before
    daily = raw.assign(day=day).groupby("day")["PM2.5"].agg(["mean", "count"])
    daily = daily[daily["count"] >= 20]["mean"]
    months = pd.period_range(daily.index.min(), daily.index.max(), freq="M")
    per = daily.groupby(daily.index.to_period("M")).agg(["mean", "count"]).reindex(months)
    monthly = per["mean"].where(per["count"] >= 0.5 * months.days_in_month)
    assert [m["period"] for m in out["series"]] == [str(p) for p in months]
    for m, ref in zip(out["series"], monthly):
        assert (m["observed"] is None) == bool(np.isnan(ref)) and (m["observed"] is None or m["observed"] == pytest.approx(ref, abs=1e-3))
    seasonal = STL(monthly.interpolate(limit_direction="both").to_numpy(), period=12, seasonal=35, robust=True).fit().seasonal
    des = [(i, v - s) for i, (v, s) in enumerate(zip(monthly, seasonal)) if not np.isnan(v)]
    assert [m["value"] for m in out["series"] if m["value"] is not None] == pytest.approx([d for _, d in des], abs=1e-3)
    x = np.array([months[i].year + (months[i].month - 1) / 12 for i, _ in des])
    y = np.array([d for _, d in des])
    ref = sps.theilslopes(y, x)
    assert out["slope_per_year"] == pytest.approx(ref.slope, abs=1e-3)
    assert (out["sen_lower"], out["sen_upper"]) == pytest.approx((ref.low_slope, ref.high_slope), abs=1e-3)
    assert out["p"] == pytest.approx(pymannkendall.original_test(y).p, abs=1e-6)
    assert out["lower"] < out["slope_per_year"] < out["upper"] < 0 and out["p"] < 0.05     # PM2.5 fell, 2013–2017


def test_the_demo_carries_a_met_file_for_the_roses(tmp_path, data_dir):
    from lantian.analysis.wind import read_met
    from lantian.analysis.demo import demo_met
    from lantian.workspace import init
    ws = init(tmp_path / "ws")
    demo_met(ws, data_dir)
    demo_met(ws, data_dir)                             # a rerun of demo init changes nothing
    files = list((ws.root / "met").glob("*.csv"))
    assert len(files) == 1 and read_met(files[0]).stations() == ["Aotizhongxin"]
