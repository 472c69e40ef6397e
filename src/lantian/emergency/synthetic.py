"""Synthetic facility series for a warning, with the violations injected kept apart as ground truth.

Every facility id starts with ``SYN-``: nothing here is a real enterprise. The series follow the
layout of :mod:`lantian.emergency.series`. Each facility has

* an operating pattern — continuous (kilns, furnaces; a slight night dip), two shifts (a lower
  night), or a day shift (idle at night, some switching the treatment line off when idle);
* weekday effects, a day-to-day level, multiplicative hourly noise and occasional spikes and dips;
* instruments: production power always, treatment power where the treatment line is metered,
  CEMS (two or three of SO2/NOx/PM) at some;
* data gaps: random single hours and multi-hour outages (of one meter or the whole link);
* a committed cut during the warning: 0 (A-grade), 20 %, 50 % or 100 % (停产, standby power left),
  reached over a ramp of up to three hours.

About half of the facilities comply — some only just, within the tolerance a verifier allows, and
some with compliant behaviour that looks suspicious (a stopped plant switching its treatment off,
meter glitches reading zero). The others violate in one or two ways, for the whole warning or
partly: not reducing, reducing too little, starting late or resuming early, producing at night,
switching the treatment line off (at CEMS outlets the emissions then rise as well), or cutting
production but not emissions (less reagent). ``truth`` records, per facility, every kind of
violation the injected behaviour produces; a kind is recorded only when the noise-free series
show it for at least a few hours (night-only treatment off at a plant idle at night is none).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pyarrow as pa

from lantian.emergency.series import EMISSIONS, SCHEMA, UNITS
from lantian.emergency.verification import Commitment

PREFIX = "SYN-"
CUTS = (0.0, 0.2, 0.5, 1.0)
CUT_WEIGHTS = (0.15, 0.35, 0.3, 0.2)
PATTERNS = ("continuous", "two_shift", "day_shift")
NIGHT = (22, 23, 0, 1, 2, 3, 4, 5)          # hours of day (interval start) counted as night
TRUE_HOURS = 4                              # noise-free hours needed for a kind to be true
TRUE_EXCESS = 0.1                           # … above the commitment, share of full load
RUNNING = 0.15                              # production level at which a plant counts as running
START = date(2024, 12, 4)                   # a Wednesday: the default warning spans a weekend
TUNING_SEED = 1                             # the set VerifySettings were tuned on (300 facilities)
HELD_OUT_SEED = 2                           # never used for tuning: precision and recall reported on it


@dataclass(frozen=True)
class Synthetic:
    """A generated set. Unpacks as ``table, truth``; the reduction list and warning come along."""
    table: pa.Table
    truth: dict[str, set[str]]
    commitments: dict[str, Commitment]
    warning: tuple[datetime, datetime]
    behaviour: dict[str, str] = field(default_factory=dict)     # facility → what was injected

    def __iter__(self) -> Iterator:
        return iter((self.table, self.truth))


@dataclass
class _Facility:
    """One facility's hidden state: noise-free levels (share of full load) and injected multipliers."""
    id: str
    pattern: str
    cut: float
    rated_kw: float
    base: np.ndarray                 # noise-free production level without the warning
    level: np.ndarray                # noise-free production level with the warning's behaviour
    treated: bool
    metered: bool
    treatment_off: np.ndarray        # hours the treatment line is off
    allowed_off: np.ndarray          # of those, hours it may be off (production idle or stopped)
    cems: tuple[str, ...]
    pass_share: np.ndarray           # per CEMS metric, share the treatment lets through
    emission_factor: np.ndarray      # per hour, multiplier on emissions at the outlet
    behaviour: list[str] = field(default_factory=list)


def generate(n_facilities: int = 60, start: date = START, days: int = 14, warning: tuple[int, int] = (8, 12),
             seed: int = 0) -> Synthetic:
    """Hourly series of ``n_facilities`` for ``days`` days from ``start`` with a warning over the
    days ``warning`` = (first, end) — day offsets, the end exclusive (labels after first 00:00
    up to end 00:00)."""
    first, stop = warning
    if not 0 < first < stop <= days:
        raise ValueError("the warning must lie within the days generated, after the first")
    rng = np.random.default_rng(seed)
    clock = _Clock(start, days, first, stop)
    facilities = [_facility(rng, clock, f"{PREFIX}{i + 1:03d}") for i in range(n_facilities)]
    tables = [_series(rng, clock, f) for f in facilities]
    table = pa.concat_tables(tables) if tables else SCHEMA.empty_table()
    truth = {f.id: _truth(f, clock) for f in facilities}
    return Synthetic(table=table, truth={k: v for k, v in truth.items() if v},
                     commitments={f.id: Commitment(f.id, f.cut, f.treated) for f in facilities},
                     warning=(clock.label(first * 24), clock.label(stop * 24)),
                     behaviour={f.id: "; ".join(f.behaviour) or "compliant" for f in facilities})


@dataclass
class _Clock:
    start: date
    days: int
    first: int                       # warning's first day
    stop: int                        # day the warning ends (00:00)

    @property
    def n(self) -> int:
        return self.days * 24

    @property
    def hour_of_day(self) -> np.ndarray:
        return np.arange(self.n) % 24                 # hour index k covers HH:00–HH+1:00, HH = k % 24

    @property
    def day(self) -> np.ndarray:
        return np.arange(self.n) // 24

    @property
    def weekday(self) -> np.ndarray:
        return (self.start.weekday() + self.day) % 7

    @property
    def in_warning(self) -> np.ndarray:
        return (self.day >= self.first) & (self.day < self.stop)

    @property
    def night(self) -> np.ndarray:
        return np.isin(self.hour_of_day, NIGHT)

    def label(self, k: int) -> datetime:
        """``k`` hours after 00:00 of the first day: the label ending hour index ``k`` − 1."""
        return datetime(self.start.year, self.start.month, self.start.day) + timedelta(hours=k)


# ---------------------------------------------------------------- facilities

def _facility(rng: np.random.Generator, clock: _Clock, fid: str) -> _Facility:
    pattern = PATTERNS[rng.choice(3, p=(0.35, 0.35, 0.3))]
    cut = float(CUTS[rng.choice(len(CUTS), p=CUT_WEIGHTS)])
    treated = rng.random() < 0.8
    f = _Facility(id=fid, pattern=pattern, cut=cut, rated_kw=float(np.exp(rng.normal(np.log(1500), 0.9))),
                  base=_base_level(rng, clock, pattern), level=np.empty(0), treated=treated,
                  metered=treated and rng.random() < 0.85, treatment_off=np.zeros(clock.n, bool),
                  allowed_off=np.zeros(clock.n, bool), cems=_cems(rng), pass_share=np.empty(0),
                  emission_factor=np.ones(clock.n))
    f.pass_share = rng.uniform(0.05, 0.25, len(f.cems))
    f.level = _compliant_level(rng, clock, f)
    _idle_treatment(rng, clock, f)
    if rng.random() < 0.5:
        _violate(rng, clock, f)
    return f


def _base_level(rng: np.random.Generator, clock: _Clock, pattern: str) -> np.ndarray:
    """Production level by hour as a share of full load: shifts × weekday × day-to-day level."""
    h = clock.hour_of_day
    if pattern == "continuous":
        shape = 1 - 0.08 * np.isin(h, (0, 1, 2, 3, 4, 5)) + 0.02 * np.sin(2 * np.pi * h / 24)
        week = np.ones(7)
    elif pattern == "two_shift":
        night = rng.uniform(0.4, 0.55)
        shape = np.where((h >= 6) & (h < 22), 1.0, night)
        week = np.r_[np.ones(5), rng.uniform(0.85, 1.0), rng.uniform(0.8, 0.95)]
    else:
        idle = rng.uniform(0.04, 0.1)
        shape = np.where((h >= 8) & (h < 18), np.where(h == 12, 0.8, 1.0), idle)
        shape = np.where((h == 7) | (h == 18), 0.5, shape)
        week = np.r_[np.ones(5), rng.uniform(0.75, 0.95), rng.uniform(0.6, 0.85)]
    daily = np.exp(rng.normal(0, rng.uniform(0.02, 0.05), clock.days))
    return shape * week[clock.weekday] * daily[clock.day]


def _cems(rng: np.random.Generator) -> tuple[str, ...]:
    if rng.random() >= 0.45:
        return ()
    chosen = tuple(m for m, p in zip(EMISSIONS, (0.8, 0.9, 0.7)) if rng.random() < p)
    return chosen or ("nox_kgh",)


def _compliant_level(rng: np.random.Generator, clock: _Clock, f: _Facility) -> np.ndarray:
    """The level when the commitment is kept: ramped down, some only just within a tolerance."""
    keep = 1 - f.cut
    if 0 < f.cut < 1 and rng.random() < 0.35:       # only just: up to 6 % of full load above
        keep += rng.uniform(0.02, 0.06)
        f.behaviour.append(f"near tolerance (+{keep - (1 - f.cut):.2f})")
    multiplier = np.where(clock.in_warning, keep, 1.0)
    ramp = int(rng.integers(0, 4))
    for j in range(ramp):
        k = clock.first * 24 + j
        multiplier[k] = 1 - (1 - keep) * (j + 1) / (ramp + 1)
    level = f.base * multiplier
    if f.cut == 1:
        standby = rng.uniform(0.02, 0.08)
        level = np.where(clock.in_warning & (multiplier <= keep), standby, level)
    return level


def _idle_treatment(rng: np.random.Generator, clock: _Clock, f: _Facility) -> None:
    """Allowed switching off: at night when a day-shift plant idles, and in a stop."""
    if not f.treated:
        return
    if f.pattern == "day_shift" and rng.random() < 0.5:
        f.treatment_off |= f.base < 0.2
    if f.cut == 1 and rng.random() < 0.5:
        f.treatment_off |= clock.in_warning & (f.level < 0.1)
        f.behaviour.append("treatment off during the stop (allowed)")
    f.allowed_off = f.treatment_off.copy()


# ---------------------------------------------------------------- violations

def _violate(rng: np.random.Generator, clock: _Clock, f: _Facility) -> None:
    options = []
    if f.cut > 0:
        options.append(_production)
    if f.metered and f.cut < 1:                     # in a stop the line may be off
        options.append(_treatment_off)
    if f.cems and f.cut < 1:
        options.append(_emissions)
    if not options:
        return
    n = 2 if len(options) > 1 and rng.random() < 0.3 else 1
    for i in rng.choice(len(options), n, replace=False):
        options[i](rng, clock, f)


def _when(rng: np.random.Generator, clock: _Clock, kinds: tuple[str, ...]) -> tuple[str, np.ndarray]:
    """Which warning hours a violation covers."""
    kind = kinds[rng.choice(len(kinds))]
    w = clock.in_warning
    k = np.arange(clock.n)
    begin, end = clock.first * 24, clock.stop * 24
    if kind == "whole warning":
        return kind, w
    if kind == "at night":
        return kind, w & clock.night
    if kind == "late start":
        return kind, w & (k < begin + int(rng.integers(18, 37)))
    if kind == "early resumption":
        return kind, w & (k >= end - int(rng.integers(12, 31)))
    day = clock.first + int(rng.integers(0, clock.stop - clock.first))
    return f"day {day}", clock.day == day


def _production(rng: np.random.Generator, clock: _Clock, f: _Facility) -> None:
    when, hours = _when(rng, clock, ("whole warning", "at night", "late start", "early resumption", "one day"))
    if f.pattern == "day_shift" and when == "at night":
        level = np.where(hours, 1.0, f.level)                       # a day-shift plant running at night
    else:
        keep = min(1.0, 1 - f.cut + rng.uniform(0.25, 0.5)) if rng.random() < 0.5 else 1.0
        level = np.where(hours, np.maximum(f.base * keep, f.level), f.level)
        when += " (no cut)" if keep == 1.0 else f" (kept {keep:.2f})"
    f.level = level
    f.allowed_off &= ~hours
    if rng.random() < 0.5:                                          # running again: treatment back on
        f.treatment_off &= ~(hours & (f.level >= RUNNING))
    elif (f.treatment_off & hours).any():
        when += ", treatment left off"
    f.behaviour.append(f"production not reduced: {when}")


def _treatment_off(rng: np.random.Generator, clock: _Clock, f: _Facility) -> None:
    when, hours = _when(rng, clock, ("whole warning", "at night", "one day"))
    if f.pattern == "day_shift" and when == "at night":
        when, hours = "day shift", clock.in_warning & (f.base >= 0.5)
    f.treatment_off |= hours
    f.behaviour.append(f"treatment off: {when}")


def _emissions(rng: np.random.Generator, clock: _Clock, f: _Facility) -> None:
    when, hours = _when(rng, clock, ("whole warning", "one day", "late start"))
    factor = 1 + rng.uniform(0.45, 1.0) / (1 - f.cut)
    f.emission_factor = np.where(hours, factor, f.emission_factor)
    f.behaviour.append(f"emissions not reduced ×{factor:.1f}: {when}")


def _truth(f: _Facility, clock: _Clock) -> set[str]:
    """The kinds the noise-free series show for at least TRUE_HOURS warning hours."""
    w = clock.in_warning
    kinds = set()
    committed = f.base * (1 - f.cut)
    if f.cut > 0 and np.sum(w & (f.level - committed >= TRUE_EXCESS)) >= TRUE_HOURS:
        kinds.add("production_not_reduced")
    if f.metered and np.sum(w & _unlawfully_off(f) & (f.level >= RUNNING)) >= TRUE_HOURS:
        kinds.add("treatment_off")
    emitted = f.level * _outlet_factor(f)                           # CEMS metric × hour
    if f.cems and (np.sum(w & (emitted - committed >= TRUE_EXCESS), axis=1) >= TRUE_HOURS).any():
        kinds.add("emissions_not_reduced")
    return kinds


def _unlawfully_off(f: _Facility) -> np.ndarray:
    return f.treatment_off & ~f.allowed_off if f.treated else np.zeros_like(f.treatment_off)


def _outlet_factor(f: _Facility) -> np.ndarray:
    """Per CEMS metric and hour: emissions relative to normal treatment (off: 1 / pass share)."""
    return np.where(_unlawfully_off(f), 1 / f.pass_share[:, None], 1.0) * f.emission_factor


# ---------------------------------------------------------------- series

def _series(rng: np.random.Generator, clock: _Clock, f: _Facility) -> pa.Table:
    columns = {"production_kw": f.rated_kw * _noisy(rng, f.level, rng.uniform(0.03, 0.08))}
    if f.metered:
        columns["treatment_kw"] = _treatment_kw(rng, f)
    if f.cems:
        outlet = _outlet_factor(f)
        for i, m in enumerate(f.cems):
            rate = np.exp(rng.normal(np.log(15), 0.8))              # full-load kg/h after treatment
            columns[m] = rate * _noisy(rng, f.level * outlet[i], rng.uniform(0.05, 0.12))
    _gaps(rng, clock, columns)
    return _long(clock, f.id, columns)


def _noisy(rng: np.random.Generator, level: np.ndarray, sigma: float) -> np.ndarray:
    """Multiplicative noise with occasional spikes (up) and dips (down)."""
    noise = np.exp(rng.normal(0, sigma, level.size))
    odd = rng.random(level.size) < rng.uniform(0.005, 0.015)
    n = int(odd.sum())
    noise[odd] *= np.where(rng.random(n) < 0.5, rng.uniform(1.3, 2.2, n), rng.uniform(0.2, 0.7, n))
    return level * noise


def _treatment_kw(rng: np.random.Generator, f: _Facility) -> np.ndarray:
    full = f.rated_kw * rng.uniform(0.08, 0.25)
    running = full * (0.55 + 0.45 * np.minimum(f.level, 1.2))
    kw = np.where(f.treatment_off, full * rng.uniform(0.0, 0.04, f.level.size), _noisy(rng, running, 0.03))
    glitch = rng.random(kw.size) < 0.003                          # a meter reading zero for an hour
    return np.where(glitch, 0.0, kw)


def _gaps(rng: np.random.Generator, clock: _Clock, columns: dict[str, np.ndarray]) -> None:
    for name in columns:
        columns[name][rng.random(clock.n) < rng.uniform(0, 0.03)] = np.nan
    for _ in range(rng.poisson(0.7)):
        begin = int(rng.integers(0, clock.n))
        span = slice(begin, begin + int(rng.integers(3, 31)))
        hit = list(columns) if rng.random() < 0.6 else [list(columns)[rng.integers(len(columns))]]
        for name in hit:
            columns[name][span] = np.nan


def _long(clock: _Clock, fid: str, columns: dict[str, np.ndarray]) -> pa.Table:
    start = np.datetime64(datetime(clock.start.year, clock.start.month, clock.start.day), "s")
    labels = start + (np.arange(clock.n) + 1) * np.timedelta64(3600, "s")
    parts = []
    for name, values in columns.items():
        keep = ~np.isnan(values)
        n = int(keep.sum())
        parts.append(pa.table({"facility": pa.array([fid] * n, pa.string()),
                               "time": pa.array(labels[keep], pa.timestamp("s")),
                               "metric": pa.array([name] * n, pa.string()),
                               "value": pa.array(np.round(values[keep], 3), pa.float64()),
                               "unit": pa.array([UNITS[name]] * n, pa.string())}, schema=SCHEMA))
    return pa.concat_tables(parts)
