"""The scheduler on a fake clock: slots of "every", "daily HH:MM" (Beijing) and "new_hours" jobs, each run
recorded with start, end and result, a failed run retried after its delay and reported when it gives up."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from lantian import db
from lantian.errors import UsageError
from lantian.live import scheduler as sch
from lantian.live.models import Event, JobRun
from tests.live.conftest import database_env

UTC = dt.timezone.utc


def beijing(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=db.BEIJING).astimezone(UTC)


class Clock:
    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self):
        return self.now

    def forward(self, **delta):
        self.now += dt.timedelta(**delta)


def test_triggers_are_read_and_bad_ones_named():
    assert sch.parse_trigger("every 15m", "x") == sch.Trigger("every", minutes=15)
    assert sch.parse_trigger("every 2h", "x").minutes == 120
    assert sch.parse_trigger("daily 08:30", "x").at == dt.time(8, 30)
    assert sch.parse_trigger("new_hours", "x").kind == "new_hours" and sch.parse_trigger("off", "x").kind == "off"
    with pytest.raises(UsageError, match=r"\[schedule\] deliver = 'hourly'"):
        sch.schedule_settings({"schedule": {"deliver": "hourly"}})
    with pytest.raises(UsageError, match="no setting nightly"):
        sch.schedule_settings({"schedule": {"nightly": "daily 01:00"}})


def test_the_schedule_on_a_fake_clock(live, tmp_path):
    calls: list[tuple[str, dt.datetime]] = []
    clock = Clock(beijing("2024-05-06 07:58:00"))
    fails = {"left": 2}

    def job(name):
        def run(ctx):
            calls.append((name, ctx.now))
            return {"seen": len(calls)}
        return run

    def flaky(ctx):
        if fails["left"]:
            fails["left"] -= 1
            raise RuntimeError("SMTP server away")
        return {"sent": 1}

    jobs = {"fire_escalation": job("fire"), "daily_report": job("daily"), "hourly_aqi": job("hourly"),
            "deliver": flaky}
    config = ("\n[schedule]\nfire_escalation = \"every 15m\"\ndaily_report = \"daily 08:30\"\n"
              "hourly_aqi = \"new_hours\"\ndeliver = \"every 1h\"\n[schedule.retry]\nattempts = 1\nafter_minutes = 5\n")
    ws = live.ws
    original = ws.config_path.read_text(encoding="utf-8")
    ws.config_path.write_text(original + config, encoding="utf-8")
    try:
        with database_env(live.url):
            with db.session(live.url) as s:
                s.execute(sa.delete(JobRun))
            s_ = sch.Scheduler(ws, live.url, clock=clock, jobs=jobs)
            first = s_.tick()
            assert {r.job for r in first} == {"fire_escalation", "hourly_aqi", "deliver"}   # 08:30 not yet
            failed = [r for r in first if r.job == "deliver"][0]
            assert failed.status == "failed" and "SMTP server away" in failed.error
            assert failed.retry_at == clock.now + dt.timedelta(minutes=5)
            ok = [r for r in first if r.job == "fire_escalation"][0]
            assert ok.status == "ok" and ok.ended_at >= ok.started_at and '"seen"' in ok.result
            assert s_.tick() == []                                    # same slot, same store: nothing due
            clock.forward(minutes=6)                                  # 08:04: the retry is due, and 08:00's slot
            ran = {r.job: r for r in s_.tick()}
            assert set(ran) == {"deliver", "fire_escalation"}
            retry = ran["deliver"]
            assert (retry.job, retry.attempt, retry.status) == ("deliver", 2, "failed")
            assert retry.retry_at is None                             # attempts used up: given up …
            with db.session(live.url) as s:
                gave_up = s.scalar(sa.select(Event).where(Event.kind == "job_failed").order_by(Event.id.desc()))
                assert gave_up is not None and "消息发送与重试" in gave_up.title   # … and the office is told
            clock.forward(minutes=11)                                 # 08:15: the next fire slot, 08:00's deliver
            ran = {r.job: r for r in s_.tick()}
            assert set(ran) == {"fire_escalation", "deliver"} and ran["deliver"].status == "ok"   # it recovered
            clock.forward(minutes=16)                                 # 08:31: the daily report
            ran = s_.tick()
            assert sorted(r.job for r in ran) == ["daily_report", "fire_escalation"]
            daily = [r for r in ran if r.job == "daily_report"][0]
            assert daily.due_at == beijing("2024-05-06 08:30:00")
            clock.forward(hours=1)
            assert "daily_report" not in [r.job for r in s_.tick()]   # once a day
            from lantian.measurements.store import Store
            version = Store(ws.measurements).manifest()["version"]
            live.build()                                              # nothing new: no new hours
            assert "hourly_aqi" not in [r.job for r in s_.tick()]
            import pyarrow as pa
            from lantian.measurements.store import ImportSummary
            Store(ws.measurements).ingest(pa.table({"station": ["9002A"], "time": [dt.datetime(2024, 5, 7, 1)],
                                                    "pollutant": ["PM10"], "value": [77.0], "unit": ["µg/m³"],
                                                    "averaging": ["1h"]}), "table",
                                          ImportSummary("sched-test", "table", []))
            assert Store(ws.measurements).manifest()["version"] == version + 1
            assert "hourly_aqi" in [r.job for r in s_.tick()]          # new data: after each hour's data
            listed = sch.runs(live.url)
            assert listed[0]["status"] in ("ok", "failed") and all(r["label"] for r in listed)
            assert len(sch.runs(live.url, failed_only=True)) == 2
    finally:
        ws.config_path.write_text(original, encoding="utf-8")
    assert [c[0] for c in calls].count("daily") == 1
