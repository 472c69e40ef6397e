"""日报 — the office's daily report of the latest day with data: each county's daily AQI (the
dashboard's numbers, HJ 633 of the day's rule set), the station-hours above the AQI threshold, the
warnings in force, the fire points awaiting verification and the devices silent — laid out by the one
document service (``lantian.documents``) as .docx, and PDF through LibreOffice when installed.

    WORKSPACE/reports/daily/2024-05-06-日报.docx (.pdf)
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa

from lantian import db
from lantian.documents.office import office_of
from lantian.accounts.scope import Scope
from lantian.documents import Heading, OfficialDocument, Paragraph, Table, render_docx, to_pdf
from lantian.emergency import service as emergency
from lantian.fires import service as fires
from lantian.live import devices
from lantian.live.models import Event
from lantian.live.settings import hj212_settings, live_settings
from lantian.measurements.engine import connect
from lantian.measurements.store import Store
from lantian.monitoring.dashboard import dashboard


def folder(root: Path) -> Path:
    return Path(root) / "reports" / "daily"


def build(ws, url: str, up_to: dt.date, *, pdf: bool = True) -> dict | None:
    """The report of the latest day with data up to ``up_to``; None when there is none."""
    office = Scope.office(url, "worker")
    data = dashboard(Store(ws.measurements), office.stations(include_stopped=True), None, connect(None, ws.config),
                     as_of=up_to)
    if data["latest"] is None:
        return None
    day = dt.date.fromisoformat(data["latest"])
    data = dashboard(Store(ws.measurements), office.stations(include_stopped=True), day, connect(None, ws.config),
                     as_of=up_to)
    counties = [c for c in data["counties"] if c["aqi"] is not None]
    threshold = live_settings(ws.config).aqi_above
    with db.session(url) as s:
        hours = [json.loads(e.data) | {"title": e.title} for e in s.scalars(
            sa.select(Event).where(Event.kind == "aqi_above").order_by(Event.id))]
        hours = [h for h in hours if str(h.get("time", ""))[:10] == day.isoformat()]
        alerts = [a for a in emergency.alerts(s, office) if a["state"] == "active"]
        fire_rows = fires.cases(s, office, config=ws.config)
        silent = [d for d in devices.devices(s, office, hj212_settings(ws.config).silent_minutes) if d["silent"]]
        issuing = office_of(s, ws.config)
    good = sum(1 for c in counties if c["aqi"] <= 100)
    heavy = sum(1 for c in counties if c["aqi"] > 200)
    summary = (f"{day.year}年{day.month}月{day.day}日，{len(counties)}个县区有有效日AQI，优良{good}个，重度及以上污染{heavy}个"
               + (f"；日AQI {_span([c['aqi'] for c in counties])}" if counties else "")
               + f"；小时AQI超过{threshold}的站点小时{len(hours)}个。")
    rows = [["县区", "日AQI", "级别", "首要污染物", "PM2.5", "有效站点"]]
    for c in data["counties"]:
        rows.append([c["name"], "—" if c["aqi"] is None else str(c["aqi"]), c.get("category") or "—",
                     c["primary"] or "—", "—" if c["pm25"] is None else str(c["pm25"]),
                     f"{c['n_valid']}/{c['n_stations']}"])
    blocks = [Paragraph(summary), Heading("各县区空气质量"), Table(rows, caption=f"{day.isoformat()} 各县区日AQI（PM2.5：微克/立方米）",
                                                              note=data["rule"], widths=[2.4, 1.3, 1.8, 2.2, 1.4, 1.5])]
    blocks.append(Heading(f"小时AQI超过{threshold}的站点"))
    blocks.append(Paragraph("无。" if not hours else "；".join(h["title"] + f"（{str(h['time'])[11:16]}）" for h in hours) + "。"))
    blocks.append(Heading("重污染天气预警"))
    blocks.append(Paragraph("无生效预警。" if not alerts else "；".join(
        f"{a['level_name']}（{a['start']}起，{a['acknowledged']}/{a['listed']}家企业已签收）" for a in alerts) + "。"))
    pending = [r for r in fire_rows if r["status"] != "verified"]
    late = [r for r in pending if r["status"] == "escalated"]
    blocks.append(Heading("秸秆焚烧火点"))
    blocks.append(Paragraph(f"待核查火点{len(pending)}个，其中逾期未核查（已升级）{len(late)}个。"))
    blocks.append(Heading("在线监测设备"))
    blocks.append(Paragraph("设备均在线。" if not silent else f"{len(silent)}台设备离线：" + "、".join(
        f"{d['name']}（{d['mn']}）" for d in silent[:20]) + ("等" if len(silent) > 20 else "") + "。"))
    doc = OfficialDocument(title=f"{issuing.city}环境空气质量日报", blocks=blocks, issuer=issuing.issuer,
                           date=dt.date.today(), extra={"day": day.isoformat()})
    out = folder(ws.root) / f"{day.isoformat()}-日报.docx"
    out.parent.mkdir(parents=True, exist_ok=True)
    render_docx("document", doc, out)
    made = to_pdf(out) if pdf else None
    return {"day": day.isoformat(), "docx": str(out.relative_to(ws.root)),
            "pdf": str(made.relative_to(ws.root)) if made else None, "summary": summary,
            "counties": len(counties), "hours_above": len(hours), "alerts": len(alerts), "silent": len(silent)}


def _span(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}—{high}"


def reports(root: Path) -> list[dict]:
    """The daily reports written, newest first."""
    out = []
    for p in sorted(folder(root).glob("*-日报.docx"), reverse=True):
        pdf = p.with_suffix(".pdf")
        out.append({"day": p.name[:10], "docx": p.name, "pdf": pdf.name if pdf.is_file() else None})
    return out
