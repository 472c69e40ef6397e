"""The analysis room's workspaces: the station registry and an account per role, Changzhi's real 2019 in
the store, and three synthetic years (2016–2018, PM2.5 only, labelled source ``synthetic``) at station
3568A (向阳小学, 上党区 — no data of its own in 2019) with a known trend of −4 µg/m³ a year under a
seasonal cycle, for the deseasonalised trend. A met file of UCI Beijing's Aotizhongxin in met/."""
from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import pyarrow as pa
import pytest

from databases import KINDS, fresh_database, database_url

SYNTHETIC_STATION = "3568A"
SYNTHETIC_SLOPE = -4.0


def synthetic_hours(seed: int = 3) -> pa.Table:
    start = dt.datetime(2016, 1, 1, 1)
    n = (dt.datetime(2019, 1, 1) - start).days * 24 + 24
    times = np.datetime64(start, "h") + np.arange(n).astype("timedelta64[h]")
    years = (times - np.datetime64("2016-01-01T00", "h")).astype(float) / (365.25 * 24)
    month = (times - np.timedelta64(1, "h")).astype("datetime64[M]").astype(int) % 12
    rng = np.random.default_rng(seed)
    value = 60 + SYNTHETIC_SLOPE * years + 25 * np.cos(2 * np.pi * month / 12) + rng.gamma(2.0, 5.0, n) - 10
    value = np.round(np.clip(value, 1, None))
    return pa.table({"station": [SYNTHETIC_STATION] * n, "time": pa.array(times.astype("datetime64[s]")),
                     "pollutant": ["PM2_5"] * n, "value": value, "unit": ["µg/m³"] * n, "averaging": ["1h"] * n})


def build(root, data_dir):
    from lantian.measurements.importer import import_files
    from lantian.measurements.store import ImportSummary, Store
    from tests.web.conftest import registry_workspace
    ws = registry_workspace(root, data_dir)
    import_files(ws.measurements, "cnemc", [data_dir / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"])
    Store(ws.measurements).ingest(synthetic_hours(), "synthetic", ImportSummary("synthetic-trend", "synthetic", []))
    (ws.root / "met").mkdir()
    shutil.copy(data_dir / "uci_beijing" / "PRSA_Data_Aotizhongxin_20130301-20170228.csv", ws.root / "met")
    return ws


@pytest.fixture(scope="module")
def analysis_ws(tmp_path_factory, data_dir):
    """The SQLite workspace (the CLI's tests)."""
    return build(tmp_path_factory.mktemp("analysis") / "ws", data_dir)


@pytest.fixture(scope="module", params=KINDS)
def analysis_app(request, tmp_path_factory, data_dir):
    """The app of the workspace, on SQLite and on PostgreSQL."""
    from lantian.web.app import create_app
    if request.param == "sqlite":
        yield create_app(request.getfixturevalue("analysis_ws").root)
        return
    folder = tmp_path_factory.mktemp("analysis-pg")
    with fresh_database("postgresql", folder) as url:
        with database_url(url):
            ws = build(folder / "ws", data_dir)
            app = create_app(ws.root)
        yield app
