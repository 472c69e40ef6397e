"""One policy decides who may do what (issue 21 §1, issue 23 §1): the holes found by trying the demo as
an attacker, and a refusal test generated from the app's routes so that a new write route cannot escape.

The shared workspace is the session's (tests/web/conftest.py), on SQLite and on PostgreSQL."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from lantian import db
from lantian.accounts import policy
from lantian.demo import ACCOUNTS
from lantian.web.scoping import all_routes
from tests.web.conftest import bearer, page_session

PDF = b"%PDF-1.4\n% policy test\n"
ROLE_OF = {username: role for username, role, _, _ in ACCOUNTS}
DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"


@pytest.fixture(scope="module")
def tokens(client):
    return {username: bearer(client, username) for username in ROLE_OF}


@pytest.fixture(scope="module")
def letter_id(web_app):
    """A warning letter to 潞州区 (140403), the demo enterprise's county (a draft, no document yet)."""
    from lantian.assessment.models import Letter
    with db.session(web_app.state.db_url) as s:
        row = Letter(kind="warning", unit_code="140403", assessed_on=dt.date(2018, 12, 31), status="draft",
                     doc_number=None, numbers="{}", document=None, created_by="test",
                     created_at=db.now_utc())
        s.add(row)
        s.flush()
        return row.id


def upload(client, headers, entity, entity_id, name="evidence.pdf"):
    return client.post("/api/attachments", headers=headers, data={"entity": entity, "entity_id": str(entity_id)},
                       files={"file": (name, PDF, "application/pdf")})


# --------------------------------------------------------------------------- evidence files
def test_viewer_cannot_attach_files(client, tokens, letter_id):
    for entity, entity_id in (("station", "1727A"), ("letter", letter_id)):
        r = upload(client, tokens["guancha"], entity, entity_id)
        assert r.status_code == 403, (entity, r.text)


def test_enterprise_cannot_attach_to_a_station_or_its_countys_letter(client, tokens, letter_id):
    r = upload(client, tokens["qiye"], "station", "1727A")             # a station of its own county
    assert r.status_code == 403, r.text
    r = upload(client, tokens["qiye"], "letter", letter_id)
    assert r.status_code in (403, 404), r.text


def test_the_county_attaches_to_its_own_letter_and_station(client, tokens, letter_id):
    r = upload(client, tokens["luzhou"], "letter", letter_id)
    assert r.status_code == 201, r.text
    assert upload(client, tokens["luzhou"], "station", "1727A").status_code == 201
    assert upload(client, tokens["tunliu"], "letter", letter_id).status_code == 404     # not its letter


def test_no_attachment_was_stored_by_a_refused_caller(client, tokens, letter_id):
    upload(client, tokens["guancha"], "station", "1727A")
    listed = client.get("/api/attachments", params={"entity": "station", "entity_id": "1727A"},
                        headers=tokens["daqiban"]).json()
    assert not [a for a in listed if a["uploaded_by"] in ("guancha", "qiye")]


# --------------------------------------------------------------------------- letters
def test_an_enterprise_does_not_read_its_countys_letters(client, tokens, letter_id):
    assert letter_id in [x["id"] for x in client.get("/api/letters", headers=tokens["luzhou"]).json()]
    assert client.get("/api/letters", headers=tokens["qiye"]).json() == []
    assert client.get(f"/api/letters/{letter_id}/document", headers=tokens["qiye"]).status_code == 404
    r = client.get("/api/attachments", params={"entity": "letter", "entity_id": letter_id}, headers=tokens["qiye"])
    assert r.status_code == 404
    files = client.get("/api/attachments", params={"entity": "letter", "entity_id": letter_id},
                       headers=tokens["luzhou"]).json()
    for f in files:
        assert client.get(f"/api/attachments/{f['id']}", headers=tokens["qiye"]).status_code == 404


# --------------------------------------------------------------------------- 调度
def test_a_county_sees_only_its_own_dispatch_row(client, tokens):
    city = client.get("/api/plan/dispatch", headers=tokens["daqiban"]).json()
    assert len({c["code"] for c in city["counties"]}) > 1           # the board has several counties' rows
    for username, code in (("luzhou", "140403"), ("tunliu", "140405")):
        board = client.get("/api/plan/dispatch", headers=tokens[username]).json()
        codes = {c["code"] for c in board["counties"]}
        assert codes == {code}, (username, codes)
        assert code in str(board["matrix"]) and not (set(re.findall(r"1404\d\d", str(board["matrix"]))) - {code})
    assert client.get("/api/plan/dispatch", headers=tokens["qiye"]).json()["counties"] == []


# --------------------------------------------------------------------------- CSRF
def _csrf(c) -> str:
    return c.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]


def test_json_with_only_the_session_cookie_is_refused(web_app, client):
    c = page_session(web_app, "daqiban")
    before = _milestones(web_app)
    body = {"title": "CSRF 试探", "owner_kind": None, "owner_code": None}
    r = c.post("/api/plan/tasks/1/milestones", json=body)
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    r = c.post("/api/plan/tasks/1/milestones", json=body, headers={"Authorization": "Basic eDp4"})
    assert r.status_code == 403, "a non-Bearer Authorization header must not skip the CSRF check"
    assert _milestones(web_app) == before
    ok = c.post("/api/plan/tasks/1/milestones", json=body, headers={"X-CSRF-Token": _csrf(c)})
    assert ok.status_code == 201, ok.text
    assert _milestones(web_app) == before + 1
    from lantian.plan.models import Milestone
    with db.session(web_app.state.db_url) as s:                          # leave the shared plan as it was
        s.delete(s.get(Milestone, ok.json()["id"]))


def test_no_write_goes_through_with_a_foreign_authorization_header(web_app):
    c = page_session(web_app, "daqiban")
    for path, data in (("/api/alerts", {"forecast": "350,350,350"}),
                       ("/api/reduction/totals", {"pollutant": "SO2", "tonnes": "1", "source": "x"}),
                       ("/api/stations/1727A/network", {"network": "city"})):
        for headers in ({"Authorization": "Basic eDp4"}, {"Authorization": "Token abc"}, {}):
            r = c.post(path, data=data, headers=headers)
            assert r.status_code == 403, (path, headers, r.text)


def _milestones(web_app) -> int:
    from lantian.plan.models import Milestone
    with db.session(web_app.state.db_url) as s:
        return s.scalar(sa.select(sa.func.count()).select_from(Milestone))


# --------------------------------------------------------------------------- every write route, every role
def _write_routes(app):
    return [(m, r.path) for r in all_routes(app.routes) for m in sorted((getattr(r, "methods", None) or set())
                                                                        & policy.WRITE_METHODS)]


def test_every_write_route_is_in_the_policy(web_app):
    assert policy.undeclared(all_routes(web_app.routes)) == []
    assert len(_write_routes(web_app)) >= 40


def test_every_write_route_refuses_every_role_without_the_right(web_app, client, tokens):
    """Generated from the routes: for each write route and each demo role whose role has no right to
    its action in its room, the route answers 403 (or 404) and never 2xx — by bearer token, and by the
    session cookie with a valid CSRF token."""
    refused = 0
    sessions = {}
    for method, path in _write_routes(web_app):
        room, action = policy.route_rule(method, path)
        if room == "public":
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        for username, role in ROLE_OF.items():
            if policy.allows(role, action, room):
                continue
            r = client.request(method, url, headers=tokens[username], data={})
            assert r.status_code in (403, 404), (method, path, username, r.status_code, r.text[:200])
            refused += 1
            if role in ("viewer", "enterprise"):                 # the same through a signed-in page
                c = sessions.get(username) or sessions.setdefault(username, page_session(web_app, username))
                r = c.request(method, url, data={"csrf_token": _csrf(c)}, follow_redirects=False)
                assert r.status_code in (403, 404), (method, path, username, "cookie", r.status_code)
    assert refused > 100


def test_allowed_roles_reach_the_route(client, tokens):
    """The gate does not refuse a role that has the right: the route itself answers (here 422 or 404)."""
    r = client.post("/api/alerts", headers=tokens["daqiban"], data={})
    assert r.status_code == 422
    r = client.post("/api/fires/reports", headers=tokens["jiancha"], data={})
    assert r.status_code == 422


# --------------------------------------------------------------------------- the table in the docs
def test_the_access_doc_is_the_policy_printed():
    assert DOC.read_text(encoding="utf-8") == policy.access_table(), \
        "docs/access.md is out of date: `lantian access table > docs/access.md`"


def test_the_policy_answers_record_scope():
    from lantian.accounts.scope import Scope
    from lantian.accounts.service import Principal
    county = Scope(Principal(1, "luzhou", "county", county_code="140403"), "sqlite://", "140403")
    firm = Scope(Principal(2, "qiye", "enterprise", enterprise_id=7), "sqlite://", "140403")
    dept = Scope(Principal(3, "gongxin", "department", department_code="gxj"), "sqlite://", None)
    viewer = Scope(Principal(4, "guancha", "viewer"), "sqlite://", None)
    assert policy.may(county, "write", "fires", policy.Record(unit="140403"))
    assert not policy.may(county, "write", "fires", policy.Record(unit="140405"))
    assert not policy.may(county, "approve", "emergency")
    assert policy.may(firm, "write", "enterprises", policy.Record(unit="140403", enterprise_id=7))
    assert not policy.may(firm, "write", "enterprises", policy.Record(unit="140403", enterprise_id=8))
    assert policy.may(firm, "read", "monitoring", policy.Record(unit="140403"))
    assert not policy.may(firm, "read", "letters", policy.Record(unit="140403"))
    assert policy.may(dept, "write", "plan", policy.Record(department_code="gxj"))
    assert not policy.may(dept, "write", "plan", policy.Record(department_code="fgw"))
    assert policy.may(viewer, "read", "plan") and not any(
        policy.may(viewer, a, room) for room in set(policy.ROOMS) - policy.SELF_ROOMS for a in ("write", "approve"))
    assert policy.may(viewer, "write", "inbox")                        # its own inbox, and signing out


def test_the_command_line_goes_through_the_same_policy(web_app, letter_id, monkeypatch):
    """`lantian letter advance --as NAME` asks the policy as the page does (issue 23 §1)."""
    from typer.testing import CliRunner
    from lantian.cli import app
    monkeypatch.setenv("LANTIAN_DATABASE_URL", web_app.state.db_url)
    root = str(web_app.state.workspace.root)
    runner = CliRunner()
    county = runner.invoke(app, ["letter", "advance", str(letter_id), "issued", "--as", "luzhou", "-w", root])
    assert county.exit_code != 0 and "不由你的角色" in county.output
    firm = runner.invoke(app, ["letter", "advance", str(letter_id), "issued", "--as", "qiye", "-w", root])
    assert firm.exit_code != 0 and f"no letter {letter_id}" in firm.output
    with db.session(web_app.state.db_url) as s:
        from lantian.assessment.models import Letter
        assert s.get(Letter, letter_id).status == "draft"
