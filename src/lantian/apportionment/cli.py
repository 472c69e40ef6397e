"""``lantian pmf``: source apportionment (源解析) by positive matrix factorisation with EPA's ESAT, run
in its own environment (.venv-esat). Thin: calls :mod:`lantian.apportionment.service`, prints."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from lantian.terminal import JsonOpt, WorkspaceOpt, friendly, open_upgraded, out

app = typer.Typer(help="Source apportionment (源解析) by PMF with EPA's ESAT: run, list, show, name, report.",
                  no_args_is_help=True)
SpeciesOpt = Annotated[Optional[list[str]], typer.Option(help="Species (repeat the option for more).")]


def _office(ws):
    from lantian.accounts.scope import Scope
    return Scope.office(ws.database_url, "cli")


def _print(r: dict) -> None:
    out.print(f"run {r['record']['id']}: {r['factors']} factors, {r['input']['samples']} samples × {len(r['species'])} "
              f"species (ESAT {r['esat_version']}); best of {len(r['runs'])} runs: #{r['best_run']}", markup=False)
    out.print(f"Q(robust) {r['q_robust']:,.1f}   Q(true) {r['q_true']:,.1f}   Q(expected) {r['q_expected']:,.0f}   "
              f"Q(true)/Q(exp) {r['q_ratio']}", markup=False)
    for note in r["input"]["notes"]:
        out.print(escape(note))
    table = Table(title=f"factors — contribution to {r['contributions']['basis']}", title_justify="left")
    for col in ("factor", "suggested name (markers)", "name", "%", "bootstrap mapped", "top species"):
        table.add_column(col)
    bs = {f["factor"]: f for f in (r["bootstrap"] or {}).get("factors", [])}
    for n, pct in zip(r["names"], r["contributions"]["percent"]):
        b = bs.get(n["factor"])
        table.add_row(str(n["factor"]), escape(f"{n['suggested'] or '—'} ({n['score'] or '—'})"),
                      escape((n["name"] or "—") + (" ✓" if n["confirmed"] else "")), f"{pct:.1f}",
                      f"{b['mapped_percent']}%" if b else "—",
                      escape(", ".join(f"{x['species']} {x['share']:.0%}" for x in n["top_species"][:3])))
    out.print(table)


@app.command("run")
@friendly
def run(conc: Annotated[Path, typer.Argument(help="Concentrations: samples × species (CSV, TXT tab-separated, XLSX).")],
        unc: Annotated[Path, typer.Argument(help="Uncertainties of the same shape.")],
        factors: Annotated[int, typer.Option("--factors", "-k", help="Number of factors K.")],
        runs: Annotated[int, typer.Option(help="Base runs (random starts); the best by Q(robust) is kept.")] = 20,
        seed: Annotated[int, typer.Option(help="Random seed: the same seed and settings give the same result.")] = 42,
        method: Annotated[str, typer.Option(help="ls-nmf (default) or ws-nmf.")] = "ls-nmf",
        max_iter: Annotated[int, typer.Option(help="Iterations per run at most.")] = 20000,
        converge_delta: Annotated[float, typer.Option(help="Converged when Q changes less than this …")] = 0.1,
        converge_n: Annotated[int, typer.Option(help="… over this many iterations.")] = 100,
        bootstrap: Annotated[int, typer.Option(help="Bootstrap runs (0: none).")] = 20,
        block_size: Annotated[Optional[int], typer.Option(help="Bootstrap block size (default: ESAT's optimal).")] = None,
        bs_threshold: Annotated[float, typer.Option(help="Bootstrap mapping threshold (r², ESAT).")] = 0.6,
        disp: Annotated[bool, typer.Option("--disp", help="Also displacement (DISP): K × species × 8 re-fits — slow.")] = False,
        disp_species: SpeciesOpt = None,
        weak: SpeciesOpt = None, bad: SpeciesOpt = None, strong: SpeciesOpt = None,
        total: Annotated[str, typer.Option(help="The total variable (weak), 'auto' or 'none'.")] = "auto",
        cores: Annotated[int, typer.Option(help="Processes for the runs.")] = 1,
        title: Annotated[Optional[str], typer.Option(help="A title for the run.")] = None,
        as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """Run PMF on speciated samples through ESAT; the run is stored with its inputs and settings."""
    from lantian import db
    from lantian.apportionment import service
    ws = open_upgraded(workspace, create=True)
    settings = service.settings_of(factors, runs, seed, method=method, max_iter=max_iter,
                                   converge_delta=converge_delta, converge_n=converge_n, bootstrap=bootstrap,
                                   block_size=block_size, bs_threshold=bs_threshold, disp=disp,
                                   disp_species=disp_species, cores=cores)
    with db.session(ws.database_url) as s:
        r = service.run(s, _office(ws), conc, unc, settings, root=ws.root, config=ws.config, title=title,
                        categories={"weak": weak, "bad": bad, "strong": strong, "total": total})
    if as_json:
        out.print_json(json.dumps(r, ensure_ascii=False))
        return
    _print(r)


@app.command("list")
@friendly
def listing(as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """The stored runs."""
    from lantian import db
    from lantian.apportionment import service
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        r = service.runs(s, _office(ws))
    if as_json:
        out.print_json(json.dumps(r, ensure_ascii=False))
        return
    for x in r:
        out.print(escape(f"{x['id']:>4}  {x['created_at']}  {x['title']}  K={x['factors']}  Q(robust) {x['q_robust']:,.1f}  "
                         f"{'、'.join(x['names'])}"))


@app.command("show")
@friendly
def show(run_id: Annotated[int, typer.Argument(help="The run.")], as_json: JsonOpt = False,
         workspace: WorkspaceOpt = None):
    """A stored run: Q values, factors with their names, contributions, error estimates."""
    from lantian import db
    from lantian.apportionment import service
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        r = service.detail(s, _office(ws), run_id)
    if as_json:
        out.print_json(json.dumps(r, ensure_ascii=False))
        return
    _print(r)


@app.command("name")
@friendly
def name(run_id: Annotated[int, typer.Argument(help="The run.")],
         factor: Annotated[int, typer.Argument(help="The factor (1 … K).")],
         new: Annotated[Optional[str], typer.Argument(help="The name; omitted: confirm the suggested one.")] = None,
         workspace: WorkspaceOpt = None):
    """Confirm a factor's suggested name, or rename it."""
    from lantian import db
    from lantian.apportionment import service
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        r = service.name_factor(s, _office(ws), run_id, factor, new)
    out.print(escape(f"run {run_id} factor {factor}: {r['name']} (confirmed by {r['confirmed_by']})"))


@app.command("report")
@friendly
def report(run_id: Annotated[int, typer.Argument(help="The run.")],
           output: Annotated[Path, typer.Option("-o", "--out", help="The .docx to write.")],
           workspace: WorkspaceOpt = None):
    """The run as a Word report (源解析报告) through the document service."""
    from lantian import db
    from lantian.apportionment import service
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        path = service.report(s, _office(ws), run_id, output, root=ws.root, config=ws.config)
    out.print(f"wrote {path}", markup=False)
