"""Agreement between an official CNEMC feed and lantian's recomputation of it, month by month.

A window is *complete* when every 1-hour value it needs is in the official files: then the
published value must be reproduced exactly, up to the archive's own limit — every complete
window that is not is listed with the reason (:mod:`lantian.measurements.feed_limits`,
docs/cnemc-feed.md). Incomplete windows are reported apart: the live platform had hours the
archive lacks.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lantian.errors import InputError
from lantian.measurements.feed import MEAN_24H, Feed, FeedRules, load_feed
from lantian.measurements.feed_limits import ARCHIVE, REASONS, Miss, explain, month_of
from lantian.measurements.readers.cnemc import DERIVED_TYPES, HOURLY_TYPES, MISSING


def _window_full(ok: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Whether the ``lengths[t]`` hours ending at each t are all True (hours before the grid are False)."""
    c = np.concatenate([np.zeros((ok.shape[0], 1), np.int32), np.cumsum(ok, axis=1, dtype=np.int32)], axis=1)
    t = np.arange(ok.shape[1])
    start = t + 1 - lengths
    counts = c[:, t + 1] - c[:, np.maximum(start, 0)]
    return (counts == lengths) & (start >= 0)


def completeness(feed: Feed) -> dict[str, np.ndarray]:
    """For each derived type, whether every 1-hour input of its window is present (S×T bool)."""
    have = {typ: feed.hourly[typ] != MISSING for typ in HOURLY_TYPES}
    t = np.arange(feed.t0, feed.t0 + feed.n_hours)
    hod = (t - 1) % 24 + 1                                          # 1…24, hour-ending
    full24 = np.full(len(t), 24)
    out = {"AQI": np.logical_and.reduce([have[p] for p in HOURLY_TYPES])}
    for typ, src in MEAN_24H.items():
        out[typ] = _window_full(have[src], full24)
    out["O3_8h"] = _window_full(have["O3"], np.minimum(hod, 8))
    out["O3_8h_24h"] = _window_full(have["O3"], hod)
    out["O3_24h"] = _window_full(have["O3"], full24)
    return out


@dataclass
class Agreement:
    """Counts for one derived type and one completeness class."""
    compared: int = 0       # both published and recomputed have a value
    exact: int = 0
    within: int = 0         # |Δ| ≤ 1 (CO ≤ 0.1)
    only_official: int = 0
    only_recomputed: int = 0

    @property
    def exact_share(self) -> float:
        return self.exact / self.compared if self.compared else float("nan")

    @property
    def within_share(self) -> float:
        return self.within / self.compared if self.compared else float("nan")


@dataclass
class DiffReport:
    """Agreement per derived type and window class: ``rows`` over all the files, ``monthly`` per
    month (of each hour label's date, as the files write it: 00:00 of the 1st is in its month); ``misses`` the complete windows that differ,
    each with its reason (:mod:`lantian.measurements.feed_limits`)."""
    files: list[str]
    rows: dict[tuple[str, str], Agreement] = field(default_factory=dict)
    monthly: dict[tuple[str, str, str], Agreement] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)
    repeated: list[dict] = field(default_factory=list)
    truncated: list[dict] = field(default_factory=list)

    @property
    def months(self) -> list[str]:
        return sorted({m for m, _, _ in self.monthly})

    def reasons(self, month: str | None = None, typ: str | None = None) -> Counter:
        """How many misses of each reason (of one month and/or type)."""
        return Counter(m.reason for m in self.misses
                       if (month is None or m.month == month) and (typ is None or m.type == typ))

    def _reasons_by_month(self) -> dict:
        out: dict[str, dict[str, Counter]] = {}
        for m in self.misses:
            out.setdefault(m.month, {}).setdefault(m.type, Counter())[m.reason] += 1
        return {month: {typ: dict(c) for typ, c in by.items()} for month, by in out.items()}

    def as_dict(self, listed: bool = True) -> dict:
        def row(a: Agreement) -> dict:
            return {**a.__dict__, "exact_share": a.exact_share, "within_share": a.within_share}
        out = {"files": self.files,
               "types": {f"{typ}/{klass}": row(a) for (typ, klass), a in self.rows.items()},
               "months": {month: {f"{typ}/{klass}": row(a) for (m, typ, klass), a in self.monthly.items()
                                  if m == month} for month in self.months},
               "reasons": self._reasons_by_month(),
               "reason_texts": REASONS, "archive_reasons": list(ARCHIVE),
               "repeated_columns": self.repeated, "truncated": self.truncated}
        if listed:
            out["misses"] = [m.as_dict() for m in self.misses if m.reason != "co_unrounded"]
            out["co_unrounded"] = sum(m.reason == "co_unrounded" for m in self.misses)
        return out


def _feed_files(folder: Path) -> dict[str, Path]:
    files = {p.name: p for p in sorted(folder.iterdir())
             if p.is_file() and (p.name.endswith(".csv") or p.name.endswith(".csv.gz"))}
    if not files:
        raise InputError(folder, "no feed files (*.csv or *.csv.gz) in this folder")
    return files


def _agreement(a: np.ndarray, b: np.ndarray, mask: np.ndarray, month: np.ndarray, n_months: int) -> list[Agreement]:
    """Agreement of ``a`` (published) and ``b`` (recomputed) on ``mask``, per month (``month``: the
    month of each hour column)."""
    both = mask & (a != MISSING) & (b != MISSING)
    d = np.where(both, np.abs(a - b), -1)
    counts = [both, both & (d == 0), both & (d <= 1) & (d >= 0),
              mask & (a != MISSING) & (b == MISSING), mask & (a == MISSING) & (b != MISSING)]
    per = [np.bincount(month, weights=c.sum(axis=0), minlength=n_months).astype(np.int64) for c in counts]
    return [Agreement(*(int(x[k]) for x in per)) for k in range(n_months)]


def diff(official_dir: str | Path, recomputed_dir: str | Path, lenient: bool = False,
         rules: FeedRules = FeedRules()) -> DiffReport:
    """Compare every file of ``recomputed_dir`` with the file of the same name in ``official_dir``,
    per month, and give every complete window that differs its reason (``rules``: those the files
    were recomputed with). ``lenient``: files whose last line was cut short are read without it."""
    official_dir, recomputed_dir = Path(official_dir), Path(recomputed_dir)
    mine = _feed_files(recomputed_dir)
    theirs = _feed_files(official_dir)
    names = [n for n in mine if n in theirs]
    if not names:
        raise InputError(recomputed_dir, f"no file here has a namesake in {official_dir}")
    official = load_feed([theirs[n] for n in names], published=True, lenient=lenient)
    recomputed = load_feed([mine[n] for n in names], published=True, lenient=lenient)
    complete = completeness(official)
    report = DiffReport(names)
    report.repeated = [r.describe(f.name) for f in official.files for r in f.repeated]
    report.truncated = [f.truncated.describe(f.name) for f in official.files if f.truncated]
    covered = official.covered
    if recomputed.t0 != official.t0 or recomputed.n_hours != official.n_hours:
        raise InputError(recomputed_dir, "the recomputed files cover other hours than the official ones")
    labels = np.arange(official.t0, official.t0 + official.n_hours)
    month_names, month = np.unique([month_of(t) for t in labels], return_inverse=True)
    col = {s: i for i, s in enumerate(recomputed.stations)}
    idx = np.array([col.get(s, -1) for s in official.stations])
    ok = idx >= 0
    got_all = {}
    for typ in DERIVED_TYPES:
        pub = official.published[typ]
        got = np.full_like(pub, MISSING)
        got[ok] = recomputed.published[typ][idx[ok]]
        got_all[typ] = got
        for klass, mask in (("complete", complete[typ] & covered), ("incomplete", ~complete[typ] & covered)):
            per_month = _agreement(pub, got, mask, month, len(month_names))
            for name, a in zip(month_names.tolist(), per_month):
                report.monthly[(name, typ, klass)] = a
            report.rows[(typ, klass)] = Agreement(*(sum(getattr(a, k) for a in per_month)
                                                     for k in Agreement.__dataclass_fields__))
    report.misses = explain(official, got_all, complete, rules)
    return report
