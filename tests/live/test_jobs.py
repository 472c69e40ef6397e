"""The scheduler's jobs on a real workspace: hourly AQI above 200 heard by the county only, devices gone
silent, facility hours against the limit set chosen (standard vs ultra-low), warnings from the audit
log, the fire past its deadline, the forecast's suggested level and the 日报 through the document
service."""
from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import sqlalchemy as sa

from lantian import db
from lantian.live import scheduler as sch
from lantian.live.models import Event
from lantian.measurements.store import ImportSummary, Store
from tests.live.conftest import Device, database_env, packet

UTC = dt.timezone.utc


def run(live, name: str, now: dt.datetime | None = None, config: str = "") -> dict:
    ws = live.ws
    original = ws.config_path.read_text(encoding="utf-8")
    if config:
        ws.config_path.write_text(original + config, encoding="utf-8")
    try:
        with database_env(live.url):
            now = now or db.now_utc()
            r = sch.Scheduler(ws, live.url, clock=lambda: now).run(name, now, 1, now)
    finally:
        ws.config_path.write_text(original, encoding="utf-8")
    assert r.status == "ok", r.error
    return json.loads(r.result)


def events(live, kind: str) -> list[Event]:
    with db.session(live.url) as s:
        return list(s.scalars(sa.select(Event).where(Event.kind == kind).order_by(Event.id)))


def test_hourly_aqi_above_200_is_heard_in_its_county(live):
    hours = [dt.datetime(2024, 5, 8, h) for h in (1, 2)]
    Store(live.measurements).ingest(pa.table({
        "station": ["9001A"] * 4, "time": hours * 2, "pollutant": ["PM2_5", "PM2_5", "PM10", "PM10"],
        "value": [40.0, 260.0, 80.0, 300.0], "unit": ["µg/m³"] * 4, "averaging": ["1h"] * 4}), "table",
        ImportSummary("jobs-aqi", "table", []))
    result = run(live, "hourly_aqi")
    assert result["max"]["station"] == "9001A" and result["max"]["aqi"] == 310      # PM2.5 260 µg/m³ → IAQI 310
    [event] = [e for e in events(live, "aqi_above") if json.loads(e.data)["station"] == "9001A"
               and json.loads(e.data)["time"].startswith("2024-05-08 02")]
    assert event.unit_code == "140403" and "AQI 310" in event.title
    from lantian.live import notify
    with db.session(live.url) as s:
        from tests.live.test_notify import uid
        assert event.title in [m["title"] for m in notify.inbox(s, uid(s, "luzhou"))]
        assert event.title not in [m["title"] for m in notify.inbox(s, uid(s, "tunliu"))]
    assert run(live, "hourly_aqi")["station_hours"] >= 0                             # again: raised once
    assert len([e for e in events(live, "aqi_above") if e.key == event.key]) == 1


def test_silent_devices(live):
    later = db.now_utc() + dt.timedelta(days=2)
    result = run(live, "silent_devices", later)
    assert result["silent"] >= 3
    silent = {json.loads(e.data)["mn"]: e for e in events(live, "device_silent")}
    from tests.live.conftest import BOILER_MN
    assert silent[BOILER_MN].enterprise_id is not None and silent[BOILER_MN].unit_code == "140403"


def test_emission_limits_standard_or_ultra_low(live, tmp_path):
    from lantian.live.receiver import run_in_thread
    from lantian.live.service import _loader
    import asyncio
    from tests.live.conftest import BOILER_MN
    r, loop, thread = run_in_thread(live.journal, _loader(live.url))
    try:
        dev = Device(r.port)
        dev.send(packet("2061", "DataTime=20240509090000;a21026-ZsAvg=180.4,a21026-Flag=N;a21002-ZsAvg=210,"
                                "a21002-Flag=N;a34013-Avg=9,a34013-Flag=N;a19001-Avg=12,a19001-Flag=N",
                        mn=BOILER_MN, st="31", qn="20240509100000001"))
        dev.answers(1)
        dev.close()
    finally:
        asyncio.run_coroutine_threadsafe(r.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
    live.build()
    standard = run(live, "emission_limits")
    assert standard["limits"] == "standard" and standard["exceedances"] == 0       # 在用燃煤锅炉: 400/400/80
    ultra = run(live, "emission_limits", config='\n[live]\nlimits = "ultra_low"\nlimit_hours = 100000\n')
    assert ultra["limits"] == "ultra_low"
    found = {json.loads(e.data)["pollutant"]: e for e in events(live, "emission_above")
             if json.loads(e.data)["time"].startswith("2024-05-09 10")}
    assert set(found) == {"SO2", "NOx", "PM"}
    assert "180.4 mg/m³（折算值（设备上传）" in found["SO2"].body and "限值 35" in found["SO2"].body
    assert "按含氧量12%折算至9%" in found["PM"].body and "12.0 mg/m³" in found["PM"].body   # 9 × 12/9
    assert all(e.enterprise_id is not None for e in found.values())


def test_warnings_from_the_audit_log(live):
    from lantian.emergency import service as emergency
    run(live, "audit_events")                               # the first run starts at the log's end
    with db.session(live.url) as s:
        alert = emergency.issue(s, live.root, live.office(), [220, 310, 260], "2024", start=dt.date(2024, 5, 10))
        alert_id = alert.id
    with db.session(live.url) as s:
        emergency.lift(s, live.office(), alert_id)
    result = run(live, "audit_events")
    assert result["events"] >= 2
    issued = [e for e in events(live, "alert_issued") if json.loads(e.data).get("alert") == str(alert_id)]
    lifted = [e for e in events(live, "alert_lifted") if json.loads(e.data).get("alert") == str(alert_id)]
    assert len(issued) == 1 and "红色" in issued[0].title or "橙色" in issued[0].title
    assert len(lifted) == 1
    assert run(live, "audit_events")["events"] == 0         # read once


def test_fire_past_its_deadline_and_the_suggested_level(live):
    from lantian.fires import service as fires
    with db.session(live.url) as s:
        made = fires.add_report(s, live.office(), time=dt.datetime(2024, 5, 1, 18, 30), lat="36.20", lon="113.12",
                                source="manual", reporter="巡查员", note="测试", config=live.ws.config)
    run(live, "fire_escalation")
    [fire] = [e for e in events(live, "fire_escalated") if json.loads(e.data)["case"] == made["case"]]
    assert fire.unit_code == "140403"
    folder = live.root / "forecasts"
    folder.mkdir(exist_ok=True)
    (folder / "forecast-0510.csv").write_text("date,aqi\n2024-05-10,160\n2024-05-11,210\n2024-05-12,220\n",
                                              encoding="utf-8")
    result = run(live, "suggested_level")
    assert result["level"] in ("orange", "yellow") and result["events"] == 1
    [suggest] = events(live, "suggested_level")[-1:]
    assert "预报建议启动" in suggest.title and "forecast-0510.csv" in suggest.body


def test_the_daily_report(live):
    hours = [dt.datetime(2024, 5, 8) + dt.timedelta(hours=h) for h in range(1, 25)]     # 01:00 … 24:00
    values = {"PM2_5": 35.0, "PM10": 70.0, "SO2": 10.0, "NO2": 30.0, "CO": 0.6, "O3": 90.0}
    rows = [(st, t, p, v) for st in ("9001A", "9002A") for t in hours for p, v in values.items()]
    Store(live.measurements).ingest(pa.table({
        "station": [r[0] for r in rows], "time": [r[1] for r in rows], "pollutant": [r[2] for r in rows],
        "value": [r[3] for r in rows], "unit": ["mg/m³" if r[2] == "CO" else "µg/m³" for r in rows],
        "averaging": ["1h"] * len(rows)}), "table", ImportSummary("jobs-daily", "table", []))
    day = dt.datetime(2024, 5, 9, 9, tzinfo=db.BEIJING)
    result = run(live, "daily_report", day.astimezone(UTC), config="\n[live]\nreport_pdf = false\n")
    assert result["day"] == "2024-05-08" and (live.root / result["docx"]).is_file()
    from docx import Document
    text = "\n".join(p.text for p in Document(live.root / result["docx"]).paragraphs)
    assert "长治市环境空气质量日报" in text and "2024年5月8日" in text and "小时AQI超过200" in text
    cells = [c.text for t in Document(live.root / result["docx"]).tables for row in t.rows for c in row.cells]
    assert "潞州区" in cells and "屯留区" in cells and result["counties"] >= 2
    [event] = [e for e in events(live, "daily_report") if e.key == "daily:2024-05-08"]
    assert event.link == "/live/reports/2024-05-08"
