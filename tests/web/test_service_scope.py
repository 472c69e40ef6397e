"""Every room's service takes the caller's Scope and enforces it (issue 23 §1): a county's scope reads
only its county's records and cannot change another county's — asked of the services themselves, not
of the routes — and the route and the CLI (``--as``) reach the same service call with the same scope.

The shared workspace is the session's (tests/web/conftest.py), on SQLite and on PostgreSQL; every
write here is rolled back."""
from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

from lantian import db
from lantian.errors import Forbidden, NotFound
from lantian.terminal import acting_scope
from tests.web.conftest import bearer

LUZHOU, TUNLIU = "140403", "140405"


class _Undo(Exception):
    pass


@contextmanager
def scratch(url):
    """A session whose changes are rolled back at the end (the shared workspace stays as it was)."""
    try:
        with db.session(url) as s:
            yield s
            raise _Undo
    except _Undo:
        pass


@pytest.fixture(scope="module")
def scopes(web_app):
    url = web_app.state.db_url
    return {name: acting_scope(url, name) for name in ("luzhou", "tunliu", "qiye", "daqiban")} | \
        {"office": acting_scope(url, None)}


class Spy:
    """Wraps a service function: records the scope of every call (whoever calls it: route or CLI)."""

    def __init__(self, monkeypatch, module, name: str, position: int = 1):
        self.calls: list = []
        self.original = getattr(module, name)
        self.position = position
        monkeypatch.setattr(module, name, self)

    def __call__(self, *args, **kwargs):
        scope = kwargs["scope"] if "scope" in kwargs else args[self.position]
        self.calls.append((scope.who.username, scope.unit))
        return self.original(*args, **kwargs)


def cli(web_app, monkeypatch, *args: str):
    from lantian.cli import app
    monkeypatch.setenv("LANTIAN_DATABASE_URL", web_app.state.db_url)
    r = CliRunner().invoke(app, [*args, "-w", str(web_app.state.workspace.root)])
    return r


# --------------------------------------------------------------------------- emergency
def test_emergency_reads_are_confined_to_the_county(web_app, scopes):
    from lantian.emergency import service
    with db.session(web_app.state.db_url) as s:
        for name, unit in (("luzhou", LUZHOU), ("tunliu", TUNLIU)):
            calendar = service.staggered(s, scopes[name], 2022)
            assert calendar and {r["county"] for r in calendar} == {unit}, name
            schedule = service.ozone(s, scopes[name], dt.date(2023, 6, 20), [180, 220])["schedule"]
            assert {r["county"] for r in schedule} <= {unit}, name
            with pytest.raises(NotFound):                      # the reduction list names every enterprise
                service.reduction(s, scopes[name], "orange", 2023)
        city = service.staggered(s, scopes["office"], 2022)
        assert {LUZHOU, TUNLIU} <= {r["county"] for r in city}
        firm = service.staggered(s, scopes["qiye"], 2022)
        assert {r["enterprise_id"] for r in firm} <= {scopes["qiye"].who.enterprise_id}
        assert service.reduction(s, scopes["office"], "orange", 2023)["enterprises"]


def test_emergency_writes_refuse_another_countys_record(web_app, scopes, tmp_path):
    from lantian.emergency import ozone, service, staggered
    lz, tl, office = scopes["luzhou"], scopes["tunliu"], scopes["office"]
    with scratch(web_app.state.db_url) as s:
        with pytest.raises(Forbidden, match="市大气办录入"):
            service.set_total(s, 2023, "SO2", "1", "x", scope=lz)
        with pytest.raises(Forbidden, match="市大气办发布"):
            service.issue(s, tmp_path, lz, [350, 350], "2024", start=dt.date(2023, 6, 20))
        cal = staggered.issue(s, None, office, 2023, on=dt.date(2023, 10, 20))
        line = next(r for r in staggered.detail(s, office, cal.id)["enterprises"] if r["county"] == LUZHOU)
        with pytest.raises(NotFound):                          # 屯留区 cannot sign for 潞州区's enterprise
            staggered.acknowledge(s, tl, cal.id, line["enterprise_id"])
        assert staggered.receive(s, lz, cal.id, line["enterprise_id"]) == "received"
        response = ozone.issue(s, tmp_path, office, dt.date(2023, 6, 20), [180, 220])
        measure = next(m for m in ozone.detail(s, office, response.id)["measures"]
                       if m["kind"] == "enterprise" and m["county"] == LUZHOU)
        with pytest.raises(NotFound):
            ozone.verify(s, tl, response.id, measure["id"], True, "scope test")
        assert ozone.verify(s, lz, response.id, measure["id"], True, "scope test").complied
        with pytest.raises(Forbidden):
            ozone.lift(s, lz, response.id)


def test_emergency_route_and_cli_make_the_same_call(web_app, client, monkeypatch):
    from lantian.emergency import service
    spy = Spy(monkeypatch, service, "ozone")
    page = client.get("/api/ozone?forecast_o3=180,220&start=2023-06-20", headers=bearer(client, "luzhou")).json()
    r = cli(web_app, monkeypatch, "alert", "ozone", "--forecast-o3", "180,220", "--start", "2023-06-20", "--json",
            "--as", "luzhou")
    assert r.exit_code == 0, r.output
    assert spy.calls == [("luzhou", LUZHOU), ("luzhou", LUZHOU)]
    assert json.loads(r.output)["schedule"] == page["schedule"]
    refused = cli(web_app, monkeypatch, "reduction", "total", "SO2", "1", "--source", "x", "--as", "luzhou")
    assert refused.exit_code != 0 and "市大气办录入" in refused.output


# --------------------------------------------------------------------------- plan
def test_plan_reads_are_confined_to_the_county(web_app, scopes):
    from lantian.plan import service
    with db.session(web_app.state.db_url) as s:
        name, rows = service.county_subtasks(s, scopes["luzhou"], LUZHOU, None)
        assert name == "潞州区" and rows
        for other in (TUNLIU,):
            with pytest.raises(NotFound):
                service.county_subtasks(s, scopes["luzhou"], other, None)
        with pytest.raises(NotFound):
            service.county_subtasks(s, scopes["qiye"], LUZHOU, None)      # an enterprise has no county page
        assert service.county_subtasks(s, scopes["office"], TUNLIU, None)[1]
        with pytest.raises(NotFound):
            service.department_tasks(s, scopes["luzhou"], "gxj", None)
        _, tasks = service.tasks(s, scopes["luzhou"], None)
        mine = {m["task_id"] for m in rows}
        assert tasks and {t["id"] for t in tasks} == mine              # the tasks it holds a sub-task of


def test_plan_writes_refuse_another_countys_record(web_app, scopes, tmp_path):
    import sqlalchemy as sa
    from lantian.plan import service
    from lantian.plan.models import Milestone
    lz, tl = scopes["luzhou"], scopes["tunliu"]
    with scratch(web_app.state.db_url) as s:
        theirs = s.scalars(sa.select(Milestone).where(Milestone.owner_kind == "county", Milestone.owner_code == LUZHOU)
                           .order_by(Milestone.id)).first()
        ours = s.scalar(sa.select(Milestone).where(Milestone.task_id == theirs.task_id, Milestone.owner_kind == "county",
                                                   Milestone.owner_code == TUNLIU))
        assert ours is not None                                 # 屯留区 sees the task through its own sub-task …
        with pytest.raises(Forbidden):                          # … but cannot report on 潞州区's
            service.add_report(s, tmp_path, tl, theirs.task_id, "越权报送", as_of=dt.date(2023, 6, 30),
                               milestone_id=theirs.id, percent=100)
        assert service.add_report(s, tmp_path, lz, theirs.task_id, "本县区报送", as_of=dt.date(2023, 6, 30),
                                  milestone_id=theirs.id, percent=10).id
        with pytest.raises(Forbidden, match="市大气办"):
            service.add_milestone(s, lz, theirs.task_id, "县区自设节点")


def test_plan_route_and_cli_make_the_same_call(web_app, client, monkeypatch):
    from lantian.plan import service
    spy = Spy(monkeypatch, service, "county_subtasks")
    page = client.get(f"/api/plan/counties/{LUZHOU}", headers=bearer(client, "luzhou")).json()
    r = cli(web_app, monkeypatch, "plan", "status", "--county", LUZHOU, "--json", "--as", "luzhou")
    assert r.exit_code == 0, r.output
    assert spy.calls == [("luzhou", LUZHOU), ("luzhou", LUZHOU)]
    assert [x["id"] for x in json.loads(r.output)] == [x["id"] for x in page]
    assert client.get(f"/api/plan/counties/{TUNLIU}", headers=bearer(client, "luzhou")).status_code == 404
    refused = cli(web_app, monkeypatch, "plan", "status", "--county", TUNLIU, "--json", "--as", "luzhou")
    assert refused.exit_code != 0 and "no such county" in refused.output


# --------------------------------------------------------------------------- registers
def _county_rows(s, scope):
    """(register, row) of every register row the scope lists, by the service."""
    from lantian.registers import service
    on = dt.date(2023, 6, 30)
    return [(reg.id, row) for reg in service.visible_registers(scope) if reg.county != "none"
            for row in service.listing(s, scope, reg.id, on)["rows"]]


def test_registers_reads_are_confined_to_the_county(web_app, scopes):
    from lantian.registers import service
    with db.session(web_app.state.db_url) as s:
        mine = _county_rows(s, scopes["luzhou"])
        assert mine and {row["county"] for _, row in mine} == {LUZHOU}
        city = _county_rows(s, scopes["office"])
        assert len({row["county"] for _, row in city}) > 1
        assert service.zone_list(s, scopes["luzhou"]) == [] and service.zone_list(s, scopes["office"])
        assert service.may_import(scopes["luzhou"], service.registers()[mine[0][0]])
        assert not service.may_import(scopes["qiye"], service.registers()[mine[0][0]])


def test_registers_writes_refuse_another_countys_record(web_app, scopes, tmp_path):
    from lantian.registers import service
    pdf = b"%PDF-1.4\n% scope test\n"
    with scratch(web_app.state.db_url) as s:
        register, theirs = next((r, row) for r, row in _county_rows(s, scopes["office"]) if row["county"] == LUZHOU)
        with pytest.raises(NotFound):                      # 屯留区 does not see 潞州区's row, let alone attach to it
            service.attach(s, tmp_path, scopes["tunliu"], register, tmp_path / "x.pdf", actor="tunliu",
                           row_id=theirs["id"], data=pdf)
        assert not service.may_write(scopes["tunliu"], service.registers()[register], LUZHOU)
        assert service.may_write(scopes["luzhou"], service.registers()[register], LUZHOU)
        done = service.attach(s, tmp_path, scopes["luzhou"], register, tmp_path / "x.pdf", actor="luzhou",
                              row_id=theirs["id"], data=pdf)
        assert done
        with pytest.raises(Forbidden, match="市大气办"):
            service.import_zone(s, scopes["luzhou"], "test_zone", tmp_path / "z.geojson", actor="luzhou",
                                data={"type": "Polygon", "coordinates": [[[113, 36], [113.1, 36], [113, 36.1], [113, 36]]]})


def test_registers_route_and_cli_make_the_same_call(web_app, client, monkeypatch):
    from lantian.registers import service
    spy = Spy(monkeypatch, service, "overview")
    page = client.get("/api/registers", headers=bearer(client, "luzhou")).json()
    r = cli(web_app, monkeypatch, "registers", "list", "--json", "--as", "luzhou")
    assert r.exit_code == 0, r.output
    assert spy.calls == [("luzhou", LUZHOU), ("luzhou", LUZHOU)]
    assert {x["id"]: x["rows"] for x in json.loads(r.output)} == {x["id"]: x["rows"] for x in page}


# --------------------------------------------------------------------------- enterprises (ledgers)
def test_enterprise_reads_are_confined_to_the_county(web_app, scopes):
    from lantian.enterprises import service
    with db.session(web_app.state.db_url) as s:
        mine = service.visible_enterprises(s, scopes["luzhou"])
        assert mine and {e.county_code for e in mine} == {LUZHOU}
        city = service.visible_enterprises(s, scopes["office"])
        theirs = next(e for e in city if e.county_code == TUNLIU)
        with pytest.raises(NotFound):
            service.enterprise(s, scopes["luzhou"], theirs.id)
        assert [e.id for e in service.visible_enterprises(s, scopes["qiye"])] == [scopes["qiye"].who.enterprise_id]
        erows, _, crows = service.export_rows(s, scopes["luzhou"])
        assert len(erows) == len(mine) and crows == []
        assert all(c["county"] == "潞州区" for c in service.clusters(s, scopes["luzhou"]))


def test_enterprise_writes_refuse_another_countys_record(web_app, scopes, tmp_path):
    from lantian.enterprises import service
    firm = scopes["qiye"].who.enterprise_id                 # an enterprise of 潞州区
    with scratch(web_app.state.db_url) as s:
        application = service.apply_grade(s, tmp_path, scopes["qiye"], firm, "B", "治理设施升级（测试）")
        with pytest.raises(NotFound):                       # 屯留区 does not review 潞州区's enterprise
            service.county_review(s, scopes["tunliu"], application.id, approve=True)
        with pytest.raises(NotFound):
            service.save_facility(s, scopes["tunliu"], firm, "production", {"name": "越权"})
        with pytest.raises(Forbidden):                      # its own county reviews, but does not edit directly
            service.save_facility(s, scopes["luzhou"], firm, "production", {"name": "越权"})
        with pytest.raises(Forbidden, match="市大气办"):
            service.require_import(scopes["luzhou"])
        assert service.county_review(s, scopes["luzhou"], application.id, approve=True).state != "submitted"


def test_enterprise_route_and_cli_make_the_same_call(web_app, client, monkeypatch, tmp_path):
    from lantian.enterprises import service
    spy = Spy(monkeypatch, service, "export_rows")
    assert client.get("/api/ledger/export", headers=bearer(client, "luzhou")).status_code == 200
    r = cli(web_app, monkeypatch, "ledger", "export", str(tmp_path / "ledger.xlsx"), "--as", "luzhou")
    assert r.exit_code == 0, r.output
    assert spy.calls == [("luzhou", LUZHOU), ("luzhou", LUZHOU)]
    refused = cli(web_app, monkeypatch, "ledger", "import", str(tmp_path / "ledger.xlsx"), "--as", "luzhou")
    assert refused.exit_code != 0 and "市大气办" in refused.output


# --------------------------------------------------------------------------- fires
def test_fire_reads_are_confined_to_the_county(web_app, scopes):
    from lantian.fires import service
    with db.session(web_app.state.db_url) as s:
        city = service.cases(s, scopes["office"])
        assert {LUZHOU, TUNLIU} <= {c["county"] for c in city}
        mine = service.cases(s, scopes["luzhou"])
        assert mine and {c["county"] for c in mine} == {LUZHOU}
        theirs = next(c for c in city if c["county"] == TUNLIU)
        with pytest.raises(NotFound):
            service.case_detail(s, scopes["luzhou"], theirs["id"])
        assert service.cases(s, scopes["qiye"]) == []
        with pytest.raises(NotFound):
            service.statistics(s, scopes["qiye"], 2022)
        assert set(service.visible_county_names(s, scopes["luzhou"])) == {LUZHOU}
        assert {c["county"] for c in service.calendar(s, scopes["luzhou"])} <= {LUZHOU}


def test_fire_writes_refuse_another_countys_record(web_app, scopes):
    from lantian.fires import service
    with scratch(web_app.state.db_url) as s:
        theirs = next(c for c in service.cases(s, scopes["office"]) if c["county"] == TUNLIU)
        with pytest.raises(NotFound):
            service.record_finding(s, scopes["luzhou"], theirs["id"], "straw", note="越权")
        with pytest.raises(Forbidden):
            service.set_figures(s, scopes["luzhou"], TUNLIU, 2022, farmland_ha="1")
        with pytest.raises(Forbidden):
            service.add_calendar(s, scopes["luzhou"], TUNLIU, "rain", dt.date(2023, 6, 1))
        assert service.set_figures(s, scopes["tunliu"], TUNLIU, 2022, farmland_ha="1")
        assert service.record_finding(s, scopes["tunliu"], theirs["id"], "straw", note="本县区核查")["finding"]


def test_fire_route_and_cli_make_the_same_call(web_app, client, monkeypatch):
    from lantian.fires import service
    spy = Spy(monkeypatch, service, "cases")
    page = client.get("/api/fires", headers=bearer(client, "luzhou")).json()
    r = cli(web_app, monkeypatch, "fires", "list", "--json", "--as", "luzhou")
    assert r.exit_code == 0, r.output
    assert spy.calls == [("luzhou", LUZHOU), ("luzhou", LUZHOU)]
    assert [c["id"] for c in json.loads(r.output)] == [c["id"] for c in page]
    refused = cli(web_app, monkeypatch, "fires", "figures", TUNLIU, "2022", "--farmland-ha", "1", "--as", "luzhou")
    assert refused.exit_code != 0 and "140405 不是本县区" in refused.output


# --------------------------------------------------------------------------- vehicles (gates)
def county_scope(url, code: str):
    from lantian.accounts.scope import Scope
    from lantian.accounts.service import Principal
    return Scope(Principal(0, f"county-{code}", "county", county_code=code), url, code)


def _gate_violation(s, office):
    from lantian.vehicles import service
    found = service.violations(s, office, dt.date(2023, 6, 24), dt.date(2023, 6, 30))
    return found, next(v for v in found["violations"] if v["resolved"] is None)


def test_gate_reads_are_confined_to_the_county(web_app, scopes):
    from lantian.vehicles import service
    url = web_app.state.db_url
    with db.session(url) as s:
        city, v = _gate_violation(s, scopes["office"])
        county = next(r["county"] for r in city["by_enterprise"] if r["enterprise_id"] == v["enterprise_id"])
        own = service.violations(s, county_scope(url, county), dt.date(2023, 6, 24), dt.date(2023, 6, 30))
        assert own["by_enterprise"] and {r["county"] for r in own["by_enterprise"]} == {county}
        other = TUNLIU if county != TUNLIU else LUZHOU
        elsewhere = service.violations(s, county_scope(url, other), dt.date(2023, 6, 24), dt.date(2023, 6, 30))
        assert v["enterprise_id"] not in {r["enterprise_id"] for r in elsewhere["by_enterprise"]}
        firm = service.violations(s, scopes["qiye"], dt.date(2023, 6, 24), dt.date(2023, 6, 30))
        assert {r["enterprise_id"] for r in firm["by_enterprise"]} <= {scopes["qiye"].who.enterprise_id}


def test_gate_writes_refuse_another_countys_record(web_app, scopes, tmp_path):
    from lantian.vehicles import service
    url = web_app.state.db_url
    with scratch(url) as s:
        city, v = _gate_violation(s, scopes["office"])
        county = next(r["county"] for r in city["by_enterprise"] if r["enterprise_id"] == v["enterprise_id"])
        other = TUNLIU if county != TUNLIU else LUZHOU
        with pytest.raises(NotFound):
            service.resolve(s, county_scope(url, other), v["record_id"], v["rule"], "越权处理")
        with pytest.raises(Forbidden, match="市大气办录入"):
            service.set_freight(s, county_scope(url, county), str(v["enterprise_id"]), 2023, "1", rail_open=None)
        with pytest.raises(Forbidden, match="执法人员导入"):
            service.import_checks(s, county_scope(url, county), tmp_path / "checks.csv")
        assert service.resolve(s, county_scope(url, county), v["record_id"], v["rule"], "本县区查处").id


def test_gate_route_and_cli_make_the_same_call(web_app, client, monkeypatch):
    from lantian.vehicles import service
    spy = Spy(monkeypatch, service, "violations")
    page = client.get("/api/gates/violations?from=2023-06-24&to=2023-06-30", headers=bearer(client, "luzhou")).json()
    r = cli(web_app, monkeypatch, "gates", "violations", "--from", "2023-06-24", "--to", "2023-06-30", "--json",
            "--as", "luzhou")
    assert r.exit_code == 0, r.output
    assert spy.calls == [("luzhou", LUZHOU), ("luzhou", LUZHOU)]
    assert json.loads(r.output)["by_enterprise"] == page["by_enterprise"]
    refused = cli(web_app, monkeypatch, "gates", "token", "1", "--as", "luzhou")
    assert refused.exit_code != 0 and "市大气办签发" in refused.output


# --------------------------------------------------------------------------- dust fall
def test_dustfall_bulletin_is_published_and_imports_are_the_offices(web_app, scopes, tmp_path):
    """The monthly bulletin is published: a county reads every county's rank (its own highlighted on the
    page), through the policy's ``read``; only the office imports (``write``)."""
    from lantian.dustfall import service
    with scratch(web_app.state.db_url) as s:
        city = service.bulletin(s, "2021-10", scope=scopes["office"])
        assert service.bulletin(s, "2021-10", scope=scopes["luzhou"]) == city and len(city["counties"]) > 1
        csv = tmp_path / "dust.csv"
        csv.write_text("period,county,value\n2021-11,潞州区,5.0\n", encoding="utf-8")
        with pytest.raises(Forbidden, match="市大气办导入"):
            service.import_file(s, csv, period=None, scope=scopes["luzhou"])
        assert service.import_file(s, csv, period=None, scope=scopes["office"])["rows"] == 1


def test_dustfall_route_and_cli_make_the_same_call(web_app, client, monkeypatch, tmp_path):
    from lantian.dustfall import service
    spy = Spy(monkeypatch, service, "bulletin")
    page = client.get("/api/dustfall/bulletin?period=2021-10", headers=bearer(client, "luzhou")).json()
    r = cli(web_app, monkeypatch, "dustfall", "bulletin", "--period", "2021-10", "--json", "--as", "luzhou")
    assert r.exit_code == 0, r.output
    assert spy.calls == [("luzhou", LUZHOU), ("luzhou", LUZHOU)]
    assert json.loads(r.output) == page
    csv = tmp_path / "dust.csv"
    csv.write_text("period,county,value\n2021-11,潞州区,5.0\n", encoding="utf-8")
    refused = cli(web_app, monkeypatch, "dustfall", "import", str(csv), "--as", "luzhou")
    assert refused.exit_code != 0 and "市大气办导入" in refused.output
