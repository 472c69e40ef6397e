"""The demo's inventory inputs beyond the ledger and registers: a year (2023) of hourly CEMS at the
coke-oven stack of 沁县华安焦化 (outlet DA001, serving ovens JL-1 and JL-3) — SYNTHETIC: flow and
concentrations with daily cycles and noise, and ten days of March missing (so March falls back to
the factor method). The series is written as the documented CSV and imported through the same
service as `lantian inventory series FILE`; then the 2023 inventory is built once. Idempotent."""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np

from lantian import db
from lantian.accounts.scope import Scope
from lantian.enterprises.demo import demo_credit_code
from lantian.inventory import service

STACK = (1, "DA001")            # demo serial, outlet code
YEAR = 2023


def series_csv(path: Path, credit_code: str, seed: int = 2023) -> Path:
    rng = np.random.default_rng(seed)
    start = dt.datetime(YEAR, 1, 1, 1)
    hours = int((dt.datetime(YEAR + 1, 1, 1, 0) - start).total_seconds() // 3600) + 1
    t = np.arange(hours)
    cycle = 1 + 0.08 * np.sin(2 * np.pi * (t % 24) / 24)
    flow = np.round(260000 * cycle * rng.normal(1, 0.03, hours), 0)
    conc = {"so2_mgm3": 28, "nox_mgm3": 115, "pm_mgm3": 7}
    gap = (start + dt.timedelta(hours=1) * t >= dt.datetime(YEAR, 3, 5)) & \
          (start + dt.timedelta(hours=1) * t < dt.datetime(YEAR, 3, 15))
    name = f"{credit_code}:{STACK[1]}"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("facility,time,metric,value,unit\n")
        for i in range(hours):
            if gap[i]:
                continue
            when = (start + dt.timedelta(hours=i)).strftime("%Y-%m-%d %H:%M")
            fh.write(f"{name},{when},flow_m3h,{flow[i]:.0f},m3/h\n")
            for metric, mean in conc.items():
                fh.write(f"{name},{when},{metric},{max(mean * rng.normal(1, 0.12), 0):.2f},mg/m3\n")
    return path


def demo_inventory(ws) -> dict | None:
    """Import the demo CEMS year and build the 2023 inventory if none is current."""
    office = Scope.office(ws.database_url, "demo")
    with db.session(ws.database_url) as s, tempfile.TemporaryDirectory(prefix="lantian-cems-") as tmp:
        path = series_csv(Path(tmp) / "华安焦化-DA001-2023.csv", demo_credit_code(STACK[0]))
        service.import_series(s, office, path, ws.measurements)
        if service.current(s, YEAR) is None:
            return service.build_inventory(s, office, YEAR, root=ws.root, measurements=ws.measurements,
                                           config=ws.config)
    return None
