"""秸秆露天焚烧 — open straw burning from the fire points (火点, through the fire room's service):
fire points × burnt biomass per point (⚠, class D) × the open-burning factors, in the months the
points were seen. Cases verified as 误报 or 工业热源 are not counted (the fire room's rule)."""
from __future__ import annotations

from collections import Counter

from lantian.inventory.rows import Note, Row, emit
from lantian.inventory.tables import Tables
from lantian.accounts.scope import Scope
from lantian.fires import service as fires


def fire_points(s, url: str, year: int, config: dict | None) -> Counter:
    """(county, month) → fire points of ``year`` that count."""
    counted = Counter()
    for c in fires.cases(s, Scope.office(url, "inventory"), period=str(year), config=config):
        if c["finding"] in fires.EXCLUDED:
            continue
        counted[(c["county"], int(c["first_seen"][5:7]))] += 1
    return counted


def straw_rows(points: Counter, year: int, tables: Tables, names: dict) -> tuple[list[Row], list[Note]]:
    if not points:
        return [], [Note("7.1", "秸秆露天焚烧", f"{year}年无火点")]
    factor, per = tables.factor("burning.秸秆"), tables.parameters["biomass_per_fire"]
    rows = []
    for county in sorted({c for c, _ in points}):
        months = [points.get((county, m), 0) for m in range(1, 13)]
        n = sum(months)
        rows += emit(tables, factor, n * per.value, sector="7.1", county=county,
                     source=f"{names.get(county, county)} 秸秆露天焚烧（{n}个火点）",
                     activity=f"{n}个火点 × {float(per.value):g} 吨/火点（卫星与人工火点，{year}年）", activity_class="B",
                     extra_classes=(per.klass,), data_source="秸秆焚烧火点", monthly_weights=months,
                     method="火点法：火点数 × 每火点焚烧量 × 排放因子", attrs={"source": "fires", "points": n})
    return rows, []
