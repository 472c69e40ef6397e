"""A workspace with Changzhi's counties and its 2019 year in the store (the real CNEMC archive), on
SQLite; and, for the pages, the same store under a fresh workspace on SQLite and on PostgreSQL with
a stored forecast of the city and its counties. Built once per session."""
from __future__ import annotations

import datetime as dt
import shutil
from types import SimpleNamespace

import pytest

from databases import KINDS, fresh_database, database_url
from lantian.accounts.scope import Scope
from lantian.measurements.importer import import_files
from tests.web.conftest import registry_workspace

CITY, LUZHOU = "140400", "140403"
BASE = dt.date(2019, 12, 28)


def national_workspace(root, data_dir, files) -> None:
    """A fresh workspace at ``root`` as an office would make one: ``lantian init``, the national site
    list, then ``files`` of the national feed (``import cnemc --lenient``)."""
    from typer.testing import CliRunner
    from lantian.cli import app
    runner = CliRunner()
    assert runner.invoke(app, ["init", str(root)]).exit_code == 0
    r = runner.invoke(app, ["import", "stations", str(data_dir / "cnemc" / "stations" / "NewSiteList_utf8.csv"),
                            "-w", str(root)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["import", "cnemc", "--lenient", *map(str, files), "-w", str(root)])
    assert r.exit_code == 0, r.output


@pytest.fixture(scope="session")
def changzhi(tmp_path_factory, data_dir):
    """The registry workspace (its own SQLite file) with Changzhi's 2019 hours."""
    root = tmp_path_factory.mktemp("forecast") / "ws"
    ws = registry_workspace(root, data_dir)
    import_files(ws.measurements, "cnemc", [data_dir / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"])
    ws.set_as_of(dt.date(2019, 12, 31))
    return ws


@pytest.fixture(scope="session")
def engine(changzhi):
    from lantian.measurements.engine import connect
    from lantian.measurements.store import Store
    return Store(changzhi.measurements), connect(None, changzhi.config)


@pytest.fixture(scope="session")
def frames(changzhi, engine):
    from lantian.forecast import series
    units = series.resolve(changzhi.database_url, changzhi.config, CITY)
    return series.load(*engine, units, dt.date(2016, 1, 1), dt.date(2019, 12, 31))


@pytest.fixture(scope="session", params=KINDS)
def site(request, tmp_path_factory, data_dir, changzhi):
    """An app on SQLite or PostgreSQL, the Changzhi store, the city's forecast made on BASE."""
    from lantian.forecast import service
    from lantian.measurements.engine import connect
    from lantian.measurements.store import Store
    from lantian.web.app import create_app
    folder = tmp_path_factory.mktemp(f"forecast-{request.param}")
    with fresh_database(request.param, folder) as url:
        with database_url(url):
            ws = registry_workspace(folder / "ws", data_dir)
            shutil.rmtree(ws.measurements)
            shutil.copytree(changzhi.measurements, ws.measurements)
            ws.set_as_of(dt.date(2019, 12, 31))
            ids, skipped = service.run(Scope.office(url, "test"), ws, Store(ws.measurements),
                                       connect(None, ws.config), CITY, BASE)
            app = create_app(folder / "ws")
        yield SimpleNamespace(app=app, url=url, ws=ws, ids=ids, skipped=skipped)
