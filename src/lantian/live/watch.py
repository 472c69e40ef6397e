"""Drop folders: files put in a folder are imported by themselves, through the same importers as
``lantian import``, ``lantian fires import`` and ``lantian gates import`` (so importing a file twice
changes nothing, and a bad file stores nothing).

A file is taken once it is complete: its size and modification time have not changed for
``stable_seconds`` (⚠ ``[watch] stable_seconds``, default 5), or it has just been renamed from
``NAME.part`` to ``NAME`` (the usual way a sender marks a file finished). Files ending in
``.part``, ``.tmp`` or ``.crdownload`` and hidden files are left alone. After the import the file
moves to ``done/`` with ``NAME.result.json`` beside it, or — refused — to ``refused/`` with
``NAME.reason.txt`` saying why (the file, line and field the importer named). Nothing is deleted.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from lantian.errors import InputError, NotFound, UsageError
from lantian import db, audit
from lantian.accounts.scope import Scope
from lantian.fires import service
from lantian.measurements.importer import import_files
from lantian.vehicles import service as gates

FORMATS = {"cnemc": "CNEMC daily feed files (china_sites_*.csv[.gz])", "long": "a long table (CSV/XLSX)",
           "wide": "a wide table (CSV/XLSX)", "firms": "NASA FIRMS fire points (CSV)",
           "gates": "gate records (门禁记录, CSV/XLSX)"}
PARTIAL = (".part", ".tmp", ".crdownload", ".partial")


@dataclass
class Outcome:
    name: str
    ok: bool
    detail: str
    moved_to: Path


@dataclass
class _Seen:
    size: int
    mtime: float
    since: float


@dataclass
class Watcher:
    folder: Path
    fmt: str
    workspace: object
    stable_seconds: float = 5.0
    clock: object = time.monotonic
    actor: str = "watch"
    _seen: dict = field(default_factory=dict)
    _parts: set = field(default_factory=set)

    def __post_init__(self):
        if self.fmt not in FORMATS:
            raise UsageError(f"--format is one of {', '.join(FORMATS)}")
        self.folder = Path(self.folder)
        if not self.folder.is_dir():
            raise UsageError(f"{self.folder} is not a folder")
        (self.folder / "done").mkdir(exist_ok=True)
        (self.folder / "refused").mkdir(exist_ok=True)

    def _candidates(self) -> list[Path]:
        out = []
        for p in sorted(self.folder.iterdir()):
            if not p.is_file() or p.name.startswith("."):
                continue
            if p.name.lower().endswith(PARTIAL):
                self._parts.add(p.name[:p.name.rfind(".")])
                continue
            out.append(p)
        return out

    def scan(self) -> list[Outcome]:
        """One look at the folder: import every file that is complete now."""
        now = self.clock()
        done = []
        names = set()
        for p in self._candidates():
            names.add(p.name)
            st = p.stat()
            seen = self._seen.get(p.name)
            renamed = p.name in self._parts
            if seen is None or (seen.size, seen.mtime) != (st.st_size, st.st_mtime):
                self._seen[p.name] = _Seen(st.st_size, st.st_mtime, now)
                if not renamed:
                    continue
            elif not renamed and now - seen.since < self.stable_seconds:
                continue
            done.append(self.take(p))
            self._seen.pop(p.name, None)
            self._parts.discard(p.name)
        for gone in set(self._seen) - names:
            self._seen.pop(gone)
        self._parts &= {p.name[:p.name.rfind(".")] for p in self.folder.iterdir() if p.name.lower().endswith(PARTIAL)} \
            | names
        return done

    def take(self, path: Path) -> Outcome:
        """Import one file and move it to done/ or refused/ with the result or the reason beside it."""
        try:
            result = import_one(self.workspace, self.fmt, path, self.actor)
        except (InputError, UsageError, NotFound, ValueError) as exc:
            return self._move(path, "refused", False, str(exc))
        return self._move(path, "done", True, json.dumps(result, ensure_ascii=False, default=str, indent=1))

    def _move(self, path: Path, where: str, ok: bool, detail: str) -> Outcome:
        folder = self.folder / where
        target = folder / path.name
        if target.exists():                         # the same name again: keep both
            stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
            target = folder / f"{path.stem}.{stamp}{path.suffix}"
        shutil.move(str(path), target)
        beside = target.with_name(target.name + (".result.json" if ok else ".reason.txt"))
        beside.write_text(detail + "\n", encoding="utf-8")
        return Outcome(path.name, ok, detail, target)

    def run(self, stop, interval: float = 2.0, say=None) -> None:
        """Scan every ``interval`` seconds until ``stop`` is set."""
        while not stop.is_set():
            for o in self.scan():
                if say:
                    say(o)
            stop.wait(interval)


def import_one(ws, fmt: str, path: Path, actor: str = "watch") -> dict:
    """``path`` through the importer of ``fmt`` — the one the command line uses."""
    if fmt in ("cnemc", "long", "wide"):
        summary = import_files(ws.measurements, fmt, [path])
        db.upgrade(ws.database_url)
        audit.record_measurement_import(ws.database_url, summary, actor=actor)
        return {k: v for k, v in summary.as_dict().items() if k in ("import_id", "source", "rows_read", "new",
                                                                      "changed", "unchanged", "stations", "first",
                                                                      "last", "rejected", "notes", "committed")}
    db.upgrade(ws.database_url)
    with db.session(ws.database_url) as s:
        if fmt == "firms":
            r = service.import_file(s, path, actor=actor, config=ws.config)
            if r.get("errors") and not r.get("read"):
                raise InputError(path, "; ".join(r["errors"][:3]))
            return r
        return gates.import_file(s, Scope.office(ws.database_url, actor), path)
