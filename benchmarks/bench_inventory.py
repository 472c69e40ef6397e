#!/usr/bin/env python
"""Benchmark: build the emission inventory of the demo city, and of a ledger ten times its size.

Each workspace is the demo's inputs made the way an office makes them (the ledger through the
ledger import, the registers through their import, a year of hourly CEMS per coke-oven stack
through `lantian inventory series`); "×10" copies every enterprise of the ledger ten times (new
credit codes, same facilities), each copy's stack with its own CEMS year. Then, each in its own
subprocess (wall time inside it, peak memory = its ru_maxrss from wait4):

  lantian        `inventory.service.build_inventory`: every source, the CEMS months, provenance
                 text, the monthly split, and the rows stored in SQLite;
  hand-written   the point sources alone in pandas, the fastest way one would write them: the
                 facilities read with one SQL query, factor × activity × (1 − η) vectorised, the
                 CEMS months with one DuckDB aggregate — no provenance, no classes, nothing stored.
                 Its point-source SO2 must equal lantian's (printed).

    .venv/bin/python benchmarks/bench_inventory.py [--data DIR] [--scale 10] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

YEAR = 2023


def prepare(root: Path, data: Path, scale: int) -> Path:
    """A workspace with the demo's inputs, the ledger ``scale`` times."""
    import tomllib

    from lantian import db
    from lantian.accounts.scope import Scope
    from lantian.demo import demo_accounts
    from lantian.enterprises.demo import LEDGER, demo_credit_code
    from lantian.enterprises import service as ledgers
    from lantian.enterprises.kinds import FACILITY_KINDS
    from lantian.fires.demo import demo_fires
    from lantian.inventory import demo as inventory_demo
    from lantian.inventory import service
    from lantian.measurements import stations as registry
    from lantian.registers.demo import demo_registers
    from lantian.workspace import init
    ws = init(root)
    url = ws.database_url
    db.upgrade(url)
    registry.import_stations(url, data / "cnemc" / "stations" / "NewSiteList_utf8.csv",
                             boundaries=data / "boundaries" / "140400_full.json", changed_by="bench")
    demo_accounts(url)
    raw = tomllib.loads(LEDGER.read_text(encoding="utf-8"))
    office = Scope.office(url, "bench")
    stacks = []
    with db.session(url) as s:
        counties = ledgers.county_lookup(s)
        enterprises, facilities = [], []
        for copy in range(scale):
            for e in raw["enterprise"]:
                code = demo_credit_code(e["serial"] + 1000 * copy)
                enterprises.append({"name": f"{e['name']}（副本{copy}）" if copy else e["name"], "credit_code": code,
                                    "county": counties[e["county"]], "industry": e["industry"], "grade": e.get("grade")})
                for f in e.get("facilities", []):
                    kind = FACILITY_KINDS[f["kind"]]
                    facilities.append(dict({fld.name: f.get(fld.name) for fld in kind.fields}, kind=f["kind"],
                                           enterprise=code))
                    if f.get("serves"):
                        stacks.append(code)
        ledgers.import_batch(s, office, SimpleNamespace(enterprises=enterprises, facilities=facilities, clusters=[],
                                                        rows=len(enterprises) + len(facilities)),
                             actor="bench", source="bench")
    demo_registers(url, data)
    demo_fires(url, data)
    with db.session(url) as s, tempfile.TemporaryDirectory() as tmp:
        for code in stacks:
            path = inventory_demo.series_csv(Path(tmp) / f"{code}.csv", code)
            service.import_series(s, office, path, ws.measurements)
    return ws.root


# --------------------------------------------------------------------------- contenders
def lantian(root: Path) -> dict:
    from lantian import db
    from lantian.accounts.scope import Scope
    from lantian.fires import service as _fires  # noqa: F401  (the rooms a server has loaded already:
    from lantian.inventory import build as _build, service  # noqa: F401   imports are not the build's time)
    from lantian.measurements import facility as _facility  # noqa: F401
    from lantian.registers import service as _registers  # noqa: F401
    from lantian.workspace import open_workspace
    ws = open_workspace(root)
    t = time.perf_counter()
    with db.session(ws.database_url) as s:
        r = service.build_inventory(s, Scope.office(ws.database_url, "bench"), YEAR, root=ws.root,
                                    measurements=ws.measurements, config=ws.config)
    work = time.perf_counter() - t
    with db.session(ws.database_url) as s:
        import sqlalchemy as sa

        from lantian.inventory.models import InventoryRow
        from fractions import Fraction
        point = sum((Fraction(x) for x in s.scalars(sa.select(InventoryRow.tonnes).where(
            InventoryRow.inventory_id == r["inventory_id"], InventoryRow.pollutant == "SO2",
            InventoryRow.facility.is_not(None)))), Fraction(0))
    return {"work_s": work, "rows": r["rows"], "point_so2": float(point), "total_so2": r["total"]["SO2"]}


def hand_written(root: Path) -> dict:
    """Point sources in pandas + DuckDB: E = A × EF × (1 − η); CEMS months replace covered months."""
    import calendar
    import tomllib

    import duckdb
    import pandas as pd
    src = Path(__file__).resolve().parents[1] / "src" / "lantian" / "inventory" / "data"
    t = time.perf_counter()
    point = tomllib.loads((src / "point.toml").read_text(encoding="utf-8"))
    params = {p["name"]: p["value"] for p in tomllib.loads((src / "parameters.toml").read_text(encoding="utf-8"))["parameter"]}
    ef = {f["key"]: f.get("SO2", 0) for f in point["factor"]}
    eta = next(c for c in point["control"] if c["field"] == "desulfurization")["values"]
    import sqlite3
    with sqlite3.connect(root / "lantian.sqlite3") as db:
        fac = pd.read_sql_query("""SELECT f.enterprise_id, e.credit_code, f.kind, f.code, f.status, f.attrs
                                   FROM facilities f JOIN enterprises e ON e.id = f.enterprise_id""", db)
    con = duckdb.connect()
    attrs = pd.json_normalize(fac.pop("attrs").map(json.loads))
    df = pd.concat([fac, attrs], axis=1)
    df = df[(df["status"] == "在用") | (df["stopped_on"].fillna("") >= f"{YEAR}-01-01")]
    prod = df["kind"].isin(["coke_oven", "sinter", "pellet_shaft", "blast_furnace", "converter", "electric_furnace"])
    df["key"] = "fuel." + df["fuel"].fillna("")
    df.loc[prod, "key"] = "process." + df.loc[prod, "kind"]
    df.loc[df["kind"] == "gas_producer", "key"] = "process.gas_producer"
    df["amount"] = df["fuel_use"].where(~prod, df["production"] * 10000)
    sulfur = df["sulfur"].fillna(params["sulfur_coal"])
    factor = df["key"].map(lambda k: ef.get(k, 0))
    per_s = factor.map(lambda v: isinstance(v, str))
    k = factor.where(~per_s, factor.map(lambda v: float(str(v).split("*")[0]) if isinstance(v, str) else 0))
    value = k.astype(float) * sulfur.where(per_s, 1).astype(float)
    df["so2"] = df["amount"].fillna(0) * value / 1000 * (1 - df["desulfurization"].map(eta).fillna(0))
    monthly = pd.DataFrame({m: df["so2"] / 12 for m in range(1, 13)})
    files = sorted((root / "measurements" / "facility").glob("year=*/month=*/series.parquet"))
    if files:
        cems = con.sql(f"""WITH h AS (SELECT facility, "time", max(value) FILTER (WHERE metric='flow_m3h') q,
                                         max(value) FILTER (WHERE metric='so2_mgm3') c
                                  FROM read_parquet({[str(f) for f in files]!r}) GROUP BY ALL)
                           SELECT facility, month("time" - INTERVAL 1 HOUR) m, count(q * c) n, sum(q * c / 1e6) kg
                           FROM h WHERE year("time" - INTERVAL 1 HOUR) = {YEAR} GROUP BY ALL""").df()
        for _, row in cems.iterrows():
            hours = calendar.monthrange(YEAR, int(row.m))[1] * 24
            if row.n / hours < params["cems_min_coverage"]:
                continue
            credit, code = row.facility.split(":")
            outlet = df[(df["credit_code"] == credit) & (df["code"] == code)].iloc[0]
            served = df[(df["credit_code"] == credit) & df["code"].isin(str(outlet["serves"]).split(","))].index
            calc = monthly.loc[served, int(row.m)]
            monthly.loc[served, int(row.m)] = row.kg * hours / row.n / 1000 * (calc / calc.sum())
    return {"work_s": time.perf_counter() - t, "point_so2": float(monthly.to_numpy().sum())}


def run_prepare(root: Path, data: Path, scale: int) -> None:
    """Prepare in a child process, so that this one stays small: a forked child starts its
    ru_maxrss at its parent's size."""
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_inventory as b; "
            f"from pathlib import Path; b.prepare(Path({str(root)!r}), Path({str(data)!r}), {scale})")
    subprocess.run([sys.executable, "-c", code], check=True)


def run_contender(name: str, root: Path) -> dict:
    code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_inventory as b; "
            f"print(json.dumps(b.{name}(__import__('pathlib').Path({str(root)!r}))))")
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read()
    if status != 0:
        raise SystemExit(f"{name} failed")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(process_s=time.perf_counter() - t, peak_mib=usage.ru_maxrss / 1024)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--keep", type=Path, default=None, help="keep the workspaces here")
    args = ap.parse_args()
    data = args.data or Path(subprocess.run([sys.executable, "-c", "from lantian.datadir import find_data_dir; "
                                             "print(find_data_dir())"], capture_output=True, text=True,
                                            check=True).stdout.strip())
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-inventory-"))
    rows = []
    for scale in (1, args.scale):
        root = base / f"ledger-x{scale}"
        shutil.rmtree(root, ignore_errors=True)
        t = time.perf_counter()
        run_prepare(root, data, scale)
        print(f"ledger ×{scale}: workspace prepared in {time.perf_counter() - t:.1f} s", flush=True)
        for name in ("lantian", "hand_written"):
            r = run_contender(name, root)
            rows.append((scale, name, r))
            print(f"  {name:<13} {r['work_s']:7.2f} s work  {r['process_s']:7.2f} s process  {r['peak_mib']:6.0f} MiB peak"
                  f"  point-source SO2 {r['point_so2']:.3f} t" + (f"  rows {r['rows']}" if 'rows' in r else ""), flush=True)
    print()
    print(f"{'ledger':<8} {'contender':<14} {'work s':>8} {'peak MiB':>9} {'× hand-written':>15}  point SO2 equal")
    for scale in (1, args.scale):
        mine = {n: r for s, n, r in rows if s == scale}
        for name, r in mine.items():
            ratio = r["work_s"] / mine["hand_written"]["work_s"]
            same = abs(mine["lantian"]["point_so2"] - mine["hand_written"]["point_so2"]) < 1e-3
            print(f"×{scale:<7} {name:<14} {r['work_s']:>8.2f} {r['peak_mib']:>9.0f} {ratio:>15.1f}  {same}")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
