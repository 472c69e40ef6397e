"""The emergency reduction list (应急减排清单, task 22) kept by the office from its own file: import
(creating or updating the enterprises it names through the ledgers' service), export in the same
layout, the city totals, and the counties' proposals the office confirms.

Membership is one fact: 纳入清单 in the list file and 纳入应急减排清单 in the ledger set the same field
(:func:`lantian.enterprises.service.upsert_identity`). Scope: the city office imports and confirms; a
county sees its own enterprises' rows and proposes changes to them (its import waits, as a
:class:`ReductionProposal`, for the office); an enterprise sees its own rows; the city-wide readers
(inspectors, viewers, departments) read everything. Every change is audited.
"""
from __future__ import annotations

import json
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian.accounts import policy
from lantian import audit
from lantian.accounts.scope import Scope
from lantian.db import now_utc, to_beijing
from lantian.emergency.listfile import ListRow, decimal_text
from lantian.emergency.models import POLLUTANTS, Baseline, ReductionProposal
from lantian.enterprises import service as ledgers
from lantian.errors import Forbidden, NotFound, UsageError

MANAGE = policy.OFFICE
READ_ALL = policy.CITY_WIDE
ENTITY = "reduction_list"


def _reads(scope: Scope, county: str | None, enterprise_id: int | None) -> bool:
    role = scope.who.role
    if role in READ_ALL:
        return True
    if role == "county":
        return county == scope.unit
    if role == "enterprise":
        return enterprise_id is not None and enterprise_id == scope.who.enterprise_id
    return False


# --------------------------------------------------------------------------- baselines
def set_baseline(s: Session, enterprise_id: int, pollutant: str, tonnes: str, source: str, *, actor: str,
                 county: str | None = None) -> bool:
    """An enterprise's annual emission of a pollutant (t/a, exact) with its source; audited. True when changed."""
    if pollutant not in POLLUTANTS:
        raise UsageError(f"pollutant is one of {', '.join(POLLUTANTS)}, not {pollutant!r}")
    try:
        value = Fraction(str(tonnes))
    except (ValueError, ZeroDivisionError):
        raise UsageError(f"{tonnes!r} is not a number of tonnes a year") from None
    if value < 0:
        raise UsageError("a baseline is 0 or more tonnes a year")
    if not (source or "").strip():
        raise UsageError("a baseline needs its source (数据来源: 排污许可, 排放清单, …)")
    row = s.scalar(sa.select(Baseline).where(Baseline.enterprise_id == enterprise_id, Baseline.pollutant == pollutant))
    if row is not None and Fraction(row.tonnes) == value and row.source == source.strip():
        return False
    before = None if row is None else {"tonnes": row.tonnes, "source": row.source}
    if row is None:
        row = Baseline(enterprise_id=enterprise_id, pollutant=pollutant)
        s.add(row)
    row.tonnes, row.source, row.updated_by, row.updated_at = str(value), source.strip()[:255], actor, now_utc()
    s.flush()
    audit.record(s, actor=actor, action="set", entity="emission_baseline", entity_id=f"{enterprise_id}-{pollutant}",
                 before=before, after={"tonnes": row.tonnes, "source": row.source}, scope_unit=county)
    return True


# --------------------------------------------------------------------------- import
def _identity(row: ListRow) -> dict:
    return {"credit_code": row.credit_code, "name": row.name, "county": row.county, "industry": row.industry,
            "grade": row.grade, "emergency_list": row.listed}


def preview(s: Session, rows: list[ListRow]) -> dict:
    """What importing ``rows`` would change, nothing written: enterprises created, updated or unchanged,
    joining or leaving the list, baselines set or unchanged."""
    out = {"rows": len(rows), "created": [], "updated": [], "unchanged": [], "joined": [], "left": [],
           "baselines_set": 0, "baselines_unchanged": 0}
    seen = {}
    for row in rows:
        if row.credit_code in seen:
            continue
        seen[row.credit_code] = row
        now = ledgers.identity(s, row.credit_code)
        want = _identity(row)
        if now is None:
            out["created"].append(row.name)
            if row.listed:
                out["joined"].append(row.name)
            continue
        changed = [k for k in ("name", "county", "industry", "grade", "emergency_list") if want[k] != now[k]]
        out["updated" if changed else "unchanged"].append(row.name)
        if now["emergency_list"] != row.listed:
            out["joined" if row.listed else "left"].append(row.name)
    base = {}
    for b in s.scalars(sa.select(Baseline)):
        base[(b.enterprise_id, b.pollutant)] = (Fraction(b.tonnes), b.source)
    ids = {code: (ledgers.identity(s, code) or {}).get("id") for code in seen}
    for row in rows:
        if row.pollutant is None:
            continue
        now = base.get((ids.get(row.credit_code), row.pollutant))
        if now is not None and now == (Fraction(row.tonnes), (row.source or "").strip()):
            out["baselines_unchanged"] += 1
        else:
            out["baselines_set"] += 1
    return out


def _apply(s: Session, rows: list[ListRow], *, actor: str, source: str) -> dict:
    summary = preview(s, rows)
    ids = {}
    for row in rows:
        if row.credit_code not in ids:
            ids[row.credit_code], _ = ledgers.upsert_identity(s, _identity(row), actor=actor,
                                                              note=f"应急减排清单导入（{source}）")
    for row in rows:
        if row.pollutant is not None:
            set_baseline(s, ids[row.credit_code], row.pollutant, row.tonnes, row.source or "", actor=actor,
                         county=row.county)
    audit.record(s, actor=actor, action="import", entity=ENTITY, entity_id=source[:64],
                 after={k: (len(v) if isinstance(v, list) else v) for k, v in summary.items()})
    return summary


def _check_county(s: Session, scope: Scope, rows: list[ListRow], source: str) -> None:
    """A county proposes for its own enterprises only: every row in its county, no firm registered elsewhere."""
    problems = []
    for row in rows:
        now = ledgers.identity(s, row.credit_code)
        if row.county != scope.unit:
            problems.append(f"「{source}」第 {row.row} 行「县区」：{row.name}不在本县区，县区只能报送本县区的企业")
        elif now is not None and now["county"] != scope.unit:
            problems.append(f"「{source}」第 {row.row} 行「统一社会信用代码」：{row.name}在企业台账中属于其他县区")
    if problems:
        raise Forbidden("；".join(problems[:10]) + (f"；另有 {len(problems) - 10} 处" if len(problems) > 10 else ""))


def import_rows(s: Session, scope: Scope, rows: list[ListRow], *, source: str, dry_run: bool = False) -> dict:
    """The city office's import is applied at once; a county's becomes a proposal awaiting the office
    (``{"proposal": id, …}``). ``dry_run``: only what it would change."""
    role = scope.who.role
    if role not in MANAGE and role != "county":
        raise Forbidden("应急减排清单由市大气办导入、县区报送 (the office imports, counties propose)")
    if not rows:
        raise UsageError(f"{source}: no rows")
    if role == "county":
        _check_county(s, scope, rows, source)
    if dry_run:
        return dict(preview(s, rows), dry_run=True)
    if role == "county":
        summary = preview(s, rows)
        p = ReductionProposal(county_code=scope.unit, source=source[:255],
                              rows=json.dumps([r.as_dict() for r in rows], ensure_ascii=False),
                              summary=json.dumps(summary, ensure_ascii=False), state="pending",
                              submitted_by=scope.who.username, submitted_at=now_utc())
        s.add(p)
        s.flush()
        audit.record(s, actor=scope.who.username, action="propose", entity=ENTITY, entity_id=f"proposal-{p.id}",
                     after={"source": source, "rows": len(rows)}, scope_unit=scope.unit)
        return dict(summary, proposal=p.id, state="pending")
    return _apply(s, rows, actor=scope.who.username, source=source)


# --------------------------------------------------------------------------- proposals
def _proposal_json(p: ReductionProposal, names: dict) -> dict:
    return {"id": p.id, "county": p.county_code, "county_name": names.get(p.county_code or "", p.county_code),
            "source": p.source, "state": p.state, "summary": json.loads(p.summary), "rows": json.loads(p.rows),
            "submitted_by": p.submitted_by, "submitted_at": to_beijing(p.submitted_at).isoformat(timespec="minutes"),
            "reviewed_by": p.reviewed_by, "note": p.note}


def proposals(s: Session, scope: Scope, state: str | None = None) -> list[dict]:
    names = county_names(s)
    q = sa.select(ReductionProposal).order_by(ReductionProposal.id.desc())
    if state:
        q = q.where(ReductionProposal.state == state)
    return [_proposal_json(p, names) for p in s.scalars(q)
            if scope.who.role in READ_ALL or (scope.who.role == "county" and p.county_code == scope.unit)]


def decide(s: Session, scope: Scope, proposal_id: int, *, confirm: bool, note: str = "") -> dict:
    """The office confirms a county's proposal (applied through the same import) or rejects it."""
    policy.require(scope, "approve", "emergency", refusal="县区报送的清单由市大气办确认 (the city office confirms)")
    p = s.get(ReductionProposal, proposal_id)
    if p is None:
        raise NotFound("no such proposal")
    if p.state != "pending":
        raise UsageError(f"proposal {p.id} is already {p.state}")
    summary = None
    if confirm:
        rows = [ListRow(**r) for r in json.loads(p.rows)]
        summary = _apply(s, rows, actor=scope.who.username, source=f"{p.source}（{p.county_code}报送，第{p.id}号）")
    p.state = "confirmed" if confirm else "rejected"
    p.reviewed_by, p.reviewed_at, p.note = scope.who.username, now_utc(), note or None
    audit.record(s, actor=scope.who.username, action="confirm" if confirm else "reject", entity=ENTITY,
                 entity_id=f"proposal-{p.id}", before={"state": "pending"}, after={"state": p.state, "note": note},
                 scope_unit=p.county_code)
    return dict(_proposal_json(p, county_names(s)), applied=summary)


# --------------------------------------------------------------------------- reading
def county_names(s: Session) -> dict[str, str]:
    return ledgers.county_names(s)


def rows(s: Session, scope: Scope) -> list[dict]:
    """The list as the caller may see it, one row per enterprise and pollutant (an enterprise on the list
    or with a baseline; one row without pollutant for a listed enterprise without baselines) — the
    export's rows."""
    listed = ledgers.listed_ids(s)
    base: dict[int, list[Baseline]] = {}
    for b in s.scalars(sa.select(Baseline).order_by(Baseline.enterprise_id, Baseline.pollutant)):
        base.setdefault(b.enterprise_id, []).append(b)
    ids = listed | set(base)
    prof = ledgers.profiles(s, ids)
    codes = {p["id"]: p["credit_code"] for p in ledgers.credit_codes(s) if p["id"] in ids}
    out = []
    order = sorted(ids, key=lambda i: (prof[i]["county"] or "", prof[i]["name"]))
    for i in order:
        p = prof[i]
        if not _reads(scope, p["county"], i):
            continue
        common = {"enterprise_id": i, "credit_code": codes[i], "name": p["name"], "county": p["county"],
                  "industry": p["industry"], "grade": p["grade"], "listed": i in listed, "synthetic": p["synthetic"]}
        mine = sorted(base.get(i, []), key=lambda b: POLLUTANTS.index(b.pollutant))
        if not mine:
            out.append(dict(common, pollutant=None, tonnes=None, source=None))
        for b in mine:
            out.append(dict(common, pollutant=b.pollutant, tonnes=decimal_text(Fraction(b.tonnes)), source=b.source))
    return out
