"""What the ledger pages, API and CLI show and do, always through the caller's scope.

Reads return plain dicts; writes are audited. ``NotFound`` (404) for an enterprise outside the
scope, ``Forbidden`` (403) for an action not the caller's, ``UsageError`` (422) for bad input.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian import attachments, audit, geography
from lantian.accounts.models import Enterprise
from lantian.accounts import policy
from lantian.accounts.scope import Scope
from lantian.db import now_utc, to_beijing
from lantian.enterprises import access, rules
from lantian.enterprises.kinds import FACILITY_KINDS, GRADES, parse_value
from lantian.enterprises.models import Cluster, Facility, GradeApplication, GradeChange, Ledger, LedgerChange
from lantian.errors import Forbidden, NotFound, UsageError

APPLICATION_ENTITY = "grade_application"
COMMON = ("enterprise", "code", "name", "status")


# --------------------------------------------------------------------------- reading
def visible_enterprises(s: Session, scope: Scope) -> list[Enterprise]:
    return [e for e in s.scalars(sa.select(Enterprise).order_by(Enterprise.county_code, Enterprise.name))
            if access.sees(scope, e)]


def enterprise(s: Session, scope: Scope, enterprise_id: int) -> Enterprise:
    e = s.get(Enterprise, enterprise_id)
    if e is None or not access.sees(scope, e):
        raise NotFound("no such enterprise")
    return e


def _attrs(f: Facility) -> dict:
    """The facility's kind fields, typed (dates as dates)."""
    kind = FACILITY_KINDS[f.kind]
    raw = json.loads(f.attrs)
    out = {}
    for name, value in raw.items():
        try:
            field = kind.field(name)
        except KeyError:
            out[name] = value
            continue
        out[name] = dt.date.fromisoformat(value) if field.type == "date" and value else value
    return out


def _jsonable(values: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}


def facts(s: Session, enterprises: list[Enterprise]) -> list[rules.FacilityFacts]:
    by_id = {e.id: e for e in enterprises}
    ledgers = {x.enterprise_id: x for x in s.scalars(sa.select(Ledger).where(Ledger.enterprise_id.in_(by_id)))}
    out = []
    for f in s.scalars(sa.select(Facility).where(Facility.enterprise_id.in_(by_id)).order_by(Facility.id)):
        e, led = by_id[f.enterprise_id], ledgers.get(f.enterprise_id)
        out.append(rules.FacilityFacts(id=f.id, code=f.code, name=f.name, kind=f.kind, status=f.status,
                                       enterprise=e.name, enterprise_id=e.id, county=e.county_code,
                                       industry=led.industry if led else None, grade=led.grade if led else None,
                                       attrs=_attrs(f), synthetic=bool(f.synthetic or e.synthetic)))
    return out


def load_rules(root: Path | None) -> list:
    """The rules shipped with lantian, then the workspace's own (``WORKSPACE/rules/*.toml``)."""
    extra = [root / "rules"] if root is not None and (root / "rules").is_dir() else []
    return rules.load_rules(*extra)


def check(s: Session, scope: Scope, on: dt.date, root: Path | None, horizon_days: int = 90):
    return rules.check(facts(s, visible_enterprises(s, scope)), load_rules(root), on, horizon_days)


def county_names(s: Session) -> dict[str, str]:
    """Every county, zone and city of the workspace: code → name."""
    return _names(s)


def _names(s: Session) -> dict[str, str]:
    return geography.names(s)


def listing(s: Session, scope: Scope, on: dt.date, root: Path | None, *, county: str | None = None,
            industry: str | None = None, grade: str | None = None, violations_only: bool = False) -> list[dict]:
    """The enterprise list with its filters; ``grade`` "未评级" selects the unrated."""
    ents = visible_enterprises(s, scope)
    ledgers = {x.enterprise_id: x for x in s.scalars(sa.select(Ledger))}
    found = rules.check(facts(s, ents), load_rules(root), on)
    count = Counter(v.enterprise_id for v in found.violations)
    facilities = Counter(s.scalars(sa.select(Facility.enterprise_id)))
    names = _names(s)
    out = []
    for e in ents:
        led = ledgers.get(e.id)
        row = {"id": e.id, "name": e.name, "credit_code": e.credit_code, "county": e.county_code,
               "county_name": names.get(e.county_code or "", e.county_code), "industry": led.industry if led else None,
               "grade": led.grade if led else None, "emergency_list": bool(led and led.emergency_list),
               "facilities": facilities.get(e.id, 0), "violations": count.get(e.id, 0), "synthetic": e.synthetic}
        if county and row["county"] != county:
            continue
        if industry and row["industry"] != industry:
            continue
        if grade and (row["grade"] or "未评级") != grade:
            continue
        if violations_only and not row["violations"]:
            continue
        out.append(row)
    return out


def detail(s: Session, scope: Scope, enterprise_id: int, on: dt.date, root: Path | None) -> dict:
    e = enterprise(s, scope, enterprise_id)
    led = s.get(Ledger, e.id)
    found = rules.check(facts(s, [e]), load_rules(root), on)
    by_facility = defaultdict(list)
    for v in found.violations:
        by_facility[v.facility_id].append(v.to_dict())
    upcoming = defaultdict(list)
    for v in found.upcoming:
        upcoming[v.facility_id].append(v.to_dict())
    facilities = []
    for f in s.scalars(sa.select(Facility).where(Facility.enterprise_id == e.id).order_by(Facility.kind, Facility.code)):
        kind = FACILITY_KINDS[f.kind]
        attrs = _attrs(f)
        shown = [(fld.header, attrs.get(fld.name)) for fld in kind.fields
                 if fld.name not in COMMON and attrs.get(fld.name) not in (None, "")]
        facilities.append({"id": f.id, "kind": f.kind, "kind_label": kind.label, "code": f.code, "name": f.name,
                           "status": f.status, "attrs": _jsonable(attrs), "shown": shown, "synthetic": f.synthetic,
                           "violations": by_facility.get(f.id, []), "upcoming": upcoming.get(f.id, [])})
    history = [{"grade": g.grade or "未评级", "from": g.effective_from.isoformat(), "by": g.decided_by, "note": g.note}
               for g in s.scalars(sa.select(GradeChange).where(GradeChange.enterprise_id == e.id)
                                  .order_by(GradeChange.effective_from.desc(), GradeChange.id.desc()))]
    apps = [_application(s, a) for a in s.scalars(sa.select(GradeApplication)
                                                  .where(GradeApplication.enterprise_id == e.id)
                                                  .order_by(GradeApplication.id.desc()))]
    changes = [{"id": c.id, "kind": c.kind, "facility_id": c.facility_id, "payload": json.loads(c.payload),
                "state": c.state, "submitted_by": c.submitted_by, "note": c.note,
                "submitted_at": to_beijing(c.submitted_at).isoformat(timespec="minutes")}
               for c in s.scalars(sa.select(LedgerChange).where(LedgerChange.enterprise_id == e.id)
                                  .order_by(LedgerChange.id.desc()))]
    return {"id": e.id, "name": e.name, "credit_code": e.credit_code, "county": e.county_code,
            "county_name": _names(s).get(e.county_code or "", e.county_code), "synthetic": e.synthetic,
            "industry": led.industry if led else None, "grade": led.grade if led else None,
            "address": led.address if led else None, "emergency_list": bool(led and led.emergency_list),
            "key_unit": bool(led and led.key_unit), "facilities": facilities,
            "violations": [v.to_dict() for v in found.violations], "upcoming": [v.to_dict() for v in found.upcoming],
            "grade_history": history, "applications": apps, "changes": changes,
            "may_apply": access.is_owner(scope, e), "may_review": access.reviews(scope, e),
            "may_decide": access.manages(scope), "may_edit": access.is_owner(scope, e) or access.manages(scope)}


def _application(s: Session, a: GradeApplication) -> dict:
    files = attachments.of(s, APPLICATION_ENTITY, str(a.id))
    return {"id": a.id, "requested": a.requested, "reason": a.reason, "state": a.state,
            "county_grade": a.county_grade, "county_opinion": a.county_opinion, "county_by": a.county_by,
            "city_grade": a.city_grade, "city_note": a.city_note, "city_by": a.city_by,
            "submitted_by": a.submitted_by, "submitted_at": to_beijing(a.submitted_at).isoformat(timespec="minutes"),
            "files": [{"id": f.id, "filename": f.filename} for f in files]}


def violations_by_county(s: Session, scope: Scope, on: dt.date, root: Path | None) -> list[dict]:
    """The violations dashboard: per county, violations and upcoming deadlines by rule."""
    found = check(s, scope, on, root)
    names = _names(s)
    rows: dict[str, dict] = {}
    for kind, items in (("violations", found.violations), ("upcoming", found.upcoming)):
        for v in items:
            row = rows.setdefault(v.county or "", {"county": v.county, "name": names.get(v.county or "", "未定县区"),
                                                   "violations": 0, "upcoming": 0, "enterprises": set(), "rules": Counter()})
            row[kind] += 1
            if kind == "violations":
                row["enterprises"].add(v.enterprise_id)
                row["rules"][f"任务{v.task}：{v.title}"] += 1
    out = []
    for row in sorted(rows.values(), key=lambda r: (-r["violations"], r["name"])):
        out.append(dict(row, enterprises=len(row["enterprises"]), rules=sorted(row["rules"].items())))
    return out


def clusters(s: Session, scope: Scope) -> list[dict]:
    """产业集群 with their 一群一策 class (a county sees its own)."""
    names = _names(s)
    out = []
    for c in s.scalars(sa.select(Cluster).order_by(Cluster.county_code, Cluster.name)):
        if access.sees_unit(scope, c.county_code):
            out.append({"name": c.name, "county": names.get(c.county_code or "", c.county_code), "industry": c.industry,
                        "strategy": c.strategy, "enterprises": c.enterprises, "synthetic": c.synthetic})
    return out


def grade_lists(s: Session, scope: Scope) -> dict:
    """D-grade and unrated enterprises (the emergency issue's strictest measures apply to them)."""
    ledgers = {x.enterprise_id: x for x in s.scalars(sa.select(Ledger))}
    out = {"D": [], "unrated": []}
    for e in visible_enterprises(s, scope):
        grade = ledgers[e.id].grade if e.id in ledgers else None
        if grade == "D":
            out["D"].append({"id": e.id, "name": e.name, "county": e.county_code})
        elif grade is None:
            out["unrated"].append({"id": e.id, "name": e.name, "county": e.county_code})
    return out


# --------------------------------------------------------------------------- import / export
def county_lookup(s: Session) -> dict[str, str]:
    """Accepted county spellings for the Excel import: name and adcode → adcode."""
    return geography.lookup(s, geography.LOCAL)


def require_import(scope: Scope) -> None:
    """The ledgers are imported by the city office (asked before a file is even read)."""
    if not access.manages(scope):
        raise Forbidden("只有市大气办可以导入台账 (the city office imports ledgers)")


def import_batch(s: Session, scope: Scope, batch, *, actor: str, source: str = "", synthetic: bool = False) -> dict:
    """Store a validated workbook (``excel.read_workbook``) in one transaction: enterprises by credit
    code, facilities by (enterprise, kind, code), clusters by name — created or updated. Audited."""
    require_import(scope)
    if not (batch.enterprises or batch.facilities or batch.clusters):     # an empty file or bare template
        raise UsageError(f"{source or '文件'}：没有数据行，未导入任何内容；应在工作表的表头下逐行填写 "
                         "(no data rows: nothing imported)")
    counts = Counter()
    clusters = {}
    for c in batch.clusters:
        row = s.scalar(sa.select(Cluster).where(Cluster.name == c["name"]))
        if row is None:
            row = Cluster(name=c["name"], synthetic=synthetic)
            s.add(row)
            counts["clusters created"] += 1
        row.county_code, row.industry, row.strategy = c["county"], c["industry"], c["strategy"]
        row.enterprises = c.get("enterprises")
        s.flush()
        clusters[row.name] = row.id
    by_code = {}
    listed = listed_ids(s)
    for values in batch.enterprises:
        before = _enterprise_facts(s, by_credit_code(s, values["credit_code"]))
        e, created = upsert_enterprise(s, values, actor=actor, synthetic=synthetic, clusters=clusters)
        by_code[e.credit_code] = e
        counts["enterprises " + _outcome(created, before, _enterprise_facts(s, e))] += 1
        on = bool(s.get(Ledger, e.id).emergency_list)
        if on != (e.id in listed):
            counts["joined the reduction list" if on else "left the reduction list"] += 1
    for values in batch.facilities:
        e = by_code.get(values["enterprise"]) or s.scalar(sa.select(Enterprise).where(
            Enterprise.credit_code == values["enterprise"]))
        if e is None:
            raise UsageError(f"no enterprise with credit code {values['enterprise']}")
        before = _facility_facts(s, e, values["kind"], values["code"])
        created = upsert_facility(s, e, values["kind"], values, actor=actor, synthetic=synthetic)
        counts["facilities " + _outcome(created, before, _facility_facts(s, e, values["kind"], values["code"]))] += 1
    audit.record(s, actor=actor, action="import", entity="ledger", entity_id=source or "workbook",
                 after=dict(counts, rows=batch.rows))
    return dict(counts)


def _outcome(created: bool, before, after) -> str:
    """created / updated / unchanged: a row read again with the same facts is unchanged (issue 21 §4)."""
    return "created" if created else ("unchanged" if before == after else "updated")


def _enterprise_facts(s: Session, e: Enterprise | None) -> tuple | None:
    if e is None:
        return None
    led = s.get(Ledger, e.id)
    return (e.name, e.county_code) + (() if led is None else (
        led.industry, led.address, led.lon, led.lat, led.emergency_list, led.key_unit, led.cluster_id, led.grade))


def _facility_facts(s: Session, e: Enterprise, kind: str, code: str) -> tuple | None:
    f = s.scalar(sa.select(Facility).where(Facility.enterprise_id == e.id, Facility.kind == kind,
                                           Facility.code == code))
    return None if f is None else (f.name, f.status, json.loads(f.attrs))      # 20 and 20.0 the same number


def upsert_enterprise(s: Session, values: dict, *, actor: str, synthetic: bool = False,
                      clusters: dict | None = None) -> tuple[Enterprise, bool]:
    e = s.scalar(sa.select(Enterprise).where(Enterprise.credit_code == values["credit_code"]))
    created = e is None
    if created:
        e = Enterprise(name=values["name"], credit_code=values["credit_code"], synthetic=synthetic)
        s.add(e)
    e.name, e.county_code = values["name"], values["county"]
    s.flush()
    led = s.get(Ledger, e.id)
    if led is None:
        led = Ledger(enterprise_id=e.id, emergency_list=False, key_unit=False)
        s.add(led)
    before_grade = None if created else led.grade
    led.industry, led.address = values.get("industry"), values.get("address")
    led.lon, led.lat = values.get("lon"), values.get("lat")
    if values.get("emergency_list") is not None:      # left blank: the reduction list keeps its say
        led.emergency_list = bool(values["emergency_list"])
    led.key_unit = bool(values.get("key_unit"))
    if values.get("cluster"):
        cid = (clusters or {}).get(values["cluster"]) or s.scalar(sa.select(Cluster.id).where(
            Cluster.name == values["cluster"]))
        if cid is None:
            raise UsageError(f"{values['name']}: no industrial cluster {values['cluster']!r}")
        led.cluster_id = cid
    led.grade = values.get("grade")
    led.updated_by, led.updated_at = actor, now_utc()
    if created or led.grade != before_grade:
        s.add(GradeChange(enterprise_id=e.id, grade=led.grade, effective_from=dt.date.today(), decided_by=actor,
                          note="台账导入", recorded_at=now_utc()))
    s.flush()
    return e, created


# --------------------------------------------------------------------------- identity and the reduction list
#: what another room may set of an enterprise (the reduction list's import): the ledger keeps it
IDENTITY = ("name", "county", "industry", "grade", "emergency_list")


def by_credit_code(s: Session, code: str) -> Enterprise | None:
    return s.scalar(sa.select(Enterprise).where(Enterprise.credit_code == code))


def identity(s: Session, code: str) -> dict | None:
    """The ledger's identity facts of the enterprise with credit code ``code`` (None when unknown)."""
    e = by_credit_code(s, code)
    if e is None:
        return None
    led = s.get(Ledger, e.id)
    return {"id": e.id, "name": e.name, "credit_code": e.credit_code, "county": e.county_code,
            "industry": led.industry if led else None, "grade": led.grade if led else None,
            "emergency_list": bool(led and led.emergency_list), "synthetic": e.synthetic}


def upsert_identity(s: Session, values: dict, *, actor: str, note: str, synthetic: bool = False) -> tuple[int, dict]:
    """Create or update an enterprise's identity facts named in ``values`` (credit code, and any of
    :data:`IDENTITY`) and nothing else of its ledger; audited. Returns (enterprise id, the changes as
    field → (before, after)), empty when nothing changed. 纳入应急减排清单 (``emergency_list``) is the
    one membership fact of the reduction list: setting it here is what puts a firm on or off the list."""
    e = by_credit_code(s, values["credit_code"])
    created = e is None
    if created:
        e = Enterprise(name=values["name"], credit_code=values["credit_code"], county_code=values.get("county"),
                       synthetic=synthetic)
        s.add(e)
        s.flush()
    led = s.get(Ledger, e.id)
    if led is None:
        led = Ledger(enterprise_id=e.id, emergency_list=False, key_unit=False, updated_by=actor,
                     updated_at=now_utc())
        s.add(led)
    before = {"name": None if created else e.name, "county": None if created else e.county_code,
              "industry": led.industry, "grade": led.grade, "emergency_list": bool(led.emergency_list)}
    changes = {}
    for key in IDENTITY:
        if key in values and values[key] != before[key] and not (key == "emergency_list" and values[key] is None):
            changes[key] = (before[key], values[key])
    if "name" in changes:
        e.name = values["name"]
    if "county" in changes:
        e.county_code = values["county"]
    if "industry" in changes:
        led.industry = values["industry"]
    if "emergency_list" in changes:
        led.emergency_list = bool(values["emergency_list"])
    if "grade" in changes:
        led.grade = values["grade"]
        s.add(GradeChange(enterprise_id=e.id, grade=led.grade, effective_from=dt.date.today(), decided_by=actor,
                          note=note, recorded_at=now_utc()))
    if changes:
        led.updated_by, led.updated_at = actor, now_utc()
        s.flush()
        audit.record(s, actor=actor, action="create" if created else "update", entity="enterprise",
                     entity_id=str(e.id), before={k: v[0] for k, v in changes.items()},
                     after=dict({k: v[1] for k, v in changes.items()}, source=note), scope_unit=e.county_code)
    return e.id, changes


def set_emergency_list(s: Session, enterprise_id: int, on: bool, *, actor: str, note: str = "") -> bool:
    """Put an enterprise on the reduction list or take it off (the ledger's 纳入应急减排清单); audited.
    True when it changed."""
    e = s.get(Enterprise, enterprise_id)
    if e is None:
        raise NotFound("no such enterprise")
    return bool(upsert_identity(s, {"credit_code": e.credit_code, "emergency_list": on}, actor=actor,
                                note=note or "应急减排清单")[1])


def listed_ids(s: Session) -> set[int]:
    """The enterprises on the reduction list (纳入应急减排清单 = 是)."""
    return set(s.scalars(sa.select(Ledger.enterprise_id).where(Ledger.emergency_list.is_(True))))


def upsert_facility(s: Session, e: Enterprise, kind: str, values: dict, *, actor: str,
                    synthetic: bool = False) -> bool:
    if kind not in FACILITY_KINDS:
        raise UsageError(f"unknown facility kind {kind!r}; one of {', '.join(FACILITY_KINDS)}")
    f = s.scalar(sa.select(Facility).where(Facility.enterprise_id == e.id, Facility.kind == kind,
                                           Facility.code == values["code"]))
    created = f is None
    if created:
        f = Facility(enterprise_id=e.id, kind=kind, code=values["code"], synthetic=synthetic)
        s.add(f)
    f.name, f.status = values["name"], values["status"]
    attrs = {k: v for k, v in values.items() if k not in COMMON + ("kind",) and v is not None}
    f.attrs = json.dumps(_jsonable(attrs), ensure_ascii=False, sort_keys=True)
    f.updated_by, f.updated_at = actor, now_utc()
    s.flush()
    return created


def export_rows(s: Session, scope: Scope) -> tuple[list[dict], list[dict], list[dict]]:
    """The visible ledger as rows for ``excel.write_workbook``."""
    names = _names(s)
    ents = visible_enterprises(s, scope)
    ledgers = {x.enterprise_id: x for x in s.scalars(sa.select(Ledger))}
    clusters = {c.id: c for c in s.scalars(sa.select(Cluster))}
    erows = []
    for e in ents:
        led = ledgers.get(e.id)
        erows.append({"name": e.name, "credit_code": e.credit_code, "county": names.get(e.county_code or "", e.county_code),
                      "industry": led.industry if led else None, "address": led.address if led else None,
                      "lon": led.lon if led else None, "lat": led.lat if led else None,
                      "grade": led.grade if led else None, "emergency_list": bool(led and led.emergency_list),
                      "key_unit": bool(led and led.key_unit),
                      "cluster": clusters[led.cluster_id].name if led and led.cluster_id else None})
    by_id = {e.id: e for e in ents}
    frows = []
    for f in s.scalars(sa.select(Facility).where(Facility.enterprise_id.in_(by_id)).order_by(Facility.enterprise_id,
                                                                                            Facility.kind, Facility.code)):
        frows.append(dict(_attrs(f), kind=f.kind, enterprise=by_id[f.enterprise_id].credit_code, code=f.code,
                          name=f.name, status=f.status))
    crows = [{"name": c.name, "county": names.get(c.county_code or "", c.county_code), "industry": c.industry,
              "strategy": c.strategy, "enterprises": c.enterprises} for c in clusters.values()] \
        if policy.sees_whole_city(scope) else []
    return erows, frows, crows


# --------------------------------------------------------------------------- edits
def _check_values(kind: str, values: dict) -> dict:
    """Typed, validated facility values from a form or API body (strings accepted)."""
    k = FACILITY_KINDS.get(kind)
    if k is None:
        raise UsageError(f"unknown facility kind {kind!r}")
    out, problems = {}, []
    for field in k.fields:
        if field.name == "enterprise":
            continue
        raw = values.get(field.name)
        try:
            value = parse_value(field, raw)
        except ValueError as exc:
            problems.append(f"{field.header}: {exc}")
            continue
        if value is None and field.required:
            problems.append(f"{field.header}: 必填")
        out[field.name] = value
    unknown = sorted(set(values) - {f.name for f in k.fields} - {"kind", "csrf_token", "facility_id"})
    if unknown:
        problems.append(f"unknown field(s) {', '.join(unknown)}")
    if problems:
        raise UsageError("；".join(problems))
    return out


def save_facility(s: Session, scope: Scope, enterprise_id: int, kind: str, values: dict,
                  facility_id: int | None = None) -> tuple[str, int]:
    """The office writes directly; an enterprise's own edit waits for its county ("pending")."""
    e = enterprise(s, scope, enterprise_id)
    if not (access.manages(scope) or access.is_owner(scope, e)):
        raise Forbidden("只有企业本身或市大气办可以修改台账 (not your ledger)")
    typed = _check_values(kind, values)
    if facility_id is not None:
        f = s.get(Facility, facility_id)
        if f is None or f.enterprise_id != e.id or f.kind != kind:
            raise NotFound("no such facility")
    actor = scope.who.username
    if access.manages(scope):
        created = upsert_facility(s, e, kind, typed, actor=actor)
        f = s.scalar(sa.select(Facility).where(Facility.enterprise_id == e.id, Facility.kind == kind,
                                               Facility.code == typed["code"]))
        audit.record(s, actor=actor, action="create" if created else "update", entity="facility", entity_id=str(f.id),
                     after=_jsonable(typed), scope_unit=e.county_code)
        return "applied", f.id
    change = LedgerChange(enterprise_id=e.id, facility_id=facility_id, kind=kind,
                          payload=json.dumps(_jsonable(typed), ensure_ascii=False), state="pending",
                          submitted_by=actor, submitted_at=now_utc())
    s.add(change)
    s.flush()
    audit.record(s, actor=actor, action="propose", entity="ledger_change", entity_id=str(change.id),
                 after=_jsonable(typed), scope_unit=e.county_code)
    return "pending", change.id


def review_change(s: Session, scope: Scope, change_id: int, approve: bool, note: str = "") -> LedgerChange:
    c = s.get(LedgerChange, change_id)
    if c is None:
        raise NotFound("no such change")
    e = enterprise(s, scope, c.enterprise_id)
    if not access.reviews(scope, e) or access.is_owner(scope, e):
        raise Forbidden("企业台账修改由所在县区审核 (the county approves)")
    if c.state != "pending":
        raise UsageError(f"change {c.id} is already {c.state}")
    c.state, c.reviewed_by, c.reviewed_at, c.note = ("approved" if approve else "rejected"), scope.who.username, \
        now_utc(), note or None
    if approve:
        values = json.loads(c.payload)
        kind = FACILITY_KINDS[c.kind]
        for field in kind.fields:
            if field.type == "date" and values.get(field.name):
                values[field.name] = dt.date.fromisoformat(values[field.name])
        upsert_facility(s, e, c.kind, values, actor=c.submitted_by)
    audit.record(s, actor=scope.who.username, action=c.state, entity="ledger_change", entity_id=str(c.id),
                 before={"state": "pending"}, after={"state": c.state, "note": note}, scope_unit=e.county_code)
    return c


# --------------------------------------------------------------------------- 绩效分级
def _grade(value: str | None) -> str:
    if value not in GRADES:
        raise UsageError(f"绩效分级 is one of {', '.join(GRADES)}, not {value!r}")
    return value


def apply_grade(s: Session, root: Path, scope: Scope, enterprise_id: int, grade: str, reason: str,
                files: list[tuple[str, bytes]] = ()) -> GradeApplication:
    """The enterprise applies for a grade, with its evidence."""
    e = enterprise(s, scope, enterprise_id)
    if not access.is_owner(scope, e):
        raise Forbidden("绩效分级由企业本身申报 (only the enterprise applies)")
    grade = _grade(grade)
    if not (reason or "").strip():
        raise UsageError("申报理由不能为空 (say why)")
    open_one = s.scalar(sa.select(GradeApplication.id).where(GradeApplication.enterprise_id == e.id,
                                                             GradeApplication.state.in_(("submitted", "reviewed"))))
    if open_one is not None:
        raise UsageError(f"application {open_one} is still open")
    for name, data in files:
        attachments.check(name, data)
    a = GradeApplication(enterprise_id=e.id, requested=grade, reason=reason.strip(), state="submitted",
                         submitted_by=scope.who.username, submitted_at=now_utc())
    s.add(a)
    s.flush()
    for name, data in files:
        attachments.add(s, root, entity=APPLICATION_ENTITY, entity_id=str(a.id), filename=name, data=data,
                        actor=scope.who.username, role=scope.who.role, scope_unit=e.county_code)
    audit.record(s, actor=scope.who.username, action="apply", entity="grade_application", entity_id=str(a.id),
                 after={"enterprise": e.id, "grade": grade, "files": [n for n, _ in files]}, scope_unit=e.county_code)
    return a


def _application_of(s: Session, scope: Scope, application_id: int) -> tuple[GradeApplication, Enterprise]:
    a = s.get(GradeApplication, application_id)
    if a is None:
        raise NotFound("no such application")
    return a, enterprise(s, scope, a.enterprise_id)


def county_review(s: Session, scope: Scope, application_id: int, *, approve: bool, grade: str | None = None,
                  opinion: str = "") -> GradeApplication:
    """The county reviews: recommends a grade to the city (the requested one unless it says
    otherwise), or returns the application to the enterprise."""
    a, e = _application_of(s, scope, application_id)
    if not (scope.who.role == "county" and access.reviews(scope, e)):
        raise Forbidden("绩效分级申报由企业所在县区审核 (the enterprise's county reviews)")
    if a.state != "submitted":
        raise UsageError(f"application {a.id} is {a.state}, not awaiting the county")
    a.state = "reviewed" if approve else "returned"
    a.county_grade = _grade(grade or a.requested) if approve else None
    a.county_opinion, a.county_by, a.county_at = opinion or None, scope.who.username, now_utc()
    audit.record(s, actor=scope.who.username, action="review", entity="grade_application", entity_id=str(a.id),
                 before={"state": "submitted"}, after={"state": a.state, "grade": a.county_grade, "opinion": opinion},
                 scope_unit=e.county_code)
    return a


def city_decide(s: Session, scope: Scope, application_id: int, *, grade: str | None = None, reject: bool = False,
                note: str = "", on: dt.date | None = None) -> GradeApplication:
    """The city approves the county's recommendation, adjusts it to another grade, or rejects it.
    An approved or adjusted grade becomes the enterprise's grade from ``on`` (history kept)."""
    a, e = _application_of(s, scope, application_id)
    if not access.manages(scope):
        raise Forbidden("绩效分级由市大气办审定 (the city office decides)")
    if a.state != "reviewed":
        raise UsageError(f"application {a.id} is {a.state}, not reviewed by the county")
    before = a.state
    if reject:
        a.state = "rejected"
    else:
        final = _grade(grade or a.county_grade)
        a.state = "approved" if final == a.county_grade else "adjusted"
        a.city_grade = final
        led = s.get(Ledger, e.id)
        if led is None:
            led = Ledger(enterprise_id=e.id, emergency_list=False, key_unit=False)
            s.add(led)
        led.grade, led.updated_by, led.updated_at = final, scope.who.username, now_utc()
        s.add(GradeChange(enterprise_id=e.id, grade=final, effective_from=on or dt.date.today(), application_id=a.id,
                          decided_by=scope.who.username, note=note or None, recorded_at=now_utc()))
    a.city_note, a.city_by, a.city_at = note or None, scope.who.username, now_utc()
    audit.record(s, actor=scope.who.username, action="decide", entity="grade_application", entity_id=str(a.id),
                 before={"state": before}, after={"state": a.state, "grade": a.city_grade, "note": note},
                 scope_unit=e.county_code)
    return a


def applications(s: Session, scope: Scope) -> list[dict]:
    """The grading queue the caller works on (its county's, or all for the office)."""
    out = []
    for a in s.scalars(sa.select(GradeApplication).order_by(GradeApplication.id.desc())):
        e = s.get(Enterprise, a.enterprise_id)
        if access.sees(scope, e):
            out.append(dict(_application(s, a), enterprise=e.name, enterprise_id=e.id, county=e.county_code))
    return out


def application_unit(s: Session, scope: Scope, application_id: str) -> str | None:
    """For the evidence service: the application's county when the caller may see it."""
    try:
        a, e = _application_of(s, scope, int(application_id))
    except ValueError:
        raise NotFound("no such record") from None
    return e.county_code


def profiles(s: Session, ids=None) -> dict[int, dict]:
    """What other rooms read of a ledger (name, county, industry, grade), by enterprise id."""
    q = sa.select(Enterprise)
    if ids is not None:
        q = q.where(Enterprise.id.in_(list(ids)))
    ledgers = {x.enterprise_id: x for x in s.scalars(sa.select(Ledger))}
    out = {}
    for e in s.scalars(q):
        led = ledgers.get(e.id)
        out[e.id] = {"id": e.id, "name": e.name, "county": e.county_code, "industry": led.industry if led else None,
                     "grade": led.grade if led else None, "emergency_list": bool(led and led.emergency_list),
                     "lon": led.lon if led else None, "lat": led.lat if led else None, "synthetic": e.synthetic}
    return out


def voc_enterprises(s: Session) -> set[int]:
    """Enterprises with VOCs treatment in use on their ledger (the ozone response concerns them)."""
    return set(s.scalars(sa.select(Facility.enterprise_id).where(Facility.kind == "voc_treatment",
                                                                 Facility.status == "在用")))


def credit_codes(s: Session) -> list[dict]:  # noqa: D103
    """Every enterprise's id, name and credit code (facility series name facilities by it)."""
    return [{"id": e.id, "name": e.name, "credit_code": e.credit_code} for e in s.scalars(sa.select(Enterprise))]
