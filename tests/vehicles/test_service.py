"""The gate room over a real workspace (SQLite and PostgreSQL): idempotent imports, gate tokens bound
to their enterprise, violations under a warning issued by the emergency room, task 11, silent gates,
scoping by role, resolutions and the plan indicator, road checks and a plate's history, the CLI and
the demo."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from databases import KINDS, fresh_database
from lantian import audit, db
from lantian.accounts.models import User
from lantian.accounts.scope import Scope
from lantian.accounts.service import principal
from lantian.emergency.demo import demo_reduction
from lantian.enterprises.demo import demo_ledger
from lantian.errors import Forbidden, InputError, NotFound, UsageError
from lantian.vehicles import cli as vehicles_cli
from lantian.vehicles import reader, rules, service
from lantian.vehicles.models import GateRecord, GateSystem
from tests.web.conftest import registry_workspace

HONGQI, RUICHANG, HUAAN = "长治市潞州区红旗水泥有限公司", "长治市屯留区瑞昌水泥有限公司", "沁县华安焦化有限公司"
KEBAO, TAOQINGHE, HUATAI = "长治市科保水泥有限公司", "长治市上党区陶清河水泥有限公司", "长治市三元王庄华泰水泥有限公司"
HEADER = "enterprise,plate,vehicle_type,fuel,emission_standard,time_in,time_out\n"
runner = CliRunner()


@pytest.fixture(scope="module", params=KINDS)
def ws(request, tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp(f"vehicles-{request.param}")
    with fresh_database(request.param, folder) as url, pytest.MonkeyPatch.context() as mp:
        mp.setenv("LANTIAN_DATABASE_URL", url)
        w = registry_workspace(folder / "ws", data_dir)
        demo_ledger(url)
        demo_reduction(url)
        w.set_as_of(dt.date(2023, 12, 31))
        yield w


def office(ws):
    return Scope.office(ws.database_url, "test")


def user(ws, username):
    with db.session(ws.database_url) as s:
        u = s.scalar(sa.select(User).where(User.username == username))
        return Scope.of(principal(u), ws.database_url)


def eid(ws, name):
    with db.session(ws.database_url) as s:
        return service.find_enterprise(s, name)


def csv(tmp_path, name, rows):
    f = tmp_path / name
    f.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return f


def count(ws, model=GateRecord):
    with db.session(ws.database_url) as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model))


def test_import_is_idempotent_and_all_or_nothing(ws, tmp_path):
    rows = [f"{HONGQI},晋DA7001,重型货车,柴油,国五,2023-10-02 08:00,", f"{HONGQI},晋D·A7002,N3,LNG,国Ⅵ,2023-10-02 09:00,"]
    f = csv(tmp_path, "a.csv", rows)
    with db.session(ws.database_url) as s:
        assert service.import_file(s, office(ws), f) == {"added": 2, "updated": 0, "unchanged": 0, "rows": 2,
                                                          "file": "a.csv"}
    before, log = count(ws), _audit_count(ws)
    with db.session(ws.database_url) as s:
        assert service.import_file(s, office(ws), f)["unchanged"] == 2
    assert (count(ws), _audit_count(ws)) == (before, log)                 # the same file twice: nothing changes
    more = csv(tmp_path, "b.csv", [rows[0] + "2023-10-02 08:40"])
    with db.session(ws.database_url) as s:
        assert service.import_file(s, office(ws), more)["updated"] == 1    # the time out arrived later
        r = s.scalar(sa.select(GateRecord).where(GateRecord.plate == "晋DA7001"))
        assert r.time_out == dt.datetime(2023, 10, 2, 0, 40, tzinfo=dt.timezone.utc)
    with db.session(ws.database_url) as s:                                # the entry re-sent without its exit
        assert service.import_file(s, office(ws), f)["unchanged"] == 2
        r = s.scalar(sa.select(GateRecord).where(GateRecord.plate == "晋DA7001"))
        assert r.time_out == dt.datetime(2023, 10, 2, 0, 40, tzinfo=dt.timezone.utc)
    bad = csv(tmp_path, "bad.csv", [f"{HONGQI},晋DA7003,重型货车,柴油,国五,2023-10-02 10:00,",
                                    f"月球水泥厂,晋DA7004,重型货车,柴油,国五,2023-10-02 10:00,"])
    with pytest.raises(InputError, match=r"bad.csv, line 3, column enterprise: unknown enterprise '月球水泥厂'"):
        with db.session(ws.database_url) as s:
            service.import_file(s, office(ws), bad)
    assert count(ws) == before                                            # nothing of the good row either


def _audit_count(ws):
    with db.session(ws.database_url) as s:
        return audit.entries(s, limit=1).total


def test_gate_token_pushes_only_for_its_own_enterprise(ws):
    with db.session(ws.database_url) as s:
        token = service.issue_token(s, office(ws), KEBAO)
        gate = s.scalar(sa.select(GateSystem).where(GateSystem.enterprise_id == service.find_enterprise(s, KEBAO)))
        assert token.startswith("gt_") and gate.token_hash == hashlib.sha256(token.encode()).hexdigest()
    with db.session(ws.database_url) as s:
        gate = service.gate_of_token(s, token)
        record = {"plate": "晋DC1001", "vehicle_type": "重型货车", "fuel": "柴油", "emission_standard": "国6",
                  "time_in": "2023-10-03 08:00"}
        with pytest.raises(Forbidden, match="本企业"):
            service.push_from_gate(s, gate, [dict(record, enterprise=RUICHANG)])
        assert service.push_from_gate(s, gate, {"records": [record, dict(record, enterprise=KEBAO,
                                                                        time_in="2023-10-03 09:00")]})["added"] == 2
        assert gate.last_seen is not None
        with pytest.raises(InputError, match="request, line 1, column time_in"):
            service.push_from_gate(s, gate, [dict(record, time_in="yesterday")])
    with db.session(ws.database_url) as s:
        assert service.issue_token(s, office(ws), KEBAO) != token
        assert service.gate_of_token(s, token) is None                    # a new token replaces the old one
        with pytest.raises(Forbidden):
            service.issue_token(s, user(ws, "luzhou"), KEBAO)
    with db.session(ws.database_url) as s:
        with pytest.raises(Forbidden):                                    # an enterprise pushes for itself only
            service.push_as_user(s, user(ws, "qiye"), [dict(record, enterprise=KEBAO)])
        with pytest.raises(Forbidden):
            service.push_as_user(s, user(ws, "luzhou"), [record])


def test_warning_violations_with_a_warning_issued_and_lifted(ws, tmp_path):
    from lantian.emergency import service as emergency
    start = dt.date(2023, 11, 20)                                         # two forecast days: 11-20, 11-21
    with db.session(ws.database_url) as s:
        alert = emergency.issue(s, ws.root, office(ws), [210, 230], "648", start=start)
        emergency.lift(s, office(ws), alert.id)
    f = csv(tmp_path, "w.csv", [
        f"{HONGQI},晋DA8001,重型货车,柴油,国四,2023-11-19 23:59:59,",      # before the start
        f"{HONGQI},晋DA8002,重型货车,柴油,国四,2023-11-20 00:00:00,",      # at the start
        f"{HONGQI},晋DA8003,重型货车,柴油,国五,2023-11-20 09:00,",         # 国五: allowed at B级
        f"{HONGQI},晋DA8004,重型货车,天然气,国四,2023-11-21 23:59:59,",    # gas 国四: banned (含燃气)
        f"{HONGQI},晋DA8005,重型货车,柴油,国四,2023-11-22 00:00:00,",      # the expected end has passed
        f"{HONGQI},晋DA8006,重型货车,柴油,未知,2023-11-20 10:00,"])        # unidentified: 待核实
    with db.session(ws.database_url) as s:
        service.import_file(s, office(ws), f)
        v = service.violations(s, office(ws), dt.date(2023, 11, 19), dt.date(2023, 11, 22))
    assert sorted(x["plate"] for x in v["violations"]) == ["晋DA8002", "晋DA8004"]
    assert all(x["rule"] == rules.RULE_WARNING and x["alert_id"] == alert.id and "340号" in x["clause"]
               for x in v["violations"])
    assert [x["plate"] for x in v["undecided"]] == ["晋DA8006"]
    row = next(e for e in v["by_enterprise"] if e["enterprise"] == HONGQI)
    assert (row["records"], row["violations"], row["undecided"]) == (6, 2, 1)


def test_task11_freight_rule_until_the_rail_siding_opens(ws, tmp_path):
    with db.session(ws.database_url) as s:
        service.set_freight(s, office(ws), HUAAN, 2023, "1500000", rail_open=dt.date(2023, 11, 15))
        with pytest.raises(UsageError):
            service.set_freight(s, office(ws), HUAAN, 2023, "lots", rail_open=None)
        with pytest.raises(Forbidden):
            service.set_freight(s, user(ws, "luzhou"), HUAAN, 2023, "1", rail_open=None)
    f = csv(tmp_path, "f.csv", [f"{HUAAN},晋DH9001,重型货车,柴油,国五,2023-11-14 23:30,",
                                f"{HUAAN},晋DH9002,重型货车,柴油,国六,2023-11-14 10:00,",
                                f"{HUAAN},晋DH9003,重型货车,柴油,国五,2023-11-15 00:10,"])
    with db.session(ws.database_url) as s:
        service.import_file(s, office(ws), f)
        v = service.violations(s, office(ws), dt.date(2023, 11, 14), dt.date(2023, 11, 15))
    hits = [x for x in v["violations"] if x["enterprise"] == HUAAN]
    assert [(x["plate"], x["rule"]) for x in hits] == [("晋DH9001", rules.RULE_FREIGHT)]
    assert "150万吨" in hits[0]["reason"] and "任务11" in hits[0]["clause"]


def test_silent_gate_at_exactly_n_hours(ws, tmp_path):
    f = csv(tmp_path, "s.csv", [f"{TAOQINGHE},晋DT1001,重型货车,柴油,国六,2023-09-10 08:00,"])
    with db.session(ws.database_url) as s:
        service.import_file(s, office(ws), f)
        last = dt.datetime(2023, 9, 10, 0, 0, tzinfo=dt.timezone.utc)
        mine = lambda now: next(g for g in service.silent_gates(s, office(ws), now=now) if g["enterprise"] == TAOQINGHE)
        assert not mine(last + dt.timedelta(hours=24))["silent"]
        assert mine(last + dt.timedelta(hours=24, seconds=1))["silent"]
        assert mine(last + dt.timedelta(hours=47))["silent"]
        cfg = {"vehicles": {"silence_hours": 48}}
        assert not next(g for g in service.silent_gates(s, office(ws), cfg, now=last + dt.timedelta(hours=47))
                        if g["enterprise"] == TAOQINGHE)["silent"]
        with pytest.raises(UsageError, match="unknown key"):
            service.silent_gates(s, office(ws), {"vehicles": {"silent_hours": 2}})


def test_scoping_by_role(ws, tmp_path):
    f = csv(tmp_path, "sc.csv", [f"{HONGQI},晋DA5001,重型货车,柴油,国六,2023-08-01 08:00,",
                                 f"{RUICHANG},晋DK5002,重型货车,柴油,国六,2023-08-01 08:00,"])
    with db.session(ws.database_url) as s:
        service.import_file(s, office(ws), f)
        day = dt.date(2023, 8, 1)
        plates = lambda who: sorted(r["plate"] for r in service.records(s, user(ws, who), day, day))
        assert plates("daqiban") == ["晋DA5001", "晋DK5002"]
        assert plates("luzhou") == ["晋DA5001"] and plates("tunliu") == ["晋DK5002"]
        assert plates("qiye") == []                                       # the demo enterprise: only itself
        assert service.plate_history(s, user(ws, "luzhou"), "晋DA5001")["records"]
        with pytest.raises(NotFound):
            service.plate_history(s, user(ws, "luzhou"), "晋DK5002")
        with pytest.raises(NotFound):
            service.records(s, user(ws, "luzhou"), day, day, enterprise_id=eid(ws, RUICHANG))
        with pytest.raises(Forbidden):
            service.import_file(s, user(ws, "qiye"), f)


def test_resolutions_and_the_plan_indicator(ws, tmp_path):
    import lantian.vehicles.indicators  # noqa: F401 — registers (also through PROVIDERS once mounted)
    from lantian.plan.indicators import Context, measure
    f = csv(tmp_path, "i.csv", [f"{HUATAI},晋DW1001,重型货车,柴油,国六,2023-12-31 08:00,",
                                f"{TAOQINGHE},晋DT1002,重型货车,柴油,国六,2023-12-30 09:00,",
                                f"{TAOQINGHE},晋DT1003,重型货车,柴油,国四,2023-12-31 09:00,"])
    with db.session(ws.database_url) as s:
        service.set_freight(s, office(ws), TAOQINGHE, 2023, "2000000", rail_open=None)
        service.import_file(s, office(ws), f)
    ctx = lambda: Context(ws.database_url, None, None, dt.date(2023, 12, 31))
    red = measure(ctx(), "gate_violations", json.dumps({"unit": "140404"}))
    assert red.ok is False and "未处理违规1起" in red.detail and "停传0个" in red.detail
    record = _record(ws, "晋DT1003")
    with db.session(ws.database_url) as s:
        with pytest.raises(Forbidden):                                    # a viewer sees it, may not resolve
            service.resolve(s, user(ws, "guancha"), record, rules.RULE_FREIGHT, "x")
        with pytest.raises(NotFound):                                     # another enterprise's record
            service.resolve(s, user(ws, "qiye"), record, rules.RULE_FREIGHT, "x")
        with pytest.raises(NotFound):                                     # not 屯留区's enterprise
            service.resolve(s, user(ws, "tunliu"), record, rules.RULE_FREIGHT, "x")
        with pytest.raises(UsageError):
            service.resolve(s, office(ws), record, rules.RULE_WARNING, "not this rule")
        service.resolve(s, office(ws), record, rules.RULE_FREIGHT, "已约谈企业，车辆已清退")
        with pytest.raises(UsageError, match="already"):
            service.resolve(s, office(ws), record, rules.RULE_FREIGHT, "again")
    green = measure(ctx(), "gate_violations", json.dumps({"unit": "140404"}))
    assert green.ok is True and "未处理违规0起" in green.detail
    assert measure(ctx(), "gate_violations", json.dumps({"unit": "140429"})).ok is None     # no gates there


def _record(ws, plate):
    with db.session(ws.database_url) as s:
        return s.scalar(sa.select(GateRecord.id).where(GateRecord.plate == plate))


def test_road_checks_and_plate_history(ws, tmp_path):
    f = tmp_path / "checks.csv"
    f.write_text("kind,plate,time,outcome,county,location,finding\n"
                 "路检,晋D·A5001,2023-08-02 10:30,不合格,潞州区,长治北收费站,尾气超标\n"
                 "OBD,晋DA5001,2023-08-02 10:40,合格,潞州区,长治北收费站,\n"
                 "路检,晋DK5002,2023-08-02 11:00,合格,屯留区,屯留收费站,\n", encoding="utf-8")
    with db.session(ws.database_url) as s:
        assert service.import_checks(s, office(ws), f)["added"] == {"roadcheck": 2, "obd": 1}
        assert service.import_checks(s, office(ws), f)["added"] == {"roadcheck": 0, "obd": 0}
        with pytest.raises(Forbidden):
            service.import_checks(s, user(ws, "luzhou"), f)
        h = service.plate_history(s, user(ws, "luzhou"), "晋DA5001")
        assert [(c["kind"], c["outcome"]) for c in h["checks"]] == [("路检路查", "fail"), ("OBD检查", "pass")]
        assert h["failed_checks"] == 1
    bad = tmp_path / "bad_checks.csv"
    bad.write_text("kind,plate,time,outcome,county\n路检,晋DA5001,2023-08-02 10:30,合格,火星区\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2, column county"):
        with db.session(ws.database_url) as s:
            service.import_checks(s, office(ws), bad)


def test_cli(ws, tmp_path):
    app = typer.Typer()
    app.add_typer(vehicles_cli.app, name="gates")
    app.add_typer(vehicles_cli.roadcheck_app, name="roadcheck")
    run = lambda *a: runner.invoke(app, [str(x) for x in a])
    r = run("gates", "template", "--out", tmp_path / "t.csv")
    assert r.exit_code == 0 and "emission_standard · 排放阶段 · 必填" in r.output
    assert len(reader.read(tmp_path / "t.csv")) == 2
    f = csv(tmp_path, "c.csv", [f"{KEBAO},晋DB6001,重型货车,柴油,国三,2023-07-10 08:00,"])
    r = run("gates", "import", f, "--json", "-w", ws.root)
    assert r.exit_code == 0 and json.loads(r.output)["added"] == 1
    assert "1 unchanged" in run("gates", "import", f, "-w", ws.root).output
    bad = csv(tmp_path, "bad.csv", [f"{KEBAO},晋DB6001,重型货车,柴油,国9,2023-07-10 08:00,"])
    r = run("gates", "import", bad, "-w", ws.root)
    assert r.exit_code == 2 and "line 2, column emission_standard" in r.output and "Traceback" not in r.output
    r = run("gates", "freight", KEBAO, "--year", 2023, "--tonnes", 1600000, "-w", ws.root)
    assert r.exit_code == 0
    r = run("gates", "violations", "--from", "2023-07-10", "--to", "2023-07-10", "--json", "-w", ws.root)
    got = json.loads(r.output)
    assert [(x["plate"], x["rule"]) for x in got["violations"]] == [("晋DB6001", rules.RULE_FREIGHT)]
    assert run("gates", "violations", "--from", "2023-07-10", "--to", "2023-07-01", "-w", ws.root).exit_code == 2
    token = run("gates", "token", KEBAO, "-w", ws.root).stdout.strip().splitlines()[0]
    assert token.startswith("gt_")
    r = run("gates", "verify", "--enterprises", 6, "--days", 4, "--json")
    assert r.exit_code == 0 and json.loads(r.output)["precision"] >= 0.99
    checks = tmp_path / "k.csv"
    checks.write_text("kind,plate,time,outcome\nOBD,晋DB6001,2023-07-11 09:00,不合格\n", encoding="utf-8")
    r = run("roadcheck", "import", checks, "-w", ws.root)
    assert r.exit_code == 0 and "1 OBD" in r.output


def test_demo_is_labelled_idempotent_and_has_its_cases(ws):
    from lantian.vehicles.demo import LUZHOU_PLATE, demo_vehicles
    added = demo_vehicles(ws.database_url, ws.root)
    assert added > 30 and demo_vehicles(ws.database_url, ws.root) == 0
    with db.session(ws.database_url) as s:
        v = service.violations(s, office(ws), dt.date(2023, 6, 24), dt.date(2023, 6, 30))
        gates = service.silent_gates(s, office(ws), as_of=dt.date(2023, 6, 30))
        silent = {g["enterprise"] for g in gates if g["silent"]}
        assert HUAAN in silent and not silent & {HONGQI, RUICHANG, "长治示例焦化有限公司（合成数据）"}
        warned = [x for x in v["violations"] if x["rule"] == rules.RULE_WARNING]
        assert [x["plate"] for x in warned] == [LUZHOU_PLATE] and warned[0]["synthetic"]
        assert {x["plate"][:3] + x["enterprise"] for x in v["violations"] if x["rule"] == rules.RULE_FREIGHT} == {"晋DH" + HUAAN}
        assert service.plate_history(s, office(ws), LUZHOU_PLATE)["failed_checks"] == 1
