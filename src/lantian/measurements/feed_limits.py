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
    down still misses the published value — and the station departs from the archive in a row
    of another pollutant within 24 hours too (or at an event hour): the platform had other data
    for the station-hour than the archive keeps (revised later, or not in yet when it published).
``late_hours``
    Not reachable by rounding, but the published value is exactly what the window gives from its
    latest hours alone (the mean, or maximum, of the hours from some later hour on, rounded as the
    platform rounds): the earlier hours were not in yet when the platform published (a province
    on 2019-02-22: O3_8h equal to the hour's own O3 from 01:00 to 14:00).
``event``
    Reachable by rounding, but at an *event hour*: at least ``EVENT_STATIONS`` stations depart
    from the archived hours at that same hour in rows of two pollutants or more, ``EVENT_FACTOR``
    times as many as usual at that hour of the day (a provincial platform's late or revised data).
``same_departure``
    Reachable by rounding, and the window holds an event hour at which this station departed, or
    a row of the same station and pollutant has a miss that is the archive's (but
    ``co_unrounded``) within one window before it (the same day for the day-based O3 rows), or
    one of another pollutant at the same hour: part of that departure.

and the last three that it is not shown to be (where lantian could be wrong, or the platform departs
from the standard):

``network_wide``
    Every miss of a row that more than ``NETWORK_SHARE`` of the stations compared miss on
    ``NETWORK_DAYS`` days or more: a departure the whole network shares, day after day, is a rule
    lantian does not follow, not the archive (the archive's departures are a province's stations
    on some days, or many stations at one hour: in 2019 never more than a third of the network
    once, and far fewer on two days). Checked first, after ``co_unrounded``.
``aqi_not_ceiled``
    The hourly ``AQI`` (a row of one hour, whose inputs the archive has whenever the station-hour
    is complete) published as the exact index rounded to the nearest integer, where HJ 633 takes
    the next one up: Beijing's 12 stations from 2019-09-30 21:00 to 2019-10-08 (234 station-hours).
    The platform's departure from the standard; lantian keeps the standard.
``unexplained``
    Everything else, an unreachable value of one pollutant alone included (a rule that bites
    only at some values of one pollutant looks like that: the O3_8h cap at 300 µg/m³ did).

The test is tried both ways (tests/measurements/test_feed_limits.py): hours changed in a copy
of the archive come out as the archive's, and lantian's rules made wrong on purpose (no O3
restart at 01:00, rounding half up, a 23-hour window, no O3_8h cap) come out as ``network_wide``
or ``unexplained``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np

from lantian.measurements.arith import SCALE
from lantian.measurements.feed import MEAN_24H, POLLUTANT, Feed, FeedRules
from lantian.measurements.readers.cnemc import MISSING
from lantian.standards.pollutants import DECIMALS
from lantian.measurements.feed import AQI_ITEMS
from lantian.standards import aqi as hj633

ARCHIVE = ("co_unrounded", "not_from_archived_hours", "late_hours", "event", "same_departure")
LANTIAN = ("aqi_not_ceiled", "network_wide", "unexplained")
REASONS = {
    "co_unrounded": "CO: the archived hours average to exactly halfway between two tenths; the platform "
                    "averaged unrounded CO, the archive keeps 0.1",
    "not_from_archived_hours": "no rounding of the archived hours gives the published value: the platform "
                               "used other hours than the archive's",
    "late_hours": "the published value is what the window's latest hours alone give: the earlier ones were not "
                  "in yet when the platform published",
    "event": "at this hour many stations depart from the archived hours at once, in two pollutants or more",
    "same_departure": "the window holds an hour at which this station departed from the archived hours",
    "aqi_not_ceiled": "the published AQI is the index rounded to the nearest integer where HJ 633 takes the next "
                      "one up: the platform departs from the standard here, lantian keeps it",
    "network_wide": "most stations miss this row on several days: a rule, not the archive",
    "unexplained": "not shown to be the archive's",
}
NETWORK_SHARE = 0.5         # a row missed by more than this share of the stations compared,
NETWORK_DAYS = 2            # each on this many days or more, is missed by rule
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
        return f"{REASONS[self.reason]} (from the archived hours: {self.archived}{reach}{event})"

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


def _per(typ: str) -> int:
    """Hourly grid units (× SCALE) per reporting unit of ``typ``'s source."""
    return SCALE // 10 ** DECIMALS[POLLUTANT[SOURCE[typ]]]


def _cumsum(hourly: np.ndarray) -> np.ndarray:
    """Per station, the running sum of the hourly values (column t: the hours before t)."""
    v = np.where(hourly == MISSING, 0, hourly)
    out = np.zeros((v.shape[0], v.shape[1] + 1), dtype=np.int64)
    np.cumsum(v, axis=1, out=out[:, 1:])
    return out


def _starts(typ: str, hod: np.ndarray) -> np.ndarray:
    """Per hour column t: the first column of the window of ``typ`` at t."""
    t = np.arange(len(hod))
    if typ == "O3_8h":
        return np.maximum(t - 7, t - hod + 1)
    if typ == "O3_8h_24h":
        return np.where(hod == 24, t - 16, t - hod + 1)
    return t - 23


def _archived(typ: str, official: Feed, s: np.ndarray, t: np.ndarray, hod: np.ndarray,
              sums: dict) -> tuple[np.ndarray, np.ndarray]:
    """(numerator, denominator) of the archived hours' own value of each window (s, t), in
    reporting units: the mean, or the maximum, of the hours the window reads."""
    per = _per(typ)
    src = SOURCE[typ]
    if typ == "O3_24h":
        cols = t[:, None] - np.arange(24)[None, :]
        return official.hourly[src][s[:, None], cols].max(axis=1), np.full(len(s), per, dtype=np.int64)
    if src not in sums:
        sums[src] = _cumsum(official.hourly[src])
    cs = sums[src]
    if typ == "O3_8h_24h":                       # the largest O3_8h window of the day so far (or 08…24)
        a8 = _starts("O3_8h", hod)
        first = _starts(typ, hod)[t]
        ks = t[:, None] - np.arange(24)[None, :]
        valid = ks >= first[:, None]
        ks = np.where(valid, ks, t[:, None])
        num = cs[s[:, None], ks + 1] - cs[s[:, None], a8[ks]]
        den = (ks - a8[ks] + 1) * per
        best = np.argmax(np.where(valid, num / den, -np.inf), axis=1)
        rows = np.arange(len(s))
        return num[rows, best], den[rows, best]
    a = _starts(typ, hod)[t]
    return cs[s, t + 1] - cs[s, a], (t - a + 1) * per


def explain(official: Feed, recomputed: dict[str, np.ndarray], complete: dict[str, np.ndarray],
            rules: FeedRules = FeedRules()) -> list[Miss]:
    """Every miss of the windowed rows on complete windows, with its reason. ``recomputed``: lantian's
    rows on ``official``'s grid (reporting units, MISSING where blank)."""
    hod = _hod(official)
    found: dict[str, dict] = {}
    sums: dict = {}
    for typ in SOURCE:
        pub, got = official.published[typ], recomputed[typ]
        compared = complete[typ] & official.covered & (pub != MISSING) & (got != MISSING)
        s, t = np.nonzero(compared & (pub != got))
        num, den = _archived(typ, official, s, t, hod, sums)
        low, high = (2 * num - den) // (2 * den), -((-(2 * num + den)) // (2 * den))      # any rounding of it
        if typ in DAY_BASED and rules.o3_8h_cap is not None:
            low, high = np.minimum(low, rules.o3_8h_cap), np.minimum(high, rules.o3_8h_cap)
        p, g = pub[s, t], got[s, t]
        reason = np.full(len(s), "unexplained", dtype=object)
        reason[(p < low) | (p > high)] = "not_from_archived_hours"
        if typ == "CO_24h":
            reason[(np.abs(p - g) == 1) & ((2 * num - den) % (2 * den) == 0)] = "co_unrounded"
        found[typ] = dict(s=s, t=t, p=p, g=g, low=low, high=high, value=num / den, reason=reason)
        _network_wide(found[typ], compared)
        _late_hours(found[typ], typ, official, hod, sums)
    events = _events(found, official.n_hours, hod)
    _corroborated(found, events)
    for typ, f in found.items():
        _at_events(f, typ, events, hod)
    _same_departure(found, hod)
    out = []
    for typ, f in found.items():
        out += [Miss(official.stations[s], typ, official.t0 + t, p, g, low, high, _shown(typ, v), r,
                     len(events[t]) or None)
                for s, t, p, g, low, high, v, r in zip(f["s"].tolist(), f["t"].tolist(), f["p"].tolist(),
                                                       f["g"].tolist(), f["low"].tolist(), f["high"].tolist(),
                                                       f["value"].tolist(), f["reason"].tolist())]
    departed = {(m.station, m.t) for m in out if m.archives and m.reason != "co_unrounded"}
    for m in _aqi_misses(official, recomputed["AQI"], complete["AQI"], rules):
        if m.reason == "unexplained" and events[m.t - official.t0]:
            m = replace(m, reason="event", event=len(events[m.t - official.t0]))
        elif m.reason == "unexplained" and (m.station, m.t) in departed:
            m = replace(m, reason="same_departure")
        out.append(m)
    out.sort(key=lambda m: (m.t, m.station, m.type))
    return out


def _aqi_misses(official: Feed, got: np.ndarray, complete: np.ndarray, rules: FeedRules) -> list[Miss]:
    """The hourly AQI's misses on complete station-hours: ``aqi_not_ceiled`` where the published value
    is the exact index rounded to the nearest integer instead of up (HJ 633—2012 §6.2: 进位取整数),
    else ``unexplained`` (:func:`explain` then gives those at an event hour, or at an hour at which
    the station departs in another row, to that departure)."""
    from fractions import Fraction
    pub = official.published["AQI"]
    miss = complete & official.covered & (pub != MISSING) & (got != MISSING) & (pub != got)
    levels = hj633.table(rules.aqi_version)["iaqi_levels"]
    out = []
    for s, t in zip(*np.nonzero(miss)):
        index = Fraction(0)
        for typ, item in AQI_ITEMS.items():
            v = official.hourly[typ][s, t]
            c = hj633.round_input(item, Fraction(int(v), SCALE))
            if typ == "SO2" and c > 800 and rules.so2_1h_over_800 is not None:
                index = max(index, Fraction(rules.so2_1h_over_800))
                continue
            bps = hj633.breakpoints(item, rules.aqi_version)
            k = next((i for i in range(1, len(bps)) if c <= bps[i]), None)
            exact = Fraction(500) if k is None else \
                levels[k - 1] + Fraction(levels[k] - levels[k - 1]) * (c - Fraction(bps[k - 1])) / (bps[k] - bps[k - 1])
            index = max(index, exact)
        p = int(pub[s, t])
        reason = "aqi_not_ceiled" if index.denominator != 1 and p == _floor(index + Fraction(1, 2)) else "unexplained"
        out.append(Miss(official.stations[s], "AQI", official.t0 + int(t), p, int(got[s, t]), None, None,
                        f"{float(index):.3f}", reason))
    return out


def _floor(x) -> int:
    return x.numerator // x.denominator


def _shown(typ: str, value: float) -> str:
    return f"{value / 10:.3f}" if typ == "CO_24h" else f"{value:.3f}".rstrip("0").rstrip(".")


def _network_wide(f: dict, compared: np.ndarray) -> None:
    """All misses of a row are ``network_wide`` when more than NETWORK_SHARE of the stations compared
    in it miss it on NETWORK_DAYS days or more: a rule lantian does not follow, not the archive."""
    counted = f["reason"] != "co_unrounded"
    if not counted.any():
        return
    days = {}
    for s, t in zip(f["s"][counted].tolist(), f["t"][counted].tolist()):
        days.setdefault(s, set()).add(t // 24)
    often = sum(len(d) >= NETWORK_DAYS for d in days.values())
    if often > NETWORK_SHARE * int(compared.any(axis=1).sum()):
        f["reason"][counted] = "network_wide"


def _departures(found: dict, reasons=None) -> dict[int, dict[str, np.ndarray]]:
    """Per station, per source pollutant: the sorted hours of its misses (of ``reasons``; default
    every miss but ``co_unrounded`` and ``network_wide``)."""
    out: dict[int, dict[str, list]] = {}
    for typ, f in found.items():
        keep = np.isin(f["reason"], reasons) if reasons else ~np.isin(f["reason"], ["co_unrounded", "network_wide"])
        for s, t in zip(f["s"][keep].tolist(), f["t"][keep].tolist()):
            out.setdefault(s, {}).setdefault(SOURCE[typ], []).append(t)
    return {s: {src: np.sort(np.array(ts)) for src, ts in d.items()} for s, d in out.items()}


def _events(found: dict, n_hours: int, hod: np.ndarray) -> list[set]:
    """Per hour of the grid: the stations that departed from the archived hours at that hour in
    rows of two pollutants or more, when it is an event hour (at least EVENT_STATIONS stations,
    and EVENT_FACTOR times the median of the same hour of the day on the other days); else none.

    Two pollutants: a station-hour whose data the platform had otherwise, not one row's rule
    (a rule that bites at high values of one pollutant can hit many stations at once)."""
    sources: list[dict] = [{} for _ in range(n_hours)]
    for s, by_source in _departures(found).items():
        for src, ts in by_source.items():
            for t in ts.tolist():
                sources[t].setdefault(s, set()).add(src)
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


def _near(ts: np.ndarray, lo: int, hi: int) -> bool:
    """Whether sorted ``ts`` holds a value in [lo, hi)."""
    k = np.searchsorted(ts, lo)
    return k < len(ts) and ts[k] < hi


def _corroborated(found: dict, events: list[set]) -> None:
    """Keep ``not_from_archived_hours`` only where the station departs in a row of another pollutant
    within 24 hours too, or at an event hour: a station-hour the platform had otherwise. Alone, an
    unreachable value of one pollutant may be a rule that bites at its values (``unexplained``)."""
    departures = _departures(found)
    for typ, f in found.items():
        for k in np.nonzero(f["reason"] == "not_from_archived_hours")[0].tolist():
            s, t = int(f["s"][k]), int(f["t"][k])
            others = [ts for src, ts in departures.get(s, {}).items() if src != SOURCE[typ]]
            if not (events[t] or any(_near(ts, t - 23, t + 24) for ts in others)):
                f["reason"][k] = "unexplained"


def _at_events(f: dict, typ: str, events: list[set], hod: np.ndarray) -> None:
    """Reachable misses at an event hour are part of that event; those whose window holds an event
    hour at which their station departed, part of that departure."""
    mine: dict[int, list[int]] = {}
    for t, stations in enumerate(events):
        for s in stations:
            mine.setdefault(s, []).append(t)
    starts = _starts(typ, hod)
    if typ == "O3_8h_24h":
        starts = _starts("O3_8h", hod)[np.maximum(starts, 0)]
    for k in np.nonzero(f["reason"] == "unexplained")[0].tolist():
        s, t = int(f["s"][k]), int(f["t"][k])
        if events[t]:
            f["reason"][k] = "event"
        elif s in mine and _near(np.array(mine[s]), int(starts[t]), t):
            f["reason"][k] = "same_departure"


def _same_departure(found: dict, hod: np.ndarray) -> None:
    """Mark reachable misses within one window after a miss of the same station and pollutant that
    is the archive's (``not_from_archived_hours``, ``late_hours``, ``event``; the same day for the
    day-based rows), or at the same hour as one of another pollutant, as ``same_departure``."""
    anchors = _departures(found, ["not_from_archived_hours", "late_hours", "event"])
    day_start = np.arange(len(hod)) - hod + 1
    for typ, f in found.items():
        for k in np.nonzero(f["reason"] == "unexplained")[0].tolist():
            s, t = int(f["s"][k]), int(f["t"][k])
            lo = int(day_start[t]) if typ in DAY_BASED else t - 23
            for src, ts in anchors.get(s, {}).items():
                if _near(ts, lo, t + 1) if src == SOURCE[typ] else _near(ts, t, t + 1):
                    f["reason"][k] = "same_departure"
                    break


def _late_hours(f: dict, typ: str, official: Feed, hod: np.ndarray, sums: dict) -> None:
    """Mark unreachable misses whose published value is what the window gives from its latest hours
    alone — the earlier ones not in yet when the platform published — as ``late_hours``."""
    todo = np.nonzero(f["reason"] == "not_from_archived_hours")[0]
    if not len(todo) or typ == "O3_8h_24h":
        return
    s, t, p = f["s"][todo], f["t"][todo], f["p"][todo]
    per = _per(typ)
    a = _starts(typ, hod)[t]
    ks = t[:, None] - np.arange(23)[None, :]                    # the window's latest hours from k on
    valid = ks > a[:, None]
    ks = np.where(valid, ks, t[:, None])
    if typ == "O3_24h":
        hourly = official.hourly["O3"]
        run = np.maximum.accumulate(hourly[s[:, None], t[:, None] - np.arange(23)[None, :]], axis=1)
        hit = valid & (run == p[:, None] * per)
    else:
        cs = sums[SOURCE[typ]]
        num = cs[s[:, None], t[:, None] + 1] - cs[s[:, None], ks]
        den = (t[:, None] - ks + 1) * per
        q, r = np.divmod(num, den)
        rounded = q + ((2 * r > den) | ((2 * r == den) & (q % 2 == 1)))          # GB/T 8170, as published
        hit = valid & (rounded == p[:, None])
    f["reason"][todo[hit.any(axis=1)]] = "late_hours"
