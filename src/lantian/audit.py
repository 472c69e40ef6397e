"""审计日志 — the append-only audit log: who, when, what, before/after, for every change.

Rows are only ever inserted: no code path updates or deletes them, and database triggers
refuse UPDATE and DELETE on both SQLite and PostgreSQL (migration 0002), and TRUNCATE on
PostgreSQL (migration 0020).

Each entry carries ``hash`` = SHA-256 of its content and the previous entry's ``hash``
(``prev_hash``; the first entry's is empty), so a rewrite that gets past the triggers — SQLite's
``INSERT OR REPLACE``, a dropped trigger, a restored copy — breaks the chain at the rewritten entry
and :func:`verify` (``lantian audit verify``, the audit page) says where (issue 21 §2). Rewriting
the whole chain from some entry on is detected against a head noted earlier: ``verify`` gives the
number of entries and the last hash to keep outside the database.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from lantian.db import Base, UTCDateTime, now_utc
from lantian import db


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str | None] = mapped_column(sa.String(32))
    action: Mapped[str] = mapped_column(sa.String(32))
    entity: Mapped[str] = mapped_column(sa.String(64))
    entity_id: Mapped[str | None] = mapped_column(sa.String(128))
    before: Mapped[str | None] = mapped_column(sa.Text)
    after: Mapped[str | None] = mapped_column(sa.Text)
    scope_unit: Mapped[str | None] = mapped_column(sa.String(32))   # the county/zone the record belongs to
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))     # the previous entry's hash ("" for the first)
    hash: Mapped[str | None] = mapped_column(sa.String(64))          # SHA-256 of this entry and prev_hash


def _json(value) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


#: what the hash covers, in this order (prev_hash first)
HASHED = ("at", "actor", "role", "action", "entity", "entity_id", "before", "after", "scope_unit")
#: the PostgreSQL advisory lock that makes appending (read the last hash, insert) one step at a time
_CHAIN_LOCK = 0x6C74_6175       # "ltau"


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")


def entry_hash(prev_hash: str | None, values: dict) -> str:
    """SHA-256 (hex) of an entry's content (:data:`HASHED`, ``at`` in UTC to the microsecond) and the
    previous entry's hash — canonical JSON, so the same on SQLite and PostgreSQL."""
    fields = [prev_hash or ""] + [_stamp(values["at"]) if k == "at" else values.get(k) for k in HASHED]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _last_hash(s: Session) -> str:
    """The hash to chain to, read while this transaction holds the right to append: on PostgreSQL an
    advisory lock until commit, on SQLite the write lock (taken by a write that touches no row), so two
    transactions never chain to the same entry."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    else:
        s.execute(sa.text("DELETE FROM audit_log WHERE 0 = 1"))
    last = s.execute(sa.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    return (last[0] or "") if last is not None else ""


def record(s: Session, *, actor: str, action: str, entity: str, entity_id: str | None = None,
           before=None, after=None, role: str | None = None, scope_unit: str | None = None) -> AuditEntry:
    """Append one entry in the caller's transaction (so the change and its audit commit together),
    chained to the last one."""
    s.flush()                                   # this transaction's earlier entries first
    values = dict(at=now_utc(), actor=actor, role=role, action=action, entity=entity,
                  entity_id=None if entity_id is None else str(entity_id), before=_json(before),
                  after=_json(after), scope_unit=scope_unit)
    txn = s.get_transaction()
    head = s.info.get("lantian_audit_head")
    prev = head[1] if head is not None and head[0] is txn else _last_hash(s)   # held till commit: ours
    entry = AuditEntry(**values, prev_hash=prev, hash=entry_hash(prev, values))
    s.add(entry)
    s.flush()
    s.info["lantian_audit_head"] = (txn, entry.hash)
    return entry


@dataclass
class Verdict:
    """What :func:`verify` found: ``ok``, how many entries, the last hash (the head to note), and
    where the chain first breaks (``broken_at``, the entry id, and why)."""
    ok: bool
    entries: int
    head: str
    broken_at: int | None = None
    reason: str | None = None

    def message(self) -> str:
        if self.ok:
            return f"审计链完整：{self.entries} 条，末条哈希 {self.head[:16]}… (audit chain intact)"
        return f"审计链断裂：第 {self.broken_at} 条{self.reason} (audit chain broken at entry {self.broken_at})"


def verify(s: Session, batch: int = 5000) -> Verdict:
    """Walk the chain in id order: every entry's ``prev_hash`` is the previous entry's ``hash`` and its
    ``hash`` is that of its content — the first entry where either fails is where it was rewritten."""
    cols = [AuditEntry.id, AuditEntry.prev_hash, AuditEntry.hash] + [getattr(AuditEntry, k) for k in HASHED]
    prev, n, last_id = "", 0, 0
    while True:
        rows = s.execute(sa.select(*cols).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)).all()
        if not rows:
            return Verdict(True, n, prev)
        for row in rows:
            entry_id, prev_hash, stored = row[0], row[1], row[2]
            values = dict(zip(HASHED, row[3:]))
            if (prev_hash or "") != prev:
                return Verdict(False, n, prev, entry_id, "与前一条不相连（前条被改写、删除或插入）"
                                                         " (prev_hash does not match the previous entry)")
            if stored != entry_hash(prev_hash, values):
                return Verdict(False, n, prev, entry_id, "内容与哈希不符（被改写） (content does not match its hash)")
            prev, n, last_id = stored, n + 1, entry_id


@dataclass
class Page:
    entries: list[AuditEntry]
    total: int


def entries(s: Session, *, entity: str | None = None, actor: str | None = None, limit: int = 100,
            offset: int = 0) -> Page:
    q = sa.select(AuditEntry)
    if entity:
        q = q.where(AuditEntry.entity == entity)
    if actor:
        q = q.where(AuditEntry.actor == actor)
    total = s.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
    rows = s.scalars(q.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
    return Page(list(rows), int(total or 0))


def record_measurement_import(url, summary, actor: str) -> None:
    """A measurement import into the store (``lantian import …``, the watched folder) in the audit log:
    its id, source, files (name, SHA-256, rows) and what it changed (issue 21 §2)."""
    d = summary.as_dict()
    after = {k: d.get(k) for k in ("source", "rows_read", "new", "changed", "unchanged", "stations", "first", "last",
                                   "committed")}
    after["files"] = [{k: f.get(k) for k in ("name", "sha256", "rows")} for f in d.get("files", [])]
    with db.session(url) as s:
        record(s, actor=actor, action="import", entity="measurements", entity_id=d.get("import_id"), after=after)
