"""Users, passwords (argon2), API tokens and the departments named by the plan."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy.orm import Session

from lantian import audit
from lantian.accounts.models import ROLES, ApiToken, Department, Enterprise, User
from lantian.db import now_utc
from lantian.errors import UsageError

_hasher = PasswordHasher()

#: 市直部门 named in the plan (长政办发〔2023〕14号), in the order of how often it names them.
PLAN_DEPARTMENTS = [
    ("sthjj", "市生态环境局"), ("gxj", "市工信局"), ("fgw", "市发展改革委"), ("jtysj", "市交通运输局"),
    ("nyj", "市能源局"), ("xzspj", "市行政审批局"), ("cgj", "市城市管理局"), ("gaj", "市公安局"),
    ("swj", "市商务局"), ("scjgj", "市市场监管局"), ("zfb", "市人民政府办"), ("czj", "市财政局"),
    ("qxj", "市气象局"), ("zjj", "市住建局"), ("gtj", "市规划和自然资源局"), ("slj", "市水利局"),
    ("yjj", "市应急局"), ("nyncj", "市农业农村局"), ("glfj", "市公路分局"),
    ("dqb", "市大气污染防治工作领导组办公室"),
]


def seed_departments(s: Session) -> int:
    """Create the plan's departments that are missing; returns how many were added."""
    have = set(s.scalars(sa.select(Department.code)))
    added = 0
    for code, name in PLAN_DEPARTMENTS:
        if code not in have:
            s.add(Department(code=code, name=name))
            added += 1
    return added


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise UsageError("a password needs at least 8 characters")
    return _hasher.hash(password)


@dataclass(frozen=True)
class Principal:
    """Who is calling, as every scope check needs it."""
    user_id: int
    username: str
    role: str
    county_code: str | None = None
    department_code: str | None = None
    enterprise_id: int | None = None
    display_name: str | None = None


def principal(u: User) -> Principal:
    return Principal(u.id, u.username, u.role, u.county_code, u.department_code, u.enterprise_id,
                     u.display_name)


def _check_binding(s: Session, role: str, county: str | None, department: str | None,
                   enterprise: int | None) -> None:
    from lantian.measurements.stations import AdminUnit
    if role not in ROLES:
        raise UsageError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    if role == "county":
        if not county:
            raise UsageError("a county user needs --county (an adcode such as 140403, or a zone code)")
        if s.get(AdminUnit, county) is None:
            raise UsageError(f"no county or zone {county!r}; load the boundaries first "
                             "(`lantian import stations FILE --boundaries GEOJSON`)")
    if role == "department":
        if not department or s.get(Department, department) is None:
            codes = ", ".join(c for c, _ in PLAN_DEPARTMENTS)
            raise UsageError(f"a department user needs --department, one of: {codes}")
    if role == "enterprise" and (enterprise is None or s.get(Enterprise, enterprise) is None):
        raise UsageError("an enterprise user needs --enterprise (the id of an enterprise)")


def add_user(s: Session, username: str, password: str, role: str, *, county: str | None = None,
             department: str | None = None, enterprise: int | None = None, display_name: str | None = None,
             actor: str = "cli") -> User:
    if s.scalar(sa.select(User).where(User.username == username)) is not None:
        raise UsageError(f"user {username!r} exists already")
    _check_binding(s, role, county, department, enterprise)
    user = User(username=username, password_hash=hash_password(password), role=role,
                county_code=county if role == "county" else None,
                department_code=department if role == "department" else None,
                enterprise_id=enterprise if role == "enterprise" else None,
                display_name=display_name, active=True, created_at=now_utc())
    s.add(user)
    s.flush()
    audit.record(s, actor=actor, action="create", entity="user", entity_id=username,
                 after={"role": role, "county": user.county_code, "department": user.department_code,
                        "enterprise": user.enterprise_id}, scope_unit=user.county_code)
    return user


def authenticate(s: Session, username: str, password: str) -> User | None:
    if not username or "\x00" in username or len(username) > 64:
        _hasher.hash("timing-equaliser")
        return None
    user = s.scalar(sa.select(User).where(User.username == username))
    if user is None or not user.active:
        _hasher.hash("timing-equaliser")     # the same work whether or not the user exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return None
    return user


def set_active(s: Session, username: str, active: bool, actor: str = "cli") -> User:
    user = s.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise UsageError(f"no user {username!r}")
    before = user.active
    user.active = active
    audit.record(s, actor=actor, action="enable" if active else "disable", entity="user", entity_id=username,
                 before={"active": before}, after={"active": active}, scope_unit=user.county_code)
    return user


def users(s: Session) -> list[User]:
    return list(s.scalars(sa.select(User).order_by(User.username)))


def create_token(s: Session, username: str, name: str, actor: str = "cli") -> str:
    """A new machine token for ``username`` (shown once; only its hash is kept)."""
    user = s.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise UsageError(f"no user {username!r}")
    token = "lt_" + secrets.token_urlsafe(32)
    s.add(ApiToken(user_id=user.id, name=name, token_hash=hashlib.sha256(token.encode()).hexdigest(),
                   created_at=now_utc(), revoked=False))
    audit.record(s, actor=actor, action="create", entity="api_token", entity_id=name,
                 after={"user": username}, scope_unit=user.county_code)
    return token


def user_of_token(s: Session, token: str) -> User | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    row = s.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked.is_(False)))
    if row is None:
        return None
    user = s.get(User, row.user_id)
    return user if user is not None and user.active else None
