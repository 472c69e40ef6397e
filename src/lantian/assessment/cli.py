"""The assessment room's commands: ``rank``, ``progress``, ``warn``, ``target``, ``sand-dust`` and
``letter``. Thin: parses arguments, calls :mod:`lantian.assessment`'s services, prints. Mounted on
the ``lantian`` command by :func:`register` (as every room mounts its own)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from lantian import geography
from lantian.errors import UsageError
from lantian.terminal import JsonOpt, WorkspaceOpt, friendly, open_upgraded, out, parse_date, workspace_url

app = typer.Typer()  # the top-level commands (rank, progress, warn), mounted one by one by register()


def register(root_app: typer.Typer) -> None:
    """Mount the assessment room's commands on the ``lantian`` command, under the names it always had."""
    for command in app.registered_commands:
        root_app.registered_commands.append(command)
    root_app.add_typer(target_app, name="target")
    root_app.add_typer(sand_app, name="sand-dust")
    root_app.add_typer(letter_app, name="letter")


def _connect(config: dict | None = None):
    """The table engine: ``--engine``, else ``$LANTIAN_ENGINE``, else ``config``'s ``[engine] name``."""
    from lantian.measurements.engine import connect
    return connect(None, config)


def _period(text: str):
    """2019-10 (month), 2019-Q3, 2019-H1, 2019 (year), 2019-AW (autumn-winter 2019-10…2020-03)."""
    from lantian.standards import period as ref
    try:
        if "-Q" in text:
            y, q = text.split("-Q")
            return ref.quarter(int(y), int(q))
        if "-H" in text:
            y, h = text.split("-H")
            return ref.half_year(int(y), int(h))
        if text.endswith("-AW"):
            return ref.autumn_winter(int(text[:-3]))
        if len(text) == 4:
            return ref.year(int(text))
        y, m = text.split("-")
        return ref.month(int(y), int(m))
    except ValueError:
        raise UsageError(f"{text!r} is not a period: write 2019-10, 2019-Q3, 2019-H1, 2019 or 2019-AW") from None


RANK_COLUMNS = ["unit", "rank", "composite_index", "pm25", "pm10", "so2", "no2", "co_p95", "o3_8h_p90",
                "good_day_ratio", "largest_index_pollutant", "change_rate", "change_rank", "valid", "coverage",
                "valid_days", "days", "last_day", "stations_text"]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Refuse (exit code 2, the reason named) when the data "
                                                          "of a unit does not meet the HJ 663 validity minimums.")]


@app.command()
@friendly
def rank(period: Annotated[str, typer.Option(help="2019-10, 2019-Q3, 2019-H1, 2019 or 2019-AW.")],
         level: Annotated[str, typer.Option(help="county (the workspace's counties) or city (the cities of "
                                                 "--province, from the CNEMC site list).")] = "county",
         province: Annotated[Optional[str], typer.Option(help="Province whose cities are ranked (level city), "
                                                              "e.g. 山西省.")] = None,
         yoy: Annotated[bool, typer.Option("--yoy", help="Add the change against the same period last year.")]
         = False,
         fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
         data: Annotated[Optional[Path], typer.Option(help="Data folder (for the CNEMC site list).")] = None,
         strict: StrictOpt = False, workspace: WorkspaceOpt = None):
    """Rank counties or cities by the composite index (环境空气质量综合指数), ties 并列; each unit's
    valid days, last day with data and assessment stations are stated, incomplete data marked ※."""
    from lantian.assessment.coverage import refuse_incomplete
    import csv as csvmod
    import io
    from lantian.assessment.networks import fixed, official_stations
    from lantian.assessment.ranking import rank_units, units_from_site_list
    from lantian.measurements.store import Store
    from lantian.standards import period as ref
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    p = _period(period)
    if level == "city":
        if not province:
            raise UsageError("--level city needs --province (e.g. 山西省)")
        from lantian.datadir import find_data_dir
        units = units_from_site_list(find_data_dir(data) / "cnemc" / "stations" / "NewSiteList_utf8.csv", province)
        if not units:
            raise UsageError(f"no cities of {province!r} in the site list")
        from lantian.measurements.stations import list_stations
        known = {r.code: (r.name, r.network) for r in list_stations(workspace_url(workspace), include_stopped=True)}
        units = fixed(units, {c: known.get(c, (c, "national")) for ss in units.values() for c in ss})  # CNEMC: 国控
    elif level == "county":
        units = official_stations(workspace_url(workspace), ws.config).local()
    else:
        raise UsageError("--level is county or city")
    from lantian.assessment.service import sand_dust_days
    previous = ref.same_period_last_year(p) if yoy else None
    dust = sand_dust_days(workspace_url(workspace), units.units, (previous or p).start, p.end) \
        if level == "county" else None
    result = rank_units(Store(ws.measurements), units, p, _connect(ws.config), previous=previous, sand_dust=dust)
    rows = result.table.to_pylist()
    for r in rows:
        r["good_day_ratio"] = r.pop("good_ratio", None)
    names = units.names
    note = refuse_incomplete(((names.get(r["unit"], r["unit"]), r) for r in rows), strict, f"{p.label} ranking")
    if fmt == "json":
        out.print_json(json.dumps({"period": p.label, "scheme": result.scheme, "method": result.method,
                                   "rows": rows}, ensure_ascii=False, default=str))
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csvmod.DictWriter(buf, fieldnames=RANK_COLUMNS, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        sys.stdout.write(buf.getvalue())
        return
    table = Table(title=f"{p.label} 综合指数排名 — {result.scheme} scheme, {result.method}", title_justify="left")
    shown = RANK_COLUMNS[:11] + (["change_rate", "change_rank"] if yoy else []) + ["valid days", "last day"]
    for col in shown:
        table.add_column(col, justify="left" if col in ("unit", "largest_index_pollutant") else "right")
    for r in rows:
        mark = "" if r["complete"] or not r["valid_days"] else " ※"
        label = r["unit"] if names.get(r["unit"], r["unit"]) == r["unit"] else f"{names[r['unit']]} ({r['unit']})"
        table.add_row(label + mark, *["—" if r.get(c) is None else str(r.get(c)) for c in shown[1:-2]],
                      f"{r['valid_days']}/{r['days']}", r["last_day"] or "—")
    out.print(table)
    for r in rows:
        out.print(f"stations {names.get(r['unit'], r['unit'])}: {r['stations_text']}", markup=False, highlight=False,
                  soft_wrap=True)
    if note:
        out.print(note, markup=False, highlight=False, soft_wrap=True)


def _progress_rows(workspace, day):
    from lantian import db
    from lantian.accounts.scope import Scope
    from lantian.assessment.progress import progress_rule
    from lantian.assessment.service import progress_rows
    from lantian.measurements.store import Store
    from lantian.plan.service import seriously_late_counties
    from lantian.plan.settings import plan_settings
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    url = workspace_url(workspace)
    with db.session(url) as s:                     # the plan's findings on the assessed day, not today's
        findings = seriously_late_counties(s, day, plan_settings(ws.config, str(ws.config_path)))
    rows, _ = progress_rows(Scope.office(url, "cli"), Store(ws.measurements), _connect(ws.config), day,
                            progress_rule(ws.config, str(ws.config_path)), findings, config=ws.config)
    return ws, rows


@app.command("progress")
@friendly
def progress_cmd(date: Annotated[Optional[str], typer.Option(help="Assess up to this day (default the "
                                                                   "workspace's as-of date).")] = None,
                 strict: StrictOpt = False, workspace: WorkspaceOpt = None, as_json: JsonOpt = False):
    """序时进度: each county's year-to-date PM2.5 and good days against its targets, the remaining
    daily allowance (剩余日控制值), and on schedule / behind / seriously behind — with each unit's
    valid days, last day with data and assessment stations (incomplete data marked ※)."""
    from lantian.assessment.coverage import refuse_incomplete
    from lantian.workspace import open_workspace
    day = parse_date(date) or open_workspace(workspace).as_of
    _, rows = _progress_rows(workspace, day)
    data = [r.as_dict() for r in rows]
    note = refuse_incomplete(((d["name"], d) for d in data), strict, f"序时进度 to {day}")
    if as_json:
        out.print_json(json.dumps(data, ensure_ascii=False, default=str))
        return
    table = Table(title=f"序时进度 to {day} (1 Jan – {day})", title_justify="left")
    for col in ("unit", "PM2.5 cum.", "target", "remaining allowance", "good days", "good %", "target %",
                "good days needed", "valid days", "last day", "status"):
        table.add_column(col, justify="left" if col in ("unit", "status") else "right")
    for d in data:
        label = d["unit"] if d["name"] == d["unit"] else f"{d['name']} ({d['unit']})"
        if d["synthetic_targets"]:
            label += " [合成目标 synthetic]"
        if not d["complete"] and d["valid_days"]:
            label += " ※"
        table.add_row(label, *["—" if d[k] is None else str(d[k]) for k in
                               ("pm25", "pm25_target", "remaining_allowance", "good_days", "good_ratio",
                                "good_ratio_target", "good_days_needed")],
                      f"{d['valid_days']}/{d['days']}", d["last_day"] or "—",
                      d["status"] or (d["notes"][0] if d["notes"] else "—"))
    out.print(table)
    for d in data:
        out.print(f"stations {d['name']}: {d['stations_text']}", markup=False, highlight=False, soft_wrap=True)
    rules = {d["rule"] for d in data if d["rule"]}
    for rule in sorted(rules):
        out.print(f"rule: {rule}", markup=False)
    if note:
        out.print(note, markup=False, highlight=False, soft_wrap=True)


def _letter_figures(n: dict) -> str:
    """The figures a letter rests on, only those with a target: PM2.5 against its target and the
    remaining allowance, the good-day ratio against its target."""
    parts = [f"PM2.5 {n.get('pm25')}"
             + (f" vs target {n['pm25_target']}, allowance {n.get('remaining_allowance')}"
                if n.get("pm25_target") is not None else " (no PM2.5 target)")]
    if n.get("good_ratio_target") is not None:
        parts.append(f"good days {n.get('good_ratio')}% vs target {n['good_ratio_target']}%")
    return "; ".join(parts)


@app.command()
@friendly
def warn(date: Annotated[Optional[str], typer.Option(help="Assess up to this day (default the as-of date).")]
         = None,
         dry_run: Annotated[bool, typer.Option("--dry-run", help="Show who would get a letter; record nothing.")]
         = False,
         pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="A PDF copy beside each .docx (LibreOffice).")]
         = True,
         strict: StrictOpt = False, workspace: WorkspaceOpt = None):
    """预警通知函 for every county behind schedule (a .docx each, recorded as a draft letter), and the
    约谈 proposal list for the seriously behind — all as of --date (the plan's findings too). A letter
    whose data falls short of the HJ 663 minimums says so at its top (数据不完整); --strict refuses."""
    from lantian import db
    from lantian.assessment import letters as letter_service
    from lantian.assessment.coverage import refuse_incomplete
    from lantian.workspace import open_workspace
    day = parse_date(date) or open_workspace(workspace).as_of
    ws, rows = _progress_rows(workspace, day)
    found = letter_service.drafts(rows, geography.city_of(ws.database_url, ws.config))
    if not found:
        out.print(f"every assessed unit is on schedule on {day} (or has no target): no letter")
        return
    concerned = {d.unit for d in found}
    note = refuse_incomplete(((r.name, r.as_dict()) for r in rows if r.unit in concerned), strict,
                             f"letters of {day}")
    if not dry_run:
        with db.session(ws.database_url) as s:
            letter_service.issue_drafts(s, ws.root, found, day, actor="cli", pdf=pdf, config=ws.config)
    for d in found:
        what = "预警通知函" if d.kind == "warning" else "约谈建议"
        where = f" → {d.document}" if d.document else ""
        where += f" + {d.pdf.name}" if d.pdf else ""
        out.print(f"{what}: {d.name} ({d.unit}) — {d.status}; {_letter_figures(d.numbers)}; "
                  f"{d.numbers['coverage_text']}{where}"
                  + (" — dry run, nothing recorded" if dry_run else ""), markup=False, soft_wrap=True)
    if note:
        out.print(note, markup=False, highlight=False, soft_wrap=True)
    from lantian.documents.pdf import pdf_unavailable
    if pdf and not dry_run and pdf_unavailable():
        out.print(pdf_unavailable(), markup=False)


target_app = typer.Typer(help="Annual targets per county and the city (目标), decomposed and audited.",
                         no_args_is_help=True)
sand_app = typer.Typer(help="Sand-dust days (沙尘天气影响日): deducted from PM statistics as CNEMC does.",
                       no_args_is_help=True)
letter_app = typer.Typer(help="Warning letters (预警通知函): issue, receipt, rectification with its report.",
                         no_args_is_help=True)


@target_app.command("set")
@friendly
def target_set(unit: Annotated[str, typer.Argument(help="Unit code: the city's, a county's (adcode) or a zone's.")],
               year: int,
               indicator: Annotated[str, typer.Argument(help="pm25_mean, pm10_mean, o3_8h_p90, good_day_ratio (%), "
                                                             "heavy_days, heavy_day_ratio (%), composite_index, "
                                                             "pm25_reduction (%) — or its Chinese name.")],
               value: str,
               from_city: Annotated[bool, typer.Option("--from-city", help="Record it as decomposed from the "
                                                                         "city's target of the same indicator.")]
               = False,
               note: Annotated[Optional[str], typer.Option()] = None, workspace: WorkspaceOpt = None):
    """Set (or change) a target; who set it and the previous value go to the audit log."""
    from lantian import db
    from lantian.assessment.targets import set_target, targets
    from lantian.workspace import open_workspace
    with db.session(workspace_url(workspace)) as s:
        parent = None
        if from_city:
            code = geography.city_code(s, open_workspace(workspace).config)
            city = targets(s, year, [code]).get(code, {}).get(indicator)
            if city is None:
                raise UsageError(f"the city has no {indicator} target for {year}: set it first")
            parent = city.id
        t = set_target(s, unit, year, indicator, value, by="cli", parent=parent, note=note)
        out.print(f"{t.unit_code} {t.year} {t.indicator} = {t.value}" + (" (from the city's)" if parent else ""))


@target_app.command("template")
@friendly
def target_template(file: Annotated[Path, typer.Argument(help="Where to write it: .xlsx (with notes) or .csv.")]):
    """The targets template: 单位, 年份, 指标, 目标值, 来源 — one row per unit, year and indicator."""
    from lantian.assessment import targetfile
    targetfile.write(file, [])
    out.print(f"template → {file}", markup=False)


@target_app.command("import")
@friendly
def target_import(file: Annotated[Path, typer.Argument(help="Targets: .xlsx, .xls or .csv (UTF-8 or GBK) with the "
                                                            "template's headers (单位, 年份, 指标, 目标值, 来源).")],
                  dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; store nothing.")] = False,
                  workspace: WorkspaceOpt = None):
    """Check every row (known indicators only; ratios 0–100, concentrations > 0; each bad row named with
    its column) and store all of them or none; audited."""
    from lantian import db
    from lantian.assessment import targetfile
    from lantian.assessment.targets import import_rows
    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    with db.session(workspace_url(workspace)) as s:
        units = geography.lookup(s)          # the city, counties and zones, by name and code
        rows = targetfile.read(file, units=units)
        if dry_run:
            out.print(f"{file.name}: {len(rows)} targets valid; dry run, nothing stored", markup=False)
            return
        done = import_rows(s, rows, by="cli", file=file.name)
    out.print(f"{file.name}: {done['rows']} targets — {done['created']} new, {done['changed']} changed, "
              f"{done['unchanged']} unchanged", markup=False)


@target_app.command("export")
@friendly
def target_export(file: Annotated[Path, typer.Argument(help="Where to write them: .xlsx or .csv.")],
                  year: Annotated[Optional[int], typer.Option(help="Only this year.")] = None,
                  workspace: WorkspaceOpt = None):
    """Every target in the template's layout (it re-imports unchanged)."""
    from lantian import db
    from lantian.assessment import targetfile
    from lantian.assessment.targets import rows_of
    with db.session(workspace_url(workspace)) as s:
        rows = rows_of(s, year)
        targetfile.write(file, rows, unit_names=geography.names(s))
    out.print(f"{len(rows)} targets → {file}", markup=False)


@target_app.command("list")
@friendly
def target_list(year: int, workspace: WorkspaceOpt = None, as_json: JsonOpt = False):
    """Every target of a year."""
    from lantian import db
    from lantian.assessment.targets import targets
    with db.session(workspace_url(workspace)) as s:
        rows = [{"unit": u, "indicator": k, "value": t.value, "synthetic": t.synthetic, "set_by": t.set_by,
                 "from_city": t.parent_id is not None} for u, ts in sorted(targets(s, year).items())
                for k, t in sorted(ts.items())]
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"targets {year}", title_justify="left")
    for col in ("unit", "indicator", "value", "synthetic", "set_by", "from_city"):
        table.add_column(col)
    for r in rows:
        table.add_row(*[str(v) for v in r.values()])
    out.print(table)


@sand_app.command("mark")
@friendly
def sand_mark(day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
              unit: Annotated[Optional[str], typer.Option(help="One county; default city-wide.")] = None,
              basis: Annotated[Optional[str], typer.Option(help="Why (e.g. the sand-dust notice).")] = None,
              workspace: WorkspaceOpt = None):
    """Mark a day as sand-dust affected."""
    from lantian import db
    from lantian.assessment.sand_dust import mark
    with db.session(workspace_url(workspace)) as s:
        mark(s, parse_date(day), unit=unit, by="cli", basis=basis)
    out.print(f"{day} marked sand-dust affected ({unit or 'city-wide'})")


@sand_app.command("unmark")
@friendly
def sand_unmark(day: str, unit: Annotated[Optional[str], typer.Option()] = None, workspace: WorkspaceOpt = None):
    """Remove a sand-dust mark."""
    from lantian import db
    from lantian.assessment.sand_dust import unmark
    with db.session(workspace_url(workspace)) as s:
        found = unmark(s, parse_date(day), unit=unit, by="cli")
    out.print(f"{day}: " + ("mark removed" if found else "was not marked"))


@letter_app.command("advance")
@friendly
def letter_advance(letter_id: int, status: Annotated[str, typer.Argument(help="issued, received or rectified.")],
                   report: Annotated[Optional[Path], typer.Option(help="The rectification report (with "
                                                                        "status rectified).")] = None,
                   as_user: Annotated[Optional[str], typer.Option("--as", help="Act as this user (the policy "
                                                                  "decides the step); default: the office "
                                                                  "records a step taken on paper.")] = None,
                   workspace: WorkspaceOpt = None):
    """Move a letter on: draft → issued → received → rectified (with the county's report attached)."""
    from lantian import db
    from lantian.assessment import service
    from lantian.terminal import acting_scope
    ws = open_upgraded(workspace, create=True)
    if report is not None and not report.is_file():
        raise UsageError(f"{report}: no such file")
    scope = acting_scope(ws.database_url, as_user)
    with db.session(ws.database_url) as s:
        row = service.advance_letter(s, ws.root, scope, letter_id, status,
                                     (report.name, report.read_bytes()) if report is not None else None,
                                     on_paper=as_user is None)
        out.print(f"letter {letter_id} ({row.doc_number}) is now {row.status}")
