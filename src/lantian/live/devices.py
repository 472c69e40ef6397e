"""Devices (数采仪, known by their MN — HJ 212—2017 表3) and the quarantine, through the caller's scope.

A device is bound to a station of the registry or to a facility of the enterprise ledgers, which
gives it its county (and enterprise): a county sees the devices of its own county, an enterprise
those of its own facilities, the city office all, and only the office (admin, 市大气办) adds devices
and reviews the quarantine. Every change is audited.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian import audit, geography
from lantian.accounts import policy
from lantian.accounts.scope import Scope
from lantian.db import now_utc, to_beijing, url_of
from lantian.errors import Forbidden, NotFound, UsageError
from lantian.live.models import Device, DeviceState, Quarantined
from lantian.live.settings import codes, unit
from lantian.live import builder
from lantian.live.hj212 import deviation_label
from lantian.live.limits import facility_profiles
from lantian.measurements import stations

MANAGE = policy.OFFICE
REASONS = {"unknown_mn": "未登记的MN", "wrong_pw": "密码错误", "unreadable": "无法读取"}
STATES = {"held": "待处理", "assigned": "已指派入库", "dismissed": "已驳回"}


def _manager(scope: Scope) -> None:
    if scope.who.role not in MANAGE:
        raise Forbidden("设备由市大气办登记 (the city office registers devices)")


def parse_units(pairs: list[str] | None) -> dict[str, str]:
    """``a34004=µg/m³`` pairs: the unit a device sends a factor in."""
    out = {}
    for pair in pairs or []:
        code, eq, text = pair.partition("=")
        if not eq or not code.strip() or not text.strip():
            raise UsageError(f"--unit {pair!r}: write CODE=UNIT, e.g. a34004=µg/m³")
        out[code.strip()] = unit(text)
    return out


def add(s: Session, scope: Scope, mn: str, password: str, *, station: str | None = None,
        facility: int | None = None, units: dict | None = None, name: str | None = None) -> Device:
    """Register a device for a station or a facility (exactly one), with its access password."""
    _manager(scope)
    mn = mn.strip()
    if not mn or len(mn) > 32 or not mn.isalnum():
        raise UsageError(f"MN {mn!r}: letters and digits, at most 32 (HJ 212—2017 表3: 24 hex characters)")
    if not password or len(password) > 32:
        raise UsageError("--password: the device's PW, 1–32 characters")
    if (station is None) == (facility is None):
        raise UsageError("a device belongs to one --station CODE or one --facility ID")
    if s.scalar(sa.select(Device.id).where(Device.mn == mn)) is not None:
        raise UsageError(f"MN {mn} is already registered (lantian hj212 device list)")
    enterprise_id = None
    if station is not None:
        try:
            record = stations.history(url_of(s), station)[-1]          # its current version
        except stations.StationNotFound:
            raise UsageError(f"no station {station} in the registry (lantian stations list)") from None
        unit_code, label = record.unit_code, f"{record.code} {record.name}"
    else:
        row = facility_profiles(s).get(str(facility))
        if row is None:
            raise UsageError(f"no facility {facility} in the ledgers (lantian ledger export lists them)")
        unit_code, enterprise_id, label = row["county"], row["enterprise_id"], row["name"]
    unknown = sorted(set(units or {}) - set(codes()))
    if unknown:
        raise UsageError(f"--unit: factor codes not in the code table: {', '.join(unknown)} (docs/hj212.md)")
    d = Device(mn=mn, target_kind="station" if station else "facility", station_code=station, facility_id=facility,
               enterprise_id=enterprise_id, unit_code=unit_code, password=password,
               units=json.dumps(units or {}, ensure_ascii=False), name=name or label, active=True,
               added_by=scope.who.username, added_at=now_utc())
    s.add(d)
    s.flush()
    audit.record(s, actor=scope.who.username, action="add", entity="hj212_device", entity_id=mn,
                 after={"station": station, "facility": facility, "units": units or {}}, scope_unit=unit_code)
    return d


def _visible(scope: Scope, d: Device) -> bool:
    if scope.who.role == "enterprise":
        return d.enterprise_id is not None and d.enterprise_id == scope.who.enterprise_id
    if d.unit_code is None:
        return scope.city_wide
    return scope.can_see_unit(d.unit_code)


def device(s: Session, scope: Scope, mn: str) -> Device:
    d = s.scalar(sa.select(Device).where(Device.mn == mn))
    if d is None or not _visible(scope, d):
        raise NotFound("no such device")
    return d


def _county_names(s: Session) -> dict[str, str]:
    return geography.names(s)


def as_dict(d: Device, state: DeviceState | None, now: dt.datetime, silent_minutes: int,
            names: dict | None = None) -> dict:
    last = state.last_at if state else None
    silent = None if last is None else int((now - last).total_seconds() // 60)
    deviations = json.loads(state.deviations) if state else {}
    return {"mn": d.mn, "name": d.name, "target": d.target_kind, "station": d.station_code, "facility": d.facility_id,
            "enterprise": d.enterprise_id, "county": d.unit_code,
            "county_name": (names or {}).get(d.unit_code, d.unit_code), "units": json.loads(d.units), "active": d.active,
            "last_at": to_beijing(last).isoformat(timespec="seconds") if last else None,
            "last_cn": state.last_cn if state else None, "last_packet": state.last_packet if state else None,
            "last_data_time": state.last_data_time.isoformat() if state and state.last_data_time else None,
            "packets": state.packets if state else 0, "values": state.values if state else 0,
            "refused": state.refused if state else 0,
            "commands": json.loads(state.commands) if state else {},
            "deviations": deviations, "deviations_total": sum(deviations.values()),
            "deviation_labels": {k: deviation_label(k) for k in deviations},
            "silent_minutes": silent, "silent": silent is None or silent > silent_minutes,
            "added_by": d.added_by, "added_at": to_beijing(d.added_at).isoformat(timespec="seconds")}


def devices(s: Session, scope: Scope, silent_minutes: int, now: dt.datetime | None = None) -> list[dict]:
    now = now or now_utc()
    states = {x.mn: x for x in s.scalars(sa.select(DeviceState))}
    names = _county_names(s)
    return [as_dict(d, states.get(d.mn), now, silent_minutes, names)
            for d in s.scalars(sa.select(Device).order_by(Device.unit_code, Device.mn)) if _visible(scope, d)]


def detail(s: Session, scope: Scope, mn: str, silent_minutes: int, now: dt.datetime | None = None) -> dict:
    d = device(s, scope, mn)
    out = as_dict(d, s.get(DeviceState, d.mn), now or now_utc(), silent_minutes, _county_names(s))
    out["quarantined"] = [quarantine_row(q) for q in s.scalars(
        sa.select(Quarantined).where(Quarantined.mn == mn).order_by(Quarantined.id.desc()).limit(20))]
    return out


# --------------------------------------------------------------------------- the quarantine
def quarantine_row(q: Quarantined) -> dict:
    return {"id": q.id, "received_at": to_beijing(q.received_at).isoformat(timespec="seconds"), "peer": q.peer,
            "mn": q.mn, "cn": q.cn, "reason": q.reason, "reason_name": REASONS.get(q.reason, q.reason),
            "detail": q.detail, "packet": q.raw.decode("utf-8", "replace"), "state": q.state,
            "state_name": STATES.get(q.state, q.state), "resolved_by": q.resolved_by}


def quarantine(s: Session, scope: Scope, state: str | None = "held", limit: int = 500) -> list[dict]:
    _manager(scope)
    q = sa.select(Quarantined).order_by(Quarantined.id.desc()).limit(limit)
    if state:
        q = q.where(Quarantined.state == state)
    return [quarantine_row(x) for x in s.scalars(q)]


def _held(s: Session, ids: list[int]) -> list[Quarantined]:
    rows = list(s.scalars(sa.select(Quarantined).where(Quarantined.id.in_(ids)).order_by(Quarantined.id)))
    missing = sorted(set(ids) - {r.id for r in rows})
    if missing:
        raise NotFound(f"no quarantined packet {missing[0]}")
    done = [r.id for r in rows if r.state != "held"]
    if done:
        raise UsageError(f"packet {done[0]} was already {STATES[s.get(Quarantined, done[0]).state]}")
    return rows


def dismiss(s: Session, scope: Scope, ids: list[int], note: str | None = None) -> int:
    """驳回: the packets stay in the quarantine, marked dismissed (they are never stored)."""
    _manager(scope)
    rows = _held(s, ids)
    for r in rows:
        r.state, r.resolved_by, r.resolved_at = "dismissed", scope.who.username, now_utc()
    audit.record(s, actor=scope.who.username, action="dismiss", entity="hj212_quarantine",
                 entity_id=",".join(str(r.id) for r in rows), after={"note": note})
    return len(rows)


@dataclass
class Assigned:
    packets: int
    mn: str
    build: dict


def assign(s: Session, scope: Scope, ids: list[int], mn: str, measurements, settings) -> Assigned:
    """指派入库: the office vouches for held packets as the data of the registered device ``mn`` (an
    unknown MN now registered, or a device whose password changed); they are built into the store
    through the same path as received packets. Unreadable packets cannot be assigned."""
    _manager(scope)
    rows = _held(s, ids)
    d = s.scalar(sa.select(Device).where(Device.mn == mn))
    if d is None:
        raise UsageError(f"MN {mn} is not registered: add the device first (lantian hj212 device add)")
    bad = [r.id for r in rows if r.reason == "unreadable"]
    if bad:
        raise UsageError(f"packet {bad[0]} cannot be read: it can only be dismissed")
    other = [r.id for r in rows if r.mn not in (None, mn)]
    if other:
        raise UsageError(f"packet {other[0]} was sent by MN {s.get(Quarantined, other[0]).mn}, not {mn}")
    result = builder.apply_assigned(s, rows, d, measurements, settings)
    for r in rows:
        r.state, r.resolved_by, r.resolved_at = "assigned", scope.who.username, now_utc()
    audit.record(s, actor=scope.who.username, action="assign", entity="hj212_quarantine",
                 entity_id=",".join(str(r.id) for r in rows), after={"mn": mn, **result}, scope_unit=d.unit_code)
    return Assigned(len(rows), mn, result)


def registry(s: Session) -> dict[str, tuple[str, bool]]:
    """MN → (password, active): what the receiver checks each packet against."""
    return {mn: (pw, active) for mn, pw, active in s.execute(sa.select(Device.mn, Device.password, Device.active))}
