"""`lantian report …` — the office's documents from the data (mounted as `lantian report`)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lantian.terminal import JsonOpt, WorkspaceOpt, friendly, out

app = typer.Typer(help="Documents from the data: the monthly bulletin (月度通报).", no_args_is_help=True)

MonthOpt = Annotated[str, typer.Option("--month", "-m", help="The month, YYYY-MM (e.g. 2019-01).")]
OutOpt = Annotated[Path, typer.Option("--output", "-o", help="The folder for the .docx, the PDF and the charts.")]


@app.command("monthly")
@friendly
def monthly_command(month: MonthOpt, output: OutOpt = Path("."), workspace: WorkspaceOpt = None,
                    strict: Annotated[bool, typer.Option("--strict", help="Refuse (exit code 2, the reason named) "
                                                         "when a figure's data falls short of the HJ 663 "
                                                         "validity minimums.")] = False,
                    as_json: JsonOpt = False):
    """月度通报: the month's bulletin as .docx and PDF (sections only where the data exists). A month
    without the city's air-quality data has no bulletin (the command says why, exit code 2); data short
    of the HJ 663 minimums is said at the top of the bulletin (数据不完整) and marked ※."""
    from lantian.bulletins.monthly import monthly, monthly_docx, parse_month
    from lantian.documents.pdf import pdf_unavailable
    from lantian.workspace import open_workspace
    parse_month(month)
    ws = open_workspace(workspace)
    data = monthly(ws, month, strict=strict)
    docx, pdf = monthly_docx(data, output, workspace=ws)
    if as_json:
        out.print_json(json.dumps({"docx": str(docx), "pdf": None if pdf is None else str(pdf),
                                   "sections": data["sections"], "data": data}, ensure_ascii=False, default=str))
        return
    out.print(f"{docx}", highlight=False)
    out.print(f"{pdf}" if pdf else (pdf_unavailable() or "no PDF (see the log)"), highlight=False)
    out.print("sections: " + ", ".join(data["sections"]), highlight=False)
    if data.get("incomplete"):
        out.print(data["incomplete"], highlight=False, markup=False, soft_wrap=True)


QuarterOpt = Annotated[str, typer.Option("--quarter", "-q", help="The quarter, YYYYQn (e.g. 2023Q2).")]


@app.command("quarterly")
@friendly
def quarterly_command(quarter: QuarterOpt, output: OutOpt = Path("."), workspace: WorkspaceOpt = None,
                      as_json: JsonOpt = False):
    """季度调度评估报告: the plan's quarter as .docx and PDF (status counts, departments, measured results, evidence)."""
    from lantian.documents.pdf import pdf_unavailable
    from lantian.bulletins.quarterly import parse_quarter, quarterly, quarterly_docx
    from lantian.workspace import open_workspace
    parse_quarter(quarter)
    ws = open_workspace(workspace)
    data = quarterly(ws, quarter)
    docx, pdf = quarterly_docx(data, output, workspace=ws)
    if as_json:
        out.print_json(json.dumps({"docx": str(docx), "pdf": None if pdf is None else str(pdf), "data": data},
                                  ensure_ascii=False, default=str))
        return
    out.print(f"{docx}", highlight=False)
    out.print(f"{pdf}" if pdf else (pdf_unavailable() or "no PDF (see the log)"), highlight=False)
    out.print(f"tasks: {data['total']}; " + ", ".join(f"{c['label']} {c['tasks']}" for c in data["counts"]),
              highlight=False)
