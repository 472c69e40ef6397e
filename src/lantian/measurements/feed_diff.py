"""Agreement between an official CNEMC feed and lantian's recomputation of it.

A window is *complete* when every 1-hour value it needs is in the official files: then the
published value must be reproduced exactly (up to the ties documented in docs/cnemc-feed.md).
Incomplete windows are reported apart: the live platform had hours the archive lacks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lantian.errors import InputError
from lantian.measurements.feed import MEAN_24H, Feed, load_feed
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
    files: list[str]
    rows: dict[tuple[str, str], Agreement] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"files": self.files,
                "types": {f"{typ}/{klass}": {**a.__dict__, "exact_share": a.exact_share,
                                             "within_share": a.within_share}
                          for (typ, klass), a in self.rows.items()}}


def _feed_files(folder: Path) -> dict[str, Path]:
    files = {p.name: p for p in sorted(folder.iterdir())
             if p.is_file() and (p.name.endswith(".csv") or p.name.endswith(".csv.gz"))}
    if not files:
        raise InputError(folder, "no feed files (*.csv or *.csv.gz) in this folder")
    return files


def diff(official_dir: str | Path, recomputed_dir: str | Path) -> DiffReport:
    """Compare every file of ``recomputed_dir`` with the file of the same name in ``official_dir``."""
    official_dir, recomputed_dir = Path(official_dir), Path(recomputed_dir)
    mine = _feed_files(recomputed_dir)
    theirs = _feed_files(official_dir)
    names = [n for n in mine if n in theirs]
    if not names:
        raise InputError(recomputed_dir, f"no file here has a namesake in {official_dir}")
    official = load_feed([theirs[n] for n in names], published=True)
    recomputed = load_feed([mine[n] for n in names], published=True)
    complete = completeness(official)
    report = DiffReport(names)
    covered = official.covered
    if recomputed.t0 != official.t0 or recomputed.n_hours != official.n_hours:
        raise InputError(recomputed_dir, "the recomputed files cover other hours than the official ones")
    col = {s: i for i, s in enumerate(recomputed.stations)}
    idx = np.array([col.get(s, -1) for s in official.stations])
    for typ in DERIVED_TYPES:
        pub = official.published[typ]
        got = np.full_like(pub, MISSING)
        ok = idx >= 0
        got[ok] = recomputed.published[typ][idx[ok]]
        tol = 1
        for klass, mask in (("complete", complete[typ] & covered), ("incomplete", ~complete[typ] & covered)):
            a, b = pub[mask], got[mask]
            both = (a != MISSING) & (b != MISSING)
            d = np.abs(a[both] - b[both])
            report.rows[(typ, klass)] = Agreement(
                compared=int(both.sum()), exact=int((d == 0).sum()), within=int((d <= tol).sum()),
                only_official=int(((a != MISSING) & (b == MISSING)).sum()),
                only_recomputed=int(((a == MISSING) & (b != MISSING)).sum()))
    return report
