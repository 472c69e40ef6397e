"""The demo's gates — SYNTHETIC, labelled so in the data and on every page: gate systems of four
ledger enterprises, freight profiles (task 11), a few days of records up to the demo's as-of date
(2023-06-30), one gate that stopped sending (沁县华安焦化, silent since 06-27), a past two-day yellow warning
(06-28–06-29, lifted) under which a 国四 diesel truck entered 红旗水泥 (B级: 停止使用国四及以下重型载货车辆),
and a road check and an OBD inspection of that truck. Re-running it changes nothing."""
from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

from lantian import db
from lantian.accounts.scope import Scope
from lantian.emergency import service as emergency
from lantian.enterprises import service as ledgers
from lantian.errors import UsageError
from lantian.vehicles import reader, service

DEMO_DAY = dt.date(2023, 6, 30)                  # lantian.demo.AS_OF
WARNING_DAY = dt.date(2023, 6, 28)               # a two-day yellow warning: 06-28 and 06-29
ENTRY_DAY = dt.date(2023, 6, 29)
HONGQI, RUICHANG = "长治市潞州区红旗水泥有限公司", "长治市屯留区瑞昌水泥有限公司"
HUAAN, OWN = "沁县华安焦化有限公司", "长治示例焦化有限公司（合成数据）"
#: fixed plates the scope checks use: one seen only in 潞州区, one only in 屯留区
LUZHOU_PLATE, TUNLIU_PLATE = "晋DA0518", "晋DK3096"
FLEET = [("重型货车", "柴油", "国六"), ("重型半挂牵引车", "柴油", "国五"), ("重型货车", "天然气", "国六"),
         ("重型半挂牵引车", "电", "新能源"), ("中型货车", "柴油", "国六"), ("重型货车", "柴油", "国五")]


def _rows(rng: random.Random, days: list[dt.date], per_day: int, prefix: str) -> list[dict]:
    out = []
    for day in days:
        for i in range(per_day):
            vtype, fuel, std = FLEET[(i + day.day) % len(FLEET)]
            t = dt.datetime.combine(day, dt.time(6)) + dt.timedelta(minutes=37 * i + rng.randrange(20))
            plate = (f"晋D{'D' if fuel == '电' else 'F'}{rng.randrange(10000, 99999)}" if fuel == "电"
                     else f"晋D{prefix}{rng.randrange(1000, 9999)}")
            out.append({"plate": plate, "vehicle_type": vtype, "fuel": fuel, "emission_standard": std,
                        "time_in": t.strftime("%Y-%m-%d %H:%M"), "time_out": (t + dt.timedelta(minutes=50))
                        .strftime("%Y-%m-%d %H:%M"), "goods": rng.choice(("熟料", "煤炭", "焦炭", "石灰石")),
                        "tonnage": str(rng.randrange(25, 45))})
    return out


def _warning(s, root: Path | None, url: str) -> None:
    """A past yellow warning on 2023-06-29 (issued and lifted), unless one starts that day already."""
    if root is None or any(a["start"] == WARNING_DAY.isoformat() for a in emergency.alerts(s, Scope.office(url))):
        return
    office = Scope.office(url, "demo")
    try:
        alert = emergency.issue(s, root, office, [210, 230], "648", start=WARNING_DAY)
    except UsageError:                   # a warning is active: leave the office's warnings alone
        return
    emergency.lift(s, office, alert.id)


def demo_vehicles(url: str, root: Path | None = None) -> int:
    """Gates, freight profiles and synthetic gate days for the demo enterprises; the number of records
    added. With the workspace ``root`` also the past warning (its notice is written there)."""
    office = Scope.office(url, "demo")
    with db.session(url) as s:
        ids = {p["name"]: i for i, p in ledgers.profiles(s).items()}
        if HONGQI not in ids or RUICHANG not in ids:
            return 0                     # no demo ledger: nothing to attach gates to
        _warning(s, root, url)
        rng = random.Random(20230630)
        days = [DEMO_DAY - dt.timedelta(days=2), DEMO_DAY - dt.timedelta(days=1), DEMO_DAY]
        # 瑞昌 (未评级) and the demo enterprise stop road transport under the warning: their gates record
        # the day after it; 华安's gate stops on 06-27
        batches = {HONGQI: _rows(rng, days, 8, "A"), RUICHANG: _rows(rng, [DEMO_DAY], 6, "K"),
                   HUAAN: _rows(rng, [DEMO_DAY - dt.timedelta(days=4), DEMO_DAY - dt.timedelta(days=3)], 6, "H")}
        if OWN in ids:
            batches[OWN] = _rows(rng, [DEMO_DAY], 4, "Q")
        batches[HONGQI].append({"plate": LUZHOU_PLATE, "vehicle_type": "重型货车", "fuel": "柴油",
                                "emission_standard": "国四", "time_in": f"{ENTRY_DAY} 10:12",
                                "time_out": f"{ENTRY_DAY} 10:58", "goods": "熟料", "tonnage": "31"})
        batches[RUICHANG].append({"plate": TUNLIU_PLATE, "vehicle_type": "重型货车", "fuel": "柴油",
                                  "emission_standard": "国六", "time_in": f"{DEMO_DAY} 09:05", "goods": "熟料",
                                  "tonnage": "33"})
        pairs = []
        for name, rows in batches.items():
            if name not in ids:
                continue
            service.ensure_gate(s, ids[name], actor="demo", name="车辆门禁系统（合成）", synthetic=True)
            pairs += [(ids[name], reader.parse_record(r, file="demo", line=i, enterprise_required=False))
                      for i, r in enumerate(rows, 1)]
        added = service._store(s, pairs, source="演示（合成）", actor="demo", synthetic=True)["added"]
        if HUAAN in ids:
            service.set_freight(s, office, str(ids[HUAAN]), 2023, "1800000", rail_open=dt.date(2024, 6, 30),
                                mode="公路", synthetic=True)
        service.set_freight(s, office, str(ids[HONGQI]), 2023, "1200000", rail_open=None, mode="公路", synthetic=True)
        with tempfile.TemporaryDirectory(prefix="lantian-demo-") as tmp:
            f = Path(tmp) / "路检路查（合成）.csv"
            f.write_text("kind,plate,time,outcome,county,location,finding\n"
                         f"路检,{LUZHOU_PLATE},{ENTRY_DAY} 15:20,不合格,潞州区,长治北收费站（合成）,林格曼黑度超标\n"
                         f"OBD,{LUZHOU_PLATE},{ENTRY_DAY} 15:30,合格,潞州区,长治北收费站（合成）,\n",
                         encoding="utf-8")
            service.import_checks(s, office, f, synthetic=True)
        return added
