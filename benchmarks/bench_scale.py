#!/usr/bin/env python
"""Benchmark: lantian at scale, a national year of the CNEMC feed on one machine (issue 12).

The year is January 2019 replicated by date shifts: month m gets January's first N days, N the
number of days of month m, with the ``date`` column and the file name rewritten (so the hours
run on without a gap and every trailing window crosses the month boundaries as real data would).
Sizes of 1, 2, 4, 8 and 12 months are the first months of that year; ``--verify 24`` adds 2020.
The files go to a scratch folder outside the repository, removed afterwards unless ``--keep``.

Contenders, each in its own subprocess (the runners of ``bench_cnemc_recompute.py``, imported):

  lantian       load_feed -> recompute -> write_all on DuckDB, every size
  spark         the same on Apache Spark, local[2] (``LANTIAN_ENGINE=spark``, ``LANTIAN_THREADS=2``,
                driver memory through ``LANTIAN_SPARK_CONF``), the ``--spark-sizes``
  duckdb        (c) the hand-written DuckDB SQL version, "the limit" on one machine, ``--duckdb-sizes``
  pandas        (b) one month measured, extrapolated linearly in station-hours (labelled)
  python-aqi    (a) the hourly AQI only, a random sample of the year's station-hours timed and
                extrapolated

Wall time is measured inside the subprocess after its imports. Peak memory is the largest sum of
the resident sets of the subprocess and all its descendants (the JVM for Spark), sampled from
/proc every 0.1 s (never below the subprocess's own ru_maxrss); cpu s is the user+system time of
that process tree. Every output is checked
against lantian-on-DuckDB's output of the same size: byte equality after gunzip, and for a file
that differs the cell-by-cell check of bench_cnemc_recompute.

    .venv/bin/python benchmarks/bench_scale.py [--months 12] [--sizes 1,2,4,8,12] [--spark-sizes 1,4,12]
        [--duckdb-sizes 1,12] [--only NAME[,NAME]] [--repeat N] [--verify 24] [--data DIR] [--keep]

The default run took 805 s on 2 shared cores. ``--save FILE`` keeps the measurements and
``--report FILE`` prints their table again. See benchmarks/README.md and docs/scaling.md.
"""
from __future__ import annotations

import argparse
import calendar
import gzip
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_cnemc_recompute as one  # noqa: E402  (the runners, the checks, Result)

SOURCE_MONTH = (2019, 1)
CONTENDERS = {
    "lantian": ("lantian", "lantian on DuckDB"),
    "spark": ("lantian", "lantian on Spark local[2]"),
    "duckdb": ("duckdb", "(c) DuckDB SQL, hand-written"),
    "pandas": ("pandas", "(b) pandas"),
    "python-aqi": ("python-aqi", "(a) python-aqi, hourly AQI only"),
}
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------------------------------------
# the input: January replicated into months


def month_of(k: int) -> tuple[int, int]:
    """The k-th month of the replicated feed (0 = January 2019)."""
    year, month = SOURCE_MONTH
    return year + (month - 1 + k) // 12, (month - 1 + k) % 12 + 1


def replicate(january: list[Path], folder: Path, months: int, threads: int) -> list[list[Path]]:
    """Write ``months`` months of feed files into ``folder``: month m is January's first N days
    with the dates rewritten (N = days of month m). January 2019 itself is copied as it is."""
    folder.mkdir(parents=True, exist_ok=True)
    jobs, by_month = [], []
    for k in range(months):
        year, month = month_of(k)
        days = calendar.monthrange(year, month)[1]
        if days > len(january):
            sys.exit(f"{len(january)} January files cannot fill {year}-{month:02d} ({days} days)")
        paths = []
        for day in range(days):
            target = folder / f"china_sites_{year}{month:02d}{day + 1:02d}.csv.gz"
            paths.append(target)
            if not target.exists():
                jobs.append((january[day], target, f"{year}{month:02d}{day + 1:02d}"))
        by_month.append(paths)
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda job: _shift(*job), jobs))
    return by_month


def _shift(source: Path, target: Path, date: str) -> None:
    if source.name == target.name:
        shutil.copyfile(source, target)
        return
    old = re.search(r"(\d{8})", source.name).group(1)
    text = re.sub(rb"(?m)^" + old.encode() + rb",", date.encode() + b",", one.gunzip(source))
    partial = target.with_suffix(".part")
    partial.write_bytes(gzip.compress(text, compresslevel=1, mtime=0))
    partial.rename(target)


# ---------------------------------------------------------------------------------------------
# one contender in its own process tree


class TreeSampler(threading.Thread):
    """The resident set of a process and all its descendants, summed, sampled from /proc."""

    def __init__(self, root: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peak = 0
        self.cpu: dict[int, float] = {}
        self.seen: set[int] = set()
        self.done = threading.Event()

    def run(self):
        while True:
            self.sample()
            if self.done.wait(self.interval):
                return

    def sample(self):
        stats = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    with open(f"/proc/{entry.name}/stat", "rb") as fh:
                        rest = fh.read().rsplit(b")", 1)[1].split()
                except OSError:
                    continue
                stats[int(entry.name)] = (int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[21]))
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _) in stats.items():
            children.setdefault(ppid, []).append(pid)
        tree, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            if pid in stats:
                tree.append(pid)
                todo.extend(children.get(pid, []))
        self.peak = max(self.peak, sum(stats[p][2] for p in tree) * PAGE)
        for pid in tree:
            self.cpu[pid] = stats[pid][1] / CLK_TCK
        self.seen.update(tree)


def spawn(name: str, paths: list[Path], scratch: Path, args, env: dict) -> dict | None:
    """Run one contender on ``paths``; its output goes to ``scratch/out/name``."""
    out = scratch / "out" / name
    shutil.rmtree(out, ignore_errors=True)
    listing, result = scratch / f"{name}.paths", scratch / f"{name}.json"
    listing.write_text("\n".join(str(p) for p in paths))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--paths", str(listing),
           "--out", str(out), "--result", str(result), "--threads", str(args.threads),
           "--aqi-sample", str(args.aqi_sample)]
    load = os.getloadavg()[0]
    start = time.perf_counter()
    with open(scratch / "bench.log", "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, cwd=scratch, env={**os.environ, **env})
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        sampler.done.set()
        sampler.join()
    wall = time.perf_counter() - start
    lingering = _wait_gone(sampler.seen - {proc.pid})
    if os.waitstatus_to_exitcode(status) != 0:
        print(f"FAILED (exit {os.waitstatus_to_exitcode(status)}); the end of {scratch / 'bench.log'}:", flush=True)
        print(_last_error(scratch / "bench.log"), flush=True)
        return None
    got = json.loads(result.read_text())
    others = sum(v for pid, v in sampler.cpu.items() if pid != proc.pid)
    got.update(process_s=wall, cpu_s=usage.ru_utime + usage.ru_stime + others,
               # a sample can miss a short spike: the python process's own ru_maxrss bounds it from below
               peak_mib=max(sampler.peak / 2**20, usage.ru_maxrss / 1024), maxrss_python_mib=usage.ru_maxrss / 1024,
               processes=len(sampler.seen), lingering=lingering,
               load=(load, os.getloadavg()[0]), out=str(out))
    return got


def _last_error(log: Path, lines: int = 4) -> str:
    """The last lines of the log that are not a Java stack frame (the scratch folder may go)."""
    text = log.read_text(errors="replace").splitlines()
    kept = [line for line in text if line.strip() and not line.lstrip().startswith("at ")]
    return "\n".join(f"      {line[:300]}" for line in kept[-lines:])


def _wait_gone(pids: set[int], timeout: float = 60) -> int:
    """Wait for the descendants (Spark's JVM) to exit before the next measurement."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        alive = [p for p in pids if os.path.exists(f"/proc/{p}")]
        if not alive:
            return 0
        time.sleep(0.2)
    return len(alive)


def worker(args):
    """Inside the subprocess: one runner of bench_cnemc_recompute on the listed files."""
    runner = CONTENDERS[args.worker][0]
    if runner == "lantian":
        # bench_cnemc_recompute times lantian's hourly AQI alone after the run, for its (a) row;
        # not here: it would add its own grid to lantian's peak memory
        one._lantian_hourly_aqi = lambda feed: float("nan")
    paths = [Path(p) for p in Path(args.paths).read_text().split("\n") if p]
    Path(args.out).mkdir(parents=True, exist_ok=True)
    res = one.Result()
    one.WORKERS[runner][0](paths, args.out, argparse.Namespace(
        threads=args.threads, aqi_sample=args.aqi_sample, pandas_stations=0), res)
    got = res.dump()
    if args.worker == "spark":
        _stop_spark(res)
    Path(args.result).write_text(json.dumps(got))


def _stop_spark(res):
    from pyspark.sql import SparkSession
    session = SparkSession.getActiveSession()
    if session is not None:
        res.info["spark_master"] = session.sparkContext.master
        session.stop()


def spark_env(args) -> dict:
    # the recomputed grid comes back to the driver in one piece: ~1 GiB for a year, above Spark's
    # default spark.driver.maxResultSize of 1g
    conf = f"spark.driver.memory={args.spark_memory};spark.driver.maxResultSize=0"
    extra = os.environ.get("LANTIAN_SPARK_CONF")
    return {"LANTIAN_ENGINE": "spark", "LANTIAN_THREADS": str(args.threads),
            "LANTIAN_SPARK_CONF": f"{conf};{extra}" if extra else conf}


# ---------------------------------------------------------------------------------------------
# checks


def check(ref: Path, other: Path, names: list[str]) -> dict:
    """Byte equality after gunzip, file by file; cell by cell (bench_cnemc_recompute) where not."""
    def same(name):
        return one.gunzip(ref / name) == one.gunzip(other / name)
    with ThreadPoolExecutor(2) as pool:
        equal = list(pool.map(same, names))
    differing = [n for n, e in zip(names, equal) if not e]
    cells = one.compare(ref, other, differing) if differing else None
    return {"files": len(names), "identical": len(names) - len(differing), "cells": cells}


def check_text(c: dict | None) -> str:
    if c is None:
        return "-"
    text = f"{c['identical']}/{c['files']} files identical"
    if c["cells"]:
        ok = sum(v[0] for v in c["cells"]["derived"].values())
        total = sum(v[1] for v in c["cells"]["derived"].values())
        text += f"; cells {ok:,}/{total:,}"
    return text


# ---------------------------------------------------------------------------------------------
# the run


def plan(args) -> list[tuple[int, str]]:
    """(months, contender) in the order they run: sizes ascending, lantian first at each size (it is
    the reference the others are checked against, so it runs at every size any of them runs)."""
    wanted = {
        "spark": args.spark_sizes,
        "duckdb": args.duckdb_sizes or [args.months],
        "pandas": [args.pandas_months],
        "python-aqi": [args.months],
    }
    wanted = {name: sizes for name, sizes in wanted.items() if name in args.only}
    lantian = set(args.sizes) | {args.months} | ({args.verify} if args.verify else set())
    runs = []
    for months in sorted(lantian.union(*wanted.values())):
        runs.append((months, "lantian"))
        runs.extend((months, name) for name in CONTENDERS if months in wanted.get(name, ()))
    return runs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ints = lambda s: sorted({int(x) for x in s.split(",") if x})    # noqa: E731
    ap.add_argument("--data", type=Path, default=None, help="the shared/data folder (default: found above the repository)")
    ap.add_argument("--months", type=int, default=12, help="the largest input every contender is compared on (default 12)")
    ap.add_argument("--sizes", type=ints, default=[1, 2, 4, 8, 12], help="sizes in months for lantian on DuckDB")
    ap.add_argument("--spark-sizes", type=ints, default=[1, 4, 12], help="sizes in months for lantian on Spark")
    ap.add_argument("--duckdb-sizes", type=ints, default=[1, 12], help="sizes for the hand-written DuckDB SQL")
    ap.add_argument("--pandas-months", type=int, default=1, help="months pandas runs on (then extrapolated)")
    ap.add_argument("--verify", type=int, default=24,
                    help="one more lantian-on-DuckDB run at this many months, to check the memory fit (0: none)")
    ap.add_argument("--only", "--engines", dest="only", action="append", default=None,
                    help=f"contenders besides lantian (comma list, repeatable): {', '.join(list(CONTENDERS)[1:])}")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each (contender, size) but pandas and python-aqi; best kept")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder (input and outputs)")
    ap.add_argument("--scratch", type=Path, default=None, help="scratch folder (default: a new one under the temp dir)")
    ap.add_argument("--spark-memory", default="12g", help="spark.driver.memory for local[2] (default 12g)")
    ap.add_argument("--memory-gb", type=float, default=24, help="the one machine's memory for the fit (default 24)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2, help="threads (Spark local[N], hand-written)")
    ap.add_argument("--aqi-sample", type=int, default=20000, help="station-hours timed for python-aqi")
    ap.add_argument("--save", type=Path, default=None, help="also write the measurements to this JSON file")
    ap.add_argument("--report", type=Path, default=None, help="print the report of a --save file and exit")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--paths", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args)
    if args.report:
        return report({(m, n): r for m, n, r in json.loads(args.report.read_text())}, args)
    args.only = {n for group in (args.only or [",".join(list(CONTENDERS)[1:])]) for n in group.split(",") if n}
    unknown = args.only - set(CONTENDERS)
    if unknown:
        ap.error(f"unknown contender(s) {', '.join(sorted(unknown))}; choose from {', '.join(CONTENDERS)}")
    for option in ("sizes", "spark_sizes", "duckdb_sizes"):      # --verify alone goes beyond --months
        setattr(args, option, [m for m in getattr(args, option) if m <= args.months])
    args.data = (args.data or one.default_data()).resolve()
    january = one.input_paths(args.data)
    runs = plan(args)
    largest = max(m for m, _ in runs)
    scratch = (args.scratch or Path(tempfile.mkdtemp(prefix="lantian-scale-"))).resolve()
    if Path(__file__).resolve().parents[1] in [scratch, *scratch.parents]:
        sys.exit(f"{scratch} is inside the repository: choose a scratch folder outside it")
    scratch.mkdir(parents=True, exist_ok=True)
    print(f"CNEMC {one.MONTHS[0]} national, {len(january)} daily files in {january[0].parent}, replicated into "
          f"{largest} months by date shifts (month m = January's first N days, N = days of m; the date column "
          f"and the file name rewritten) in {scratch}")
    print(f"{os.cpu_count()} CPUs, {_mem_total() / 2**30:.1f} GiB; load average {os.getloadavg()[0]:.2f} before the run; "
          f"python {sys.version.split()[0]}")
    start = time.perf_counter()
    try:
        t = time.perf_counter()
        by_month = replicate(january, scratch / "feed", largest, args.threads)
        print(f"  input written: {sum(len(m) for m in by_month)} files in {time.perf_counter() - t:.0f} s", flush=True)
        results = measure(runs, by_month, scratch, args)
        if args.save:
            args.save.write_text(json.dumps([[m, n, r] for (m, n), r in results.items()]))
        report(results, args)
        print(f"\n(benchmark took {time.perf_counter() - start:.0f} s; load average {os.getloadavg()[0]:.2f} at the end)")
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def measure(runs, by_month, scratch: Path, args) -> dict:
    """Run the plan; check each output against lantian-on-DuckDB's of the same size."""
    results: dict[tuple[int, str], dict] = {}
    ref: dict[int, Path] = {}
    for months, name in runs:
        paths = [p for m in by_month[:months] for p in m]
        env = spark_env(args) if name == "spark" else {}
        tries = args.repeat if name in ("lantian", "spark", "duckdb") else 1
        best = None
        for k in range(tries):
            label = f"{months:>2} months  {name}" + (f" (run {k + 1}/{tries})" if tries > 1 else "")
            print(f"  {label} ...", end=" ", flush=True)
            got = spawn(name, paths, scratch, args, env)
            if got is None:
                break
            print(f"{got['work_s']:.1f} s{' (extrapolated)' if got['extrapolated'] else ''}, "
                  f"peak {got['peak_mib']:,.0f} MiB, load {got['load'][0]:.2f} -> {got['load'][1]:.2f}", flush=True)
            got["runs"] = (best or {}).get("runs", []) + [got["work_s"]]
            if best is None or got["work_s"] < best["work_s"]:
                best = got
            else:
                best["runs"] = got["runs"]
        if best is None:
            results[(months, name)] = None
            continue
        best["paths"] = len(paths)
        results[(months, name)] = best
        out = Path(best["out"])
        if name == "lantian":
            ref[months] = scratch / "out" / f"ref-{months}"
            shutil.rmtree(ref[months], ignore_errors=True)
            out.rename(ref[months])
        elif months in ref and name == "python-aqi":
            best["check"] = one.compare_python_aqi(ref[months], out / "python_aqi_sample.csv")
        elif months in ref:
            best["check"] = check(ref[months], out, [p.name for p in paths])
            print(f"      same as lantian on DuckDB? {check_text(best['check'])}", flush=True)
        shutil.rmtree(out, ignore_errors=True)
        if name == "lantian" and months not in {m for m, n in runs if n != "lantian"}:
            shutil.rmtree(ref[months], ignore_errors=True)     # nothing else runs at this size
    return results


def _mem_total() -> int:
    with open("/proc/meminfo") as fh:
        return int(fh.readline().split()[1]) * 1024


# ---------------------------------------------------------------------------------------------
# the report


def fit_line(xs, ys) -> tuple[float, float]:
    """Least squares y = a + b x."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - b * mx, b


def report(results: dict, args) -> None:
    ref = {m: r for (m, n), r in results.items() if n == "lantian" and r}
    if not ref:
        print("lantian failed: nothing to report")
        return
    rows = dict(results)
    rows.update(_scaled_pandas(results, ref, args.months))
    print("\nsizes: the first months of the replicated year (1 = January 2019 itself); station-hours = stations x hours")
    head = (f"{'months':>6} {'station-hours':>14}  {'contender':<32} {'wall s':>8} {'process s':>9} {'cpu s':>7} "
            f"{'peak MiB':>8} {'vs lantian':>10}  {'load':>10}  same output as lantian on DuckDB")
    print(head)
    print("-" * len(head))
    order = list(CONTENDERS)
    ranked = sorted(rows.items(), key=lambda item: (item[0][0], order.index(item[0][1])))
    for (months, name), r in ranked:
        label = CONTENDERS[name][1]
        if r is None:
            print(f"{months:>6} {'':>14}  {label:<32} FAILED")
            continue
        sh = ref[months]["info"]["station_hours"] if months in ref else r["info"].get("station_hours", 0)
        ratio = f"{r['work_s'] / ref[months]['work_s']:.2f}x" if months in ref and name != "lantian" else ""
        wall = f"{r['work_s']:.2f}" + ("*" if r["extrapolated"] else " ")
        same = _aqi_text(r) if name == "python-aqi" else check_text(r.get("check"))
        print(f"{months:>6} {sh:>14,}  {label:<32} {wall:>8} {_num(r.get('process_s'), 9, 1)} "
              f"{_num(r.get('cpu_s'), 7, 1)} {_num(r.get('peak_mib'), 8, 0)} {ratio:>10}  "
              f"{_load(r.get('load')):>10}  {same}")
    print("wall s: inside the contender's process after its imports (best of --repeat); * = extrapolated, see below.")
    print("process s: the whole subprocess; cpu s: user+sys of its process tree; peak MiB: the largest sum of the")
    print("tree's resident sets (python and, for Spark, the JVM), sampled from /proc every 0.1 s. load: 1-minute")
    print("load average before -> after the measurement.")
    for (months, name), r in ranked:
        if r and r["extrapolated"]:
            print(f"  * {months} months {name}: EXTRAPOLATED - {r['extrapolated']}")
        if r and r.get("lingering"):
            print(f"  ! {months} months {name}: {r['lingering']} descendant process(es) still alive 60 s after it")
    print("\nwhere lantian's time goes (s; on Spark, connect starts the JVM):")
    for (months, name), r in ranked:
        if r and name in ("lantian", "spark"):
            phases = ", ".join(f"{k} {v:.1f}" for k, v in r["phases"] if "for (a)" not in k)
            print(f"  {months:>2} months {CONTENDERS[name][1]:<26} {phases}")
    growth(results, ref, args)


def _num(value, width: int, digits: int) -> str:
    return f"{value:>{width},.{digits}f}" if value is not None else f"{'-':>{width}}"


def _load(load) -> str:
    return f"{load[0]:.1f} -> {load[1]:.1f}" if load else ""


def _aqi_text(r) -> str:
    if not r.get("check"):
        return "-"
    ok, n = r["check"]
    return f"hourly AQI agrees on {ok:,}/{n:,} sampled ({100 * ok / n:.1f} %; its MEP table is not HJ 633's)"


def _scaled_pandas(results: dict, ref: dict, months: int) -> dict:
    """pandas is too slow for the year: its measured run scaled linearly in station-hours."""
    measured = [(m, r) for (m, n), r in results.items() if n == "pandas" and r and not r["extrapolated"]]
    if not measured or months not in ref or (months, "pandas") in results:
        return {}
    m, r = max(measured, key=lambda item: item[0])
    n, n_measured = ref[months]["info"]["station_hours"], r["info"]["station_hours"]
    how = (f"{m} month(s) measured, {r['work_s']:.1f} s x {n:,}/{n_measured:,} station-hours "
           f"(linear; peak memory not extrapolated)")
    return {(months, "pandas"): {"work_s": r["work_s"] * n / n_measured, "extrapolated": how, "info": {}}}


def growth(results: dict, ref: dict, args) -> None:
    """The exponent of wall time in station-hours, the peak memory per month, and what follows."""
    print("\ngrowth (least squares over the sizes run; exponent = slope of log wall s against log station-hours):")
    fits = {}
    for name in ("lantian", "spark", "duckdb"):
        rows = sorted((m, r) for (m, n), r in results.items() if n == name and r and m in ref)
        if len(rows) < 2:
            continue
        xs = [math.log(ref[m]["info"]["station_hours"]) for m, _ in rows]
        months = [m for m, _ in rows]
        c, k = fit_line(xs, [math.log(r["work_s"]) for _, r in rows])
        _, kc = fit_line(xs, [math.log(r["cpu_s"]) for _, r in rows])
        a, b = fit_line(months, [r["peak_mib"] for _, r in rows])
        t0, t1 = fit_line(months, [r["work_s"] for _, r in rows])
        fits[name] = (c, k, a, b, t0, t1)
        print(f"  {CONTENDERS[name][1]:<30} sizes {','.join(map(str, months)):<13} wall ~ n^{k:.2f} (cpu s ~ n^{kc:.2f}); "
              f"wall ~ {t0:.1f} s + {t1:.2f} s per month; peak ~ {a:,.0f} MiB + {b:,.0f} MiB per month")
        print(f"  {'':<30} wall s per month: " + ", ".join(f"{m}: {r['work_s'] / m:.2f}" for m, r in rows))
    if "lantian" not in fits:
        return
    c, k, a, b, t0, t1 = fits["lantian"]
    largest = max(ref)
    per_month = ref[largest]["info"]["station_hours"] / largest
    fit_months = (args.memory_gb * 1024 - a) / b
    seconds = math.exp(c + k * math.log(fit_months * per_month))
    print(f"\none machine of {args.memory_gb:g} GiB: by the memory line, lantian on DuckDB fits about "
          f"{fit_months:,.0f} months of the national feed read together ({fit_months / 12:.1f} years, "
          f"{fit_months * per_month / 1e6:,.0f} million station-hours), in about {seconds:,.0f} s by the time curve")
    if args.verify and args.verify in ref:
        v = ref[args.verify]
        print(f"  verified at {args.verify} months: {v['work_s']:.1f} s, peak {v['peak_mib']:,.0f} MiB "
              f"(the line says {a + b * args.verify:,.0f} MiB, the curve {math.exp(c + k * math.log(v['info']['station_hours'])):.0f} s)")
    if "spark" in fits:
        s0, s1 = fits["spark"][4:]
        common = sorted(m for (m, n), r in results.items() if n == "spark" and r and m in ref)
        ratios = ", ".join(f"{m} months {results[(m, 'spark')]['work_s'] / ref[m]['work_s']:.1f}x" for m in common)
        print(f"  Spark local[{args.threads}] / DuckDB wall time: {ratios}. The gap narrows with size because Spark's "
              f"fixed cost ({s0:.0f} s: the JVM, the jobs) spreads out;")
        if s1 < t1:             # the two lines meet where t0 + t1 m = s0 + s1 m
            months = (s0 - t0) / (t1 - s1)
            where = "beyond" if months > fit_months else "within"
            print(f"  per month Spark costs {s1:.1f} s against {t1:.1f} s: the lines cross at ~{months:,.0f} months, "
                  f"{where} what fits in {args.memory_gb:g} GiB")
        else:
            print(f"  per month Spark costs {s1:.1f} s against DuckDB's {t1:.1f} s on the same {args.threads} cores: "
                  f"no crossover on this machine")


if __name__ == "__main__":
    main()
