"""``lantian hj212 …``, ``lantian store query``, ``lantian watch`` and ``lantian worker``: the live loop
from the command line. Thin: parses arguments, calls the live room's services, prints. The command
line acts as the city office."""
from __future__ import annotations

import csv
import io
import json
import sys
from typing import Annotated, Optional

import typer
from rich.table import Table

from lantian.errors import UsageError
from lantian.terminal import WorkspaceOpt, friendly, open_upgraded, out

app = typer.Typer(help="HJ 212—2017 online monitoring devices: the receiver, devices, the quarantine.",
                  no_args_is_help=True)
device_app = typer.Typer(help="Devices (数采仪) by MN: add, list, show.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Packets refused (unknown MN, wrong PW, unreadable): list, assign, dismiss.",
                             no_args_is_help=True)
app.add_typer(device_app, name="device")
app.add_typer(quarantine_app, name="quarantine")
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _office(ws):
    from lantian.accounts.scope import Scope
    return Scope.office(ws.database_url, "cli")


def _json(data) -> None:
    out.print_json(json.dumps(data, ensure_ascii=False, default=str))


@app.command("listen")
@friendly
def listen(port: Annotated[int, typer.Option(help="TCP port (0: any free port, printed).")] = 9212,
           host: Annotated[str, typer.Option(help="Address to listen on.")] = "0.0.0.0",
           builder: Annotated[str, typer.Option(help="Build the store from the journal in a process (default), "
                                                     "a thread, or none (then `lantian hj212 build`).")] = "process",
           workspace: WorkspaceOpt = None):
    """Receive HJ 212—2017 packets over TCP: each one journaled and synced before it is answered
    (9014 / 9013 / 9011), refused ones kept in the quarantine; the store is built from the journal."""
    from lantian.live.service import listen as run
    ws = open_upgraded(workspace)
    run(ws, host, port, builder, say=lambda text: print(text, flush=True))


@app.command("build")
@friendly
def build(workspace: WorkspaceOpt = None, as_json: JsonOpt = False):
    """Build the store from the journal now, up to its end (the receiver's builder does this by itself)."""
    from lantian.live.service import build_now
    result = build_now(open_upgraded(workspace))
    if as_json:
        _json(result)
        return
    out.print(f"{result['records']} journal records built: {result['values']} values, "
              f"{result['quarantined']} quarantined; journal position {result['position']}")


@device_app.command("add")
@friendly
def device_add(mn: Annotated[str, typer.Argument(help="The device's MN (表3: 24 hex characters).")],
               password: Annotated[str, typer.Option(help="The device's PW.")],
               station: Annotated[Optional[str], typer.Option(help="The station it measures for (registry code).")]
               = None,
               facility: Annotated[Optional[int], typer.Option(help="The ledger facility it monitors (id).")] = None,
               unit: Annotated[Optional[list[str]], typer.Option("--unit", help="CODE=UNIT the device sends a factor "
                                                                             "in, e.g. a34004=µg/m³ (repeat).")] = None,
               name: Annotated[Optional[str], typer.Option(help="A display name.")] = None,
               workspace: WorkspaceOpt = None):
    """Register a device for a station or a facility (audited)."""
    from lantian import db
    from lantian.live import devices
    ws = open_upgraded(workspace)
    with db.session(ws.database_url) as s:
        d = devices.add(s, _office(ws), mn, password, station=station, facility=facility,
                        units=devices.parse_units(unit), name=name)
        out.print(f"device {d.mn} → {d.target_kind} {d.station_code or d.facility_id} ({d.name}), "
                  f"county {d.unit_code or '—'}", markup=False)


@device_app.command("list")
@friendly
def device_list(workspace: WorkspaceOpt = None, as_json: JsonOpt = False):
    """Every device with its last packet, counts, deviations and silence."""
    from lantian import db
    from lantian.live import devices
    from lantian.live.settings import hj212_settings
    ws = open_upgraded(workspace)
    settings = hj212_settings(ws.config, str(ws.config_path))
    with db.session(ws.database_url) as s:
        rows = devices.devices(s, _office(ws), settings.silent_minutes)
    if as_json:
        _json(rows)
        return
    table = Table(title=f"{len(rows)} devices", title_justify="left")
    for col in ("MN", "for", "county", "last packet (Beijing)", "CN", "packets", "values", "refused", "deviations",
                "silent"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["mn"], f"{r['target']} {r['station'] or r['facility']}", r["county"] or "—",
                      r["last_at"] or "never", r["last_cn"] or "—", str(r["packets"]), str(r["values"]),
                      str(r["refused"]), str(sum(r["deviations"].values())),
                      "—" if r["silent_minutes"] is None else f"{r['silent_minutes']} min"
                      + (" ⚠" if r["silent"] else ""))
    out.print(table)


@device_app.command("show")
@friendly
def device_show(mn: str, workspace: WorkspaceOpt = None):
    """One device: the last packet as received and each deviation from the standard, counted."""
    from lantian import db
    from lantian.live import devices
    from lantian.live.settings import hj212_settings
    ws = open_upgraded(workspace)
    with db.session(ws.database_url) as s:
        _json(devices.detail(s, _office(ws), mn, hj212_settings(ws.config).silent_minutes))


@quarantine_app.command("list")
@friendly
def quarantine_list(state: Annotated[str, typer.Option(help="held, assigned, dismissed or all.")] = "held",
                    workspace: WorkspaceOpt = None, as_json: JsonOpt = False):
    """The packets refused, newest first, with why."""
    from lantian import db
    from lantian.live import devices
    ws = open_upgraded(workspace)
    with db.session(ws.database_url) as s:
        rows = devices.quarantine(s, _office(ws), None if state == "all" else state)
    if as_json:
        _json(rows)
        return
    table = Table(title=f"{len(rows)} quarantined packets ({state})", title_justify="left")
    for col in ("id", "received (Beijing)", "peer", "MN", "CN", "reason", "detail", "state"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["id"]), r["received_at"], r["peer"] or "", r["mn"] or "?", r["cn"] or "?",
                      r["reason_name"], r["detail"], r["state_name"])
    out.print(table)


def _ids(ids: list[str]) -> list[int]:
    try:
        return [int(x) for x in ids]
    except ValueError:
        raise UsageError("packet ids are numbers (lantian hj212 quarantine list)") from None


@quarantine_app.command("assign")
@friendly
def quarantine_assign(ids: Annotated[list[str], typer.Argument(help="Quarantined packet ids.")],
                      mn: Annotated[str, typer.Option(help="The registered device they belong to.")],
                      workspace: WorkspaceOpt = None):
    """指派入库: build held packets into the store as the data of a registered device (audited)."""
    from lantian import db
    from lantian.live import devices
    from lantian.live.settings import hj212_settings
    ws = open_upgraded(workspace)
    with db.session(ws.database_url) as s:
        r = devices.assign(s, _office(ws), _ids(ids), mn, ws.measurements, hj212_settings(ws.config))
    out.print(f"{r.packets} packets assigned to {r.mn}: {r.build['values']} values, "
              f"{r.build['hourly_new']} new hourly rows")


@quarantine_app.command("dismiss")
@friendly
def quarantine_dismiss(ids: Annotated[list[str], typer.Argument(help="Quarantined packet ids.")],
                       note: Annotated[Optional[str], typer.Option(help="Why.")] = None,
                       workspace: WorkspaceOpt = None):
    """驳回: keep the packets in the quarantine as dismissed (never stored)."""
    from lantian import db
    from lantian.live import devices
    ws = open_upgraded(workspace)
    with db.session(ws.database_url) as s:
        n = devices.dismiss(s, _office(ws), _ids(ids), note)
    out.print(f"{n} packets dismissed")


@friendly
def store_query(station: Annotated[Optional[str], typer.Option(help="A station code.")] = None,
                facility: Annotated[Optional[str], typer.Option(help="A ledger facility id.")] = None,
                mn: Annotated[Optional[str], typer.Option(help="A device MN (live series only).")] = None,
                start: Annotated[Optional[str], typer.Option("--from", help="YYYY-MM-DD or 'YYYY-MM-DD HH:MM'.")]
                = None,
                end: Annotated[Optional[str], typer.Option("--to", help="YYYY-MM-DD (the whole day) or "
                                                                       "'YYYY-MM-DD HH:MM'.")] = None,
                pollutant: Annotated[Optional[list[str]], typer.Option("--pollutant", help="PM2_5 … or a factor "
                                                                                          "code a34004 (repeat).")]
                = None,
                series: Annotated[str, typer.Option(help="hourly (the store, default) or the live series as sent: "
                                                         "realtime, minute, hour, day.")] = "hourly",
                fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
                workspace: WorkspaceOpt = None):
    """Read back what is stored for a station, a facility or a device."""
    from lantian.live.service import query
    from lantian.workspace import open_workspace
    if fmt not in ("table", "csv", "json"):
        raise UsageError("--format is table, csv or json")
    rows = query(open_workspace(workspace), station=station, facility=facility, mn=mn, start=start, end=end,
                 pollutants=pollutant, series=series)
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, default=str) + "\n")
        return
    if fmt == "csv":
        buf = io.StringIO()
        if rows:
            w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        sys.stdout.write(buf.getvalue())
        return
    table = Table(title=f"{len(rows)} rows", title_justify="left")
    for col in (rows[0] if rows else ["(nothing stored)"]):
        table.add_column(col)
    for r in rows:
        table.add_row(*["" if v is None else str(v) for v in r.values()])
    out.print(table)


def register(root_app: typer.Typer, store_app: typer.Typer) -> None:
    """Mount the live room's commands on the ``lantian`` command."""
    from lantian.live import watch_cli
    root_app.add_typer(app, name="hj212")
    store_app.command("query")(store_query)
    watch_cli.register(root_app)
