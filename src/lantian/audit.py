"""审计日志 — the append-only audit log: who, when, what, before/after, for every change.

Rows are only ever inserted: no code path updates or deletes them, and database triggers
refuse UPDATE and DELETE on both SQLite and PostgreSQL (migration 0002).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from lantian.db import Base, UTCDateTime, now_utc


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


def _json(value) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(s: Session, *, actor: str, action: str, entity: str, entity_id: str | None = None,
           before=None, after=None, role: str | None = None, scope_unit: str | None = None) -> AuditEntry:
    """Append one entry in the caller's transaction (so the change and its audit commit together)."""
    entry = AuditEntry(at=now_utc(), actor=actor, role=role, action=action, entity=entity,
                       entity_id=None if entity_id is None else str(entity_id), before=_json(before),
                       after=_json(after), scope_unit=scope_unit)
    s.add(entry)
    s.flush()
    return entry


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
