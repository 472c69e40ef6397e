"""``lantian watch`` (drop folders) and ``lantian worker`` (the scheduler and the notifier)."""
from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated, Optional

import typer

from lantian.terminal import WorkspaceOpt, friendly, open_upgraded, out


@friendly
def watch(folder: Annotated[Path, typer.Argument(help="The drop folder.")],
          fmt: Annotated[str, typer.Option("--format", help="cnemc, firms, gates, long or wide.")],
          stable: Annotated[Optional[float], typer.Option(help="Seconds a file's size must stay unchanged "
                                                                "(default [watch] stable_seconds, 5).")] = None,
          interval: Annotated[float, typer.Option(help="Seconds between looks at the folder.")] = 2.0,
          once: Annotated[bool, typer.Option("--once", help="Import what is complete now (waiting `stable` "
                                                             "seconds once) and exit.")] = False,
          workspace: WorkspaceOpt = None):
    """Import each new file of a folder once it is complete (size stable, or renamed from NAME.part),
    through the same importer as `lantian import`; move it to done/ or refused/ with the reason beside it."""
    import time
    from lantian.live.settings import watch_settings
    from lantian.live.watch import Watcher
    ws = open_upgraded(workspace)
    seconds = stable if stable is not None else watch_settings(ws.config).stable_seconds
    w = Watcher(folder, fmt, ws, stable_seconds=seconds)

    def say(o):
        print(f"{'imported' if o.ok else 'refused'}: {o.name} → {o.moved_to}"
              + ("" if o.ok else f" — {o.detail}"), flush=True)
    if once:
        for o in w.scan():
            say(o)
        time.sleep(seconds)
        for o in w.scan():
            say(o)
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    out.print(f"watching {folder} for {fmt} files (stable {seconds:g} s; Ctrl-C to stop)")
    try:
        w.run(stop, interval, say)
    except KeyboardInterrupt:
        pass


@friendly
def worker(workspace: WorkspaceOpt = None,
           once: Annotated[bool, typer.Option("--once", help="Run what is due now, deliver, and exit.")] = False):
    """The scheduler (jobs of \\[schedule] in lantian.toml: hourly AQI, the daily report, escalations,
    silent devices, warnings…) and the notifier (inbox, e-mail, webhooks), until stopped."""
    from lantian.live.scheduler import run_worker
    ws = open_upgraded(workspace)
    run_worker(ws, once=once, say=lambda text: print(text, flush=True))


def register(root_app: typer.Typer) -> None:
    root_app.command("watch")(watch)
    root_app.command("worker")(worker)
