"""The live room's pages and API: devices (a county its own, an enterprise its facilities'), a device's
page (last packet, deviations, silence, latest values), the quarantine and the job runs (the office),
the inbox and subscriptions (every user, their own), the daily reports, the store query, and the small
``/live/changed`` endpoint the dashboard and emergency pages poll to refresh when new hours arrive."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi import Path as FastAPIPath
from fastapi.responses import FileResponse, RedirectResponse, Response

from lantian.accounts import policy
from lantian import db
from lantian.accounts.scope import Scope
from lantian.errors import UsageError
from lantian.live import devices, notify
from lantian.live.settings import hj212_settings
from lantian.web.params import IDS, one_of
from lantian.web.refusals import as_http
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, form_post, page_scope
from lantian.web.templating import render, templates

router = APIRouter()
MN = Annotated[str, FastAPIPath(max_length=32, pattern=r"^[0-9A-Za-z]+$")]
OFFICE = policy.OFFICE


def _silent(request: Request) -> int:
    return hj212_settings(request.app.state.workspace.config).silent_minutes


def _office_only(scope: Scope) -> None:
    if scope.who.role not in OFFICE:
        raise HTTPException(403, "仅市大气办和系统管理员 (the city office and admins only)")


def version(request: Request, kind: str = "data") -> str:
    """What the open pages compare to know there is something new: the store's version, and for the
    emergency page also the warnings' changes."""
    v = str(request.app.state.store.manifest()["version"])
    if kind == "emergency":
        import sqlalchemy as sa
        from lantian.audit import AuditEntry
        with db.engine_for(request.app.state.db_url).connect() as c:
            n = c.execute(sa.select(sa.func.max(AuditEntry.id)).where(
                AuditEntry.entity.in_(["alert", "ozone_response"]))).scalar()
        v += f"-{n or 0}"
    return v


templates.env.globals["live_version"] = version
templates.env.filters["when"] = lambda text: (text or "")[:19].replace("T", " ")


# --------------------------------------------------------------------------- polling
@router.get("/live/changed", include_in_schema=False)
@scoped("signed_in")
def changed(request: Request, v: str = Query("", max_length=64), kind: str = Query("data", pattern="^(data|emergency)$"),
            scope: Scope = Depends(api_scope)):
    """204 while nothing changed; else an htmx refresh of the page that asked."""
    if version(request, kind) == v:
        return Response(status_code=204)
    return Response(status_code=200, headers={"HX-Refresh": "true"})


@router.get("/api/live/version", tags=["live"])
@scoped("signed_in")
def version_api(request: Request, scope: Scope = Depends(api_scope)) -> dict:
    """The store's version (it changes when new hours are stored) and the caller's unread messages."""
    with db.session(request.app.state.db_url) as s:
        unread = notify.unread(s, scope.who.user_id)
    return {"store": version(request), "emergency": version(request, "emergency"), "unread": unread}


# --------------------------------------------------------------------------- devices
@router.get("/api/live/devices", tags=["live"])
@scoped("signed_in")
def devices_api(request: Request, scope: Scope = Depends(api_scope)) -> list[dict]:
    """The HJ 212 devices the caller may see: last packet, counts, deviations, silence."""
    with as_http(), db.session(request.app.state.db_url) as s:
        return devices.devices(s, scope, _silent(request))


@router.post("/api/live/devices", tags=["live"], status_code=201)
@scoped("signed_in")
def add_device_api(request: Request, mn: Annotated[str, Form(max_length=32)], password: Annotated[str, Form(max_length=32)],
                   station: Annotated[str | None, Form(max_length=32)] = None,
                   facility: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
                   units: Annotated[str | None, Form(max_length=500)] = None, name: Annotated[str | None, Form(max_length=128)] = None,
                   csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    """Register a device (the office): MN, PW, one of station or facility, units as ``a34004=µg/m³ …``."""
    page = form_post(request, csrf_token)
    with as_http(), db.session(request.app.state.db_url) as s:
        d = devices.add(s, scope, mn, password, station=station or None, facility=facility,
                        units=devices.parse_units((units or "").split()), name=name or None)
        out = {"mn": d.mn, "target": d.target_kind, "county": d.unit_code}
    if page:
        return RedirectResponse(f"/live/devices/{mn}", status_code=303)
    return out


@router.get("/api/live/devices/{mn}", tags=["live"])
@scoped("signed_in")
def device_api(request: Request, mn: MN, scope: Scope = Depends(api_scope)) -> dict:
    """One device: its last packet as received, each deviation from HJ 212—2017 counted, silence."""
    with as_http(), db.session(request.app.state.db_url) as s:
        return devices.detail(s, scope, mn, _silent(request))


def _recent(request: Request, d: dict) -> list[dict]:
    from lantian.live.series import LiveSeries
    if not d["last_data_time"]:
        return []
    last = dt.datetime.fromisoformat(d["last_data_time"])
    series = LiveSeries(request.app.state.workspace.measurements)
    out = []
    for kind in ("realtime", "minute", "hour"):
        for r in series.read(kind, mn=d["mn"], start=last - dt.timedelta(hours=3)).to_pylist()[-60:]:
            out.append({"kind": kind, **r})
    return sorted(out, key=lambda r: (r["data_time"], r["code"], r["field"]), reverse=True)[:120]


@router.get("/live", include_in_schema=False)
@scoped("signed_in")
def live_page(request: Request, scope: Scope = Depends(page_scope)):
    from lantian.live.daily import reports
    with as_http(), db.session(request.app.state.db_url) as s:
        rows = devices.devices(s, scope, _silent(request))
        held = len(devices.quarantine(s, scope)) if scope.who.role in OFFICE else None
    office = scope.who.role in OFFICE or scope.who.role in ("inspector", "viewer")
    return render(request, "live/index.html", rows=rows, held=held, silent_minutes=_silent(request),
                  manages=scope.who.role in OFFICE, reports=reports(request.app.state.workspace.root)[:10] if office
                  else [], scope=scope)


@router.get("/live/devices/{mn}", include_in_schema=False)
@scoped("signed_in")
def device_page(request: Request, mn: MN, scope: Scope = Depends(page_scope)):
    with as_http(), db.session(request.app.state.db_url) as s:
        d = devices.detail(s, scope, mn, _silent(request))
    return render(request, "live/device.html", d=d, recent=_recent(request, d), silent_minutes=_silent(request))


# --------------------------------------------------------------------------- the quarantine
@router.get("/api/live/quarantine", tags=["live"])
@scoped("signed_in")
def quarantine_api(request: Request, state: str = Query("held", pattern="^(held|assigned|dismissed|all)$"),
                   scope: Scope = Depends(api_scope)) -> list[dict]:
    """Packets refused (unknown MN, wrong PW, unreadable), kept whole: the office reviews them."""
    _office_only(scope)
    with as_http(), db.session(request.app.state.db_url) as s:
        return devices.quarantine(s, scope, None if state == "all" else state)


def _ids(text: str) -> list[int]:
    try:
        ids = [int(x) for x in text.replace(",", " ").split()]
    except ValueError:
        raise HTTPException(422, "ids: packet numbers separated by spaces") from None
    if not ids:
        raise HTTPException(422, "ids: at least one packet")
    return ids


@router.post("/api/live/quarantine/assign", tags=["live"])
@scoped("signed_in")
def assign_api(request: Request, ids: Annotated[str, Form(max_length=2000, pattern=IDS)], mn: Annotated[str, Form(max_length=32)],
               csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    """指派入库: held packets stored as the data of a registered device (the office vouches)."""
    page = form_post(request, csrf_token)
    _office_only(scope)
    ws = request.app.state.workspace
    with as_http(), db.session(request.app.state.db_url) as s:
        r = devices.assign(s, scope, _ids(ids), mn, ws.measurements, hj212_settings(ws.config))
    if page:
        return RedirectResponse("/live/quarantine", status_code=303)
    return {"packets": r.packets, "mn": r.mn, **r.build}


@router.post("/api/live/quarantine/dismiss", tags=["live"])
@scoped("signed_in")
def dismiss_api(request: Request, ids: Annotated[str, Form(max_length=2000, pattern=IDS)],
                note: Annotated[str | None, Form(max_length=500)] = None, csrf_token: Annotated[str, Form()] = "",
                scope: Scope = Depends(api_scope)):
    """驳回: held packets stay in the quarantine as dismissed."""
    page = form_post(request, csrf_token)
    _office_only(scope)
    with as_http(), db.session(request.app.state.db_url) as s:
        n = devices.dismiss(s, scope, _ids(ids), note)
    if page:
        return RedirectResponse("/live/quarantine", status_code=303)
    return {"dismissed": n}


@router.get("/live/quarantine", include_in_schema=False)
@scoped("signed_in")
def quarantine_page(request: Request, state: str = Query("held", pattern="^(held|assigned|dismissed|all)$"),
                    scope: Scope = Depends(page_scope)):
    _office_only(scope)
    with as_http(), db.session(request.app.state.db_url) as s:
        rows = devices.quarantine(s, scope, None if state == "all" else state)
        known = [d["mn"] for d in devices.devices(s, scope, _silent(request))]
    return render(request, "live/quarantine.html", rows=rows, state=state, known=known, states=devices.STATES)


# --------------------------------------------------------------------------- jobs
@router.get("/api/live/jobs", tags=["live"])
@scoped("signed_in")
def jobs_api(request: Request, failed: bool = False, scope: Scope = Depends(api_scope)) -> list[dict]:
    """The scheduler's runs (start, end, result, error, retry), newest first — admins and the office."""
    from lantian.live.scheduler import runs
    _office_only(scope)
    return runs(request.app.state.db_url, failed_only=failed)


@router.post("/api/live/jobs/{job}/run", tags=["live"])
@scoped("signed_in")
def run_job_api(request: Request, job: Annotated[str, FastAPIPath(max_length=32)], csrf_token: Annotated[str, Form()] = "",
                scope: Scope = Depends(api_scope)):
    """Run a job now (the office), recorded like a scheduled run."""
    from lantian.live.scheduler import DEFAULT_SCHEDULE, Scheduler
    page = form_post(request, csrf_token)
    _office_only(scope)
    if job not in DEFAULT_SCHEDULE:
        raise HTTPException(404, "no such job")
    scheduler = Scheduler(request.app.state.workspace, request.app.state.db_url,
                          hooks=getattr(request.app.state, "live_hooks", {}))
    now = db.now_utc()
    r = scheduler.run(job, now, 1, now)
    if page:
        return RedirectResponse("/live/jobs", status_code=303)
    return {"job": r.job, "status": r.status, "result": json.loads(r.result or "{}"), "error": r.error}


@router.get("/live/jobs", include_in_schema=False)
@scoped("signed_in")
def jobs_page(request: Request, scope: Scope = Depends(page_scope)):
    from lantian.live.scheduler import LABELS, runs, schedule_settings
    _office_only(scope)
    ws = request.app.state.workspace
    with db.session(request.app.state.db_url) as s:
        sent = notify.deliveries(s)
    triggers = schedule_settings(ws.config, str(ws.config_path)).triggers
    return render(request, "live/jobs.html", runs=runs(request.app.state.db_url, 150),
                  failed=runs(request.app.state.db_url, 50, failed_only=True), deliveries=sent,
                  schedule=[(n, LABELS[n], t.describe()) for n, t in triggers.items()])


# --------------------------------------------------------------------------- inbox and subscriptions
@router.get("/api/live/inbox", tags=["live"])
@scoped("signed_in")
def inbox_api(request: Request, unread: bool = False, scope: Scope = Depends(api_scope)) -> list[dict]:
    """The caller's messages (the events of their scope they subscribe to), newest first."""
    with db.session(request.app.state.db_url) as s:
        return notify.inbox(s, scope.who.user_id, unread_only=unread)


@router.post("/api/live/inbox/read", tags=["live"])
@scoped("signed_in")
def read_api(request: Request, delivery: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
             csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    """Mark one message (or all) read."""
    page = form_post(request, csrf_token)
    with as_http(), db.session(request.app.state.db_url) as s:
        n = notify.mark_read(s, scope.who.user_id, delivery)
    if page:
        return RedirectResponse("/live/inbox", status_code=303)
    return {"read": n}


@router.get("/api/live/subscriptions", tags=["live"])
@scoped("signed_in")
def subscriptions_api(request: Request, scope: Scope = Depends(api_scope)) -> list[dict]:
    """The caller's subscriptions (the inbox is on for every kind unless switched off)."""
    with db.session(request.app.state.db_url) as s:
        return notify.subscriptions(s, scope.who.user_id)


@router.post("/api/live/subscriptions", tags=["live"], status_code=201)
@scoped("signed_in")
def subscribe_api(request: Request, kind: Annotated[str, Form(max_length=32, pattern=one_of(["*", *notify.KINDS]))],
                  channel: Annotated[str, Form(max_length=10, pattern=one_of(notify.CHANNELS))],
                  target: Annotated[str, Form(max_length=255)] = "", secret: Annotated[str | None, Form(max_length=128)] = None,
                  active: Annotated[bool, Form()] = True, csrf_token: Annotated[str, Form()] = "",
                  scope: Scope = Depends(api_scope)):
    """Subscribe the caller to a kind (or ``*``) by inbox, email, wecom or dingtalk (with its 加签 secret)."""
    page = form_post(request, csrf_token)
    with as_http(), db.session(request.app.state.db_url) as s:
        row = notify.subscribe(s, scope.who.user_id, kind, channel, target, secret or None, active)
        out = {"id": row.id, "kind": row.kind, "channel": row.channel, "active": row.active}
    if page:
        return RedirectResponse("/live/inbox", status_code=303)
    return out


@router.post("/api/live/subscriptions/{subscription_id}/delete", tags=["live"])
@scoped("signed_in")
def unsubscribe_api(request: Request, subscription_id: Annotated[int, FastAPIPath(ge=1, le=2**31 - 1)],
                    csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    page = form_post(request, csrf_token)
    with as_http(), db.session(request.app.state.db_url) as s:
        notify.unsubscribe(s, scope.who.user_id, subscription_id)
    if page:
        return RedirectResponse("/live/inbox", status_code=303)
    return {"deleted": subscription_id}


@router.get("/live/inbox", include_in_schema=False)
@scoped("signed_in")
def inbox_page(request: Request, scope: Scope = Depends(page_scope)):
    with db.session(request.app.state.db_url) as s:
        messages = notify.inbox(s, scope.who.user_id)
        subs = notify.subscriptions(s, scope.who.user_id)
    return render(request, "live/inbox.html", messages=messages, subs=subs, kinds=notify.KINDS,
                  channels=notify.CHANNELS)


# --------------------------------------------------------------------------- daily reports and the store
@router.get("/live/reports/{day}", include_in_schema=False)
@scoped("signed_in")
def daily_report_file(request: Request, day: Annotated[str, FastAPIPath(pattern=r"^\d{4}-\d{2}-\d{2}$")],
                      format: str = Query("docx", pattern="^(docx|pdf)$"), scope: Scope = Depends(page_scope)):
    """日报 .docx or PDF (the city-wide roles)."""
    from lantian.live.daily import folder
    if not scope.city_wide:
        raise HTTPException(404, "日报由市级查看 (the daily report is the city's)")
    path = folder(request.app.state.workspace.root) / f"{day}-日报.{format}"
    if not path.is_file():
        raise HTTPException(404, "no such report")
    media = "application/pdf" if format == "pdf" else \
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return FileResponse(path, media_type=media, filename=path.name)


@router.get("/api/store/query", tags=["live"])
@scoped("signed_in")
def store_query_api(request: Request, station: str | None = Query(None, max_length=32),
                    facility: str | None = Query(None, max_length=16, pattern=r"^\d+$"),
                    start: str | None = Query(None, alias="from", max_length=19),
                    end: str | None = Query(None, alias="to", max_length=19),
                    pollutant: list[str] | None = Query(None, max_length=16),
                    series: str = Query("hourly", pattern="^(hourly|realtime|minute|hour|day)$"),
                    format: str = Query("json", pattern="^(json|csv)$"), scope: Scope = Depends(api_scope)):
    """What is stored for a station (hourly values, or the live series as sent) or a facility —
    the same as `lantian store query`; only a station or facility the caller may see."""
    from lantian.live.limits import facility_profiles
    from lantian.live.service import query
    if station is not None and scope.station(station) is None:
        raise HTTPException(404, "no such station")
    if facility is not None:
        with db.session(request.app.state.db_url) as s:
            f = facility_profiles(s).get(facility)
        if f is None or not (scope.who.role == "enterprise" and f["enterprise_id"] == scope.who.enterprise_id
                             or scope.who.role != "enterprise" and scope.can_see_unit(f["county"])):
            raise HTTPException(404, "no such facility")
    with as_http():
        try:
            rows = query(request.app.state.workspace, station=station, facility=facility, start=start, end=end,
                         pollutants=pollutant, series=series)
        except UsageError as exc:
            raise HTTPException(422, str(exc)) from None
    if format == "json":
        return rows
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8")


