"""Benchmark: importing all of January 2019 (national CNEMC files) into a Parquet store.

Side by side, in one run, each in its own process (peak memory = that process's max RSS):
  lantian        `lantian import cnemc` (validate, long rows, merge, quality flags, atomic commit)
  pandas         a straightforward pandas importer: read_csv, melt, append, concat, to_parquet
  duckdb-copy    a bare DuckDB read_csv + UNPIVOT + COPY TO parquet (no checks): the practical limit
Goal (issue 3): ≥ 5× the pandas importer, within 2× of the bare DuckDB copy, under 20 s on 2 cores,
store no bigger than the gzip input.

    .venv/bin/python benchmarks/bench_import.py [--data DIR] [--days N]
    .venv/bin/python benchmarks/bench_import.py --smoke      # the first 2 days: does it still run?
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

HOURLY = ("PM2.5", "PM10", "SO2", "NO2", "O3", "CO")


def files_of(data: Path, days: int | None = None) -> list[Path]:
    """January's daily files, the first ``days`` of them when given."""
    return sorted((data / "cnemc" / "2019-01").glob("china_sites_*.csv.gz"))[:days]


def run_lantian(files, out: Path) -> int:
    from lantian.measurements.importer import import_files
    from lantian.measurements.store import Store
    s = import_files(out, "cnemc", files)
    return s.stored, Store(out).size_bytes()


def run_pandas(files, out: Path):
    import pandas as pd
    frames = []
    for f in files:
        df = pd.read_csv(f)
        df = df[df["type"].isin(HOURLY)]
        long = df.melt(id_vars=["date", "hour", "type"], var_name="station", value_name="value").dropna(subset=["value"])
        frames.append(long)
    allrows = pd.concat(frames, ignore_index=True)
    allrows["time"] = pd.to_datetime(allrows["date"].astype(str), format="%Y%m%d") + pd.to_timedelta(allrows["hour"], unit="h")
    allrows = allrows.drop_duplicates(subset=["station", "time", "type"], keep="last")
    allrows["year"] = allrows["time"].dt.year
    allrows["month"] = allrows["time"].dt.month
    allrows[["station", "time", "type", "value", "year", "month"]].to_parquet(out / "store", partition_cols=["year", "month"])
    size = sum(p.stat().st_size for p in (out / "store").rglob("*.parquet"))
    return len(allrows), size


def run_duckdb(files, out: Path):
    """The bare copy: DuckDB's CSV reader and UNPIVOT per file into one table, then COPY TO parquet."""
    import duckdb
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("CREATE TABLE m (station VARCHAR, time TIMESTAMP, pollutant VARCHAR, value DOUBLE)")
    for f in files:
        con.execute(f"""
            INSERT INTO m
            WITH raw AS (SELECT * FROM read_csv('{f}', all_varchar = true)),
                 cells AS (UNPIVOT raw ON COLUMNS(* EXCLUDE (date, hour, type)) INTO NAME station VALUE value)
            SELECT station, strptime(date, '%Y%m%d') + to_hours(hour::INTEGER), type, value::DOUBLE
            FROM cells WHERE type IN {HOURLY!r} AND value IS NOT NULL AND value <> ''""")
    con.execute(f"COPY (SELECT * FROM m ORDER BY station, pollutant, time) TO '{out / 'store.parquet'}' "
                f"(FORMAT parquet, COMPRESSION zstd)")
    n = con.sql(f"SELECT count(*) FROM '{out / 'store.parquet'}'").fetchall()[0][0]
    return n, (out / "store.parquet").stat().st_size


RUNNERS = {"lantian": run_lantian, "pandas": run_pandas, "duckdb-copy": run_duckdb}


def child(name: str, data: Path, days: int | None) -> None:
    out = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    try:
        files = files_of(data, days)
        __import__({"lantian": "lantian.measurements.importer", "pandas": "pandas", "duckdb-copy": "duckdb"}[name])
        t = time.perf_counter()
        rows, size = RUNNERS[name](files, out)
        print(json.dumps({"seconds": time.perf_counter() - t, "rows": rows, "bytes": size}))
    finally:
        shutil.rmtree(out, ignore_errors=True)


def measure(name: str, data: Path, days: int | None) -> dict:
    proc = subprocess.Popen([sys.executable, __file__, "--child", name, "--data", str(data)]
                            + (["--days", str(days)] if days else []), stdout=subprocess.PIPE, text=True)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{name} failed")
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_mib"] = usage.ru_maxrss / 1024
    return result


def find_data() -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from lantian.datadir import find_data_dir
    return find_data_dir()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--data", type=Path)
    ap.add_argument("--days", type=int, default=None, help="only January's first N daily files (default: all 31)")
    ap.add_argument("--smoke", action="store_true", help="the first 2 days only: check that it runs, in seconds")
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.smoke:
        args.days = 2
    data = args.data or find_data()
    if args.child:
        child(args.child, data, args.days)
        return
    files = files_of(data, args.days)
    if not files:
        raise SystemExit(f"no china_sites_*.csv.gz in {data / 'cnemc' / '2019-01'}")
    gz = sum(f.stat().st_size for f in files)
    print(f"January 2019, {len(files)} files, {gz / 1e6:.1f} MB gzip; {os.cpu_count()} cores")
    results = {name: measure(name, data, args.days) for name in RUNNERS}
    base = results["lantian"]["seconds"]
    print(f"{'importer':<12} {'seconds':>8} {'peak MiB':>9} {'rows':>11} {'store MB':>9} {'vs lantian':>11}")
    for name, r in results.items():
        ratio = r["seconds"] / base
        print(f"{name:<12} {r['seconds']:8.2f} {r['peak_mib']:9.0f} {r['rows']:11,} {r['bytes'] / 1e6:9.1f} "
              f"{ratio:10.2f}×")
    lt, pd_, dk = results["lantian"], results["pandas"], results["duckdb-copy"]
    print("goals:")
    print(f"  ≥5× the pandas importer: {pd_['seconds'] / lt['seconds']:.1f}× — "
          f"{'met' if pd_['seconds'] >= 5 * lt['seconds'] else 'NOT met'}")
    print(f"  within 2× of the bare DuckDB copy: {lt['seconds'] / dk['seconds']:.2f}× — "
          f"{'met' if lt['seconds'] <= 2 * dk['seconds'] else 'NOT met'}")
    print(f"  under 20 s: {lt['seconds']:.1f} s — {'met' if lt['seconds'] < 20 else 'NOT met'}")
    print(f"  store no bigger than the gzip input: {lt['bytes'] / 1e6:.1f} MB vs {gz / 1e6:.1f} MB — "
          f"{'met' if lt['bytes'] <= gz else 'NOT met'}")


if __name__ == "__main__":
    main()
