"""Departments, enterprises (minimal for now), users and API tokens."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lantian.db import Base, UTCDateTime

ROLES = ("admin", "city", "department", "county", "enterprise", "inspector", "viewer")
ROLE_NAMES = {"admin": "系统管理员", "city": "市大气办", "department": "市直部门", "county": "县区",
              "enterprise": "企业", "inspector": "执法检查", "viewer": "只读"}


class Department(Base):
    __tablename__ = "departments"
    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    short: Mapped[str | None] = mapped_column(sa.String(32))


class Enterprise(Base):
    """企业 — minimal until the ledger issue: name, credit code, county."""
    __tablename__ = "enterprises"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    credit_code: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    county_code: Mapped[str | None] = mapped_column(sa.String(32), sa.ForeignKey("admin_units.code"))
    synthetic: Mapped[bool] = mapped_column(sa.Boolean, default=False)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(sa.String(64))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16))
    county_code: Mapped[str | None] = mapped_column(sa.String(32), sa.ForeignKey("admin_units.code"))
    department_code: Mapped[str | None] = mapped_column(sa.String(32), sa.ForeignKey("departments.code"))
    enterprise_id: Mapped[int | None] = mapped_column(sa.Integer, sa.ForeignKey("enterprises.id"))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")   # consecutive
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)                  # after too many


class ApiToken(Base):
    """A machine token (stations, gate systems): only its SHA-256 is kept; it acts as its user."""
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(sa.String(64))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(sa.Boolean, default=False)
