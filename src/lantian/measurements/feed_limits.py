"""The archive's own limit: why a published value differs from lantian's on a complete window.

A *miss* is a station-hour of a windowed row whose window is complete in the archive (every
1-hour input present) and whose published value differs from lantian's. Each miss gets one
reason (docs/cnemc-feed.md, "The archive's own limit"); the first four say it is the archive's:

``co_unrounded``
    ``CO_24h`` one tenth off where the archived CO hours average to exactly halfway between two
    tenths: the platform averaged the unrounded CO it had, the archive keeps it to 0.1, so the
    tie cannot be resolved from the archive.
``not_from_archived_hours``
    The published value cannot be produced by any rounding of the archived hours of its window:
    every archived hour stands for a true value within half a unit of it, so the window's mean
    (or maximum) lies within half a unit of the archived hours' own, and rounding that up or
    down still misses the published value. The platform used other hours than the archive's
    (revised later, or not in yet when it published).
``event``
    Reachable by rounding, but at an *event hour*: at least ``EVENT_STATIONS`` stations depart
    from the archived hours at that same hour in rows of two pollutants or more, ``EVENT_FACTOR``
    times as many as usual at that hour of the day. A station-hour the platform had otherwise,
    at many stations at once (a provincial platform's late or revised data), not one row's rule.
``same_departure``
    Reachable by rounding, and the window holds an event hour at which this station departed, or
    the same station's row has a ``not_from_archived_hours`` or ``event`` miss within one window
    before it (the same day for the day-based O3 rows): part of that departure.

and the last two that it is not shown to be (where lantian could be wrong):

``recurring``
    The station's row misses at this hour of the day on at least ``RECURRING_DAYS`` days and on
    more than a quarter of the days compared: a departure that comes back under the same
    circumstances is a rule, not the archive. Checked before any of the archive's reasons but
    ``co_unrounded``.
``unexplained``
    Everything else.

The test is tried both ways (tests/measurements/test_feed_limits.py): hours changed in a copy
of the archive come out as the archive's, and lantian's rules made wrong on purpose (no O3
restart at 01:00, a 7-hour O3 window, rounding half up, a 23-hour window, no O3_8h cap) come out
overwhelmingly as ``recurring`` or ``unexplained``.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from lantian.measurements.arith import SCALE
from lantian.measurements.feed import MEAN_24H, POLLUTANT, Feed, FeedRules
from lantian.measurements.readers.cnemc import MISSING
from lantian.standards.pollutants import DECIMALS

ARCHIVE = ("co_unrounded", "not_from_archived_hours", "event", "same_departure")
LANTIAN = ("recurring", "unexplained")
REASONS = {
    "co_unrounded": "CO: the archived hours average to exactly halfway between two tenths; the platform "
                    "averaged unrounded CO, the archive keeps 0.1",
    "not_from_archived_hours": "no rounding of the archived hours gives the published value: the platform "
                               "used other hours than the archive's",
    "event": "at this hour many stations depart from the archived hours at once, in two pollutants or more",
    "same_departure": "the window holds an hour at which this station departed from the archived hours",
    "recurring": "the station's row misses at this hour of the day on many days: a rule, not the archive",
    "unexplained": "not shown to be the archive's",
}
RECURRING_DAYS = 3          # at least this many days, and more than RECURRING_SHARE of those compared
RECURRING_SHARE = 0.25
EVENT_STATIONS = 5          # an event hour: at least this many stations depart at once,
EVENT_FACTOR = 4            # and this many times as many as usual at that hour of the day
#: derived row → the 1-hour row it is computed from
SOURCE = {**MEAN_24H, "O3_8h": "O3", "O3_24h": "O3", "O3_8h_24h": "O3"}
DAY_BASED = ("O3_8h", "O3_8h_24h")


@dataclass(frozen=True)
class Miss:
    """One complete window whose published value differs from lantian's (reporting units: CO in 0.1)."""
    station: str
    type: str
    t: int                       # hour-ending label, hours since 1970-01-01 00:00 Beijing time
    published: int
    recomputed: int
    low: int | None              # what rounding of the archived hours can give: low … high
    high: int | None
    archived: str                # the window's archived mean or maximum, as text
    reason: str
    event: int | None = None     # stations departing at this hour, when it is an event hour

    @property
    def hour(self) -> str:
        return (dt.datetime(1970, 1, 1) + dt.timedelta(hours=self.t)).strftime("%Y-%m-%d %H:%M")

    @property
    def month(self) -> str:
        return month_of(self.t)

    @property
    def archives(self) -> bool:
        return self.reason in ARCHIVE

    def text(self, value: int) -> str:
        return f"{value / 10:.1f}" if self.type == "CO_24h" else str(value)

    def why(self) -> str:
        reach = "" if self.low is None else \
            f"; any rounding of them gives {self.text(self.low)}…{self.text(self.high)}"
        event = f"; {self.event} stations depart at this hour" if self.event else ""
        return f"{REASONS[self.reason]} (archived hours: {self.archived}{reach}{event})"

    def as_dict(self) -> dict:
        return {"station": self.station, "type": self.type, "hour": self.hour, "month": self.month,
                "published": self.text(self.published), "recomputed": self.text(self.recomputed),
                "archive_gives": None if self.low is None else [self.text(self.low), self.text(self.high)],
                "archived": self.archived, "reason": self.reason, "archives": self.archives,
                "event_stations": self.event, "why": self.why()}


def month_of(t: int) -> str:
    """The month of an hour label's date, as the files write it (00:00 of the 1st is in its month)."""
    day = dt.date(1970, 1, 1) + dt.timedelta(days=int(t) // 24)
    return f"{day.year:04d}-{day.month:02d}"


def _hod(feed: Feed) -> np.ndarray:
    return (np.arange(feed.t0, feed.t0 + feed.n_hours) - 1) % 24 + 1


def _window(typ: str, t: int, hod: np.ndarray) -> tuple[int, int]:
    """Grid columns [a, b] of the hourly values the window of ``typ`` at column ``t`` reads (for
    ``O3_8h_24h``: the O3_8h windows it takes the maximum of)."""
    if typ == "O3_8h":
        return max(t - 7, t - int(hod[t]) + 1), t
    if typ == "O3_8h_24h":
        return (t - 16 if hod[t] == 24 else t - int(hod[t]) + 1), t
    return t - 23, t


def _per(typ: str) -> int:
    """Hourly grid units (× SCALE) per reporting unit of ``typ``'s source."""
    return SCALE // 10 ** DECIMALS[POLLUTANT[SOURCE[typ]]]


def _reach(typ: str, hourly: np.ndarray, t: int, hod: np.ndarray, rules: FeedRules) -> tuple[int, int, Fraction]:
    """(low, high, archived): the values any rounding of true hours within half a unit of the
    archived ones can give the window at ``t``, and the archived hours' own mean or maximum."""
    per = _per(typ)
    a, b = _window(typ, t, hod)
    if typ == "O3_24h":
        value = Fraction(int(hourly[a:b + 1].max()), per)
    elif typ == "O3_8h_24h":
        value = max(_mean(hourly, *_window("O3_8h", k, hod), per) for k in range(a, b + 1))
    else:
        value = _mean(hourly, a, b, per)
    low, high = _floor(value - Fraction(1, 2)), -_floor(-(value + Fraction(1, 2)))
    if typ in DAY_BASED and rules.o3_8h_cap is not None:
        low, high = min(low, rules.o3_8h_cap), min(high, rules.o3_8h_cap)
    return low, high, value


def _mean(hourly: np.ndarray, a: int, b: int, per: int) -> Fraction:
    v = hourly[a:b + 1]
    return Fraction(int(v.sum()), len(v) * per)


def _floor(x: Fraction) -> int:
    return x.numerator // x.denominator


def _shown(typ: str, value: Fraction) -> str:
    return f"{float(value) / 10:.3f}" if typ == "CO_24h" else f"{float(value):.3f}".rstrip("0").rstrip(".")


def explain(official: Feed, recomputed: dict[str, np.ndarray], complete: dict[str, np.ndarray],
            rules: FeedRules = FeedRules()) -> list[Miss]:
    """Every miss of the windowed rows on complete windows, with its reason. ``recomputed``: lantian's
    rows on ``official``'s grid (reporting units, MISSING where blank)."""
    hod = _hod(official)
    rows: dict[str, list] = {}
    compared_of, miss_of = {}, {}
    for typ in SOURCE:
        pub, got = official.published[typ], recomputed[typ]
        compared = complete[typ] & official.covered & (pub != MISSING) & (got != MISSING)
        miss = compared & (pub != got)
        compared_of[typ], miss_of[typ] = compared, miss
        hourly = official.hourly[SOURCE[typ]]
        found = rows[typ] = []
        for s, t in zip(*np.nonzero(miss)):
            low, high, value = _reach(typ, hourly[s], int(t), hod, rules)
            p, g = int(pub[s, t]), int(got[s, t])
            if typ == "CO_24h" and abs(p - g) == 1 and (value - Fraction(1, 2)).denominator == 1:
                reason = "co_unrounded"
            elif p < low or p > high:
                reason = "not_from_archived_hours"
            else:
                reason = "unexplained"
            found.append([int(s), int(t), p, g, low, high, _shown(typ, value), reason])
    events = _events(rows, official.n_hours, hod)
    out = []
    for typ, found in rows.items():
        _recurring(found, miss_of[typ], compared_of[typ], hod)
        _at_events(found, events, typ, hod)
        _same_departure(found, typ, hod)
        out += [Miss(official.stations[s], typ, official.t0 + t, p, g, low, high, shown, reason,
                     len(events[t]) or None)
                for s, t, p, g, low, high, shown, reason in found]
    out.sort(key=lambda m: (m.t, m.station, m.type))
    return out


def _events(rows: dict[str, list], n_hours: int, hod: np.ndarray) -> list[set]:
    """Per hour of the grid: the stations that departed from the archived hours at that hour in
    rows of two pollutants or more, when it is an event hour (at least EVENT_STATIONS stations,
    and EVENT_FACTOR times the median of the same hour of the day on the other days); else none.

    Two pollutants: a station-hour whose data the platform had otherwise, not one row's rule
    (a rule that bites at high values of one pollutant can hit many stations at once)."""
    sources: list[dict] = [{} for _ in range(n_hours)]
    for typ, found in rows.items():
        for s, t, *_, reason in found:
            if reason != "co_unrounded":
                sources[t].setdefault(s, set()).add(SOURCE[typ])
    departed = [{s for s, p in x.items() if len(p) >= 2} for x in sources]
    count = np.array([len(x) for x in departed])
    out: list[set] = [set() for _ in range(n_hours)]
    for h in range(1, 25):
        at = np.nonzero(hod == h)[0]
        for t in at[count[at] >= EVENT_STATIONS]:
            others = count[at[at != t]]
            usual = float(np.median(others)) if len(others) else 0.0
            if count[t] >= EVENT_FACTOR * max(usual, 1.0):
                out[t] = departed[t]
    return out


def _recurring(misses: list, miss: np.ndarray, compared: np.ndarray, hod: np.ndarray) -> None:
    """Mark ``not_from_archived_hours`` misses whose station misses this row at the same hour of the
    day on many days as ``recurring``."""
    counted = miss.copy()
    for s, t, *_, reason in misses:
        counted[s, t] = reason != "co_unrounded"
    by_hour = np.stack([counted[:, hod == h].sum(axis=1) for h in range(1, 25)], axis=1)      # S × 24
    days = np.stack([compared[:, hod == h].sum(axis=1) for h in range(1, 25)], axis=1)
    for m in misses:
        if m[-1] in ("not_from_archived_hours", "unexplained"):
            n, of = by_hour[m[0], hod[m[1]] - 1], days[m[0], hod[m[1]] - 1]
            if n >= RECURRING_DAYS and n > RECURRING_SHARE * of:
                m[-1] = "recurring"


def _at_events(misses: list, events: list[set], typ: str, hod: np.ndarray) -> None:
    """Reachable misses at an event hour are part of that event; those whose window holds an event
    hour at which their station departed, part of that departure."""
    for m in misses:
        if m[-1] != "unexplained":
            continue
        if events[m[1]]:
            m[-1] = "event"
            continue
        a, t = _window(typ, m[1], hod)
        a = _window("O3_8h", a, hod)[0] if typ == "O3_8h_24h" else a
        if any(m[0] in events[e] for e in range(max(a, 0), t)):
            m[-1] = "same_departure"


def _same_departure(misses: list, typ: str, hod: np.ndarray) -> None:
    """Mark reachable misses within one window of a ``not_from_archived_hours`` miss of the same
    station and row (the same day for the day-based rows) as ``same_departure``."""
    anchors: dict[int, list[int]] = {}
    for s, t, *_, reason in misses:
        if reason in ("not_from_archived_hours", "event"):
            anchors.setdefault(s, []).append(t)
    for m in misses:
        if m[-1] != "unexplained" or m[0] not in anchors:
            continue
        t = m[1]
        if typ in DAY_BASED:
            near = any((t - int(hod[t])) == (a - int(hod[a])) for a in anchors[m[0]])
        else:
            near = any(0 <= t - a < 24 for a in anchors[m[0]])
        if near:
            m[-1] = "same_departure"


def tally(misses: list[Miss]) -> dict[tuple[str, str], Counter]:
    """(month, type) → how many misses of each reason."""
    out: dict[tuple[str, str], Counter] = {}
    for m in misses:
        out.setdefault((m.month, m.type), Counter())[m.reason] += 1
    return out
