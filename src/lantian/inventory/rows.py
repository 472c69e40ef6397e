"""One inventory row — a source's emission of one pollutant — and how rows are made from an activity
and a factor: E = A × EF × (1 − η), split over the months by a profile, each row saying its method,
activity, factor, data source and uncertainty class (the worst class of what made it)."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from lantian.inventory.models import POLLUTANTS
from lantian.inventory.tables import Factor, Sulfur, Tables, worst
from lantian.standards.rounding import round_half_even

#: the factor's unit → tonnes per (unit × activity): kg → 1/1000 t, g → 1/10⁶ t, t → 1 t
TO_TONNES = {"kg": Fraction(1, 1000), "g": Fraction(1, 10**6), "t": Fraction(1)}
PLACES = 6                                      # tonnes are kept to the gram


@dataclass
class Row:
    sector: str
    county: str | None
    source: str
    pollutant: str
    monthly: list[Fraction]                     # twelve months, exact
    method: str
    activity: str
    factor: str
    data_source: str
    uncertainty: str
    enterprise_id: int | None = None
    facility: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def tonnes(self) -> Fraction:
        return sum(self.monthly, Fraction(0))


@dataclass
class Note:
    """What the build could not use, and why (the inventory's coverage)."""
    sector: str
    subject: str
    reason: str

    def as_dict(self) -> dict:
        return {"sector": self.sector, "subject": self.subject, "reason": self.reason}


def split(total: Fraction, weights: list) -> list[Fraction]:
    """``total`` over twelve months in proportion to ``weights`` (all-zero weights: evenly)."""
    w = [Fraction(x) if not isinstance(x, Fraction) else x for x in weights]
    s = sum(w, Fraction(0))
    if s == 0:
        w, s = [Fraction(1)] * 12, Fraction(12)
    return [total * x / s for x in w]


def to_tonnes(unit: str) -> Fraction:
    """How many tonnes one (factor unit × activity unit) is, from the unit's numerator (kg/t → 1/1000)."""
    head = unit.split("/")[0].strip()
    if head not in TO_TONNES:
        raise ValueError(f"factor unit {unit!r}: the amount must be g, kg or t")
    return TO_TONNES[head]


def rounded(value: Fraction) -> Fraction:
    """GB/T 8170 round-half-even to :data:`PLACES` decimals (the stored figure)."""
    return Fraction(round_half_even(value, PLACES))


def months_rounded(monthly: list[Fraction]) -> list[Fraction]:
    """The months rounded so that they add up exactly to the rounded annual figure: each month down to
    the gram, then a gram more to the months with the largest remainders (the rounded total is never
    below the sum of the floors, so only grams are added)."""
    unit = Fraction(1, 10**PLACES)
    total = rounded(sum(monthly, Fraction(0)))
    floors = [(m / unit).__floor__() * unit for m in monthly]
    left = int((total - sum(floors, Fraction(0))) / unit)
    for i in sorted(range(len(monthly)), key=lambda i: (floors[i] - monthly[i], i))[:left]:
        floors[i] += unit
    return floors


def decimal_text(value: Fraction) -> str:
    """A rounded figure as its decimal text, trailing zeros dropped (``"8"``, ``"0.25"``)."""
    from decimal import Decimal
    d = Decimal(value.numerator) / Decimal(value.denominator)
    text = format(d.quantize(Decimal(1).scaleb(-PLACES)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def emit(tables: Tables, factor: Factor, amount: Fraction, *, sector: str, county: str | None, source: str,
         activity: str, activity_class: str, data_source: str, profile: str = "uniform",
         removals: dict[str, tuple[Fraction, str, str]] | None = None, sulfur: Fraction | None = None,
         sulfur_class: str | None = None, stage: int | None = None, extra_classes: tuple[str, ...] = (),
         method: str = "排放因子法：活动水平 × 排放因子", enterprise_id: int | None = None,
         facility: str | None = None, attrs: dict | None = None, monthly_weights: list | None = None,
         pollutants: tuple[str, ...] = POLLUTANTS) -> list[Row]:
    """Rows for every pollutant ``factor`` gives: ``amount`` (in the factor's activity unit) × the factor
    × (1 − η) for the removal given for that pollutant (η, technology, class)."""
    out = []
    removals = removals or {}
    per = to_tonnes(factor.unit)
    weights = monthly_weights if monthly_weights is not None else tables.param("profiles")[profile]
    for pollutant in pollutants:
        ef = factor.value(pollutant, sulfur, stage)
        if ef is None:
            continue
        eta, tech, eta_class = removals.get(pollutant, (Fraction(0), "", None))
        tonnes = amount * ef * per * (1 - eta)
        text = factor.describe(pollutant, sulfur, stage)
        if tech:
            text += f"；{tech} η={float(eta):g}"
        uses_sulfur = sulfur_class if isinstance(factor.values.get(pollutant), Sulfur) else None
        klass = worst(activity_class, factor.klass, eta_class, uses_sulfur, *extra_classes)
        out.append(Row(sector=sector, county=county, source=source, pollutant=pollutant,
                       monthly=split(tonnes, weights), method=method + ("×（1−去除效率）" if tech else ""),
                       activity=activity, factor=text, data_source=data_source, uncertainty=klass,
                       enterprise_id=enterprise_id, facility=facility, attrs=dict(attrs or {})))
    return out
