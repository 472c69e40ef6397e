"""季度调度评估报告 — the plan's quarterly review, as data and as a document (行动计划 五（二） 调度).

``quarterly(ws, "2023Q2")`` judges the plan as of the quarter's last day with the plan service the
pages use (so the numbers are the pages' numbers): the tasks counted by status (the plan's status
labels), a table per lead department (its tasks, their status, overdue milestones), every measured
key result (indicator, task, green/red/no data and what the data says), and the evidence list: the
progress reports of the quarter (进展报告, by their as-of date) with their files.

``quarterly_docx(data, out_dir)`` lays it out through the one document service
(:func:`lantian.documents.render_docx`, template ``document``) and converts it to PDF when
LibreOffice is there — no second way of making documents.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

from lantian import db, geography
from lantian.accounts.scope import Scope
from lantian.errors import UsageError
from lantian.bulletins import settings
from lantian.standards import period as ref
from lantian.documents import render_docx, to_pdf
from lantian.documents.content import Heading, Paragraph, Table, OfficialDocument
from lantian.measurements.engine import connect
from lantian.measurements.store import Store
from lantian.plan import indicators
from lantian.plan.service import reports_between, milestones_of, tasks
from lantian.plan.settings import plan_settings
from lantian.plan.status import LABELS, ORDER

QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
RESULT_LABELS = {True: "达标", False: "未达标", None: "暂无数据"}
NO_LEAD = "（未明确牵头单位）"
EXCERPT = 80


def parse_quarter(text: str) -> ref.Period:
    """``YYYYQn`` (e.g. 2023Q2) → the quarter's period (UsageError naming the expected form otherwise)."""
    m = re.fullmatch(r"(\d{4})[-\s]?[Qq]([1-4])", str(text).strip())
    if not m or not 1900 < int(m.group(1)) < 2200:
        raise UsageError(f"quarter {text!r}: expected YYYYQn with n 1–4 (e.g. 2023Q2)")
    return ref.quarter(int(m.group(1)), int(m.group(2)))


# --- the sections ------------------------------------------------------------------------------

def _counts(rows: list[dict]) -> list[dict]:
    return [{"status": k, "label": LABELS[k], "tasks": sum(1 for r in rows if r["status"] == k)} for k in ORDER]


def _departments(rows: list[dict]) -> list[dict]:
    """Per lead department (牵头单位): its tasks, their status and overdue milestones."""
    by: dict[str, list] = defaultdict(list)
    for r in rows:
        for dept in r["lead"] or [NO_LEAD]:
            by[dept].append({"number": r["number"], "title": r["title"], "status": r["status"],
                             "status_label": r["status_label"], "percent": r["percent"], "overdue": r["overdue"],
                             "seriously_late": r["seriously_late"]})
    return [{"name": k, "tasks": v, "overdue": sum(t["overdue"] for t in v),
             "late_tasks": sum(1 for t in v if t["status"] in ("overdue", "off_target"))}
            for k, v in sorted(by.items(), key=lambda x: (x[0] == NO_LEAD, x[0]))]


def _results(rows: list[dict]) -> list[dict]:
    """Every measured key result (量化指标) of every task, as the data decides it."""
    return [{"number": r["number"], "task": r["title"], "indicator": m["indicator"], "label": m["label"],
             "ok": m["ok"], "result": RESULT_LABELS[m["ok"]], "value": m["value"], "detail": m["detail"],
             "synthetic": bool(m.get("synthetic"))}
            for r in rows for m in r["measured_by"]]


def _evidence(s, p: ref.Period) -> list[dict]:
    """进展报告 whose as-of date falls in the quarter (the plan in force at its end), with their
    evidence files — the plan service's, the text cut to an excerpt."""
    out = []
    for r in reports_between(s, p.start, p.end):
        text = " ".join(r["text"].split())
        out.append({"id": r["id"], "number": r["number"], "task": r["task"], "unit": r["unit"], "date": r["date"],
                    "text": text if len(text) <= EXCERPT else text[:EXCERPT] + "……", "percent": r["percent"],
                    "completed": r["completed"], "files": r["files"], "synthetic": r["synthetic"]})
    return out


def quarterly(ws, quarter: str, *, con=None, url: str | None = None) -> dict:
    """The quarter's review, judged as of its last day (``url``: the database when not the
    workspace's own — the web app's)."""
    p = parse_quarter(quarter)
    con = con or connect(None, ws.config)
    url = url or ws.database_url
    scope = Scope.office(url, "report")
    ctx = indicators.Context(url, Store(ws.measurements), con, p.end, ws.config)
    with db.session(url) as s:
        plan, rows = tasks(s, scope, ctx, plan_settings(ws.config))
        evidence = _evidence(s, p)
        demo_milestones = any(m["synthetic"] for m in milestones_of(s, [r["id"] for r in rows]))
        city = geography.city_name(s, ws.config)
    results = _results(rows)
    return {"quarter": f"{p.start.year}Q{(p.start.month + 2) // 3}", "year": p.start.year,
            "quarter_number": (p.start.month + 2) // 3, "start": p.start.isoformat(), "as_of": p.end.isoformat(),
            "plan": None if plan is None else {"title": plan.title, "document_number": plan.document_number},
            "total": len(rows), "counts": _counts(rows), "departments": _departments(rows),
            "results": results, "evidence": evidence,
            "issuer": settings.issuer(ws.config, city),
            "synthetic": demo_milestones or any(r["synthetic"] for r in results) or any(e["synthetic"] for e in evidence)}


def quarterly_docx(data: dict, out_dir: Path, *, workspace=None, pdf: bool = True,
                   url: str | None = None) -> tuple[Path, Path | None]:
    """The review as .docx (and PDF when LibreOffice is installed) in ``out_dir``
    (``url`` accepted like the monthly bulletin's; the review draws no map)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    docx = render_docx("document", document(data), out_dir / f"行动计划季度调度评估报告-{data['quarter']}.docx",
                       workspace=workspace)
    return docx, (to_pdf(docx) if pdf else None)


# --- the document ------------------------------------------------------------------------------

def _counts_blocks(blocks, data) -> None:
    blocks.append(Heading("任务总体进展"))
    parts = "，".join(f"{c['label']}{c['tasks']}项" for c in data["counts"] if c["tasks"])
    blocks.append(Paragraph(f"截至{data['as_of']}，行动计划共{data['total']}项重点任务，其中{parts or '无'}。"))
    rows = [["状态", "任务数（项）"]] + [[c["label"], str(c["tasks"])] for c in data["counts"]]
    rows.append(["合计", str(data["total"])])
    blocks.append(Table(rows, caption="表1 重点任务按状态统计", widths=[3, 2],
                        note="状态按季度末日期判定：量化指标由数据判定，节点按期限判定。"))


def _departments_blocks(blocks, data) -> None:
    blocks.append(Heading("各牵头单位任务推进情况"))
    rows = [["牵头单位", "任务", "状态", "进度%", "逾期节点"]]
    for d in data["departments"]:
        for t in d["tasks"]:
            status = t["status_label"] + ("（严重滞后）" if t["seriously_late"] else "")
            rows.append([d["name"], f"任务{t['number']} {t['title']}", status, str(t["percent"]), str(t["overdue"])])
    blocks.append(Table(rows, caption="表2 各牵头单位牵头任务", widths=[2.2, 4.6, 2, 1.2, 1.2]))


def _results_blocks(blocks, data) -> None:
    blocks.append(Heading("量化指标完成情况"))
    res = data["results"]
    if not res:
        blocks.append(Paragraph("本季度无绑定数据指标的任务节点或量化目标。"))
        return
    n = {k: sum(1 for r in res if r["ok"] is k) for k in (True, False, None)}
    blocks.append(Paragraph(f"由数据判定的量化指标共{len(res)}项：达标{n[True]}项，未达标{n[False]}项，"
                            f"暂无数据{n[None]}项。"))
    rows = [["指标", "任务", "判定", "说明"]]
    rows += [[r["label"], f"任务{r['number']} {r['task']}", r["result"],
              (r["detail"] or r["value"] or "—") + ("（合成演示数据）" if r["synthetic"] else "")] for r in res]
    blocks.append(Table(rows, caption="表3 量化指标（由数据判定）", widths=[2.2, 3.2, 1.5, 4.2]))


def _evidence_blocks(blocks, data) -> None:
    blocks.append(Heading("进展报告及佐证材料"))
    ev = data["evidence"]
    if not ev:
        blocks.append(Paragraph("本季度无报送的进展报告。"))
        return
    files = sum(len(e["files"]) for e in ev)
    blocks.append(Paragraph(f"本季度各责任单位报送进展报告{len(ev)}份，附佐证材料{files}件。"))
    rows = [["任务", "报送单位", "日期", "进展摘要", "佐证材料"]]
    rows += [[f"任务{e['number']}", e["unit"], e["date"], e["text"], "、".join(e["files"]) or "—"] for e in ev]
    blocks.append(Table(rows, caption="表4 进展报告及佐证材料清单", widths=[1.2, 2, 1.8, 4.5, 2.5]))


def document(data: dict):
    """The review's content blocks."""
    q = QUARTER_NAMES[data["quarter_number"]]
    title = (data["plan"] or {}).get("title") or "大气污染防治行动计划"
    blocks: list = [Paragraph(f"现将{data['year']}年{q}《{title}》重点任务推进情况调度评估如下。")]
    if data["synthetic"]:
        blocks.append(Paragraph("（标注“示例”“合成”的节点、台账记录和报告为合成演示数据，仅供演示，不代表实际情况。）"))
    _counts_blocks(blocks, data)
    _departments_blocks(blocks, data)
    _results_blocks(blocks, data)
    _evidence_blocks(blocks, data)
    # GB/T 9704—2012 §7.3.1: broken where the words allow, in a trapezoid
    return OfficialDocument(title=f"关于{data['year']}年{q}大气污染防治\n行动计划实施情况的调度评估报告",
                            recipients="各县（市、区）人民政府，市直有关部门", blocks=blocks,
                            issuer=data.get("issuer") or settings.issuer(None, None),
                            date=data.get("date") or dt.date.today())
