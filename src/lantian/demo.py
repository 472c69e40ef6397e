"""The demo: Changzhi's 2019 CNEMC feed recomputed, checked against the official one, summarised."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import ibis

from lantian.measurements.daily import area_days, station_days
from lantian.measurements.feed import Feed, FeedRules, grid_table, load_feed, recompute, write_all
from lantian.measurements.feed_diff import DiffReport, diff


@dataclass
class DemoResult:
    feed: Feed
    written: list[Path]
    report: DiffReport
    city_days: object     # pyarrow.Table, one row per day
    stations: list[str]   # evaluation (non-control) stations used for the city


def control_points(stations_csv: Path) -> set[str]:
    """Codes flagged 对照点=Y in a CNEMC station list."""
    with open(stations_csv, encoding="utf-8") as fh:
        return {row["监测点编码"] for row in csv.DictReader(fh) if row.get("对照点", "").strip() == "Y"}


def run(data: Path, outdir: Path, con, progress=None) -> DemoResult:
    source = data / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"
    feed = load_feed([source], progress=progress)
    rec = recompute(feed, con, FeedRules())
    written = write_all(rec, outdir)
    report = diff(source.parent, outdir)
    controls = control_points(data / "cnemc" / "changzhi" / "changzhi_stations.csv")
    evaluation = [i for i, s in enumerate(feed.stations) if s not in controls]
    days = station_days(ibis.memtable(grid_table(feed)))
    city = con.to_pyarrow(area_days(days, evaluation).order_by("day"))
    return DemoResult(feed, written, report, city, [feed.stations[i] for i in evaluation])
