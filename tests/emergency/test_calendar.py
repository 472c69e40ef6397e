"""Task 2 in the emergency room — enterprises inside 市区规划区 get stricter staggered production and
emergency measures, shown on the calendar and the reduction list — and task 21's calendar as a record:
issued, delivered, acknowledged, scoped, and measured; task 20's indicator honest about having no record.
On SQLite and PostgreSQL, through the CLI and the services."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from databases import fresh_database, database_url
from lantian import db
from lantian.accounts import service as accounts
from lantian.accounts.models import User
from lantian.accounts.scope import Scope
from lantian.cli import app
from lantian.emergency.demo import demo_reduction
from lantian.enterprises.demo import demo_ledger
from lantian.emergency import seasonal, staggered
from lantian.errors import Forbidden, NotFound
from tests.web.conftest import registry_workspace

runner = CliRunner()
HONGQI = "长治市潞州区红旗水泥有限公司"          # grade B, at 113.10, 36.20 in the demo ledger (synthetic)
KEBAO = "长治市科保水泥有限公司"                 # unrated, at 113.14, 36.18
TAOQINGHE = "长治市上党区陶清河水泥有限公司"      # grade C, at 113.12, 36.14: outside the polygon below


def run(ws, *args):
    r = runner.invoke(app, [str(a) for a in args] + ["-w", str(ws.root)])
    assert r.exit_code == 0, r.output
    return r.output


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ws(request, tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp(f"calendar-{request.param}")
    with fresh_database(request.param, folder) as url:
        with database_url(url):
            w = registry_workspace(folder / "ws", data_dir)
            demo_ledger(url)
            demo_reduction(url)
            w.set_as_of(dt.date(2023, 10, 20))
            yield w


def scope_of(url: str, username: str) -> Scope:
    with db.session(url) as s:
        return Scope.of(accounts.principal(s.scalar(sa.select(User).where(User.username == username))), url)


def test_planning_area_is_stricter_on_the_calendar_and_the_reduction_list(ws, tmp_path):
    before = {r["name"]: r for r in json.loads(run(ws, "alert", "staggered", "--season", "2023", "--json"))}
    assert before[HONGQI]["planning_area"] is None and before[HONGQI]["applied_grade"] == "C"    # 20 km only
    orange = {r["name"]: r for r in json.loads(run(ws, "alert", "reduction", "--level", "orange", "--json"))["enterprises"]}
    assert orange[HONGQI]["planning_area"] is None and "市区规划区" not in orange[HONGQI]["measure"]
    zone = tmp_path / "planning-area.geojson"
    zone.write_text(json.dumps({"type": "Feature", "properties": {"name": "市区规划区（合成）"}, "geometry": {
        "type": "Polygon", "coordinates": [[[113.05, 36.15], [113.18, 36.15], [113.18, 36.25], [113.05, 36.25],
                                            [113.05, 36.15]]]}}, ensure_ascii=False), encoding="utf-8")
    run(ws, "registers", "zone", "import", "planning_area", zone, "--synthetic")
    after = {r["name"]: r for r in json.loads(run(ws, "alert", "staggered", "--season", "2023", "--json"))}
    assert after[HONGQI]["planning_area"] is True and after[HONGQI]["applied_grade"] == "D"      # B → C → D
    assert after[HONGQI]["measure"] == "错峰期间全时段停产" and any("市区规划区" in n for n in after[HONGQI]["notes"])
    assert after[TAOQINGHE]["planning_area"] is False and after[TAOQINGHE]["applied_grade"] == "D"   # C, near: D
    assert after["沁县华安焦化有限公司"]["planning_area"] is None                                      # no location
    orange = json.loads(run(ws, "alert", "reduction", "--level", "orange", "--json"))
    rows = {r["name"]: r for r in orange["enterprises"]}
    assert rows[HONGQI]["planning_area"] is True and "市区规划区内，按C级从严执行" in rows[HONGQI]["measure"]
    assert rows[TAOQINGHE]["planning_area"] is False and "市区规划区" not in rows[TAOQINGHE]["measure"]
    assert orange["planning_area"] == "市区规划区（合成）"
    steel = [{"id": 1, "name": "x", "county": None, "industry": "钢铁", "grade": "A", "lon": 113.116, "lat": 36.195}]
    assert seasonal.staggered_plan(steel, 2023, None, planning_area={1})[0].applied_grade == "C"   # A → B → C
    two = seasonal.staggered_plan(steel, 2023, {"emergency": {"staggered": {"planning_area_steps": 2}}},
                                  planning_area={1})
    assert two[0].applied_grade == "D"            # ⚠ planning_area_steps = 2: A → B (20 km) → C → D


def test_the_calendar_is_issued_acknowledged_scoped_and_measured(ws):
    from lantian.emergency.indicators import _staggered_calendar
    from lantian.plan.indicators import Context
    url = ws.database_url
    ctx = lambda day: Context(url, None, None, day, ws.config)  # noqa: E731
    assert _staggered_calendar(ctx(dt.date(2023, 10, 20)), {}).ok is None
    out = run(ws, "alert", "staggered", "--season", "2023", "--issue", "--on", "2023-10-20")
    assert "calendar" in out and ".docx" in out
    [cal] = json.loads(run(ws, "alert", "calendars", "--json"))
    assert cal["listed"] == 10 and cal["acknowledged"] == 0 and cal["ack_deadline"] == "2023-10-27"
    assert (ws.root / cal["document"]).is_file()
    assert _staggered_calendar(ctx(dt.date(2023, 10, 27)), {}).ok is None          # still time to acknowledge
    late = _staggered_calendar(ctx(dt.date(2023, 10, 28)), {})
    assert late.ok is False and late.value == "0/10"
    run(ws, "alert", "calendar-ack", cal["id"], "--as", "qiye")
    luzhou, tunliu = scope_of(url, "luzhou"), scope_of(url, "tunliu")
    with db.session(url) as s:
        hongqi = next(e["enterprise_id"] for e in cal["enterprises"] if e["name"] == HONGQI)
        with pytest.raises(NotFound):
            staggered.acknowledge(s, tunliu, cal["id"], hongqi)                     # not 屯留区's
        staggered.receive(s, luzhou, cal["id"], hongqi)
        with pytest.raises(Forbidden):
            staggered.acknowledge(s, Scope.office(url), cal["id"], hongqi)         # the office does not sign
        mine = staggered.detail(s, scope_of(url, "qiye"), cal["id"])
        county = staggered.detail(s, luzhou, cal["id"])
    assert [e["acknowledged_by"] for e in mine["enterprises"]] == ["qiye"] and mine["document"] is None
    assert {e["county"] for e in county["enterprises"]} == {"140403"}
    got = {e["name"]: e for e in json.loads(run(ws, "alert", "calendars", "--json"))[0]["enterprises"]}
    assert got[HONGQI]["received_by"] == "luzhou" and got[HONGQI]["acknowledged_at"] is None
    with db.session(url) as s:
        for e in cal["enterprises"]:
            if e["name"] != "长治示例焦化有限公司（合成数据）":
                county_user = {"140403": luzhou, "140405": tunliu}.get(e["county"])
                staggered.acknowledge(s, county_user or _county_scope(s, url, e["county"]), cal["id"], e["enterprise_id"])
    done = _staggered_calendar(ctx(dt.date(2023, 10, 28)), {})
    assert done.ok is True and done.value == "10/10"


def _county_scope(s, url, county: str) -> Scope:
    name = f"county{county}"
    user = s.scalar(sa.select(User).where(User.username == name))
    if user is None:
        user = accounts.add_user(s, name, "lantian-test", "county", county=county, actor="test")
    return Scope.of(accounts.principal(user), url)


def test_task20_has_no_ozone_response_record_yet(ws):
    """No ozone response is recorded anywhere yet: the indicator says so (no data), never green."""
    from lantian.emergency import service
    from lantian.emergency.indicators import _ozone_response
    from lantian.plan.indicators import Context
    with db.session(ws.database_url) as s:
        assert service.ozone_response_records(s, dt.date(2023, 1, 1), dt.date(2023, 12, 31)) == []
    m = _ozone_response(Context(ws.database_url, None, None, dt.date(2023, 8, 1), ws.config), {})
    assert m.ok is None and "无臭氧污染应急响应记录" in m.detail


def test_task20_measures_records_when_they_exist(ws, monkeypatch):
    """What the indicator makes of records, once the ozone response record exists (fed here through the
    function the record will fill)."""
    from lantian.emergency import service
    from lantian.emergency.indicators import _ozone_response
    from lantian.plan.indicators import Context
    rec = service.OzoneResponseRecord(dt.date(2023, 6, 20), (dt.date(2023, 6, 21), dt.date(2023, 6, 22)), 10, 10, 8, 8)
    monkeypatch.setattr(service, "ozone_response_records", lambda s, start, end: [rec])
    ctx = Context(ws.database_url, None, None, dt.date(2023, 8, 1), ws.config)
    m = _ozone_response(ctx, {})
    assert m.ok is True and m.value == "8/8" and "2天" in m.detail
    monkeypatch.setattr(service, "ozone_response_records",
                        lambda s, start, end: [rec, service.OzoneResponseRecord(dt.date(2023, 7, 1),
                                                                                (dt.date(2023, 7, 2),), 10, 9, 10, 9)])
    m = _ozone_response(ctx, {})
    assert m.ok is False and m.value == "17/18"
