"""The live room's records.

- :class:`Device` — a 数采仪 known by its MN (HJ 212—2017 表3), bound to a station or a ledger
  facility, with its access password and the units it sends (⚠ per device).
- :class:`DeviceState` — what the store builder last saw of a device: the last packet, counts per
  command, each deviation from the standard counted.
- :class:`Quarantined` — a packet refused (unknown MN, wrong PW, unreadable): kept whole, never
  stored as data, reviewed and assigned by the office.
- :class:`Checkpoint` — how far the store has been built from the journal.
- :class:`JobRun` — one run of a scheduled job (start, end, result), retried when it fails.
- :class:`Event`, :class:`Subscription`, :class:`Delivery` — what happened, who wants to hear about
  which kind of event by which channel, and every delivery with its result.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lantian.db import Base, UTCDateTime


class Device(Base):
    __tablename__ = "hj212_devices"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    mn: Mapped[str] = mapped_column(sa.String(32), unique=True)
    target_kind: Mapped[str] = mapped_column(sa.String(8))                 # station | facility
    station_code: Mapped[str | None] = mapped_column(sa.String(32))
    facility_id: Mapped[int | None] = mapped_column(sa.Integer)      # a ledger facility (enterprises room's id)
    enterprise_id: Mapped[int | None] = mapped_column(sa.Integer)
    unit_code: Mapped[str | None] = mapped_column(sa.String(32), index=True)   # county/zone, for scope
    password: Mapped[str] = mapped_column(sa.String(32))                   # PW, 表3 (the device sends it in clear)
    units: Mapped[str] = mapped_column(sa.Text, default="{}")              # JSON code → unit it sends
    name: Mapped[str | None] = mapped_column(sa.String(128))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    added_by: Mapped[str] = mapped_column(sa.String(64))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class DeviceState(Base):
    __tablename__ = "hj212_device_state"
    mn: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    first_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_cn: Mapped[str] = mapped_column(sa.String(8))
    last_packet: Mapped[str] = mapped_column(sa.Text)
    last_peer: Mapped[str | None] = mapped_column(sa.String(64))
    last_data_time: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)  # the device's DataTime (Beijing)
    packets: Mapped[int] = mapped_column(sa.Integer, default=0)
    values: Mapped[int] = mapped_column(sa.Integer, default=0)
    refused: Mapped[int] = mapped_column(sa.Integer, default=0)
    commands: Mapped[str] = mapped_column(sa.Text, default="{}")           # JSON CN → packets
    deviations: Mapped[str] = mapped_column(sa.Text, default="{}")         # JSON deviation → count


class Quarantined(Base):
    __tablename__ = "hj212_quarantine"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    journal_ref: Mapped[str] = mapped_column(sa.String(32), unique=True)   # segment:offset — built once
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    peer: Mapped[str | None] = mapped_column(sa.String(64))
    mn: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    cn: Mapped[str | None] = mapped_column(sa.String(8))
    reason: Mapped[str] = mapped_column(sa.String(16))                     # unknown_mn | wrong_pw | unreadable
    detail: Mapped[str] = mapped_column(sa.Text)
    raw: Mapped[bytes] = mapped_column(sa.LargeBinary)
    state: Mapped[str] = mapped_column(sa.String(10), default="held")      # held | assigned | dismissed
    resolved_by: Mapped[str | None] = mapped_column(sa.String(64))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Checkpoint(Base):
    __tablename__ = "live_checkpoints"
    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    segment: Mapped[int] = mapped_column(sa.Integer)
    offset: Mapped[int] = mapped_column(sa.BigInteger)
    records: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class JobRun(Base):
    __tablename__ = "live_job_runs"
    __table_args__ = (sa.Index("ix_live_job_runs_job_due", "job", "due_at"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(32))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    attempt: Mapped[int] = mapped_column(sa.Integer, default=1)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(8))                      # running | ok | failed
    result: Mapped[str | None] = mapped_column(sa.Text)                    # JSON
    error: Mapped[str | None] = mapped_column(sa.Text)
    retry_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)      # a failed run's next attempt


class Event(Base):
    __tablename__ = "live_events"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), index=True)
    key: Mapped[str] = mapped_column(sa.String(128), unique=True)          # the same event is raised once
    title: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text)
    unit_code: Mapped[str | None] = mapped_column(sa.String(32))           # the county it concerns
    department_code: Mapped[str | None] = mapped_column(sa.String(32))     # the department it concerns
    enterprise_id: Mapped[int | None] = mapped_column(sa.Integer)          # the enterprise it concerns
    link: Mapped[str | None] = mapped_column(sa.String(255))
    data: Mapped[str] = mapped_column(sa.Text, default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class Subscription(Base):
    __tablename__ = "live_subscriptions"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind", "channel", "target"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))                       # an event kind, or * for all
    channel: Mapped[str] = mapped_column(sa.String(10))                    # inbox | email | wecom | dingtalk
    target: Mapped[str] = mapped_column(sa.String(255), default="")        # address or robot URL
    secret: Mapped[str | None] = mapped_column(sa.String(128))             # 钉钉 加签 secret
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Delivery(Base):
    __tablename__ = "live_deliveries"
    __table_args__ = (sa.UniqueConstraint("event_id", "user_id", "channel", "target"),
                      sa.Index("ix_live_deliveries_status", "status", "next_at"))
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("live_events.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("users.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(10))
    target: Mapped[str] = mapped_column(sa.String(255), default="")
    status: Mapped[str] = mapped_column(sa.String(8))                      # pending | sent | failed | read
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
