"""What the source-apportionment pages, API and CLI show and do.

A PMF run: the two files read and checked (:mod:`reader`), the species categorised as PMF practice
says (:mod:`prepare`), ESAT run in its own environment (:mod:`engine`), the results derived
(:mod:`results`), a name suggested per factor (:mod:`markers`), and everything kept: the input
files (in ``WORKSPACE/apportionment/runs/<id>/`` with their SHA-256 in the record), the settings,
the ESAT version, the outputs and the names the analyst confirms.

Who: the city office (and admins) run PMF and name factors; the city-wide roles read the runs; a
county or an enterprise sees none (404) — source apportionment is the city's.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian.accounts import policy
from lantian import audit
from lantian.accounts.scope import Scope
from lantian.apportionment import engine, markers, prepare, reader, results
from lantian.apportionment.models import PmfRun
from lantian.db import now_utc, to_beijing
from lantian.errors import Forbidden, NotFound, UsageError
from lantian.documents.office import office_of
from lantian.inventory import service as inventory
from lantian.inventory.tables import load as inventory_tables

MANAGE = policy.OFFICE
READ = policy.CITY_WIDE
METHODS = ("ls-nmf", "ws-nmf")


def _may_run(scope: Scope) -> None:
    if scope.who.role not in MANAGE:
        raise Forbidden("源解析由市大气办开展 (the city office runs source apportionment)")


def _may_read(scope: Scope) -> None:
    if scope.who.role not in READ:
        raise NotFound("no such run")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def settings_of(factors: int, runs: int, seed: int, *, method: str = "ls-nmf", max_iter: int = 20000,
                converge_delta: float = 0.1, converge_n: int = 100, bootstrap: int = 20,
                block_size: int | None = None, bs_threshold: float = 0.6, disp: bool = False,
                disp_species: list[str] | None = None, cores: int = 1) -> dict:
    if not 2 <= factors <= 20:
        raise UsageError(f"--factors {factors}: 2 to 20")
    if not 1 <= runs <= 200:
        raise UsageError(f"--runs {runs}: 1 to 200")
    if method not in METHODS:
        raise UsageError(f"--method {method!r}: one of {', '.join(METHODS)}")
    if max_iter < 10 or bootstrap < 0 or not 0 < bs_threshold <= 1 or cores < 1:
        raise UsageError("--max-iter ≥ 10, --bootstrap ≥ 0, 0 < --bs-threshold ≤ 1, --cores ≥ 1")
    return {"factors": factors, "runs": runs, "seed": seed, "method": method, "max_iter": max_iter,
            "converge_delta": converge_delta, "converge_n": converge_n, "cores": cores,
            "bootstrap": {"runs": bootstrap, "block_size": block_size, "threshold": bs_threshold},
            "disp": {"run": disp, "species": disp_species}}


def run(s: Session, scope: Scope, conc: Path, unc: Path, settings: dict, *, root: Path, config: dict | None = None,
        categories: dict | None = None, title: str | None = None, timeout: float | None = None) -> dict:
    """One PMF run through ESAT, stored; returns the result as the pages show it."""
    _may_run(scope)
    data = reader.read_pair(conc, unc)
    cat = categories or {}
    prepared = prepare.prepare(data, weak=cat.get("weak"), bad=cat.get("bad"), strong=cat.get("strong"),
                               total=cat.get("total", "auto"), settings=prepare.PrepareSettings.of(config))
    if settings["factors"] >= len(prepared.species):
        raise UsageError(f"--factors {settings['factors']}: fewer factors than the {len(prepared.species)} species in "
                         f"the model are needed")
    disp_species = settings["disp"].get("species")
    features = None
    if disp_species:
        missing = [x for x in disp_species if x not in prepared.species]
        if missing:
            raise UsageError(f"--disp-species {', '.join(missing)}: not a species in the model")
        features = [prepared.species.index(x) for x in disp_species]
    payload = {"V": prepared.V, "U": prepared.U, "species": prepared.species, **settings,
               "disp": {"run": settings["disp"]["run"], "features": features}}
    python = engine.esat_python(config)
    base = Path(root) / "apportionment"
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".run-", dir=base))
    try:
        for src in (conc, unc):
            shutil.copy2(src, work / Path(src).name)
        out = engine.run(payload, work, python, timeout)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    derived = results.derive(out, prepared, data.conc.labels, data.times, settings["factors"])
    names = markers.suggest(out["H"], prepared.species, markers.load(root))
    for n in names:
        n.update(name=n["suggested"], confirmed=False, confirmed_by=None, confirmed_at=None)
    stored_settings = {**settings, "categories": cat, "prepare": asdict(prepared.settings)}
    record = PmfRun(title=title or f"{Path(conc).stem} K={settings['factors']}", conc_file=Path(conc).name,
                    conc_sha256=_sha256(Path(conc)), unc_file=Path(unc).name, unc_sha256=_sha256(Path(unc)),
                    folder="", settings=json.dumps(stored_settings, ensure_ascii=False),
                    esat_version=out["esat_version"], samples=prepared.samples, species=len(prepared.species),
                    factors=settings["factors"], q_robust=repr(derived["q_robust"]), q_true=repr(derived["q_true"]),
                    q_expected=repr(derived["q_expected"]),
                    output=json.dumps({**derived, "input": _input_json(data, prepared), "seconds": out["seconds"],
                                       "numpy_version": out.get("numpy_version")}, ensure_ascii=False),
                    names=json.dumps(names, ensure_ascii=False), created_by=scope.who.username, created_at=now_utc())
    s.add(record)
    s.flush()
    folder = base / "runs" / str(record.id)
    folder.parent.mkdir(parents=True, exist_ok=True)
    if folder.exists():
        shutil.rmtree(folder)
    work.rename(folder)
    record.folder = str(folder.relative_to(root))
    audit.record(s, actor=scope.who.username, role=scope.who.role, action="run", entity="pmf_run",
                 entity_id=str(record.id), after={"conc": record.conc_file, "unc": record.unc_file,
                                                  "factors": record.factors, "runs": settings["runs"],
                                                  "seed": settings["seed"], "q_robust": derived["q_robust"]})
    return detail(s, scope, record.id)


def _input_json(data: reader.Dataset, prepared: prepare.Prepared) -> dict:
    return {"samples": prepared.samples, "species_in_files": data.species, "total": prepared.total,
            "dated": data.times is not None,
            "first": data.conc.labels[0], "last": data.conc.labels[-1],
            "checks": [asdict(c) for c in prepared.checks], "notes": prepared.notes}


def _run(s: Session, scope: Scope, run_id: int) -> PmfRun:
    _may_read(scope)
    r = s.get(PmfRun, run_id)
    if r is None:
        raise NotFound("no such run")
    return r


def detail(s: Session, scope: Scope, run_id: int) -> dict:
    r = _run(s, scope, run_id)
    out = json.loads(r.output)
    settings = json.loads(r.settings)
    return {"q_robust": out["q_robust"], "q_true": out["q_true"], "q_expected": out["q_expected"],
            "q_ratio": out["q_ratio"], "factors": r.factors, "best_run": out["best"], "runs": out["runs"],
            "species": out["species"], "input": out["input"], "profiles": out["profiles"],
            "contributions": out["contributions"], "by_season": out["by_season"], "by_weekday": out["by_weekday"],
            "residuals": out["residuals"], "bootstrap": out["bootstrap"], "displacement": out["displacement"],
            "names": json.loads(r.names), "esat_version": r.esat_version, "settings": settings,
            "files": {"concentration": {"name": r.conc_file, "sha256": r.conc_sha256},
                      "uncertainty": {"name": r.unc_file, "sha256": r.unc_sha256}},
            "record": {"id": r.id, "title": r.title, "folder": r.folder, "created_by": r.created_by,
                       "created_at": to_beijing(r.created_at).isoformat(timespec="seconds"),
                       "seconds": out.get("seconds")}}


def runs(s: Session, scope: Scope) -> list[dict]:
    _may_read(scope)
    out = []
    for r in s.scalars(sa.select(PmfRun).order_by(PmfRun.id.desc())):
        names = json.loads(r.names)
        out.append({"id": r.id, "title": r.title, "conc_file": r.conc_file, "samples": r.samples, "species": r.species,
                    "factors": r.factors, "q_robust": float(r.q_robust), "q_true": float(r.q_true),
                    "q_expected": float(r.q_expected), "esat_version": r.esat_version,
                    "names": [n["name"] or f"因子{n['factor']}" for n in names],
                    "confirmed": sum(1 for n in names if n["confirmed"]),
                    "created_at": to_beijing(r.created_at).isoformat(timespec="minutes"), "created_by": r.created_by})
    return out


def name_factor(s: Session, scope: Scope, run_id: int, factor: int, name: str | None = None) -> dict:
    """The analyst confirms the suggested name of ``factor`` (no ``name``) or gives its own."""
    _may_run(scope)
    r = _run(s, scope, run_id)
    names = json.loads(r.names)
    if not 1 <= factor <= len(names):
        raise UsageError(f"factor {factor}: 1 to {len(names)}")
    entry = names[factor - 1]
    chosen = (name or "").strip() or entry["suggested"]
    if not chosen:
        raise UsageError(f"factor {factor} has no suggested name: give one")
    if len(chosen) > 64:
        raise UsageError("a factor name has at most 64 characters")
    before = {"name": entry["name"], "confirmed": entry["confirmed"]}
    entry.update(name=chosen, confirmed=True, confirmed_by=scope.who.username,
                 confirmed_at=to_beijing(now_utc()).isoformat(timespec="minutes"))
    r.names = json.dumps(names, ensure_ascii=False)
    audit.record(s, actor=scope.who.username, role=scope.who.role, action="name", entity="pmf_run",
                 entity_id=f"{run_id}/{factor}", before=before, after={"name": chosen})
    return entry


def inventory_links(s: Session, scope: Scope, run_id: int, *, year: int | None = None, root: Path | None = None,
                    config: dict | None = None) -> dict:
    """Each named factor beside the inventory: its share of the apportioned mass and the share of its
    linked sectors in the inventory's emissions of the linked pollutant (the 一市一策 discussion)."""
    detail_ = detail(s, scope, run_id)
    found = inventory.years(s)
    chosen = year or (found[0] if found else None)
    if chosen is None or inventory.current(s, chosen) is None:
        return {"year": chosen, "label": None, "factors": [], "note": "尚无排放清单（lantian inventory build）"}
    summary = inventory.summary(s, scope, chosen, root=root, config=config)
    by_code = {x["code"]: x["tonnes"] for x in summary["sectors"]}
    sector_names = inventory_tables(root, config)
    known = markers.load(root)
    out = []
    for n, pct in zip(detail_["names"], detail_["contributions"]["percent"]):
        src = known.source(n["name"]) or known.source(n["suggested"])
        row = {"factor": n["factor"], "name": n["name"] or f"因子{n['factor']}", "percent": pct,
               "basis": detail_["contributions"]["basis"], "sectors": [], "pollutant": None, "inventory_percent": None}
        if src and src.sectors:
            total = summary["total"].get(src.pollutant) or 0
            tonnes = sum(by_code.get(c, {}).get(src.pollutant, 0) for c in src.sectors)
            row.update(pollutant=src.pollutant, inventory_t=round(tonnes, 3),
                       sectors=[{"code": c, "name": sector_names.sector_name(c),
                                 "tonnes": by_code.get(c, {}).get(src.pollutant, 0)} for c in src.sectors],
                       inventory_percent=round(tonnes / total * 100, 1) if total else None)
        out.append(row)
    return {"year": chosen, "label": summary["label"], "factors": out,
            "note": "因子贡献为受体端（环境浓度）占比，清单占比为排放端（一次排放或前体物）占比，二者口径不同，供一市一策讨论参考。"}


def report(s: Session, scope: Scope, run_id: int, out: Path, *, root: Path | None = None,
           config: dict | None = None) -> Path:
    from lantian.apportionment.report import render          # lazy: report pulls matplotlib
    return render(detail(s, scope, run_id), inventory_links(s, scope, run_id, root=root, config=config), out,
                  root=root, issuer=office_of(s, config).issuer)

