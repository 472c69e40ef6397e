"""Sign-in and the audit trail (issue 21 §2): every API sign-in audited with its outcome, logout audited,
an account locked after repeated wrong passwords (⚠ [accounts] settings), the lock audited and the user
told in Chinese — on SQLite and PostgreSQL (the session's shared workspace, its own accounts)."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from lantian import audit, db
from lantian.accounts import service as accounts
from lantian.accounts.models import User
from lantian.demo import PASSWORD
from lantian.errors import UsageError
from tests.web.conftest import bearer, page_session


def _add(web_app, username: str, active: bool = True) -> None:
    with db.session(web_app.state.db_url) as s:
        if s.scalar(sa.select(User).where(User.username == username)) is None:
            accounts.add_user(s, username, PASSWORD, "inspector", actor="test")
            if not active:
                accounts.set_active(s, username, False, actor="test")


def _entries(web_app, actor: str, entity: str = "session") -> list[tuple[str, dict]]:
    with db.session(web_app.state.db_url) as s:
        rows = s.scalars(sa.select(audit.AuditEntry).where(audit.AuditEntry.actor == actor,
                                                           audit.AuditEntry.entity == entity)
                         .order_by(audit.AuditEntry.id)).all()
        return [(e.action, json.loads(e.after or "{}")) for e in rows]


def _token(client, username, password):
    return client.post("/api/auth/token", data={"username": username, "password": password})


def test_every_api_sign_in_is_audited(web_app, client):
    _add(web_app, "signin_ok")
    _add(web_app, "signin_off", active=False)
    assert _token(client, "signin_ok", PASSWORD).status_code == 200
    assert _token(client, "signin_ok", "wrong-password").status_code == 401
    assert _token(client, "signin_nobody", PASSWORD).status_code == 401
    r = _token(client, "signin_off", PASSWORD)
    assert r.status_code == 401 and "用户名或密码不正确" in r.json()["detail"]
    assert _entries(web_app, "signin_ok") == [("login", {"via": "api"}),
                                              ("login_failed", {"via": "api", "reason": "wrong"})]
    assert _entries(web_app, "signin_nobody") == [("login_failed", {"via": "api", "reason": "unknown"})]
    assert _entries(web_app, "signin_off") == [("login_failed", {"via": "api", "reason": "disabled"})]


def test_logout_is_audited(web_app):
    c = page_session(web_app, "jiancha")
    token = c.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]
    r = c.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert ("logout", {"via": "page"}) in _entries(web_app, "jiancha")
    assert c.get("/api/me").status_code == 401


def test_repeated_wrong_passwords_lock_the_account(web_app, client):
    _add(web_app, "signin_lock")
    for _ in range(4):
        r = _token(client, "signin_lock", "wrong-password")
        assert r.status_code == 401 and "连续输错5次将锁定15分钟" in r.json()["detail"]
    r = _token(client, "signin_lock", "wrong-password")                 # the fifth
    assert r.status_code == 429 and "账户已锁定15分钟" in r.json()["detail"] and int(r.headers["retry-after"]) > 800
    r = _token(client, "signin_lock", PASSWORD)                          # the right one, too late
    assert r.status_code == 429 and "已锁定" in r.json()["detail"]
    assert ("login_failed", {"via": "api", "reason": "locked"}) in _entries(web_app, "signin_lock")
    locks = _entries(web_app, "signin_lock", entity="user")
    assert [a for a, _ in locks] == ["lock"] and locks[0][1]["failures"] == 5
    c = page_session(web_app, "admin")                                   # the sign-in page says so too
    form = c.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    page = c.post("/login", data={"username": "signin_lock", "password": PASSWORD, "csrf_token": form, "next": "/"})
    assert page.status_code == 429 and "账户已锁定" in page.text
    with db.session(web_app.state.db_url) as s:                          # fifteen minutes later
        user = s.scalar(sa.select(User).where(User.username == "signin_lock"))
        user.locked_until = db.now_utc() - dt.timedelta(seconds=1)
    assert _token(client, "signin_lock", PASSWORD).status_code == 200
    with db.session(web_app.state.db_url) as s:
        user = s.scalar(sa.select(User).where(User.username == "signin_lock"))
        assert user.failed_logins == 0 and user.locked_until is None


def test_a_success_clears_the_count(web_app, client):
    _add(web_app, "signin_count")
    for _ in range(4):
        _token(client, "signin_count", "wrong-password")
    assert _token(client, "signin_count", PASSWORD).status_code == 200
    for _ in range(4):
        assert _token(client, "signin_count", "wrong-password").status_code == 401
    assert _token(client, "signin_count", PASSWORD).status_code == 200


def test_unlock_by_the_admin(web_app, client):
    _add(web_app, "signin_unlock")
    for _ in range(5):
        _token(client, "signin_unlock", "wrong-password")
    assert _token(client, "signin_unlock", PASSWORD).status_code == 429
    with db.session(web_app.state.db_url) as s:
        accounts.unlock(s, "signin_unlock", actor="admin")
    assert _token(client, "signin_unlock", PASSWORD).status_code == 200
    assert [a for a, _ in _entries(web_app, "admin", entity="user")][-1:] == ["unlock"]


def test_the_audit_page_and_api_show_the_chain(web_app, client):
    r = client.get("/api/audit/verify", headers=bearer(client, "daqiban"))
    assert r.status_code == 200 and r.json()["ok"] is True and r.json()["entries"] > 10
    assert client.get("/api/audit/verify", headers=bearer(client, "luzhou")).status_code == 403
    page = page_session(web_app, "daqiban").get("/audit")
    assert page.status_code == 200 and "审计链完整" in page.text


def test_lockout_settings():
    assert accounts.lockout_settings({}) == accounts.Lockout(5, 15)
    assert accounts.lockout_settings({"accounts": {"lockout_failures": 3, "lockout_minutes": 60}}) == \
        accounts.Lockout(3, 60)
    with pytest.raises(UsageError, match="lockout_failures"):
        accounts.lockout_settings({"accounts": {"lockout_failures": 0}})
    with pytest.raises(UsageError, match="has no setting lockout_tries"):
        accounts.lockout_settings({"accounts": {"lockout_tries": 3}})
