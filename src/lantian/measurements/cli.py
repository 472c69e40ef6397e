"""``lantian cnemc``: the CNEMC real-time feed — recompute its derived rows and check them against
the published ones, month by month, every complete window that differs listed with its reason.
Thin: calls :mod:`lantian.measurements.feed`, :mod:`~lantian.measurements.feed_diff`, prints."""
from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lantian.errors import UsageError
from lantian.terminal import err, friendly, out

cnemc_app = typer.Typer(help="The CNEMC real-time feed (china_sites_*.csv): recompute it and check it.",
                        no_args_is_help=True)

LenientFeedOpt = Annotated[bool, typer.Option("--lenient", help="Read a file whose last line was cut short "
                                                                "(the archive's copy is truncated) without "
                                                                "that line, and say so, instead of refusing it.")]


def progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=True, disable=not err.is_terminal)


def connect():
    """The table engine: ``--engine``, else ``$LANTIAN_ENGINE``, else DuckDB."""
    from lantian.measurements.engine import connect as engine
    return engine(None, None)


def file_notes(repeated: list[dict], truncated: list[dict]) -> list[str]:
    """One line per repeated station (and the files it is repeated in) and per truncated file."""
    lines = []
    groups: dict[tuple, list[str]] = {}
    for r in repeated:
        groups.setdefault((r["station"], tuple(r["fields"])), []).append(r["file"])
    for (station, fields), files in groups.items():
        where = ", ".join(files) if len(files) <= 3 else \
            f"{len(files)} files, {files[0]} … {files[-1]} (--json lists each)"
        lines.append(f"repeated column, identical values: station {station} (fields "
                     f"{' and '.join(map(str, fields))}), read once — {where}")
    for t in truncated:
        lines.append(f"{t['file']}, line {t['line']}: truncated last line ({t['fields']:,} of {t['expected']:,} "
                     "fields, no line end), not read")
    return lines


@cnemc_app.command("recompute")
@friendly
def cnemc_recompute(
        files: Annotated[list[Path], typer.Argument(help="Feed files of consecutive days, .csv or .csv.gz; "
                                                         "earlier days supply the trailing windows.")],
        outdir: Annotated[Path, typer.Option("-o", "--out", help="Folder for the recomputed files "
                                                                 "(same names, same format).")],
        lenient: LenientFeedOpt = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False):
    """Recompute every derived row (AQI, *_24h, O3_8h, O3_24h, O3_8h_24h) from the 1-hour rows.

    Each file is written back with its header as it came and its 1-hour rows byte for byte (a
    station repeated in the header gets the same derived cells in each of its columns). Nothing
    is written unless every input is valid.
    """
    from lantian.measurements.feed import FeedRules, load_feed, recompute, write_all
    inputs = {p.resolve() for p in files}
    for p in files:
        if (outdir / p.name).resolve() in inputs:
            raise UsageError(f"{outdir} would overwrite the input {p}; choose another --out folder")
    with progress() as bar:
        task = bar.add_task("reading", total=len(files))
        feed = load_feed(files, progress=lambda _: bar.advance(task), lenient=lenient)
        bar.update(task, description="computing", completed=0, total=1)
        rec = recompute(feed, connect(), FeedRules())
        bar.update(task, description="writing", completed=0, total=len(files))
        written = write_all(rec, outdir, progress=lambda _: bar.advance(task))
    repeated = [r.describe(f.name) for f in feed.files for r in f.repeated]
    truncated = [f.truncated.describe(f.name) for f in feed.files if f.truncated]
    summary = {"files": [str(p) for p in written], "stations": len(feed.stations), "hours": feed.n_hours,
               "rules": rec.rules.describe(), "repeated_columns": repeated, "truncated": truncated}
    if as_json:
        out.print_json(json.dumps(summary, ensure_ascii=False))
        return
    out.print(f"recomputed {len(written)} file(s): {len(feed.stations)} stations × {feed.n_hours} hours "
              f"→ {outdir}")
    for line in file_notes(repeated, truncated):
        out.print(f"note: {line}", markup=False)


def diff_table(report, month: str | None = None) -> Table:
    """The agreement table of one month (``month``) or of all the files."""
    title = "CNEMC feed" + (f" {month}" if month else "") + ": published vs recomputed"
    table = Table(title=title, title_justify="left")
    for col in ("type", "window", "compared", "exact", "exact %", "±1 (CO ±0.1) %", "the archive's",
                "not shown", "only published", "only recomputed"):
        table.add_column(col, justify="left" if col in ("type", "window") else "right")
    rows = report.rows if month is None else {(t, k): a for (m, t, k), a in report.monthly.items() if m == month}
    from lantian.measurements.feed_limits import ARCHIVE
    for (typ, klass), a in rows.items():
        reasons = report.reasons(month, typ)
        archive = sum(n for r, n in reasons.items() if r in ARCHIVE)
        shown = ("", "") if klass != "complete" else (f"{archive:,}", f"{sum(reasons.values()) - archive:,}")
        table.add_row(typ, klass, f"{a.compared:,}", f"{a.exact:,}", f"{100 * a.exact_share:.3f}",
                      f"{100 * a.within_share:.3f}", *shown, f"{a.only_official:,}", f"{a.only_recomputed:,}")
    return table


def _misses_table(misses: list, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("station", "type", "hour", "published", "recomputed", "archive gives", "reason"):
        table.add_column(col, justify="right" if col in ("published", "recomputed", "archive gives") else "left")
    for m in misses:
        gives = "" if m.low is None else f"{m.text(m.low)}…{m.text(m.high)}"
        table.add_row(m.station, m.type, m.hour, m.text(m.published), m.text(m.recomputed), gives,
                      m.reason + (f" ({m.event} stations)" if m.reason == "event" else ""))
    return table


def _write_misses(path: Path, misses: list) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["station", "type", "hour", "published", "recomputed", "archive_gives_low", "archive_gives_high",
                    "archived", "reason", "archives", "why"])
        for m in misses:
            d = m.as_dict()
            low, high = d["archive_gives"] or ("", "")
            w.writerow([m.station, m.type, m.hour, d["published"], d["recomputed"], low, high, m.archived,
                        m.reason, "yes" if m.archives else "no", m.why()])


@cnemc_app.command("diff")
@friendly
def cnemc_diff(official: Annotated[Path, typer.Argument(help="Folder of the official files.")],
               recomputed: Annotated[Path, typer.Argument(help="Folder of lantian's recomputed files.")],
               show: Annotated[int, typer.Option(help="Windows of the archive's own limit listed per month "
                                                      "(every one not shown to be the archive's is listed).")] = 10,
               misses: Annotated[Optional[Path], typer.Option(help="Write every complete window that differs "
                                                                   "(station, type, hour, published, recomputed, "
                                                                   "reason, why) to this CSV file.")] = None,
               lenient: LenientFeedOpt = False,
               as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False):
    """Agreement per month and derived type; the reason of every complete window that differs.

    How many values agree exactly and within ±1 (CO ±0.1), for complete and incomplete windows
    apart (complete = every 1-hour input in the official files); every complete window that
    differs is given its reason: the archive's own limit, or not shown to be (docs/cnemc-feed.md).
    """
    from lantian.measurements.feed_diff import diff
    from lantian.measurements.feed_limits import ARCHIVE, LANTIAN, REASONS
    for folder in (official, recomputed):
        if not folder.is_dir():
            raise UsageError(f"{folder} is not a folder")
    report = diff(official, recomputed, lenient=lenient)
    if misses is not None:
        _write_misses(misses, report.misses)
    if as_json:                     # tens of thousands of windows: plain text, not Rich's highlighting
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
        return
    for month in report.months:
        out.print(diff_table(report, month))
        reasons = report.reasons(month)
        mine = [m for m in report.misses if m.month == month]
        archive = sum(reasons[r] for r in ARCHIVE)
        out.print(f"{month}: {len(mine):,} complete windows differ — the archive's {archive:,} ("
                  + ", ".join(f"{r} {reasons[r]:,}" for r in ARCHIVE if reasons[r]) + "), not shown to be the "
                  f"archive's {sum(reasons[r] for r in LANTIAN):,}"
                  + (" (" + ", ".join(f"{r} {reasons[r]:,}" for r in LANTIAN if reasons[r]) + ")"
                     if any(reasons[r] for r in LANTIAN) else ""), markup=False)
        suspect = [m for m in mine if not m.archives]
        if suspect:
            out.print(_misses_table(suspect, f"{month}: not shown to be the archive's"))
        listed = [m for m in mine if m.archives and m.reason != "co_unrounded"]
        if listed and show > 0:
            picked = _spread(listed, show)
            out.print(_misses_table(picked, f"{month}: the archive's own limit, {len(picked)} of {len(listed):,}"
                                            f" (co_unrounded not listed; --misses FILE writes every one)"))
    for line in file_notes(report.repeated, report.truncated):
        out.print(f"note: {line}", markup=False)
    used = Counter(m.reason for m in report.misses)
    for reason, text in REASONS.items():
        if used[reason]:
            out.print(f"  {reason}: {text}", markup=False)
    if misses is not None:
        out.print(f"every complete window that differs: {misses} ({len(report.misses):,} rows)", markup=False)


def _spread(misses: list, n: int) -> list:
    """``n`` of ``misses`` spread over their reasons and types (the first of each in turn)."""
    groups: dict[tuple, list] = {}
    for m in misses:
        groups.setdefault((m.reason, m.type), []).append(m)
    picked, k = [], 0
    while len(picked) < n and any(k < len(g) for g in groups.values()):
        for g in groups.values():
            if k < len(g) and len(picked) < n:
                picked.append(g[k])
        k += 1
    return sorted(picked, key=lambda m: (m.t, m.station, m.type))
