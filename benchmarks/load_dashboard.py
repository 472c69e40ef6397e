"""Load test: concurrent signed-in users on the dashboard, on loopback (bounded in time and count).

Starts ``lantian serve`` on 127.0.0.1 with a free port as a subprocess, waits until it answers,
signs in ``--users`` users through the login form (CSRF token from the page, each user with
its own cookies; half the city office account, half the county account), checks who each one
is (``/api/me``), warms up (one request per user and endpoint, not counted), then runs all
users concurrently for ``--duration`` seconds, each looping ``GET /`` (the dashboard page,
HTML) and ``GET /api/dashboard`` alternately with ``--think`` seconds between requests
(0 = closed loop). Every latency and status is recorded; the run stops by itself (time and
``--max-requests``), the server is shut down, and p50/p95/p99/max per endpoint, requests/s,
errors and whether p95 < ``--target-ms`` are printed.

Issue: "50 concurrent users on the dashboard for 30 s — p95 under 300 ms and no errors".

    .venv/bin/python benchmarks/load_dashboard.py --workspace /tmp/demo1            # think 0
    .venv/bin/python benchmarks/load_dashboard.py --workspace /tmp/demo1 --think 1.0
    (workspace: `lantian demo init DIR`; accounts daqiban / luzhou, password lantian-demo)

Exit code: 0 when every endpoint's p95 is under the target and there were no errors, 1 when
not, 2 when the run could not be set up (server did not start, sign-in failed).

The client runs on the same machine as the server (loopback), so it takes CPU from it: the
numbers are a conservative bound for a server with the machine to itself.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HOST = "127.0.0.1"           # loopback only, never anything else
ENDPOINTS = ("/", "/api/dashboard")
CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


@dataclass
class Sample:
    endpoint: str
    start: float             # seconds since the run began
    seconds: float
    status: int | None       # None: no response (timeout, connection error)
    error: str | None = None


@dataclass
class User:
    name: str                # the account
    client: httpx.AsyncClient
    expect: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- server
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def lantian_command() -> list[str]:
    exe = Path(sys.executable).parent / "lantian"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("lantian")
    if found:
        return [found]
    return [sys.executable, "-c", "from lantian.cli import main; main()"]


def start_server(workspace: Path, port: int, log_path: Path) -> subprocess.Popen:
    cmd = lantian_command() + ["serve", "--workspace", str(workspace), "--host", HOST, "--port", str(port)]
    log = open(log_path, "wb")
    try:
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    finally:
        log.close()


def stop_server(proc: subprocess.Popen) -> None:
    """SIGINT (uvicorn's graceful shutdown), then SIGTERM, then SIGKILL — this process only."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, 10), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def cpu_seconds(pid: int | None = None) -> float | None:
    """CPU time (user + system) of a process: the server's from /proc (Linux), or this one's."""
    if pid is None:
        tms = os.times()
        return tms.user + tms.system
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


async def wait_until_up(base: str, proc: subprocess.Popen, timeout: float) -> float:
    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=2.0) as c:
        while time.perf_counter() - t0 < timeout:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"the server exited with code {proc.returncode}")
            try:
                r = await c.get("/login")
                if r.status_code == 200:
                    return time.perf_counter() - t0
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {timeout:.0f} s")


# --------------------------------------------------------------------------- users
async def sign_in(base: str, username: str, password: str, timeout: float) -> httpx.AsyncClient:
    """A client with its own cookie jar, signed in through the login form (CSRF from the page)."""
    c = httpx.AsyncClient(base_url=base, timeout=timeout, follow_redirects=False,
                          limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
    try:
        page = await c.get("/login")
        page.raise_for_status()
        m = CSRF.search(page.text)
        if not m:
            raise RuntimeError("no csrf_token input on /login")
        r = await c.post("/login", data={"username": username, "password": password,
                                         "csrf_token": m.group(1), "next": "/"})
        if r.status_code != 303 or r.headers.get("location") != "/":
            raise RuntimeError(f"sign-in of {username} answered {r.status_code} {r.headers.get('location')!r}")
        if "lantian_session" not in c.cookies:
            raise RuntimeError(f"sign-in of {username} set no session cookie")
        me = await c.get("/api/me")
        me.raise_for_status()
        who = me.json()
        if who.get("username") != username:
            raise RuntimeError(f"signed in as {username}, /api/me says {who}")
        return c
    except BaseException:
        await c.aclose()
        raise


async def request(user: User, endpoint: str, t_run: float) -> Sample:
    t0 = time.perf_counter()
    try:
        r = await user.client.get(endpoint)
        seconds = time.perf_counter() - t0
    except httpx.HTTPError as e:
        return Sample(endpoint, t0 - t_run, time.perf_counter() - t0, None, type(e).__name__)
    error = None
    ctype = r.headers.get("content-type", "")
    if r.status_code != 200:
        error = f"HTTP {r.status_code}" + (f" → {r.headers['location']}" if "location" in r.headers else "")
    elif endpoint == "/" and not ctype.startswith("text/html"):
        error = f"/ answered {ctype}"
    elif endpoint == "/api/dashboard" and (not ctype.startswith("application/json") or b'"stations"' not in r.content):
        error = "/api/dashboard answered no dashboard"
    return Sample(endpoint, t0 - t_run, seconds, r.status_code, error)


async def run_user(user: User, first: int, t_run: float, deadline: float, think: float, jitter: float,
                   budget: list[int], out: list[Sample], rng: random.Random) -> None:
    i = first
    if think > 0:
        # users arrive spread over one think time, not all at once (else they stay in lock-step bursts)
        await asyncio.sleep(rng.uniform(0, think))
    while time.perf_counter() < deadline and budget[0] > 0:
        budget[0] -= 1
        out.append(await request(user, ENDPOINTS[i % 2], t_run))
        i += 1
        if think > 0:
            # think time, cut short at the deadline
            pause = think * rng.uniform(1 - jitter, 1 + jitter)
            await asyncio.sleep(min(pause, max(0.0, deadline - time.perf_counter())))


# --------------------------------------------------------------------------- report
def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(-(-p * len(sorted_values) // 100)) - 1))
    return sorted_values[k]


def summarise(samples: list[Sample], wall: float, target_ms: float) -> dict:
    out = {}
    for name in (*ENDPOINTS, "all"):
        rows = [s for s in samples if name == "all" or s.endpoint == name]
        ms = sorted(s.seconds * 1000 for s in rows)
        errors = [s for s in rows if s.error]
        out[name] = {"requests": len(rows), "errors": len(errors), "rps": len(rows) / wall if wall else 0.0,
                     "mean_ms": sum(ms) / len(ms) if ms else float("nan"),
                     "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "p99_ms": percentile(ms, 99),
                     "max_ms": ms[-1] if ms else float("nan")}
        out[name]["p95_ok"] = bool(ms) and out[name]["p95_ms"] < target_ms
    kinds: dict[str, int] = {}
    for s in samples:
        if s.error:
            kinds[f"{s.endpoint}: {s.error}"] = kinds.get(f"{s.endpoint}: {s.error}", 0) + 1
    out["error_kinds"] = kinds
    return out


def print_report(args, summary: dict, wall: float, setup: dict) -> bool:
    print()
    think = f"think {args.think:g} s" + (f" ± {args.jitter:.0%}" if args.think and args.jitter else "")
    print(f"lantian dashboard load test — {args.users} users ({setup['mix']}), {think}, "
          f"{wall:.1f} s measured on {HOST} (server up in {setup['startup_s']:.1f} s, sign-in "
          f"{setup['signin_s']:.1f} s, warm-up {setup['warmup_s']:.1f} s)")
    print(f" {'endpoint':<16}{'requests':>9}{'req/s':>8}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'max ms':>9}{'mean ms':>9}  p95 < {args.target_ms:g} ms")
    for name in (*ENDPOINTS, "all"):
        r = summary[name]
        print(f" {name:<16}{r['requests']:>9,}{r['rps']:>8.1f}{r['errors']:>7}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}"
              f"{r['p99_ms']:>9.1f}{r['max_ms']:>9.1f}{r['mean_ms']:>9.1f}  {'yes' if r['p95_ok'] else 'NO'}")
    n = summary["all"]["requests"]
    if setup.get("server_cpu_s") is not None and n:
        print(f" CPU while measured: server {setup['server_cpu_s']:.1f} s ({setup['server_cpu_s'] / wall:.0%} of a core, "
              f"{setup['server_cpu_s'] / n * 1000:.1f} ms/request), load client {setup['client_cpu_s']:.1f} s "
              f"({setup['client_cpu_s'] / wall:.0%} of a core); {os.cpu_count()} CPUs")
    for kind, n in sorted(summary["error_kinds"].items(), key=lambda kv: -kv[1])[:10]:
        print(f"   error × {n}: {kind}")
    ok = all(summary[n]["p95_ok"] for n in (*ENDPOINTS, "all")) and summary["all"]["errors"] == 0
    print(f"RESULT: {'PASS' if ok else 'FAIL'} — p95 {summary['all']['p95_ms']:.1f} ms overall "
          f"(target < {args.target_ms:g} ms), {summary['all']['errors']} errors, "
          f"{summary['all']['rps']:.1f} requests/s")
    return ok


# --------------------------------------------------------------------------- main
async def load(args, base: str, proc: subprocess.Popen) -> tuple[bool, dict]:
    setup = {"startup_s": await wait_until_up(base, proc, args.startup_timeout)}

    accounts = [(args.city_user if i % 2 == 0 else args.county_user) for i in range(args.users)]
    setup["mix"] = (f"{accounts.count(args.city_user)} × {args.city_user}, "
                    f"{accounts.count(args.county_user)} × {args.county_user}")
    t0 = time.perf_counter()
    gate = asyncio.Semaphore(args.signin_concurrency)

    async def one(name):
        async with gate:
            return User(name, await sign_in(base, name, args.password, args.timeout))
    users: list[User] = []
    try:
        results = await asyncio.gather(*(one(n) for n in accounts), return_exceptions=True)
        users = [u for u in results if isinstance(u, User)]
        failed = [e for e in results if not isinstance(e, User)]
        if failed:
            raise RuntimeError(f"{len(failed)} of {len(accounts)} sign-ins failed: {failed[0]!r}")
        setup["signin_s"] = time.perf_counter() - t0

        # warm-up: one request per user and endpoint (computes the per-scope daily caches), not counted
        # (a user's connection may have idled past the server's keep-alive while the others signed in:
        # a request racing that close fails without a response, so an unanswered warm-up is retried once)
        t0 = time.perf_counter()

        async def warm_up(u, e):
            s = await request(u, e, t0)
            return await request(u, e, t0) if s.status is None else s
        warm = await asyncio.gather(*(warm_up(u, e) for u in users for e in ENDPOINTS))
        bad = [s for s in warm if s.error]
        if bad:
            raise RuntimeError(f"{len(bad)} warm-up requests failed: {bad[0].endpoint} {bad[0].error}")
        setup["warmup_s"] = time.perf_counter() - t0

        samples: list[Sample] = []
        budget = [args.max_requests]
        server_pid = proc.pid if proc is not None else None
        cpu0 = (cpu_seconds(server_pid) if server_pid else None), cpu_seconds()
        t_run = time.perf_counter()
        deadline = t_run + args.duration
        rng = random.Random(args.seed)
        tasks = [run_user(u, i, t_run, deadline, args.think, args.jitter, budget, samples, rng)
                 for i, u in enumerate(users)]
        # hard bound: the duration, plus one request's timeout for those in flight
        await asyncio.wait_for(asyncio.gather(*tasks), args.duration + args.timeout + 10)
        wall = max(time.perf_counter() - t_run, 1e-9)
        cpu1 = (cpu_seconds(server_pid) if server_pid else None), cpu_seconds()
        setup["server_cpu_s"] = cpu1[0] - cpu0[0] if None not in (cpu0[0], cpu1[0]) else None
        setup["client_cpu_s"] = cpu1[1] - cpu0[1]
    finally:
        await asyncio.gather(*(u.client.aclose() for u in users), return_exceptions=True)

    summary = summarise(samples, wall, args.target_ms)
    ok = print_report(args, summary, wall, setup)
    return ok, {"args": {k: v for k, v in vars(args).items() if k != "password"}, "setup": setup, "wall_s": wall,
                "summary": summary}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workspace", type=Path, default=Path("lantian-workspace"),
                    help="workspace to serve (default ./lantian-workspace)")
    ap.add_argument("--users", type=int, default=50, help="concurrent users (default 50)")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    ap.add_argument("--think", type=float, default=0.0,
                    help="seconds each user waits between requests (default 0: closed loop)")
    ap.add_argument("--jitter", type=float, default=0.5,
                    help="think times vary uniformly by ± this fraction, and users start spread over one think "
                         "time (default 0.5; 0 = every user in lock-step)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the think-time jitter")
    ap.add_argument("--max-requests", type=int, default=200_000, help="stop after this many requests in all")
    ap.add_argument("--timeout", type=float, default=30.0, help="per-request timeout, seconds (counts as an error)")
    ap.add_argument("--target-ms", type=float, default=300.0, help="p95 target (default 300 ms)")
    ap.add_argument("--city-user", default="daqiban")
    ap.add_argument("--county-user", default="luzhou")
    ap.add_argument("--password", default=os.environ.get("LANTIAN_DEMO_PASSWORD", "lantian-demo"))
    ap.add_argument("--signin-concurrency", type=int, default=5)
    ap.add_argument("--startup-timeout", type=float, default=120.0)
    ap.add_argument("--attach", type=int, metavar="PORT",
                    help="load a server already running on 127.0.0.1:PORT instead of starting one (profiling)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    ap.add_argument("--server-log", type=Path, help="keep the server's output here (default: a temp file, "
                                                    "printed on failure)")
    args = ap.parse_args(argv)
    if args.users < 1 or args.duration <= 0 or args.think < 0 or args.max_requests < 1 or not 0 <= args.jitter <= 1:
        ap.error("--users ≥ 1, --duration > 0, --think ≥ 0, --max-requests ≥ 1, 0 ≤ --jitter ≤ 1")
    workspace = args.workspace.resolve()
    if not args.attach and not (workspace / "lantian.toml").exists():
        print(f"{workspace} is not a lantian workspace (no lantian.toml); build one with "
              f"`lantian demo init {args.workspace}`", file=sys.stderr)
        return 2

    port = args.attach or free_port()
    base = f"http://{HOST}:{port}"
    tmp = None
    log_path = args.server_log
    if log_path is None:
        tmp = tempfile.TemporaryDirectory(prefix="lantian-load-")
        log_path = Path(tmp.name) / "server.log"
    if args.attach:
        proc = None
        print(f"loading the server at {base}", flush=True)
    else:
        print(f"serving {workspace} at {base} (server pid ", end="", flush=True)
        proc = start_server(workspace, port, log_path)
        print(f"{proc.pid})", flush=True)
    code = 2
    try:
        ok, result = asyncio.run(load(args, base, proc))
        code = 0 if ok else 1
        if args.json:
            args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    except (RuntimeError, asyncio.TimeoutError) as e:
        print(f"load test not run to the end: {e}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
    finally:
        if proc is not None:
            stop_server(proc)
        if code == 2 and log_path.exists():
            tail = log_path.read_text(errors="replace").splitlines()[-30:]
            print("server output (last lines):\n  " + "\n  ".join(tail), file=sys.stderr)
        if tmp is not None:
            tmp.cleanup()
    return code


if __name__ == "__main__":
    sys.exit(main())
