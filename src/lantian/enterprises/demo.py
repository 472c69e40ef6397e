"""The enterprises room's demo: synthetic but valid credit codes, which every room's demo (the ledger,
the registers, the inventory, the reduction list) names its enterprises by; the demo enterprise account's
own plant (合成) and the demo ledger (台账: task 5's enterprises, synthetic facilities), imported through
the ledger's service as the office would. Re-running changes nothing."""
from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy.orm import Session

from lantian import db
from lantian.accounts.models import Enterprise
from lantian.accounts.scope import Scope
from lantian.enterprises import service as ledgers
from lantian.enterprises.excel import credit_code_check_char
from lantian.enterprises.kinds import FACILITY_KINDS

LEDGER = Path(__file__).parent / "demo" / "ledger.toml"
#: the demo enterprise account's enterprise (synthetic): name, demo serial, county
OWN_ENTERPRISE = ("长治示例焦化有限公司（合成数据）", 0, "140403")
#: where the demo enterprise account's plant is (synthetic): ~6 km outside the demo's 市区规划区
OWN_LOCATION = (113.20, 36.10)
#: the facilities of the demo enterprise account (qiye), synthetic
OWN_FACILITIES = [
    {"kind": "coke_oven", "code": "JL-1", "name": "1#焦炉", "status": "在用", "chamber_height": 4.3, "quenching": "湿法",
     "production": 30, "dedusting": "袋式", "activity_year": 2023},
    {"kind": "voc_treatment", "code": "TA-1", "name": "化产回收VOCs治理", "status": "在用", "process": "活性炭吸附",
     "carbon_fill": 600, "carbon_required": 800, "carbon_replaced_on": dt.date(2022, 5, 10)},
]


def demo_credit_code(serial: int) -> str:
    """A valid (GB 32100 check digit) but synthetic unified social credit code for demo record ``serial``."""
    body = f"91140400MA0LT{serial:04d}"
    return body + credit_code_check_char(body)


def own_enterprise(s: Session) -> Enterprise | None:
    """The demo enterprise account's enterprise (synthetic), if created."""
    return ledgers.by_credit_code(s, demo_credit_code(OWN_ENTERPRISE[1]))


def demo_own_enterprise(s: Session) -> Enterprise:
    """The demo enterprise account's enterprise, created through the ledger's service (as the reduction
    list's import does) when missing."""
    ent = own_enterprise(s)
    if ent is None:
        name, serial, county = OWN_ENTERPRISE
        ledgers.upsert_identity(s, {"credit_code": demo_credit_code(serial), "name": name, "county": county,
                                    "industry": "焦化"},
                                actor="demo", note="演示企业账户（合成）", synthetic=True)
        ent = own_enterprise(s)
    return ent


def demo_ledger(url: str) -> int:
    """The demo ledger (enterprises of task 5, synthetic facilities), imported as the office would; the
    number of facilities. Idempotent."""
    data = tomllib.loads(LEDGER.read_text(encoding="utf-8"))
    office = Scope.office(url, "demo")
    with db.session(url) as s:
        counties = ledgers.county_lookup(s)
        enterprises, facilities = [], []
        for e in data["enterprise"]:
            code = demo_credit_code(e["serial"])
            enterprises.append({"name": e["name"], "credit_code": code, "county": counties[e["county"]],
                                "industry": e["industry"], "grade": e.get("grade"), "lon": e.get("lon"),
                                "lat": e.get("lat"),
                                "emergency_list": e.get("emergency_list", False), "key_unit": e.get("key_unit", False)})
            for f in e.get("facilities", []):
                facilities.append(_facility(f, code))
        ent = own_enterprise(s)
        if ent is not None:
            enterprises.append({"name": ent.name, "credit_code": ent.credit_code, "county": ent.county_code,
                                "industry": "焦化", "grade": None, "emergency_list": True, "key_unit": False,
                                "lon": OWN_LOCATION[0], "lat": OWN_LOCATION[1]})
            facilities += [_facility(f, ent.credit_code) for f in OWN_FACILITIES]
        clusters = [dict(c, county=counties[c["county"]]) for c in data.get("cluster", [])]
        batch = SimpleNamespace(enterprises=enterprises, facilities=facilities, clusters=clusters,
                                rows=len(enterprises) + len(facilities))
        ledgers.import_batch(s, office, batch, actor="demo", source=LEDGER.name, synthetic=True)
        return len(facilities)


def _facility(f: dict, enterprise: str) -> dict:
    """A facility row of the import batch: its kind's fields, its kind and its enterprise's credit code."""
    values = {fld.name: f.get(fld.name) for fld in FACILITY_KINDS[f["kind"]].fields}
    return dict(values, kind=f["kind"], enterprise=enterprise)
