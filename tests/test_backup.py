"""`lantian backup` / `backup verify` / `restore` (issue 21 §5), on SQLite and PostgreSQL: a backup
taken while a measurement import runs (a thread) holds the store either before or after it, never
half, and restores to the same `store info`, records and audit log; a damaged archive is refused;
the signing key only with --include-secrets."""
from __future__ import annotations

import io
import json
import os
import tarfile
import threading
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from databases import PG, fresh_database
from lantian import db
from lantian.cli import app
from lantian.measurements.importer import import_files
from lantian.measurements.station_keys import StationKeys
from lantian.workspace import Workspace
from tests.web.conftest import registry_workspace

runner = CliRunner()


@contextmanager
def database_url(kind, folder):
    """An empty database to restore into: a SQLite file of the new workspace, or a new PostgreSQL database."""
    if kind == "sqlite":
        yield None                                       # the new workspace's own lantian.sqlite3
        return
    name = f"lantian_restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(PG).set(database=name).render_as_string(hide_password=False)
    finally:
        db.dispose_engines()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def target_url(kind, base, source_url):
    """The restore target's URL: for PostgreSQL the source's search_path (schema) in the new database."""
    if base is None:
        return None
    query = sa.make_url(source_url).query
    url = sa.make_url(base).update_query_dict(dict(query)).render_as_string(hide_password=False)
    schema = query["options"].split("=", 1)[1]
    with sa.create_engine(base).begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    return url


def records(url) -> dict[str, list]:
    engine = db.engine_for(url)
    with engine.connect() as conn:
        names = sorted(sa.inspect(conn).get_table_names())
        return {t: sorted(map(repr, conn.execute(sa.text(f'SELECT * FROM "{t}"')).all())) for t in names}


def audit_rows(url) -> list:
    with db.engine_for(url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT * FROM audit_log ORDER BY id")).all()]


def store_info(root) -> dict:
    r = runner.invoke(app, ["store", "info", "-w", str(root), "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def invoke(env_url, *args):
    old = os.environ.get("LANTIAN_DATABASE_URL")
    if env_url:
        os.environ["LANTIAN_DATABASE_URL"] = env_url
    else:
        os.environ.pop("LANTIAN_DATABASE_URL", None)
    try:
        return runner.invoke(app, [str(a) for a in args])
    finally:
        if old is None:
            os.environ.pop("LANTIAN_DATABASE_URL", None)
        else:
            os.environ["LANTIAN_DATABASE_URL"] = old


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_backup_during_an_import_restores_the_same_workspace(kind, tmp_path, data_dir):
    files = sorted((data_dir / "cnemc" / "2019-01").glob("*.csv.gz"))
    with fresh_database(kind, tmp_path) as url:
        env = url
        os.environ["LANTIAN_DATABASE_URL"] = url
        try:
            ws = registry_workspace(tmp_path / "ws", data_dir)
            (ws.root / "letters").mkdir()
            (ws.root / "letters" / "督办函-任务5.docx").write_bytes(b"PK\x03\x04 a letter")
            registry = StationKeys.of(url)
            import_files(ws.measurements, "cnemc", files[:2], registry=registry)
        finally:
            os.environ.pop("LANTIAN_DATABASE_URL", None)
        before = store_info(ws.root)
        importing = threading.Thread(target=import_files, args=(ws.measurements, "cnemc", files[2:8]),
                                     kwargs={"registry": registry})
        importing.start()
        assert importing.is_alive()                                          # the backup runs beside it
        during = invoke(env, "backup", "-w", ws.root, "-o", tmp_path / "during.tar", "--json")
        importing.join()
        assert during.exit_code == 0, during.output
        after = store_info(ws.root)
        assert after["version"] > before["version"]
        assert json.loads(during.output)["secrets_included"] is False
        verified = invoke(env, "backup", "verify", tmp_path / "during.tar")
        assert verified.exit_code == 0 and "完好" in verified.output, verified.output

        with database_url(kind, tmp_path) as base:
            new_url = target_url(kind, base, url)
            r = invoke(new_url, "restore", tmp_path / "during.tar", "-w", tmp_path / "restored")
            assert r.exit_code == 0, r.output
            restored_url = new_url or Workspace(tmp_path / "restored").database_url
            assert store_info(tmp_path / "restored") in (before, after)          # never half an import
            assert records(restored_url) == records(url)
            assert (tmp_path / "restored" / "letters" / "督办函-任务5.docx").read_bytes() == b"PK\x03\x04 a letter"
            assert not (tmp_path / "restored" / "secret.key").exists()
            db.dispose_engines(restored_url)

        ws.secret                                                              # the key exists now
        quiet = invoke(env, "backup", "-w", ws.root, "-o", tmp_path / "quiet.tar", "--include-secrets")
        assert quiet.exit_code == 0 and "签名密钥已包含" in quiet.output, quiet.output
        with database_url(kind, tmp_path) as base:
            new_url = target_url(kind, base, url)
            r = invoke(new_url, "restore", tmp_path / "quiet.tar", "-w", tmp_path / "again")
            assert r.exit_code == 0, r.output
            restored_url = new_url or Workspace(tmp_path / "again").database_url
            assert store_info(tmp_path / "again") == after
            assert records(restored_url) == records(url) and audit_rows(restored_url) == audit_rows(url)
            assert len(audit_rows(url)) > 0
            assert (tmp_path / "again" / "secret.key").read_text() == (ws.root / "secret.key").read_text()
            refused = invoke(new_url, "restore", tmp_path / "quiet.tar", "-w", tmp_path / "again")
            assert refused.exit_code == 2 and "not empty" in refused.output
            db.dispose_engines(restored_url)


def test_a_damaged_backup_is_refused(tmp_path, data_dir):
    with fresh_database("sqlite", tmp_path) as url:
        os.environ["LANTIAN_DATABASE_URL"] = url
        try:
            ws = registry_workspace(tmp_path / "ws", data_dir)
        finally:
            os.environ.pop("LANTIAN_DATABASE_URL", None)
        assert invoke(None, "backup", "-w", ws.root, "-o", tmp_path / "b.tar").exit_code == 0
        with tarfile.open(tmp_path / "b.tar") as tar:
            members = [(m, tar.extractfile(m).read()) for m in tar]
        with tarfile.open(tmp_path / "bad.tar", "w") as tar:
            for m, data in members:
                if m.name == "workspace/lantian.toml":
                    data = data.replace(b"[workspace]", b"[workspacX]")
                tar.addfile(m, io.BytesIO(data))
        r = invoke(None, "backup", "verify", tmp_path / "bad.tar")
        assert r.exit_code == 2 and "workspace/lantian.toml is damaged" in r.output
        r = invoke(None, "restore", tmp_path / "bad.tar", "-w", tmp_path / "new")
        assert r.exit_code == 2 and not (tmp_path / "new").exists()
        mixed = invoke(PG, "restore", tmp_path / "b.tar", "-w", tmp_path / "pg")
        assert mixed.exit_code == 2 and "holds a sqlite database" in mixed.output and not (tmp_path / "pg").exists()
        inside = invoke(None, "backup", "-w", ws.root, "-o", ws.root / "b.tar")
        assert inside.exit_code == 2 and "outside the workspace" in inside.output
