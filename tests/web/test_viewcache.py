"""Heavy views computed once per data version (issue 21 §3, lantian.web.viewcache): reused between
requests, never handed to another scope, and recomputed after any write — by the app, or by another
process writing the database (the CLI) — on SQLite and PostgreSQL."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from databases import KINDS, fresh_database, database_url
from lantian import db
from lantian.plan.demo import demo_plan
from lantian.web.viewcache import ViewCache, data_version
from tests.web.conftest import bearer, registry_workspace


@pytest.fixture(scope="module", params=KINDS)
def plan_app(request, tmp_path_factory, data_dir):
    """A workspace with the registry, an account per role and the plan (no measurements)."""
    from lantian.web.app import create_app
    folder = tmp_path_factory.mktemp(f"viewcache-{request.param}")
    with fresh_database(request.param, folder) as url:
        with database_url(url):
            ws = registry_workspace(folder / "ws", data_dir)
            demo_plan(ws.database_url, data_dir)
            app = create_app(folder / "ws")
        yield app


def _milestones(client, headers) -> dict[int, int]:
    r = client.get("/api/plan/tasks", headers=headers)
    assert r.status_code == 200, r.text
    return {t["number"]: t["milestones"] for t in r.json()}


def test_scoped_by_principal(plan_app):
    client = TestClient(plan_app)
    office, firm, county = bearer(client, "daqiban"), bearer(client, "qiye"), bearer(client, "luzhou")
    assert sorted(_milestones(client, office)) == list(range(1, 27))
    # the city's answer is cached now: the enterprise still gets its own sub-task of task 5 only
    assert sorted(_milestones(client, firm)) == [5]
    assert sorted(_milestones(client, office)) == list(range(1, 27))
    assert sorted(_milestones(client, firm)) == [5]
    # a county's count of task 13's milestones is its own sub-tasks', not the city's
    assert _milestones(client, county)[13] < _milestones(client, office)[13]


def test_reused_until_a_write_then_recomputed(plan_app):
    client = TestClient(plan_app)
    office = bearer(client, "daqiban")
    views = plan_app.state.views
    before = _milestones(client, office)
    url = plan_app.state.db_url
    hits = views.hits
    assert _milestones(client, office) == before and views.hits == hits + 1
    r = client.post("/api/plan/tasks/7/milestones", headers=office, json={"title": "缓存测试节点", "due": "2023-12-31"})
    assert r.status_code == 201, r.text
    assert _milestones(client, office)[7] == before[7] + 1          # the app's own write
    # a write by another process (the CLI): the next answer sees it (PostgreSQL: once the commit's
    # notification has arrived, which takes milliseconds)
    code = ("import sqlalchemy as sa; from lantian import db; from lantian.plan.models import Milestone\n"
            f"with db.session({url!r}) as s: s.execute(sa.delete(Milestone).where(Milestone.title == '缓存测试节点'))")
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    deadline = time.monotonic() + 2
    while _milestones(client, office) != before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _milestones(client, office) == before


def test_the_marker_moves_with_every_committed_write(plan_app):
    url = plan_app.state.db_url
    from lantian.accounts.models import User
    first = data_version(url)
    with db.session(url) as s:
        s.execute(sa.update(User).where(User.username == "guancha").values(display_name="只读（改）"))
    second = data_version(url)
    assert second != first
    with db.session(url) as s:
        s.execute(sa.update(User).where(User.username == "guancha").values(display_name="只读"))
    assert data_version(url) not in (first, second)
    time.sleep(0.2)                              # (PostgreSQL: the notifications of the writes above)
    third = data_version(url)
    with db.session(url) as s:                   # a read leaves it alone
        s.execute(sa.select(User)).all()
    time.sleep(0.2)
    assert data_version(url) == third


def test_one_computation_for_concurrent_misses():
    cache, calls = ViewCache(size=4), []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return {"answer": 42}
    out = []
    threads = [threading.Thread(target=lambda: out.append(cache.get(("k",), slow))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and out == [{"answer": 42}] * 8 and cache.hits == 7
    for k in range(6):                            # bounded: the oldest keys go
        cache.get((k,), dict)
    assert len(cache._values) == 4 and ("k",) not in cache._values


def test_an_upload_is_parsed_off_the_event_loop(plan_app, monkeypatch):
    """While a slow import is parsed (here: 1.5 s of blocking work in the targets reader), the server
    answers other requests; before, the route parsed on the event loop and every request waited."""
    import asyncio

    import httpx
    from lantian.assessment import targetfile
    from lantian.web.offload import offloaded
    assert {"POST /api/targets/import", "POST /api/ledger/import", "POST /api/attachments"} <= set(offloaded(plan_app))

    def slow_read(*args, **kwargs):
        time.sleep(1.5)
        raise targetfile.TargetImportError("slow and refused", [])
    monkeypatch.setattr(targetfile, "read", slow_read)
    office = bearer(TestClient(plan_app), "daqiban")

    async def run():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=plan_app), base_url="http://t",
                                     headers=office, timeout=30) as c:
            done = {}

            async def upload():
                r = await c.post("/api/targets/import", files={"file": ("t.csv", b"unit,year\n", "text/csv")})
                done["upload"] = (time.perf_counter(), r.status_code)

            async def read():
                await asyncio.sleep(0.3)             # the upload is being parsed by now
                r = await c.get("/api/me")
                done["read"] = (time.perf_counter(), r.status_code)
            await asyncio.gather(upload(), read())
            return done
    done = asyncio.run(run())
    assert done["read"][1] == 200 and done["upload"][1] == 422
    assert done["read"][0] < done["upload"][0] - 0.5
