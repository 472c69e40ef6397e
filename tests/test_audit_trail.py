"""What the audit log holds (issue 21 §2): measurement imports from the command line and the watched folder,
which county each imported station is assigned to — on SQLite and PostgreSQL."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from databases import KINDS, fresh_database
from lantian import audit, db
from lantian.cli import app

runner = CliRunner()


def _log(url, entity):
    with db.session(url) as s:
        return [(e.action, e.actor, e.entity_id, json.loads(e.after or "{}"))
                for e in s.scalars(sa.select(audit.AuditEntry).where(audit.AuditEntry.entity == entity)
                                   .order_by(audit.AuditEntry.id))]


@pytest.mark.parametrize("kind", KINDS)
def test_imports_and_station_assignments_are_audited(kind, tmp_path, data_dir, monkeypatch):
    with fresh_database(kind, tmp_path) as url:
        monkeypatch.setenv("LANTIAN_DATABASE_URL", url)
        ws = str(tmp_path / "ws")
        assert runner.invoke(app, ["init", ws]).exit_code == 0
        r = runner.invoke(app, ["import", "stations", str(data_dir / "cnemc" / "stations" / "NewSiteList_utf8.csv"),
                                "--boundaries", str(data_dir / "boundaries" / "140400_full.json"), "-w", ws])
        assert r.exit_code == 0, r.output
        (entry,) = _log(url, "station_registry")
        assigned = entry[3]["assignments"]
        assert assigned["1727A"] == ["140403", "polygon"]                  # 长治 station → 潞州区, by polygon
        assert all(code.startswith("1404") for code, _ in assigned.values()) and len(assigned) >= 4
        vendor = tmp_path / "vendor.csv"
        vendor.write_text("station,time,pollutant,value,unit\n1727A,2019-01-01 01:00,PM2.5,35,ug/m3\n",
                          encoding="utf-8")
        r = runner.invoke(app, ["import", "long", str(vendor), "-w", ws, "--json"])
        assert r.exit_code == 0, r.output
        summary = json.loads(r.output)
        (imported,) = _log(url, "measurements")
        action, actor, import_id, after = imported
        assert (action, actor, import_id) == ("import", "cli", summary["import_id"])
        assert after["files"][0]["name"] == "vendor.csv" and len(after["files"][0]["sha256"]) == 64
        assert after["new"] == 1 and after["committed"] is True
        with db.session(url) as s:
            assert audit.verify(s).ok
