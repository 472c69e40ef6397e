"""The audit log's hash chain (issue 21 §2): every rewrite detected, on SQLite and PostgreSQL; TRUNCATE and
SQLite's INSERT OR REPLACE refused; the entries of an older database chained by migration 0020."""
from __future__ import annotations


import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from databases import KINDS, fresh_database
from lantian import audit, db


def _fill(url: str, n: int = 6) -> None:
    with db.session(url) as s:
        for i in range(n):
            audit.record(s, actor=f"user{i}", action="edit", entity="thing", entity_id=str(i),
                         before={"v": i}, after={"v": i + 1, "名": "长治"}, role="city", scope_unit="140403")


@pytest.fixture(params=KINDS)
def url(request, tmp_path):
    with fresh_database(request.param, tmp_path) as u:
        db.upgrade(u)
        _fill(u)
        yield u


def _verdict(url):
    with db.session(url) as s:
        return audit.verify(s)


def _raw(url, statement: str, **params) -> None:
    """Run SQL behind the application's back, the way someone with the database's password could."""
    with db.engine_for(url).begin() as conn:
        conn.execute(sa.text(statement), params)


def test_an_untouched_chain_verifies(url):
    v = _verdict(url)
    assert v.ok and v.entries == 6 and len(v.head) == 64
    with db.session(url) as s:
        rows = s.scalars(sa.select(audit.AuditEntry).order_by(audit.AuditEntry.id)).all()
        assert rows[0].prev_hash == "" and all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:]))


def test_a_rewritten_entry_is_found(url):
    kind = db.engine_for(url).dialect.name
    if kind == "sqlite":
        _raw(url, "DROP TRIGGER audit_log_no_update")
    else:
        _raw(url, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    _raw(url, "UPDATE audit_log SET after = :a WHERE id = 3", a='{"v": 999}')
    v = _verdict(url)
    assert not v.ok and v.broken_at == 3 and "哈希" in v.message()


def test_a_deleted_entry_is_found(url):
    kind = db.engine_for(url).dialect.name
    if kind == "sqlite":
        _raw(url, "DROP TRIGGER audit_log_no_delete")
    else:
        _raw(url, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    _raw(url, "DELETE FROM audit_log WHERE id = 2")
    v = _verdict(url)
    assert not v.ok and v.broken_at == 3 and v.entries == 1


def test_insert_or_replace_is_refused_and_detected_on_sqlite(tmp_path):
    with fresh_database("sqlite", tmp_path) as u:
        db.upgrade(u)
        _fill(u)
        replace = ("INSERT OR REPLACE INTO audit_log (id, at, actor, action, entity, prev_hash, hash) "
                   "VALUES (1, '2020-01-01 00:00:00.000000', 'mallory', 'edit', 'thing', '', 'x')")
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            _raw(u, replace)
        assert _verdict(u).ok
        _raw(u, "DROP TRIGGER audit_log_no_replace")                   # past the trigger: the chain says so
        _raw(u, replace)
        v = _verdict(u)
        assert not v.ok and v.broken_at == 1


def test_truncate_is_refused_on_postgresql(tmp_path):
    with fresh_database("postgresql", tmp_path) as u:
        db.upgrade(u)
        _fill(u)
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            _raw(u, "TRUNCATE audit_log")
        assert _verdict(u).entries == 6


def test_appending_goes_on_after_a_verify(url):
    _fill(url, 2)
    assert _verdict(url).ok and _verdict(url).entries == 8


@pytest.mark.parametrize("kind", KINDS)
def test_migration_0020_chains_the_entries_already_there(kind, tmp_path):
    with fresh_database(kind, tmp_path) as u:
        db.upgrade(u, "0014")
        with db.engine_for(u).begin() as conn:
            for i in range(3):
                conn.execute(sa.text("INSERT INTO audit_log (at, actor, action, entity, entity_id, after) "
                                     "VALUES (:at, 'old', 'create', 'user', :i, :a)"),
                             {"at": db.now_utc() if kind == "postgresql" else "2024-05-01 08:00:00.123456",
                              "i": str(i), "a": '{"k": "旧"}'})
        db.upgrade(u, "0020")
        assert db.current_revision(u) == "0020"
        db.upgrade(u)                                  # the later migrations keep the chain
        v = _verdict(u)
        assert v.ok and v.entries == 3
        _fill(u, 1)
        assert _verdict(u).entries == 4
        with db.engine_for(u).connect() as conn:
            assert conn.execute(sa.text("SELECT failed_logins FROM users")).all() == []


@pytest.mark.parametrize("kind", KINDS)
def test_lantian_audit_verify(kind, tmp_path, monkeypatch):
    from lantian.cli import app
    from lantian.workspace import init
    with fresh_database(kind, tmp_path) as u:
        monkeypatch.setenv("LANTIAN_DATABASE_URL", u)
        ws = init(tmp_path / "ws")
        db.upgrade(ws.database_url)
        _fill(ws.database_url)
        runner = CliRunner()
        ok = runner.invoke(app, ["audit", "verify", "-w", str(ws.root)])
        assert ok.exit_code == 0 and "审计链完整：6 条" in ok.output
        if kind == "sqlite":
            _raw(u, "DROP TRIGGER audit_log_no_update")
        else:
            _raw(u, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        _raw(u, "UPDATE audit_log SET actor = 'someone else' WHERE id = 5")
        bad = runner.invoke(app, ["audit", "verify", "-w", str(ws.root), "--json"])
        assert bad.exit_code == 1 and '"broken_at": 5' in bad.output


def test_concurrent_appends_keep_one_chain(url):
    """Writers in parallel never chain to the same entry (a fork would read as a rewrite)."""
    from concurrent.futures import ThreadPoolExecutor

    def write(n):
        for i in range(8):
            with db.session(url) as s:
                s.execute(sa.select(audit.AuditEntry.id).limit(1)).all()       # a read first, as services do
                audit.record(s, actor=f"w{n}", action="edit", entity="thing", entity_id=str(i))
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    v = _verdict(url)
    assert v.ok and v.entries == 6 + 32
