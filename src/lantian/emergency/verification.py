"""Verifying the reduction list during a warning from hourly facility data (应急减排核查).

Three kinds of suspected violation, each a (facility, kind) pair:

* ``production_not_reduced`` — 用电监控 production power during the warning not below the
  baseline × (1 − committed cut), beyond a tolerance;
* ``treatment_off`` — the treatment (治污) line's power near zero while production runs; the
  most serious;
* ``emissions_not_reduced`` — a CEMS emission rate not reduced in proportion to the cut.

Baseline: for each facility, metric and hour of day, the median of the same hour over the days
before the warning (gaps left out). Tolerances are in units of the facility's *reference level*,
a high quantile of its baseline hours (full-load power, full-load emission rate), so that idle
night hours and stopped plants are judged on the same scale as full production. Hourly noise and
single spikes are damped by a rolling median; gaps never count as evidence either way, and the
evidence states how much of the warning had data.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa

from lantian.emergency.series import EMISSIONS, METRICS, UNITS, grid

KINDS = ("production_not_reduced", "treatment_off", "emissions_not_reduced")
SERIOUS, MAJOR, MINOR = "serious", "major", "minor"
SEVERITY_RANK = {SERIOUS: 3, MAJOR: 2, MINOR: 1}


@dataclass(frozen=True)
class Commitment:
    """What an enterprise on the reduction list committed to at the warning's level.

    ``cut`` is the committed share of production removed (0 for an A-grade enterprise's own
    measures, 0.2 for 限产20%, 0.5 for 停产50%（以生产线计）, 1 for 停产); ``has_treatment``:
    it runs a treatment facility that must keep running while it produces.
    """
    facility: str
    cut: float
    has_treatment: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.cut <= 1:
            raise ValueError(f"{self.facility}: the committed cut is a share 0…1, not {self.cut}")


@dataclass(frozen=True)
class VerifySettings:
    """Every number the verification uses. Each one is a ⚠ default tuned on one synthetic set
    (``synthetic.generate(n_facilities=300, seed=synthetic.TUNING_SEED)``), not a rule from a
    standard; the held-out check runs on another seed (``synthetic.HELD_OUT_SEED``).

    * ``baseline_days`` ⚠ 7 — days before the warning whose same hours form the baseline;
    * ``min_baseline_days`` ⚠ 3 — an hour of day needs this many days with data for a baseline;
    * ``reference_quantile`` ⚠ 0.9 — quantile of the baseline hours taken as the full-load level;
    * ``grace_hours`` ⚠ 3 — hours after the warning starts in which production may still ramp down;
    * ``window_hours`` ⚠ 7 — the rolling median's width (centred) damping noise and spikes;
    * ``min_window_hours`` ⚠ 3 — hours with data a window needs to count;
    * ``production_tolerance`` ⚠ 0.12 — allowed production above the commitment, share of full-load power;
    * ``emission_tolerance`` ⚠ 0.2 — allowed emission rate above the commitment, share of full-load rate;
    * ``min_hours`` ⚠ 4 — flagged hours needed for a reduction suspect;
    * ``running_share`` ⚠ 0.15 — production at or above this share of full load is "running";
    * ``off_share`` ⚠ 0.15 — treatment at or below this share of its full level is "off";
    * ``min_off_run`` ⚠ 2 — consecutive off-while-running hours that count (single glitches don't);
    * ``min_off_hours`` ⚠ 3 — counted hours needed for a treatment-off suspect;
    * ``weekday_below`` ⚠ 0.9 — a warning day is judged against a baseline lowered to its weekday's
      level in the baseline week when that weekday ran below this share of the median day
      (weekends); ``None`` turns it off;
    * ``major_below`` ⚠ 0.5 — a reduction suspect is ``major`` when less than this share of the
      committed cut was achieved (emissions above the baseline at a cut of 0), else ``minor``;
      treatment off is always ``serious``.
    """
    baseline_days: int = 7
    min_baseline_days: int = 3
    reference_quantile: float = 0.9
    grace_hours: int = 3
    window_hours: int = 7
    min_window_hours: int = 3
    production_tolerance: float = 0.12
    emission_tolerance: float = 0.2
    min_hours: int = 4
    running_share: float = 0.15
    off_share: float = 0.15
    min_off_run: int = 2
    min_off_hours: int = 3
    weekday_below: float | None = 0.9
    major_below: float = 0.5


@dataclass(frozen=True)
class Evidence:
    """The numbers behind a suspect, means over its flagged hours, in the metric's unit."""
    metric: str
    unit: str
    baseline: float                  # baseline at those hours (treatment: its full-load level)
    observed: float
    expected_max: float | None       # the most the commitment allows (reduction kinds)
    expected_min: float | None       # the least a running treatment line draws (treatment_off)
    hours_with_data: int             # warning hours that could be judged (gaps are not)
    warning_hours: int
    periods: tuple[tuple[datetime, datetime], ...]   # runs of flagged hours, first and last label
    other_metrics: tuple[str, ...] = ()              # further CEMS metrics flagged as well
    production: float | None = None                  # production kW while treatment was off

    @property
    def coverage(self) -> float:
        return self.hours_with_data / self.warning_hours if self.warning_hours else 0.0


@dataclass(frozen=True)
class Suspect:
    facility: str
    kind: str
    hours: int                       # flagged hours
    evidence: Evidence
    severity: str                    # SERIOUS, MAJOR or MINOR


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    tp: int
    fp: int
    fn: int


@dataclass
class _Frame:
    """The grid split into baseline days and warning hours, per metric: facility × …"""
    facilities: list[str]
    start: datetime                                                  # the warning's start
    baseline: dict[str, np.ndarray] = field(default_factory=dict)    # facility × day × 24
    warning: dict[str, np.ndarray] = field(default_factory=dict)     # facility × warning hour


def verify(table: pa.Table, commitments: Mapping[str, Commitment], warning: tuple[datetime, datetime], *,
           settings: VerifySettings = VerifySettings()) -> list[Suspect]:
    """Suspected violations of ``commitments`` during ``warning`` = (start, end), most serious first.

    The warning covers the hour-ending labels after ``start`` up to ``end``. Facilities without
    a commitment are not judged; a commitment without data yields nothing.
    """
    start, end = warning
    if end <= start:
        raise ValueError("the warning ends before it starts")
    facilities = sorted(commitments)
    if not facilities:
        return []
    frame = _frame(table, facilities, start, end, settings)
    cut = np.array([commitments[f].cut for f in facilities], dtype=float)
    treated = np.array([commitments[f].has_treatment for f in facilities], dtype=bool)
    suspects = _production(frame, cut, settings)
    suspects += _emissions(frame, cut, settings)
    suspects += _treatment(frame, treated, settings)
    return sorted(suspects, key=lambda s: (-SEVERITY_RANK[s.severity], -s.hours, s.facility, s.kind))


def score(suspects: list[Suspect], truth: Mapping[str, set[str]]) -> Score:
    """Precision and recall over (facility, kind) pairs."""
    found = {(s.facility, s.kind) for s in suspects}
    real = {(f, k) for f, kinds in truth.items() for k in kinds}
    tp, fp, fn = len(found & real), len(found - real), len(real - found)
    return Score(precision=tp / (tp + fp) if tp + fp else 1.0, recall=tp / (tp + fn) if tp + fn else 1.0,
                 tp=tp, fp=fp, fn=fn)


# ---------------------------------------------------------------- layout

def _frame(table: pa.Table, facilities: list[str], start: datetime, end: datetime,
           settings: VerifySettings) -> _Frame:
    days = settings.baseline_days
    first = start - timedelta(days=days) + timedelta(hours=1)
    g = grid(table, first, end, facilities, METRICS)
    split = days * 24
    frame = _Frame(facilities, start)
    for name in METRICS:
        values = g.metric(name)
        frame.baseline[name] = values[:, :split].reshape(len(facilities), days, 24)
        frame.warning[name] = values[:, split:]
    return frame


def _nan_quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)


def _baseline(days: np.ndarray, n_hours: int, settings: VerifySettings) -> np.ndarray:
    """Per facility and warning hour, the median of the same hour over the baseline days, lowered
    on a day whose weekday ran clearly lower in the baseline week (a weekend)."""
    enough = np.sum(~np.isnan(days), axis=1) >= settings.min_baseline_days
    median = np.where(enough, _nan_quiet(np.nanmedian, days, axis=1), np.nan)     # facility × 24
    hours = np.arange(n_hours)
    baseline = median[:, hours % 24]
    if settings.weekday_below is None:
        return baseline
    return baseline * _weekday_factor(days, median, settings)[:, (hours // 24) % days.shape[1]]


def _weekday_factor(days: np.ndarray, median: np.ndarray, settings: VerifySettings) -> np.ndarray:
    """Per facility and baseline day, that day's level relative to the median day at its working
    hours; 1 unless below ``weekday_below``. Day q of the warning has the weekday of day q mod 7."""
    ref = _reference(days, settings)[:, None]
    working = (median >= settings.running_share * ref)[:, None, :]
    ratio = np.where(working, days / median[:, None, :], np.nan)
    factor = _nan_quiet(np.nanmedian, ratio, axis=2)
    return np.where(factor < settings.weekday_below, factor, 1.0)


def _reference(days: np.ndarray, settings: VerifySettings) -> np.ndarray:
    """Per facility, the full-load level: a high quantile of its hours (NaN: none, or zero)."""
    flat = days.reshape(days.shape[0], -1)
    ref = _nan_quiet(np.nanquantile, flat, settings.reference_quantile, axis=1)
    return np.where(ref > 0, ref, np.nan)


def _rolling_median(values: np.ndarray, settings: VerifySettings) -> np.ndarray:
    """Centred rolling median over hours (NaN where the window has too few hours with data)."""
    w = settings.window_hours
    padded = np.pad(values, ((0, 0), (w // 2, w - 1 - w // 2)), constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, w, axis=1)
    enough = np.sum(~np.isnan(windows), axis=2) >= settings.min_window_hours
    return np.where(enough, _nan_quiet(np.nanmedian, windows, axis=2), np.nan)


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) indices of each run of True."""
    edges = np.diff(np.r_[0, flags.astype(np.int8), 0])
    return list(zip(np.nonzero(edges == 1)[0].tolist(), (np.nonzero(edges == -1)[0] - 1).tolist()))


def _periods(frame: _Frame, flags: np.ndarray) -> tuple[tuple[datetime, datetime], ...]:
    hour = timedelta(hours=1)
    return tuple((frame.start + (a + 1) * hour, frame.start + (b + 1) * hour) for a, b in _runs(flags))


# ---------------------------------------------------------------- the checks

@dataclass
class _Flags:
    """One reduction check of one metric over all facilities."""
    flags: np.ndarray          # facility × warning hour
    judged: np.ndarray         # facility × warning hour: data and baseline present
    baseline: np.ndarray
    observed: np.ndarray
    allowed: np.ndarray


def _reduction_flags(frame: _Frame, metric: str, cut: np.ndarray, tolerance: float,
                     settings: VerifySettings) -> _Flags:
    observed = frame.warning[metric]
    n_hours = observed.shape[1]
    baseline = _baseline(frame.baseline[metric], n_hours, settings)
    ref = _reference(frame.baseline[metric], settings)[:, None]
    allowed = baseline * (1 - cut[:, None]) + tolerance * ref
    excess = (observed - baseline * (1 - cut[:, None])) / ref
    judged = ~np.isnan(excess)
    smooth = _rolling_median(excess, settings)
    after_grace = np.arange(n_hours) >= settings.grace_hours
    flags = judged & after_grace & (np.nan_to_num(smooth, nan=-np.inf) > tolerance)
    return _Flags(flags, judged, baseline, observed, allowed)


def _production(frame: _Frame, cut: np.ndarray, settings: VerifySettings) -> list[Suspect]:
    """Production above the commitment; an A-grade plant (cut 0) has none to keep."""
    f = _reduction_flags(frame, "production_kw", cut, settings.production_tolerance, settings)
    found = (cut > 0) & (f.flags.sum(axis=1) >= settings.min_hours)
    return [_reduction_suspect(frame, i, "production_kw", "production_not_reduced", cut[i], f, settings)
            for i in np.nonzero(found)[0]]


def _reduction_suspect(frame: _Frame, i: int, metric: str, kind: str, cut: float, f: _Flags,
                       settings: VerifySettings) -> Suspect:
    hit = f.flags[i]
    baseline, observed = float(f.baseline[i, hit].mean()), float(f.observed[i, hit].mean())
    evidence = Evidence(metric=metric, unit=UNITS[metric], baseline=baseline, observed=observed,
                        expected_max=float(f.allowed[i, hit].mean()), expected_min=None,
                        hours_with_data=int(f.judged[i].sum()), warning_hours=hit.size,
                        periods=_periods(frame, hit))
    achieved = 1 - observed / baseline if baseline > 0 else 0.0
    severity = MAJOR if achieved < settings.major_below * cut else MINOR
    return Suspect(frame.facilities[i], kind, int(hit.sum()), evidence, severity)


def _emissions(frame: _Frame, cut: np.ndarray, settings: VerifySettings) -> list[Suspect]:
    """One suspect per facility: the CEMS metric with most flagged hours, naming the others."""
    checks = {m: _reduction_flags(frame, m, cut, settings.emission_tolerance, settings) for m in EMISSIONS}
    counts = np.stack([checks[m].flags.sum(axis=1) for m in EMISSIONS])     # metric × facility
    out = []
    for i in np.nonzero((counts >= settings.min_hours).any(axis=0))[0]:
        worst = EMISSIONS[int(np.argmax(counts[:, i]))]
        suspect = _reduction_suspect(frame, i, worst, "emissions_not_reduced", cut[i], checks[worst], settings)
        others = tuple(m for k, m in enumerate(EMISSIONS) if m != worst and counts[k, i] >= settings.min_hours)
        out.append(replace(suspect, evidence=replace(suspect.evidence, other_metrics=others)))
    return out


def _treatment(frame: _Frame, treated: np.ndarray, settings: VerifySettings) -> list[Suspect]:
    """Treatment near zero while production runs, in runs long enough not to be a meter glitch."""
    production, treatment = frame.warning["production_kw"], frame.warning["treatment_kw"]
    prod_ref = _reference(frame.baseline["production_kw"], settings)[:, None]
    # baseline and warning together: a line off for the whole warning still has its running level
    # from the baseline week, and one without baseline data still has one from the warning
    days = np.concatenate([frame.baseline["treatment_kw"].reshape(len(frame.facilities), -1), treatment], axis=1)
    treat_ref = _reference(days, settings)[:, None]
    judged = ~np.isnan(production) & ~np.isnan(treatment) & ~np.isnan(prod_ref) & ~np.isnan(treat_ref)
    off = judged & (production >= settings.running_share * prod_ref) & (treatment <= settings.off_share * treat_ref)
    counted = np.zeros_like(off)
    for i in np.nonzero(treated & off.any(axis=1))[0]:
        for a, b in _runs(off[i]):
            if b - a + 1 >= settings.min_off_run:
                counted[i, a:b + 1] = True
    out = []
    for i in np.nonzero(treated & (counted.sum(axis=1) >= settings.min_off_hours))[0]:
        hit = counted[i]
        evidence = Evidence(metric="treatment_kw", unit=UNITS["treatment_kw"], baseline=float(treat_ref[i, 0]),
                            observed=float(treatment[i, hit].mean()), expected_max=None,
                            expected_min=float(settings.off_share * treat_ref[i, 0]),
                            hours_with_data=int(judged[i].sum()), warning_hours=hit.size,
                            periods=_periods(frame, hit), production=float(production[i, hit].mean()))
        out.append(Suspect(frame.facilities[i], "treatment_off", int(hit.sum()), evidence, SERIOUS))
    return out


# ---------------------------------------------------------------- achieved reduction (复盘)

def achieved(table: pa.Table, commitments: Mapping[str, Commitment], warning: tuple[datetime, datetime], *,
             settings: VerifySettings = VerifySettings()) -> dict[str, dict[str, dict]]:
    """实际减排: per facility and metric (production power, each CEMS rate), the share by which the
    warning hours after the grace period ran below the baseline of the same hours (gaps and hours
    without a baseline left out), beside the committed cut. ``{facility: {metric: {...}}}``."""
    start, end = warning
    facilities = sorted(commitments)
    if not facilities or end <= start:
        return {}
    frame = _frame(table, facilities, start, end, settings)
    out: dict[str, dict[str, dict]] = {}
    for metric in ("production_kw",) + EMISSIONS:
        observed = frame.warning[metric]
        baseline = _baseline(frame.baseline[metric], observed.shape[1], settings)
        judged = ~np.isnan(observed) & ~np.isnan(baseline)
        judged[:, :settings.grace_hours] = False
        for i, f in enumerate(facilities):
            hours = int(judged[i].sum())
            base = float(baseline[i][judged[i]].sum()) if hours else 0.0
            if not hours or base <= 0:
                continue
            seen = float(observed[i][judged[i]].sum())
            out.setdefault(f, {})[metric] = {
                "unit": UNITS[metric], "hours": hours, "warning_hours": observed.shape[1],
                "baseline_mean": base / hours, "observed_mean": seen / hours,
                "achieved_percent": 100 * (1 - seen / base), "committed_percent": 100 * commitments[f].cut}
    return out
