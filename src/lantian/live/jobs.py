"""The jobs the scheduler runs. Each reads through the rooms' services and raises events
(:func:`lantian.live.notify.emit`, once per key); each returns a small JSON result that the run keeps.
"""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from lantian import db
from lantian.db import BEIJING, to_beijing
from lantian.live import notify
from lantian.live.settings import hj212_settings, live_settings
from lantian import geography
from lantian.accounts.models import Department
from lantian.accounts.scope import Scope
from lantian.accounts.service import Principal
from lantian.audit import AuditEntry
from lantian.emergency import forecast, service as emergency
from lantian.fires import service as fires
from lantian.forecast import service as forecasts
from lantian.live import devices, limits
from lantian.live.daily import build
from lantian.live.models import Checkpoint
from lantian.measurements.engine import connect
from lantian.measurements.facility import FacilityStore
from lantian.measurements.store import Store
from lantian.plan import indicators, service as plan
from lantian.plan.settings import plan_settings
from lantian.standards import aqi, rulesets


def _office(ctx):
    return Scope.office(ctx.url, "worker")


# --------------------------------------------------------------------------- warnings, letters, 督办
AUDIT_KINDS = {("alert", "issue"): "alert_issued", ("alert", "escalate"): "alert_updated",
               ("alert", "downgrade"): "alert_updated", ("alert", "lift"): "alert_lifted",
               ("letter", "issued"): "letter_issued", ("plan_task", "supervise"): "supervision",
               ("ozone_response", "issue"): "ozone_issued", ("ozone_response", "lift"): "ozone_lifted"}
LEVELS = {"yellow": "黄色", "orange": "橙色", "red": "红色"}


def audit_events(ctx) -> dict:
    """What the rooms recorded in the audit log — warnings issued, adjusted, lifted; warning letters
    issued; 督办函; ozone responses — as events. Starts at the log's end the first time (no history)."""
    with db.session(ctx.url) as s:
        mark = s.get(Checkpoint, "audit")
        if mark is None:
            top = s.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0
            s.add(Checkpoint(name="audit", segment=0, offset=top, records=0, updated_at=db.now_utc()))
            return {"from": top, "events": 0}
        rows = list(s.scalars(sa.select(AuditEntry).where(AuditEntry.id > mark.offset).order_by(AuditEntry.id)
                              .limit(2000)))
        raised = 0
        for a in rows:
            kind = AUDIT_KINDS.get((a.entity, a.action))
            if kind is None:
                continue
            after = json.loads(a.after or "{}")
            raised += _audit_event(s, kind, a, after) is not None
        if rows:
            mark.offset, mark.records, mark.updated_at = rows[-1].id, mark.records + len(rows), db.now_utc()
        return {"read": len(rows), "events": raised}


def _audit_event(s, kind: str, a, after: dict):
    key = f"audit:{a.id}"
    when = to_beijing(a.at).strftime("%Y-%m-%d %H:%M")
    if kind.startswith("alert"):
        level = LEVELS.get(after.get("level"), after.get("level") or "")
        title = {"alert_issued": f"发布重污染天气{level}预警", "alert_updated": f"重污染天气预警调整为{level}",
                 "alert_lifted": "重污染天气预警解除"}[kind]
        body = f"{when} 市大气办{title}。请按应急减排清单落实措施并签收。" if kind != "alert_lifted" else f"{when} {title}。"
        return notify.emit(s, kind, key, title, body, link="/emergency", data={"alert": a.entity_id, **after})
    if kind.startswith("ozone"):
        title = "启动臭氧污染应急响应" if kind == "ozone_issued" else "臭氧污染应急响应解除"
        return notify.emit(s, kind, key, title, f"{when} {title}。", link=f"/emergency/ozone/{a.entity_id}",
                           data={"response": a.entity_id})
    if kind == "letter_issued":
        return notify.emit(s, kind, key, "预警通知函已印发", f"{when} 预警通知函（编号 {a.entity_id}）已印发，请按期整改。",
                           unit=a.scope_unit, link="/assessment", data={"letter": a.entity_id})
    to = after.get("to") or [None, None]
    return notify.emit(s, kind, key, f"督办函 {after.get('doc_number', '')}", f"{when} 收到督办函（任务ID {a.entity_id}），"
                       "请按期回复。", unit=to[1] if to[0] == "county" else None,
                       department=to[1] if to[0] == "department" else None, link=f"/plan/tasks/{a.entity_id}",
                       data={"task": a.entity_id, "to": to})


# --------------------------------------------------------------------------- after each hour's data
REALTIME = {"PM2_5": "PM2_5_1h", "PM10": "PM10_1h", "SO2": "SO2_1h", "NO2": "NO2_1h", "CO": "CO_1h", "O3": "O3_1h"}


def _latest_hour(store) -> dt.datetime | None:
    import duckdb
    files = store.files()
    if not files:
        return None
    months = store.months()[-1]
    recent = [str(f) for f in files if f"year={months[0]:04d}/month={months[1]:02d}" in str(f)]
    con = duckdb.connect()
    try:
        return con.execute(f"SELECT max(time) FROM read_parquet({recent!r})").fetchall()[0][0]
    finally:
        con.close()


def hourly_aqi(ctx) -> dict:
    """After each hour's data: the hourly AQI (HJ 633 实时报, the rule set of the day) of every station-hour
    stored since the last run (at most the last 24), an event for each above [live] aqi_above (⚠ 200),
    and the serving app's dashboards refreshed."""
    store = Store(ctx.ws.measurements)
    latest = _latest_hour(store)
    if latest is None:
        return {"station_hours": 0}
    settings = live_settings(ctx.config)
    since = latest - dt.timedelta(hours=24)
    if ctx.previous and ctx.previous.get("through"):
        since = max(since, dt.datetime.fromisoformat(ctx.previous["through"]))
    rows = store.hourly(start=since + dt.timedelta(seconds=1), end=latest).table.to_pylist()
    hours: dict[tuple, dict] = {}
    for r in rows:
        if r["pollutant"] in REALTIME:
            hours.setdefault((r["station"], r["time"]), {})[REALTIME[r["pollutant"]]] = r["value"]
    office = _office(ctx)
    top, above = None, 0
    with db.session(ctx.url) as s:
        for (code, when), values in sorted(hours.items()):
            result = aqi.realtime_aqi(values, rulesets.ruleset_for(when.date()).aqi_version)
            if result.value is None:
                continue
            if top is None or result.value > top[2]:
                top = (code, when, result.value)
            station = office.station(code)
            if result.value > settings.aqi_above and station is not None:
                above += 1
                cat = result.category
                notify.emit(s, "aqi_above", f"aqi:{code}:{when:%Y%m%d%H}",
                            f"{station.name}小时AQI {result.value}（{cat.name if cat else ''}）",
                            f"{station.unit_name or ''} {station.name}（{code}）{when:%Y-%m-%d %H}:00 小时AQI {result.value}，"
                            f"首要污染物 {'、'.join(result.primary) or '—'}，超过{settings.aqi_above}（可配置）。",
                            unit=station.unit_code, link="/", data={"station": code, "time": when, "aqi": result.value})
    for hook in ctx.hooks.get("new_hours", ()):
        hook()
    return {"through": latest.isoformat(), "station_hours": len(hours), "above": above,
            "max": None if top is None else {"station": top[0], "time": top[1].isoformat(), "aqi": top[2]}}


# --------------------------------------------------------------------------- 日报
def daily_report(ctx) -> dict:
    """日报 of the latest day with data up to yesterday (Beijing), .docx and PDF, through the document
    service; the office hears about it."""
    yesterday = ctx.now.astimezone(BEIJING).date() - dt.timedelta(days=1)
    made = build(ctx.ws, ctx.url, yesterday, pdf=live_settings(ctx.config).report_pdf)
    if made is None:
        return {"day": None, "note": "no data up to " + yesterday.isoformat()}
    with db.session(ctx.url) as s:
        notify.emit(s, "daily_report", f"daily:{made['day']}", f"空气质量日报（{made['day']}）",
                    f"{made['summary']}", link=f"/live/reports/{made['day']}", data=made)
    return made


# --------------------------------------------------------------------------- the rooms' deadlines
def fire_escalation(ctx) -> dict:
    """Fire cases past their verification deadline (fires room: 逾期未核查（已升级）) — once each."""
    with db.session(ctx.url) as s:
        rows = fires.cases(s, _office(ctx), status="escalated", config=ctx.config)
        raised = 0
        for r in rows:
            raised += notify.emit(
                s, "fire_escalated", f"fire:{r['id']}", f"{r['county_name']}火点逾期未核查（已升级）",
                f"火点 {r['id']}（{r['county_name']}{r['township'] or ''}，{r['lat']:.4f}N {r['lon']:.4f}E）"
                f"首次发现 {r['first_seen'][:16]}，核查期限 {r['deadline'][:16]} 已过，请立即核查。",
                unit=r["county"], link=f"/fires/cases/{r['id']}", data={"case": r["id"]}) is not None
    return {"escalated": len(rows), "events": raised}


def milestones(ctx) -> dict:
    """Plan tasks overdue or at risk (plan room's reminders), addressed to each county and department
    and to the office — once per task and status."""
    settings = plan_settings(ctx.config)
    pctx = indicators.Context(ctx.url, Store(ctx.ws.measurements), connect(None, ctx.config), ctx.ws.as_of, ctx.config)
    raised = 0
    with db.session(ctx.url) as s:
        units = [("office", None, _office(ctx))]
        for code, _ in _office(ctx).units():
            units.append(("county", code, Scope(Principal(0, "worker", "county", county_code=code), ctx.url, code)))
        for code in s.scalars(sa.select(Department.code)):
            units.append(("department", code, Scope(Principal(0, "worker", "department", department_code=code),
                                                    ctx.url, None)))
        for kind, code, scope in units:
            for item in plan.inbox(s, scope, pctx, settings):
                if item["kind"] not in ("overdue", "at_risk", "off_target"):
                    continue
                event = "milestone_overdue" if item["kind"] != "at_risk" else "milestone_due"
                raised += notify.emit(
                    s, event, f"plan:{kind}:{code}:{item['task_id']}:{item['kind']}", item["text"],
                    f"基准日 {ctx.ws.as_of}：{item['text']}。", unit=code if kind == "county" else None,
                    department=code if kind == "department" else None, link=f"/plan/tasks/{item['task_id']}",
                    data={"task": item["task_id"], "status": item["kind"]}) is not None
    return {"as_of": ctx.ws.as_of.isoformat(), "events": raised}


def silent_devices(ctx) -> dict:
    """Devices that have sent nothing for longer than [hj212] silent_minutes (⚠ 30) — once per silence."""
    minutes = hj212_settings(ctx.config).silent_minutes
    raised = silent = 0
    with db.session(ctx.url) as s:
        for d in devices.devices(s, _office(ctx), minutes, now=ctx.now):
            if not d["active"] or not d["silent"]:
                continue
            silent += 1
            since = d["last_at"] or d["added_at"]
            raised += notify.emit(
                s, "device_silent", f"silent:{d['mn']}:{since}", f"在线监测设备离线：{d['name']}",
                f"设备 {d['mn']}（{d['name']}）" + (f"自 {since[:16]} 起未上传数据" if d["last_at"] else "登记后从未上传数据")
                + f"，超过{minutes}分钟（可配置）。", unit=d["county"], enterprise=d["enterprise"],
                link=f"/live/devices/{d['mn']}", data={"mn": d["mn"], "last_at": d["last_at"]}) is not None
    return {"silent": silent, "events": raised}


def emission_limits(ctx) -> dict:
    """Facility hours stored since the last check (first: the last [live] limit_hours) above the limit
    that applies ([live] limits ⚠: standard, special, ultra_low) — an event per facility, hour, pollutant."""
    settings = live_settings(ctx.config)
    rows = FacilityStore(ctx.ws.measurements).read().to_pylist()
    if not rows:
        return {"hours": 0}
    latest = max(r["time"] for r in rows)
    since = latest - dt.timedelta(hours=settings.limit_hours)
    if ctx.previous and ctx.previous.get("through") and ctx.previous.get("limits") == settings.limits:
        since = max(since, dt.datetime.fromisoformat(ctx.previous["through"]))    # another set: look again
    rows = [r for r in rows if r["time"] > since]
    sets = limits.load(ctx.ws.root)
    raised = 0
    with db.session(ctx.url) as s:
        found = limits.exceedances(rows, limits.facility_profiles(s), settings.limits, sets)
        for x in found:
            raised += notify.emit(
                s, "emission_above", f"limit:{x['facility']}:{x['time']:%Y%m%d%H}:{x['pollutant']}",
                f"{x['name']} {limits.NAMES[x['pollutant']]}超标",
                f"{x['name']} {x['time']:%Y-%m-%d %H}:00 {limits.NAMES[x['pollutant']]} {x['value']} mg/m³（{x['how']}，"
                f"基准含氧量{x['o2_percent']:g}%），限值 {x['limit']:g} mg/m³（{x['cite']}）。",
                unit=x["county"], enterprise=x["enterprise_id"], link="/live/devices",
                data={k: x[k] for k in ("facility", "time", "pollutant", "value", "limit", "choice")}) is not None
    return {"through": latest.isoformat(), "hours_checked": len({(r["facility"], r["time"]) for r in rows}),
            "exceedances": len(found), "events": raised, "limits": settings.limits}


def suggested_level(ctx) -> dict:
    """The warning level the newest forecast file (WORKSPACE/forecasts/*.csv: date,aqi) suggests under the
    rule set ([live] ruleset), when it calls for a warning and differs from the one in force."""
    settings = live_settings(ctx.config)
    folder = ctx.ws.root / settings.forecasts
    files = sorted(folder.glob("*.csv"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    stored = _stored_city_forecast(ctx)
    if stored is not None and (not files or stored["made_at_ts"] > files[-1].stat().st_mtime):
        return _suggest_from_stored(ctx, stored, settings)
    if not files:
        return {"file": None}
    newest = files[-1]
    start, values = forecast.read(newest)
    decision = emergency.decide(values, settings.ruleset)
    with db.session(ctx.url) as s:
        active = [a for a in emergency.alerts(s, _office(ctx)) if a["state"] == "active"]
        current = active[0]["level"] if active else "none"
        raised = 0
        if decision.level not in ("none", "blue") and decision.level != current:
            name = emergency.LEVEL_NAMES[decision.level]
            raised = notify.emit(
                s, "suggested_level", f"suggest:{newest.name}:{int(newest.stat().st_mtime)}:{decision.level}",
                f"预报建议启动{name}", f"预报文件 {newest.name}（{start} 起 AQI {', '.join(map(str, values))}）按"
                f"{settings.ruleset}规则建议{name}：{'；'.join(decision.reasons)}。当前：{emergency.LEVEL_NAMES[current]}。",
                link="/emergency", data={"file": newest.name, "level": decision.level, "current": current}) is not None
    return {"file": newest.name, "start": start.isoformat(), "level": decision.level, "current": current,
            "events": int(raised)}


def _stored_city_forecast(ctx) -> dict | None:
    """The city's latest stored forecast (lantian forecast run), with its making time as a timestamp."""
    city = geography.city_of(ctx.url, ctx.config)
    runs = forecasts.latest(_office(ctx), city) if city else []
    if not runs:
        return None
    run = runs[0]
    run["made_at_ts"] = dt.datetime.fromisoformat(run["made_at"]).timestamp()
    return run


def _suggest_from_stored(ctx, run: dict, settings) -> dict:
    """:func:`suggested_level` from a stored forecast newer than every forecast file: a message, never
    an issue — a person decides (``lantian alert issue --from-forecast``)."""
    values = forecasts.aqi_values(run)
    decision = emergency.decide(values, settings.ruleset)
    with db.session(ctx.url) as s:
        active = [a for a in emergency.alerts(s, _office(ctx)) if a["state"] == "active"]
        current = active[0]["level"] if active else "none"
        raised = 0
        if decision.level not in ("none", "blue") and decision.level != current:
            name = emergency.LEVEL_NAMES[decision.level]
            raised = notify.emit(
                s, "suggested_level", f"suggest:run{run['id']}:{decision.level}", f"预报建议启动{name}",
                f"{run['unit_name']}空气质量预报第{run['id']}号（{run['base_day']}起报，{run['days'][0]['day']} 起 AQI "
                f"{', '.join(map(str, values))}）按{settings.ruleset}规则建议{name}：{'；'.join(decision.reasons)}。"
                f"当前：{emergency.LEVEL_NAMES[current]}。",
                link="/forecast", data={"forecast_run": run["id"], "level": decision.level, "current": current}) is not None
    return {"forecast_run": run["id"], "start": run["days"][0]["day"], "level": decision.level, "current": current,
            "events": int(raised)}


def deliver(ctx) -> dict:
    """Send pending e-mails and robot messages; retry the failed."""
    with db.session(ctx.url) as s:
        return notify.deliver(s, notify.notify_settings(ctx.config), ctx.now)


JOBS = {"audit_events": audit_events, "hourly_aqi": hourly_aqi, "daily_report": daily_report,
        "fire_escalation": fire_escalation, "milestones": milestones, "silent_devices": silent_devices,
        "emission_limits": emission_limits, "suggested_level": suggested_level, "deliver": deliver}
