"""What the gate pages, API and CLI show and do, always through the caller's scope (行动计划 任务11、23).

- gate records come from files (``lantian gates import``) or are pushed by a gate system with its
  token (only a sha256 hash is stored); the natural key of a record is (enterprise, plate, time in):
  the same record twice changes nothing, a record with more detail (time out added) updates it;
- violations are computed, not stored: the rules of :mod:`rules` run over the period's records, with
  the warnings and measures read from the emergency room's service and the freight profiles kept here;
  a violation dealt with is recorded as a resolution (who, when, note);
- road checks (路检路查) and OBD inspections are imported from files and shown with the plate's history.

Scope: an enterprise sees its own records; a county its county's enterprises (and the road checks
made in the county); the city office, inspectors and viewers the whole city.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian.accounts import policy
from lantian import audit
from lantian.accounts.scope import Scope
from lantian.db import now_utc, to_beijing, to_utc, url_of
from lantian.errors import Forbidden, InputError, NotFound, UsageError
from lantian.vehicles import reader, rules
from lantian.vehicles.models import FreightProfile, GateRecord, GateSystem, ObdInspection, Resolution, RoadCheck
from lantian.vehicles.settings import settings
from lantian.emergency import service as emergency
from lantian.enterprises import service as ledgers

MANAGE = policy.OFFICE
RESOLVE = policy.OFFICE | {"county", "inspector"}
TOKEN_PREFIX = "gt_"
RECORD_FIELDS = ("plate_colour", "vin", "vehicle_type", "fuel", "emission_standard", "time_out", "goods", "tonnage",
                 "list_number", "licence_number")
MODES = ("公路", "铁路", "皮带", "公铁联运", "管道", "其他")


# --------------------------------------------------------------------------- enterprises and scope
def _profiles(s: Session) -> dict[int, dict]:
    return ledgers.profiles(s)


def _sees(scope: Scope, enterprise_id: int, county: str | None) -> bool:
    """An enterprise's gate records: the enterprise itself, its county, the city-wide roles (the policy)."""
    return policy.may(scope, "read", "vehicles", policy.Record(unit=county, enterprise_id=enterprise_id))


def visible_ids(s: Session, scope: Scope) -> dict[int, dict]:
    """The enterprises (id → profile) whose gate records the caller may see."""
    return {i: p for i, p in _profiles(s).items() if _sees(scope, i, p["county"])}


def find_enterprise(s: Session, text: str) -> int | None:
    """An enterprise by id, 统一社会信用代码 or ledger name."""
    text = str(text).strip()
    rows = ledgers.credit_codes(s)
    for r in rows:
        if text in (str(r["id"]), r["credit_code"] or "", r["name"]):
            return r["id"]
    return None


def _now(as_of: dt.date | None) -> dt.datetime:
    """'Now' for silence: the end of the as-of day when it is in the past (the demo's 2023), else now."""
    now = now_utc()
    if as_of is None:
        return now
    return min(now, to_utc(as_of + dt.timedelta(days=1)))


def _span(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    if end < start:
        raise UsageError(f"the period ends ({end}) before it starts ({start})")
    return to_utc(start), to_utc(end + dt.timedelta(days=1))


def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else to_beijing(t).replace(tzinfo=None).isoformat(sep=" ", timespec="minutes")


# --------------------------------------------------------------------------- gate systems and tokens
def ensure_gate(s: Session, enterprise_id: int, *, actor: str, name: str | None = None,
                synthetic: bool = False) -> GateSystem:
    gate = s.scalar(sa.select(GateSystem).where(GateSystem.enterprise_id == enterprise_id))
    if gate is None:
        gate = GateSystem(enterprise_id=enterprise_id, name=name or "车辆门禁系统", synthetic=synthetic,
                          created_by=actor, created_at=now_utc())
        s.add(gate)
        s.flush()
        audit.record(s, actor=actor, action="create", entity="gate_system", entity_id=str(gate.id),
                     after={"enterprise_id": enterprise_id, "name": gate.name, "synthetic": synthetic})
    return gate


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(s: Session, scope: Scope, enterprise: str) -> str:
    """A new push token for the enterprise's gate (shown once; only its hash is kept; the old one stops working)."""
    policy.require(scope, "approve", "vehicles", refusal="门禁令牌由市大气办签发 (the city office issues gate tokens)")
    enterprise_id = find_enterprise(s, enterprise)
    if enterprise_id is None:
        raise NotFound(f"no enterprise {enterprise!r} (id, credit code or name)")
    gate = ensure_gate(s, enterprise_id, actor=scope.who.username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    gate.token_hash, gate.token_issued_at = _hash(token), now_utc()
    audit.record(s, actor=scope.who.username, action="issue", entity="gate_token", entity_id=str(gate.id),
                 after={"enterprise_id": enterprise_id})
    return token


def gate_of_token(s: Session, token: str) -> GateSystem | None:
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    return s.scalar(sa.select(GateSystem).where(GateSystem.token_hash == _hash(token)))


# --------------------------------------------------------------------------- storing records
def _key(enterprise_id: int, row: reader.GateRow) -> str:
    return hashlib.sha256(f"{enterprise_id}|{row.plate}|{row.time_in.isoformat()}".encode()).hexdigest()


def _store(s: Session, rows: list[tuple[int, reader.GateRow]], *, source: str, actor: str,
           synthetic: bool = False) -> dict:
    """Insert new records, update changed ones, leave identical ones: idempotent. A field a later
    push leaves blank keeps its stored value (gates often re-send the entry without the exit)."""
    keyed = {}
    for eid, row in rows:
        keyed[_key(eid, row)] = (eid, row)           # the same record twice in one batch: the last one
    existing = {}
    keys = list(keyed)
    for i in range(0, len(keys), 500):
        for r in s.scalars(sa.select(GateRecord).where(GateRecord.record_key.in_(keys[i:i + 500]))):
            existing[r.record_key] = r
    added = updated = 0
    now = now_utc()
    for key, (eid, row) in keyed.items():
        values = {f: getattr(row, f) for f in RECORD_FIELDS}
        old = existing.get(key)
        if old is None:
            s.add(GateRecord(enterprise_id=eid, record_key=key, plate=row.plate, time_in=row.time_in,
                             synthetic=synthetic, source=source[:255], imported_by=actor, imported_at=now, **values))
            added += 1
            continue
        values = {f: v for f, v in values.items() if v is not None}    # a re-push that omits a field keeps it
        if any(getattr(old, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(old, f, v)
            old.source, old.imported_by, old.imported_at = source[:255], actor, now
            updated += 1
    for eid in sorted({eid for eid, _ in keyed.values()}):
        ensure_gate(s, eid, actor=actor, synthetic=synthetic)
    s.flush()
    counts = {"added": added, "updated": updated, "unchanged": len(keyed) - added - updated}
    if added or updated:
        audit.record(s, actor=actor, action="import", entity="gate_records", entity_id=source[:128],
                     after=dict(counts, enterprises=sorted({eid for eid, _ in keyed.values()})))
    return counts


def import_file(s: Session, scope: Scope, path: Path, *, synthetic: bool = False) -> dict:
    """Import a gate-record file (see :mod:`reader`): every row validated and its enterprise found
    before anything is written; the city office imports for any enterprise, an enterprise for itself."""
    path = Path(path)
    rows = reader.read(path)
    known = {}
    pairs = []
    for row in rows:
        if row.enterprise not in known:
            known[row.enterprise] = find_enterprise(s, row.enterprise)
        eid = known[row.enterprise]
        if eid is None:
            raise InputError(path, f"unknown enterprise {row.enterprise!r}", line=row.line, column="enterprise",
                             expected="a 统一社会信用代码 or name of the ledger")
        if scope.who.role not in MANAGE and not (scope.who.role == "enterprise" and eid == scope.who.enterprise_id):
            raise Forbidden(f"{path.name}, line {row.line}: 只能导入本企业的门禁记录 (only your own enterprise's records)")
        pairs.append((eid, row))
    counts = _store(s, pairs, source=path.name, actor=scope.who.username, synthetic=synthetic)
    return dict(counts, rows=len(rows), file=path.name)


def _parse_payload(payload) -> list[reader.GateRow]:
    items = payload.get("records", [payload]) if isinstance(payload, dict) else payload
    if not isinstance(items, list) or not items:
        raise InputError("request", "no records", expected='a record object, a list of them, or {"records": [...]}')
    if len(items) > 5000:
        raise InputError("request", f"{len(items)} records in one request", expected="at most 5000")
    out = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise InputError("request", "not an object", line=i, expected="a JSON object per record")
        out.append(reader.parse_record(item, file="request", line=i, enterprise_required=False))
    return out


def push_from_gate(s: Session, gate: GateSystem, payload) -> dict:
    """Records pushed by a gate system: bound to its enterprise (naming another one is refused)."""
    rows = _parse_payload(payload)
    for row in rows:
        if row.enterprise is not None and find_enterprise(s, row.enterprise) != gate.enterprise_id:
            raise Forbidden(f"record {row.line}: 门禁系统只能上报本企业的记录 (a gate pushes only its own enterprise's records)")
    counts = _store(s, [(gate.enterprise_id, r) for r in rows], source=f"门禁推送 gate {gate.id}",
                    actor=f"gate:{gate.id}", synthetic=gate.synthetic)
    gate.last_seen = now_utc()
    return dict(counts, enterprise_id=gate.enterprise_id)


def push_as_user(s: Session, scope: Scope, payload) -> dict:
    """Records sent by a signed-in user: an enterprise for itself, the city office for a named enterprise."""
    rows = _parse_payload(payload)
    pairs = []
    for row in rows:
        if scope.who.role == "enterprise":
            eid = scope.who.enterprise_id
            if row.enterprise is not None and find_enterprise(s, row.enterprise) != eid:
                raise Forbidden(f"record {row.line}: 只能上报本企业的记录 (only your own enterprise's records)")
        elif scope.who.role in MANAGE:
            eid = find_enterprise(s, row.enterprise) if row.enterprise else None
            if eid is None:
                raise InputError("request", f"unknown enterprise {row.enterprise!r}", line=row.line,
                                 column="enterprise", expected="a 统一社会信用代码 or name of the ledger")
        else:
            raise Forbidden("门禁记录由门禁系统、企业或市大气办上报 (gates, enterprises or the city office send records)")
        pairs.append((eid, row))
    return _store(s, pairs, source=f"API {scope.who.username}", actor=scope.who.username)


# --------------------------------------------------------------------------- freight profiles (任务11)
def set_freight(s: Session, scope: Scope, enterprise: str, year: int, tonnes: str, *, rail_open: dt.date | None,
                mode: str = "公路", synthetic: bool = False) -> FreightProfile:
    policy.require(scope, "approve", "vehicles", refusal="货运量由市大气办录入 (the city office keeps freight profiles)")
    eid = find_enterprise(s, enterprise)
    if eid is None:
        raise NotFound(f"no enterprise {enterprise!r}")
    try:
        value = Fraction(str(tonnes))
    except (ValueError, ZeroDivisionError):
        raise UsageError(f"{tonnes!r} is not a number of tonnes") from None
    if value < 0:
        raise UsageError("freight tonnes must be ≥ 0")
    if mode not in MODES:
        raise UsageError(f"mode is one of {', '.join(MODES)}")
    row = s.scalar(sa.select(FreightProfile).where(FreightProfile.enterprise_id == eid, FreightProfile.year == year))
    before = None if row is None else {"tonnes": row.freight_tonnes, "rail_open": row.rail_siding_open_date,
                                       "mode": row.mode}
    if row is None:
        row = FreightProfile(enterprise_id=eid, year=year)
        s.add(row)
    row.freight_tonnes, row.rail_siding_open_date, row.mode = str(value), rail_open, mode
    row.synthetic, row.updated_by, row.updated_at = synthetic, scope.who.username, now_utc()
    s.flush()
    after = {"tonnes": row.freight_tonnes, "rail_open": rail_open, "mode": mode}
    if before != after:
        audit.record(s, actor=scope.who.username, action="set", entity="freight_profile", entity_id=f"{eid}-{year}",
                     before=before, after=after)
    return row


def freight_profiles(s: Session) -> dict[int, list[rules.Freight]]:
    out: dict[int, list[rules.Freight]] = defaultdict(list)
    for p in s.scalars(sa.select(FreightProfile)):
        out[p.enterprise_id].append(rules.Freight(p.year, Fraction(p.freight_tonnes), p.rail_siding_open_date, p.mode))
    return out


# --------------------------------------------------------------------------- warnings (from the emergency room)
def _lift_times(s: Session) -> dict[str, dt.datetime]:
    """When each warning was lifted, from the audit log (the emergency room records every lift)."""
    out = {}
    for e in audit.entries(s, entity="alert", limit=100_000).entries:
        if e.action == "lift":
            out[e.entity_id] = min(e.at, out.get(e.entity_id, e.at))
    return out


def warning_windows(s: Session) -> dict[int, list[rules.Window]]:
    """Each enterprise's warnings: [start, end) and its measure at the level (frozen at issue).

    A lifted warning ends at its lift (the alert's ``lifted_at`` when the emergency service gives it,
    else the audit log's lift) but no later than the end of its expected last day — the window the
    emergency room's own verification uses (``commitments_for``); an active warning is open."""
    lifts = _lift_times(s)
    out: dict[int, list[rules.Window]] = defaultdict(list)
    for a in emergency.alerts(s, Scope.office(url_of(s), "vehicles")):
        start = to_utc(dt.date.fromisoformat(a["start"]))
        end = None
        if a["state"] != "active":
            last = dt.date.fromisoformat(a["expected_end"]) if a.get("expected_end") else start.date()
            end = to_utc(last + dt.timedelta(days=1))
            lifted = to_utc(dt.datetime.fromisoformat(a["lifted_at"])) if a.get("lifted_at") \
                else lifts.get(str(a["id"]))
            if lifted is not None:
                end = max(start, min(end, lifted))
        for e in a["enterprises"]:
            out[e["enterprise_id"]].append(rules.Window(a["id"], a["level"], start, end, "；".join(e["measures"])))
    return out


# --------------------------------------------------------------------------- reading records and violations
def _records_query(ids, start: dt.datetime | None, end: dt.datetime | None, plate: str | None = None):
    q = sa.select(GateRecord).order_by(GateRecord.time_in, GateRecord.id)
    if ids is not None:
        q = q.where(GateRecord.enterprise_id.in_(list(ids)))
    if start is not None:
        q = q.where(GateRecord.time_in >= start)
    if end is not None:
        q = q.where(GateRecord.time_in < end)
    if plate is not None:
        q = q.where(GateRecord.plate == plate)
    return q


def _record_json(r: GateRecord, p: dict) -> dict:
    return {"id": r.id, "enterprise_id": r.enterprise_id, "enterprise": p.get("name"), "county": p.get("county"),
            "plate": r.plate, "plate_colour": r.plate_colour, "vin": r.vin, "vehicle_type": r.vehicle_type,
            "fuel": r.fuel, "emission_standard": r.emission_standard, "time_in": _iso(r.time_in),
            "time_out": _iso(r.time_out), "goods": r.goods, "tonnage": r.tonnage, "list_number": r.list_number,
            "licence_number": r.licence_number, "synthetic": r.synthetic}


def records(s: Session, scope: Scope, start: dt.date, end: dt.date, *, enterprise_id: int | None = None,
            plate: str | None = None, limit: int = 2000) -> list[dict]:
    """Gate records of the period (Beijing days, inclusive) the caller may see."""
    seen = visible_ids(s, scope)
    ids = set(seen) if enterprise_id is None else ({enterprise_id} & set(seen))
    if enterprise_id is not None and not ids:
        raise NotFound("no such enterprise")
    lo, hi = _span(start, end)
    wanted = reader.plate(plate) if plate else None
    if plate and wanted is None:
        return []
    q = _records_query(ids, lo, hi, wanted).limit(limit)
    return [_record_json(r, seen[r.enterprise_id]) for r in s.scalars(q)]


def _vehicle(r: GateRecord) -> rules.Vehicle:
    return rules.Vehicle(r.plate, r.vehicle_type, r.fuel, r.emission_standard)


def _findings(s: Session, rows: list[GateRecord], config: dict | None) -> list[tuple[GateRecord, rules.Finding]]:
    threshold = settings(config).freight_threshold
    windows, profiles = warning_windows(s), freight_profiles(s)
    out = []
    for r in rows:
        for f in rules.findings(_vehicle(r), r.time_in, windows.get(r.enterprise_id, []),
                                profiles.get(r.enterprise_id, []), threshold):
            out.append((r, f))
    return out


def _resolutions(s: Session, record_ids) -> dict[tuple[int, str], Resolution]:
    ids = list(record_ids)
    out = {}
    for i in range(0, len(ids), 500):
        for x in s.scalars(sa.select(Resolution).where(Resolution.gate_record_id.in_(ids[i:i + 500]))):
            out[(x.gate_record_id, x.rule)] = x
    return out


def _finding_json(r: GateRecord, f: rules.Finding, p: dict, resolution: Resolution | None) -> dict:
    return dict(_record_json(r, p), record_id=r.id, rule=f.rule, rule_name=rules.RULE_NAMES[f.rule], reason=f.reason,
                clause=f.clause, alert_id=f.alert_id, undecided=f.undecided,
                resolved=None if resolution is None else {"by": resolution.resolved_by, "note": resolution.note,
                                                          "at": _iso(resolution.resolved_at)})


def violations(s: Session, scope: Scope, start: dt.date, end: dt.date, config: dict | None = None, *,
               enterprise_id: int | None = None) -> dict:
    """The period's violations (and 待核实 records) with reason and clause, and a summary per enterprise."""
    seen = visible_ids(s, scope)
    ids = set(seen) if enterprise_id is None else ({enterprise_id} & set(seen))
    lo, hi = _span(start, end)
    rows = list(s.scalars(_records_query(ids, lo, hi)))
    found = _findings(s, rows, config)
    res = _resolutions(s, {r.id for r, _ in found})
    items = [_finding_json(r, f, seen[r.enterprise_id], res.get((r.id, f.rule))) for r, f in found]
    per: dict[int, dict] = {}
    gated = set(s.scalars(sa.select(GateSystem.enterprise_id)))
    for eid in sorted({r.enterprise_id for r in rows} | (ids & gated)):
        p = seen[eid]
        per[eid] = {"enterprise_id": eid, "enterprise": p["name"], "county": p["county"], "records": 0,
                    "violations": 0, "unresolved": 0, "undecided": 0, "synthetic": p.get("synthetic", False)}
    for r in rows:
        per[r.enterprise_id]["records"] += 1
    for v in items:
        row = per[v["enterprise_id"]]
        if v["undecided"]:
            row["undecided"] += 1
        else:
            row["violations"] += 1
            row["unresolved"] += v["resolved"] is None
    return {"from": start.isoformat(), "to": end.isoformat(),
            "violations": [v for v in items if not v["undecided"]],
            "undecided": [v for v in items if v["undecided"]],
            "by_enterprise": sorted(per.values(), key=lambda x: (x["county"] or "", x["enterprise"]))}


def silent_gates(s: Session, scope: Scope, config: dict | None = None, *, as_of: dt.date | None = None,
                 now: dt.datetime | None = None) -> list[dict]:
    """Every gate the caller may see with its last record, flagged when silent for more than N hours."""
    hours = settings(config).silence_hours
    now = now or _now(as_of)
    seen = visible_ids(s, scope)
    last = dict(s.execute(sa.select(GateRecord.enterprise_id, sa.func.max(GateRecord.time_in))
                          .where(GateRecord.time_in <= now).group_by(GateRecord.enterprise_id)).all())
    out = []
    for g in s.scalars(sa.select(GateSystem).order_by(GateSystem.enterprise_id)):
        p = seen.get(g.enterprise_id)
        if p is None:
            continue
        latest = last.get(g.enterprise_id)
        if latest is not None and latest.tzinfo is None:
            latest = latest.replace(tzinfo=dt.timezone.utc)
        since = min(g.created_at, now)
        gap = now - (latest or since)
        out.append({"gate_id": g.id, "name": g.name, "enterprise_id": g.enterprise_id, "enterprise": p["name"],
                    "county": p["county"], "last_record": _iso(latest), "last_seen": _iso(g.last_seen),
                    "hours_since": int(gap.total_seconds() // 3600), "silent": rules.silent(latest, since, now, hours),
                    "has_token": g.token_hash is not None, "synthetic": g.synthetic})
    return out


def resolve(s: Session, scope: Scope, record_id: int, rule: str, note: str, config: dict | None = None) -> Resolution:
    """Record that a violation was dealt with (查处/整改): by the office, an inspector or the record's county."""
    r = s.get(GateRecord, record_id)
    seen = visible_ids(s, scope)
    if r is None or r.enterprise_id not in seen:
        raise NotFound("no such gate record")
    # a resolution is the county's (or the city's) act on the record, never the enterprise's own
    policy.require(scope, "write", "vehicles", policy.Record(unit=seen[r.enterprise_id]["county"]),
                   "违规由市大气办、县区或执法人员处理 (the office, the county or an inspector resolves)")
    if not note.strip() or "\x00" in note:
        raise UsageError("a note on how it was dealt with is required (text)")
    if not any(f.rule == rule and not f.undecided for _, f in _findings(s, [r], config)):
        raise UsageError(f"record {record_id} does not violate {rule}")
    if s.scalar(sa.select(Resolution.id).where(Resolution.gate_record_id == r.id, Resolution.rule == rule)):
        raise UsageError("already resolved")
    x = Resolution(gate_record_id=r.id, rule=rule, note=note.strip()[:2000], resolved_by=scope.who.username,
                   resolved_at=now_utc())
    s.add(x)
    audit.record(s, actor=scope.who.username, action="resolve", entity="gate_violation", entity_id=f"{r.id}:{rule}",
                 after={"note": x.note}, scope_unit=seen[r.enterprise_id]["county"])
    return x


# --------------------------------------------------------------------------- road checks and OBD (任务23)
def import_checks(s: Session, scope: Scope, path: Path, *, synthetic: bool = False) -> dict:
    """Import road checks and OBD inspections; idempotent by (kind, plate, time); all or nothing."""
    # road checks are the city's records (no county): the office and inspectors write them
    policy.require(scope, "write", "vehicles", policy.Record(),
                   "路检路查记录由市大气办或执法人员导入 (the office or inspectors import checks)")
    path = Path(path)
    rows = reader.read_checks(path)
    counties = ledgers.county_lookup(s)
    resolved = []
    for r in rows:
        county = counties.get(r.county) if r.county else None
        if r.county and county is None:
            raise InputError(path, f"unknown county {r.county!r}", line=r.line, column="county",
                             expected="a county name or adcode of the workspace")
        eid = find_enterprise(s, r.enterprise) if r.enterprise else None
        if r.enterprise and eid is None:
            raise InputError(path, f"unknown enterprise {r.enterprise!r}", line=r.line, column="enterprise",
                             expected="a 统一社会信用代码 or name of the ledger")
        resolved.append((r, county, eid))
    added = {"roadcheck": 0, "obd": 0}
    now = now_utc()
    for r, county, eid in resolved:
        model = RoadCheck if r.kind == "roadcheck" else ObdInspection
        key = hashlib.sha256(f"{r.kind}|{r.plate}|{r.time.isoformat()}".encode()).hexdigest()
        if s.scalar(sa.select(model.id).where(model.record_key == key)) is not None:
            continue
        common = dict(record_key=key, plate=r.plate, county_code=county, location=r.location, enterprise_id=eid,
                      outcome=r.outcome, finding=r.finding, synthetic=synthetic, source=path.name,
                      imported_by=scope.who.username, imported_at=now)
        if r.kind == "roadcheck":
            s.add(RoadCheck(checked_at=r.time, **common))
        else:
            s.add(ObdInspection(inspected_at=r.time, vin=r.vin, **common))
        added[r.kind] += 1
    s.flush()
    if any(added.values()):
        audit.record(s, actor=scope.who.username, action="import", entity="road_checks", entity_id=path.name,
                     after=added)
    return {"rows": len(rows), "added": added, "file": path.name}


def _check_visible(scope: Scope, seen: dict, county: str | None, enterprise_id: int | None) -> bool:
    if scope.city_wide and scope.who.role != "enterprise":
        return True
    if scope.who.role == "enterprise":
        return enterprise_id is not None and enterprise_id == scope.who.enterprise_id
    return county == scope.unit or (enterprise_id is not None and enterprise_id in seen)


def plate_history(s: Session, scope: Scope, plate: str, config: dict | None = None) -> dict:
    """A plate's gate records with their findings, road checks and OBD inspections (what the caller may see)."""
    p = reader.plate(plate)
    if p is None:
        raise NotFound("no such plate")
    seen = visible_ids(s, scope)
    rows = list(s.scalars(_records_query(set(seen), None, None, p)))
    found = _findings(s, rows, config)
    res = _resolutions(s, {r.id for r, _ in found})
    checks = []
    for c in s.scalars(sa.select(RoadCheck).where(RoadCheck.plate == p).order_by(RoadCheck.checked_at)):
        if _check_visible(scope, seen, c.county_code, c.enterprise_id):
            checks.append({"kind": "路检路查", "time": _iso(c.checked_at), "county": c.county_code,
                           "location": c.location, "outcome": c.outcome, "finding": c.finding,
                           "synthetic": c.synthetic})
    for c in s.scalars(sa.select(ObdInspection).where(ObdInspection.plate == p).order_by(ObdInspection.inspected_at)):
        if _check_visible(scope, seen, c.county_code, c.enterprise_id):
            checks.append({"kind": "OBD检查", "time": _iso(c.inspected_at), "county": c.county_code,
                           "location": c.location, "outcome": c.outcome, "finding": c.finding, "vin": c.vin,
                           "synthetic": c.synthetic})
    if not rows and not checks:
        raise NotFound("no records for this plate")
    checks.sort(key=lambda c: c["time"])
    return {"plate": p, "records": [_record_json(r, seen[r.enterprise_id]) for r in rows],
            "findings": [_finding_json(r, f, seen[r.enterprise_id], res.get((r.id, f.rule))) for r, f in found],
            "checks": checks, "failed_checks": sum(1 for c in checks if c["outcome"] == "fail")}


# --------------------------------------------------------------------------- the plan indicator
def status(s: Session, scope: Scope, start: dt.date, end: dt.date, config: dict | None = None, *,
           county: str | None = None) -> dict:
    """Unresolved violations and silent gates of the period (行动计划 任务11、23 measured)."""
    v = violations(s, scope, start, end, config)
    gates = silent_gates(s, scope, config, as_of=end)
    if county:
        v["violations"] = [x for x in v["violations"] if x["county"] == county]
        gates = [g for g in gates if g["county"] == county]
    unresolved = [x for x in v["violations"] if x["resolved"] is None]
    return {"gates": len(gates), "silent": [g for g in gates if g["silent"]], "unresolved": unresolved}
