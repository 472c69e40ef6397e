"""The demo workspace: Changzhi's stations, counties and 2019 data, the feed recomputed and checked.

Everything is read from the data folder (never copied into the repository) and kept in the
workspace: the station registry with county assignments (SQLite), the 2019 hourly values
(the Parquet store), the recomputed feed; re-running it changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lantian import db
from lantian.measurements import stations as registry
from lantian.measurements.feed import Feed, FeedRules, load_feed, recompute, write_all
from lantian.measurements.feed_diff import DiffReport, diff
from lantian.measurements.importer import import_files
from lantian.measurements.series import DailySeries, area_daily
from lantian.measurements.store import ImportSummary, Store
from lantian.workspace import Workspace, init

CITY = "长治市"


@dataclass
class DemoResult:
    workspace: Workspace
    feed: Feed
    written: list[Path]
    report: DiffReport
    imported: ImportSummary
    city: DailySeries
    stations: list[str]            # the city's evaluation stations with data


def run(data: Path, workspace: Path, con, progress=None) -> DemoResult:
    ws = init(workspace)
    db.upgrade(ws.database_url)
    registry.import_stations(ws.database_url, data / "cnemc" / "stations" / "NewSiteList_utf8.csv",
                             boundaries=data / "boundaries" / "140400_full.json", changed_by="demo")
    source = data / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"
    imported = import_files(ws.measurements, "cnemc", [source], progress=progress)
    feed = load_feed([source])
    outdir = ws.root / "demo" / "cnemc"
    written = write_all(recompute(feed, con, FeedRules()), outdir)
    report = diff(source.parent, outdir)
    evaluation = [r.code for r in registry.list_stations(ws.database_url, include_stopped=True)
                  if r.prefecture == CITY and not r.control_point]
    store = Store(ws.measurements)
    city = area_daily(store, evaluation, date(2019, 1, 1), date(2019, 12, 31), con)
    with_data = sorted(set(store.hourly(stations=evaluation, pollutants=["PM2_5"]).table.column("station")
                           .to_pylist()))
    return DemoResult(ws, feed, written, report, imported, city, with_data)
