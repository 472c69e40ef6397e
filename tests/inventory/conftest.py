"""A workspace whose inventory is computed by hand in the tests: two enterprises in the ledger (a
coal boiler, a coke oven whose stack has CEMS for January and a third of February, a gas boiler
with last year's activity), a 未改造 village, a fleet row and a solvent user in the registers — on
SQLite and on the real PostgreSQL. Built once per database kind."""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from databases import fresh_database, database_url
from lantian import db
from lantian.accounts.scope import Scope
from lantian.enterprises.demo import demo_credit_code
from tests.web.conftest import registry_workspace

A, B = demo_credit_code(501), demo_credit_code(502)
LUZHOU, TUNLIU = "140403", "140405"
YEAR = 2023


def ledger_batch() -> SimpleNamespace:
    enterprises = [dict(name="甲焦化（测试）", credit_code=A, county=LUZHOU, industry="焦化"),
                   dict(name="乙水泥（测试）", credit_code=B, county=TUNLIU, industry="水泥")]
    common = dict(commissioned=None, stopped_on=None)
    facilities = [
        dict(kind="boiler", enterprise=A, code="GL-1", name="燃煤锅炉", status="在用", capacity=20, fuel="燃煤",
             fuel_use=10000, sulfur=0.5, desulfurization="石灰石-石膏湿法", denitration="SCR", dedusting="袋式",
             activity_year=YEAR, **common),
        dict(kind="coke_oven", enterprise=A, code="JL-1", name="焦炉", status="在用", chamber_height=6.0, quenching="湿法",
             production=10, desulfurization="半干法", denitration="SNCR", dedusting="袋式", activity_year=YEAR, **common),
        dict(kind="outlet", enterprise=A, code="DA001", name="焦炉烟囱", status="在用", outlet_type="主要排放口",
             online_monitoring=True, serves="JL-1", **common),
        dict(kind="boiler", enterprise=B, code="GL-1", name="燃气锅炉", status="在用", capacity=4, fuel="天然气",
             fuel_use=100, denitration="低氮燃烧", activity_year=YEAR - 1, **common),
    ]
    return SimpleNamespace(enterprises=enterprises, facilities=facilities, clusters=[],
                           rows=len(enterprises) + len(facilities))


REGISTERS = {
    "heating_villages": [dict(code="T-V1", county="潞州区", name="测试村", households="100", mode="未改造", running="未运行")],
    "vehicle_population": [dict(year=str(YEAR), county="屯留区", vehicle_type="重型载货", fuel="柴油", stage="国五",
                                count="100", km="50000")],
    "solvent_use": [dict(code="T-SV1", year=str(YEAR), county="潞州区", user="甲焦化涂装线（测试）", credit_code=A,
                         category="工业涂装", amount="100", voc_content="50", removal="60")],
}


def cems_csv(path: Path) -> Path:
    """DA001: every hour of January (flow 100 000 m³/h; SO2 50, NOx 100, PM 10 mg/m³), and the
    first ten days of February only (below the 75 % coverage: February stays calculated)."""
    lines = ["facility,time,metric,value,unit"]
    start = dt.datetime(YEAR, 1, 1, 1)
    for h in range(31 * 24 + 10 * 24):
        when = (start + dt.timedelta(hours=h)).strftime("%Y-%m-%d %H:%M")
        for metric, value, unit in (("flow_m3h", 100000, "m3/h"), ("so2_mgm3", 50, "mg/m3"),
                                    ("nox_mgm3", 100, "mg/m3"), ("pm_mgm3", 10, "mg/m3")):
            lines.append(f"{A}:DA001,{when},{metric},{value},{unit}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load_registers(url: str, rows: dict) -> None:
    from lantian.registers import excel, service
    from lantian.registers.demo import write_csv
    from lantian.registers.kinds import registers
    office = Scope.office(url, "test")
    with db.session(url) as s, tempfile.TemporaryDirectory() as tmp:
        counties = service.county_lookup(s)
        for rid, records in rows.items():
            reg = registers()[rid]
            path = Path(tmp) / f"{rid}.csv"
            write_csv(path, reg, records)
            service.import_batch(s, office, excel.read(path, reg, counties=counties), actor="test", source=path.name)


def make_workspace(root: Path, data_dir: Path):
    from lantian.enterprises import service as ledgers
    from lantian.inventory import service
    ws = registry_workspace(root, data_dir)
    url = ws.database_url
    office = Scope.office(url, "test")
    with db.session(url) as s:
        ledgers.import_batch(s, office, ledger_batch(), actor="test", source="test")
    load_registers(url, REGISTERS)
    with db.session(url) as s:
        service.import_series(s, office, cems_csv(root / "cems.csv"), ws.measurements)
    return ws


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def inv_ws(request, tmp_path_factory, data_dir):
    """(workspace, url) with the 2023 inventory built."""
    from lantian.inventory import service
    folder = tmp_path_factory.mktemp(f"inventory-{request.param}")
    with fresh_database(request.param, folder) as url:
        with database_url(url):                      # the variable must not outlive the setup
            ws = make_workspace(folder / "ws", data_dir)
        ws.set_as_of(dt.date(YEAR, 6, 30))
        with db.session(url) as s:
            service.build_inventory(s, Scope.office(url, "test"), YEAR, root=ws.root, measurements=ws.measurements,
                                    config=ws.config)
        yield ws, url
