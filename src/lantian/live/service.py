"""Running the receiver and its builder for a workspace (``lantian hj212 listen``, ``lantian serve``),
and reading back what is stored (``lantian store query``)."""
from __future__ import annotations

import asyncio
import ctypes
import datetime as dt
import fcntl
import gc
import multiprocessing
import os
import signal
import sys
import threading
from pathlib import Path

from lantian.errors import UsageError
from lantian.live.settings import HJ212Settings, hj212_settings
from lantian import db
from lantian.accounts.scope import Scope
from lantian.live.builder import Builder
from lantian.live.devices import registry
from lantian.live.receiver import Receiver
from lantian.live.scheduler import run_worker
from lantian.live.series import LiveSeries
from lantian.live.settings import codes
from lantian.measurements.facility import FacilityStore
from lantian.measurements.store import Store
from lantian.monitoring.dashboard import dashboard


def journal_folder(root: Path) -> Path:
    return Path(root) / "live" / "journal"


def _loader(url: str):
    def load():
        with db.session(url) as s:
            return registry(s)
    return load


def make_builder(root: Path, url: str, settings: HJ212Settings):
    return Builder(url, journal_folder(root), Path(root) / "measurements", settings)


# --------------------------------------------------------------------------- the builder process
def _die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Linux: this process gets ``sig`` when its parent dies (a ``kill -9`` of the receiver takes its
    builder with it; the next receiver starts a new one)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, sig)     # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _stop_with_parent() -> None:
    """For the receiver `lantian serve` starts: a clean stop (SIGTERM) when serve is gone, however it went
    (uvicorn ends its process by the signal it caught, past any ``finally``)."""
    _die_with_parent(signal.SIGTERM)


def builder_main(root: str, url: str, config: dict, parent: int) -> None:
    """The builder process: one per workspace (a lock file), until its parent is gone or SIGTERM."""
    _die_with_parent()
    os.nice(10)                              # answering devices comes first; the store may lag a burst
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    folder = journal_folder(Path(root))
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "builder.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        builder = make_builder(Path(root), url, hj212_settings(config))

        def watch_parent():
            while not stop.is_set():
                if os.getppid() != parent:
                    stop.set()
                stop.wait(1.0)
        threading.Thread(target=watch_parent, daemon=True).start()
        builder.run(stop, on_error=lambda exc: print(f"hj212 builder: {exc!r}", file=sys.stderr, flush=True))


def start_builder(root: Path, url: str, config: dict):
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=builder_main, args=(str(root), url, config, os.getpid()), daemon=True,
                       name="hj212-builder")
    proc.start()
    return proc


# --------------------------------------------------------------------------- listen
def listen(ws, host: str, port: int, builder: str = "process", say=print, status_seconds: float = 60.0) -> None:
    """``lantian hj212 listen``: serve devices until SIGINT/SIGTERM; build the store alongside."""
    settings = hj212_settings(ws.config, str(ws.config_path))
    url = ws.database_url
    db.upgrade(url)
    root = ws.root
    proc = stop = thread = None
    if builder == "process":
        proc = start_builder(root, url, ws.config)
    elif builder == "thread":
        stop = threading.Event()
        b = make_builder(root, url, settings)
        thread = threading.Thread(target=b.run, args=(stop,), daemon=True, name="hj212-builder")
        thread.start()
    elif builder != "none":
        raise UsageError("--builder is process, thread or none")
    try:
        import uvloop
        runner = uvloop.run
    except ImportError:                                   # pragma: no cover - uvloop is in the lock
        runner = asyncio.run

    async def main():
        receiver = Receiver(journal_folder(root), _loader(url), settings.refresh_seconds)
        await receiver.start(host, port)
        # The process's start (the CLI, SQLAlchemy, the migrations) leaves ~10⁵ objects that no packet
        # frees: kept out of the garbage collector's full passes, which otherwise walked them all while
        # the first burst of a minute was read (its answers took twice as long).
        gc.collect()
        gc.freeze()
        say(f"hj212: listening on {host}:{receiver.port} (journal {journal_folder(root)}, builder {builder})")
        done = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, done.set)
        last = dict(receiver.counts)
        while not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), status_seconds)
            except asyncio.TimeoutError:
                now = dict(receiver.counts)
                delta = {k: now[k] - last[k] for k in now}
                last = now
                say(f"hj212: {delta['ok']} accepted, {delta['unknown_mn'] + delta['wrong_pw']} refused, "
                    f"{delta['unreadable']} unreadable in the last {status_seconds:.0f} s; "
                    f"{receiver.connections} connections"
                    + (f"; journal not syncing: {receiver.committer.failed}" if receiver.committer.failed else ""))
        await receiver.stop()
        say(f"hj212: {receiver.committer.summary()}")
        say(f"hj212: stopped — {receiver.counts['ok']} packets accepted, "
            f"{sum(receiver.counts.values()) - receiver.counts['ok']} refused or unreadable")

    try:
        runner(main())
    finally:
        if proc is not None:
            proc.terminate()
            proc.join(30)
        if stop is not None:
            stop.set()
            thread.join(30)
    if builder != "none":                                 # a clean stop leaves the store built to the end
        result = build_now(ws)
        if result["records"]:
            say(f"hj212: built {result['records']} journal records on the way out")


def build_now(ws) -> dict:
    """Build the store from the journal up to its end now (``lantian hj212 build``)."""
    settings = hj212_settings(ws.config, str(ws.config_path))
    db.upgrade(ws.database_url)
    folder = journal_folder(ws.root)
    folder.mkdir(parents=True, exist_ok=True)
    total = {"records": 0, "values": 0, "quarantined": 0}
    with open(folder / "builder.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        b = make_builder(ws.root, ws.database_url, settings)
        while True:
            r = b.run_once()
            for k in total:
                total[k] += getattr(r, k)
            if r.records == 0:
                total["position"] = list(r.position)
                return total


# --------------------------------------------------------------------------- store query
SERIES = ("hourly", "realtime", "minute", "hour", "day")


def _moment(text: str | None, end: bool, hour_ending: bool) -> dt.datetime | None:
    """YYYY-MM-DD[ HH:MM[:SS]] — a date alone is its whole day: hour-ending labels 01:00…24:00 for the
    hourly store (docs/architecture.md "Time"), 00:00…23:59:59 for the live series."""
    if text is None:
        return None
    text = text.strip().replace("T", " ")
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            base = dt.datetime(day.year, day.month, day.day)
            if hour_ending:
                return base + dt.timedelta(days=1) if end else base + dt.timedelta(hours=1)
            return base + dt.timedelta(days=1, seconds=-1) if end else base
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{'--to' if end else '--from'} {text!r}: write YYYY-MM-DD or 'YYYY-MM-DD HH:MM'") from None


def query(ws, *, station: str | None = None, facility: str | None = None, mn: str | None = None,
          start: str | None = None, end: str | None = None, pollutants: list[str] | None = None,
          series: str = "hourly") -> list[dict]:
    """Rows stored for a station, a facility or a device: the station store's hourly values (hour-ending
    labels, µg/m³, CO mg/m³, with their quality bits), the facility tree's, or the live series as sent."""
    if sum(x is not None for x in (station, facility, mn)) != 1:
        raise UsageError("give one of --station CODE, --facility ID or --mn MN")
    if series not in SERIES:
        raise UsageError(f"--series is one of {', '.join(SERIES)}")
    hourly = series == "hourly"
    t0, t1 = _moment(start, False, hourly and station is not None), _moment(end, True, hourly and station is not None)
    if hourly and station is not None:
        named = [(codes()[p].pollutant if p in codes() and codes()[p].pollutant else p.replace("PM2.5", "PM2_5"))
                 for p in pollutants or []]
        got = Store(ws.measurements).hourly(stations=[station], pollutants=named or None, start=t0, end=t1).table
        return [{"station": r["station"], "time": str(r["time"])[:19], "pollutant": r["pollutant"],
                 "value": r["value"], "unit": r["unit"], "flag": r["flag"], "source": r["source"]}
                for r in got.to_pylist()]
    if hourly and facility is not None:
        got = FacilityStore(ws.measurements).read([str(facility)], t0, t1).to_pylist()
        if pollutants:
            got = [r for r in got if any(r["metric"] == p or r["metric"].startswith(p + "-") for p in pollutants)]
        return [{"facility": r["facility"], "time": str(r["time"])[:19], "metric": r["metric"], "value": r["value"],
                 "unit": r["unit"]} for r in got]
    if hourly:
        raise UsageError("--mn reads the live series: add --series realtime|minute|hour|day")
    got = LiveSeries(ws.measurements).read(series, station=station, facility=None if facility is None else str(facility),
                                           mn=mn, start=t0, end=t1, codes=pollutants or None)
    return [{"mn": r["mn"], "station": r["station"], "facility": r["facility"], "data_time": str(r["data_time"])[:19],
             "code": r["code"], "field": r["field"], "value": r["value"], "unit": r["unit"], "flag": r["flag"],
             "received_at": r["received_at"].isoformat(timespec="milliseconds") if r["received_at"] else None}
            for r in got.to_pylist()]


# --------------------------------------------------------------------------- lantian serve
def serve_companions(app, root: Path, *, worker: bool = True, hj212_port: int | None = None, say=print):
    """What `lantian serve` runs beside the web app: the scheduler in a thread of the served app (so
    the hourly job refreshes the app's own dashboards) and, when a port is given, the HJ 212 receiver
    in its own process. Returns a function that stops them."""
    import subprocess
    stop = threading.Event()
    threads, procs = [], []
    ws = app.state.workspace
    if worker:

        def warm():
            city = Scope.office(app.state.db_url, "worker")
            with app.state.engine_lock:
                dashboard(app.state.store, city.stations(include_stopped=True), None, app.state.con, as_of=ws.as_of)
        hooks = {"new_hours": [warm]}
        app.state.live_hooks = hooks
        t = threading.Thread(target=run_worker, kwargs={"ws": ws, "say": say, "stop": stop, "hooks": hooks},
                             daemon=True, name="lantian-worker")
        t.start()
        threads.append(t)
    if hj212_port is not None:
        exe = Path(sys.executable).parent / "lantian"
        cmd = [str(exe) if exe.exists() else sys.executable, *([] if exe.exists() else ["-m", "lantian"]),
               "hj212", "listen", "--port", str(hj212_port), "-w", str(root)]
        procs.append(subprocess.Popen(cmd, preexec_fn=_stop_with_parent))
        say(f"HJ 212 receiver on port {hj212_port} (its own process, pid {procs[-1].pid})")

    def stopper():
        stop.set()
        for p in procs:
            p.terminate()
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
        for t in threads:
            t.join(30)
    return stopper
