"""Load test: a morning's mix of what an office opens, every demo account, on loopback (issue 21 §3).

Starts ``lantian serve`` on 127.0.0.1 (a free port; ``--workers N`` passed on; PostgreSQL with
``--database-url``), takes a bearer token for each demo account (``POST /api/auth/token``), and
runs, for each ``--users`` count (default 50 and 200), that many concurrent users — user *i* is
demo account *i* mod 8 — each looping over the 9 endpoints of the mix, starting at endpoint *i*
mod 9, for ``--duration`` seconds, ``--think`` seconds between requests (default 0: closed loop).
Then the same users on the dashboard only (``/api/dashboard``), the limit the mix is reported
against. Before each run one request per account and endpoint warms the server (not counted).

Printed per run: requests, requests/s, errors (and what they were), p50/p95/p99/max per endpoint
and overall, the server's CPU time and its peak memory (``VmHWM`` of the server and its worker
processes, summed). ``--json`` writes them too. Goal: the mix at 50 users with 0 errors and
p95 < 300 ms; at 200 users 0 errors.

    PYTHONPATH=src .venv/bin/python benchmarks/load_mix.py --workspace /tmp/load-ws
    ... --users 50 --users 200 --duration 60 --workers 2
    ... --database-url postgresql+psycopg://postgres@127.0.0.1:5432/lantian_load --workspace /tmp/load-ws-pg
    (workspace: ``lantian demo init DIR``; accounts of lantian.demo.ACCOUNTS, password lantian-demo)

Exit code 0 when the goals are met, 1 when not, 2 when the run could not be set up. The client runs
on the same machine (loopback) and takes CPU from the server: the numbers are a conservative bound.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from load_dashboard import (HOST, Sample, cpu_seconds, free_port, percentile, stop_server,  # noqa: E402
                            wait_until_up)

MIX = ("/", "/api/dashboard", "/api/stations", "/api/enterprises", "/api/plan/tasks", "/api/fires",
       "/api/ranking?month=2019-01", "/enterprises", "/plan")
LIMIT = ("/api/dashboard",)
ACCOUNTS = ("admin", "daqiban", "gongxin", "luzhou", "tunliu", "qiye", "jiancha", "guancha")


# --------------------------------------------------------------------------- server
def start_server(args, port: int, log_path: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "from lantian.cli import app; app()", "serve", "--workspace", str(args.workspace),
           "--host", HOST, "--port", str(port), "--no-worker"]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    env = dict(os.environ)
    if args.database_url:
        env["LANTIAN_DATABASE_URL"] = args.database_url
    log = open(log_path, "wb")
    try:
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, env=env)
    finally:
        log.close()


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def process_tree(pid: int) -> list[int]:
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += _children(p)
    return seen


def peak_memory_mb(pid: int) -> float | None:
    """Peak resident memory (VmHWM) of the server process and its children (the workers), summed."""
    total = 0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024 if total else None


def tree_cpu(pid: int) -> float | None:
    values = [cpu_seconds(p) for p in process_tree(pid)]
    values = [v for v in values if v is not None]
    return sum(values) if values else None


# --------------------------------------------------------------------------- users
async def tokens(base: str, password: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as c:
        out = {}
        for name in ACCOUNTS:
            r = await c.post("/api/auth/token", data={"username": name, "password": password})
            if r.status_code != 200:
                raise RuntimeError(f"token of {name}: HTTP {r.status_code} {r.text[:200]}")
            out[name] = r.json()["access_token"]
        return out


async def one(client: httpx.AsyncClient, endpoint: str, t_run: float) -> Sample:
    t0 = time.perf_counter()
    try:
        r = await client.get(endpoint)
        await r.aread()
    except httpx.HTTPError as e:
        return Sample(endpoint, t0 - t_run, time.perf_counter() - t0, None, type(e).__name__)
    seconds = time.perf_counter() - t0
    error = None
    if r.status_code != 200:
        error = f"HTTP {r.status_code}" + (f" {r.text[:120]!r}" if r.status_code >= 500 else "")
    return Sample(endpoint, t0 - t_run, seconds, r.status_code, error)


async def user_loop(client, endpoints, first, t_run, deadline, think, out, rng):
    i = first
    if think > 0:
        await asyncio.sleep(rng.uniform(0, think))
    while time.perf_counter() < deadline:
        out.append(await one(client, endpoints[i % len(endpoints)], t_run))
        i += 1
        if think > 0:
            await asyncio.sleep(min(think * rng.uniform(0.5, 1.5), max(0.0, deadline - time.perf_counter())))


async def run(base: str, proc, toks: dict, users: int, endpoints: tuple, args) -> dict:
    names = [ACCOUNTS[i % len(ACCOUNTS)] for i in range(users)]
    clients = [httpx.AsyncClient(base_url=base, timeout=args.timeout, headers={"Authorization": f"Bearer {toks[n]}"},
                                 limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
               for n in names]
    try:
        # warm-up, not counted: each account × endpoint in turn, on a new connection each time (with
        # --workers, each worker process has its own caches), until a whole sweep answers in < 1 s each
        t0 = time.perf_counter()
        for sweep in range(max(2, 3 * (args.workers or 1))):
            warm = []
            for name in ACCOUNTS[:users]:
                for e in endpoints:
                    async with httpx.AsyncClient(base_url=base, timeout=args.startup_timeout,
                                                 headers={"Authorization": f"Bearer {toks[name]}"}) as c:
                        warm.append(await one(c, e, t0))
            if sweep and max(s.seconds for s in warm) < 1.0:
                break
        bad = [s for s in warm if s.error]
        if bad:
            raise RuntimeError(f"{len(bad)} warm-up requests failed: {bad[0].endpoint} {bad[0].error}")
        warm_s = time.perf_counter() - t0
        samples: list[Sample] = []
        cpu0 = tree_cpu(proc.pid) if proc else None
        t_run = time.perf_counter()
        deadline = t_run + args.duration
        rng = random.Random(0)
        await asyncio.wait_for(asyncio.gather(*(user_loop(c, endpoints, i, t_run, deadline, args.think, samples, rng)
                                                for i, c in enumerate(clients))), args.duration + args.timeout + 30)
        wall = time.perf_counter() - t_run
        cpu1 = tree_cpu(proc.pid) if proc else None
    finally:
        await asyncio.gather(*(c.aclose() for c in clients), return_exceptions=True)
    rows = {}
    for name in (*endpoints, "all"):
        ms = sorted(s.seconds * 1000 for s in samples if name == "all" or s.endpoint == name)
        rows[name] = {"requests": len(ms), "errors": sum(1 for s in samples if s.error and name in ("all", s.endpoint)),
                      "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "p99_ms": percentile(ms, 99),
                      "max_ms": ms[-1] if ms else float("nan")}
    kinds: dict[str, int] = {}
    for s in samples:
        if s.error:
            kinds[f"{s.endpoint}: {s.error}"] = kinds.get(f"{s.endpoint}: {s.error}", 0) + 1
    return {"users": users, "endpoints": list(endpoints), "wall_s": wall, "warmup_s": warm_s,
            "rps": len(samples) / wall, "rows": rows, "error_kinds": kinds,
            "server_cpu_s": (cpu1 - cpu0) if None not in (cpu0, cpu1) else None,
            "peak_mb": peak_memory_mb(proc.pid) if proc else None}


def report(result: dict, label: str) -> None:
    r = result
    cpu = f", server CPU {r['server_cpu_s']:.0f} s" if r["server_cpu_s"] is not None else ""
    mem = f", server peak memory {r['peak_mb']:.0f} MB" if r["peak_mb"] else ""
    print(f"\n{label}: {r['users']} users, {r['wall_s']:.0f} s, {r['rps']:.1f} requests/s{cpu}{mem}")
    print(f" {'endpoint':<28}{'requests':>9}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, row in r["rows"].items():
        print(f" {name:<28}{row['requests']:>9,}{row['errors']:>7}{row['p50_ms']:>9.0f}{row['p95_ms']:>9.0f}"
              f"{row['p99_ms']:>9.0f}{row['max_ms']:>9.0f}")
    for kind, n in sorted(r["error_kinds"].items(), key=lambda kv: -kv[1])[:10]:
        print(f"   error × {n}: {kind}")


async def main_async(args, base, proc) -> tuple[bool, list]:
    await wait_until_up(base, proc, args.startup_timeout)
    toks = await tokens(base, args.password)
    ok, results = True, []
    for users in args.users:
        mix = await run(base, proc, toks, users, MIX, args)
        report(mix, "mix (9 endpoints)")
        limit = await run(base, proc, toks, users, LIMIT, args)
        report(limit, "limit (dashboard only)")
        goal = mix["rows"]["all"]["errors"] == 0 and (users > 50 or mix["rows"]["all"]["p95_ms"] < args.target_ms)
        print(f"GOAL at {users} users: {'met' if goal else 'NOT met'} — mix p95 {mix['rows']['all']['p95_ms']:.0f} ms "
              f"against the dashboard's {limit['rows']['all']['p95_ms']:.0f} ms, {mix['rows']['all']['errors']} errors")
        ok &= goal
        results += [mix, limit]
    return ok, results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workspace", type=Path, required=True, help="a demo workspace (lantian demo init DIR)")
    ap.add_argument("--users", type=int, action="append", help="concurrent users (repeatable; default 50 and 200)")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of load per run (default 30)")
    ap.add_argument("--think", type=float, default=0.0, help="seconds between a user's requests (default 0)")
    ap.add_argument("--timeout", type=float, default=30.0, help="per-request timeout (counts as an error)")
    ap.add_argument("--target-ms", type=float, default=300.0)
    ap.add_argument("--workers", type=int, default=0, help="lantian serve --workers N (default: one process)")
    ap.add_argument("--database-url", help="serve with this LANTIAN_DATABASE_URL (PostgreSQL)")
    ap.add_argument("--password", default=os.environ.get("LANTIAN_DEMO_PASSWORD", "lantian-demo"))
    ap.add_argument("--startup-timeout", type=float, default=180.0)
    ap.add_argument("--attach", type=int, metavar="PORT", help="load a server already on 127.0.0.1:PORT")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)
    args.users = args.users or [50, 200]
    args.workspace = args.workspace.resolve()
    if not args.attach and not (args.workspace / "lantian.toml").exists():
        print(f"{args.workspace} is not a lantian workspace; build one with `lantian demo init DIR`", file=sys.stderr)
        return 2
    port = args.attach or free_port()
    base = f"http://{HOST}:{port}"
    tmp = tempfile.TemporaryDirectory(prefix="lantian-load-")
    log_path = Path(tmp.name) / "server.log"
    proc = None if args.attach else start_server(args, port, log_path)
    print(f"serving {args.workspace} at {base}" + (f" (pid {proc.pid}, workers {args.workers or 1})" if proc else ""),
          flush=True)
    code = 2
    try:
        ok, results = asyncio.run(main_async(args, base, proc))
        code = 0 if ok else 1
        if args.json:
            args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items() if k != "password"},
                                             "runs": results}, indent=1, ensure_ascii=False, default=str))
    except (RuntimeError, asyncio.TimeoutError) as e:
        print(f"load test not run to the end: {e}", file=sys.stderr)
    finally:
        if proc is not None:
            stop_server(proc)
        if code == 2 and log_path.exists():
            print("server output (last lines):\n  " + "\n  ".join(
                log_path.read_text(errors="replace").splitlines()[-30:]), file=sys.stderr)
        tmp.cleanup()
    return code


if __name__ == "__main__":
    sys.exit(main())
