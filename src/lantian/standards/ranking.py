"""环境空气质量综合指数 and rankings — scalar, exact (docs/standards.md §4; ``tables/ranking.toml``).

* Single index I_i = C_i / S_i, with C_i rounded (GB/T 8170) to the concentration decimals
  (integers, CO 1) first; composite I_sum = Σ w_i · I_i of the exact single indices, rounded
  once to 2 decimals (the secondary example of docs/standards.md §4, 3.06 needs the exact sum: rounding each
  I_i first gives 3.07). Single indices are reported at 2 decimals.
* Largest-index pollutant(s): those whose 2-decimal single index (weighted by nothing — the
  plain I_i) equals the maximum; ties list all of them in ``POLLUTANTS`` order.
* Ranks: ascending value (smaller index = better = rank 1); equal rounded values are tied
  (并列) and share the best rank, the next rank skips: 1, 2, 2, 4 ("competition ranking").
  ``None`` values get no rank.
* Change rate: (this − last) / last × 100 on the 2-decimal composites, 1 decimal (%);
  negative = improved. Ranked ascending (most improved first), ties shared the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Mapping, Sequence

from lantian.standards.pollutants import POLLUTANTS  # the listing order of the ranking rule and CNEMC tables
from lantian.standards.rounding import Number, exact, round_half_even
from lantian.standards.tables import load


@dataclass(frozen=True)
class Scheme:
    name: str
    title: str
    weights: dict[str, Fraction]
    divisors: dict[str, Fraction]
    concentration_dp: dict[str, int]
    index_dp: int
    change_dp: int


def settings() -> dict:
    return load("ranking")


def scheme(name: str | None = None) -> Scheme:
    """A weight/divisor scheme of ``ranking.toml`` (default ``2018``: weights 1, 2012 divisors)."""
    cfg = settings()
    key = name or cfg["default_scheme"]
    if key not in cfg["schemes"]:
        raise KeyError(f"unknown ranking scheme {key!r}; choose one of {', '.join(cfg['schemes'])}")
    s = cfg["schemes"][key]
    dp = {p: cfg.get(f"concentration_{p}_dp", cfg["concentration_default_dp"]) for p in POLLUTANTS}
    return Scheme(key, s["title"], {p: exact(s["weights"][p]) for p in POLLUTANTS},
                  {p: exact(s["divisors"][p]) for p in POLLUTANTS}, dp, cfg["index_dp"], cfg["change_dp"])


def custom_scheme(weights: Mapping[str, Number], divisors: Mapping[str, Number], name: str = "custom") -> Scheme:
    """A scheme from explicit weights and divisors (other settings from ``ranking.toml``)."""
    base = scheme()
    return Scheme(name, name, {p: exact(weights[p]) for p in POLLUTANTS},
                  {p: exact(divisors[p]) for p in POLLUTANTS}, base.concentration_dp, base.index_dp, base.change_dp)


def single_index(pollutant: str, conc: Number, sch: Scheme | None = None) -> Fraction:
    """I_i = C_i / S_i (exact), with C_i rounded to the concentration decimals first."""
    s = sch or scheme()
    c = Fraction(round_half_even(conc, s.concentration_dp[pollutant]))
    return c / s.divisors[pollutant]


@dataclass(frozen=True)
class Composite:
    value: Decimal | None                     # I_sum, 2 dp; None when a pollutant is missing
    exact: Fraction | None
    singles: dict[str, Decimal | None]        # I_i, 2 dp
    largest: tuple[str, ...]                  # largest-index pollutant(s)
    largest_index: Decimal | None
    scheme: str


def composite(concs: Mapping[str, Number | None], sch: Scheme | None = None) -> Composite:
    """综合指数 of the six period statistics ``concs`` (keys ``POLLUTANTS``; CO = P95, O3 = P90)."""
    s = sch or scheme()
    exact_i = {p: None if concs.get(p) is None else single_index(p, concs[p], s) for p in POLLUTANTS}
    singles = {p: None if v is None else round_half_even(v, s.index_dp) for p, v in exact_i.items()}
    present = [v for v in singles.values() if v is not None]
    best = max(present) if present else None
    largest = tuple(p for p in POLLUTANTS if best is not None and singles[p] == best)
    if any(v is None for v in exact_i.values()):
        return Composite(None, None, singles, largest, best, s.name)
    total = sum((s.weights[p] * exact_i[p] for p in POLLUTANTS), Fraction(0))
    return Composite(round_half_even(total, s.index_dp), total, singles, largest, best, s.name)


def ranks(values: Sequence[Number | None], descending: bool = False) -> list[int | None]:
    """Competition ranks with ties (并列): [3.1, 2.0, 3.1, 4.0] → [2, 1, 2, 4]; ``None`` → no rank."""
    keyed = [(exact(v) * (-1 if descending else 1), i) for i, v in enumerate(values) if v is not None]
    keyed.sort()
    out: list[int | None] = [None] * len(values)
    prev, prev_rank = None, 0
    for pos, (k, i) in enumerate(keyed, start=1):
        rank = prev_rank if k == prev else pos
        out[i] = rank
        prev, prev_rank = k, rank
    return out


def change_rate(this: Number | None, last: Number | None, dp: int | None = None) -> Decimal | None:
    """(this − last) / last × 100, GB/T 8170 to ``dp`` decimals (default ``change_dp`` = 1); None if unknown."""
    if this is None or last is None or exact(last) == 0:
        return None
    d = settings()["change_dp"] if dp is None else dp
    return round_half_even((exact(this) - exact(last)) / exact(last) * 100, d)
