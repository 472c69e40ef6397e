"""环境空气质量指数 — the air-quality index of HJ 633—2012 and HJ 633—2026, scalar and exact.

This is the reference implementation: ``fractions.Fraction`` throughout, so the vectorized
engine in :mod:`lantian.measurements.aqi` is held to it by property tests.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache

from lantian.standards.pollutants import DECIMALS, pollutant_of
from lantian.standards.rounding import Number, ceil_fraction, exact, round_half_even
from lantian.standards.tables import load

#: Items read against another item's breakpoints. HJ 633—2026 §4.2.1 (and CNEMC practice
#: under 2012): 1-hour PM10/PM2.5 use the 24-hour columns.
TABLE_OF_ITEM = {"PM10_1h": "PM10_24h", "PM2_5_1h": "PM2_5_24h", "O3_8h_max": "O3_8h",
                 "O3_1h_max": "O3_1h"}


@cache
def table(version: int) -> dict:
    """The HJ 633 table of ``version`` (2012 or 2026)."""
    if version not in (2012, 2026):
        raise ValueError(f"HJ 633 has versions 2012 and 2026, not {version}")
    return load(f"hj633_{version}")


def breakpoints(item: str, version: int) -> list[int | float]:
    return table(version)["breakpoints"][TABLE_OF_ITEM.get(item, item)]


def round_input(item: str, conc: Number) -> Fraction:
    """HJ 633—2026 §4.2.2/§4.2.3: round to integers (CO one decimal) by GB/T 8170 before indexing."""
    return Fraction(round_half_even(conc, DECIMALS[pollutant_of(item)]))


def _linear(conc: Fraction, bps: list, levels: list[int]) -> int | None:
    """HJ 633 formula (1): IAQI = (IAQI_hi−IAQI_lo)/(BP_hi−BP_lo)·(C−BP_lo) + IAQI_lo, rounded up."""
    for i in range(1, len(bps)):
        lo, hi = exact(bps[i - 1]), exact(bps[i])
        if conc <= hi:
            return levels[i - 1] + ceil_fraction((levels[i] - levels[i - 1]) * (conc - lo) / (hi - lo))
    return None


def iaqi(item: str, conc: Number | None, version: int = 2012, *, fallback: Number | None = None,
         round_inputs: bool = True, above_top: str = "cap_500") -> int | None:
    """空气质量分指数 IAQI of one item, exact (HJ 633—2012 §6.2 / HJ 633—2026 §4.2.6: ceil).

    ``item`` names pollutant and averaging: ``SO2_24h``, ``SO2_1h``, ``NO2_24h``, ``NO2_1h``,
    ``CO_24h``, ``CO_1h``, ``O3_1h``, ``O3_8h``, ``PM10_24h``, ``PM2_5_24h`` and the 1-hour PM
    items ``PM10_1h``/``PM2_5_1h`` (read on the daily columns).

    Special cases (Table 1 notes (2)(3) of 2012; Table 3 notes b, c of 2026):
    SO2 1-h > 800 — 2012: the IAQI of the 24-h mean given as ``fallback``; 2026: 200.
    O3 8-h > 800 — 2012: the IAQI of the 1-h mean given as ``fallback``; 2026: 300.
    Above the last breakpoint the standards are silent: ``above_top`` ``cap_500`` (default,
    the practice of reporting 500) or ``none``.
    """
    if conc is None:
        return None
    c = round_input(item, conc) if round_inputs else exact(conc)
    if c < 0:
        raise ValueError(f"{item}: negative concentration {conc}")
    spec = table(version)
    key = TABLE_OF_ITEM.get(item, item)
    if key == "SO2_1h" and c > 800:
        rule = spec["so2_1h_over_800"]
        if rule == "use_24h":
            return iaqi("SO2_24h", fallback, version, round_inputs=round_inputs, above_top=above_top)
        return int(rule)
    if key == "O3_8h" and c > 800:
        rule = spec["o3_8h_over_800"]
        if rule == "use_1h":
            return iaqi("O3_1h", fallback, version, round_inputs=round_inputs, above_top=above_top)
        return int(rule)
    value = _linear(c, breakpoints(item, version), spec["iaqi_levels"])
    if value is None:
        return 500 if above_top == "cap_500" else None
    return value


@dataclass(frozen=True)
class Category:
    level: int
    grade: str
    name: str
    colour: str
    hex: str
    health: str
    advice: str


def category(aqi_value: int | None, version: int = 2012) -> Category | None:
    """HJ 633 Table 2 (2012) / Table 1 (2026): level 1–6, name, colour, health effects and advice."""
    if aqi_value is None:
        return None
    level = 1 if aqi_value <= 50 else 2 if aqi_value <= 100 else 3 if aqi_value <= 150 else \
        4 if aqi_value <= 200 else 5 if aqi_value <= 300 else 6
    row = table(version)["categories"][level - 1]
    return Category(row["level"], row["grade"], row["name"], row["colour"], row["hex"],
                    row["health"], row["advice"])


@dataclass(frozen=True)
class AQI:
    """An AQI with how it was decided."""
    value: int | None
    iaqi: dict[str, int]
    primary: tuple[str, ...]
    exceeding: tuple[str, ...]
    missing: tuple[str, ...]
    published: bool
    version: int
    category: Category | None = field(default=None, compare=False)


def combine(iaqis: dict[str, int | None], version: int = 2012, *, expected: tuple[str, ...] = ()) -> AQI:
    """AQI = max IAQI; 首要污染物 (AQI > 50, ties all primary); 超标污染物 (2012 only, IAQI > 100).

    HJ 633—2026 §5.3.1: with a pollutant missing the AQI is computed from the others and
    published only if it exceeds 100; otherwise ``published`` is False (reported as NA).
    ``expected`` lists the items that should be present (missing = expected but None).
    Item names map to pollutants, so ``O3_1h`` and ``O3_8h`` both make O3 primary.
    """
    present = {k: v for k, v in iaqis.items() if v is not None}
    missing = tuple(k for k in (expected or tuple(iaqis)) if iaqis.get(k) is None)
    if not present:
        return AQI(None, {}, (), (), missing, False, version)
    value = max(present.values())
    primary: tuple[str, ...] = ()
    if value > 50:
        primary = tuple(dict.fromkeys(pollutant_of(k) for k, v in present.items() if v == value))
    exceeding: tuple[str, ...] = ()
    if table(version)["defines_exceeding_pollutant"]:
        exceeding = tuple(dict.fromkeys(pollutant_of(k) for k, v in present.items() if v > 100))
    published = not missing or version == 2012 or value > 100
    return AQI(value, present, primary, exceeding, missing, published, version, category(value, version))


def daily_aqi(conc: dict[str, Number | None], version: int = 2012) -> AQI:
    """日报 AQI — HJ 633—2012 §5.1 (7 indicators incl. O3 1-h max) / 2026 §5.1 (6 indicators).

    ``conc`` keys are items of the version's ``daily_items``: ``SO2_24h``, ``NO2_24h``,
    ``PM10_24h``, ``PM2_5_24h``, ``CO_24h``, ``O3_8h_max`` and (2012) ``O3_1h_max``.
    """
    items = table(version)["daily_items"]
    out: dict[str, int | None] = {}
    for item in items:
        fallback = conc.get("O3_1h_max") if item == "O3_8h_max" else None
        out[item] = iaqi(item, conc.get(item), version, fallback=fallback)
    return combine(out, version, expected=tuple(items))


def realtime_aqi(conc: dict[str, Number | None], version: int = 2012) -> AQI:
    """实时报 AQI from the six 1-hour means (HJ 633—2026 §5.1; CNEMC practice under 2012).

    ``conc`` keys: ``SO2_1h``, ``NO2_1h``, ``PM10_1h``, ``PM2_5_1h``, ``CO_1h``, ``O3_1h``,
    and ``SO2_24h`` (the 24-h sliding mean, the 2012 fallback when SO2 1-h > 800).
    """
    items = table(version)["realtime_items"]
    out: dict[str, int | None] = {}
    for item in items:
        fallback = conc.get("SO2_24h") if item == "SO2_1h" else None
        out[item] = iaqi(item, conc.get(item), version, fallback=fallback)
    return combine(out, version, expected=tuple(items))
