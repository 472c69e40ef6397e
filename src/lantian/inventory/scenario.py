"""情景 — measures as scenarios on the inventory: the reduction a set of measures achieves (the plan's
phase-outs in ``data/measures.toml``, an office's own file, an emergency level), by measure, county
and sector, against the year's current inventory.

An emergency level is the reduction list at that level (:func:`lantian.emergency.service.reduction`,
which itself reads its baselines from this inventory): each listed enterprise's cut per pollutant
(its reduction over its baseline) applied to its rows — PM's cut to PM10 and PM2.5; CO and NH3 are
not in the list. Like the list, it is the annual-rate equivalent of keeping the measure all year.
"""
from __future__ import annotations

import json
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from lantian.errors import InputError, UsageError
from lantian.inventory.models import POLLUTANTS
from lantian.inventory.tables import DATA, exact
from lantian.standards.rounding import round_half_even
from lantian.accounts.scope import Scope
from lantian.db import url_of
from lantian.emergency import service as emergency
from lantian.emergency.service import LEVEL_NAMES
from lantian.inventory import service
from lantian.inventory.tables import load as load_tables

_COMPARE = re.compile(r"^\s*(<=|>=|!=|<|>|=)\s*(.+?)\s*$")
LEVELS = ("yellow", "orange", "red")
EMERGENCY = {"SO2": ("SO2",), "NOx": ("NOx",), "PM": ("PM10", "PM2.5"), "VOCs": ("VOCs",)}


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    select: dict
    cut: Fraction
    pollutants: tuple[str, ...]

    def selects(self, sector: str, attrs: dict) -> bool:
        for key, want in self.select.items():
            if key == "sector":
                codes = want if isinstance(want, list) else [want]
                if not any(sector == c or sector.startswith(c + ".") for c in codes):
                    return False
            elif not _matches(attrs.get(key), want):
                return False
        return True


def _matches(value, want) -> bool:
    if isinstance(want, list):
        return value in want or str(value) in [str(w) for w in want]
    if isinstance(want, str):
        m = _COMPARE.match(want)
        if m and m.group(1) != "=":
            op, operand = m.groups()
            if op == "!=":
                return str(value) != operand
            try:
                left, right = exact(value), exact(operand)
            except (ValueError, TypeError, ArithmeticError):
                return False
            return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
        if m:
            want = m.group(2)
    return value == want or str(value) == str(want)


def load(path: Path | None = None) -> tuple[str, list[Measure]]:
    path = Path(path) if path else DATA / "measures.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(path, f"cannot read the measures: {exc}", expected="TOML with [[measure]] entries") from None
    out = []
    for i, m in enumerate(raw.get("measure", []), start=1):
        where = f"measure {m.get('id') or i}"
        if not isinstance(m.get("select"), dict) or not m["select"] or not m.get("title"):
            raise InputError(path, f"{where}: every measure has a title and a select table", column="select",
                             expected='select = { kind = "coke_oven", chamber_height = "<= 4.3" }')
        try:
            cut = exact(m.get("cut", 1))
        except (ValueError, ArithmeticError):
            cut = Fraction(-1)
        if not 0 <= cut <= 1:
            raise InputError(path, f"{where}: cut {m.get('cut')!r}", column="cut", expected="0 ≤ cut ≤ 1")
        pollutants = tuple(m.get("pollutants", POLLUTANTS))
        if any(p not in POLLUTANTS for p in pollutants):
            raise InputError(path, f"{where}: pollutants {list(pollutants)!r}", column="pollutants",
                             expected=", ".join(POLLUTANTS))
        out.append(Measure(str(m.get("id") or i), str(m["title"]), dict(m["select"]), cut, pollutants))
    if not out:
        raise InputError(path, "no [[measure]]", expected="one or more [[measure]] entries")
    return str(raw.get("title", path.stem)), out


def _emergency_cuts(s, year: int, level: str, root, config) -> dict[int, dict[str, Fraction]]:
    """Enterprise → inventory pollutant → the share its measure at ``level`` removes."""
    # the cuts are the whole list's (the city's computation); the rows shown are then the caller's (``run``)
    listed = emergency.reduction(s, Scope.office(url_of(s), "scenario"), level, year, root, config)
    out = {}
    for e in listed["enterprises"]:
        cuts = {}
        for pollutant, targets in EMERGENCY.items():
            got = service.baseline(s, e["enterprise_id"], pollutant, year, config)
            base = got[0] if got else Fraction(0)
            if base:
                share = Fraction(str(e["reduction"][pollutant])) / base
                for t in targets:
                    cuts[t] = min(share, Fraction(1))
        out[e["enterprise_id"]] = cuts
    return out


def _t(x: Fraction) -> float:
    return float(round_half_even(x, 3))


def run(s, scope, year: int, *, measures: Path | None = None, level: str | None = None, root: Path | None = None,
        config: dict | None = None) -> dict:
    if level is not None and level not in LEVELS:
        raise UsageError(f"level is one of {', '.join(LEVELS)}")
    inv = service._current_or_404(s, year)
    tables = load_tables(root, config)
    names = service._county_names(s)
    title, chosen = load(measures) if (measures or level is None) else ("", [])
    cuts = _emergency_cuts(s, year, level, root, config) if level else {}
    rows = service.stored_rows(s, scope, inv)
    per_measure = [defaultdict(Fraction) for _ in chosen]
    matched = [0] * len(chosen)
    emergency_cut = defaultdict(Fraction)
    total, cut_total = defaultdict(Fraction), defaultdict(Fraction)
    by_county = defaultdict(lambda: defaultdict(Fraction))
    county_total = defaultdict(lambda: defaultdict(Fraction))
    by_sector = defaultdict(lambda: defaultdict(Fraction))
    for r in rows:
        t = Fraction(r.tonnes)
        total[r.pollutant] += t
        county_total[r.county_code or "—"][r.pollutant] += t
        attrs = json.loads(r.attrs)
        left = t
        for i, m in enumerate(chosen):
            if r.pollutant in m.pollutants and m.selects(r.sector, attrs):
                removed = left * m.cut
                per_measure[i][r.pollutant] += removed
                matched[i] += 1
                left -= removed
        if r.enterprise_id in cuts and r.pollutant in cuts[r.enterprise_id]:
            removed = left * cuts[r.enterprise_id][r.pollutant]
            emergency_cut[r.pollutant] += removed
            left -= removed
        gone = t - left
        if gone:
            cut_total[r.pollutant] += gone
            by_county[r.county_code or "—"][r.pollutant] += gone
            by_sector[r.sector.split(".")[0]][r.pollutant] += gone
    pct = lambda part, whole: float(round_half_even(part / whole * 100, 1)) if whole else None     # noqa: E731
    result_measures = [{"id": m.id, "title": m.title, "rows": matched[i], "cut": float(m.cut),
                        "reduction": {p: _t(per_measure[i][p]) for p in POLLUTANTS}} for i, m in enumerate(chosen)]
    if level:
        result_measures.append({"id": f"emergency-{level}", "title": f"{LEVEL_NAMES[level]}应急减排措施（清单企业，全年折算）",
                                "rows": sum(1 for r in rows if r.enterprise_id in cuts),
                                "reduction": {p: _t(emergency_cut[p]) for p in POLLUTANTS}})
    return {"year": year, "label": service.label(inv), "title": " + ".join(x for x in (title, level and f"{level}级应急") if x),
            "pollutants": list(POLLUTANTS), "measures": result_measures,
            "reduction": {p: _t(cut_total[p]) for p in POLLUTANTS},
            "total": {p: _t(total[p]) for p in POLLUTANTS},
            "after": {p: _t(total[p] - cut_total[p]) for p in POLLUTANTS},
            "percent": {p: pct(cut_total[p], total[p]) for p in POLLUTANTS},
            "by_county": [{"code": c, "name": names.get(c, c), "reduction": {p: _t(v[p]) for p in POLLUTANTS},
                           "percent": {p: pct(v[p], county_total[c][p]) for p in POLLUTANTS}}
                          for c, v in sorted(by_county.items())],
            "by_sector": [{"code": c, "name": tables.sector_name(c), "reduction": {p: _t(v[p]) for p in POLLUTANTS}}
                          for c, v in sorted(by_sector.items(), key=lambda kv: int(kv[0]))]}
