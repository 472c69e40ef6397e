"""Users, passwords (argon2), API tokens and the departments named by the plan."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy.orm import Session

from lantian import audit
from lantian.accounts.models import ROLES, ApiToken, Department, Enterprise, User
from lantian.db import now_utc, to_beijing
from lantian.errors import UsageError
from lantian.measurements.stations import AdminUnit
from lantian.workspace import check_keys

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


@dataclass(frozen=True)
class Lockout:
    """⚠ settings ([accounts] in lantian.toml): after ``failures`` consecutive wrong passwords the
    account is locked for ``minutes`` (issue 21 §2; 等保 2.0 GB/T 22239-2019 8.1.4.1 b: 登录失败处理)."""
    failures: int = 5
    minutes: int = 15


def lockout_settings(config: dict | None) -> Lockout:
    section = (config or {}).get("accounts", {})
    check_keys(section, {"lockout_failures", "lockout_minutes"}, "accounts", "lantian.toml")
    failures, minutes = section.get("lockout_failures", 5), section.get("lockout_minutes", 15)
    for name, value in (("lockout_failures", failures), ("lockout_minutes", minutes)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10_000:
            raise UsageError(f"lantian.toml: [accounts] {name} = {value!r}; expected a whole number 1–10000")
    return Lockout(failures, minutes)


@dataclass
class SignIn:
    """The outcome of a sign-in: ``user`` when it succeeded; otherwise ``outcome`` (wrong, unknown,
    disabled, locked) and, when locked, until when."""
    user: User | None
    outcome: str                 # ok | wrong | unknown | disabled | locked
    locked_until: dt.datetime | None = None

    def message(self, lockout: Lockout) -> str:
        """What the person signing in is told (the same for a wrong password and an unknown user)."""
        if self.outcome == "locked":
            until = to_beijing(self.locked_until).strftime("%H:%M") if self.locked_until else ""
            return (f"连续输错密码{lockout.failures}次，账户已锁定{lockout.minutes}分钟，请于{until}（北京时间）后再试，"
                    "或联系系统管理员 (account locked after repeated failures)")
        if self.outcome == "disabled":
            return "用户名或密码不正确 (wrong username or password)"
        return (f"用户名或密码不正确；连续输错{lockout.failures}次将锁定{lockout.minutes}分钟 "
                "(wrong username or password)")


def _password_ok(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def sign_in(s: Session, username: str, password: str, *, via: str, lockout: Lockout = Lockout(),
            now: dt.datetime | None = None) -> SignIn:
    """A sign-in through the page (``via="page"``) or the API (``"api"``), audited whatever the outcome:
    ``login`` or ``login_failed`` (with the reason), and ``lock`` when this failure locks the account.
    A locked account is refused even with the right password until the lock ends; a success
    clears the count."""
    now = now or now_utc()
    name = (username or "")[:64].replace("\x00", "")
    user = s.scalar(sa.select(User).where(User.username == name)) if name == username and name else None
    if user is None:
        _hasher.hash("timing-equaliser")     # the same work whether or not the user exists
        return _refused(s, name, "unknown", via, None)
    if not user.active:
        _hasher.hash("timing-equaliser")
        return _refused(s, name, "disabled", via, user)
    if user.locked_until is not None and user.locked_until > now:
        _hasher.hash("timing-equaliser")
        return _refused(s, name, "locked", via, user, user.locked_until)
    if not _password_ok(user, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= lockout.failures:
            user.locked_until = now + dt.timedelta(minutes=lockout.minutes)
            user.failed_logins = 0
            _refused(s, name, "wrong", via, user)
            audit.record(s, actor=name, role=user.role, action="lock", entity="user", entity_id=name,
                         after={"locked_until": user.locked_until.isoformat(), "failures": lockout.failures,
                                "via": via}, scope_unit=user.county_code)
            return SignIn(None, "locked", user.locked_until)
        return _refused(s, name, "wrong", via, user)
    user.failed_logins, user.locked_until = 0, None
    audit.record(s, actor=name, role=user.role, action="login", entity="session", after={"via": via},
                 scope_unit=user.county_code)
    return SignIn(user, "ok")


def _refused(s: Session, name: str, reason: str, via: str, user: User | None,
             until: dt.datetime | None = None) -> SignIn:
    audit.record(s, actor=name or "(空)", role=user.role if user else None, action="login_failed", entity="session",
                 after={"via": via, "reason": reason}, scope_unit=user.county_code if user else None)
    return SignIn(None, reason, until)


def unlock(s: Session, username: str, actor: str = "cli") -> User:
    """Lift a sign-in lock before it ends (the admin's ``lantian user unlock``); audited."""
    user = s.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise UsageError(f"no user {username!r}")
    before = None if user.locked_until is None else user.locked_until.isoformat()
    user.locked_until, user.failed_logins = None, 0
    audit.record(s, actor=actor, action="unlock", entity="user", entity_id=username, before={"locked_until": before},
                 after={"locked_until": None}, scope_unit=user.county_code)
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
