"""What the register pages, API and CLI show and do, always through the caller's scope.

Who sees what (docs/architecture.md "Roles and scope"):

- the city office and admins: every register, and they import into any;
- inspectors and viewers: every register, read-only;
- a department: the registers it owns (``department`` in the register's file), and imports into them;
- a county: the rows of its own county in the registers kept by county (``county = true`` or
  ``"parent"``), and imports its own rows;
- an enterprise: the rows about itself in the registers that name an enterprise (the VOCs checklist,
  低VOCs替代), read-only; no other register.

Outside the scope a register or row does not exist (``NotFound``, 404); an import the caller may not
make is ``Forbidden`` (403). Every change is audited.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian import audit, geography
from lantian.accounts import policy
from lantian.accounts.models import Department, Enterprise
from lantian.accounts.scope import Scope
from lantian.db import now_utc, to_beijing
from lantian.enterprises.excel import RowError
from lantian.errors import Forbidden, InputError, NotFound
from lantian.registers import checks as named_checks
from lantian.registers import rules as register_rules
from lantian.registers.excel import Batch, RegisterImportError
from lantian.registers.kinds import Register, register, registers
from lantian.registers.models import RegisterRow, RegisterZone
from lantian.registers.settings import RegisterSettings, register_settings
from lantian import attachments
from lantian.attachments import Attachment
from lantian.enterprises import service as ledgers
from lantian.measurements.geo import geometry_polygons
from lantian.registers.industry import within

READ_ALL = policy.READ_ALL
MANAGE = policy.OFFICE
RULES_FOLDER = "register-rules"          # WORKSPACE/register-rules/*.toml: the office's own rules


# --------------------------------------------------------------------------- access
def _enterprise_code(s: Session, scope: Scope) -> str | None:
    e = s.get(Enterprise, scope.who.enterprise_id) if scope.who.enterprise_id else None
    return e.credit_code if e else None


def sees(scope: Scope, reg: Register) -> bool:
    role = scope.who.role
    if role in READ_ALL:
        return True
    if role == "department":
        return scope.who.department_code in reg.departments
    if role == "county":
        return reg.county != "none" and scope.unit is not None
    if role == "enterprise":
        return reg.enterprise is not None
    return False


def record(scope: Scope, reg: Register, county: str | None) -> policy.Record:
    """A register row's scope for the policy: its county, and the register's owning department (the
    caller's own when it is one of the register's departments)."""
    dept = scope.who.department_code if scope.who.department_code in reg.departments else \
        (reg.departments[0] if reg.departments else None)
    return policy.Record(unit=county, department_code=dept)


def may_write(scope: Scope, reg: Register, county: str | None) -> bool:
    """May the caller enter or change a row of ``reg`` in ``county`` (the policy's ``write`` in ``registers``)."""
    return policy.may(scope, "write", "registers", record(scope, reg, county))


def may_import(scope: Scope, reg: Register) -> bool:
    """The office, the owning department, or a county for its own rows (of a register kept by county)."""
    return may_write(scope, reg, scope.unit if reg.county != "none" else None)


def visible_registers(scope: Scope) -> list[Register]:
    return [r for r in registers().values() if sees(scope, r)]


def _register(scope: Scope, register_id: str) -> Register:
    reg = registers().get(register_id)
    if reg is None or not sees(scope, reg):
        raise NotFound(f"no register {register_id!r}")
    return reg


def _query(s: Session, scope: Scope, reg: Register):
    q = sa.select(RegisterRow).where(RegisterRow.register == reg.id)
    if scope.who.role == "county":
        q = q.where(RegisterRow.county == scope.unit)
    elif scope.who.role == "enterprise":
        q = q.where(RegisterRow.enterprise == (_enterprise_code(s, scope) or "∅"))
    return q.order_by(RegisterRow.county, RegisterRow.row_key)


# --------------------------------------------------------------------------- typed values
def typed(reg: Register, text: str) -> dict[str, Any]:
    """A stored row's values, typed by the register's fields (dates as dates)."""
    raw = json.loads(text)
    out = {}
    for f in reg.fields:
        value = raw.get(f.name)
        out[f.name] = dt.date.fromisoformat(value) if f.type == "date" and value else value
    return out


def _jsonable(values: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items() if v is not None}


def row_key(reg: Register, values: dict) -> str:
    return " | ".join(_text(values.get(k)) for k in reg.key)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _label(reg: Register, values: dict, key: str) -> str:
    value = values.get(reg.title)
    return _text(value) if value not in (None, "") else key


def _derive(s: Session, reg: Register, rows: list[tuple[RegisterRow, dict]]) -> None:
    """Fill the register's derived facts (热源企业的绩效分级、超低排放) from the ledger service."""
    if not reg.derived:
        return
    codes = {v.get(d.by) for _, v in rows for d in reg.derived if v.get(d.by)}
    found = {e.credit_code: e for e in s.scalars(sa.select(Enterprise).where(Enterprise.credit_code.in_(codes)))} \
        if codes else {}
    profiles = ledgers.profiles(s, [e.id for e in found.values()]) if found else {}
    ultra: dict[int, bool] = {}
    if found:
        by_enterprise = defaultdict(list)
        for f in ledgers.facts(s, list(found.values())):
            if f.kind in ("boiler", "coke_oven") and f.status == "在用":
                by_enterprise[f.enterprise_id].append(bool(f.attrs.get("ultra_low")))
        ultra = {eid: bool(flags) and all(flags) for eid, flags in by_enterprise.items()}
    for _, values in rows:
        for d in reg.derived:
            e = found.get(values.get(d.by))
            if d.source == "ledger.known":
                values[d.field.name] = e is not None if values.get(d.by) else None
            elif e is None:
                values[d.field.name] = None
            elif d.source == "ledger.grade":
                values[d.field.name] = profiles.get(e.id, {}).get("grade")
            else:
                values[d.field.name] = ultra.get(e.id, False)


def _rule_rows(s: Session, reg: Register, records: list[RegisterRow]) -> list[register_rules.Row]:
    pairs = [(r, typed(reg, r.values)) for r in records]
    _derive(s, reg, pairs)
    return [register_rules.Row(r.id, reg.id, r.row_key, _label(reg, v, r.row_key), r.county, v, bool(r.synthetic))
            for r, v in pairs]


# --------------------------------------------------------------------------- checking
@dataclass
class CheckResult:
    on: dt.date
    violations: list[register_rules.Finding] = field(default_factory=list)
    upcoming: list[register_rules.Finding] = field(default_factory=list)
    notices: list[register_rules.Finding] = field(default_factory=list)
    undecided: dict[str, str] = field(default_factory=dict)        # check id → why it cannot decide
    rows: dict[str, int] = field(default_factory=dict)             # register → visible rows

    def to_dict(self) -> dict:
        return {"date": self.on.isoformat(), "undecided": self.undecided, "rows": self.rows,
                **{k: [f.to_dict() for f in getattr(self, k)] for k in ("violations", "upcoming", "notices")}}

    def of(self, rule_or_register: str) -> list[register_rules.Finding]:
        return [f for f in self.violations if rule_or_register in (f.rule, f.register)]


def settings_of(config: dict | None) -> RegisterSettings:
    return register_settings(config or {})


def load_rules(root: Path | None, settings: RegisterSettings | None = None) -> list[register_rules.RegisterRule]:
    extra = [root / RULES_FOLDER] if root is not None and (root / RULES_FOLDER).is_dir() else []
    return register_rules.load_rules(*extra, settings=settings)


def known_rules(root: Path | None = None, config: dict | None = None) -> dict[str, tuple[str, str, int | None]]:
    """Every rule and check id → (title, register, task)."""
    out = {r.id: (r.rule.title, r.register, r.task) for r in load_rules(root, settings_of(config))}
    out.update({c.id: (c.title, c.registers[0], c.task) for c in named_checks.CHECKS.values()})
    return out


def zones(s: Session) -> dict[str, named_checks.Zone]:
    out = {}
    for z in s.scalars(sa.select(RegisterZone)):
        polys = []
        for geometry in _geometries(json.loads(z.geojson)):
            polys.extend(geometry_polygons(geometry, (z.source, z.name)))
        out[z.name] = named_checks.Zone(z.name, z.title, tuple(polys))
    return out


def _names(s: Session) -> dict[str, str]:
    return geography.names(s)


def check(s: Session, scope: Scope, on: dt.date, config: dict | None = None, root: Path | None = None,
          only: set[str] | None = None) -> CheckResult:
    """Every rule and named check on the rows the caller may see, on day ``on``."""
    settings = settings_of(config)
    visible = {r.id: r for r in visible_registers(scope) if only is None or r.id in only}
    rows = {rid: _rule_rows(s, reg, list(s.scalars(_query(s, scope, reg)))) for rid, reg in visible.items()}
    result = CheckResult(on, rows={k: len(v) for k, v in rows.items()})
    found = register_rules.judge([r for rs in rows.values() for r in rs],
                                 [r for r in load_rules(root, settings) if r.register in visible], on,
                                 settings.horizon_days)
    ctx = named_checks.Context(rows, zones(s), settings, on, _names(s),
                               ledger_source=lambda: ledger_view(s, scope),
                               attached_source=lambda: attached_rows(s, [r.id for rs in rows.values() for r in rs]))
    for cid, outcome in named_checks.run_all(ctx, set(visible)).items():
        found += outcome.findings
        if outcome.undecided:
            result.undecided[cid] = outcome.undecided
    for f in sorted(found, key=lambda f: (f.register, f.county or "", f.row_key or f.label, f.rule)):
        if f.county is None and not scope.city_wide:
            continue                                  # a city-level finding is not a county's
        bucket = "upcoming" if f.upcoming else ("notices" if f.severity == "notice" else "violations")
        getattr(result, bucket).append(f)
    return result


def count_rows(s: Session, register_id: str, **equal) -> int:
    """How many rows of a register have the given values (e.g. ``task=22`` in 制度建设成果台账)."""
    reg = register(register_id)
    return sum(1 for r in s.scalars(sa.select(RegisterRow).where(RegisterRow.register == register_id))
               if all(typed(reg, r.values).get(k) == v for k, v in equal.items()))


def ledger_view(s: Session, scope: Scope) -> named_checks.LedgerView:
    """The ledgers (enterprises with their location, facilities, 产业集群) as far as the caller may see
    them, read through the ledgers' service for the checks that compare a register with the ledger."""
    ents = ledgers.visible_enterprises(s, scope)
    prof = ledgers.profiles(s, [e.id for e in ents]) if ents else {}
    enterprises = [named_checks.LedgerEnterprise(e.id, e.credit_code, e.name, e.county_code,
                                                 prof.get(e.id, {}).get("industry"), prof.get(e.id, {}).get("grade"),
                                                 prof.get(e.id, {}).get("lon"), prof.get(e.id, {}).get("lat"))
                   for e in ents]
    codes = county_lookup(s)
    clusters = [dict(c, county_code=codes.get(c["county"] or "", c["county"])) for c in ledgers.clusters(s, scope)]
    return named_checks.LedgerView(enterprises, ledgers.facts(s, ents) if ents else [], clusters)


ROW_ENTITY = "register_row"              # evidence files (e.g. a 一群一策 plan) attached to a register row


def attached_rows(s: Session, row_ids: list[int]) -> set[int]:
    """The rows among ``row_ids`` that have at least one evidence file."""
    if not row_ids:
        return set()
    found = s.scalars(sa.select(Attachment.entity_id).where(Attachment.entity == ROW_ENTITY,
                                                            Attachment.entity_id.in_([str(i) for i in row_ids])))
    return {int(x) for x in found}


def row_unit(s: Session, scope: Scope, row_id: str) -> str | None:
    """The county of a register row the caller may see (for its evidence files); NotFound otherwise."""
    try:
        number = int(row_id)
    except ValueError:
        raise NotFound("no such row") from None
    r = s.get(RegisterRow, number) if 1 <= number < 2**31 else None
    reg = registers().get(r.register) if r is not None else None
    if reg is None or not sees(scope, reg) or s.scalar(_query(s, scope, reg).where(RegisterRow.id == number)) is None:
        raise NotFound("no such row")
    return r.county


def attach(s: Session, root: Path, scope: Scope, register_id: str, path: Path, *, actor: str,
           key: str | None = None, row_id: int | None = None, data: bytes | None = None) -> dict:
    """Attach an evidence file (a 一群一策 plan, a 转移联单 scan…) to a register row, named by its ``key``
    or ``row_id``: the office, the owning department or the row's county may; audited by the evidence
    service. A row outside the caller's scope does not exist."""
    reg = _register(scope, register_id)
    q = _query(s, scope, reg)
    row = s.scalar(q.where(RegisterRow.row_key == key) if row_id is None else q.where(RegisterRow.id == row_id))
    if row is None:
        raise NotFound(f"「{reg.label}」中没有编号为 {key or row_id} 的记录")
    policy.require(scope, "write", "registers", record(scope, reg, row.county),
                   f"只有市大气办、{'、'.join(reg.departments)}或县区可以为「{reg.label}」上传附件")
    if data is None:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise InputError(path, "file not found") from None
    a = attachments.add(s, root, entity=ROW_ENTITY, entity_id=str(row.id), filename=Path(path).name, data=data,
                        actor=actor, role=scope.who.role, scope_unit=row.county)
    return {"register": reg.id, "key": row.row_key, "row_id": row.id, "attachment": a.id, "filename": a.filename}


def row_attachments(s: Session, row_id: int) -> list[dict]:
    return [{"id": a.id, "filename": a.filename, "size": a.size, "uploaded_by": a.uploaded_by,
             "uploaded_at": to_beijing(a.uploaded_at).isoformat(timespec="minutes")}
            for a in attachments.of(s, ROW_ENTITY, str(row_id))]


def zone_cover(s: Session, scope: Scope, name: str, km, industries: list[str] | None = None,
               config: dict | None = None) -> dict:
    """The ledger's enterprises (of ``industries``, or all) inside zone ``name`` or within ``km`` of it
    (geodesic distance), nearest first; and those the ledger gives no location. E.g. task 4's list:
    planning_area, 20 km, 钢铁/焦化/火电."""
    from fractions import Fraction
    found = zones(s).get(name)
    if found is None:
        raise NotFound(f"no zone {name!r}: lantian registers zone import {name} FILE")
    km = Fraction(str(km))
    if km < 0:
        raise InputError(Path(name), f"km = {km}", column="km", expected="a distance ≥ 0")
    view = ledger_view(s, scope)
    chosen = [e for e in view.enterprises if not industries or e.industry in industries]
    covered, unknown = within(found, chosen, km)
    names = _names(s)
    return {"zone": name, "title": found.title, "km": float(km), "industries": industries or [],
            "covered": [{"id": e.id, "name": e.name, "credit_code": e.credit_code, "county": e.county,
                         "county_name": names.get(e.county or "", e.county), "industry": e.industry,
                         "lon": e.lon, "lat": e.lat, "inside": d == 0, "distance_km": round(d, 3)}
                        for e, d in covered],
            "unknown_location": [{"id": e.id, "name": e.name, "county": e.county, "industry": e.industry}
                                 for e in unknown]}


# --------------------------------------------------------------------------- reading
def _meta(s: Session, reg: Register) -> dict:
    names = {d.code: d.name for d in s.scalars(sa.select(Department))}
    return {"id": reg.id, "label": reg.label, "tasks": list(reg.tasks), "section": reg.section,
            "tasks_text": reg.tasks_text, "clause": reg.clause, "county": reg.county,
            "departments": [names.get(d, d) for d in reg.departments], "parent": reg.parent,
            "status_field": reg.status, "key": list(reg.key),
            "fields": [{"name": f.name, "label": f.label, "header": f.header, "type": f.type,
                        "choices": list(f.choices), "required": f.required} for f in reg.fields]}


def overview(s: Session, scope: Scope, on: dt.date, config: dict | None = None, root: Path | None = None) -> list[dict]:
    """Every register the caller may see with its row count and rule results."""
    result = check(s, scope, on, config, root)
    counts = {k: Counter() for k in ("violations", "upcoming", "notices")}
    for k in counts:
        for f in getattr(result, k):
            counts[k][f.register] += 1
    by_register = defaultdict(dict)
    for cid, why in result.undecided.items():
        by_register[named_checks.CHECKS[cid].registers[0]][cid] = why
    names = {d.code: d.name for d in s.scalars(sa.select(Department))}
    return [{"id": reg.id, "label": reg.label, "tasks_text": reg.tasks_text, "tasks": list(reg.tasks),
             "departments": [names.get(d, d) for d in reg.departments], "rows": result.rows.get(reg.id, 0),
             "violations": counts["violations"][reg.id], "upcoming": counts["upcoming"][reg.id],
             "notices": counts["notices"][reg.id], "undecided": by_register.get(reg.id, {}),
             "may_import": may_import(scope, reg)} for reg in visible_registers(scope)]


def _row_dict(reg: Register, r: RegisterRow, names: dict) -> dict:
    values = typed(reg, r.values)
    return {"id": r.id, "key": r.row_key, "label": _label(reg, values, r.row_key), "county": r.county,
            "county_name": names.get(r.county or "", r.county), "values": _jsonable(values),
            "status": values.get(reg.status) if reg.status else None, "synthetic": r.synthetic,
            "updated_by": r.updated_by, "updated_at": to_beijing(r.updated_at).isoformat(timespec="minutes")}


def listing(s: Session, scope: Scope, register_id: str, on: dt.date, config: dict | None = None,
            root: Path | None = None, *, county: str | None = None, status: str | None = None,
            q: str | None = None) -> dict:
    """One register's rows with its filters (county, status, text anywhere in the row) and findings."""
    reg = _register(scope, register_id)
    names = _names(s)
    found = check(s, scope, on, config, root, only=_family(reg))
    mine = [f for f in found.violations + found.upcoming + found.notices if f.register == reg.id]
    per_row = Counter(f.row_id for f in mine if f.severity == "violation" and not f.upcoming)
    rows = []
    for r in s.scalars(_query(s, scope, reg)):
        d = _row_dict(reg, r, names)
        if county and r.county != county:
            continue
        if status and d["status"] != status:
            continue
        if q and q.strip() and q.strip().lower() not in (r.row_key + " " + r.values).lower():
            continue
        rows.append(dict(d, violations=per_row.get(r.id, 0)))
    if county or status or (q and q.strip()):               # the findings of the rows shown
        shown = {r["id"] for r in rows}
        mine = [f for f in mine if f.row_id in shown or
                (f.row_id is None and not status and not (q and q.strip()) and f.county == county)]
    status_choices = list(reg.field(reg.status).choices) if reg.status and reg.field(reg.status).choices else []
    return {"register": _meta(s, reg), "rows": rows, "findings": [f.to_dict() for f in mine],
            "undecided": {k: v for k, v in found.undecided.items()
                          if named_checks.CHECKS[k].registers[0] == reg.id},
            "statuses": status_choices, "may_import": may_import(scope, reg), "date": on.isoformat()}


def _family(reg: Register) -> set[str]:
    """The registers a register's checks read with it (parent and children)."""
    out = {reg.id}
    for other in registers().values():
        if other.parent == reg.id:
            out.add(other.id)
    if reg.parent:
        out.add(reg.parent)
    for c in named_checks.CHECKS.values():
        if reg.id in c.registers:
            out.update(c.registers)
    return out


def detail(s: Session, scope: Scope, register_id: str, row_id: int, on: dt.date, config: dict | None = None,
           root: Path | None = None) -> dict:
    reg = _register(scope, register_id)
    r = s.scalar(_query(s, scope, reg).where(RegisterRow.id == row_id))
    if r is None:
        raise NotFound("no such row")
    names = _names(s)
    found = check(s, scope, on, config, root, only=_family(reg))
    d = _row_dict(reg, r, names)
    shown = [(f.header, _text(typed(reg, r.values).get(f.name))) for f in reg.fields]
    children = []
    for child in registers().values():
        if child.parent == reg.id and sees(scope, child):
            for c in s.scalars(_query(s, scope, child)):
                values = typed(child, c.values)
                if _text(values.get(child.parent_field)) == r.row_key:
                    children.append({"register": child.id, "register_label": child.label, "id": c.id,
                                     "label": _label(child, values, c.row_key), "key": c.row_key})
    parent = None
    if reg.parent:
        preg = registers()[reg.parent]
        p = s.scalar(_query(s, scope, preg).where(
            RegisterRow.row_key == _text(typed(reg, r.values).get(reg.parent_field))))
        parent = {"register": preg.id, "register_label": preg.label, "id": p.id, "key": p.row_key} if p else None
    findings = [f.to_dict() for f in found.violations + found.upcoming + found.notices
                if f.register == reg.id and f.row_id == r.id]
    return dict(d, register=_meta(s, reg), shown=shown, findings=findings, children=children, parent=parent,
                attachments=row_attachments(s, r.id), may_attach=may_import(scope, reg))


# --------------------------------------------------------------------------- import / export
def county_lookup(s: Session) -> dict[str, str]:
    return geography.lookup(s, geography.LOCAL)


def county_names(s: Session) -> list[str]:
    return sorted({k for k, v in county_lookup(s).items() if k != v})


def import_batch(s: Session, scope: Scope, batch: Batch, *, actor: str, source: str = "",
                 synthetic: bool = False) -> dict:
    """Store a validated batch (``excel.read``): rows created or updated by key, in one transaction,
    each change audited. Rows the caller may not write, or whose parent is not registered, are
    listed as row errors — and then nothing is stored."""
    reg = _register(scope, batch.register)
    if not may_import(scope, reg):
        raise Forbidden(f"只有市大气办、{'、'.join(reg.departments)}或县区可以导入「{reg.label}」")
    # each row is then asked of the policy with its county (_taken, _row_problem)
    parents = _parents(s, scope, reg)
    existing = {r.row_key: r for r in s.scalars(sa.select(RegisterRow).where(RegisterRow.register == reg.id))}
    errors, prepared = [], []
    for line, values in batch.records:
        county = _county_of(reg, values, parents)
        problem = _row_problem(scope, reg, values, county, parents) or _taken(scope, reg, values, existing)
        if problem:
            column, reason, value = problem
            errors.append(RowError(batch.sheet, line, batch.columns.get(column, reg.field(column).header), reason,
                                   value))
            continue
        prepared.append((values, county))
    if errors:
        raise RegisterImportError(source or batch.sheet, errors)
    counts = Counter()
    now = now_utc()
    for values, county in prepared:
        key = row_key(reg, values)
        text = json.dumps(_jsonable(values), ensure_ascii=False, sort_keys=True)
        row = existing.get(key)
        if row is not None and row.values == text and row.county == county:
            counts["unchanged"] += 1
            continue
        before = json.loads(row.values) if row is not None else None
        if row is None:
            row = RegisterRow(register=reg.id, row_key=key, synthetic=synthetic, created_by=actor, created_at=now)
            s.add(row)
            existing[key] = row
            counts["created"] += 1
        else:
            counts["updated"] += 1
        row.county, row.values = county, text
        row.department = ",".join(reg.departments)
        row.enterprise = values.get(reg.enterprise) if reg.enterprise else None
        row.updated_by, row.updated_at = actor, now
        s.flush()
        audit.record(s, actor=actor, role=scope.who.role, action="update" if before else "create",
                     entity="register_row", entity_id=f"{reg.id}:{key}"[:128], before=before,
                     after=json.loads(text), scope_unit=county)
    if counts["created"] or counts["updated"]:
        audit.record(s, actor=actor, role=scope.who.role, action="import", entity="register", entity_id=reg.id,
                     after=dict(counts, rows=len(prepared), file=source))
    return {"register": reg.id, "rows": len(prepared), **{k: counts.get(k, 0) for k in ("created", "updated",
                                                                                         "unchanged")}}


def _taken(scope: Scope, reg: Register, values: dict, existing: dict) -> tuple[str, str, Any] | None:
    """A county may not update (and so take over) a row another county registered under the same key."""
    row = existing.get(row_key(reg, values))
    if row is not None and not may_write(scope, reg, row.county):
        column = reg.key[0]
        return column, "该编号已由其他单位登记，县区用户不能修改，请核对编号", values.get(column)
    return None


def _parents(s: Session, scope: Scope, reg: Register) -> dict[str, RegisterRow]:
    if not reg.parent:
        return {}
    preg = registers()[reg.parent]
    return {r.row_key: r for r in s.scalars(_query(s, scope, preg))}


def _county_of(reg: Register, values: dict, parents: dict[str, RegisterRow]) -> str | None:
    if reg.county == "row":
        return values.get("county")
    if reg.county == "parent":
        p = parents.get(_text(values.get(reg.parent_field)))
        return p.county if p else None
    return None


def _row_problem(scope: Scope, reg: Register, values: dict, county: str | None,
                 parents: dict[str, RegisterRow]) -> tuple[str, str, Any] | None:
    if reg.parent:
        key = _text(values.get(reg.parent_field))
        if key not in parents:
            return reg.parent_field, f"「{registers()[reg.parent].label}」中没有编号为 {key} 的记录，应先登记", key
    if not may_write(scope, reg, county):
        column = "county" if reg.county == "row" else reg.parent_field
        return column, "县区用户只能导入本县区的数据", values.get(column)
    return None


def export_records(s: Session, scope: Scope, register_id: str) -> list[dict]:
    """The visible rows, typed, with the county by name (so the export re-imports unchanged)."""
    reg = _register(scope, register_id)
    names = _names(s)
    out = []
    for r in s.scalars(_query(s, scope, reg)):
        values = typed(reg, r.values)
        if reg.county == "row" and values.get("county"):
            values["county"] = names.get(values["county"], values["county"])
        out.append(values)
    return out


def county_rows(s: Session, register_id: str) -> list[dict]:
    """Every row of a register, typed, with its county's code under ``county`` (None for city-level
    registers) — what another room's service reads (the emission inventory takes its activity data
    from the registers); that service decides who sees what it makes of them."""
    reg = register(register_id)
    out = []
    for r in s.scalars(sa.select(RegisterRow).where(RegisterRow.register == reg.id).order_by(RegisterRow.id)):
        values = typed(reg, r.values)
        values["county"] = r.county
        out.append(values)
    return out


# --------------------------------------------------------------------------- zones
def _geometries(obj: dict) -> list[dict]:
    kind = (obj or {}).get("type")
    if kind == "FeatureCollection":
        return [g for f in obj.get("features") or [] for g in _geometries(f)]
    if kind == "Feature":
        return _geometries(obj.get("geometry") or {})
    if kind == "GeometryCollection":
        return [g for x in obj.get("geometries") or [] for g in _geometries(x)]
    return [obj]


def import_zone(s: Session, scope: Scope, name: str, path: Path, *, title: str | None = None, actor: str,
                synthetic: bool = False, data: dict | None = None) -> dict:
    """The office uploads (or replaces) a polygon: 市区规划区, 排放控制区, 重点区域, 限行区域… Audited."""
    policy.require(scope, "approve", "registers", refusal="只有市大气办可以上传区域 (the city office uploads zones)")
    if not name or len(name) > 64 or not all(c.isalnum() or c in "_-" for c in name):
        raise InputError(path, f"zone name {name!r}", column="NAME", expected="letters, digits, _ or -")
    if data is None:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise InputError(path, "file not found") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(path, f"not valid JSON: {exc}", line=getattr(exc, "lineno", None),
                             expected="GeoJSON") from None
    geometries = _geometries(data)
    polygons = [p for g in geometries for p in geometry_polygons(g, (path, name))]
    if not polygons:
        raise InputError(path, "no polygon in the file", expected="GeoJSON Polygon or MultiPolygon")
    zone = s.scalar(sa.select(RegisterZone).where(RegisterZone.name == name))
    before = {"title": zone.title, "source": zone.source} if zone else None
    if zone is None:
        zone = RegisterZone(name=name)
        s.add(zone)
    props = (data.get("properties") or {}) if data.get("type") == "Feature" else {}
    zone.title = title or props.get("name") or name
    zone.geojson = json.dumps(data, ensure_ascii=False)
    zone.source, zone.synthetic = Path(path).name, synthetic
    zone.imported_by, zone.imported_at = actor, now_utc()
    s.flush()
    audit.record(s, actor=actor, role=scope.who.role, action="import", entity="register_zone", entity_id=name,
                 before=before, after={"title": zone.title, "source": zone.source, "polygons": len(polygons)})
    return {"name": name, "title": zone.title, "polygons": len(polygons)}


def zone_list(s: Session, scope: Scope | None = None) -> list[dict]:
    """The uploaded zones: the city-wide roles' (a county-bound caller has none); ``scope`` None is lantian's
    own work (the demo), the office's."""
    if scope is not None and not policy.sees_whole_city(scope):
        return []
    return [{"name": z.name, "title": z.title, "source": z.source, "synthetic": z.synthetic,
             "imported_by": z.imported_by, "imported_at": to_beijing(z.imported_at).isoformat(timespec="minutes")}
            for z in s.scalars(sa.select(RegisterZone).order_by(RegisterZone.name))]


