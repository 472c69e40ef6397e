"""A small real workspace for the web tests: the registry with Changzhi's counties, Changzhi's 2019
year in the store, an account per role — on SQLite and on the real PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from databases import fresh_database, database_url
from lantian import db
from lantian.demo import PASSWORD, demo_accounts
from lantian.dustfall.demo import demo_dustfall
from lantian.emergency.demo import demo_reduction
from lantian.enterprises.demo import demo_ledger
from lantian.plan.demo import demo_plan
from lantian.fires.demo import demo_fires
from lantian.registers.demo import demo_registers
from lantian.bulletins.demo import demo_bulletin
from lantian.vehicles.demo import demo_vehicles
from lantian.measurements import stations as registry
from lantian.measurements.importer import import_files
from lantian.workspace import init


def registry_workspace(root, data_dir):
    """A workspace with the station registry, Changzhi's counties and an account per role (no data)."""
    ws = init(root)
    db.upgrade(ws.database_url)
    registry.import_stations(ws.database_url, data_dir / "cnemc" / "stations" / "NewSiteList_utf8.csv",
                             boundaries=data_dir / "boundaries" / "140400_full.json", changed_by="test")
    demo_accounts(ws.database_url)
    return ws


def build_workspace(root, data_dir):
    ws = registry_workspace(root, data_dir)
    demo_plan(ws.database_url, data_dir)                # the seed plan and the labelled demo sub-tasks
    demo_ledger(ws.database_url)                        # task 5's enterprises, synthetic facilities
    demo_registers(ws.database_url, data_dir)           # the registers of tasks 1–26, synthetic rows
    demo_reduction(ws.database_url)                     # the reduction list, synthetic emissions
    demo_dustfall(ws.database_url, data_dir)            # Changzhi's published October 2021 dust fall
    demo_fires(ws.database_url, data_dir)               # real FIRMS points (May 2022) and synthetic reports
    demo_vehicles(ws.database_url, ws.root)             # synthetic gates, freight profiles and gate days
    import_files(ws.measurements, "cnemc", [data_dir / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"])
    demo_bulletin(ws)                                   # January 2019's bulletin sections, labelled 演示数据
    ws.set_as_of(dt.date(2023, 6, 30))
    return ws


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def web_app(request, tmp_path_factory, data_dir):
    """The app of a fresh workspace, once per database kind."""
    from lantian.web.app import create_app
    folder = tmp_path_factory.mktemp(f"web-{request.param}")
    with fresh_database(request.param, folder) as url:
        with database_url(url):
            build_workspace(folder / "ws", data_dir)
            app = create_app(folder / "ws")
        yield app


@pytest.fixture(scope="session")
def client(web_app):
    return TestClient(web_app)


def bearer(client, username: str) -> dict:
    r = client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def page_session(web_app, username: str) -> TestClient:
    """A browser-like client signed in through the login form (cookie session + CSRF)."""
    c = TestClient(web_app)
    form = c.get("/login")
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = c.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    return c
