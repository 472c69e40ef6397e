"""``lantian forecast`` end to end on Changzhi's 2019 store: run (the city and each county with data,
stored with its model and data window), show, evaluate --json (the shape the issue's proof reads),
the met file (import, a bad file refused whole, its gain reported) and the warning path
(``alert level --from-forecast``, ``alert issue --from-forecast`` naming the forecast)."""
from __future__ import annotations

import datetime as dt
import json
import math

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from lantian import db
from lantian.cli import app
from tests.forecast.conftest import CITY, LUZHOU

runner = CliRunner()


def run(ws, *args):
    r = runner.invoke(app, [*map(str, args), "-w", str(ws.root)])
    return r


@pytest.fixture(scope="module")
def made(changzhi):
    r = run(changzhi, "forecast", "run", "--unit", CITY, "--date", "2019-12-20", "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_run_stores_the_city_and_each_county_with_data(changzhi, made):
    runs = {r["unit"]: r for r in made["runs"]}
    assert set(runs) == {CITY, LUZHOU}                  # 3568A–3570A did not report in 2019
    assert {s.split()[0] for s in made["skipped"]} == {"140404", "140405", "140406"}
    city = runs[CITY]
    assert city["base_day"] == "2019-12-20" and city["model"] == "wls" and city["data_to"] == "2019-12-20"
    assert city["data_from"] == "2019-01-01" and city["data_days"] > 300 and "1727A" in city["stations"]
    assert [d["day"] for d in city["days"]] == ["2019-12-21", "2019-12-22", "2019-12-23"]
    for d in city["days"]:
        assert d["aqi_lower"] <= d["aqi"] <= d["aqi_upper"]
        assert d["category"] in ("优", "良", "轻度污染", "中度污染", "重度污染", "严重污染")
        assert d["primary"] in (None, "PM2.5", "PM10", "O3_8h")
        for v in ("pm25", "pm10", "o3_8h"):
            assert d[v]["lower"] <= d[v]["value"] <= d[v]["upper"]
    from lantian.forecast.models import ForecastDay, ForecastRun
    with db.session(changzhi.database_url) as s:
        stored = s.get(ForecastRun, city["id"])
        assert stored.data_from == dt.date(2019, 1, 1) and json.loads(stored.settings)["model"] == "wls"
        assert s.scalar(sa.select(sa.func.count()).select_from(ForecastDay)
                        .where(ForecastDay.run_id == city["id"])) == 3
    shown = json.loads(run(changzhi, "forecast", "show", "--unit", CITY, "--json").output)
    assert shown[0]["id"] >= city["id"]


def test_run_refuses_a_day_without_data_and_writes_nothing(changzhi):
    from lantian.forecast.models import ForecastRun
    with db.session(changzhi.database_url) as s:
        before = s.scalar(sa.select(sa.func.count()).select_from(ForecastRun))
    r = run(changzhi, "forecast", "run", "--unit", CITY, "--date", "2021-03-01")
    assert r.exit_code == 2 and "no valid daily AQI" in r.output and "Traceback" not in r.output
    r = run(changzhi, "forecast", "run", "--unit", "140425")
    assert r.exit_code == 2 and "no assessment stations" in r.output
    with db.session(changzhi.database_url) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(ForecastRun)) == before


def test_run_refuses_too_short_a_history_and_stores_no_empty_forecast(changzhi):
    """A new office with five days in its store: no forecast of "None" values is stored — the run is
    refused with the days it has and what it needs."""
    from lantian.forecast.models import ForecastRun
    with db.session(changzhi.database_url) as s:
        before = s.scalar(sa.select(sa.func.count()).select_from(ForecastRun))
    r = run(changzhi, "forecast", "run", "--unit", CITY, "--date", "2019-01-05")
    assert r.exit_code == 2 and "历史数据不足" in r.output and "10 valid days" in r.output, r.output
    assert "None" not in r.output and "Traceback" not in r.output
    with db.session(changzhi.database_url) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(ForecastRun)) == before


def test_evaluate_json_shape(changzhi):
    r = run(changzhi, "forecast", "evaluate", "--unit", CITY, "--from", "2019-11-01", "--to", "2019-12-31",
            "--json", "--no-met")
    assert r.exit_code == 0, r.output
    v = json.loads(r.output)
    assert v["unit"] == CITY and v["from"] == "2019-11-01" and v["model"] == "wls"
    for var in ("aqi", "pm25", "o3_8h"):
        for lead in ("1", "2", "3"):
            s = v["variables"][var][lead]
            assert s["n"] > 50
            for k in ("mae", "rmse", "mae_persistence", "mae_climatology", "skill_persistence",
                      "skill_climatology", "category_accuracy"):
                assert isinstance(s[k], float) and math.isfinite(s[k]), (var, lead, k)
            assert s["skill_persistence"] == round(1 - s["mae"] / s["mae_persistence"], 3)
    for key, var in (("aqi_above_200", "aqi"), ("o3_8h_above_160", "o3_8h")):
        e = v["variables"][var]["1"][key]["forecast"]
        assert {"pod", "far", "csi", "hits", "misses", "false_alarms"} <= set(e)
    assert [w["ruleset"] for w in v["warnings"]] == ["875", "648", "2024"]
    for w in v["warnings"]:
        assert w["days"] > 50 and sum(w["levels"]["observed"].values()) == w["days"]
    assert set(v["goal"]) == {"aqi", "o3_8h"}
    # the mean absolute error is that of the printed table too
    text = run(changzhi, "forecast", "evaluate", "--unit", CITY, "--from", "2019-11-01", "--to", "2019-12-31",
               "--no-met").output
    assert str(v["variables"]["aqi"]["1"]["mae"]) in text and "goal" in text


def test_evaluate_refuses_reversed_dates(changzhi):
    r = run(changzhi, "forecast", "evaluate", "--unit", CITY, "--from", "2019-12-01", "--to", "2019-11-01")
    assert r.exit_code == 2 and "before --from" in r.output


def _met_file(path, unit=CITY):
    lines = ["date,unit,temperature,humidity,wind_speed,wind_direction,precipitation,blh"]
    day = dt.date(2019, 1, 1)
    while day <= dt.date(2020, 1, 3):
        k = day.timetuple().tm_yday
        lines.append(f"{day},{unit},{10 + 15 * math.sin(k / 58):.1f},{50 + 20 * math.cos(k / 7):.0f},"
                     f"{2 + math.sin(k / 3):.1f},{(k * 37) % 360},{0.0 if k % 6 else 3.5},{600 + 300 * math.sin(k / 5):.0f}")
        day += dt.timedelta(days=1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_met_file_import_and_its_gain_reported(changzhi, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,unit,temperature,humidity,wind_speed,wind_direction,precipitation\n"
                   "2019-12-01,140400,3,40,2,90,0\n2019-12-02,140400,3,150,2,90,0\n", encoding="utf-8")
    r = run(changzhi, "forecast", "met", "import", bad)
    assert r.exit_code == 2 and "line 3" in r.output and "humidity" in r.output
    from lantian.forecast.models import MetRow
    with db.session(changzhi.database_url) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(MetRow)) == 0        # nothing half-written
    r = run(changzhi, "forecast", "met", "import", _met_file(tmp_path / "met.csv", LUZHOU), "--json")
    assert r.exit_code == 0, r.output
    got = json.loads(r.output)
    assert got["added"] == 368 and got["units"] == [LUZHOU]
    again = json.loads(run(changzhi, "forecast", "met", "import", tmp_path / "met.csv", "--json").output)
    assert again["added"] == 0 and again["replaced"] == 0 and again["unchanged"] == 368   # the same file: nothing
    lines = (tmp_path / "met.csv").read_text(encoding="utf-8").splitlines()
    head, first = lines[0].split(","), lines[1].split(",")
    first[head.index("humidity")] = "99"                    # one day's forecast revised
    (tmp_path / "met.csv").write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n", encoding="utf-8")
    revised = json.loads(run(changzhi, "forecast", "met", "import", tmp_path / "met.csv", "--json").output)
    assert (revised["added"], revised["replaced"], revised["unchanged"]) == (0, 1, 367)
    v = json.loads(run(changzhi, "forecast", "evaluate", "--unit", LUZHOU, "--from", "2019-12-01", "--to",
                       "2019-12-31", "--json").output)
    assert v["met_source"] == "met.csv"
    g = v["met_gain"]["aqi"]["1"]
    assert g["mae_with_met"] == v["variables"]["aqi"]["1"]["mae"]
    assert g["gain"] == round(g["mae_without_met"] - g["mae_with_met"], 1)


def test_alert_level_from_the_stored_forecast(changzhi, made):
    city = next(r for r in made["runs"] if r["unit"] == CITY)
    r = run(changzhi, "alert", "level", "--forecast-run", city["id"], "--explain")
    assert r.exit_code == 0, r.output
    assert r.output.split()[0] == "none" and f"forecast {city['id']}" in r.output
    assert ", ".join(str(d["aqi"]) for d in city["days"]) in r.output
    r = run(changzhi, "alert", "level")
    assert r.exit_code == 2 and "--from-forecast" in r.output


def test_alert_issue_records_the_forecast_it_relied_on(changzhi, made):
    """A stored forecast of heavy pollution (its days set by hand to 230, 250, 210) issues orange; the
    warning names the run, and so does its notice."""
    from lantian.emergency.models import Alert
    from lantian.forecast.models import ForecastDay
    city = next(r for r in made["runs"] if r["unit"] == CITY)
    with db.session(changzhi.database_url) as s:
        for d, aqi in zip(sorted(s.scalars(sa.select(ForecastDay).where(ForecastDay.run_id == city["id"])),
                                 key=lambda d: d.day), (230, 250, 210)):
            d.aqi = aqi
    r = run(changzhi, "alert", "level", "--forecast-run", city["id"])
    assert r.output.split()[0] == "orange"
    r = run(changzhi, "alert", "issue", "--forecast-run", city["id"])
    assert r.exit_code == 0, r.output
    with db.session(changzhi.database_url) as s:
        a = s.scalars(sa.select(Alert).order_by(Alert.id.desc())).first()
        assert a.forecast_run_id == city["id"] and json.loads(a.forecast) == [230, 250, 210]
        assert a.start.astimezone(db.BEIJING).date() == dt.date(2019, 12, 21)
        document = changzhi.root / a.document
    from docx import Document
    text = "\n".join(p.text for p in Document(document).paragraphs)
    assert f"空气质量预报第{city['id']}号" in text and "2019-12-20起报" in text
    run(changzhi, "alert", "lift", a.id)


def test_the_scheduler_suggests_from_the_stored_forecast_and_never_issues(changzhi, made):
    """After the previous test the city's stored forecast reads 230, 250, 210 and no warning is active:
    the suggested-level job raises one message naming the run (once), and issues nothing."""
    from types import SimpleNamespace

    from lantian.emergency.models import Alert
    from lantian.live import jobs
    city = next(r for r in made["runs"] if r["unit"] == CITY)
    ctx = SimpleNamespace(ws=changzhi, url=changzhi.database_url, config=changzhi.config)
    with db.session(changzhi.database_url) as s:
        alerts_before = s.scalar(sa.select(sa.func.count()).select_from(Alert))
    first = jobs.suggested_level(ctx)
    assert first["forecast_run"] == city["id"] and first["level"] == "orange" and first["events"] == 1
    assert jobs.suggested_level(ctx)["events"] == 0                 # the same suggestion once
    with db.session(changzhi.database_url) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Alert)) == alerts_before


def test_a_forecast_without_interval_shows_a_dash_not_none(changzhi):
    """persistence (and climatology) give no interval: the CLI table and the forecast card show —,
    never「None–None」."""
    r = run(changzhi, "forecast", "run", "--unit", LUZHOU, "--date", "2019-12-20", "--model", "persistence")
    assert r.exit_code == 0, r.output
    assert "None" not in r.output and "—" in r.output
    shown = json.loads(run(changzhi, "forecast", "show", "--unit", LUZHOU, "--json").output)
    assert shown[0]["model"] == "persistence" and shown[0]["days"][0]["aqi_lower"] is None
    from lantian.web.templating import templates
    html = templates.env.get_template("forecast/_latest.html").render(forecasts=shown)
    assert "None" not in html and str(shown[0]["days"][0]["aqi"]) in html
