"""实测法 — measured emissions from the CEMS series in the measurement store
(:mod:`lantian.measurements.facility`), month by month.

A series is named ``统一社会信用代码:编号`` (the verification's convention). The number after the
colon is a facility of the ledger, or an outlet (排放口) whose 对应设施编号 names the facilities it
serves. Each hour's emission rate is the CEMS rate when given (``so2_kgh`` …), else
flow × concentration: E (kg/h) = Q (m³/h) × C (mg/m³) × 10⁻⁶ (HJ 75—2017 排放速率). A month counts
as measured when its valid hours reach the ⚠ ``cems_min_coverage`` share of the month; its total
is the valid hours' sum scaled to the whole month (missing hours at the month's valid mean —
lantian's rule). Measured months replace the calculated ones of the facilities served, shared in
proportion to their calculated values; particulate matter (颗粒物) is split into PM10 and PM2.5 by
the ⚠ ``cems_pm_split`` of the facility's dedusting.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from lantian.inventory.rows import Note, Row
from lantian.inventory.tables import Tables, worst
from lantian.measurements.facility import FacilityStore

MEASURED = ("SO2", "NOx", "PM")
_SQL = """
WITH h AS (
  SELECT facility, "time",
         max(value) FILTER (WHERE metric = 'flow_m3h') AS flow,
         max(value) FILTER (WHERE metric = 'so2_kgh') AS so2_r, max(value) FILTER (WHERE metric = 'so2_mgm3') AS so2_c,
         max(value) FILTER (WHERE metric = 'nox_kgh') AS nox_r, max(value) FILTER (WHERE metric = 'nox_mgm3') AS nox_c,
         max(value) FILTER (WHERE metric = 'pm_kgh') AS pm_r, max(value) FILTER (WHERE metric = 'pm_mgm3') AS pm_c
  FROM series GROUP BY facility, "time"),
r AS (
  SELECT facility, month("time" - INTERVAL 1 HOUR) AS m,
         coalesce(so2_r, flow * so2_c / 1e6) AS so2, coalesce(nox_r, flow * nox_c / 1e6) AS nox,
         coalesce(pm_r, flow * pm_c / 1e6) AS pm
  FROM h)
SELECT facility, m, count(so2), sum(so2), count(nox), sum(nox), count(pm), sum(pm)
FROM r GROUP BY facility, m ORDER BY facility, m
"""


@dataclass
class Series:
    """One CEMS series' months: pollutant → month (1–12) → (valid hours, kg)."""
    name: str
    enterprise_id: int
    serves: tuple[str, ...]
    outlet: str | None
    months: dict[str, dict[int, tuple[int, Fraction]]] = field(default_factory=dict)


@dataclass
class MeasuredMonths:
    series: list[Series]
    notes: list[Note]
    min_coverage: Fraction

    @classmethod
    def none(cls) -> "MeasuredMonths":
        return cls([], [], Fraction(1))

    @classmethod
    def load(cls, measurements: Path, year: int, facts, codes: dict[str, int], tables: Tables) -> "MeasuredMonths":
        """The CEMS months of ``year`` for the ledger's facilities (``codes``: credit code → enterprise id)."""
        store = FacilityStore(measurements)
        if not store.files():
            return cls([], [], tables.param("cems_min_coverage"))
        table = store.read(None, dt.datetime(year, 1, 1, 1), dt.datetime(year + 1, 1, 1, 0))
        if not table.num_rows:
            return cls([], [], tables.param("cems_min_coverage"))
        import duckdb
        con = duckdb.connect()
        con.register("series", table)
        found = con.sql(_SQL).fetchall()
        con.close()
        by_code = defaultdict(dict)
        for f in facts:
            by_code[f.enterprise_id][f.code] = f
        notes, series = [], {}
        for name, month, *values in found:
            if name not in series:
                series[name] = _series(name, codes, by_code, notes)
            s = series[name]
            if s is None:
                continue
            for i, p in enumerate(MEASURED):
                n, kg = values[2 * i], values[2 * i + 1]
                if n:
                    s.months.setdefault(p, {})[int(month)] = (int(n), Fraction(str(kg)))
        return cls([s for s in series.values() if s is not None], notes, tables.param("cems_min_coverage"))

    def month_tonnes(self, s: Series, pollutant: str, year: int) -> dict[int, Fraction]:
        """The measured months (coverage reached): month → tonnes, scaled to the whole month."""
        out = {}
        for month, (n, kg) in s.months.get(pollutant, {}).items():
            hours = calendar.monthrange(year, month)[1] * 24
            if Fraction(n, hours) >= self.min_coverage:
                out[month] = kg * hours / n / 1000
        return out

    def apply(self, rows: list[Row], facts, year: int, tables: Tables) -> list[Row]:
        """``rows`` with the measured months in place of the calculated ones."""
        for s in self.series:
            served = [r for r in rows if r.enterprise_id == s.enterprise_id and r.facility in s.serves]
            for pollutant in MEASURED:
                months = self.month_tonnes(s, pollutant, year)
                if not months:
                    continue
                targets = ("PM10", "PM2.5") if pollutant == "PM" else (pollutant,)
                for target in targets:
                    share = _pm_share(tables, facts, s, target) if pollutant == "PM" else (Fraction(1), None)
                    mine = [r for r in served if r.pollutant == target]
                    if not mine:
                        mine = [_empty_row(s, target, facts, tables)]
                        rows.append(mine[0])
                    _replace(mine, {m: t * share[0] for m, t in months.items()}, s, share[1], tables)
        return rows


def _series(name: str, codes: dict[str, int], by_code, notes: list[Note]) -> Series | None:
    credit, _, code = name.partition(":")
    eid = codes.get(credit)
    if eid is None or code not in by_code.get(eid, {}):
        notes.append(Note("1", f"CEMS {name}", "未匹配企业台账的设施或排放口（应为 统一社会信用代码:编号），实测值未使用"))
        return None
    f = by_code[eid][code]
    if f.kind != "outlet":
        return Series(name, eid, (code,), None)
    serves = tuple(c.strip() for c in str(f.attrs.get("serves") or "").replace("，", ",").split(",") if c.strip())
    unknown = [c for c in serves if c not in by_code[eid]]
    if not serves or unknown:
        why = "排放口未填“对应设施编号”" if not serves else f"对应设施编号 {'、'.join(unknown)} 不在台账"
        notes.append(Note("1", f"CEMS {name}（{f.enterprise} {f.name}）", why + "，实测值未使用"))
        return None
    return Series(name, eid, serves, code)


def _pm_share(tables: Tables, facts, s: Series, target: str) -> tuple[Fraction, str]:
    split = tables.param("cems_pm_split")
    tech = next((f.attrs.get("dedusting") for f in facts if f.enterprise_id == s.enterprise_id
                 and f.code in s.serves and f.attrs.get("dedusting")), None)
    pair = split.get(tech, split["default"])
    return pair[0 if target == "PM10" else 1], tables.parameters["cems_pm_split"].klass


def _empty_row(s: Series, pollutant: str, facts, tables: Tables) -> Row:
    from lantian.inventory.point import sector_of          # cycle: cems ↔ point (point imports MeasuredMonths)
    f = next(f for f in facts if f.enterprise_id == s.enterprise_id and f.code == s.serves[0])
    return Row(sector=sector_of(f), county=f.county, source=f"{f.enterprise} {f.name}（{f.code}）", pollutant=pollutant,
               monthly=[Fraction(0)] * 12, method="", activity="无活动水平（仅实测月份）", factor="—",
               data_source="CEMS", uncertainty="B", enterprise_id=f.enterprise_id, facility=f.code,
               attrs={"kind": f.kind, "code": f.code, "enterprise": f.enterprise, "industry": f.industry})


def _replace(rows: list[Row], measured: dict[int, Fraction], s: Series, share_class: str | None, tables: Tables) -> None:
    """Put the measured months into ``rows``, shared by their calculated values (evenly when none)."""
    for month, tonnes in measured.items():
        i = month - 1
        calc = [r.monthly[i] for r in rows]
        total = sum(calc, Fraction(0))
        for r, c in zip(rows, calc):
            r.monthly[i] = tonnes * (c / total if total else Fraction(1, len(rows)))
    where = f"排放口{s.outlet}" if s.outlet else "设施"
    text = f"CEMS实测（{where}，{len(measured)}个月：{','.join(str(m) for m in sorted(measured))}月；流量×浓度或排放速率）"
    if len(rows) > 1:
        text += f"，按计算值比例分摊到{len(rows)}个设施"
    for r in rows:
        partial = bool(r.method) and len(measured) < 12
        r.method = f"{text}；其余月份：{r.method}" if partial else text
        r.data_source = "企业台账 + CEMS" if partial else "CEMS"
        full = "A" if len(measured) == 12 else worst("B", r.uncertainty)
        r.uncertainty = worst(full, share_class)
        r.attrs["cems"] = s.name
