"""lantian.db: migrations from code, on SQLite (a temporary file) and PostgreSQL (a schema of its own).

PostgreSQL is $LANTIAN_TEST_POSTGRES_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test;
when it is down these tests fail — they are never skipped.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from lantian import db
from lantian import attachments, audit  # noqa: F401  (declare their tables)
from lantian.accounts import models  # noqa: F401
from lantian.assessment import models as assessment_models  # noqa: F401
from lantian.measurements import stations as st  # noqa: F401  (declares the registry tables)
from lantian.plan import models as plan_models  # noqa: F401
from lantian.enterprises import models as ledger_models  # noqa: F401
from lantian.emergency import models as emergency_models  # noqa: F401
from lantian.dustfall import models as dustfall_models  # noqa: F401
from lantian.vehicles import models as vehicles_models  # noqa: F401
from lantian.fires import models as fires_models  # noqa: F401
from lantian.registers import models as registers_models  # noqa: F401
from lantian.inventory import models as inventory_models  # noqa: F401
from lantian.apportionment import models as pmf_models  # noqa: F401
from lantian.live import models as live_models  # noqa: F401
from lantian.forecast import models as forecast_models  # noqa: F401

HEAD = "0023"

from databases import PG, fresh_database  # noqa: E402  (tests/ is on the path via conftest)
TABLES = {"admin_units", "stations", "station_versions", "alembic_version", "departments", "enterprises",
          "users", "api_tokens", "attachments", "audit_log", "targets", "letters",
          "sand_dust_days", "plans", "plan_measures", "plan_sections", "plan_tasks", "plan_task_units", "plan_milestones",
          "plan_commitments", "plan_reports", "plan_supervisions", "clusters", "enterprise_ledgers", "facilities",
          "grade_applications", "grade_history", "ledger_changes", "reduction_list", "emission_baselines",
          "emission_totals", "alerts", "alert_enterprises", "alert_county_acks", "dustfall_values",
          "gate_systems", "gate_records", "vehicle_freight_profiles", "road_checks", "obd_inspections",
          "gate_violation_resolutions", "alert_verifications", "register_rows", "register_zones",
          "fire_cases", "fire_detections", "fire_county_figures", "fire_calendar",
          "inventories", "inventory_rows", "pmf_runs", "staggered_calendars", "staggered_enterprises",
          "hj212_devices", "hj212_device_state", "hj212_quarantine", "live_checkpoints", "live_job_runs",
          "live_events", "live_subscriptions", "live_deliveries", "ozone_responses", "ozone_measures",
          "ozone_county_acks", "reduction_proposals", "forecast_runs", "forecast_days", "forecast_met"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        yield url


def tables(url) -> set[str]:
    return set(sa.inspect(db.engine_for(url)).get_table_names())


def test_postgres_schema_is_isolated(tmp_path):
    with fresh_database("postgresql", tmp_path) as url:
        with db.engine_for(url).connect() as conn:
            schema = conn.execute(sa.text("select current_schema()")).scalar_one()
        assert schema.startswith("lantian_test_")


def test_upgrade_creates_the_tables_and_twice_is_a_no_op(empty_url):
    assert tables(empty_url) == set()
    assert db.current_revision(empty_url) is None
    db.upgrade(empty_url)
    assert tables(empty_url) == TABLES
    assert db.current_revision(empty_url) == HEAD
    now = db.now_utc()
    with db.session(empty_url) as s:
        s.add(st.AdminUnit(code="140400", name="长治市", level="city", has_polygon=False, updated_at=now))
    db.upgrade(empty_url)                              # again: nothing to do, nothing lost
    assert tables(empty_url) == TABLES
    assert db.current_revision(empty_url) == HEAD
    with db.session(empty_url) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(st.AdminUnit)) == 1


def test_downgrade_to_base_removes_the_tables(empty_url):
    db.upgrade(empty_url)
    from alembic import command
    with db.engine_for(empty_url).begin() as conn:
        command.downgrade(db._alembic_config(conn), "base")
    assert tables(empty_url) == {"alembic_version"}
    db.upgrade(empty_url)
    assert tables(empty_url) == TABLES


def test_models_match_the_migration(empty_url):
    """The ORM tables and migration 0001 describe the same schema (autogenerate finds nothing to do)."""
    db.upgrade(empty_url)
    with db.engine_for(empty_url).connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, db.Base.metadata)
    assert diff == []


def test_timestamps_come_back_aware_utc(empty_url):
    db.upgrade(empty_url)
    beijing_noon = dt.datetime(2022, 3, 1, 12, 0, tzinfo=db.BEIJING)
    with db.session(empty_url) as s:
        s.add(st.AdminUnit(code="x", name="x", level="zone", has_polygon=False, updated_at=beijing_noon))
    with db.session(empty_url) as s:
        got = s.get(st.AdminUnit, "x").updated_at
    assert got.tzinfo is not None and got.utcoffset() == dt.timedelta(0)
    assert got == beijing_noon and got.hour == 4
    assert db.to_beijing(got).hour == 12
    with pytest.raises(Exception, match="naive"):
        with db.session(empty_url) as s:
            s.add(st.AdminUnit(code="y", name="y", level="zone", has_polygon=False,
                               updated_at=dt.datetime(2022, 3, 1, 12)))


def test_foreign_keys_and_one_open_version_are_enforced(empty_url):
    db.upgrade(empty_url)
    now = db.now_utc()
    common = dict(name="n", control_point=False, network="national", assignment="none", status="active",
                  recorded_at=now, changed_by="t")
    with pytest.raises(sa.exc.IntegrityError):
        with db.session(empty_url) as s:
            s.add(st.StationVersion(station_id=999, code="X", **common))
    with db.session(empty_url) as s:
        station = st.Station(code="X", name="n", control_point=False, network="national", assignment="none", status="active",
                             created_at=now, updated_at=now)
        s.add(station)
        s.flush()
        s.add(st.StationVersion(station_id=station.id, code="X", **common))
    with pytest.raises(sa.exc.IntegrityError):          # a second open version of the same station
        with db.session(empty_url) as s:
            sid = s.scalar(sa.select(st.Station.id))
            s.add(st.StationVersion(station_id=sid, code="X", **common))


def test_session_rolls_back_on_error(empty_url):
    db.upgrade(empty_url)
    with pytest.raises(RuntimeError):
        with db.session(empty_url) as s:
            s.add(st.AdminUnit(code="z", name="z", level="zone", has_polygon=False, updated_at=db.now_utc()))
            s.flush()
            raise RuntimeError("boom")
    with db.session(empty_url) as s:
        assert s.get(st.AdminUnit, "z") is None


def test_to_utc_reads_naive_and_dates_as_beijing():
    assert db.to_utc(dt.datetime(2022, 1, 1, 8, 0)) == dt.datetime(2022, 1, 1, 0, 0, tzinfo=dt.timezone.utc)
    assert db.to_utc(dt.date(2022, 1, 1)) == dt.datetime(2021, 12, 31, 16, 0, tzinfo=dt.timezone.utc)
    aware = dt.datetime(2022, 1, 1, 8, 0, tzinfo=dt.timezone.utc)
    assert db.to_utc(aware) == aware and db.to_utc(aware).tzinfo == dt.timezone.utc
    assert db.to_utc(None) is None
    with pytest.raises(TypeError):
        db.to_utc("2022-01-01")


def test_engine_is_cached_per_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    assert db.engine_for(url) is db.engine_for(url)
    with db.engine_for(url).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose_engines(url)


def test_0022_gives_synthetic_from_the_old_text_rule(empty_url):
    """Migration 0022: the records already there are synthetic when their text said so (演示数据, 示例,
    合成, synthetic) — a dust-fall file named （合成）, a warning issued by 演示数据 — and real otherwise."""
    db.upgrade(empty_url, "0020")
    now = dt.datetime(2019, 1, 5, tzinfo=dt.timezone.utc)
    with db.engine_for(empty_url).begin() as c:
        for n, source in enumerate(["演示数据_2019-01_县区降尘（合成）.csv", "changzhi_dustfall_2021-10.csv",
                                    "Synthetic-test.csv"]):
            c.execute(sa.text("INSERT INTO dustfall_values (period, level, code, value, source, imported_by, imported_at) "
                              "VALUES (:p, 'county', :c, '3.2', :s, 'x', :t)"), {"p": "2019-01", "c": f"14040{n}",
                                                                                  "s": source, "t": now})
        for who in ("演示数据", "daqiban"):
            c.execute(sa.text("INSERT INTO alerts (level, ruleset, forecast, reasons, start, state, issued_by, issued_at) "
                              "VALUES ('orange', '648', '[]', '[]', :t, 'lifted', :w, :t)"), {"t": now, "w": who})
    db.upgrade(empty_url)
    with db.engine_for(empty_url).connect() as c:
        dust = dict(c.execute(sa.text("SELECT source, synthetic FROM dustfall_values")).all())
        alerts = dict(c.execute(sa.text("SELECT issued_by, synthetic FROM alerts")).all())
    assert {k: bool(v) for k, v in dust.items()} == {"演示数据_2019-01_县区降尘（合成）.csv": True,
                                                     "changzhi_dustfall_2021-10.csv": False, "Synthetic-test.csv": True}
    assert {k: bool(v) for k, v in alerts.items()} == {"演示数据": True, "daqiban": False}
