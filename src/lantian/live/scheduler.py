"""The scheduler: one clock for the jobs of the live loop, each run recorded (start, end, result), a
failed run tried again, and the schedule in lantian.toml::

    [schedule]                       # "every 15m", "every 2h", "daily 08:30" (Beijing), "new_hours", "off"
    audit_events = "every 1m"        # warnings issued/updated/lifted, letters issued, 督办 → events
    hourly_aqi = "new_hours"         # after each hour's data: the hourly AQI, AQI > 200 (⚠), the dashboards
    daily_report = "daily 08:30"     # 日报 (.docx and PDF) of the latest day with data
    fire_escalation = "every 15m"    # fire cases past their deadline
    milestones = "daily 08:00"       # plan milestones due or overdue
    silent_devices = "every 5m"      # devices silent longer than [hj212] silent_minutes (⚠)
    emission_limits = "every 15m"    # facility hours above their limits ([live] limits ⚠)
    suggested_level = "every 30m"    # the warning level the latest forecast file suggests
    deliver = "every 1m"             # e-mails and robot messages, retried when they fail
    [schedule.retry]
    attempts = 3                     # a failed run is tried this many more times,
    after_minutes = 5                # this long after it failed

The clock is a parameter (tests drive a fake one); ``lantian worker`` and ``lantian serve`` tick it
every ``tick_seconds``.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
import traceback
from dataclasses import dataclass, field
from typing import Callable

import sqlalchemy as sa

from lantian import db
from lantian.db import BEIJING, now_utc
from lantian.errors import UsageError
from lantian.live.models import JobRun
from lantian.workspace import check_keys
from lantian.db import to_beijing
from lantian.live import jobs as job_functions, notify
from lantian.measurements.store import Store

DEFAULT_SCHEDULE = {"audit_events": "every 1m", "hourly_aqi": "new_hours", "daily_report": "daily 08:30",
                    "fire_escalation": "every 15m", "milestones": "daily 08:00", "silent_devices": "every 5m",
                    "emission_limits": "every 15m", "suggested_level": "every 30m", "deliver": "every 1m"}
LABELS = {"audit_events": "预警、函件与督办通知", "hourly_aqi": "小时AQI与首页", "daily_report": "空气质量日报",
          "fire_escalation": "火点逾期升级", "milestones": "任务节点到期与逾期", "silent_devices": "设备离线检查",
          "emission_limits": "企业排放限值核查", "suggested_level": "预报建议预警级别", "deliver": "消息发送与重试"}


@dataclass(frozen=True)
class Trigger:
    kind: str                      # every | daily | new_hours | off
    minutes: int = 0
    at: dt.time | None = None

    def describe(self) -> str:
        if self.kind == "every":
            return f"每{self.minutes}分钟"
        if self.kind == "daily":
            return f"每日{self.at:%H:%M}（北京时间）"
        return {"new_hours": "新数据入库后", "off": "停用"}[self.kind]


def parse_trigger(text: str, job: str, source: str = "lantian.toml") -> Trigger:
    t = str(text).strip().lower()
    try:
        if t == "off":
            return Trigger("off")
        if t == "new_hours":
            return Trigger("new_hours")
        if t.startswith("every "):
            n, unit = t[6:].strip()[:-1], t[-1]
            minutes = int(n) * {"m": 1, "h": 60}[unit]
            if minutes <= 0:
                raise ValueError
            return Trigger("every", minutes=minutes)
        if t.startswith("daily "):
            return Trigger("daily", at=dt.time.fromisoformat(t[6:].strip()))
    except (ValueError, KeyError):
        pass
    raise UsageError(f"{source}: [schedule] {job} = {text!r}: write \"every 15m\", \"every 2h\", \"daily 08:30\", "
                     "\"new_hours\" or \"off\"")


@dataclass(frozen=True)
class ScheduleSettings:
    triggers: dict
    attempts: int = 3
    after_minutes: int = 5
    tick_seconds: float = 20.0


def schedule_settings(config: dict | None, source: str = "lantian.toml") -> ScheduleSettings:
    section = dict((config or {}).get("schedule", {}))
    retry = section.pop("retry", {})
    tick = section.pop("tick_seconds", 20.0)
    check_keys(section, set(DEFAULT_SCHEDULE), "schedule", source)
    check_keys(retry, {"attempts", "after_minutes"}, "schedule.retry", source)
    triggers = {job: parse_trigger(section.get(job, default), job, source) for job, default in DEFAULT_SCHEDULE.items()}
    return ScheduleSettings(triggers, int(retry.get("attempts", 3)), int(retry.get("after_minutes", 5)), float(tick))


@dataclass
class Context:
    """What a job sees: the workspace, its database, the scheduler's now, and the serving app's hooks."""
    ws: object
    url: str
    now: dt.datetime
    previous: dict | None                     # the result of the job's last successful run
    hooks: dict = field(default_factory=dict)

    @property
    def config(self) -> dict:
        return self.ws.config


def _store_version(ws) -> int:
    return int(Store(ws.measurements).manifest()["version"])


class Scheduler:
    def __init__(self, ws, url: str | None = None, clock: Callable[[], dt.datetime] | None = None,
                 hooks: dict | None = None, jobs: dict | None = None):
        self.ws = ws
        self.url = url or ws.database_url
        self.clock = clock or now_utc
        self.hooks = hooks or {}
        self.jobs = jobs if jobs is not None else job_functions.JOBS
        self.lock = threading.Lock()

    @property
    def settings(self) -> ScheduleSettings:
        return schedule_settings(self.ws.config, str(self.ws.config_path))

    # ----------------------------------------------------------------- what is due
    def _slot(self, trigger: Trigger, now: dt.datetime) -> dt.datetime | None:
        if trigger.kind == "every":
            step = trigger.minutes * 60
            return dt.datetime.fromtimestamp(int(now.timestamp()) // step * step, dt.timezone.utc)
        if trigger.kind == "daily":
            local = now.astimezone(BEIJING)
            at = dt.datetime.combine(local.date(), trigger.at, BEIJING)
            return at.astimezone(dt.timezone.utc) if local >= at else None
        return None

    def due(self, now: dt.datetime | None = None) -> list[tuple[str, dt.datetime, int]]:
        """(job, due moment, attempt) of every job due at ``now``: its slot not run yet, new data for a
        ``new_hours`` job, or a failed run whose retry time has come."""
        now = now or self.clock()
        settings = self.settings
        out = []
        with db.session(self.url) as s:
            for name in self.jobs:
                trigger = settings.triggers.get(name, Trigger("off"))
                last = s.scalar(sa.select(JobRun).where(JobRun.job == name).order_by(JobRun.id.desc()).limit(1))
                if last is not None and last.status == "failed" and last.retry_at is not None and last.retry_at <= now:
                    out.append((name, last.due_at, last.attempt + 1))
                    continue
                if trigger.kind == "off":
                    continue
                if trigger.kind == "new_hours":
                    seen = json.loads(last.result or "{}").get("store_version") if last else None
                    pending = last is not None and last.status == "failed" and last.retry_at is not None
                    if seen != _store_version(self.ws) and not pending:
                        out.append((name, now.replace(second=0, microsecond=0), 1))
                    continue
                slot = self._slot(trigger, now)
                if slot is None:
                    continue
                if s.scalar(sa.select(JobRun.id).where(JobRun.job == name, JobRun.due_at == slot)) is None:
                    out.append((name, slot, 1))
        return out

    # ----------------------------------------------------------------- running
    def run(self, name: str, due_at: dt.datetime, attempt: int = 1, now: dt.datetime | None = None) -> JobRun:
        now = now or self.clock()
        settings = self.settings
        with db.session(self.url) as s:
            ok = s.scalar(sa.select(JobRun).where(JobRun.job == name, JobRun.status == "ok")
                          .order_by(JobRun.id.desc()).limit(1))
            previous = json.loads(ok.result or "{}") if ok else None
            run = JobRun(job=name, due_at=due_at, attempt=attempt, started_at=now, status="running")
            s.add(run)
            s.flush()
            run_id = run.id
            if attempt > 1:                        # the failed run it retries is not retried again
                for old in s.scalars(sa.select(JobRun).where(JobRun.job == name, JobRun.due_at == due_at,
                                                             JobRun.id != run_id, JobRun.retry_at.is_not(None))):
                    old.retry_at = None
        ctx = Context(self.ws, self.url, now, previous, self.hooks)
        version = _store_version(self.ws) if settings.triggers.get(name, Trigger("off")).kind == "new_hours" else None
        try:
            result = self.jobs[name](ctx) or {}
            status, error = "ok", None
        except Exception as exc:                   # noqa: BLE001 — a failed run is recorded, retried, shown
            result, status = {}, "failed"
            error = "".join(traceback.format_exception_only(type(exc), exc)).strip() + "\n" + \
                "".join(traceback.format_tb(exc.__traceback__)[-3:])
        if version is not None:
            result.setdefault("store_version", version)
        with db.session(self.url) as s:
            run = s.get(JobRun, run_id)
            run.status, run.error = status, error
            run.result = json.dumps(result, ensure_ascii=False, default=str)
            run.ended_at = max(self.clock(), now)
            if status == "failed":
                if attempt <= settings.attempts:
                    run.retry_at = now + dt.timedelta(minutes=settings.after_minutes)
                else:
                    notify.emit(s, "job_failed", f"job_failed:{name}:{due_at.isoformat()}",
                                f"定时任务「{LABELS.get(name, name)}」失败", f"{attempt}次尝试均失败：{error.splitlines()[0]}",
                                link="/live/jobs")
        with db.session(self.url) as s:
            return s.get(JobRun, run_id)

    def tick(self, now: dt.datetime | None = None) -> list[JobRun]:
        """Run every job due now, in the order of the schedule."""
        with self.lock:
            now = now or self.clock()
            return [self.run(name, due_at, attempt, now) for name, due_at, attempt in self.due(now)]


def runs(url: str, limit: int = 200, failed_only: bool = False) -> list[dict]:
    """The latest runs, newest first (the admin page)."""
    with db.session(url) as s:
        q = sa.select(JobRun).order_by(JobRun.id.desc()).limit(limit)
        if failed_only:
            q = q.where(JobRun.status == "failed")
        rows = list(s.scalars(q))
    fmt = lambda t: to_beijing(t).isoformat(timespec="seconds") if t else None
    return [{"id": r.id, "job": r.job, "label": LABELS.get(r.job, r.job), "due_at": fmt(r.due_at),
             "attempt": r.attempt, "started_at": fmt(r.started_at), "ended_at": fmt(r.ended_at),
             "seconds": round((r.ended_at - r.started_at).total_seconds(), 2) if r.ended_at else None,
             "status": r.status, "result": json.loads(r.result) if r.result else None, "error": r.error,
             "retry_at": fmt(r.retry_at)} for r in rows]


def run_worker(ws, once: bool = False, say=print, stop: threading.Event | None = None, hooks: dict | None = None) -> None:
    """``lantian worker``: tick the scheduler until stopped (or once)."""
    import signal
    scheduler = Scheduler(ws, hooks=hooks)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    say(f"worker: {len(scheduler.jobs)} jobs — " + ", ".join(f"{n} {t.describe()}" for n, t in
                                                              scheduler.settings.triggers.items()))
    while True:
        try:
            for r in scheduler.tick():
                say(f"worker: {r.job} {r.status}" + (f" — {r.error.splitlines()[0]}" if r.error else ""))
        except Exception as exc:                    # noqa: BLE001 — the database may be away; try again
            say(f"worker: tick failed: {exc!r}")
        if once:
            return
        if stop.wait(scheduler.settings.tick_seconds):
            return
